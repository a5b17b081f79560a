package server

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"mfn/internal/buildinfo"
)

// tracedServer is the service with an in-memory span exporter.
func tracedServer(t *testing.T) (*tracetest.InMemoryExporter, *syncBuffer, *Deps) {
	t.Helper()
	cfg, err := LoadConfig(func(k string) string { return map[string]string{"MFN_LOG_FORMAT": "json"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	logs := &syncBuffer{}
	keys, _ := NewAPIKeys(false, nil, "")
	pool := NewPool(2, 8)
	t.Cleanup(pool.Close)
	d := &Deps{Config: cfg, Logger: NewLogger(logs, "json", slog.LevelInfo, "dev"), Metrics: NewMetrics(),
		Tracing: &Tracing{Provider: tp, Propagator: propagation.TraceContext{}}, APIKeys: keys, Pool: pool,
		Readiness: NewReadiness(keys, nil, pool)}
	return exp, logs, d
}

func TestTracingSpansAndPropagation(t *testing.T) {
	exp, logs, d := tracedServer(t)
	h, err := NewServer(*d)
	if err != nil {
		t.Fatal(err)
	}
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	rec := call(h, "POST", "/simulate", `{"grid_size":16,"steps":4}`, "traceparent", parent)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	call(h, "POST", "/federated/aggregate", `{"gradients":[[1,2],[2,3]]}`)
	spans := exp.GetSpans()
	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	server, ok := byName["POST /simulate"]
	if !ok {
		t.Fatalf("no server span; spans: %v", names(spans))
	}
	if server.SpanKind != trace.SpanKindServer || server.SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		server.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("server span does not continue the incoming trace: %+v", server.SpanContext)
	}
	for _, child := range []string{"simulate", "fractal_dimension"} {
		s, ok := byName[child]
		if !ok || s.SpanContext.TraceID() != server.SpanContext.TraceID() {
			t.Errorf("span %s missing or in another trace; spans: %v", child, names(spans))
		}
	}
	if _, ok := byName["federated.aggregate"]; !ok {
		t.Errorf("no aggregation span; spans: %v", names(spans))
	}
	if !strings.Contains(logs.String(), `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) {
		t.Errorf("access log lacks the trace ID:\n%s", logs.String())
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

func TestTracingFromEnvironment(t *testing.T) {
	for env, want := range map[string]bool{
		"": false,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318":                   true,
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://c:4318/v1/traces":          true,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://c:4318 OTEL_SDK_DISABLED=true":    false,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://c:4318 OTEL_TRACES_EXPORTER=none": false,
	} {
		m := map[string]string{}
		for _, kv := range strings.Fields(env) {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		cfg, err := LoadConfig(func(k string) string { return m[k] })
		if want && !buildinfo.Has("otel") { // span export is refused at start-up, naming the tag
			if err == nil || !strings.Contains(err.Error(), "-tags nootel") {
				t.Errorf("%q in a build without OpenTelemetry: %v", env, err)
			}
			continue
		}
		if err != nil || cfg.Tracing.Enabled != want {
			t.Errorf("%q: enabled %v (err %v), want %v", env, cfg.Tracing.Enabled, err, want)
		}
	}
	if _, err := LoadConfig(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}[k]
	}); err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL") {
		t.Errorf("http/json protocol: %v", err)
	}
	if !buildinfo.Has("otel") {
		return
	}
	if cfg, err := LoadConfig(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}[k]
	}); err != nil || cfg.Tracing.Protocol != "grpc" || !cfg.Tracing.Enabled {
		t.Errorf("grpc protocol: %+v %v", cfg.Tracing, err)
	}
}

func TestMetricsExposition(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	call(h, "POST", "/simulate", `{"grid_size":16,"steps":8}`)
	call(h, "GET", "/no/such/path/123", "")
	call(h, "POST", "/api/sign", `{"message":"aGk="}`)
	call(h, "FROBNICATE", "/health", "")
	body := call(h, "GET", "/metrics", "").Body.String()
	for _, name := range []string{
		"mfn_http_requests_total", "mfn_http_request_duration_seconds_bucket", "mfn_http_requests_in_progress",
		"mfn_fractal_dimension_bucket", "mfn_growth_events_total", "mfn_lyapunov_exponent",
		"mfn_simulation_duration_seconds_bucket", "mfn_worker_queue_length", "go_goroutines", "process_cpu_seconds_total",
	} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// Labels are route patterns: unknown paths fold into /other, crypto routes keep their path.
	if !strings.Contains(body, `endpoint="/other"`) || strings.Contains(body, "/no/such/path") {
		t.Error("unknown paths are not folded into /other")
	}
	if !strings.Contains(body, `method="OTHER"`) || strings.Contains(body, "FROBNICATE") {
		t.Error("an arbitrary method became a label value")
	}
	if !strings.Contains(body, `mfn_http_requests_total{endpoint="/api/sign",method="POST",status="200"} 1`) {
		t.Error("crypto route not labelled by its path")
	}
	if got := testutil.ToFloat64(app.metrics.growthEvents); got <= 0 {
		t.Errorf("growth events %v", got)
	}
	if n, err := testutil.GatherAndCount(app.metrics.reg, "mfn_fractal_dimension"); err != nil || n != 1 {
		t.Errorf("fractal dimension histogram: %d %v", n, err)
	}
	// MFN_METRICS_ENABLED=false turns the middleware off; /metrics still serves.
	off, _ := testApp(t, map[string]string{"MFN_METRICS_ENABLED": "false"})
	call(off.Handler(), "GET", "/health", "")
	rec := call(off.Handler(), "GET", "/metrics", "")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), `mfn_http_requests_total{`) {
		t.Errorf("metrics middleware off: %d, counted anyway", rec.Code)
	}
}
