package stream

import (
	"context"
	"encoding/json"
	"errors"
)

// Frame is one stream message for a transport other than WebSocket and SSE (gRPC): its
// position (the SSE event id), its type and its JSON, byte for byte the WebSocket text frame.
type Frame struct {
	ID   int64
	Type string
	Data []byte
}

// The refusals of Run, with the texts the WebSocket and SSE streams use.
var (
	ErrTooManyStreams       = errors.New("too many stream connections; try again later")
	ErrTooManyStreamsForKey = errors.New("too many stream connections for this API key")
	ErrShuttingDown         = errors.New("the server is shutting down")
)

// GenerationError is a stream that failed while computing a frame.
type GenerationError struct{ Err error }

func (e *GenerationError) Error() string { return "stream error: " + e.Err.Error() }
func (e *GenerationError) Unwrap() error { return e.Err }

// Run serves one stream of kind to a transport: params is the subscribe params object (the
// WebSocket's, validated the same way; a *ParamError when refused), keyID the caller's key
// fingerprint for the per-key limit. It takes connection slots as the other transports do,
// paces the frames as they are, and calls send for each until the stream ends (nil), ctx
// ends (ctx.Err()), send fails (its error), or the hub shuts down (ErrShuttingDown). send
// is called on Run's goroutine.
func (h *Hub) Run(ctx context.Context, kind Kind, streamID string, params json.RawMessage, keyID, transport string,
	send func(Frame) error) error {
	ps, err := decodeJSONParams(params)
	if err != nil {
		return err
	}
	var src source
	if kind == KindSimulation {
		var p SimParams
		if p, err = ps.simParams(); err == nil {
			src, err = newSimulation(streamID, p) // v4.1 or gm, as the WebSocket and SSE streams
		}
	} else {
		var p FeatureParams
		if p, err = ps.featureParams(); err == nil {
			src, err = newFeatures(streamID, p)
		}
	}
	if err != nil {
		return err
	}
	if !h.acquire() {
		h.o.Metrics.rejected.WithLabelValues(transport, "total").Inc()
		return ErrTooManyStreams
	}
	defer h.release()
	if !h.acquireKey(keyID) {
		h.o.Metrics.rejected.WithLabelValues(transport, "per_key").Inc()
		return ErrTooManyStreamsForKey
	}
	defer h.releaseKey(keyID)
	m := h.o.Metrics
	m.connections.WithLabelValues(transport).Inc()
	defer m.connections.WithLabelValues(transport).Dec()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // the hub's shutdown ends the stream; the deferred cancel ends this goroutine
		select {
		case <-h.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	var sendErr error
	err = h.pace(ctx, src, func(f frame) {
		if sendErr != nil || ctx.Err() != nil {
			return
		}
		if sendErr = send(Frame{ID: f.id, Type: f.typ, Data: f.data}); sendErr != nil {
			cancel()
			return
		}
		m.frames.WithLabelValues(transport, kind.String()).Inc()
	})
	reason := "complete"
	switch {
	case err != nil:
		m.errors.WithLabelValues(codeStreamError).Inc()
		err, reason = &GenerationError{Err: err}, "stream_error"
	case sendErr != nil:
		err, reason = sendErr, "write_error"
	case isDone(h.done):
		err, reason = ErrShuttingDown, "shutdown"
	case ctx.Err() != nil:
		err, reason = ctx.Err(), "client"
	}
	m.closes.WithLabelValues(transport, reason).Inc()
	return err
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
