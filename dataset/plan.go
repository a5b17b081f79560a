// Package dataset generates feature datasets the way the reference's three generators do —
// scenario presets, the random configuration sampler and the parameter sweep — with the same
// sampled configurations and rows for the same seeds. Work is spread over workers; the output
// does not depend on their number.
package dataset

import (
	"mfn/features"
	"mfn/field"
	"mfn/morph"
	"mfn/pattern"
)

// Layout is the column set of a generator's rows.
type Layout string

const (
	// LayoutScenario is run_scenario's 28 columns.
	LayoutScenario Layout = "scenario"
	// LayoutSampler is generate_dataset's (ConfigSampler) 31 columns.
	LayoutSampler Layout = "sampler"
	// LayoutSweep is the root CLI's grid sweep: 27 columns.
	LayoutSweep Layout = "sweep"
)

// Job is one simulation of a dataset.
type Job struct {
	SimID            int     `json:"sim_id"`
	ScenarioName     string  `json:"scenario_name,omitempty"`
	Seed             uint64  `json:"random_seed"`
	GridSize         int     `json:"grid_size"`
	Steps            int     `json:"steps"`
	Alpha            float64 `json:"alpha"`
	TuringEnabled    bool    `json:"turing_enabled"`
	SpikeProbability float64 `json:"spike_probability"`
	TuringThreshold  float64 `json:"turing_threshold"`
	// Model is "" for the v4.1 generators, morph.ModelGM for GMSweep's jobs, which carry
	// their preset and full configuration.
	Model  string        `json:"model,omitempty"`
	Preset string        `json:"preset,omitempty"`
	GM     *morph.Config `json:"gm,omitempty"`
}

// config is the engine configuration of the job: every other engine parameter at its default.
func (j Job) config() field.Config {
	seed := j.Seed
	c := field.DefaultConfig()
	c.GridSize, c.Steps, c.Alpha, c.TuringEnabled = j.GridSize, j.Steps, j.Alpha, j.TuringEnabled
	c.SpikeProbability, c.TuringThreshold, c.Seed = j.SpikeProbability, j.TuringThreshold, &seed
	return c
}

// Plan is everything needed to generate a dataset: what to simulate and how to lay it out.
type Plan struct {
	Generator string `json:"generator"` // "scenario", "sampler" or "sweep"
	Name      string `json:"name"`
	Layout    Layout `json:"layout"`
	// Config is the generator's configuration, recorded in the outputs' metadata.
	Config any   `json:"config"`
	Jobs   []Job `json:"jobs"`
}

// Row is one successful simulation with its 18 features.
type Row struct {
	Job
	Features          features.Vector
	GrowthEvents      int
	TuringActivations int
	ClampingEvents    int
	// Pattern is the gm model's pattern measure (zero for v4.1 rows).
	Pattern pattern.Measure
}

// Kind is a column's type.
type Kind int

const (
	Int64 Kind = iota
	Float64
	Bool
	String
)

// Column is one column of a layout.
type Column struct {
	Name string
	Kind Kind
	// value returns the column's value for a row: int64, float64, bool or string.
	value func(r *Row, run *RunInfo) any
}

// RunInfo holds the values that are the same for every row of a run.
type RunInfo struct {
	Version   string
	Timestamp string
}

// Columns returns the columns of a layout in the reference's order.
func Columns(l Layout) []Column {
	id := Column{"sim_id", Int64, func(r *Row, _ *RunInfo) any { return int64(r.SimID) }}
	name := Column{"scenario_name", String, func(r *Row, _ *RunInfo) any { return r.ScenarioName }}
	grid := Column{"grid_size", Int64, func(r *Row, _ *RunInfo) any { return int64(r.GridSize) }}
	steps := Column{"steps", Int64, func(r *Row, _ *RunInfo) any { return int64(r.Steps) }}
	alpha := Column{"alpha", Float64, func(r *Row, _ *RunInfo) any { return r.Alpha }}
	turing := Column{"turing_enabled", Bool, func(r *Row, _ *RunInfo) any { return r.TuringEnabled }}
	seed := Column{"random_seed", Int64, func(r *Row, _ *RunInfo) any { return int64(r.Seed) }}
	spike := Column{"spike_probability", Float64, func(r *Row, _ *RunInfo) any { return r.SpikeProbability }}
	thr := Column{"turing_threshold", Float64, func(r *Row, _ *RunInfo) any { return r.TuringThreshold }}
	meta := []Column{
		{"growth_events", Int64, func(r *Row, _ *RunInfo) any { return int64(r.GrowthEvents) }},
		{"turing_activations", Int64, func(r *Row, _ *RunInfo) any { return int64(r.TuringActivations) }},
		{"clamping_events", Int64, func(r *Row, _ *RunInfo) any { return int64(r.ClampingEvents) }},
	}
	var feats []Column
	for i, n := range features.Names() {
		// Every feature is float64, the integer-valued ones too, as the reference writes them.
		feats = append(feats, Column{n, Float64, func(r *Row, _ *RunInfo) any { return r.Features.Values()[i] }})
	}
	var cols []Column
	switch l {
	case LayoutScenario:
		cols = append([]Column{id, name, grid, steps, alpha, turing, seed}, feats...)
	case LayoutSampler:
		cols = append([]Column{id, seed, grid, steps, alpha, turing, spike, thr}, feats...)
		cols = append(cols,
			Column{"mfn_version", String, func(_ *Row, ri *RunInfo) any { return ri.Version }},
			Column{"timestamp", String, func(_ *Row, ri *RunInfo) any { return ri.Timestamp }})
	case LayoutSweep:
		cols = append([]Column{id, grid, steps, alpha, turing, seed}, feats...)
	case LayoutGM:
		return gmColumns(feats, meta)
	}
	return append(cols, meta...)
}

// ColumnNames lists the names of a layout's columns.
func ColumnNames(l Layout) []string {
	var out []string
	for _, c := range Columns(l) {
		out = append(out, c.Name)
	}
	return out
}

// CellValue is the value of column c for a row: int64, float64, bool or string.
func CellValue(c Column, r *Row, ri *RunInfo) any { return c.value(r, ri) }
