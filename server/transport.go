package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"mfn/limits"
	"mfn/security"
	"net/http"
	"net/url"
	"sync"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"mfn/stream"
)

// Transport is the service as another transport (gRPC, package grpcapi) sees it: the API
// keys, the rate limiter, the worker pool, readiness and the routes' handlers, all shared
// with the REST API, so that a rule is written once (docs/adr/0025-grpc.md). Call runs a
// route's handler, minus the HTTP middleware, on a JSON body: the same decoding, validation,
// cost limits, pool and domain calls as REST, by construction.
type Transport struct {
	cfg       Config
	log       *slog.Logger
	keys      *APIKeys
	limiter   RateLimiter // nil when rate limiting is off (Redis-backed with MFN_RATE_LIMIT_REDIS_URL)
	metrics   *Metrics
	tracing   *Tracing
	readiness *Readiness
	streams   *stream.Hub
	certs     *certReloader
	routes    http.Handler // the route mux behind the body limit and handler timeout
	fails     *limits.FailedAuth
	sim       simService // /simulate's work for the direct methods (unary.go)
}

// Transport returns the App's transport-neutral service.
func (a *App) Transport() *Transport {
	return &Transport{cfg: a.cfg, log: a.log, keys: a.keys, limiter: a.limiter, metrics: a.metrics, tracing: a.tracing,
		readiness: a.readiness, streams: a.streams, certs: a.certs, routes: a.routes, fails: a.authFails,
		sim: simService{pool: a.pool, m: a.metrics, tracer: a.tracing.Provider.Tracer("mfn/server"), hub: a.hub}}
}

// CallInfo is what the caller's transport knows of the exchange: it fills the record that
// the handlers, logs and publishers read (request ID, key fingerprint).
type CallInfo struct {
	RequestID string
	KeyID     string
	// Method labels the call in logs; the route labels it in the domain's metrics.
	Method string
}

// Authenticate checks an API key as the REST middleware does: an address with too many
// failed authentications gets the REST 429 before the key is looked at; otherwise it returns
// the key's fingerprint ("" for none), or the REST 401 when keys are required and this one is
// not valid. Failures count against the address and are audited, as over REST.
func (t *Transport) Authenticate(ctx context.Context, key, peerIP, operation, requestID string) (string, error) {
	required := t.keys.Required()
	audit := auditor{log: t.log, on: t.cfg.CryptoAuditLog}
	fail := func(reason string) {
		audit.record(ctx, security.AuditEvent{Action: security.ActionAuthFailure, Reason: reason, SourceIP: peerIP,
			Operation: operation, RequestID: requestID})
	}
	if required && t.fails != nil {
		if retry, blocked := t.fails.Blocked(peerIP); blocked {
			fail("too many failed authentications from this address")
			return "", tooManyFailures(retry)
		}
	}
	id, ok := t.keys.Check(key)
	if !ok && required {
		if t.fails != nil {
			t.fails.Failed(peerIP)
		}
		reason := "invalid or expired API key"
		if key == "" {
			reason = "no API key"
		}
		fail(reason)
		return "", &Error{Kind: KindUnauthorized, Detail: authDetail, ErrorCode: "authentication_required"}
	}
	return id, nil
}

// Identity is the rate-limit identity of a caller: its key, else its address (as REST).
func Identity(keyID, peerIP string) string {
	if keyID != "" {
		return "key:" + keyID
	}
	return "ip:" + peerIP
}

// Allow takes a token from the bucket of (identity, route) in the limiter REST uses, so that
// a key's budget is one across transports; an empty bucket is the REST 429.
func (t *Transport) Allow(identity, route string) error {
	if t.limiter == nil {
		return nil
	}
	d := t.limiter.Allow(identity, route)
	if d.Allowed {
		return nil
	}
	t.metrics.rateLimited.WithLabelValues(route).Inc()
	return &Error{Kind: KindRateLimited, Detail: "Rate limit exceeded", ErrorCode: "rate_limit_exceeded",
		RetryAfter: max(1, ceilSeconds(d.RetryAfter))}
}

// Call runs route's POST handler on the JSON body under ctx and returns the response body
// (status 200), or the *Error the handler answered with.
func (t *Transport) Call(ctx context.Context, route string, body []byte, info CallInfo) ([]byte, error) {
	rt := lookupRoute(route)
	if rt == nil {
		rt = internalRoutes[route]
	}
	rec := &record{Context: ctx, id: info.RequestID, start: time.Now(), rt: rt, route: route, method: info.Method,
		keyID: info.KeyID}
	w := &bufferWriter{header: http.Header{}}
	rec.sw.ResponseWriter = w
	rec.w = &rec.sw
	r := (&http.Request{Method: http.MethodPost, URL: &url.URL{Path: route}, Proto: "HTTP/2.0", ProtoMajor: 2,
		Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(body)),
		Body: readCloser{bytes.NewReader(body)}, RequestURI: route}).WithContext(rec)
	t.routes.ServeHTTP(rec.w, r)
	if rec.err != nil {
		return nil, rec.err
	}
	if w.status != 0 && w.status != http.StatusOK {
		return nil, &Error{Kind: KindInternal, Detail: w.buf.String()}
	}
	return w.buf.Bytes(), nil
}

// Ready reports what /ready reports: true when every check passes.
func (t *Transport) Ready() bool {
	ok, _ := t.readiness.check()
	return ok
}

// Streams is the live streams' hub (its connection limits cover every transport).
func (t *Transport) Streams() *stream.Hub { return t.streams }

// Metrics is the service's metrics registry.
func (t *Transport) Metrics() *Metrics { return t.metrics }

// Logger is the service's logger.
func (t *Transport) Logger() *slog.Logger { return t.log }

// Tracer and Propagator are the service's tracer provider and W3C propagator.
func (t *Transport) Tracer() trace.TracerProvider { return t.tracing.Provider }

// Propagator is the service's W3C trace-context propagator.
func (t *Transport) Propagator() propagation.TextMapPropagator { return t.tracing.Propagator }

// Config is the service's configuration (limits, timeouts).
func (t *Transport) Config() Config { return t.cfg }

// TLSConfig is the server TLS configuration with the reloading certificate of
// MFN_TLS_CERT_FILE (nil without TLS): a renewal applies to every transport at once.
func (t *Transport) TLSConfig() *tls.Config {
	if t.certs == nil {
		return nil
	}
	return &tls.Config{GetCertificate: t.certs.get, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2"}}
}

// ErrorDetail splits an *Error into what another transport reports: its kind, its detail
// text, the validation issues of a 422 (nil otherwise), its error code and retry delay.
func ErrorDetail(err *Error) (kind Kind, detail string, issues []Issue) {
	if is, ok := err.Detail.([]Issue); ok {
		return err.Kind, err.Error(), is
	}
	if err.Kind == KindInternal {
		return err.Kind, "Internal Server Error", nil
	}
	if s, ok := err.Detail.(string); ok {
		return err.Kind, s, nil
	}
	return err.Kind, http.StatusText(statusOf(err.Kind)), nil
}

// bufferWriter is the in-memory response of a Call.
type bufferWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (w *bufferWriter) Header() http.Header { return w.header }

func (w *bufferWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *bufferWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.buf.Write(b)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// OnShutdown registers another transport's graceful stop: Serve calls it when shutdown
// begins (after MFN_SHUTDOWN_DELAY), alongside the HTTP server's, with the same
// MFN_SHUTDOWN_TIMEOUT deadline, and waits for it before the pool closes.
func (a *App) OnShutdown(stop func(ctx context.Context)) { a.stoppers = append(a.stoppers, stop) }

// stopOthers runs the registered stops concurrently; the channel closes when all returned.
func (a *App) stopOthers(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, stop := range a.stoppers {
		wg.Go(func() { stop(ctx) })
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// RequestID is the request ID of an exchange: the caller's when it is sane (1–128 characters
// of a conservative set), else a new UUIDv4, as X-Request-ID.
func RequestID(presented string) string {
	if saneRequestID(presented) {
		return presented
	}
	return newUUID()
}
