package stream

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// ServeSSE is the handler of /sse/stream_features (kind KindFeatures) or /sse/simulation_live:
// the same frames as the WebSocket streams, as text/event-stream. Each event's id is the
// frame's position (sequence, or step); a reconnecting client's Last-Event-ID resumes after
// it, since both streams are deterministic. The API key comes in X-API-Key (checked by the
// service's middleware); the stream_id query parameter names the stream (default "sse").
func (h *Hub) ServeSSE(kind Kind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id := q.Get("stream_id")
		if id == "" {
			id = "sse"
		}
		var src source
		var err error
		if kind == KindSimulation {
			var p SimParams
			if p, err = ParseSimQuery(q); err == nil {
				src, err = newSimulation(id, p)
			}
		} else {
			var p FeatureParams
			if p, err = ParseFeatureQuery(q); err == nil {
				src, err = newFeatures(id, p)
			}
		}
		if src != nil {
			defer closeSource(src)
		}
		from := int64(-1)
		if err == nil {
			from, err = h.lastEventID(r)
		}
		if err != nil {
			h.o.WriteError(w, r, http.StatusUnprocessableEntity, err.Error(), 0)
			return
		}
		if !h.acquire() {
			h.o.Metrics.rejected.WithLabelValues("sse", "total").Inc()
			h.o.WriteError(w, r, http.StatusServiceUnavailable, "too many stream connections; try again later", 5*time.Second)
			return
		}
		defer h.release()
		keyID, _ := h.o.Auth(r.Header.Get("X-API-Key"))
		if !h.acquireKey(keyID) {
			h.o.Metrics.rejected.WithLabelValues("sse", "per_key").Inc()
			h.o.WriteError(w, r, http.StatusTooManyRequests, "too many stream connections for this API key", 5*time.Second)
			return
		}
		defer h.releaseKey(keyID)
		// The fast-forward is a stream's work (up to MaxResume steps): it runs under the limits.
		if from >= 0 {
			err := error(nil)
			if h.o.Compute != nil {
				if cerr := h.o.Compute(r.Context(), func() { err = src.skipTo(from) }); cerr != nil {
					return
				}
			} else {
				err = src.skipTo(from)
			}
			if err != nil {
				h.o.WriteError(w, r, http.StatusUnprocessableEntity, err.Error(), 0)
				return
			}
		}
		m := h.o.Metrics
		m.connections.WithLabelValues("sse").Inc()
		defer m.connections.WithLabelValues("sse").Dec()
		reason := h.serveEvents(w, r, kind, src)
		m.closes.WithLabelValues("sse", reason).Inc()
	})
}

// lastEventID is the request's Last-Event-ID, the id the stream fast-forwards past (-1: none).
func (h *Hub) lastEventID(r *http.Request) (int64, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		return -1, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 || id > h.o.MaxResume {
		return -1, &ParamError{Param: "Last-Event-ID", Value: v, Allowed: fmt.Sprintf("an event id in [0, %d]", h.o.MaxResume)}
	}
	return id, nil
}

// serveEvents writes the stream until it ends, the client leaves, a write stalls for
// WriteTimeout or the hub shuts down. A slow SSE client only slows its own stream, which is
// lossless (ADR 0018).
func (h *Hub) serveEvents(w http.ResponseWriter, r *http.Request, kind Kind, src source) string {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	write := func(s string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(h.o.WriteTimeout))
		if _, err := w.Write([]byte(s)); err != nil {
			cancel()
			return false
		}
		if err := rc.Flush(); err != nil {
			cancel()
			return false
		}
		return true
	}
	if !write("retry: " + itoa(h.o.SSERetry.Milliseconds()) + "\n\n") {
		return "write_error"
	}
	// Heartbeat comments keep proxies from timing the stream out; the hub's shutdown ends it.
	frames := make(chan frame, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- h.pace(ctx, src, func(f frame) {
			select {
			case frames <- f:
			case <-ctx.Done():
			}
		})
		close(frames)
	}()
	defer func() {
		cancel()
		for range frames { // let the generator finish
		}
	}()
	hb := time.NewTicker(h.o.HeartbeatInterval)
	defer hb.Stop()
	for {
		select {
		case <-h.done:
			return "shutdown"
		case <-ctx.Done():
			return "client"
		case <-hb.C:
			if !write(": heartbeat\n\n") {
				return "write_error"
			}
		case f, ok := <-frames:
			if !ok {
				if err := <-errc; err != nil {
					h.o.Metrics.errors.WithLabelValues(codeStreamError).Inc()
					write("event: error\ndata: " + string(mustJSON(message{Type: "error", Payload: errorPayload{
						ErrorCode: codeStreamError, Message: err.Error(), Timestamp: millis(h.o.Now())}})) + "\n\n")
					return "stream_error"
				}
				return "complete"
			}
			if !write("id: " + itoa(f.id) + "\nevent: " + f.typ + "\ndata: " + string(f.data) + "\n\n") {
				return "write_error"
			}
			h.o.Metrics.frames.WithLabelValues("sse", kind.String()).Inc()
		}
	}
}
