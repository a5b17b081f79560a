package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"mfn/internal/pyfmt"
	"mfn/limits"
)

// object writes a JSON object the way the reference's responses read: compact, keys in the
// order written, floats in Python's repr (4096.0, 1e-05), so that responses are byte-for-byte
// the reference's. A non-finite float is an internal error (the reference answers 500 too).
type object struct {
	b   []byte
	err error
}

func newObject() *object { return &object{b: append(make([]byte, 0, 256), '{')} }

func (o *object) key(k string) {
	if len(o.b) > 1 {
		o.b = append(o.b, ',')
	}
	o.b = strconv.AppendQuote(o.b, k)
	o.b = append(o.b, ':')
}

func (o *object) float(k string, v float64) *object {
	o.key(k)
	o.b = o.appendFloat(o.b, k, v)
	return o
}

func (o *object) appendFloat(b []byte, k string, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		if o.err == nil {
			o.err = fmt.Errorf("non-finite value %v for %s", v, k)
		}
		return append(b, "null"...)
	}
	return pyfmt.AppendFloat(b, v)
}

func (o *object) int(k string, v int) *object {
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(v), 10)
	return o
}

func (o *object) str(k, v string) *object {
	o.key(k)
	b, _ := json.Marshal(v)
	o.b = append(o.b, b...)
	return o
}

func (o *object) nullableStr(k string, v *string) *object {
	if v == nil {
		o.key(k)
		o.b = append(o.b, "null"...)
		return o
	}
	return o.str(k, *v)
}

func (o *object) boolean(k string, v bool) *object {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
	return o
}

// float32s writes float32 values as the float64 they widen to, as torch's .tolist() gives them.
func (o *object) float32s(k string, vs []float32) *object {
	o.key(k)
	o.b = append(o.b, '[')
	for i, v := range vs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = o.appendFloat(o.b, k, float64(v))
	}
	o.b = append(o.b, ']')
	return o
}

// object writes a nested object.
func (o *object) object(k string, v *object) *object {
	o.key(k)
	o.b = append(append(o.b, v.b...), '}')
	if o.err == nil {
		o.err = v.err
	}
	return o
}

// write sends the object with status 200.
func (o *object) write(w http.ResponseWriter, r *http.Request) { o.writeStatus(w, r, http.StatusOK) }

// writeStatus sends the object with the given status.
func (o *object) writeStatus(w http.ResponseWriter, r *http.Request, status int) {
	if o.err != nil {
		writeError(w, r, o.err)
		return
	}
	o.b = append(o.b, '}')
	setJSONHeaders(w.Header(), strconv.Itoa(len(o.b)))
	w.WriteHeader(status)
	_, _ = w.Write(o.b)
}

// poolError turns the outcome of waiting for pool work into the client's answer.
func poolError(err error, m *Metrics) error {
	// The pool's estimate of its queued work (limits.BusyError); 1 s without one.
	retry := 1
	if be := (*limits.BusyError)(nil); errors.As(err, &be) {
		retry = max(1, ceilSeconds(be.RetryAfter))
	}
	if e := (*Error)(nil); errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, ErrPoolFull):
		if m != nil {
			m.poolRejected.Inc()
		}
		return &Error{Kind: KindUnavailable, RetryAfter: retry,
			Detail: "Server busy: the work queue is full (MFN_QUEUE_SIZE); retry later", Err: err}
	case errors.Is(err, ErrPoolClosed):
		return &Error{Kind: KindUnavailable, RetryAfter: 1, Detail: "Server is shutting down; retry on another replica", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: KindUnavailable, RetryAfter: retry,
			Detail: "Request timed out: the work did not finish within the handler timeout (MFN_HANDLER_TIMEOUT)", Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: KindUnavailable, Detail: "Request cancelled", Err: err}
	}
	return err
}

// setJSONHeaders sets Content-Type: application/json and Content-Length, as Header.Set would
// but without canonicalising the keys, and with one allocation for both value slices (each
// capped at its length, so that a later Add cannot write into the other).
func setJSONHeaders(h http.Header, length string) {
	vals := &[2]string{"application/json", length}
	h["Content-Type"] = vals[0:1:1]
	h["Content-Length"] = vals[1:2:2]
}
