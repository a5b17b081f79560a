//go:build nootel

package server

import (
	"context"

	"go.opentelemetry.io/otel/trace"

	"mfn/internal/buildinfo"
)

// newSDKProvider is not available in a build without the OpenTelemetry SDK (-tags nootel):
// LoadConfig refuses an OTLP endpoint there, so this is reached only by a caller that skipped
// it. Incoming W3C trace context is still read and logged (tracing.go needs only the API).
func newSDKProvider(context.Context, TracingConfig, string) (trace.TracerProvider, func(context.Context) error, error) {
	return nil, nil, buildinfo.Missing("otel")
}
