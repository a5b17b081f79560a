package server

import (
	"time"

	"mfn/limits"
)

// LimitsConfig are the transport-neutral limits of docs/adr/0022 (MFN_AGGREGATE_*,
// MFN_AUTH_FAILURE_*).
type LimitsConfig struct {
	// AggregateMaxBytes bounds one aggregation's memory (its cost model's estimate);
	// AggregateMemory bounds the total of concurrent aggregations.
	AggregateMaxBytes, AggregateMemory int64
	// AuthFailureBurst failed authentications per client address are allowed at once, then
	// one per AuthFailureInterval.
	AuthFailureBurst    int
	AuthFailureInterval time.Duration
	// KeysPerAPIKey bounds the key pairs one API key may create with /api/keypair.
	KeysPerAPIKey int
}

// limitsFromEnv reads the limits' variables.
func limitsFromEnv(p *problems) LimitsConfig {
	c := LimitsConfig{
		AggregateMaxBytes:   int64(p.integer("MFN_AGGREGATE_MAX_BYTES", defaultAggregateMaxBytes, 1<<20, 1<<40)),
		AggregateMemory:     int64(p.integer("MFN_AGGREGATE_MEMORY", defaultAggregateMemory, 1<<20, 1<<40)),
		AuthFailureBurst:    p.integer("MFN_AUTH_FAILURE_BURST", 20, 1, 1_000_000),
		AuthFailureInterval: p.duration("MFN_AUTH_FAILURE_INTERVAL", time.Second, time.Millisecond, time.Hour),
		KeysPerAPIKey:       p.integer("MFN_CRYPTO_MAX_KEYS_PER_API_KEY", 100, 1, 1_000_000),
	}
	if c.AggregateMaxBytes > c.AggregateMemory {
		p.addf("MFN_AGGREGATE_MAX_BYTES=%d: must not exceed MFN_AGGREGATE_MEMORY=%d", c.AggregateMaxBytes, c.AggregateMemory)
	}
	return c
}

// withDefaults fills a zero LimitsConfig (a Config built in code) with the defaults.
func (c LimitsConfig) withDefaults() LimitsConfig {
	if c == (LimitsConfig{}) {
		return limitsFromEnv(&problems{getenv: func(string) string { return "" }})
	}
	return c
}

// memory is the aggregations' memory budget.
func (c LimitsConfig) memory() *limits.Memory {
	c = c.withDefaults()
	return limits.NewMemory(c.AggregateMemory, c.AggregateMaxBytes)
}

// failedAuth is the limiter of failed authentications.
func (c LimitsConfig) failedAuth() *limits.FailedAuth {
	c = c.withDefaults()
	return limits.NewFailedAuth(1/c.AuthFailureInterval.Seconds(), c.AuthFailureBurst)
}
