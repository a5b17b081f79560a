package integration

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written as Go duration text ("250ms", "1m") in configuration
// files.
type Duration time.Duration

// UnmarshalText reads "1s", "250ms", … .
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q (want Go duration text such as 500ms, 2s or 1m)", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as Go duration text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D is the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// RetryOptions bound the attempts on one batch: exponential backoff from Initial, capped at
// Max, each delay scaled by a random factor in [1-Jitter, 1+Jitter].
type RetryOptions struct {
	MaxAttempts int      `yaml:"max_attempts" json:"max_attempts"`
	Initial     Duration `yaml:"initial" json:"initial"`
	Max         Duration `yaml:"max" json:"max"`
	Jitter      float64  `yaml:"jitter" json:"jitter"`
}

// BreakerOptions configure a target's circuit breaker: Failures consecutive failures open it,
// it stays open for OpenTimeout, then lets HalfOpenRequests trial requests through.
type BreakerOptions struct {
	Failures         int      `yaml:"failures" json:"failures"`
	OpenTimeout      Duration `yaml:"open_timeout" json:"open_timeout"`
	HalfOpenRequests int      `yaml:"half_open_requests" json:"half_open_requests"`
}

// BatchOptions bound async batching: a batch goes out when it holds Size messages or its
// oldest message has waited Linger, whichever comes first. Size 1 disables batching.
type BatchOptions struct {
	Size   int      `yaml:"size" json:"size"`
	Linger Duration `yaml:"linger" json:"linger"`
}

// SpoolOptions place a publisher's durable spool: messages wait in Dir until their target
// acknowledges them. MaxBytes bounds the spool on disk (0: no bound); a full spool makes
// Publish fail rather than drop.
type SpoolOptions struct {
	Dir      string `yaml:"dir" json:"dir"`
	MaxBytes int64  `yaml:"max_bytes" json:"max_bytes"`
}

// PublisherOptions are the reliability settings every publisher has, whatever its target.
type PublisherOptions struct {
	// Required publishers make /ready fail while their breaker is open.
	Required bool           `yaml:"required" json:"required"`
	Retry    RetryOptions   `yaml:"retry" json:"retry"`
	Breaker  BreakerOptions `yaml:"breaker" json:"breaker"`
	Batch    BatchOptions   `yaml:"batch" json:"batch"`
	Spool    SpoolOptions   `yaml:"spool" json:"spool"`
}
