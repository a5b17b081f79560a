package stream

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// busySession serves one WebSocket session of h whose data queue a test goroutine keeps
// full, as a stream does for a client that reads, but slower than the stream produces (h's
// queue is large, so that the writer cannot drain it while the pusher is descheduled). The
// pusher stops when the returned stop is called.
func busySession(t *testing.T, h *Hub) (c *client, stop func()) {
	t.Helper()
	sessions := make(chan *session, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.acquire() {
			http.Error(w, "full", http.StatusServiceUnavailable)
			return
		}
		defer h.release()
		wc, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		s := &session{h: h, c: wc, kind: KindFeatures, ctrl: make(chan outMsg, 16), q: newQueue(h.o.QueueSize),
			gone: make(chan struct{})}
		s.lastPong.Store(h.o.Now().UnixNano())
		sessions <- s
		s.run(r.Context())
	}))
	t.Cleanup(srv.Close)
	c = dial(t, srv, "/")
	s := <-sessions
	quit, pushed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(pushed)
		f := []byte(`{"type":"feature_update","payload":{}}`)
		for {
			select {
			case <-quit:
				return
			default:
			}
			s.q.push(f)
		}
	}()
	waitFor(t, "the queue to fill", func() bool { return s.q.len() == h.o.QueueSize })
	var once bool
	stop = func() {
		if !once {
			once = true
			close(quit)
			<-pushed
		}
	}
	t.Cleanup(stop)
	return c, stop
}

// readUntilClose reads (at full speed) until the socket closes and returns the close error.
func readUntilClose(c *client, within time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		if _, _, err := c.c.Read(ctx); err != nil {
			return err
		}
	}
}

// A writer that always finds another queued frame must still notice the hub's shutdown:
// Shutdown closes the socket with 1001 instead of waiting for the stream to end.
func TestReviewShutdownWithBusyWriter(t *testing.T) {
	h := NewHub(Options{HeartbeatInterval: time.Hour, HeartbeatTimeout: 2 * time.Hour, QueueSize: 100_000})
	c, stop := busySession(t, h)
	closed := make(chan error, 1)
	go func() { closed <- readUntilClose(c, 20*time.Second) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := h.Shutdown(ctx)
	stop() // lets a stuck writer drain and end, so that nothing leaks
	if err != nil {
		t.Fatalf("shutdown with a busy writer: %v", err)
	}
	if code := websocket.CloseStatus(<-closed); code != websocket.StatusGoingAway {
		t.Fatalf("close %d, want 1001", code)
	}
}

// A client that takes frames but never answers heartbeats is closed after the timeout even
// while its queue is never empty.
func TestReviewHeartbeatTimeoutWithBusyWriter(t *testing.T) {
	h := NewHub(Options{HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 200 * time.Millisecond, QueueSize: 100_000})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	}()
	c, stop := busySession(t, h)
	err := readUntilClose(c, 10*time.Second)
	stop()
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway || ce.Reason != "heartbeat timeout" {
		t.Fatalf("a client that never pongs: %v, want close 1001 heartbeat timeout", err)
	}
}
