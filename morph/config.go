package morph

import (
	"fmt"
	"strings"

	"mfn/field"
	"mfn/pattern"
	"mfn/stability"
)

// Init is the initial condition of a GM run.
type Init string

const (
	// InitNoise starts from the homogeneous state a*, i* times (1 + ε·u), u uniform in
	// [−1, 1) from the seed: every mode is seeded and the pattern picks its own orientation.
	InitNoise Init = "noise"
	// InitStripes adds to the noise a plane wave a*·ε_s·cos(2πm·x/N) along x at the
	// fastest-growing mode m of the stability analysis, so the stripes align, as an
	// embryonic prepattern or gradient would align them.
	InitStripes Init = "stripes"
)

// Bounds of a run (shared with the service's limits).
const (
	MinGrid  = 4
	MaxGrid  = 1024
	MaxSteps = 1_000_000
	// MaxCellSteps bounds grid_size²·steps, the work of one run.
	MaxCellSteps = 1 << 34
)

// Config is one GM run.
type Config struct {
	GridSize int            `json:"grid_size"`
	Steps    int            `json:"steps"`
	Seed     uint64         `json:"seed"`
	Boundary field.Boundary `json:"boundary_condition"`
	Init     Init           `json:"init"`
	// Noise is ε, the relative amplitude of the initial noise, (0, 0.5].
	Noise  float64 `json:"noise"`
	Params Params  `json:"params"`
}

// Validate checks the run and its parameters; errors name the parameter, the value and
// what is allowed.
func (c Config) Validate() error {
	if c.GridSize < MinGrid || c.GridSize > MaxGrid {
		return &ParamError{Param: "grid_size", Value: float64(c.GridSize), Allowed: fmt.Sprintf("an integer in [%d, %d]", MinGrid, MaxGrid)}
	}
	if c.Steps < 1 || c.Steps > MaxSteps {
		return &ParamError{Param: "steps", Value: float64(c.Steps), Allowed: fmt.Sprintf("an integer in [1, %d]", MaxSteps)}
	}
	if float64(c.GridSize)*float64(c.GridSize)*float64(c.Steps) > MaxCellSteps {
		return &ParamError{Param: "steps", Value: float64(c.Steps), Allowed: fmt.Sprintf("at most %d/grid_size² = %d for this grid", int64(MaxCellSteps), int64(MaxCellSteps)/int64(c.GridSize*c.GridSize))}
	}
	if c.Boundary < field.Periodic || c.Boundary > field.Dirichlet {
		return fmt.Errorf("boundary_condition=%d: must be periodic, neumann or dirichlet", int(c.Boundary))
	}
	if c.Init != InitNoise && c.Init != InitStripes {
		return fmt.Errorf("init=%q: must be one of %s, %s", c.Init, InitNoise, InitStripes)
	}
	if !(c.Noise > 0 && c.Noise <= 0.5) {
		return &ParamError{Param: "noise", Value: c.Noise, Allowed: "in (0, 0.5]"}
	}
	return c.Params.Validate()
}

// Analysis is the linear stability analysis of a configuration on its own grid.
type Analysis struct {
	// SteadyState is (a*, i*).
	SteadyState [2]float64 `json:"steady_state"`
	// Jacobian is J at the steady state, rows (f_a, f_i), (g_a, g_i).
	Jacobian [2][2]float64 `json:"jacobian"`
	stability.Analysis
}

// Analyze runs the stability analysis of c's parameters on c's grid and boundary.
func Analyze(c Config) (Analysis, error) {
	if err := c.Params.Validate(); err != nil {
		return Analysis{}, err
	}
	a, i := c.Params.SteadyState()
	s := c.Params.System()
	st, err := stability.Analyze(s, stability.Grid{N: c.GridSize, Boundary: c.Boundary})
	if err != nil {
		return Analysis{}, err
	}
	return Analysis{SteadyState: [2]float64{a, i}, Jacobian: s.J, Analysis: st}, nil
}

// ParseInit reads an initial-condition name.
func ParseInit(s string) (Init, error) {
	switch Init(s) {
	case InitNoise, InitStripes:
		return Init(s), nil
	}
	return "", fmt.Errorf("init=%q: must be one of %s", s, strings.Join([]string{string(InitNoise), string(InitStripes)}, ", "))
}

// PatternOf measures the pattern of a GM result's final activator (the field V is a
// monotone function of it, so the wavelength is the same) and fills the predicted wavelength
// from the stability analysis of c (0 when no mode on the grid grows).
func PatternOf(r *Result, c Config) (pattern.Measure, error) {
	if r == nil || r.Activator == nil {
		return pattern.Measure{}, fmt.Errorf("pattern: the result has no activator field (model %q)", modelOf(r))
	}
	m, err := pattern.Of(r.Activator, r.N)
	if err != nil {
		return m, err
	}
	an, err := Analyze(c)
	if err != nil {
		return m, err
	}
	if an.GridUnstable {
		m.PredictedWavelengthCells = an.Fastest.WavelengthCells
	}
	return m, nil
}

func modelOf(r *Result) string {
	if r == nil {
		return ""
	}
	return r.Model
}
