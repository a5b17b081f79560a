//go:build !nokafka

package cli

import "mfn/internal/kafkafake"

// The tests run the in-process Kafka whatever the build's tags: only the binary leaves it
// out (loadtest_kfake.go).
func init() {
	if inProcessKafka == nil {
		inProcessKafka = kafkafake.Start
	}
}
