package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Kind classifies every error the service answers with. statusOf is the one place that maps a
// kind to an HTTP status code.
type Kind int

const (
	// KindInternal is a bug or an unexpected failure: 500, with a fixed detail.
	KindInternal Kind = iota
	// KindInvalid is a request body that fails validation: 422 with a list of issues.
	KindInvalid
	// KindBadRequest is a well-formed request the operation refuses: 400.
	KindBadRequest
	// KindUnauthorized is a missing or wrong API key: 401.
	KindUnauthorized
	// KindForbidden is an operation the deployment does not allow: 403.
	KindForbidden
	// KindNotFound is an unknown path: 404.
	KindNotFound
	// KindMethodNotAllowed is a known path with another method: 405.
	KindMethodNotAllowed
	// KindConflict is a request that would overwrite existing state: 409.
	KindConflict
	// KindTooLarge is a body over the configured limit: 413.
	KindTooLarge
	// KindRateLimited is an exhausted token bucket: 429.
	KindRateLimited
	// KindUnavailable is a disabled feature, a full work queue or a timed-out handler: 503.
	KindUnavailable
)

func statusOf(k Kind) int {
	switch k {
	case KindInvalid:
		return http.StatusUnprocessableEntity
	case KindBadRequest:
		return http.StatusBadRequest
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindNotFound:
		return http.StatusNotFound
	case KindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case KindConflict:
		return http.StatusConflict
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Error is an error with a kind and the body the client gets: {"detail": …} plus, for the
// reference's 401 and 429 bodies, an error_code and retry_after.
type Error struct {
	Kind Kind
	// Detail is a string, or the list of issues of a 422.
	Detail     any
	ErrorCode  string
	RetryAfter int // seconds; also sent as the Retry-After header when > 0
	// Header holds extra response headers (Allow, WWW-Authenticate, X-RateLimit-*).
	Header http.Header
	// Err is the underlying cause, logged but never sent for KindInternal.
	Err error
}

func (e *Error) Error() string {
	if s, ok := e.Detail.(string); ok {
		return s
	}
	if is, ok := e.Detail.([]Issue); ok && len(is) > 0 {
		return fmt.Sprintf("%d validation issues, first: %s at %v", len(is), is[0].Msg, is[0].Loc)
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return http.StatusText(statusOf(e.Kind))
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an Error whose detail is a formatted message.
func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// invalid builds a 422 from validation issues.
func invalid(issues ...Issue) *Error { return &Error{Kind: KindInvalid, Detail: issues} }

// errorBody is the JSON body of every error response.
type errorBody struct {
	Detail     any    `json:"detail"`
	ErrorCode  string `json:"error_code,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
}

// writeError answers with err's status and {"detail": …} body. Errors that are not *Error are
// internal: the client sees a fixed detail, the log gets the cause.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: KindInternal, Err: err}
	}
	if rec := recordOf(r.Context()); rec != nil {
		rec.err = e
	}
	h := w.Header()
	for k, vs := range e.Header {
		h[k] = vs
	}
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	body := errorBody{Detail: e.Detail, ErrorCode: e.ErrorCode, RetryAfter: e.RetryAfter}
	if e.Kind == KindInternal {
		body = errorBody{Detail: "Internal Server Error"}
	}
	if body.Detail == nil {
		body.Detail = http.StatusText(statusOf(e.Kind))
	}
	b, merr := json.Marshal(body)
	if merr != nil {
		b = []byte(`{"detail":"Internal Server Error"}`)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(statusOf(e.Kind))
	_, _ = w.Write(b)
}
