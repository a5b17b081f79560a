package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// serveSession serves one WebSocket session of h as ServeWS does and returns its client
// and the session, so that a test can feed the session's queues directly.
func serveSession(t *testing.T, h *Hub) (*client, *session) {
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
		s := &session{h: h, c: wc, kind: KindFeatures, ctrl: make(chan outMsg, 16), q: newQueue(h.o.QueueSize, h.o.QueueBytes, &h.queued),
			gone: make(chan struct{})}
		s.lastPong.Store(h.o.Now().UnixNano())
		s.everAuthed.Store(true) // these tests are about the writer after authentication
		sessions <- s
		s.run(r.Context())
	}))
	t.Cleanup(srv.Close)
	c := dial(t, srv, "/")
	return c, <-sessions
}

// busySession serves one WebSocket session of h whose data queue a test goroutine keeps
// full, as a stream does for a client that reads, but slower than the stream produces (h's
// queue is large, so that the writer cannot drain it while the pusher is descheduled). The
// pusher stops when the returned stop is called.
func busySession(t *testing.T, h *Hub) (c *client, stop func()) {
	t.Helper()
	c, s := serveSession(t, h)
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
func TestShutdownWithBusyWriter(t *testing.T) {
	h := NewHub(Options{HeartbeatInterval: time.Hour, HeartbeatTimeout: 2 * time.Hour, QueueSize: 100_000, QueueBytes: 1 << 30})
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
func TestHeartbeatTimeoutWithBusyWriter(t *testing.T) {
	h := NewHub(Options{HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 200 * time.Millisecond, QueueSize: 100_000, QueueBytes: 1 << 30})
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

// A new stream's frames never overtake its subscribe_success: subscribe drops the queued
// frames, queues the ack, then starts the stream, and the writer must not pop one of the new
// stream's frames between seeing no control reply and popping. The rounds below replay that
// sequence (clear, ack, frames) against the live writer; the interleaving is a race, so the
// test repeats it many times.
func TestAckPrecedesNewFrames(t *testing.T) {
	h := NewHub(Options{HeartbeatInterval: time.Hour, HeartbeatTimeout: 2 * time.Hour})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	}()
	c, s := serveSession(t, h)
	const rounds, perRound = 60_000, 5
	bad := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		acked := -1
		for {
			_, b, err := c.c.Read(context.Background())
			if err != nil {
				return
			}
			var m message
			_ = json.Unmarshal(b, &m)
			g, _ := strconv.Atoi(m.StreamID)
			if m.Type == "subscribe_success" {
				if acked = g; g == rounds-1 {
					return
				}
			} else if g != acked {
				select {
				case bad <- fmt.Sprintf("a frame of stream %d after the ack of stream %d", g, acked):
				default:
				}
			}
		}
	}()
	for i := range rounds {
		s.q.clear()
		s.ctrl <- outMsg{data: mustJSON(message{Type: "subscribe_success", StreamID: strconv.Itoa(i)})}
		f := mustJSON(message{Type: "feature_update", StreamID: strconv.Itoa(i)})
		for range perRound {
			s.q.push(f)
		}
		for len(s.ctrl) > 0 { // the writer is at the frames when the next round starts
			runtime.Gosched()
		}
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the last ack did not arrive")
	}
	select {
	case m := <-bad:
		t.Fatal(m)
	default:
	}
	_ = c.c.CloseNow()
}

// An SSE request that resumes (Last-Event-ID) fast-forwards the engine, up to MaxResume
// steps of work: it does so holding its connection slot, so that the connection limits bound
// that work too.
func TestSSEResumeHoldsASlot(t *testing.T) {
	h, srv, _ := testHub(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/sse/stream_features", nil)
		req.Header.Set("Last-Event-ID", "5000")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the resuming request to hold a slot", func() bool {
		select {
		case <-answered:
			t.Fatal("the request was answered before it was counted while fast-forwarding")
		default:
		}
		return h.Open() == 1
	})
	cancel()
	<-answered
	waitFor(t, "the slot to be released", func() bool { return h.Open() == 0 })
}
