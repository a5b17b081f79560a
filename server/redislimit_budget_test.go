//go:build !noredis

package server

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// newTestRedisLimiter is a RedisLimiter failing closed (so that a decision that did not come
// from Redis shows as a refusal and an error) with /nernst=capacity per window.
func newTestRedisLimiter(t *testing.T, url string, capacity int, window time.Duration) *RedisLimiter {
	t.Helper()
	l, err := NewRedisLimiter(url, false, 2*time.Second, 100, window, map[string]int{"/nernst": capacity}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func backendErrors(l *RedisLimiter) float64 { return testutil.ToFloat64(l.errors) }

// The shared budget is the in-memory Limiter's: two replicas taking turns get, request by
// request, the decisions, remaining counts, resets and retry delays one Limiter gives.
// throttled's GCRA with MaxRate capacity/window and MaxBurst capacity-1 is a bucket of
// capacity refilled at capacity/window, as Limiter.
func TestRedisLimiterSameBudgetAsLimiter(t *testing.T) {
	url, _ := startRedis(t)
	const capacity, window = 6, time.Hour
	replicas := []*RedisLimiter{newTestRedisLimiter(t, url, capacity, window), newTestRedisLimiter(t, url, capacity, window)}
	mem := NewLimiter(100, window, map[string]int{"/nernst": capacity})
	near := func(a, b time.Duration) bool { return math.Abs(float64(a-b)) < float64(time.Second) } // a token is 10 min
	allowed := 0
	for i := range capacity + 3 {
		got, want := replicas[i%2].Allow("key", "/nernst"), mem.Allow("key", "/nernst")
		if got.Allowed != want.Allowed || got.Limit != want.Limit || got.Remaining != want.Remaining ||
			!near(got.Reset, want.Reset) || !near(got.RetryAfter, want.RetryAfter) {
			t.Errorf("request %d: Redis %+v, in-memory Limiter %+v", i+1, got, want)
		}
		if got.Allowed {
			allowed++
		}
	}
	if allowed != capacity {
		t.Errorf("%d of %d allowed, want %d", allowed, capacity+3, capacity)
	}
	// Another route has the default capacity, another identity its own bucket.
	if d := replicas[0].Allow("key", "/simulate"); !d.Allowed || d.Limit != 100 || d.Remaining != 99 {
		t.Errorf("default route: %+v", d)
	}
	if d := replicas[1].Allow("other", "/nernst"); !d.Allowed || d.Remaining != capacity-1 {
		t.Errorf("other identity: %+v", d)
	}
	for _, l := range replicas {
		if n := backendErrors(l); n != 0 {
			t.Errorf("%v backend errors", n)
		}
	}
}

// Tokens come back at capacity/window, one every window/capacity, as in Limiter.
func TestRedisLimiterRefill(t *testing.T) {
	url, _ := startRedis(t)
	const capacity, window = 2, 2 * time.Second // a token every second
	l := newTestRedisLimiter(t, url, capacity, window)
	for i := range capacity {
		if d := l.Allow("k", "/nernst"); !d.Allowed {
			t.Fatalf("request %d of a full bucket refused: %+v", i+1, d)
		}
	}
	d := l.Allow("k", "/nernst")
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > window/capacity {
		t.Fatalf("empty bucket: %+v, want refused with 0 < RetryAfter <= 1s", d)
	}
	time.Sleep(d.RetryAfter + 100*time.Millisecond)
	if d := l.Allow("k", "/nernst"); !d.Allowed {
		t.Errorf("after RetryAfter: %+v, want one token back", d)
	}
	if d := l.Allow("k", "/nernst"); d.Allowed {
		t.Errorf("a second token 100 ms after the first came back: %+v", d)
	}
	if n := backendErrors(l); n != 0 {
		t.Errorf("%v backend errors", n)
	}
}

// The password (requirepass, or an ACL user's) and the database number of the URL are used;
// a wrong password is a backend error.
func TestRedisLimiterPasswordUserAndDB(t *testing.T) {
	r := startRedisServer(t, "--requirepass", "s3cret", "--user", "mfn", "on", ">pw2", "~*", "&*", "+@all")
	url := func(userinfo string, db int) string {
		return fmt.Sprintf("redis://%s@127.0.0.1:%d/%d", userinfo, r.port, db)
	}
	for _, c := range []struct {
		userinfo string
		db       int
	}{{":s3cret", 3}, {"mfn:pw2", 5}} {
		l := newTestRedisLimiter(t, url(c.userinfo, c.db), 6, time.Hour)
		if d := l.Allow("k", "/nernst"); !d.Allowed || backendErrors(l) != 0 {
			t.Errorf("%s: %+v, %v errors", redactURL(url(c.userinfo, c.db)), d, backendErrors(l))
		}
	}
	conn, err := redis.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), redis.DialPassword("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for db, want := range map[int]int{0: 0, 3: 1, 5: 1} {
		if _, err := conn.Do("SELECT", db); err != nil {
			t.Fatal(err)
		}
		keys, err := redis.Strings(conn.Do("KEYS", "*"))
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != want || (want == 1 && keys[0] != redisKeyPrefix+"k /nernst") {
			t.Errorf("db %d holds %q, want %d key %q", db, keys, want, redisKeyPrefix+"k /nernst")
		}
	}
	wrong := newTestRedisLimiter(t, url(":wrong", 0), 6, time.Hour)
	if d := wrong.Allow("k", "/nernst"); d.Allowed || backendErrors(wrong) != 1 {
		t.Errorf("wrong password, failing closed: %+v, %v errors", d, backendErrors(wrong))
	}
}

// rediss:// speaks TLS and verifies the server's certificate.
func TestRedisLimiterTLS(t *testing.T) {
	cert, key := writeCert(t, t.TempDir(), 1)
	r := startRedisServer(t, "--tls-port", "%d", "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", cert, "--tls-auth-clients", "no")
	url := fmt.Sprintf("rediss://127.0.0.1:%d/0", r.port)

	// The test's self-signed certificate is not among the system's CAs: refused.
	untrusted := newTestRedisLimiter(t, url, 6, time.Hour)
	if d := untrusted.Allow("k", "/nernst"); d.Allowed || backendErrors(untrusted) != 1 {
		t.Errorf("untrusted certificate: %+v, %v errors", d, backendErrors(untrusted))
	}

	pemBytes, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	crt, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(crt)
	l := newTestRedisLimiter(t, url, 6, time.Hour)
	ep, _ := parseRedisURL(url)
	l.pool.Close()
	l.pool = newRedisPool(ep, l.timeout, 4, roots)
	for i := range 7 {
		if d := l.Allow("k", "/nernst"); d.Allowed != (i < 6) {
			t.Errorf("request %d over TLS: %+v", i+1, d)
		}
	}
	if n := backendErrors(l); n != 0 {
		t.Errorf("%v backend errors over TLS", n)
	}
}

// The pool is bounded: 40 concurrent deciders share 3 connections, waiting for one instead
// of failing, and Redis never sees a fourth connection.
func TestRedisLimiterPoolBounded(t *testing.T) {
	r := startRedisServer(t)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", r.port)
	l := newTestRedisLimiter(t, url, 1000, time.Hour)
	ep, _ := parseRedisURL(url)
	l.pool.Close()
	l.pool = newRedisPool(ep, l.timeout, 3, nil)
	conn, err := redis.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	connections := func() int {
		info, err := redis.String(conn.Do("INFO", "stats"))
		if err != nil {
			t.Fatal(err)
		}
		n := -1
		for _, line := range strings.Split(info, "\r\n") {
			fmt.Sscanf(line, "total_connections_received:%d", &n)
		}
		return n
	}
	before := connections()
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused := 0
	for g := range 40 {
		wg.Go(func() {
			for i := range 5 {
				if d := l.Allow(fmt.Sprint("client", g), "/nernst"); !d.Allowed {
					mu.Lock()
					refused++
					mu.Unlock()
					t.Logf("client %d request %d: %+v", g, i, d)
				}
			}
		})
	}
	wg.Wait()
	if refused != 0 || backendErrors(l) != 0 {
		t.Errorf("%d refused, %v backend errors: a full pool must make callers wait", refused, backendErrors(l))
	}
	if s := l.pool.Stats(); s.WaitCount == 0 {
		t.Errorf("no caller waited for a connection (stats %+v): the test did not load the pool", s)
	}
	if n := connections() - before; n < 1 || n > 3 {
		t.Errorf("the pool opened %d connections, want 1 to 3", n)
	}
}

func TestCeilSecond(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{0: 0, 1: time.Second, time.Second: time.Second,
		1900 * time.Millisecond: 2 * time.Second, time.Hour + 1: time.Hour + time.Second} {
		if got := ceilSecond(in); got != want {
			t.Errorf("ceilSecond(%v) = %v, want %v", in, got, want)
		}
	}
}

// One client hammering one bucket through four replicas at once still gets exactly its
// budget, and every decision comes from Redis: within a replica decisions of a bucket take
// turns, and across replicas throttled's compare-and-swap retries.
func TestRedisLimiterHotKeyAcrossReplicas(t *testing.T) {
	url, _ := startRedis(t)
	const capacity = 100
	var replicas []*RedisLimiter
	for range 4 {
		replicas = append(replicas, newTestRedisLimiter(t, url, capacity, time.Hour))
	}
	var wg sync.WaitGroup
	var allowed atomic.Int64
	for g := range 64 {
		wg.Go(func() {
			for range 5 {
				if replicas[g%len(replicas)].Allow("hot", "/nernst").Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != capacity {
		t.Errorf("%d of 320 concurrent requests allowed, want the budget of %d", n, capacity)
	}
	for i, l := range replicas {
		if n := backendErrors(l); n != 0 {
			t.Errorf("replica %d: %v backend errors", i, n)
		}
	}
}
