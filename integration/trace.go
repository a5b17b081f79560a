package integration

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// TraceHeader is the W3C trace-context header (and Kafka record header) a message's trace
// travels in.
const TraceHeader = "traceparent"

var traceContext = propagation.TraceContext{}

// TraceOf is the W3C traceparent of the span in ctx ("" when there is none), for Message.Trace.
func TraceOf(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	traceContext.Inject(ctx, c)
	return c[TraceHeader]
}

// ContextWithTrace returns ctx with the remote span context of a traceparent (ctx as is when
// the traceparent is empty or malformed), so that spans started from it continue the trace.
func ContextWithTrace(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return traceContext.Extract(ctx, propagation.MapCarrier{TraceHeader: traceparent})
}

// validTrace keeps a traceparent read from outside only when it parses (a sane length, and
// a valid span context), so that a bad header never reaches a spool or a target.
func validTrace(tp string) string {
	if tp == "" || len(tp) > 128 {
		return ""
	}
	if !trace.SpanContextFromContext(ContextWithTrace(context.Background(), tp)).IsValid() {
		return ""
	}
	return tp
}
