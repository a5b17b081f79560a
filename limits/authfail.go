package limits

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// FailedAuth limits failed authentications per client address: each address has a token
// bucket (golang.org/x/time/rate) of Burst failures refilled at Rate per second. While an
// address's bucket is empty its requests are refused before their key is even looked at,
// so guessing keys costs the guesser time instead of the server CPU. Successful requests
// cost nothing. Idle addresses are forgotten, and at most maxAddrs are tracked (the oldest
// entries make room), so the table cannot grow without bound under a spoofing flood.
type FailedAuth struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu    sync.Mutex
	addrs map[string]*authEntry
	sweep time.Time
}

type authEntry struct {
	lim  *rate.Limiter
	last time.Time
}

// maxAddrs bounds the addresses FailedAuth tracks at once.
const maxAddrs = 100_000

// NewFailedAuth allows burst failures per address, refilled at perSecond.
func NewFailedAuth(perSecond float64, burst int) *FailedAuth {
	return &FailedAuth{limit: rate.Limit(perSecond), burst: burst, now: time.Now, addrs: map[string]*authEntry{}}
}

// Blocked reports whether addr has no failures left, and when the next one will be allowed.
// Call it before checking the credentials.
func (f *FailedAuth) Blocked(addr string) (retryAfter time.Duration, blocked bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.addrs[addr]
	if e == nil {
		return 0, false
	}
	now := f.now()
	if e.lim.TokensAt(now) >= 1 {
		return 0, false
	}
	r := e.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return max(d, time.Second), true
}

// Failed records a failed authentication from addr.
func (f *FailedAuth) Failed(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	e := f.addrs[addr]
	if e == nil {
		f.evict(now)
		e = &authEntry{lim: rate.NewLimiter(f.limit, f.burst)}
		f.addrs[addr] = e
	}
	e.last = now
	e.lim.AllowN(now, 1)
}

// Tracked is the number of addresses with recent failures.
func (f *FailedAuth) Tracked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.addrs)
}

// evict forgets addresses whose bucket has refilled (at most once a second), and the oldest
// entries when the table is full.
func (f *FailedAuth) evict(now time.Time) {
	if now.Sub(f.sweep) >= time.Second || len(f.addrs) >= maxAddrs {
		f.sweep = now
		full := time.Duration(float64(f.burst) / float64(f.limit) * float64(time.Second))
		for a, e := range f.addrs {
			if now.Sub(e.last) >= full {
				delete(f.addrs, a)
			}
		}
	}
	for a := range f.addrs { // still full: drop arbitrary entries (map order) to make room
		if len(f.addrs) < maxAddrs {
			break
		}
		delete(f.addrs, a)
	}
}
