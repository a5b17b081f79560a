package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"mfn/features"
	"mfn/field"
	"mfn/rng"
)

// internalRoutes are operations that only other transports reach (Transport.Call): no REST
// path serves them, so they are not in routeTable (nor in api/openapi.yaml).
var internalRoutes = map[string]*route{
	// /features is the gRPC Features method: a simulation's 18 features, with /simulate's
	// parameters, bounds, rate-limit bucket and handler timeout.
	"/features": {method: http.MethodPost, path: "/features", rateLimit: 50, heavy: true, index: otherRouteIndex},
}

// maxFeatureHistory bounds steps·grid_size², the values of the history Features keeps in
// memory (32 MiB of float64): 64×64 runs its 1000 steps, 256×256 up to 64.
const maxFeatureHistory = 1 << 22

// transportRoutes is the mux of Transport.Call: the REST routes plus the internal ones, behind
// the body limit and the handler timeout (the HTTP-only middleware stays outside).
func transportRoutes(mux *http.ServeMux, s *Server, cfg Config) http.Handler {
	mux.Handle("POST /features", handleFeatures(s.pool, s.metrics, s.tracer))
	return chain(mux, withBodyLimit(cfg.MaxBodyBytes), withTimeout(cfg.HandlerTimeout))
}

// handleFeatures runs the legacy simulation of a SimulateRequest with its history and answers
// the 18 features of features.Compute (default FeatureConfig), in canonical order.
func handleFeatures(pool *Pool, m *Metrics, tracer trace.Tracer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, p, err := decodeSimulate(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if n := req.Steps * req.GridSize * req.GridSize; n > maxFeatureHistory {
			writeError(w, r, invalid(valueIssue("steps", req.Steps, fmt.Errorf(
				"steps·grid_size² = %d·%d² = %d history values: must be at most %d (the history Features keeps in memory)",
				req.Steps, req.GridSize, n, maxFeatureHistory))))
			return
		}
		v, err := Run(r.Context(), pool, func(ctx context.Context) (features.Vector, error) {
			start := time.Now()
			ctx, span := tracer.Start(ctx, "features")
			defer span.End()
			if span.IsRecording() {
				span.SetAttributes(attribute.Int("mfn.grid_size", p.GridSize), attribute.Int("mfn.steps", p.Steps))
			}
			nn := p.GridSize * p.GridSize
			history := make([][]float64, 0, p.Steps)
			sim, err := field.SimulateLegacyFrames(rng.New(req.Seed), p, func(_ int, f []float64) error {
				history = append(history, append(make([]float64, 0, nn), f...))
				return ctx.Err()
			})
			if err != nil {
				return features.Vector{}, err
			}
			if len(history) == 0 {
				history = [][]float64{sim.Field}
			}
			v, err := features.Compute(history, sim.N, features.DefaultConfig())
			m.simDuration.WithLabelValues("/features").Observe(time.Since(start).Seconds())
			return v, err
		})
		if err != nil {
			writeError(w, r, poolError(err, m))
			return
		}
		o := newObject()
		for i, name := range features.Names() {
			o.float(name, v.Values()[i])
		}
		o.write(w, r)
	})
}
