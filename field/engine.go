package field

import (
	"errors"
	"fmt"
	"math"
	"slices"

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
	return e.simulate(steps, turingEnabled, RunOptions{History: withHistory})
}

// Frame is called after each step with the step index and the current field (which must not
// be retained or modified); returning an error stops the run with that error.
type Frame func(step int, field []float64) error

func (e *Engine) simulate(steps int, turingEnabled bool, o RunOptions) (*EngineRun, error) {
	withHistory, frame := o.History, o.Frame
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
	g, k := c.newState()
	// The engine always draws the activator and inhibitor, Turing or not. When the caller
	// does not want their means and they cannot touch the field (Turing off, or the kick
	// provably quiet for the whole run), their 2·N² draws are skipped instead (ADR 2).
	skipReaction := o.SkipReactionMeans && (!turingEnabled || k.re.quietSteps(turingInitHigh, steps) == steps)
	if skipReaction {
		g.Skip(2 * uint64(n) * uint64(n))
		turingEnabled = false
	} else {
		k.initReaction(g)
	}
	run := &EngineRun{N: n}
	st := c.newStepper(g, k, turingEnabled)
	st.frame = frame
	if withHistory {
		// The kernel writes every step's field straight into its frame of the history.
		if cap(o.HistoryBuffer) >= steps*n*n {
			run.History = o.HistoryBuffer[:steps*n*n]
		} else {
			run.History = make([]float64, steps*n*n)
		}
		st.history = run.History
	}
	m := &run.Metrics
	m.StepsToInstability = -1
	err := st.run(steps)
	var ie *InstabilityError
	if errors.As(err, &ie) {
		m.NaNDetected, m.StepsToInstability = true, ie.Step
	}
	if err != nil {
		return nil, err
	}
	m.StepsComputed = steps
	m.GrowthEvents = len(st.spikes)
	m.TuringActivations = st.total.activations
	m.ClampingEvents = st.total.clamped
	run.Spikes = st.spikes
	run.Field = k.v.cur
	if withHistory {
		run.Field = slices.Clone(k.v.cur) // not a view of the last frame
	}
	m.FieldMinV, m.FieldMaxV = npexact.MinMax(k.v.cur)
	m.FieldMeanV = npexact.Mean(k.v.cur)
	m.FieldStdV = npexact.Std(k.v.cur)
	if skipReaction {
		m.ActivatorMean, m.InhibitorMean = math.NaN(), math.NaN()
	} else {
		m.ActivatorMean = npexact.Mean(k.act.cur)
		m.InhibitorMean = npexact.Mean(k.inh.cur)
	}
	return run, nil
}

// newState draws the engine's initial field from the seed: the generator and the kernel
// holding the field, before the activator and inhibitor draws.
func (c EngineConfig) newState() (*rng.Generator, *kernel) {
	g := rng.New(c.Seed)
	k := newKernel(c.GridSize, c.Boundary)
	k.alpha = c.Alpha
	g.FillNormal(k.v.cur, initMeanV, initStdV)
	k.re = reaction{da: c.DActivator, di: c.DInhibitor, ra: c.RActivator, ri: c.RInhibitor,
		threshold: c.TuringThreshold, jacobi: true}
	return g, k
}

// initReaction draws the activator and inhibitor (the draws after the field's).
func (k *kernel) initReaction(g *rng.Generator) {
	k.act, k.inh = newGrid(k.n), newGrid(k.n)
	g.FillUniform(k.act.cur, 0, turingInitHigh)
	g.FillUniform(k.inh.cur, 0, turingInitHigh)
}

// newStepper returns the engine's stepper over the state newState drew.
func (c EngineConfig) newStepper(g *rng.Generator, k *kernel, turingEnabled bool) *stepper {
	st := &stepper{g: g, k: k, spikeP: c.SpikeProbability, turing: turingEnabled, keepReaction: true,
		checkStability: c.CheckStability}
	if c.QuantumJitter {
		k.noise = make([]float64, k.n*k.n)
		st.sigma = math.Sqrt(c.JitterVar)
	}
	return st
}
