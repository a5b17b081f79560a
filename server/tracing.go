package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"mfn/internal/buildinfo"
)

// TracingConfig says whether and where spans are exported. It follows the standard OTEL_*
// variables: tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, unless OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none. The exporter itself reads the other OTEL_EXPORTER_OTLP_* variables.
type TracingConfig struct {
	Enabled     bool
	ServiceName string
	// Protocol is OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: http/protobuf (the default) or grpc.
	Protocol string
}

// Tracing is the tracer provider of the process and how to flush it.
type Tracing struct {
	Provider   trace.TracerProvider
	Propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

// NewTracing returns an OTLP exporting provider (OTLP/HTTP, or OTLP/gRPC when cfg.Protocol is
// grpc) when cfg.Enabled, else a no-op provider (incoming trace context is still propagated
// into logs).
func NewTracing(ctx context.Context, cfg TracingConfig, version string) (*Tracing, error) {
	t := &Tracing{Propagator: propagation.TraceContext{}, Provider: noop.NewTracerProvider(),
		shutdown: func(context.Context) error { return nil }}
	if !cfg.Enabled {
		return t, nil
	}
	tp, shutdown, err := newSDKProvider(ctx, cfg, version)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	t.Provider, t.shutdown = tp, shutdown
	return t, nil
}

// Shutdown flushes and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// tracingFromEnv reads the OTEL_* variables that decide whether to export.
func tracingFromEnv(getenv func(string) string, p *problems) TracingConfig {
	c := TracingConfig{ServiceName: getenv("OTEL_SERVICE_NAME")}
	if fromAttrs := checkTracingEnv(getenv, p); c.ServiceName == "" {
		c.ServiceName = fromAttrs
	}
	if c.ServiceName == "" {
		c.ServiceName = "mfn"
	}
	endpoint := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if endpoint == "" {
		endpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	disabled := p.boolean("OTEL_SDK_DISABLED", false)
	exporter := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")))
	switch exporter {
	case "", "otlp", "none":
	default:
		p.addf("OTEL_TRACES_EXPORTER=%q: must be otlp or none", exporter)
	}
	proto := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if proto != "" && proto != "http/protobuf" && proto != "grpc" {
		p.addf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: must be http/protobuf or grpc", proto)
	}
	c.Protocol = proto
	c.Enabled = endpoint != "" && !disabled && exporter != "none"
	if c.Enabled && !buildinfo.Has("otel") {
		p.addf("OTEL_EXPORTER_OTLP_ENDPOINT=%q asks for span export, but %v (or unset it, or set OTEL_SDK_DISABLED=true)", endpoint, buildinfo.Missing("otel"))
	}
	return c
}

// withTracing starts a server span per request, continuing an incoming W3C trace context, and
// puts the trace ID into the exchange's record (and so into its log lines).
// With a no-op provider and no incoming trace context there is nothing to record or log, so
// the request passes straight through.
func withTracing(tracer trace.Tracer, prop propagation.TextMapPropagator, noopProvider bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if noopProvider && header(r.Header, "Traceparent") == "" {
				next.ServeHTTP(w, r)
				return
			}
			rec := recordOf(r.Context())
			ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span := tracer.Start(ctx, methodLabel(r.Method)+" "+rec.route, trace.WithSpanKind(trace.SpanKindServer))
			recording := span.IsRecording()
			if recording {
				span.SetAttributes(
					attribute.String("http.request.method", r.Method),
					attribute.String("http.route", rec.route),
					attribute.String("url.path", r.URL.Path),
					attribute.String("mfn.request_id", rec.id),
				)
			}
			if sc := span.SpanContext(); sc.HasTraceID() {
				rec.traceID = sc.TraceID().String()
			}
			defer func() {
				p := recover()
				if recording {
					status := rec.statusOrClosed(ctx)
					if p != nil {
						status = http.StatusInternalServerError
					}
					span.SetAttributes(attribute.Int("http.response.status_code", status))
					if status >= 500 {
						span.SetStatus(codes.Error, http.StatusText(status))
					}
				}
				span.End()
				if p != nil {
					panic(p)
				}
			}()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// TracingFromEnv reads the OTEL_* variables as `mfn serve` does, for other processes (mfn
// worker), with defaultService as the service name when OTEL_SERVICE_NAME is unset.
func TracingFromEnv(getenv func(string) string, defaultService string) (TracingConfig, error) {
	p := &problems{getenv: getenv}
	c := tracingFromEnv(getenv, p)
	if getenv("OTEL_SERVICE_NAME") == "" {
		c.ServiceName = defaultService
		// service.name in OTEL_RESOURCE_ATTRIBUTES comes before the default (its problems
		// were collected above already).
		if s := checkTracingEnv(getenv, &problems{getenv: getenv}); s != "" {
			c.ServiceName = s
		}
	}
	if len(p.list) > 0 {
		return c, errors.New(strings.Join(p.list, "; "))
	}
	return c, nil
}
