//go:build !noredis

package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"hash/maphash"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/throttled/throttled/v2"
	"github.com/throttled/throttled/v2/store/redigostore"
)

// RateLimiter decides one request of an identity on a route. *Limiter (per replica, in
// memory) and *RedisLimiter (shared by every replica) implement it.
type RateLimiter interface {
	Allow(identity, route string) Decision
}

// redisKeyPrefix starts every key the limiter writes (then "identity route"). go-redis's
// redis_rate, used before, wrote "rate:mfn:…" in another format, so the two never mix.
const redisKeyPrefix = "mfn:gcra:"

// RedisLimiter enforces the per-key limits across replicas with GCRA in Redis
// (github.com/throttled/throttled's GCRA over its redigo store), with the same capacity per
// window as Limiter. Each decision has one deadline, the configured timeout, for everything
// it does with Redis: waiting for a pooled connection, dialling, and every command. When
// Redis does not answer within it, the limiter fails open (the replica's own Limiter
// decides, so a Redis outage degrades to per-replica limits) or closed (the request is
// refused with 429), as configured.
type RedisLimiter struct {
	pool       *redis.Pool
	db         int
	local      *Limiter
	failOpen   bool
	timeout    time.Duration
	window     time.Duration
	defaultCap int
	caps       map[string]int
	errors     prometheus.Counter
	log        *slog.Logger
	lastLog    atomic.Int64 // unix seconds of the last logged Redis error

	// throttled's GCRA reads a bucket, then writes it back only if unchanged (compare and
	// swap), retrying otherwise. Concurrent decisions of one bucket would race and retry, so
	// within a replica they take turns (a channel of one slot per stripe of keys, waited for
	// within the deadline); only replicas race each other.
	turns []chan struct{}
	seed  maphash.Seed
}

// casAttempts is how many times a decision may find its bucket changed by another replica
// between reading and writing it (throttled's default is 10); the deadline bounds the time.
const casAttempts = 100

// redisPoolSize bounds the connections of one replica (go-redis's default pool size,
// which this limiter used before).
func redisPoolSize() int { return 10 * runtime.GOMAXPROCS(0) }

// NewRedisLimiter prepares a pool of connections to url (redisURLForms). The connection is
// lazy: a Redis that is down at start-up shows as backend errors, not as a failed start.
func NewRedisLimiter(url string, failOpen bool, timeout time.Duration, defaultCap int, window time.Duration,
	routeCaps map[string]int, m *Metrics, log *slog.Logger) (*RedisLimiter, error) {
	ep, err := parseRedisURL(url)
	if err != nil {
		return nil, fmt.Errorf("MFN_RATE_LIMIT_REDIS_URL: %w", err)
	}
	l := &RedisLimiter{db: ep.db, local: NewLimiter(defaultCap, window, routeCaps),
		failOpen: failOpen, timeout: timeout, window: window, defaultCap: defaultCap, caps: routeCaps, log: log,
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "mfn_rate_limit_backend_errors_total",
			Help: "Rate-limit decisions Redis could not make (failed open to the replica's limiter, or closed)"})}
	l.pool = newRedisPool(ep, timeout, redisPoolSize(), nil)
	l.turns, l.seed = make([]chan struct{}, 4*redisPoolSize()), maphash.MakeSeed()
	for i := range l.turns {
		l.turns[i] = make(chan struct{}, 1)
	}
	if m != nil {
		m.reg.MustRegister(l.errors)
	}
	return l, nil
}

// newRedisPool is a bounded pool: at most size connections, callers beyond that wait for
// one (Wait), but never past their decision's deadline (Pool.GetContext). roots, when not
// nil, replaces the system's CAs for rediss:// (tests).
func newRedisPool(ep redisEndpoint, timeout time.Duration, size int, roots *x509.CertPool) *redis.Pool {
	opts := []redis.DialOption{
		redis.DialConnectTimeout(timeout), redis.DialReadTimeout(timeout), redis.DialWriteTimeout(timeout),
		redis.DialTLSHandshakeTimeout(timeout),
		redis.DialUsername(ep.username), redis.DialPassword(ep.password), // AUTH only with a password
		redis.DialDatabase(ep.db), redis.DialUseTLS(ep.tls),
	}
	if ep.tls {
		opts = append(opts, redis.DialTLSConfig(&tls.Config{ServerName: ep.serverName, RootCAs: roots, MinVersion: tls.VersionTLS12}))
	}
	return &redis.Pool{
		MaxActive: size, MaxIdle: size, Wait: true,
		// Connections idle this long are closed; those idle over a minute are checked with a
		// PING before use, so one left broken by a Redis restart costs no decision.
		IdleTimeout: 5 * time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialContext(ctx, ep.network, ep.address, opts...)
		},
		TestOnBorrowContext: func(ctx context.Context, c redis.Conn, idleSince time.Time) error {
			if time.Since(idleSince) < time.Minute {
				return nil
			}
			_, err := deadlineConn{c, ctx, -1}.Do("PING")
			return err
		},
	}
}

// Allow takes one token of (identity, route) from the shared bucket.
func (l *RedisLimiter) Allow(identity, route string) Decision {
	capacity := l.defaultCap
	if c, ok := l.caps[route]; ok {
		capacity = c
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	limited, res, err := l.take(ctx, identity+" "+route, capacity)
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
	return Decision{Allowed: !limited, Limit: capacity, Remaining: res.Remaining,
		Reset: res.ResetAfter, RetryAfter: max(0, res.RetryAfter)}
}

// take runs throttled's GCRA on the bucket key. capacity per window is GCRA's burst of
// capacity (MaxBurst+1) with one token back every window/capacity (MaxRate): a new key may
// spend capacity at once, then one per window/capacity, as Limiter's token bucket. The
// store and the limiter are a few words each, made per call so that every connection they
// take carries this call's deadline (redigostore's calls take no context).
func (l *RedisLimiter) take(ctx context.Context, key string, capacity int) (bool, throttled.RateLimitResult, error) {
	turn := l.turns[maphash.String(l.seed, key)%uint64(len(l.turns))]
	select {
	case turn <- struct{}{}:
		defer func() { <-turn }()
	case <-ctx.Done():
		return false, throttled.RateLimitResult{}, fmt.Errorf("waiting for the bucket's turn: %w", ctx.Err())
	}
	store, err := redigostore.NewCtx(deadlinePool{l.pool, ctx, l.db}, redisKeyPrefix, l.db)
	if err != nil {
		return false, throttled.RateLimitResult{}, err
	}
	gcra, err := throttled.NewGCRARateLimiterCtx(ceilTTLStore{store}, throttled.RateQuota{
		MaxRate: throttled.PerDuration(capacity, l.window), MaxBurst: capacity - 1})
	if err != nil {
		return false, throttled.RateLimitResult{}, err
	}
	gcra.SetMaxCASAttemptsLimit(casAttempts)
	return gcra.RateLimitCtx(ctx, key, 1)
}

// ceilTTLStore rounds the keys' time to live up to whole seconds. redigostore rounds it
// down (EXPIRE takes seconds), so a key would vanish up to a second before its bucket is
// full again, and the next request would find a full bucket: with a 2 s window that is a
// whole extra token (TestRedisLimiterRefill). Kept up to a second longer, a key holds a
// full bucket's state, which decides as a missing key would.
type ceilTTLStore struct{ throttled.GCRAStoreCtx }

func ceilSecond(ttl time.Duration) time.Duration {
	return (ttl + time.Second - 1).Truncate(time.Second)
}

func (s ceilTTLStore) SetIfNotExistsWithTTL(ctx context.Context, key string, value int64, ttl time.Duration) (bool, error) {
	return s.GCRAStoreCtx.SetIfNotExistsWithTTL(ctx, key, value, ceilSecond(ttl))
}

func (s ceilTTLStore) CompareAndSwapWithTTL(ctx context.Context, key string, old, new int64, ttl time.Duration) (bool, error) {
	return s.GCRAStoreCtx.CompareAndSwapWithTTL(ctx, key, old, new, ceilSecond(ttl))
}

// Close closes the pool's connections.
func (l *RedisLimiter) Close() error { return l.pool.Close() }

// deadlinePool hands out pooled connections bound to ctx's deadline (redigostore.RedigoPool).
type deadlinePool struct {
	pool *redis.Pool
	ctx  context.Context
	db   int
}

// Get waits for a free connection (or dials one) until the deadline; on failure it returns
// redigo's error connection, whose every call fails with that error.
func (p deadlinePool) Get() redis.Conn {
	c, err := p.pool.GetContext(p.ctx)
	if err != nil {
		return c
	}
	return deadlineConn{c, p.ctx, p.db}
}

// deadlineConn reads every reply within what is left of ctx's deadline (the connection's
// own write timeout bounds writes). Past the deadline a read is still attempted with a 1 ns
// timeout: it fails at once and marks the connection broken, so the pool discards it rather
// than reading replies still owed on it.
//
// redigostore SELECTs its database on every connection it takes, a round trip each, two
// per decision. The pool's connections were dialled into that database (DialDatabase) and
// nothing here ever changes it, so that SELECT is answered here.
type deadlineConn struct {
	redis.Conn
	ctx context.Context
	db  int // the database the connection is in
}

func (c deadlineConn) left() time.Duration {
	d, _ := c.ctx.Deadline()
	return max(time.Until(d), time.Nanosecond)
}

func (c deadlineConn) Do(cmd string, args ...any) (any, error) {
	if cmd == "SELECT" && len(args) == 1 && args[0] == c.db {
		return "OK", c.Conn.Err()
	}
	return redis.DoWithTimeout(c.Conn, c.left(), cmd, args...)
}

func (c deadlineConn) Receive() (any, error) {
	return redis.ReceiveWithTimeout(c.Conn, c.left())
}
