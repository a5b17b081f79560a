package server

import (
	"context"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// newOTLPExporter is the OTLP span exporter of protocol ("grpc", else http/protobuf). Both
// read the rest of their configuration from the standard OTEL_EXPORTER_OTLP_* variables
// (endpoint, headers, TLS, timeout, compression).
func newOTLPExporter(ctx context.Context, protocol string) (sdktrace.SpanExporter, error) {
	if protocol == "grpc" {
		return otlptracegrpc.New(ctx)
	}
	return otlptracehttp.New(ctx)
}
