package server

import (
	"hash/maphash"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter is a set of token buckets, one per (client identity, route). A bucket holds up to
// its route's capacity and refills continuously at capacity/window tokens per second; a new
// bucket starts full. A bucket idle long enough to be full again is indistinguishable from a
// new one, so such buckets are evicted (lazily, at most once per window and shard).
type Limiter struct {
	window     time.Duration
	defaultCap int
	caps       map[string]int
	now        func() time.Time
	seed       maphash.Seed
	shards     [16]limiterShard
}

type limiterShard struct {
	mu        sync.Mutex
	buckets   map[bucketKey]*bucket
	lastSweep time.Time
}

// bucketKey names a bucket without concatenating its parts (no allocation per request).
type bucketKey struct{ identity, route string }

type bucket struct {
	tokens   float64
	last     time.Time
	capacity float64
}

// Decision is the outcome of one Allow call.
type Decision struct {
	Allowed   bool
	Limit     int
	Remaining int
	// Reset is the time until the bucket is full again; RetryAfter, when denied, the time
	// until one token is available.
	Reset, RetryAfter time.Duration
}

// NewLimiter returns a limiter with defaultCap tokens per window, and per-route capacities.
func NewLimiter(defaultCap int, window time.Duration, routeCaps map[string]int) *Limiter {
	l := &Limiter{window: window, defaultCap: defaultCap, caps: routeCaps, now: time.Now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].buckets = map[bucketKey]*bucket{}
	}
	return l
}

// capacity is a route's bucket size.
func (l *Limiter) capacity(route string) int {
	if c, ok := l.caps[route]; ok {
		return c
	}
	return l.defaultCap
}

// Allow takes one token from the bucket of (identity, route).
func (l *Limiter) Allow(identity, route string) Decision {
	return l.AllowAt(identity, route, l.now())
}

// AllowAt is Allow at a given time: the HTTP middleware passes the request's arrival, which
// it has already read from the clock.
func (l *Limiter) AllowAt(identity, route string, now time.Time) Decision {
	capacity := float64(l.capacity(route))
	rate := capacity / l.window.Seconds()
	key := bucketKey{identity, route}
	// A client's buckets share a shard: shards spread clients, not one client's routes.
	sh := &l.shards[maphash.String(l.seed, identity)%uint64(len(l.shards))]

	sh.mu.Lock()
	if now.Sub(sh.lastSweep) >= l.window {
		sh.sweep(now, l.window)
	}
	b := sh.buckets[key]
	if b == nil {
		b = &bucket{tokens: capacity, last: now, capacity: capacity}
		sh.buckets[key] = b
	} else if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(capacity, b.tokens+el*rate)
		b.last = now
	}
	d := Decision{Limit: int(capacity)}
	if b.tokens >= 1 {
		b.tokens--
		d.Allowed = true
	} else {
		d.RetryAfter = seconds((1 - b.tokens) / rate)
	}
	d.Remaining = int(math.Floor(b.tokens))
	d.Reset = seconds((capacity - b.tokens) / rate)
	sh.mu.Unlock()
	return d
}

// sweep drops the buckets that have refilled completely.
func (sh *limiterShard) sweep(now time.Time, window time.Duration) {
	sh.lastSweep = now
	for k, b := range sh.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*b.capacity/window.Seconds() >= b.capacity {
			delete(sh.buckets, k)
		}
	}
}

// Buckets is the number of live buckets.
func (l *Limiter) Buckets() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.buckets)
		sh.mu.Unlock()
	}
	return n
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// ceilSeconds rounds a duration up to whole seconds, at least 1 when positive.
func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// clientIP is the client's address: the TCP peer, or, when the peer is a trusted proxy, the
// right-most address of X-Forwarded-For that is not itself a trusted proxy.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	var ip netip.Addr
	if err == nil {
		ip = peer.Addr().Unmap()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		ip = a.Unmap()
	} else {
		return r.RemoteAddr
	}
	if len(trusted) == 0 || !inPrefixes(ip, trusted) {
		return peerText(ip, r.RemoteAddr)
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return ip.String()
			}
			ip = a.Unmap()
			if !inPrefixes(ip, trusted) {
				return ip.String()
			}
		}
	}
	return ip.String()
}

// peerText is ip.String(), taken from the peer address's own text when that is already the
// canonical form (as net/http writes RemoteAddr for IPv4), so that it costs no allocation.
func peerText(ip netip.Addr, remote string) string {
	host := remote
	if i := strings.LastIndexByte(remote, ':'); i > 0 && ip.Is4() {
		host = remote[:i]
	}
	var buf [64]byte
	if string(ip.AppendTo(buf[:0])) == host {
		return host
	}
	return ip.String()
}

func inPrefixes(ip netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// withRateLimit takes a token per request from the bucket of its API key (or, without one,
// its client address) and route; an empty bucket answers 429 with Retry-After.
func withRateLimit(l RateLimiter, trusted []netip.Prefix, m *Metrics) func(http.Handler) http.Handler {
	var limits limitTexts
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := recordOf(r.Context())
			switch {
			case rec.keyIdentity != "": // "key:" + rec.keyID, made once per key (APIKeys)
				rec.identity = rec.keyIdentity
			case rec.keyID != "":
				rec.identity = "key:" + rec.keyID
			default:
				rec.identity = "ip:" + clientIP(r, trusted)
			}
			var d Decision
			if at, ok := l.(*Limiter); ok && !rec.start.IsZero() {
				d = at.AllowAt(rec.identity, rec.route, rec.start)
			} else {
				d = l.Allow(rec.identity, rec.route)
			}
			// As Header.Set would, without canonicalising the keys (given in canonical form)
			// and with one allocation for the three value slices.
			vals := &[3]string{limits.text(d.Limit), strconv.Itoa(d.Remaining), strconv.Itoa(ceilSeconds(d.Reset))}
			h := w.Header()
			h["X-Ratelimit-Limit"] = vals[0:1:1]
			h["X-Ratelimit-Remaining"] = vals[1:2:2]
			h["X-Ratelimit-Reset"] = vals[2:3:3]
			if !d.Allowed {
				m.rateLimited.WithLabelValues(rec.route).Inc()
				writeError(w, r, &Error{Kind: KindRateLimited, Detail: "Rate limit exceeded", ErrorCode: "rate_limit_exceeded",
					RetryAfter: max(1, ceilSeconds(d.RetryAfter))})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// limitTexts caches the text of the last limit written: a route's limit is the same on
// every response, so X-RateLimit-Limit needs no formatting.
type limitTexts struct{ last atomic.Pointer[limitText] }

type limitText struct {
	n int
	s string
}

func (c *limitTexts) text(n int) string {
	if t := c.last.Load(); t != nil && t.n == n {
		return t.s
	}
	t := &limitText{n: n, s: strconv.Itoa(n)}
	c.last.Store(t)
	return t.s
}
