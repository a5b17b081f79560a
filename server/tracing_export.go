//go:build !nootel

package server

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// newSDKProvider is OpenTelemetry's SDK tracer provider exporting batches of spans over OTLP
// (tracing_export_off.go stands in for it in a build with -tags nootel).
func newSDKProvider(ctx context.Context, cfg TracingConfig, version string) (trace.TracerProvider, func(context.Context) error, error) {
	exp, err := newOTLPExporter(ctx, cfg.Protocol)
	if err != nil {
		return nil, nil, err
	}
	res := resource.NewSchemaless(attribute.String("service.name", cfg.ServiceName), attribute.String("service.version", version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tp, tp.Shutdown, nil
}

// newOTLPExporter is the OTLP span exporter of protocol ("grpc", else http/protobuf). Both
// read the rest of their configuration from the standard OTEL_EXPORTER_OTLP_* variables
// (endpoint, headers, TLS, timeout, compression).
func newOTLPExporter(ctx context.Context, protocol string) (sdktrace.SpanExporter, error) {
	if protocol == "grpc" {
		return otlptracegrpc.New(ctx)
	}
	return otlptracehttp.New(ctx)
}
