package dataset

import (
	"context"
	"fmt"
	"math"
	"strings"

	"mfn/features"
	"mfn/gmspec"
	"mfn/morph"
)

// LayoutGM is the gm model's layout: the job (model, preset, seed, size, the parameters that
// distinguish the presets), the 18 features, the run's counts and its pattern measures. The
// preset column is the label a classifier learns.
const LayoutGM Layout = "gm"

// GMSweep is a dataset of the gm model: every preset × Seeds seeds (BaseSeed, BaseSeed+1, …),
// each preset's configuration with the overrides given here.
type GMSweep struct {
	Presets  []string           `json:"presets"`
	Seeds    int                `json:"seeds_per_preset"`
	BaseSeed uint64             `json:"base_seed"`
	GridSize int                `json:"grid_size,omitempty"` // 0: the preset's
	Steps    int                `json:"steps,omitempty"`     // 0: the preset's
	Params   map[string]float64 `json:"params,omitempty"`
}

// DefaultGMSweep is all four presets, 10 seeds each, from seed 1.
func DefaultGMSweep() GMSweep {
	return GMSweep{Presets: morph.PresetNames(), Seeds: 10, BaseSeed: 1}
}

// Plan checks the sweep (the service's gm bounds apply to every job) and lists its jobs in
// preset-major order.
func (s GMSweep) Plan() (*Plan, error) {
	if len(s.Presets) == 0 {
		return nil, fmt.Errorf("presets: give at least one of %s", strings.Join(morph.PresetNames(), ", "))
	}
	if s.Seeds < 1 || len(s.Presets)*s.Seeds > MaxSamples {
		return nil, fmt.Errorf("seeds_per_preset=%d: must be in [1, %d] for %d presets", s.Seeds, MaxSamples/len(s.Presets), len(s.Presets))
	}
	if s.BaseSeed > math.MaxInt64-uint64(s.Seeds) {
		return nil, fmt.Errorf("base_seed=%d: base_seed + seeds_per_preset must fit in int64", s.BaseSeed)
	}
	name := "gm_" + strings.Join(s.Presets, "_")
	p := &Plan{Generator: "gm", Name: name, Layout: LayoutGM, Config: s}
	for _, preset := range s.Presets {
		for k := range s.Seeds {
			spec := gmspec.Spec{Model: morph.ModelGM, Preset: preset, Params: s.Params}
			c, err := spec.Config(s.BaseSeed+uint64(k), s.GridSize, s.Steps)
			if err != nil {
				return nil, err
			}
			p.Jobs = append(p.Jobs, Job{SimID: len(p.Jobs), Model: morph.ModelGM, Preset: preset, Seed: c.Seed,
				GridSize: c.GridSize, Steps: c.Steps, GM: &c})
		}
	}
	return p, nil
}

// runGMJob simulates a gm job, streaming its frames into the features (adaptive thresholds
// unless the caller chose otherwise), and measures its pattern.
func runGMJob(j Job, cfg features.Config) *Outcome {
	if j.GM == nil {
		return &Outcome{Err: "gm job without a configuration"}
	}
	s, err := features.NewStream(j.GM.GridSize, j.GM.Steps, cfg)
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	sim, err := morph.Run(context.Background(), *j.GM, morph.RunOptions{Frame: s.Push})
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	v, err := s.Vector()
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	m, err := morph.PatternOf(sim, *j.GM)
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	return &Outcome{Row: &Row{Job: j, Features: v, GrowthEvents: sim.GrowthEvents,
		TuringActivations: sim.TuringActivations, ClampingEvents: sim.ClampingEvents, Pattern: m}}
}

// gmColumns are LayoutGM's columns.
func gmColumns(feats, meta []Column) []Column {
	param := func(name string, get func(p morph.Params) float64) Column {
		return Column{name, Float64, func(r *Row, _ *RunInfo) any {
			if r.GM == nil {
				return math.NaN()
			}
			return get(r.GM.Params)
		}}
	}
	cols := []Column{
		{"sim_id", Int64, func(r *Row, _ *RunInfo) any { return int64(r.SimID) }},
		{"model", String, func(r *Row, _ *RunInfo) any { return r.Model }},
		{"preset", String, func(r *Row, _ *RunInfo) any { return r.Preset }},
		{"random_seed", Int64, func(r *Row, _ *RunInfo) any { return int64(r.Seed) }},
		{"grid_size", Int64, func(r *Row, _ *RunInfo) any { return int64(r.GridSize) }},
		{"steps", Int64, func(r *Row, _ *RunInfo) any { return int64(r.Steps) }},
		param("d_a", func(p morph.Params) float64 { return p.DA }),
		param("d_i", func(p morph.Params) float64 { return p.DI }),
		param("kappa", func(p morph.Params) float64 { return p.Kappa }),
		param("mu_i", func(p morph.Params) float64 { return p.MuI }),
	}
	cols = append(cols, feats...)
	cols = append(cols, meta...)
	return append(cols,
		Column{"wavelength_cells", Float64, func(r *Row, _ *RunInfo) any { return r.Pattern.WavelengthCells }},
		Column{"predicted_wavelength_cells", Float64, func(r *Row, _ *RunInfo) any { return r.Pattern.PredictedWavelengthCells }},
		Column{"contrast", Float64, func(r *Row, _ *RunInfo) any { return r.Pattern.Contrast }},
	)
}
