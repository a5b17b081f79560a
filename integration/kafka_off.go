//go:build nokafka

package integration

import (
	"context"

	"mfn/internal/buildinfo"
)

// Without Kafka (-tags nokafka) a configuration naming a Kafka connector or publisher is
// refused by Validate (kafka_config.go), naming the tag; these stand-ins are never reached
// through a validated configuration.

// KafkaSink is not available in a build without Kafka.
type KafkaSink struct{}

// NewKafkaSink reports that Kafka is not compiled in.
func NewKafkaSink(KafkaSinkConfig) (*KafkaSink, error) { return nil, buildinfo.Missing("kafka") }

// Send reports that Kafka is not compiled in.
func (*KafkaSink) Send(context.Context, []Message) error { return buildinfo.Missing("kafka") }

// Check reports that Kafka is not compiled in.
func (*KafkaSink) Check(context.Context) error { return buildinfo.Missing("kafka") }

// Close does nothing.
func (*KafkaSink) Close() error { return nil }

// KafkaSource is not available in a build without Kafka.
type KafkaSource struct{}

// NewKafkaSource reports that Kafka is not compiled in.
func NewKafkaSource(KafkaSourceConfig) (*KafkaSource, error) { return nil, buildinfo.Missing("kafka") }

// Poll reports that Kafka is not compiled in.
func (*KafkaSource) Poll(context.Context) ([]Delivery, error) { return nil, buildinfo.Missing("kafka") }

// Commit reports that Kafka is not compiled in.
func (*KafkaSource) Commit(context.Context, []Delivery) error { return buildinfo.Missing("kafka") }

// Check reports that Kafka is not compiled in.
func (*KafkaSource) Check(context.Context) error { return buildinfo.Missing("kafka") }

// Close does nothing.
func (*KafkaSource) Close() error { return nil }
