package stream

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The queue is bounded in bytes as well as frames: the oldest frames go first, a frame larger
// than the bound is kept alone, and the hub's total follows every push, pop and clear.
func TestQueueBoundedInBytes(t *testing.T) {
	var total atomic.Int64
	q := newQueue(100, 1000, &total)
	for i := range 30 {
		q.push(bytes.Repeat([]byte{byte('a' + i%26)}, 100))
		if q.size() > 1000 || total.Load() != q.size() {
			t.Fatalf("after %d pushes: %d bytes queued, total %d", i+1, q.size(), total.Load())
		}
	}
	if q.len() != 10 {
		t.Errorf("%d frames of 100 bytes under a 1000-byte bound, want 10", q.len())
	}
	m, _ := q.popUnless(func() bool { return false })
	if m[0] != byte('a'+20%26) {
		t.Errorf("the oldest kept frame is %q, want frame 20's", m[0])
	}
	if !q.push(make([]byte, 5000)) || q.len() != 1 || q.size() != 5000 {
		t.Errorf("a frame over the bound: %d frames, %d bytes", q.len(), q.size())
	}
	q.clear()
	if total.Load() != 0 || q.size() != 0 {
		t.Errorf("after clear: %d bytes (hub total %d)", q.size(), total.Load())
	}
}

// A connection that never authenticates is closed at the auth deadline (1008), and over the
// total of authenticated connections an auth fails with TOO_MANY_CONNECTIONS (1013).
func TestAuthDeadlineAndTotalOnPromotion(t *testing.T) {
	h, srv, _ := testHub(t, Options{MaxConnections: 1, AuthTimeout: 200 * time.Millisecond, Auth: keyAuth("k")})
	idle := dial(t, srv, "/ws/stream_features")
	if code, reason := idle.closeStatus(); code != websocket.StatusPolicyViolation || reason != "authentication timeout" {
		t.Fatalf("idle connection: close %d %q", code, reason)
	}
	a := dial(t, srv, "/ws/stream_features")
	a.auth("k")
	b := dial(t, srv, "/ws/stream_features")
	b.send("auth", map[string]any{"api_key": "k", "timestamp": time.Now().UnixMilli()})
	if p := payload(b.expect("auth_failed")); p["error_code"] != "TOO_MANY_CONNECTIONS" {
		t.Fatalf("auth over the total: %v", p)
	}
	if code, _ := b.closeStatus(); code != websocket.StatusTryAgainLater {
		t.Fatalf("close %d, want 1013", code)
	}
	waitFor(t, "the budgets to be released", func() bool { return h.Open() == 1 && h.Unauthenticated() == 0 })
}
