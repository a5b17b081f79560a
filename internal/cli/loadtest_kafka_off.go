//go:build nokafka

package cli

import (
	"context"
	"flag"

	"mfn/internal/buildinfo"
)

// kafkaLoadFlags are loadtest's --kafka and --publisher in a build without Kafka
// (-tags nokafka): both modes run through franz-go and kfake, so they are refused.
type kafkaLoadFlags struct {
	kafka     bool
	publisher string
}

func addKafkaLoadFlags(fs *flag.FlagSet) *kafkaLoadFlags {
	k := &kafkaLoadFlags{}
	fs.BoolVar(&k.kafka, "kafka", false, "Kafka mode (not in this build: -tags nokafka)")
	fs.StringVar(&k.publisher, "publisher", "", "publisher mode (not in this build: -tags nokafka)")
	return k
}

func (k *kafkaLoadFlags) active() bool { return k.kafka || k.publisher != "" }

func runKafkaLoadtest(context.Context, *Env, loadtestFlags, *kafkaLoadFlags) error {
	return usagef("--kafka, --publisher: %v", buildinfo.Missing("kafka"))
}
