// Package server is the HTTP service of mfn (`mfn serve`): the reference's REST API,
// wire-compatible with it (paths, field names, defaults, status codes, {"detail": …} bodies),
// behind a production middleware chain: request IDs, panic recovery, access log, Prometheus
// metrics, OpenTelemetry tracing, CORS, API keys, rate limiting, body-size limit and handler
// timeout, with CPU-heavy work on a bounded worker pool.
package server

import (
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"mfn/integration"
	"mfn/limits"
	"mfn/stream"
)

// Server holds the dependencies the handlers share.
type Server struct {
	log       *slog.Logger
	metrics   *Metrics
	tracer    trace.Tracer
	prop      propagation.TextMapPropagator
	keys      *APIKeys
	crypto    *cryptoService
	pool      *Pool
	readiness *Readiness
	streams   *stream.Hub
	hub       *integration.Hub // nil without integrations
	memory    *limits.Memory   // the aggregations' memory budget
}

// Deps are what NewServer needs; Open builds them from a Config.
type Deps struct {
	Config    Config
	Logger    *slog.Logger
	Metrics   *Metrics
	Tracing   *Tracing
	APIKeys   *APIKeys
	Keyring   *Keyring // nil when crypto is disabled
	Pool      *Pool
	Readiness *Readiness
	// Streams is the live streams' hub (nil: NewServer makes one, which nothing shuts down).
	Streams *stream.Hub
	// Integrations publishes results and reports targets' health (nil: none configured).
	Integrations *integration.Hub
	// Memory is the aggregations' memory budget (nil: one from Config.Limits).
	Memory *limits.Memory
	// FailedAuth limits failed authentications per client address (nil: one from Config.Limits).
	FailedAuth *limits.FailedAuth
	// RateLimiter decides rate limits when they are on (nil: a per-replica Limiter).
	RateLimiter RateLimiter
	// Routes, when set, receives the routes without the HTTP middleware (for Transport).
	Routes *http.Handler
}

// NewReadiness returns the readiness state /ready reports.
func NewReadiness(keys *APIKeys, ring *Keyring, pool *Pool) *Readiness {
	return &Readiness{keys: keys, ring: ring, pool: pool}
}

// NewServer returns the service's handler: the routes behind the middleware chain, outermost
// first: request ID, panic recovery, access log, metrics, tracing, CORS, authentication, rate
// limiting, body-size limit, handler timeout. So every response, 401 and 429 included,
// carries X-Request-ID, is logged and is counted.
func NewServer(d Deps) (http.Handler, error) {
	if err := checkDocs(); err != nil {
		return nil, err
	}
	s := &Server{log: d.Logger, metrics: d.Metrics, keys: d.APIKeys, pool: d.Pool,
		readiness: d.Readiness, hub: d.Integrations}
	tr := d.Tracing
	if tr == nil {
		tr = &Tracing{Provider: noop.NewTracerProvider(), Propagator: propagation.TraceContext{}}
	}
	s.tracer, s.prop = tr.Provider.Tracer("mfn/server"), tr.Propagator
	if d.Keyring != nil {
		s.crypto = &cryptoService{ring: d.Keyring, algorithm: d.Config.CryptoAlgorithm, sigAlg: d.Config.CryptoSignatureAlg,
			audit: d.Config.CryptoAuditLog, log: d.Logger}
	}
	s.memory = d.Memory
	if s.memory == nil {
		s.memory = d.Config.Limits.memory()
	}
	fails := d.FailedAuth
	if fails == nil {
		fails = d.Config.Limits.failedAuth()
	}
	s.streams = d.Streams
	if s.streams == nil {
		s.streams = newStreamHub(d.Config, d.APIKeys, d.Metrics, d.Logger, d.Integrations, d.Pool, fails)
	}
	mux := http.NewServeMux()
	addRoutes(mux, s)
	if d.Routes != nil {
		*d.Routes = transportRoutes(mux, s, d.Config)
	}

	mw := []func(http.Handler) http.Handler{withRequestID, withRecovery(s.log), withAccessLog(s.log, d.Config.AccessLog)}
	if d.Config.MetricsEnabled {
		mw = append(mw, withMetrics(s.metrics))
	}
	_, noopProvider := tr.Provider.(noop.TracerProvider)
	mw = append(mw, withTracing(s.tracer, s.prop, noopProvider), withCORS(d.Config.CORSOrigins), withAuth(s.keys, fails, d.Config.TrustedProxies, auditor{log: d.Logger, on: d.Config.CryptoAuditLog}))
	if d.Config.RateLimitEnabled {
		limiter := d.RateLimiter
		if limiter == nil {
			limiter = NewLimiter(d.Config.RateLimitRequests, d.Config.RateLimitWindow, d.Config.RateLimitRoutes)
		}
		mw = append(mw, withRateLimit(limiter, d.Config.TrustedProxies, s.metrics))
	}
	mw = append(mw, withBodyLimit(d.Config.MaxBodyBytes), withTimeout(d.Config.HandlerTimeout))
	return chain(mux, mw...), nil
}
