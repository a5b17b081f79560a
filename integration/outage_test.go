package integration

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestOutageLosesNothing publishes 10,000 results while the webhook target is down for
// several seconds (503s, connection resets, and responses lost after the target took the
// batch), closing the publisher midway and opening a new one on the same spool. Once the
// target is back, every result arrives, with its value, and de-duplication by idempotency
// key leaves exactly one of each.
func TestOutageLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("takes several seconds")
	}
	const total, outage = 10_000, 3 * time.Second
	rc, srv := newReceiver(t)
	var down atomic.Bool
	rc.setFault(func(req int, w http.ResponseWriter, _ *http.Request, body []byte) bool {
		if !down.Load() {
			return false
		}
		switch req % 3 {
		case 0:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		case 1:
			reset(w)
		case 2:
			rc.record(body) // the target took it, the answer is lost: a raw re-delivery follows
			reset(w)
		}
		return true
	})

	dir := t.TempDir()
	o := DefaultPublisherOptions()
	o.Spool.Dir = dir
	o.Retry = RetryOptions{MaxAttempts: 3, Initial: Duration(20 * time.Millisecond), Max: Duration(200 * time.Millisecond), Jitter: 0.2}
	o.Breaker = BreakerOptions{Failures: 3, OpenTimeout: Duration(300 * time.Millisecond), HalfOpenRequests: 1}
	o.Batch = BatchOptions{Size: 100, Linger: Duration(5 * time.Millisecond)}
	m := NewMetrics(nil)
	open := func() *Publisher {
		return newTestPublisher(t, newTestWebhook(t, srv.URL, nil), o, m, nil)
	}
	// publish sends [from, to) from 8 goroutines, as concurrent request handlers would.
	publish := func(p *Publisher, from, to int) {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := from + g; i < to; i += 8 {
					if err := p.Publish(context.Background(), testMsg(i)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}

	start := time.Now()
	p := open()
	publish(p, 0, 3000)
	down.Store(true)
	downAt := time.Now()
	publish(p, 3000, 6000)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	err := p.Close(ctx) // the restart: what is undelivered stays in the spool
	cancel()
	t.Logf("first publisher closed while the target is down: %v", err)

	p = open()
	publish(p, 6000, total)
	if h := p.Health(); h.SpoolDepth == 0 {
		t.Errorf("spool empty while the target is down: %+v", h)
	}
	time.Sleep(time.Until(downAt.Add(outage)))
	down.Store(false)
	upAt := time.Now()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	drained := time.Since(upAt)
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.keys) != total {
		t.Fatalf("%d distinct results delivered, want %d", len(rc.keys), total)
	}
	for i := range total {
		if msg := testMsg(i); rc.vals[msg.Key] != string(msg.Value) {
			t.Fatalf("result %s: %q, want %s", msg.Key, rc.vals[msg.Key], msg.Value)
		}
	}
	dups := 0
	for _, n := range rc.keys {
		dups += n - 1
	}
	if sent := testutil.ToFloat64(m.sent.WithLabelValues("test", "fake")); sent != total {
		t.Errorf("sent_total %v, want %d (each message acked once)", sent, total)
	}
	if f := testutil.ToFloat64(m.failed.WithLabelValues("test", "fake")); f != 0 {
		t.Errorf("failed_total %v, want 0", f)
	}
	t.Logf("delivered %d distinct of %d; raw deliveries %d (%d re-deliveries, all de-duplicated by key); "+
		"outage %v, drained %v after recovery, total %v; retries %v",
		len(rc.keys), total, rc.raw, dups, outage, drained.Round(time.Millisecond), time.Since(start).Round(time.Millisecond),
		testutil.ToFloat64(m.retries.WithLabelValues("test", "fake")))
}
