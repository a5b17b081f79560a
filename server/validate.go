package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/trace"

	"mfn/nn"
)

// decodeValidate reads the reference's ValidateRequest (schema bounds), then the core's
// nn.ValidationConfig.Validate.
func decodeValidate(r *http.Request) (nn.ValidationConfig, error) {
	cfg := nn.DefaultValidationConfig()
	f, err := readForm(r)
	if err != nil {
		return cfg, err
	}
	seed := uint64(cfg.Seed)
	f.seedField("seed", &seed, math.MaxInt64)
	f.intField("epochs", &cfg.Epochs, false, 1, 100)
	f.intField("batch_size", &cfg.BatchSize, false, 1, 64)
	f.intField("grid_size", &cfg.GridSize, false, 8, 256)
	f.intField("steps", &cfg.Steps, false, 1, 1000)
	f.boolField("turing_enabled", &cfg.TuringEnabled)
	f.boolField("quantum_jitter", &cfg.QuantumJitter)
	if err := f.finish(); err != nil {
		return cfg, err
	}
	cfg.Seed = int64(seed)
	if err := cfg.Validate(); err != nil {
		var ce *nn.ConfigError
		if errors.As(err, &ce) {
			return cfg, invalid(valueIssue(ce.Parameter, ce.Value, err))
		}
		return cfg, errorf(KindBadRequest, "%v", err)
	}
	return cfg, nil
}

type validateResult struct {
	m       nn.Metrics
	elapsed time.Duration
}

// handleValidate is POST /validate: the validation run (training included), on the worker
// pool; it stops early when the request's deadline passes.
func handleValidate(pool *Pool, m *Metrics, tracer trace.Tracer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg, err := decodeValidate(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		res, err := Run(r.Context(), pool, func(ctx context.Context) (validateResult, error) {
			start := time.Now()
			ctx, span := tracer.Start(ctx, "validate")
			defer span.End()
			run, err := nn.RunValidationContext(ctx, cfg)
			return validateResult{run.Metrics, time.Since(start)}, err
		})
		if err != nil {
			writeError(w, r, poolError(err, m))
			return
		}
		v := res.m
		m.simDuration.WithLabelValues("/validate").Observe(res.elapsed.Seconds())
		m.fractalDimension.Observe(v.ExampleFractalDim)
		m.lyapunov.Set(v.LyapunovExponent)
		newObject().float("loss_start", v.LossStart).float("loss_final", v.LossFinal).float("loss_drop", v.LossDrop).
			float("pot_min_mV", v.PotMinMV).float("pot_max_mV", v.PotMaxMV).
			float("example_fractal_dim", v.ExampleFractalDim).float("lyapunov_exponent", v.LyapunovExponent).
			float("growth_events", v.GrowthEvents).
			float("nernst_symbolic_mV", v.NernstSymbolicMV).float("nernst_numeric_mV", v.NernstNumericMV).
			write(w, r)
	})
}
