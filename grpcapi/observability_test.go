package grpcapi

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/metadata"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/internal/otlptest"
)

// TestMetricsByMethodAndCode: the standard gRPC server metrics, by method and code, sit in
// the service's registry (GET /metrics) beside the domain metrics, which gRPC calls feed.
func TestMetricsByMethodAndCode(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if _, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{GridSize: ptr[int32](16), Steps: ptr[int32](4)}); err != nil {
		t.Fatal(err)
	}
	_, _ = h.client.Simulate(ctx, &mfnv1.SimulateRequest{GridSize: ptr[int32](4)})
	reg := h.app.Metrics().Registry()
	for code, want := range map[string]float64{"OK": 1, "InvalidArgument": 1, "Unauthenticated": 0} {
		if got := counter(t, reg, "grpc_server_handled_total", map[string]string{"grpc_service": "mfn.v1.MfnService",
			"grpc_method": "Simulate", "grpc_type": "unary", "grpc_code": code}); got != want {
			t.Errorf("grpc_server_handled_total{Simulate,%s} = %v, want %v", code, got, want)
		}
	}
	n, err := testutil.GatherAndCount(reg, "grpc_server_handling_seconds", "mfn_fractal_dimension")
	if err != nil || n < 2 {
		t.Errorf("handling-time histogram and domain metrics: %d series, %v", n, err)
	}
}

// counter is the value of the series of name with exactly labels (-1 when absent).
func counter(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

// TestTracingOverOTLPgRPC: a call with a W3C traceparent gets a server span that is the
// caller's child, the domain's span is the server span's child, and both reach a real OTLP
// receiver over OTLP/gRPC (OTEL_EXPORTER_OTLP_PROTOCOL=grpc).
func TestTracingOverOTLPgRPC(t *testing.T) {
	rcv := otlptest.Start(t)
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.GRPCEndpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
		"OTEL_SERVICE_NAME": "mfn-grpc-test"}
	for k, v := range env { // the exporter reads the process environment
		t.Setenv(k, v)
	}
	h := newHarness(t, env)
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", "00-"+traceID+"-"+parentID+"-01")
	if _, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{GridSize: ptr[int32](16), Steps: ptr[int32](4)}); err != nil {
		t.Fatal(err)
	}
	h.app.Close() // flushes the exporter
	spans, ok := rcv.WaitFor(10*time.Second, func(s []otlptest.Span) bool { return len(otlptest.Named(s, "simulate")) > 0 })
	if !ok {
		t.Fatalf("spans received: %v", spans)
	}
	srv := otlptest.Named(spans, "mfn.v1.MfnService/Simulate")
	if len(srv) != 1 || srv[0].TraceID != traceID || srv[0].ParentSpanID != parentID || srv[0].Service != "mfn-grpc-test" {
		t.Fatalf("server span %+v: want trace %s, parent %s", srv, traceID, parentID)
	}
	sim := otlptest.Named(spans, "simulate")
	if sim[0].TraceID != traceID || sim[0].ParentSpanID != srv[0].SpanID {
		t.Errorf("simulate span %+v: want the child of %s", sim[0], srv[0].SpanID)
	}
}
