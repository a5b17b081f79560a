package stream

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure the streams. Zero values take the defaults of DefaultOptions.
type Options struct {
	// Auth checks an API key (in-band for WebSocket, X-API-Key for SSE). It returns the key's
	// id for the per-key limit ("" for none) and whether the key is accepted; when the
	// service does not require keys it accepts any key, as the reference does.
	Auth func(key string) (id string, ok bool)
	// MaxConnections bounds open stream connections (both transports); MaxPerKey bounds
	// those of one API key.
	MaxConnections, MaxPerKey int
	// QueueSize is each connection's outbound queue of data frames (drop-oldest);
	// QueueBytes bounds the same queue in bytes (the oldest frames are dropped first).
	QueueSize  int
	QueueBytes int64
	// MaxUnauthenticated bounds the WebSocket connections that have not authenticated yet,
	// apart from MaxConnections, so that they cannot hold the authenticated streams' slots;
	// AuthTimeout closes (1008) a WebSocket that has not authenticated within it.
	MaxUnauthenticated int
	AuthTimeout        time.Duration
	// Compute runs one step of a stream's computation (its next frame) on the service's CPU
	// budget, waiting its turn (nil: on the stream's own goroutine). It returns ctx's error
	// when the stream ended while waiting.
	Compute func(ctx context.Context, fn func()) error
	// ClientAddr is the client's address for FailedAuth (nil: the TCP peer).
	ClientAddr func(r *http.Request) string
	// FailedAuth, when set, limits failed in-band authentications per client address, as
	// the service does for X-API-Key (limits.FailedAuth satisfies it).
	FailedAuth interface {
		Blocked(addr string) (time.Duration, bool)
		Failed(addr string)
	}
	// MaxMessageBytes is the largest client message answered normally; larger ones up to
	// 4× get MESSAGE_TOO_LARGE, beyond that the socket closes with 1009.
	MaxMessageBytes int64
	// MaxMessagesPerSecond bounds client messages per connection.
	MaxMessagesPerSecond int
	// MaxViolations is how many bad messages (malformed, unknown, oversized, over the rate,
	// failed auth) a connection may send before it is closed with 1008.
	MaxViolations int
	// HeartbeatInterval is the period of heartbeat messages (SSE: comment lines);
	// HeartbeatTimeout closes a WebSocket whose client has not answered (pong) for that long.
	HeartbeatInterval, HeartbeatTimeout time.Duration
	// MinFrameInterval is the least time between two frames of any stream.
	MinFrameInterval time.Duration
	// WriteTimeout closes a connection whose client accepts no data for that long.
	WriteTimeout time.Duration
	// SSERetry is the reconnection delay suggested to SSE clients.
	SSERetry time.Duration
	// MaxResume bounds the SSE Last-Event-ID a stream fast-forwards to.
	MaxResume int64
	// OriginPatterns are the browser origins (host patterns) allowed besides the same origin.
	OriginPatterns []string
	// WriteError answers a refused HTTP request (limits, bad SSE query) in the service's format.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, detail string, retryAfter time.Duration)
	Logger     *slog.Logger
	Metrics    *Metrics
	// Completed, if set, hears of every simulation stream that ran to its end: its params
	// and its simulation_complete message (the service publishes them on route "stream").
	// It runs on the stream's goroutine, so it should not block for long.
	Completed func(ctx context.Context, params SimParams, complete json.RawMessage)
	// Now is the clock (tests).
	Now func() time.Time
}

// DefaultOptions are the defaults of the MFN_STREAM_* variables.
func DefaultOptions() Options {
	return Options{MaxConnections: 1000, MaxPerKey: 100, QueueSize: 256, QueueBytes: 256 << 10,
		MaxUnauthenticated: 64, AuthTimeout: 10 * time.Second, MaxMessageBytes: 64 << 10,
		MaxMessagesPerSecond: 50, MaxViolations: 10, HeartbeatInterval: 30 * time.Second,
		HeartbeatTimeout: 60 * time.Second, MinFrameInterval: 10 * time.Millisecond, WriteTimeout: 10 * time.Second,
		SSERetry: 2 * time.Second, MaxResume: 100_000}
}

func (o *Options) fill() {
	d := DefaultOptions()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&o.MaxConnections, d.MaxConnections)
	set(&o.MaxPerKey, d.MaxPerKey)
	set(&o.QueueSize, d.QueueSize)
	set(&o.MaxUnauthenticated, d.MaxUnauthenticated)
	if o.QueueBytes <= 0 {
		o.QueueBytes = d.QueueBytes
	}
	setD(&o.AuthTimeout, d.AuthTimeout)
	set(&o.MaxMessagesPerSecond, d.MaxMessagesPerSecond)
	set(&o.MaxViolations, d.MaxViolations)
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = d.MaxMessageBytes
	}
	if o.MaxResume <= 0 {
		o.MaxResume = d.MaxResume
	}
	setD(&o.HeartbeatInterval, d.HeartbeatInterval)
	setD(&o.HeartbeatTimeout, d.HeartbeatTimeout)
	setD(&o.MinFrameInterval, d.MinFrameInterval)
	setD(&o.WriteTimeout, d.WriteTimeout)
	setD(&o.SSERetry, d.SSERetry)
	if o.Auth == nil {
		o.Auth = func(string) (string, bool) { return "", true }
	}
	if o.WriteError == nil {
		o.WriteError = func(w http.ResponseWriter, _ *http.Request, status int, detail string, retry time.Duration) {
			if retry > 0 {
				w.Header().Set("Retry-After", itoa(int64(retry/time.Second)))
			}
			http.Error(w, detail, status)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Hub owns every stream connection: it enforces the connection limits and ends them all on
// Shutdown, so that no stream outlives the server.
type Hub struct {
	o        Options
	mu       sync.Mutex
	total    int
	pending  int // WebSocket connections not authenticated yet
	perKey   map[string]int
	queued   atomic.Int64 // bytes in every connection's queue
	closed   bool
	done     chan struct{} // closed by Shutdown
	sessions sync.WaitGroup
}

// NewHub returns a hub with the given options (zero fields take the defaults).
func NewHub(o Options) *Hub {
	o.fill()
	return &Hub{o: o, perKey: map[string]int{}, done: make(chan struct{})}
}

// acquire takes a connection slot; false when the hub is full or shutting down.
func (h *Hub) acquire() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.total >= h.o.MaxConnections {
		return false
	}
	h.total++
	h.sessions.Add(1)
	return true
}

// acquirePending takes a slot of the unauthenticated WebSocket budget.
func (h *Hub) acquirePending() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.pending >= h.o.MaxUnauthenticated {
		return false
	}
	h.pending++
	h.sessions.Add(1)
	return true
}

// promote moves an authenticating connection from the unauthenticated budget to a
// connection slot; false when every slot is taken.
func (h *Hub) promote() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total >= h.o.MaxConnections {
		return false
	}
	h.total++
	h.pending--
	return true
}

func (h *Hub) releasePending() {
	h.mu.Lock()
	h.pending--
	h.mu.Unlock()
	h.sessions.Done()
}

// Unauthenticated is the number of WebSocket connections that have not authenticated yet.
func (h *Hub) Unauthenticated() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pending
}

// QueuedBytes is the number of bytes waiting in the connections' outbound queues.
func (h *Hub) QueuedBytes() int64 { return h.queued.Load() }

func (h *Hub) release() {
	h.mu.Lock()
	h.total--
	h.mu.Unlock()
	h.sessions.Done()
}

// acquireKey takes a slot of key id's per-key limit ("" has none).
func (h *Hub) acquireKey(id string) bool {
	if id == "" {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perKey[id] >= h.o.MaxPerKey {
		return false
	}
	h.perKey[id]++
	return true
}

func (h *Hub) releaseKey(id string) {
	if id == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perKey[id]--; h.perKey[id] <= 0 {
		delete(h.perKey, id)
	}
}

// Shutdown refuses new connections, closes the open ones (WebSocket: 1001 going away) and
// waits for them to end, or for ctx.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	h.mu.Unlock()
	ended := make(chan struct{})
	go func() {
		h.sessions.Wait()
		close(ended)
	}()
	select {
	case <-ended:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Open is the number of open stream connections.
func (h *Hub) Open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}
