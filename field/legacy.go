// Package field simulates the 2-D membrane-potential field of MFN: the legacy
// simulate_mycelium_field path and the reaction–diffusion engine (with its three boundary
// conditions), both bit-identical to the reference for the same seed and parameters.
// Fields are row-major []float64 of side N, in volts.
package field

import (
	"math"

	"mfn/rng"
)

// Physical constants of the simulation (spec §2).
const (
	initMeanV      = -0.070
	initStdV       = 0.005
	spikeMeanV     = 0.020
	spikeStdV      = 0.005
	turingInitHigh = 0.1
	legacyDA       = 0.1
	legacyDI       = 0.05
	legacyRA       = 0.01
	legacyRI       = 0.02
	// MaxGrid bounds the side of any grid so that a request cannot exhaust memory.
	MaxGrid = 4096
	// MaxSteps bounds the number of steps of one simulation.
	MaxSteps = 1_000_000
	// MaxHistoryValues bounds steps·N² for a recorded history (8 bytes each: 1 GiB).
	MaxHistoryValues = 1 << 27
)

// LegacyParams are the parameters of simulate_mycelium_field.
type LegacyParams struct {
	GridSize         int
	Steps            int
	Alpha            float64
	SpikeProbability float64
	TuringEnabled    bool
	TuringThreshold  float64
	QuantumJitter    bool
	JitterVar        float64
}

// DefaultLegacy returns the reference's defaults: 64×64, 64 steps, α 0.18, p 0.25, Turing on.
func DefaultLegacy() LegacyParams {
	return LegacyParams{GridSize: 64, Steps: 64, Alpha: 0.18, SpikeProbability: 0.25,
		TuringEnabled: true, TuringThreshold: 0.75, JitterVar: 0.0005}
}

// Validate checks the legacy parameters. The reference checks nothing; we accept everything
// it can run without producing NaN, Inf or an unbounded allocation. α up to 1 stays accepted
// (as the reference's API does): it oscillates, but the clamp keeps the field bounded.
func (p LegacyParams) Validate() error {
	if err := intRange("grid_size", p.GridSize, 1, MaxGrid, "Grid size must be in [1, 4096]"); err != nil {
		return err
	}
	if err := intRange("steps", p.Steps, 0, MaxSteps, "steps must be in [0, 1000000]"); err != nil {
		return err
	}
	if err := floatRange("alpha", p.Alpha, 0, 1, "alpha must be in [0, 1]"); err != nil {
		return err
	}
	if err := floatRange("spike_probability", p.SpikeProbability, 0, 1, "Spike probability must be in [0, 1]"); err != nil {
		return err
	}
	if err := finite("turing_threshold", p.TuringThreshold); err != nil {
		return err
	}
	return floatRange("jitter_var", p.JitterVar, 0, 1, "jitter_var must be in [0, 1]")
}

// Spike is one growth event: Magnitude volts added to cell (Row, Col) at the start of Step.
type Spike struct {
	Step, Row, Col int
	Magnitude      float64
}

// LegacyResult is what simulate_mycelium_field returns, plus the spikes it drew.
type LegacyResult struct {
	N            int
	Field        []float64
	GrowthEvents int
	Spikes       []Spike
	// TuringActivations and ClampingEvents are counted as the engine counts them; the
	// reference's legacy function computes but does not report them.
	TuringActivations int
	ClampingEvents    int

	k *kernel // the run's buffers, until Release
}

// Release gives the run's buffers back for the next run to reuse (sparing the garbage
// collector); r.Field is nil afterwards. A caller that keeps Field must not call it.
func (r *LegacyResult) Release() {
	if r.k == nil {
		return
	}
	r.k.v.release()
	if r.k.act.cur != nil {
		r.k.act.release()
		r.k.inh.release()
	}
	r.k, r.Field = nil, nil
}

// SimulateLegacy runs simulate_mycelium_field(g, …): it draws from g exactly as the reference
// does, so g's state afterwards matches numpy's too.
func SimulateLegacy(g *rng.Generator, p LegacyParams) (*LegacyResult, error) {
	return SimulateLegacyFrames(g, p, nil)
}

// SimulateLegacyFrames is SimulateLegacy calling frame after every step (nil for none).
func SimulateLegacyFrames(g *rng.Generator, p LegacyParams, frame Frame) (*LegacyResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := p.GridSize
	k := newKernel(n, Periodic)
	k.alpha = p.Alpha
	g.FillNormal(k.v.cur, initMeanV, initStdV)
	turing := p.TuringEnabled
	if turing {
		k.re = reaction{da: legacyDA, di: legacyDI, ra: legacyRA, ri: legacyRI, threshold: p.TuringThreshold}
		if k.re.quietSteps(turingInitHigh, p.Steps) == p.Steps {
			// The kick provably never fires, and the legacy function discards the activator
			// and inhibitor: skip their 2·N² uniform draws (one output each) instead of
			// making them. The generator ends in the same state.
			g.Skip(2 * uint64(n) * uint64(n))
			turing = false
		} else {
			k.act, k.inh = newGrid(n), newGrid(n)
			g.FillUniform(k.act.cur, 0, turingInitHigh)
			g.FillUniform(k.inh.cur, 0, turingInitHigh)
		}
	}
	st := &stepper{g: g, k: k, spikeP: p.SpikeProbability, turing: turing, frame: frame}
	if p.QuantumJitter {
		k.noise = make([]float64, n*n)
		st.sigma = math.Sqrt(p.JitterVar)
	}
	if err := st.run(p.Steps); err != nil {
		return nil, err
	}
	return &LegacyResult{N: n, Field: k.v.cur, GrowthEvents: len(st.spikes), Spikes: st.spikes,
		TuringActivations: st.total.activations, ClampingEvents: st.total.clamped, k: k}, nil
}

func intRange(name string, v, lo, hi int, msg string) error {
	if v < lo || v > hi {
		return &RangeError{Message: msg, Parameter: name, Value: float64(v), Min: bound(float64(lo)), Max: bound(float64(hi))}
	}
	return nil
}

func floatRange(name string, v, lo, hi float64, msg string) error {
	if !(v >= lo && v <= hi) { // also rejects NaN
		return &RangeError{Message: msg, Parameter: name, Value: v, Min: bound(lo), Max: bound(hi)}
	}
	return nil
}

func finite(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &RangeError{Message: name + " must be a finite number", Parameter: name, Value: v}
	}
	return nil
}
