//go:build !noredis

package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// RateLimiter decides one request of an identity on a route. *Limiter (per replica, in
// memory) and *RedisLimiter (shared by every replica) implement it.
type RateLimiter interface {
	Allow(identity, route string) Decision
}

// RedisLimiter enforces the per-key limits across replicas with GCRA in Redis
// (github.com/go-redis/redis_rate), with the same capacity per window as Limiter. When
// Redis does not answer within the timeout, it fails open (the replica's own Limiter decides,
// so a Redis outage degrades to per-replica limits) or closed (the request is refused with
// 429), as configured.
type RedisLimiter struct {
	rdb        *redis.Client
	gcra       *redis_rate.Limiter
	local      *Limiter
	failOpen   bool
	timeout    time.Duration
	window     time.Duration
	defaultCap int
	caps       map[string]int
	errors     prometheus.Counter
	log        *slog.Logger
	lastLog    atomic.Int64 // unix seconds of the last logged Redis error
}

// NewRedisLimiter connects to url (redis:// or rediss://, parsed by go-redis). The
// connection is lazy: a Redis that is down at start-up shows as backend errors, not as a
// failed start.
func NewRedisLimiter(url string, failOpen bool, timeout time.Duration, defaultCap int, window time.Duration,
	routeCaps map[string]int, m *Metrics, log *slog.Logger) (*RedisLimiter, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("MFN_RATE_LIMIT_REDIS_URL: %w", err)
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
	opt.MaxRetries = 0 // a retry would double the latency the timeout bounds
	rdb := redis.NewClient(opt)
	l := &RedisLimiter{rdb: rdb, gcra: redis_rate.NewLimiter(rdb), local: NewLimiter(defaultCap, window, routeCaps),
		failOpen: failOpen, timeout: timeout, window: window, defaultCap: defaultCap, caps: routeCaps, log: log,
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "mfn_rate_limit_backend_errors_total",
			Help: "Rate-limit decisions Redis could not make (failed open to the replica's limiter, or closed)"})}
	if m != nil {
		m.reg.MustRegister(l.errors)
	}
	return l, nil
}

// Allow takes one token of (identity, route) from the shared bucket.
func (l *RedisLimiter) Allow(identity, route string) Decision {
	capacity := l.defaultCap
	if c, ok := l.caps[route]; ok {
		capacity = c
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	res, err := l.gcra.Allow(ctx, "mfn:"+identity+" "+route,
		redis_rate.Limit{Rate: capacity, Burst: capacity, Period: l.window})
	if err != nil {
		l.errors.Inc()
		if now := time.Now().Unix(); l.log != nil && l.lastLog.Swap(now) != now {
			l.log.Warn("rate limiter: Redis unavailable", "error", err, "fail_open", l.failOpen)
		}
		if l.failOpen {
			return l.local.Allow(identity, route)
		}
		return Decision{Limit: capacity, RetryAfter: time.Second, Reset: time.Second}
	}
	return Decision{Allowed: res.Allowed > 0, Limit: capacity, Remaining: res.Remaining,
		Reset: res.ResetAfter, RetryAfter: max(0, res.RetryAfter)}
}

// Close closes the Redis client.
func (l *RedisLimiter) Close() error { return l.rdb.Close() }
