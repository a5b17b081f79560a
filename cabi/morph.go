package main

import (
	"context"
	"encoding/json"
	"fmt"

	"mfn/morph"
)

// morphRequest is how the Python side names a GM run: a preset, parameter overrides by name,
// and optional grid size, steps and seed (0 / absent keeps the preset's).
type morphRequest struct {
	Preset   string             `json:"preset"`
	Params   map[string]float64 `json:"params"`
	GridSize int                `json:"grid_size"`
	Steps    int                `json:"steps"`
	Seed     *uint64            `json:"seed"`
	Boundary string             `json:"boundary_condition"`
	Init     string             `json:"init"`
}

// morphConfig resolves a request into a validated GM configuration.
func morphConfig(b []byte) (morph.Config, error) {
	var r morphRequest
	if err := json.Unmarshal(b, &r); err != nil {
		return morph.Config{}, fmt.Errorf("request: %v", err)
	}
	if r.Preset == "" {
		r.Preset = morph.DefaultPreset
	}
	c, err := morph.PresetConfig(r.Preset, r.Params)
	if err != nil {
		return c, err
	}
	if r.GridSize != 0 {
		c.GridSize = r.GridSize
	}
	if r.Steps != 0 {
		c.Steps = r.Steps
	}
	if r.Seed != nil {
		c.Seed = *r.Seed
	}
	if r.Boundary != "" {
		if err := c.Boundary.UnmarshalText([]byte(r.Boundary)); err != nil {
			return c, fmt.Errorf("boundary_condition=%q: %v", r.Boundary, err)
		}
	}
	if r.Init != "" {
		if c.Init, err = morph.ParseInit(r.Init); err != nil {
			return c, err
		}
	}
	return c, c.Validate()
}

// morphConfigJSON is the resolved configuration, so the caller can size its buffers.
func morphConfigJSON(b []byte) ([]byte, error) {
	c, err := morphConfig(b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// morphMeta is the part of a GM result that is not an array.
type morphMeta struct {
	GrowthEvents      int          `json:"growth_events"`
	TuringActivations int          `json:"turing_activations"`
	ClampingEvents    int          `json:"clamping_events"`
	ElapsedS          float64      `json:"elapsed_time_s"`
	Config            morph.Config `json:"config"`
	Pattern           any          `json:"pattern"`
}

// runMorph runs the GM model: the potential goes to out, the activator and inhibitor to act
// and inh (N² each), the history (if hist is not nil) straight into hist (steps·N²).
func runMorph(b []byte, out, act, inh, hist []float64) ([]byte, error) {
	c, err := morphConfig(b)
	if err != nil {
		return nil, err
	}
	nn := c.GridSize * c.GridSize
	if len(out) != nn || len(act) != nn || len(inh) != nn {
		return nil, sizeError("field", len(out), nn)
	}
	o := morph.RunOptions{}
	if hist != nil {
		if len(hist) != c.Steps*nn {
			return nil, sizeError("history", len(hist), c.Steps*nn)
		}
		o.History, o.HistoryBuffer = true, hist
	}
	r, err := morph.Run(context.Background(), c, o)
	if err != nil {
		return nil, err
	}
	if hist != nil && len(r.History) > 0 && &r.History[0] != &hist[0] {
		copy(hist, r.History)
	}
	copy(out, r.Field)
	copy(act, r.Activator)
	copy(inh, r.Inhibitor)
	m := morphMeta{GrowthEvents: r.GrowthEvents, TuringActivations: r.TuringActivations,
		ClampingEvents: r.ClampingEvents, ElapsedS: r.Elapsed.Seconds(), Config: c}
	if p, err := morph.PatternOf(r, c); err == nil {
		m.Pattern = p
	}
	return json.Marshal(m)
}

// analyzeMorph is the linear stability analysis of a request's configuration.
func analyzeMorph(b []byte) ([]byte, error) {
	c, err := morphConfig(b)
	if err != nil {
		return nil, err
	}
	a, err := morph.Analyze(c)
	if err != nil {
		return nil, err
	}
	return json.Marshal(a)
}

// morphPresets lists the GM presets with their descriptions and configurations.
func morphPresets() ([]byte, error) { return json.Marshal(morph.Presets()) }
