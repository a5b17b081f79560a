//go:build noredis

package server

import (
	"log/slog"
	"time"

	"mfn/internal/buildinfo"
)

// RateLimiter decides one request of an identity on a route; without Redis (-tags noredis)
// only *Limiter (per replica, in memory) implements it.
type RateLimiter interface {
	Allow(identity, route string) Decision
}

// RedisLimiter is not available in a build without Redis (-tags noredis); LoadConfig already
// refuses MFN_RATE_LIMIT_REDIS_URL there.
type RedisLimiter struct{}

// NewRedisLimiter reports that Redis is not compiled in.
func NewRedisLimiter(string, bool, time.Duration, int, time.Duration, map[string]int, *Metrics, *slog.Logger) (*RedisLimiter, error) {
	return nil, buildinfo.Missing("redis")
}

// Allow is never reached (no RedisLimiter can be made).
func (*RedisLimiter) Allow(string, string) Decision { return Decision{} }

// Close does nothing.
func (*RedisLimiter) Close() error { return nil }
