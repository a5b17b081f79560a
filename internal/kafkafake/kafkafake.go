//go:build !nokafka

// Package kafkafake starts an in-process Kafka (franz-go's kfake) for `mfn loadtest --kafka`
// without --kafka-brokers and for tests. It is linked into the binary only with -tags kfake
// (internal/cli/loadtest_kfake.go): kfake must decode every request of the protocol, which
// costs ~2.6 MB of a stripped build that a production replica never uses
// (docs/adr/0031-lean-builds-and-image.md).
package kafkafake

import "github.com/twmb/franz-go/pkg/kfake"

// Start runs a one-broker cluster with topics of the given partition count; stop closes it.
func Start(partitions int32, topics ...string) (brokers []string, stop func(), err error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topics...))
	if err != nil {
		return nil, nil, err
	}
	return c.ListenAddrs(), c.Close, nil
}
