package nernst

import (
	"math"
	"testing"
)

// Assertions added for the survivors of mutation testing (docs/quality.md): the exact text of
// an instability error (a count of 0 is printed, -1 means absent) and the inclusive bounds of
// the membrane configuration.

func TestInstabilityErrorText(t *testing.T) {
	for _, c := range []struct {
		e    InstabilityError
		want string
	}{
		{InstabilityError{Message: "m", Field: "f", NaNCount: 0, InfCount: 0, Step: 0}, "m [field='f', nan_count=0, inf_count=0] (step=0)"},
		{InstabilityError{Message: "m", NaNCount: -1, InfCount: -1, Step: -1}, "m"},
		{InstabilityError{Message: "m", NaNCount: 2, InfCount: -1, Step: -1}, "m [nan_count=2]"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}

func TestEngineInstabilityErrors(t *testing.T) {
	e, err := NewMembraneEngine(DefaultMembraneConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ComputeNernstPotentialAt(1, 0.005, 0.14, math.NaN()); err == nil ||
		err.Error() != "NaN in Nernst potential calculation [field='potential', nan_count=1]" {
		t.Errorf("NaN potential: %v", err)
	}
	if _, err := e.ComputeNernstPotentialAt(1, 0.005, 0.14, math.Inf(1)); err == nil ||
		err.Error() != "Inf in Nernst potential calculation [field='potential', inf_count=1]" {
		t.Errorf("Inf potential: %v", err)
	}
	if _, err := e.ComputeNernstPotentialArrayAt(1, []float64{0.005, 0.005}, []float64{0.14, 0.14}, math.NaN()); err == nil ||
		err.Error() != "NaN in Nernst potential calculation [field='potential', nan_count=2]" {
		t.Errorf("NaN array: %v", err)
	}
}

func TestMembraneConfigBoundsAreInclusive(t *testing.T) {
	for _, set := range []func(*MembraneConfig){
		func(c *MembraneConfig) { c.TemperatureK = TemperatureMinK },
		func(c *MembraneConfig) { c.TemperatureK = TemperatureMaxK },
		func(c *MembraneConfig) { c.Dt = DtMin },
		func(c *MembraneConfig) { c.Dt = DtMax },
	} {
		c := DefaultMembraneConfig()
		set(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v, want accepted (the bounds are inclusive)", c, err)
		}
	}
}

// The valence divides the potential: z = 2 gives half of z = 1 (Ca²⁺ against a monovalent ion).
func TestPotentialDividesByValence(t *testing.T) {
	e1, _ := Potential(1, 0.002, 1e-7, 310)
	e2, _ := Potential(2, 0.002, 1e-7, 310)
	if d := math.Abs(e2 - e1/2); d > 1e-15*math.Abs(e1) {
		t.Errorf("z=2: %v, want half of z=1's %v", e2, e1)
	}
}

// ValidateInputs' bounds are inclusive: |z| = 3 and 273 K, 373 K are accepted.
func TestValidateInputsBoundsAreInclusive(t *testing.T) {
	for _, c := range []struct {
		z int
		t float64
	}{{ValenceLimit, 310}, {-ValenceLimit, 310}, {1, InputTemperatureMinK}, {1, InputTemperatureMaxK}} {
		if err := ValidateInputs(c.z, 0.005, 0.14, c.t); err != nil {
			t.Errorf("z=%d, T=%v: %v", c.z, c.t, err)
		}
	}
	if err := ValidateInputs(ValenceLimit+1, 0.005, 0.14, 310); err == nil {
		t.Error("z=4 accepted")
	}
}

// Zero steps is allowed and returns the initial state unchanged.
func TestIntegrateODEZeroSteps(t *testing.T) {
	e, _ := NewMembraneEngine(DefaultMembraneConfig())
	v, err := e.IntegrateODE([]float64{-0.07, -0.06}, func(v, d []float64) { d[0], d[1] = 1, 1 }, 0, true)
	if err != nil || len(v) != 2 || v[0] != -0.07 || v[1] != -0.06 {
		t.Errorf("0 steps: %v %v", v, err)
	}
}
