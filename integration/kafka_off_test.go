//go:build nokafka

package integration

import (
	"strings"
	"testing"
)

// Without Kafka, a configuration with a Kafka connector or publisher is refused when it is
// loaded, and the message names the entry and the build tag.
func TestKafkaRefusedWithoutKafka(t *testing.T) {
	_, err := ParseConfig([]byte(`
spool_dir: /tmp/spool
connectors:
  - name: in
    type: kafka
    kafka: {brokers: ["k:9092"], topics: [mfn.requests], group: g}
publishers:
  - name: out
    type: kafka
    kafka: {brokers: ["k:9092"], topic: mfn.results}
`))
	if err == nil {
		t.Fatal("a Kafka configuration was accepted without Kafka")
	}
	for _, want := range []string{`connectors[0] "in"`, `publishers[0] "out"`, "kafka support not compiled in", "-tags nokafka"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := NewKafkaSink(KafkaSinkConfig{}); err == nil || !strings.Contains(err.Error(), "nokafka") {
		t.Errorf("NewKafkaSink: %v", err)
	}
}
