package server

import (
	"context"
	"net/http"
	"time"
)

// record is what the middleware learns about one exchange. The outermost middleware creates
// it; the inner ones fill it in; the access log and the metrics read it when the exchange ends.
type record struct {
	// The record is the exchange's context too (its Value answers recordKey), so that the
	// record, its context and its response writer take one allocation per request.
	context.Context
	sw statusWriter
	// idHeader backs the X-Request-ID response header's value slice.
	idHeader [1]string
	// rt is the request's route, nil when the path is not one.
	rt *route

	id    string
	start time.Time
	// end is when the metrics middleware saw the exchange end (zero without metrics), so
	// that the access log needs no second clock read.
	end     time.Time
	route   string // the route's path, or otherRoute when the path is not a route
	method  string
	traceID string
	// identity is the rate-limit identity: "key:<fingerprint>" or "ip:<address>".
	identity string
	// keyID is the fingerprint of the API key that authenticated the request, if any.
	keyID string
	// keyIdentity is "key:" + keyID, kept with the key so that it is not rebuilt per request.
	keyIdentity string
	// err is the error the response carried, if writeError produced it.
	err *Error
	w   *statusWriter
}

type recordKey struct{}

// Value answers recordKey with the record itself and asks the parent for anything else.
func (rec *record) Value(key any) any {
	if _, ok := key.(recordKey); ok {
		return rec
	}
	return rec.Context.Value(key)
}

// routeIndex is the index of the exchange's route (otherRouteIndex for non-routes).
func (rec *record) routeIndex() int {
	if rec.rt == nil {
		return otherRouteIndex
	}
	return rec.rt.index
}

// recordOf returns the exchange's record, or nil outside the middleware chain.
func recordOf(ctx context.Context) *record {
	rec, _ := ctx.Value(recordKey{}).(*record)
	return rec
}

// statusWriter remembers the status code and the number of body bytes written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the wrapper.
func (w *statusWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusOrClosed is the status for logs and metrics: 499 when the handler wrote nothing
// because the client went away, as nginx reports it.
func (rec *record) statusOrClosed(ctx context.Context) int {
	if rec.w.status != 0 {
		return rec.w.status
	}
	if ctx.Err() != nil {
		return 499
	}
	return http.StatusOK
}

// header returns the first value of a header given in its canonical form (as net/http's
// server stores incoming headers), without canonicalising the key on every request as
// http.Header.Get does.
func header(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}
