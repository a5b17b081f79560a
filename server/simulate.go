package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"mfn/field"
	"mfn/fractal"
	"mfn/gmspec"
	"mfn/integration"
	"mfn/morph"
	"mfn/npexact"
	"mfn/rng"
)

// activeThresholdV is the reference's mask threshold for the fractal dimension (−60 mV).
const activeThresholdV = -0.060

// simulateRequest is the reference's SimulateRequest.
type simulateRequest struct {
	Seed             uint64
	GridSize         int
	Steps            int
	Alpha            float64
	SpikeProbability float64
	TuringEnabled    bool
	// Model selects the model (simulate_gm.go); GM is the gm run's configuration.
	Model gmspec.Spec
	GM    morph.Config
}

// simulateResult is the reference's SimulateResponse.
type simulateResult struct {
	GrowthEvents                    int
	PotMin, PotMax, PotMean, PotStd float64
	FractalDimension                float64
	Elapsed                         time.Duration
}

// decodeSimulate reads a SimulateRequest: the reference's schema bounds, then the core's
// legacy bounds and its CFL stability limit on α (docs/adr/0011).
func decodeSimulate(r *http.Request) (simulateRequest, field.LegacyParams, error) {
	f, err := readForm(r)
	if err != nil {
		return simulateRequest{}, field.LegacyParams{}, err
	}
	return decodeSimulateForm(f)
}

// decodeSimulateForm is decodeSimulate on a decoded body (every transport's one validation).
func decodeSimulateForm(f *form) (simulateRequest, field.LegacyParams, error) {
	req := simulateRequest{Seed: 42, GridSize: 64, Steps: 64, Alpha: 0.18, SpikeProbability: 0.25, TuringEnabled: true}
	f.seedField("seed", &req.Seed, math.MaxUint64)
	if readModel(f, &req.Model); req.Model.IsGM() {
		return decodeSimulateGM(f, req)
	}
	f.intField("grid_size", &req.GridSize, false, 8, 256)
	f.intField("steps", &req.Steps, false, 1, 1000)
	f.floatField("alpha", &req.Alpha, false, floatBounds{ge: bound(0), le: bound(1)})
	f.floatField("spike_probability", &req.SpikeProbability, false, floatBounds{ge: bound(0), le: bound(1)})
	f.boolField("turing_enabled", &req.TuringEnabled)
	if err := f.finish(); err != nil {
		return req, field.LegacyParams{}, err
	}
	p := field.DefaultLegacy()
	p.GridSize, p.Steps, p.Alpha, p.SpikeProbability, p.TuringEnabled = req.GridSize, req.Steps, req.Alpha, req.SpikeProbability, req.TuringEnabled
	if err := p.Validate(); err != nil {
		return req, p, coreInvalid(err)
	}
	if err := stableAlpha(req.Alpha); err != nil {
		return req, p, invalid(valueIssue("alpha", req.Alpha, err))
	}
	return req, p, nil
}

// stableAlpha applies the core's CFL limit to α: the engine's own check, with the engine's
// message. (The engine's lower bound on α does not apply to the legacy path, which runs any α
// in [0, 1].)
func stableAlpha(alpha float64) error {
	ec := field.DefaultEngineConfig(0)
	ec.Alpha = alpha
	var se *field.StabilityError
	if err := ec.Validate(); errors.As(err, &se) {
		return se
	}
	return nil
}

// coreInvalid maps a core range error to a 422 naming its parameter.
func coreInvalid(err error) error {
	var re *field.RangeError
	if errors.As(err, &re) {
		return invalid(valueIssue(re.Parameter, re.Value, err))
	}
	return errorf(KindBadRequest, "%v", err)
}

// simulate runs the reference's /simulate: simulate_mycelium_field with default_rng(seed), then
// the statistics in mV and the box-counting dimension of the field above −60 mV.
func simulate(ctx context.Context, tracer trace.Tracer, seed uint64, p field.LegacyParams) (simulateResult, error) {
	start := time.Now()
	ctx, span := tracer.Start(ctx, "simulate")
	defer span.End()
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("mfn.grid_size", p.GridSize), attribute.Int("mfn.steps", p.Steps),
			attribute.Float64("mfn.alpha", p.Alpha))
	}
	sim, err := field.SimulateLegacyFrames(rng.New(seed), p, func(int, []float64) error { return ctx.Err() })
	if err != nil {
		return simulateResult{}, err
	}
	defer sim.Release() // nothing below keeps the field
	res := simulateResult{GrowthEvents: sim.GrowthEvents}
	lo, hi := npexact.MinMax(sim.Field)
	res.PotMin, res.PotMax = lo*1000, hi*1000
	res.PotMean, res.PotStd = npexact.Mean(sim.Field)*1000, npexact.Std(sim.Field)*1000
	_, fspan := tracer.Start(ctx, "fractal_dimension")
	binary := make([]bool, len(sim.Field))
	for i, v := range sim.Field {
		binary[i] = v > activeThresholdV
	}
	res.FractalDimension, err = fractal.EstimateDimension(binary, sim.N, fractal.DefaultBoxOptions())
	fspan.End()
	res.Elapsed = time.Since(start)
	return res, err
}

// handleSimulate is POST /simulate, run on the worker pool (simService.simulate, which other
// transports call too).
func handleSimulate(pool *Pool, m *Metrics, tracer trace.Tracer, hub *integration.Hub) http.Handler {
	d := simService{pool: pool, m: m, tracer: tracer, hub: hub}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, p, err := decodeSimulate(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		_, o, err := d.simulate(r.Context(), req, p)
		if err != nil {
			writeError(w, r, err)
			return
		}
		o.write(w, r)
	})
}
