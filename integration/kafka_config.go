package integration

import (
	"errors"
	"fmt"
	"time"

	"mfn/internal/buildinfo"
)

// KafkaSinkConfig is a Kafka publisher's target: an idempotent producer (franz-go's default)
// with acks from all in-sync replicas, keyed by Message.Key.
type KafkaSinkConfig struct {
	Brokers       []string         `yaml:"brokers" json:"brokers"`
	KafkaSecurity `yaml:",inline"` // tls:, sasl: (kafkasec.go)
	Topic         string           `yaml:"topic" json:"topic"`
	ClientID      string           `yaml:"client_id" json:"client_id"`
	// Timeout bounds one batch's delivery (franz-go's record delivery timeout).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// ProduceRetries is how often franz-go itself retries a record before the batch fails
	// back to the Publisher, whose retries, breaker and spool take over. Small on purpose:
	// an unbounded client-side retry would hide an outage from the breaker.
	ProduceRetries int `yaml:"produce_retries" json:"produce_retries"`
}

// Defaults fills unset fields.
func (c *KafkaSinkConfig) Defaults() {
	if c.Timeout == 0 {
		c.Timeout = Duration(10 * time.Second)
	}
	if c.ProduceRetries == 0 {
		c.ProduceRetries = 3
	}
	if c.ClientID == "" {
		c.ClientID = "mfn"
	}
}

// Validate reports the first bad field, named by its configuration key.
func (c KafkaSinkConfig) Validate() error {
	if !buildinfo.Has("kafka") {
		return buildinfo.Missing("kafka")
	}
	if err := validBrokers(c.Brokers); err != nil {
		return err
	}
	if err := c.KafkaSecurity.Validate(); err != nil {
		return err
	}
	if c.Topic == "" {
		return errors.New("topic: must be set")
	}
	if c.Timeout.D() < time.Millisecond {
		return fmt.Errorf("timeout: %s is too short (at least 1ms)", c.Timeout.D())
	}
	if c.ProduceRetries < 0 || c.ProduceRetries > 100 {
		return fmt.Errorf("produce_retries: %d is out of range [0, 100]", c.ProduceRetries)
	}
	return nil
}

func validBrokers(bs []string) error {
	if len(bs) == 0 {
		return errors.New("brokers: at least one host:port is needed")
	}
	for i, b := range bs {
		if b == "" {
			return fmt.Errorf("brokers[%d]: empty address", i)
		}
	}
	return nil
}

// KafkaSourceConfig is a Kafka connector: a consumer-group member reading requests (JSON
// values) from its topics. Adding members with the same group spreads the partitions.
type KafkaSourceConfig struct {
	Brokers       []string         `yaml:"brokers" json:"brokers"`
	KafkaSecurity `yaml:",inline"` // tls:, sasl: (kafkasec.go)
	Topics        []string         `yaml:"topics" json:"topics"`
	Group         string           `yaml:"group" json:"group"`
	ClientID      string           `yaml:"client_id" json:"client_id"`
	// MaxPoll bounds the records one Poll returns (one unit of work between commits).
	MaxPoll int `yaml:"max_poll" json:"max_poll"`
	// Start is where a group without committed offsets begins: earliest or latest.
	Start string `yaml:"start" json:"start"`
	// SessionTimeout and RebalanceTimeout are the group's; handling one poll's records must
	// fit in RebalanceTimeout, since rebalances wait for it.
	SessionTimeout   Duration `yaml:"session_timeout" json:"session_timeout"`
	RebalanceTimeout Duration `yaml:"rebalance_timeout" json:"rebalance_timeout"`
}

// Defaults fills unset fields.
func (c *KafkaSourceConfig) Defaults() {
	if c.MaxPoll == 0 {
		c.MaxPoll = 64
	}
	if c.Start == "" {
		c.Start = "earliest"
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = Duration(45 * time.Second)
	}
	if c.RebalanceTimeout == 0 {
		c.RebalanceTimeout = Duration(60 * time.Second)
	}
	if c.ClientID == "" {
		c.ClientID = "mfn-worker"
	}
}

// Validate reports the first bad field, named by its configuration key.
func (c KafkaSourceConfig) Validate() error {
	if !buildinfo.Has("kafka") {
		return buildinfo.Missing("kafka")
	}
	if err := validBrokers(c.Brokers); err != nil {
		return err
	}
	if err := c.KafkaSecurity.Validate(); err != nil {
		return err
	}
	if len(c.Topics) == 0 {
		return errors.New("topics: at least one topic is needed")
	}
	for i, t := range c.Topics {
		if t == "" {
			return fmt.Errorf("topics[%d]: empty topic", i)
		}
	}
	if c.Group == "" {
		return errors.New("group: must be set (the consumer group workers share)")
	}
	if c.MaxPoll < 1 || c.MaxPoll > 10000 {
		return fmt.Errorf("max_poll: %d is out of range [1, 10000]", c.MaxPoll)
	}
	if c.Start != "earliest" && c.Start != "latest" {
		return fmt.Errorf("start: %q must be one of earliest, latest", c.Start)
	}
	if c.SessionTimeout.D() < time.Second {
		return fmt.Errorf("session_timeout: %s is too short (at least 1s)", c.SessionTimeout.D())
	}
	if c.RebalanceTimeout.D() < time.Second {
		return fmt.Errorf("rebalance_timeout: %s is too short (at least 1s)", c.RebalanceTimeout.D())
	}
	return nil
}
