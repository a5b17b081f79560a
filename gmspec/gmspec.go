// Package gmspec is the part of a simulation request that selects and configures the
// morphogenesis model, shared by every transport that takes one (POST /simulate, the live
// streams, the worker's requests, dataset sweeps): the model name, the gm preset and its
// parameter overrides, and the service's bounds on a gm run. The numbers themselves live in
// package morph; this package only turns a request into a validated morph.Config.
package gmspec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"mfn/morph"
)

// Bounds of a gm run requested over the service (the CLI allows morph's own, larger ones).
// MaxCellSteps bounds grid_size²·steps, the work of one run: 2^26 is the labyrinth preset
// on 64² (24.6 M) with room for 128² × 4096 steps, a few seconds on one core.
const (
	MinGrid      = 8
	MaxGrid      = 256
	MaxSteps     = 20000
	MaxCellSteps = 1 << 26
)

// Spec is a request's model selection. The zero value is the v4.1 model.
type Spec struct {
	// Model is morph.ModelV41 (also "") or morph.ModelGM.
	Model string `json:"model,omitempty"`
	// Preset names the gm preset (morph.DefaultPreset when empty). gm only.
	Preset string `json:"preset,omitempty"`
	// Params overrides preset parameters by name (d_a, d_i, rho, …). gm only.
	Params map[string]float64 `json:"params,omitempty"`
}

// Error names the request field, the value and what is allowed.
type Error struct {
	Field   string
	Value   any
	Allowed string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s=%v: must be %s", e.Field, e.Value, e.Allowed)
}

// IsGM reports whether the spec selects the gm model.
func (s Spec) IsGM() bool { return s.Model == morph.ModelGM }

// Check validates the model name and that preset and params come only with gm.
func (s Spec) Check() error {
	switch s.Model {
	case "", morph.ModelV41:
		if s.Preset != "" {
			return &Error{"preset", fmt.Sprintf("%q", s.Preset), `used only with "model": "gm"`}
		}
		if len(s.Params) > 0 {
			return &Error{"params", "{…}", `used only with "model": "gm"`}
		}
		return nil
	case morph.ModelGM:
		return nil
	}
	return &Error{"model", fmt.Sprintf("%q", s.Model), "one of " + strings.Join(morph.ModelNames(), ", ")}
}

// Config builds the gm configuration: the preset, then the overrides, then seed, grid and
// steps (each only when given: zero keeps the preset's, so an unset steps runs the preset
// long enough for its pattern to form), checked against the service's bounds and morph's.
func (s Spec) Config(seed uint64, gridSize, steps int) (morph.Config, error) {
	if err := s.Check(); err != nil {
		return morph.Config{}, err
	}
	if !s.IsGM() {
		return morph.Config{}, &Error{"model", fmt.Sprintf("%q", s.Model), `"gm" to build a gm configuration`}
	}
	name := s.Preset
	if name == "" {
		name = morph.DefaultPreset
	}
	p, err := morph.LookupPreset(name)
	if err != nil {
		return morph.Config{}, &Error{"preset", fmt.Sprintf("%q", name), "one of " + strings.Join(morph.PresetNames(), ", ")}
	}
	c := p.Config
	for _, k := range slices.Sorted(maps.Keys(s.Params)) {
		if err := c.Params.Set(k, s.Params[k]); err != nil {
			return morph.Config{}, fmt.Errorf("params.%w", err)
		}
	}
	c.Seed = seed
	if gridSize != 0 {
		c.GridSize = gridSize
	}
	if steps != 0 {
		c.Steps = steps
	}
	if err := Bounds(c.GridSize, c.Steps); err != nil {
		return morph.Config{}, err
	}
	return c, c.Validate()
}

// Bounds checks a gm run's size against the service's limits.
func Bounds(gridSize, steps int) error {
	switch {
	case gridSize < MinGrid || gridSize > MaxGrid:
		return &Error{"grid_size", gridSize, fmt.Sprintf("an integer in [%d, %d]", MinGrid, MaxGrid)}
	case steps < 1 || steps > MaxSteps:
		return &Error{"steps", steps, fmt.Sprintf("an integer in [1, %d] for the gm model", MaxSteps)}
	case gridSize*gridSize*steps > MaxCellSteps:
		return &Error{"steps", steps, fmt.Sprintf("at most %d on a %d² grid (grid_size²·steps ≤ %d)", MaxCellSteps/(gridSize*gridSize), gridSize, MaxCellSteps)}
	}
	return nil
}
