package cli

import (
	"context"
	"encoding/json"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"mfn/integration"
	"mfn/server"
	"mfn/simjob"
)

// workerService is the worker's OpenTelemetry service name unless OTEL_SERVICE_NAME says.
const workerService = "mfn-worker"

// tracedProcess wraps the worker's ProcessFunc: each request runs in a consumer span that
// continues the request's trace (its Kafka header or REST poll's traceparent), the result
// carries that span's trace on to the publishers, and the simulation metrics are observed.
func tracedProcess(tracer trace.Tracer, sm *server.SimulationMetrics, connector string,
	process integration.ProcessFunc) integration.ProcessFunc {
	return func(ctx context.Context, m integration.Message) (integration.Message, error) {
		ctx = integration.ContextWithTrace(ctx, m.Trace)
		ctx, span := tracer.Start(ctx, "worker.simulate", trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(attribute.String("mfn.connector", connector), attribute.String("mfn.key", m.Key)))
		defer span.End()
		start := time.Now()
		out, err := process(ctx, m)
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
			return out, err
		}
		sm.Duration.Observe(time.Since(start).Seconds())
		var r simjob.Result
		if json.Unmarshal(out.Value, &r) == nil {
			sm.FractalDimension.Observe(r.Features["D_box"])
			sm.GrowthEvents.Add(float64(r.GrowthEvents))
			span.SetAttributes(attribute.Int("mfn.grid_size", r.Request.GridSize), attribute.Int("mfn.steps", r.Request.Steps))
		}
		out.Trace = integration.TraceOf(ctx)
		return out, nil
	}
}
