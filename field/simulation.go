package field

import (
	"time"
)

// Config is the reference's SimulationConfig: the high-level simulation parameters. The
// engine's stricter bounds apply (grid [4, 1024], α [0.05, 0.25), threshold [0.5, 0.95],
// jitter_var [0, 0.01]); Validate reports them all in one place.
type Config struct {
	GridSize         int     `json:"grid_size"`
	Steps            int     `json:"steps"`
	Alpha            float64 `json:"alpha"`
	SpikeProbability float64 `json:"spike_probability"`
	TuringEnabled    bool    `json:"turing_enabled"`
	TuringThreshold  float64 `json:"turing_threshold"`
	QuantumJitter    bool    `json:"quantum_jitter"`
	JitterVar        float64 `json:"jitter_var"`
	Seed             *uint64 `json:"seed"`
	// Boundary is an extension: the reference's high-level API always runs periodic.
	Boundary Boundary `json:"boundary_condition"`
}

// DefaultConfig is make_simulation_config_default(): 64×64, 100 steps, seed 42.
func DefaultConfig() Config {
	seed := uint64(42)
	return Config{GridSize: 64, Steps: 100, Alpha: 0.18, SpikeProbability: 0.25, TuringEnabled: true,
		TuringThreshold: 0.75, JitterVar: 0.0005, Seed: &seed}
}

// DemoConfig is make_simulation_config_demo(): 32×32, 32 steps, seed 42.
func DemoConfig() Config {
	c := DefaultConfig()
	c.GridSize, c.Steps = 32, 32
	return c
}

// engineConfig maps the high-level configuration onto the engine's, with the engine's
// defaults for the reaction coefficients.
func (c Config) engineConfig() EngineConfig {
	ec := DefaultEngineConfig(0)
	ec.GridSize = c.GridSize
	ec.Alpha = c.Alpha
	ec.TuringThreshold = c.TuringThreshold
	ec.QuantumJitter = c.QuantumJitter
	ec.JitterVar = c.JitterVar
	ec.SpikeProbability = c.SpikeProbability
	ec.Boundary = c.Boundary
	if c.Seed != nil {
		ec.Seed = *c.Seed
	}
	return ec
}

// Validate checks the configuration against the single set of bounds that the library, the
// CLI and the service share: steps in [1, MaxSteps], then the engine's checks.
func (c Config) Validate() error {
	if err := intRange("steps", c.Steps, 1, MaxSteps, "steps must be in [1, 1000000]"); err != nil {
		return err
	}
	return c.engineConfig().Validate()
}

// Result is the reference's SimulationResult.
type Result struct {
	Field []float64
	// History is steps·N² values, frame after frame, or nil.
	History           []float64
	N                 int
	Steps             int
	GrowthEvents      int
	TuringActivations int
	ClampingEvents    int
	Spikes            []Spike
	Metrics           Metrics
	Config            Config
	// Seed is the seed actually used (drawn at random when Config.Seed is nil).
	Seed    uint64
	Elapsed time.Duration
}

// Frames returns the history as one slice per step (views, not copies).
func (r *Result) Frames() [][]float64 {
	if r.History == nil {
		return nil
	}
	nn := r.N * r.N
	out := make([][]float64, len(r.History)/nn)
	for t := range out {
		out[t] = r.History[t*nn : (t+1)*nn : (t+1)*nn]
	}
	return out
}

// RunOptions choose what a run records beyond the final field.
type RunOptions struct {
	// History records the field after every step.
	History bool
	// Frame, if set, is called after every step.
	Frame Frame
	// SkipReactionMeans says the caller does not need the activator and inhibitor means
	// (Metrics.ActivatorMean, InhibitorMean, then NaN); their work is skipped when it
	// provably cannot affect the field. Every other output is unchanged.
	SkipReactionMeans bool
	// HistoryBuffer, when its capacity suffices, holds the history instead of a new
	// allocation (a worker running many simulations reuses one buffer).
	HistoryBuffer []float64
}

// Run is run_mycelium_simulation(config).
func Run(c Config) (*Result, error) { return RunWith(c, RunOptions{}) }

// RunWithHistory is run_mycelium_simulation_with_history(config).
func RunWithHistory(c Config) (*Result, error) { return RunWith(c, RunOptions{History: true}) }

// RunStreaming runs the simulation and calls frame after every step.
func RunStreaming(c Config, frame Frame) (*Result, error) {
	return RunWith(c, RunOptions{Frame: frame})
}

// RunWith runs the simulation with the given options.
func RunWith(c Config, o RunOptions) (*Result, error) {
	if c.Seed == nil {
		s := randomSeed()
		c.Seed = &s
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	e := &Engine{cfg: c.engineConfig()}
	r, err := e.simulate(c.Steps, c.TuringEnabled, o)
	if err != nil {
		return nil, err
	}
	return &Result{
		Field: r.Field, History: r.History, N: r.N, Steps: c.Steps,
		GrowthEvents: r.Metrics.GrowthEvents, TuringActivations: r.Metrics.TuringActivations,
		ClampingEvents: r.Metrics.ClampingEvents, Spikes: r.Spikes, Metrics: r.Metrics,
		Config: c, Seed: *c.Seed, Elapsed: time.Since(start),
	}, nil
}
