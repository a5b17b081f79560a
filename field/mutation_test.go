package field

// Assertions found missing by mutation testing (gremlins, docs/quality.md), through the
// exported API only: the inclusive lower bounds of the diffusion coefficients (spec: d ∈
// [0.01, 0.25), α ∈ [0.05, 0.25)), the history's size bound at and just past it, the reuse of
// an exactly sized history buffer, and a boundary name read from JSON.

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestEngineLowerBoundsInclusive(t *testing.T) {
	c := DefaultEngineConfig(1)
	c.DActivator, c.DInhibitor, c.Alpha = 0.01, 0.01, 0.05
	if err := c.Validate(); err != nil {
		t.Errorf("the lower bounds themselves rejected: %v", err)
	}
	for _, mod := range []func(*EngineConfig){
		func(c *EngineConfig) { c.DActivator = math.Nextafter(0.01, 0) },
		func(c *EngineConfig) { c.DInhibitor = math.Nextafter(0.01, 0) },
		func(c *EngineConfig) { c.Alpha = math.Nextafter(0.05, 0) },
	} {
		c := DefaultEngineConfig(1)
		mod(&c)
		var re *RangeError
		if err := c.Validate(); !errors.As(err, &re) {
			t.Errorf("%+v: error %v, want a RangeError", c, err)
		}
	}
}

// steps·N² ≤ MaxHistoryValues: on 64×64 that is 32768 steps. At the bound the run starts (its
// first frame stops it, before any real memory is touched); one step more is refused up front.
func TestHistoryBoundInclusive(t *testing.T) {
	c := DefaultConfig()
	c.GridSize = 64
	limit := MaxHistoryValues / (64 * 64)
	stop := errors.New("stop")
	c.Steps = limit
	_, err := RunWith(c, RunOptions{History: true, Frame: func(int, []float64) error { return stop }})
	if !errors.Is(err, stop) {
		t.Errorf("steps = %d (at the bound): error %v, want the frame's", limit, err)
	}
	c.Steps = limit + 1
	_, err = RunWith(c, RunOptions{History: true, Frame: func(int, []float64) error { return stop }})
	var re *RangeError
	if !errors.As(err, &re) || re.Parameter != "steps" || re.Max == nil || *re.Max != float64(limit) {
		t.Errorf("steps = %d (past the bound): error %v, want a RangeError with max %d", limit+1, err, limit)
	}
}

// A history buffer of exactly steps·N² values is used, not replaced.
func TestHistoryBufferExactCapacityIsReused(t *testing.T) {
	c := DemoConfig()
	c.Steps = 3
	buf := make([]float64, 0, c.Steps*c.GridSize*c.GridSize)
	r, err := RunWith(c, RunOptions{History: true, HistoryBuffer: buf})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.History) != cap(buf) || &r.History[0] != &buf[:1][0] {
		t.Errorf("history of %d values not held in the %d-value buffer", len(r.History), cap(buf))
	}
}

func TestBoundaryFromJSON(t *testing.T) {
	var b Boundary
	if err := json.Unmarshal([]byte(`"neumann"`), &b); err != nil || b != Neumann {
		t.Errorf(`"neumann" → %v, %v`, b, err)
	}
	b = Dirichlet
	if err := json.Unmarshal([]byte(`"sideways"`), &b); err == nil || b != Dirichlet {
		t.Errorf(`"sideways" → %v, %v; want an error and the value unchanged`, b, err)
	}
}

// A buffer one value too small is not used at all (RunOptions.HistoryBuffer: only "when its
// capacity suffices"): none of its values is written.
func TestHistoryBufferTooSmallIsUntouched(t *testing.T) {
	c := DemoConfig()
	c.Steps = 3
	buf := make([]float64, c.Steps*c.GridSize*c.GridSize-1)
	for i := range buf {
		buf[i] = -1
	}
	r, err := RunWith(c, RunOptions{History: true, HistoryBuffer: buf[:0]})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.History) != len(buf)+1 {
		t.Fatalf("history has %d values, want %d", len(r.History), len(buf)+1)
	}
	for i, v := range buf {
		if v != -1 {
			t.Fatalf("buffer value %d was overwritten with %v", i, v)
		}
	}
}

// Both ends of every closed range are accepted (spec: grid [4, 1024], steps [1, 1000000],
// r_activator and r_inhibitor [0.001, 0.1], turing_threshold [0.5, 0.95], spike_probability
// [0, 1], jitter_var [0, 0.01]).
func TestClosedRangesInclusive(t *testing.T) {
	for _, end := range []struct {
		name string
		mod  func(*Config, *EngineConfig)
	}{
		{"low", func(c *Config, e *EngineConfig) {
			c.GridSize, c.Steps, c.TuringThreshold, c.SpikeProbability, c.JitterVar = 4, 1, 0.5, 0, 0
			e.GridSize, e.RActivator, e.RInhibitor, e.TuringThreshold, e.SpikeProbability, e.JitterVar = 4, 0.001, 0.001, 0.5, 0, 0
		}},
		{"high", func(c *Config, e *EngineConfig) {
			c.GridSize, c.Steps, c.TuringThreshold, c.SpikeProbability, c.JitterVar = 1024, MaxSteps, 0.95, 1, 0.01
			e.GridSize, e.RActivator, e.RInhibitor, e.TuringThreshold, e.SpikeProbability, e.JitterVar = 1024, 0.1, 0.1, 0.95, 1, 0.01
		}},
	} {
		c, e := DefaultConfig(), DefaultEngineConfig(1)
		end.mod(&c, &e)
		if err := c.Validate(); err != nil {
			t.Errorf("%s ends of Config rejected: %v", end.name, err)
		}
		if err := e.Validate(); err != nil {
			t.Errorf("%s ends of EngineConfig rejected: %v", end.name, err)
		}
	}
}

// Config.Validate applies the steps bound and then every engine check.
func TestConfigValidateReachesEngineChecks(t *testing.T) {
	c := DefaultConfig()
	c.Alpha = 0.3
	var se *StabilityError
	if err := c.Validate(); !errors.As(err, &se) {
		t.Errorf("alpha 0.3: error %v, want the CFL StabilityError", err)
	}
	if _, err := Run(c); !errors.As(err, &se) {
		t.Errorf("Run with alpha 0.3: error %v, want the CFL StabilityError", err)
	}
	c = DefaultConfig()
	c.Steps = 0
	var re *RangeError
	if err := c.Validate(); !errors.As(err, &re) || re.Parameter != "steps" {
		t.Errorf("steps 0: error %v, want a RangeError for steps", err)
	}
}
