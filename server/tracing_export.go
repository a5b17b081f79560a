package server

import (
	"context"
	"errors"
	"strings"

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
