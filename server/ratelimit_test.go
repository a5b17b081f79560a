package server

import (
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

func TestTokenBucketRefill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(10, 10*time.Second, map[string]int{"/simulate": 2})
		for i := range 10 {
			d := l.Allow("ip:1", "/nernst")
			if !d.Allowed || d.Remaining != 9-i || d.Limit != 10 {
				t.Fatalf("request %d: %+v", i, d)
			}
		}
		d := l.Allow("ip:1", "/nernst")
		if d.Allowed || d.RetryAfter != time.Second || d.Remaining != 0 {
			t.Fatalf("11th request: %+v", d)
		}
		// Other routes and other clients have their own buckets.
		if !l.Allow("ip:1", "/simulate").Allowed || !l.Allow("ip:2", "/nernst").Allowed {
			t.Fatal("buckets are not per (client, route)")
		}
		time.Sleep(time.Second) // refill: 1 token per second
		if d := l.Allow("ip:1", "/nernst"); !d.Allowed || d.Remaining != 0 {
			t.Fatalf("after 1 s: %+v", d)
		}
		if l.Allow("ip:1", "/nernst").Allowed {
			t.Fatal("a second token appeared after 1 s")
		}
		time.Sleep(time.Minute) // refills to capacity, not beyond
		for i := range 10 {
			if !l.Allow("ip:1", "/nernst").Allowed {
				t.Fatalf("after a minute, request %d refused", i)
			}
		}
		if l.Allow("ip:1", "/nernst").Allowed {
			t.Fatal("bucket grew past its capacity")
		}
		// Route capacity: /simulate holds 2.
		if d := l.Allow("ip:9", "/simulate"); d.Limit != 2 || d.Remaining != 1 {
			t.Fatalf("route capacity: %+v", d)
		}
	})
}

func TestIdleBucketsAreEvicted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, time.Minute, nil)
		for i := range 1000 {
			l.Allow("ip:"+strconv.Itoa(i), "/health")
		}
		if n := l.Buckets(); n != 1000 {
			t.Fatalf("%d buckets", n)
		}
		time.Sleep(61 * time.Second) // every bucket is full again
		for i := range 400 {         // touches every shard (16) with near certainty, so that each sweeps
			l.Allow("ip:new"+strconv.Itoa(i), "/health")
		}
		if n := l.Buckets(); n > 400 {
			t.Errorf("%d buckets after every old one refilled", n)
		}
		// A bucket that is still refilling is kept: it is not equivalent to a new one.
		for range 5 {
			l.Allow("ip:busy", "/health")
		}
		time.Sleep(61 * time.Second)
		if d := l.Allow("ip:busy", "/health"); !d.Allowed || d.Remaining != 4 {
			t.Errorf("busy client after a window: %+v", d)
		}
	})
}

func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		peer, xff string
		trusted   []netip.Prefix
		want      string
	}{
		{"192.0.2.7:5000", "203.0.113.9", nil, "192.0.2.7"},               // no proxies configured: XFF ignored
		{"192.0.2.7:5000", "203.0.113.9", proxies, "192.0.2.7"},           // peer is not a proxy: XFF ignored
		{"10.1.2.3:5000", "203.0.113.9", proxies, "203.0.113.9"},          // trusted proxy
		{"10.1.2.3:5000", "6.6.6.6, 203.0.113.9", proxies, "203.0.113.9"}, // spoofed left part ignored
		{"10.1.2.3:5000", "203.0.113.9, 10.9.9.9", proxies, "203.0.113.9"},
		{"10.1.2.3:5000", "garbage", proxies, "10.1.2.3"},
		{"[::ffff:10.1.2.3]:5000", "2001:db8::1", proxies, "2001:db8::1"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = c.peer
		req.Header.Set("X-Forwarded-For", c.xff)
		if got := clientIP(req, c.trusted); got != c.want {
			t.Errorf("peer %s XFF %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}

func TestRateLimitPerKeyAndHeaders(t *testing.T) {
	env := withStaging(map[string]string{"MFN_RATE_LIMIT_ROUTES": "/health=3", "MFN_RATE_LIMIT_WINDOW": "60"})
	app, _ := testApp(t, env)
	h := app.Handler()
	for i := range 3 {
		rec := call(h, "GET", "/health", "")
		if rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "3" || rec.Header().Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Fatalf("request %d: %d %v", i, rec.Code, rec.Header())
		}
	}
	rec := call(h, "GET", "/health", "")
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "20" {
		t.Fatalf("4th: %d %v", rec.Code, rec.Header())
	}
	// The same address with an API key has its own bucket.
	if rec := call(h, "GET", "/health", "", "X-API-Key", "k-one"); rec.Code != 200 {
		t.Errorf("with a key: %d", rec.Code)
	}
	// Unauthenticated requests do not consume buckets: they are refused before.
	for range 5 {
		call(h, "POST", "/nernst", `{}`)
	}
	if rec := call(h, "POST", "/nernst", `{"concentration_out_molar":1,"concentration_in_molar":1}`, "X-API-Key", "k-two"); rec.Code != 200 {
		t.Errorf("after unauthenticated flood: %d", rec.Code)
	}
}
