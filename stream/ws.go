package stream

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Kind is which stream an endpoint serves.
type Kind int

const (
	KindFeatures   Kind = iota // stream_features
	KindSimulation             // simulation_live
)

func (k Kind) String() string {
	if k == KindSimulation {
		return "simulation_live"
	}
	return "stream_features"
}

// Close codes (ADR 0018).
const (
	closeNormal    = websocket.StatusNormalClosure // client "close" message
	closeGoingAway = websocket.StatusGoingAway     // heartbeat timeout, server shutdown
	closePolicy    = websocket.StatusPolicyViolation
	closeTryLater  = websocket.StatusTryAgainLater // per-key connection limit
)

// ServeWS is the handler of /ws/stream_features (kind KindFeatures) or /ws/simulation_live.
func (h *Hub) ServeWS(kind Kind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A connection whose upgrade carries a valid X-API-Key takes a connection slot at
		// once; any other waits for its in-band auth in the small unauthenticated budget,
		// so that connections that never authenticate cannot hold the streams' slots.
		preAuthed := false
		if key := r.Header.Get("X-API-Key"); key != "" {
			_, preAuthed = h.o.Auth(key)
		}
		if preAuthed && !h.acquire() || !preAuthed && !h.acquirePending() {
			h.o.Metrics.rejected.WithLabelValues("ws", "total").Inc()
			h.o.WriteError(w, r, http.StatusServiceUnavailable, "too many stream connections; try again later", 5*time.Second)
			return
		}
		// The server's read and write deadlines are for requests; a stream lives longer.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.o.OriginPatterns})
		if err != nil {
			if preAuthed {
				h.release()
			} else {
				h.releasePending()
			}
			return // Accept has answered
		}
		c.SetReadLimit(4 * h.o.MaxMessageBytes)
		// The slot is released when the session ends, whichever budget it is in by then.
		s := &session{h: h, c: c, kind: kind, ctrl: make(chan outMsg, 16), q: newQueue(h.o.QueueSize, h.o.QueueBytes, &h.queued),
			gone: make(chan struct{}), hasSlot: preAuthed, addr: h.clientAddr(r)}
		defer func() {
			if s.hasSlot {
				h.release()
			} else {
				h.releasePending()
			}
		}()
		s.lastPong.Store(h.o.Now().UnixNano())
		m := h.o.Metrics
		m.connections.WithLabelValues("ws").Inc()
		defer m.connections.WithLabelValues("ws").Dec()
		reason := s.run(r.Context())
		m.closes.WithLabelValues("ws", reason).Inc()
	})
}

// session is one WebSocket connection. Three goroutines, all ended before run returns: the
// reader (run itself), the writer (the only one writing to the socket, control messages
// first) and at most one stream.
type session struct {
	h    *Hub
	c    *websocket.Conn
	kind Kind
	ctrl chan outMsg // control replies: never dropped
	q    *queue      // data frames: drop-oldest

	lastPong atomic.Int64 // UnixNano of the last sign of life
	// hasSlot: the session holds a connection slot (else one of the unauthenticated
	// budget); set before the reader starts or by the reader, read after it ends.
	hasSlot bool
	// everAuthed is set at the first successful auth (the writer's auth deadline reads it).
	everAuthed atomic.Bool
	addr       string // the client's address, for the failed-auth limiter

	closeOnce sync.Once
	gone      chan struct{} // closed by end
	reason    string        // why the session ended (metrics), set once by end

	// Reader goroutine only:
	authed     bool
	closing    bool // a close is queued behind the replies: ignore further messages
	keyID      string
	violations int
	window     time.Time
	inWindow   int
	stream     *running
}

// outMsg is a control reply, or (close set) a request to close after the replies before it.
type outMsg struct {
	data  []byte
	close *closeReq
}

type closeReq struct {
	code           websocket.StatusCode
	reason, metric string
}

// running is a stream goroutine and its stop.
type running struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// end closes the socket once with code and reason (waiting up to the library's 5 s for the
// peer's close); the reader then fails and the session winds down.
func (s *session) end(code websocket.StatusCode, reason, metric string) {
	s.closeOnce.Do(func() {
		s.reason = metric
		close(s.gone)
		_ = s.c.Close(code, reason)
	})
}

func (s *session) run(parent context.Context) string {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.write(ctx)
	}()
	s.read(ctx)
	s.stopStream()
	cancel()
	wg.Wait()
	s.end(websocket.StatusNormalClosure, "", "client") // no-op unless the peer left first
	_ = s.c.CloseNow()
	if s.keyID != "" {
		s.h.releaseKey(s.keyID)
	}
	return s.reason
}

// write sends control replies, heartbeats and data frames until ctx ends.
func (s *session) write(ctx context.Context) {
	o := &s.h.o
	hb := time.NewTicker(o.HeartbeatInterval)
	defer hb.Stop()
	authDeadline := time.NewTimer(o.AuthTimeout)
	defer authDeadline.Stop()
	for {
		// Control replies go first, so acks precede the frames that follow them.
		select {
		case m := <-s.ctrl:
			if !s.control(ctx, m) {
				return
			}
			continue
		default:
		}
		select {
		case <-ctx.Done():
			return
		case <-s.h.done:
			s.end(closeGoingAway, "server shutting down", "shutdown")
			return
		case m := <-s.ctrl:
			if !s.control(ctx, m) {
				return
			}
		case <-s.q.notify:
			// One frame per turn: a queue that never empties (a client slower than its
			// stream) must not keep this loop from shutdown and heartbeats.
			// The check for a waiting control reply and the pop are one step (under the
			// queue's lock), so that a new stream's first frame cannot overtake its ack.
			if m, ok := s.q.popUnless(func() bool { return len(s.ctrl) > 0 }); ok {
				if !s.send(ctx, m) {
					return
				}
				o.Metrics.frames.WithLabelValues("ws", s.kind.String()).Inc()
			}
			if s.q.len() > 0 { // more frames, or interrupted by a control reply: come back
				select {
				case s.q.notify <- struct{}{}:
				default:
				}
			}
		case <-authDeadline.C:
			if !s.everAuthed.Load() {
				s.end(closePolicy, "authentication timeout", "auth_timeout")
				return
			}
		case <-hb.C:
			now := o.Now()
			if now.Sub(time.Unix(0, s.lastPong.Load())) >= o.HeartbeatTimeout {
				s.end(closeGoingAway, "heartbeat timeout", "heartbeat_timeout")
				return
			}
			if !s.send(ctx, mustJSON(message{Type: "heartbeat", Timestamp: millis(now)})) {
				return
			}
		}
	}
}

// control writes a control reply or carries out a queued close; false ends the writer.
func (s *session) control(ctx context.Context, m outMsg) bool {
	if m.close != nil {
		s.end(m.close.code, m.close.reason, m.close.metric)
		return false
	}
	return s.send(ctx, m.data)
}

// closeAfterReplies closes the socket once the replies queued so far are written.
func (s *session) closeAfterReplies(ctx context.Context, code websocket.StatusCode, reason, metric string) {
	s.closing = true
	select {
	case s.ctrl <- outMsg{close: &closeReq{code, reason, metric}}:
	case <-ctx.Done():
	case <-s.gone:
	}
}

// send writes one message; a client that takes none for WriteTimeout is dropped.
func (s *session) send(ctx context.Context, m []byte) bool {
	wctx, cancel := context.WithTimeout(ctx, s.h.o.WriteTimeout)
	defer cancel()
	if err := s.c.Write(wctx, websocket.MessageText, m); err != nil {
		s.end(closePolicy, "write timeout", "write_error")
		return false
	}
	return true
}

// reply queues a control message (blocking this client's reader if it does not read).
func (s *session) reply(ctx context.Context, v any) {
	select {
	case s.ctrl <- outMsg{data: mustJSON(v)}:
	case <-ctx.Done():
	case <-s.gone:
	}
}

func (s *session) now() int64 { return millis(s.h.o.Now()) }

// fail answers a bad message with an error and counts a violation; too many close the socket.
func (s *session) fail(ctx context.Context, code, msg string) {
	s.h.o.Metrics.errors.WithLabelValues(code).Inc()
	s.reply(ctx, message{Type: "error", Payload: errorPayload{ErrorCode: code, Message: msg, Timestamp: s.now()}})
	s.violation(ctx)
}

func (s *session) violation(ctx context.Context) {
	if s.violations++; s.violations >= s.h.o.MaxViolations && !s.closing {
		s.closeAfterReplies(ctx, closePolicy, "too many invalid messages", "abuse")
	}
}

// read handles client messages until the socket fails or closes.
func (s *session) read(ctx context.Context) {
	o := &s.h.o
	for {
		typ, r, err := s.c.Reader(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				s.end(websocket.StatusMessageTooBig, "message too big", "too_big")
			}
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, o.MaxMessageBytes+1))
		if err == nil && int64(len(data)) > o.MaxMessageBytes {
			_, err = io.Copy(io.Discard, r) // up to the read limit, then the library closes (1009)
			if err != nil {
				s.end(websocket.StatusMessageTooBig, "message too big", "too_big")
				return
			}
			s.fail(ctx, codeTooLarge, "message larger than the limit of "+itoa(o.MaxMessageBytes)+" bytes")
			continue
		}
		if err != nil {
			return
		}
		if s.closing {
			continue
		}
		if s.overRate() {
			s.fail(ctx, codeRateLimited, "more than "+itoa(int64(o.MaxMessagesPerSecond))+" messages per second")
			continue
		}
		if typ != websocket.MessageText {
			s.fail(ctx, codeBadMessage, "binary messages are not accepted; send JSON text")
			continue
		}
		if s.closing {
			continue // the writer closes the socket once the replies are out
		}
		if s.handle(ctx, data) {
			s.closeAfterReplies(ctx, closeNormal, "", "client_close")
		}
	}
}

// overRate counts a message in the current one-second window.
func (s *session) overRate() bool {
	now := s.h.o.Now()
	if now.Sub(s.window) >= time.Second {
		s.window, s.inWindow = now, 0
	}
	s.inWindow++
	return s.inWindow > s.h.o.MaxMessagesPerSecond
}

// handle answers one text message; it returns true for "close".
func (s *session) handle(ctx context.Context, data []byte) bool {
	env, err := decodeEnvelope(data)
	if err != nil {
		s.fail(ctx, codeBadMessage, err.Error())
		return false
	}
	switch env.Type {
	case "init":
		s.init(ctx, env.Payload)
	case "auth":
		s.auth(ctx, env.Payload)
	case "subscribe":
		s.subscribe(ctx, env.Payload)
	case "unsubscribe":
		s.unsubscribe(ctx, env.Payload)
	case "pong", "heartbeat": // a client heartbeat is a sign of life too
		s.lastPong.Store(s.h.o.Now().UnixNano())
	case "close":
		return true
	default:
		s.fail(ctx, codeUnknownType, "unknown message type "+quote(env.Type)+
			"; expected init, auth, subscribe, unsubscribe, pong or close")
	}
	return false
}

func (s *session) init(ctx context.Context, p json.RawMessage) {
	m, err := payloadFields(p)
	if err == nil {
		_, _, err = stringField(m, "protocol_version", false)
	}
	if err == nil {
		_, _, err = stringField(m, "client_info", false)
	}
	if err != nil {
		s.fail(ctx, codeInitFailed, err.Error())
		return
	}
	s.reply(ctx, message{Type: "init", Timestamp: s.now(), Payload: map[string]string{"protocol_version": "1.0"}})
}

// authWindow is how far an auth timestamp may be from the server's clock.
const authWindow = 5 * time.Minute

func (s *session) auth(ctx context.Context, p json.RawMessage) {
	key, ts, err := decodeAuth(p)
	if err != nil {
		s.h.o.Metrics.errors.WithLabelValues(codeAuthError).Inc()
		s.reply(ctx, message{Type: "auth_failed", Payload: errorPayload{ErrorCode: codeAuthError, Message: err.Error(), Timestamp: s.now()}})
		s.violation(ctx)
		return
	}
	now := s.h.o.Now()
	if fa := s.h.o.FailedAuth; fa != nil {
		if retry, blocked := fa.Blocked(s.addr); blocked {
			s.h.o.Metrics.errors.WithLabelValues(codeAuthFailed).Inc()
			s.reply(ctx, message{Type: "auth_failed", Timestamp: s.now(), Payload: errorPayload{ErrorCode: codeRateLimited,
				Message: "too many failed authentications from this address; retry in " + itoa(int64(max(time.Second, retry)/time.Second)) + " s"}})
			s.closeAfterReplies(ctx, closePolicy, "too many failed authentications", "auth_rate_limited")
			return
		}
	}
	id, ok := s.h.o.Auth(key)
	if math.Abs(float64(now.UnixMilli())-ts) > float64(authWindow.Milliseconds()) || !ok {
		if !ok && s.h.o.FailedAuth != nil {
			s.h.o.FailedAuth.Failed(s.addr)
		}
		s.authed = false
		s.h.o.Metrics.errors.WithLabelValues(codeAuthFailed).Inc()
		s.reply(ctx, message{Type: "auth_failed", Timestamp: s.now(),
			Payload: errorPayload{ErrorCode: codeAuthFailed, Message: "Invalid API key or timestamp"}})
		s.violation(ctx)
		return
	}
	if !s.hasSlot {
		if !s.h.promote() {
			s.h.o.Metrics.rejected.WithLabelValues("ws", "total").Inc()
			s.h.o.Metrics.errors.WithLabelValues(codeTooMany).Inc()
			s.reply(ctx, message{Type: "auth_failed", Timestamp: s.now(),
				Payload: errorPayload{ErrorCode: codeTooMany, Message: "too many stream connections; try again later"}})
			s.closeAfterReplies(ctx, closeTryLater, "too many stream connections", "total_limit")
			return
		}
		s.hasSlot = true
	}
	if id != s.keyID {
		if !s.h.acquireKey(id) {
			s.h.o.Metrics.rejected.WithLabelValues("ws", "per_key").Inc()
			s.h.o.Metrics.errors.WithLabelValues(codeTooMany).Inc()
			s.reply(ctx, message{Type: "auth_failed", Timestamp: s.now(),
				Payload: errorPayload{ErrorCode: codeTooMany, Message: "too many stream connections for this API key"}})
			s.closeAfterReplies(ctx, closeTryLater, "too many connections for this API key", "per_key_limit")
			return
		}
		s.h.releaseKey(s.keyID)
		s.keyID = id
	}
	s.authed = true
	s.everAuthed.Store(true)
	s.lastPong.Store(now.UnixNano())
	s.reply(ctx, message{Type: "auth_success", Timestamp: s.now()})
}

// decodeAuth reads an auth payload: api_key (string) and timestamp (number) required,
// signature (string or null) accepted and ignored, as in the reference.
func decodeAuth(p json.RawMessage) (key string, ts float64, err error) {
	m, err := payloadFields(p)
	if err != nil {
		return "", 0, err
	}
	if key, _, err = stringField(m, "api_key", true); err != nil {
		return "", 0, err
	}
	raw, ok := m["timestamp"]
	if !ok || string(raw) == "null" {
		return "", 0, errors.New("timestamp: field required")
	}
	if err := json.Unmarshal(raw, &ts); err != nil {
		return "", 0, errors.New("timestamp: must be a number (milliseconds since the epoch)")
	}
	if _, _, err := stringField(m, "signature", false); err != nil {
		return "", 0, err
	}
	return key, ts, nil
}

func (s *session) subscribeFailed(ctx context.Context, code, msg string) {
	s.h.o.Metrics.errors.WithLabelValues(code).Inc()
	s.reply(ctx, message{Type: "subscribe_failed", Payload: errorPayload{ErrorCode: code, Message: msg, Timestamp: s.now()}})
}

func (s *session) subscribe(ctx context.Context, p json.RawMessage) {
	if !s.authed {
		s.subscribeFailed(ctx, codeNotAuthenticated, "Must authenticate before subscribing")
		return
	}
	id, src, err := decodeSubscribe(p, s.kind)
	if err != nil {
		s.subscribeFailed(ctx, codeSubscribeError, err.Error())
		s.violation(ctx)
		return
	}
	// A new subscription replaces the current stream, whose queued frames are dropped.
	s.stopStream()
	s.reply(ctx, message{Type: "subscribe_success", StreamID: id, Timestamp: s.now()})
	sctx, cancel := context.WithCancel(ctx)
	r := &running{cancel: cancel, done: make(chan struct{})}
	s.stream = r
	go func() {
		defer close(r.done)
		s.pump(sctx, id, src)
	}()
}

// decodeSubscribe reads a subscribe payload: stream_type (validated against the enum but,
// as in the reference, not against the endpoint), stream_id and the endpoint's params.
func decodeSubscribe(p json.RawMessage, kind Kind) (string, func() (source, error), error) {
	m, err := payloadFields(p)
	if err != nil {
		return "", nil, err
	}
	st, _, err := stringField(m, "stream_type", true)
	if err != nil {
		return "", nil, err
	}
	if st != "stream_features" && st != "simulation_live" {
		return "", nil, &ParamError{Param: "stream_type", Value: quote(st), Allowed: "stream_features or simulation_live"}
	}
	id, _, err := stringField(m, "stream_id", true)
	if err != nil {
		return "", nil, err
	}
	ps, err := decodeJSONParams(m["params"])
	if err != nil {
		return "", nil, err
	}
	if kind == KindSimulation {
		sp, err := ps.simParams()
		if err != nil {
			return "", nil, err
		}
		return id, func() (source, error) { return newSimulation(id, sp) }, nil
	}
	fp, err := ps.featureParams()
	if err != nil {
		return "", nil, err
	}
	return id, func() (source, error) { return newFeatures(id, fp) }, nil
}

// pump runs a stream: frames into the queue, paced, until the stream ends or ctx does.
// An engine error (such as alpha outside the engine's range) is a STREAM_ERROR, as in the
// reference; the socket stays open.
func (s *session) pump(ctx context.Context, id string, newSrc func() (source, error)) {
	src, err := newSrc()
	if err == nil {
		defer closeSource(src)
		err = s.h.pace(ctx, src, func(f frame) {
			if s.q.push(f.data) {
				s.h.o.Metrics.dropped.WithLabelValues("ws").Inc()
			}
		})
	}
	if err != nil && ctx.Err() == nil {
		s.h.o.Metrics.errors.WithLabelValues(codeStreamError).Inc()
		s.reply(ctx, message{Type: "error", Payload: errorPayload{ErrorCode: codeStreamError, Message: err.Error(),
			StreamID: id, Timestamp: s.now()}})
	}
}

// pace emits src's frames no faster than its interval (and the server's minimum) until it
// ends or ctx does.
func (h *Hub) pace(ctx context.Context, src source, emit func(frame)) error {
	every := max(src.interval(), h.o.MinFrameInterval)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		start := time.Now()
		var (
			f    frame
			more bool
			err  error
		)
		if h.o.Compute != nil {
			if cerr := h.o.Compute(ctx, func() { f, more, err = src.next(h.o.Now()) }); cerr != nil {
				return nil // the stream ended while waiting for its turn
			}
		} else {
			f, more, err = src.next(h.o.Now())
		}
		if err != nil {
			return err
		}
		if f.data != nil {
			emit(f)
		}
		if !more {
			if sim, ok := src.(interface{ params() SimParams }); ok && f.data != nil && h.o.Completed != nil {
				h.o.Completed(ctx, sim.params(), f.data)
			}
			return nil
		}
		t.Reset(max(0, every-time.Since(start)))
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// stopStream cancels the current stream and waits for it, then drops its queued frames.
func (s *session) stopStream() {
	if s.stream != nil {
		s.stream.cancel()
		<-s.stream.done
		s.stream = nil
	}
	s.q.clear()
}

func (s *session) unsubscribe(ctx context.Context, p json.RawMessage) {
	m, err := payloadFields(p)
	var id string
	if err == nil {
		id, _, err = stringField(m, "stream_id", true)
	}
	if err != nil {
		s.fail(ctx, codeBadMessage, "unsubscribe: "+err.Error())
		return
	}
	s.stopStream()
	s.reply(ctx, message{Type: "unsubscribe", StreamID: id, Timestamp: s.now()})
}

// clientAddr is the client's address for the failed-auth limiter.
func (h *Hub) clientAddr(r *http.Request) string {
	if h.o.ClientAddr != nil {
		return h.o.ClientAddr(r)
	}
	return r.RemoteAddr
}
