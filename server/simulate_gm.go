package server

import (
	"context"
	"encoding/json"
	"errors"

	"go.opentelemetry.io/otel/attribute"

	"mfn/field"
	"mfn/gmspec"
	"mfn/morph"
)

// POST /simulate with "model": "gm" (ADR 0021): the pattern-forming model. Without "model"
// (or with "v4.1") the route is the reference's, byte for byte.

// readModel reads "model", "preset" and "params" into spec (issues recorded on f).
func readModel(f *form, spec *gmspec.Spec) {
	f.stringField("model", &spec.Model, false, true, 1, 16, nil)
	f.stringField("preset", &spec.Preset, false, true, 1, 64, nil)
	if raw, ok := f.take("params", false); ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &spec.Params); err != nil {
			f.add("dict_type", "Input should be an object of parameter names and numbers", raw, nil, "params")
		}
	}
	if f.failed() {
		return
	}
	if err := spec.Check(); err != nil {
		var ge *gmspec.Error
		if errors.As(err, &ge) {
			f.add("value_error", "Value error, "+err.Error(), f.members[ge.Field], map[string]any{"error": err.Error()}, ge.Field)
		}
	}
}

// decodeSimulateGM reads the rest of a gm request: seed (already read), grid_size and steps
// (when absent, the preset's), and refuses the v4.1-only fields.
func decodeSimulateGM(f *form, req simulateRequest) (simulateRequest, field.LegacyParams, error) {
	grid, steps := 0, 0
	f.intField("grid_size", &grid, false, gmspec.MinGrid, gmspec.MaxGrid)
	f.intField("steps", &steps, false, 1, gmspec.MaxSteps)
	for _, name := range []string{"alpha", "spike_probability", "turing_enabled"} {
		if raw, ok := f.take(name, false); ok {
			f.add("value_error", "Value error, "+name+` is a parameter of the v4.1 model; the gm model takes "preset" and "params"`, raw, nil, name)
		}
	}
	if err := f.finish(); err != nil {
		return req, field.LegacyParams{}, err
	}
	c, err := req.Model.Config(req.Seed, grid, steps)
	if err != nil {
		var ge *gmspec.Error
		var pe *morph.ParamError
		switch {
		case errors.As(err, &ge):
			return req, field.LegacyParams{}, invalid(valueIssue(ge.Field, ge.Value, err))
		case errors.As(err, &pe):
			return req, field.LegacyParams{}, invalid(valueIssue("params", map[string]float64{pe.Param: pe.Value}, err))
		}
		return req, field.LegacyParams{}, invalid(valueIssue("params", req.Model.Params, err))
	}
	req.GM, req.GridSize, req.Steps = c, c.GridSize, c.Steps
	return req, field.LegacyParams{}, nil
}

// simulateGM runs a gm request on the worker pool and answers with the reference's fields
// (the fractal dimension above the Otsu threshold) plus the model, preset, Turing activity and
// the pattern.
func (d simService) simulateGM(ctx context.Context, req simulateRequest) (SimulateResult, *object, error) {
	res, err := Run(ctx, d.pool, func(ctx context.Context) (gmspec.Summary, error) {
		ctx, span := d.tracer.Start(ctx, "simulate_gm")
		defer span.End()
		if span.IsRecording() {
			span.SetAttributes(attribute.String("mfn.model", morph.ModelGM), attribute.Int("mfn.grid_size", req.GM.GridSize),
				attribute.Int("mfn.steps", req.GM.Steps))
		}
		return gmspec.Summarize(ctx, req.GM, nil)
	})
	if err != nil {
		return SimulateResult{}, nil, poolError(err, d.m)
	}
	d.m.simDuration.WithLabelValues("/simulate").Observe(res.Elapsed.Seconds())
	d.m.fractalDimension.Observe(res.FractalDimension)
	preset := req.Model.Preset
	if preset == "" {
		preset = morph.DefaultPreset
	}
	out := SimulateResult{GrowthEvents: res.GrowthEvents, PotMin: res.PotMin, PotMax: res.PotMax, PotMean: res.PotMean,
		PotStd: res.PotStd, FractalDimension: res.FractalDimension, GM: &SimulateGM{Model: morph.ModelGM, Preset: preset,
			GridSize: req.GM.GridSize, Steps: req.GM.Steps, TuringActivations: res.TuringActivations, ThresholdMode: "otsu",
			ThresholdMV: res.ThresholdMV, ActiveCells: res.ActiveCells, Pattern: res.Pattern}}
	pat := newObject().float("wavelength_cells", res.Pattern.WavelengthCells).
		float("predicted_wavelength_cells", res.Pattern.PredictedWavelengthCells).
		float("contrast", res.Pattern.Contrast).float("peak_wavenumber", res.Pattern.PeakWavenumber)
	o := newObject().int("growth_events", res.GrowthEvents).
		float("pot_min_mV", res.PotMin).float("pot_max_mV", res.PotMax).
		float("pot_mean_mV", res.PotMean).float("pot_std_mV", res.PotStd).
		float("fractal_dimension", res.FractalDimension).
		str("model", morph.ModelGM).str("preset", preset).
		int("grid_size", req.GM.GridSize).int("steps", req.GM.Steps).
		int("turing_activations", res.TuringActivations).
		str("threshold_mode", "otsu").float("threshold_mV", res.ThresholdMV).int("active_cells", res.ActiveCells).
		object("pattern", pat)
	return d.finish(ctx, req, out, o)
}
