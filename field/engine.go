package field

import (
	"fmt"
	"math"

	"mfn/npexact"
	"mfn/rng"
)

// EngineConfig is the reference's ReactionDiffusionConfig.
type EngineConfig struct {
	GridSize         int
	DActivator       float64
	DInhibitor       float64
	RActivator       float64
	RInhibitor       float64
	TuringThreshold  float64
	Alpha            float64
	Boundary         Boundary
	QuantumJitter    bool
	JitterVar        float64
	SpikeProbability float64
	CheckStability   bool
	// Seed seeds the engine's generator; every Simulate call restarts from it.
	Seed uint64
}

// DefaultEngineConfig returns the reference's defaults with the given seed.
func DefaultEngineConfig(seed uint64) EngineConfig {
	return EngineConfig{GridSize: 64, DActivator: 0.1, DInhibitor: 0.05, RActivator: 0.01,
		RInhibitor: 0.02, TuringThreshold: 0.75, Alpha: 0.18, Boundary: Periodic,
		JitterVar: 0.0005, SpikeProbability: 0.25, CheckStability: true, Seed: seed}
}

// cflLimit is the stability bound of the explicit 5-point scheme: a coefficient must stay
// below 1/4, or the checkerboard mode grows every step.
const cflLimit = 0.25

// Validate applies the reference engine's checks, in its order and with its messages.
func (c EngineConfig) Validate() error {
	if err := intRange("grid_size", c.GridSize, 4, 1024, "Grid size must be in [4, 1024]"); err != nil {
		return err
	}
	for _, d := range []struct {
		name     string
		v, lower float64
	}{{"d_activator", c.DActivator, 0.01}, {"d_inhibitor", c.DInhibitor, 0.01}, {"alpha", c.Alpha, 0.05}} {
		if d.v >= cflLimit {
			return &StabilityError{Message: fmt.Sprintf(
				"%s=%v exceeds CFL stability limit of 0.25. Reduce to maintain numerical stability.", d.name, d.v)}
		}
		if !(d.v >= d.lower) {
			return &RangeError{Message: fmt.Sprintf("%s must be in [%v, 0.25)", d.name, d.lower),
				Parameter: d.name, Value: d.v, Min: bound(d.lower), Max: bound(cflLimit)}
		}
	}
	checks := []struct {
		name    string
		v       float64
		lo, hi  float64
		message string
	}{
		{"r_activator", c.RActivator, 0.001, 0.1, "r_activator must be in [0.001, 0.1] for stable pattern formation"},
		{"r_inhibitor", c.RInhibitor, 0.001, 0.1, "r_inhibitor must be in [0.001, 0.1] for stable damping"},
		{"turing_threshold", c.TuringThreshold, 0.5, 0.95, "turing_threshold must be in [0.5, 0.95] for meaningful pattern activation"},
		{"spike_probability", c.SpikeProbability, 0, 1, "Spike probability must be in [0, 1]"},
		{"jitter_var", c.JitterVar, 0, 0.01, "jitter_var must be in [0.0, 0.01] for stability"},
	}
	for _, ch := range checks {
		if err := floatRange(ch.name, ch.v, ch.lo, ch.hi, ch.message); err != nil {
			return err
		}
	}
	if c.Boundary < Periodic || c.Boundary > Dirichlet {
		return fmt.Errorf("boundary_condition=%d: must be periodic, neumann or dirichlet", int(c.Boundary))
	}
	return nil
}

// Metrics are the engine's ReactionDiffusionMetrics after a run.
type Metrics struct {
	FieldMinV, FieldMaxV, FieldMeanV, FieldStdV float64
	ActivatorMean, InhibitorMean                float64
	StepsComputed                               int
	GrowthEvents                                int
	TuringActivations                           int
	ClampingEvents                              int
	NaNDetected, InfDetected                    bool
	// StepsToInstability is the first step with a NaN or Inf, or −1.
	StepsToInstability int
}

// EngineRun is the outcome of Engine.Simulate.
type EngineRun struct {
	N     int
	Field []float64
	// History holds the field after each step, frame after frame (steps·N² values), or nil.
	History []float64
	Spikes  []Spike
	Metrics Metrics
}

// Engine is the reaction–diffusion engine. Like the reference's, every Simulate call restarts
// from the seed, so repeated calls return identical runs.
type Engine struct {
	cfg EngineConfig
}

// NewEngine validates cfg and returns an engine.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg}, nil
}

// Config returns the engine's configuration.
func (e *Engine) Config() EngineConfig { return e.cfg }

// Simulate runs steps steps from a fresh field drawn from the seed.
func (e *Engine) Simulate(steps int, turingEnabled, withHistory bool) (*EngineRun, error) {
	return e.simulate(steps, turingEnabled, withHistory, nil)
}

// Frame is called after each step with the step index and the current field (which must not
// be retained or modified); returning an error stops the run with that error.
type Frame func(step int, field []float64) error

func (e *Engine) simulate(steps int, turingEnabled, withHistory bool, frame Frame) (*EngineRun, error) {
	c := e.cfg
	n := c.GridSize
	if err := intRange("steps", steps, 0, MaxSteps, "steps must be in [0, 1000000]"); err != nil {
		return nil, err
	}
	if withHistory {
		if steps < 1 {
			return nil, &RangeError{Message: "steps must be at least 1 to record a history", Parameter: "steps", Value: float64(steps), Min: bound(1)}
		}
		if steps*n*n > MaxHistoryValues {
			return nil, &RangeError{Message: fmt.Sprintf("history of steps·grid_size² values must not exceed %d", MaxHistoryValues),
				Parameter: "steps", Value: float64(steps), Max: bound(float64(MaxHistoryValues / (n * n)))}
		}
	}
	g := rng.New(c.Seed)
	k := newKernel(n, c.Boundary)
	k.alpha = c.Alpha
	k.v, k.vNext = make([]float64, n*n), make([]float64, n*n)
	k.act, k.inh = make([]float64, n*n), make([]float64, n*n)
	// The engine always draws the activator and inhibitor, Turing or not.
	g.FillNormal(k.v, initMeanV, initStdV)
	g.FillUniform(k.act, 0, turingInitHigh)
	g.FillUniform(k.inh, 0, turingInitHigh)
	if turingEnabled {
		k.turing, k.jacobi = true, true
		k.da, k.di, k.ra, k.ri, k.threshold = c.DActivator, c.DInhibitor, c.RActivator, c.RInhibitor, c.TuringThreshold
		k.actNext, k.inhNext = make([]float64, n*n), make([]float64, n*n)
	}
	var sigma float64
	if c.QuantumJitter {
		k.noise = make([]float64, n*n)
		sigma = math.Sqrt(c.JitterVar)
	}
	run := &EngineRun{N: n}
	m := &run.Metrics
	m.StepsToInstability = -1
	if withHistory {
		run.History = make([]float64, 0, steps*n*n)
	}
	for s := 0; s < steps; s++ {
		if sp, ok := drawSpike(g, n, c.SpikeProbability, s); ok {
			k.v[sp.Row*n+sp.Col] += sp.Magnitude
			run.Spikes = append(run.Spikes, sp)
		}
		if k.noise != nil {
			g.FillNormal(k.noise, 0, sigma)
		}
		cnt := k.step()
		k.swap()
		m.TuringActivations += cnt.activations
		m.ClampingEvents += cnt.clamped
		if c.CheckStability {
			if err := instability(s, cnt, m); err != nil {
				return nil, err
			}
		}
		if withHistory {
			run.History = append(run.History, k.v...)
		}
		m.StepsComputed++
		if frame != nil {
			if err := frame(s, k.v); err != nil {
				return nil, err
			}
		}
	}
	m.GrowthEvents = len(run.Spikes)
	run.Field = k.v
	m.FieldMinV, m.FieldMaxV = npexact.MinMax(k.v)
	m.FieldMeanV = npexact.Mean(k.v)
	m.FieldStdV = npexact.Std(k.v)
	m.ActivatorMean = npexact.Mean(k.act)
	m.InhibitorMean = npexact.Mean(k.inh)
	return run, nil
}

// instability reports the first NaN among field, activator and inhibitor, as the reference's
// check_stability does. The clamp maps ±Inf to the bounds, so only NaN can reach here.
func instability(step int, cnt stepCounts, m *Metrics) error {
	for _, f := range []struct {
		name string
		nan  int
	}{{"field", cnt.nanV}, {"activator", cnt.nanA}, {"inhibitor", cnt.nanI}} {
		if f.nan > 0 {
			m.NaNDetected = true
			if m.StepsToInstability < 0 {
				m.StepsToInstability = step
			}
			return &InstabilityError{Message: "NaN values detected in " + f.name, Field: f.name, NaNCount: f.nan, Step: step}
		}
	}
	return nil
}
