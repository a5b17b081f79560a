package field

import "mfn/npexact"

// Stepper is an engine run that advances on demand and keeps its state between calls: a live
// stream advances it a few steps per frame, so frames show the field evolving (the
// reference's stream restarts the engine from the seed on every tick; ADR 0018). Advancing
// k₁, then k₂, … steps gives bit for bit the run of Simulate(k₁+k₂+…) with the same config.
// A Stepper is not safe for concurrent use.
type Stepper struct {
	st    *stepper
	steps int
}

// NewStepper validates cfg and draws the initial state from its seed.
func NewStepper(cfg EngineConfig, turingEnabled bool) (*Stepper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g, k := cfg.newState()
	k.initReaction(g)
	return &Stepper{st: cfg.newStepper(g, k, turingEnabled)}, nil
}

// Advance runs k more steps (k ≥ 0). After an error (an instability) the state is not
// meaningful and the stepper should be dropped.
func (s *Stepper) Advance(k int) error {
	if k < 0 {
		return &RangeError{Message: "steps must be non-negative", Parameter: "steps", Value: float64(k), Min: bound(0)}
	}
	before := len(s.st.spikes)
	err := s.st.run(k)
	// The driver numbers steps from 0 in each call; number them across calls.
	for i := before; i < len(s.st.spikes); i++ {
		s.st.spikes[i].Step += s.steps
	}
	s.steps += k
	return err
}

// Steps is the number of steps run so far.
func (s *Stepper) Steps() int { return s.steps }

// N is the grid size.
func (s *Stepper) N() int { return s.st.k.n }

// Field is the current field in volts, row-major N×N. It is a view: it must not be modified
// and changes on the next Advance.
func (s *Stepper) Field() []float64 { return s.st.k.v.cur }

// GrowthEvents is the number of spikes so far.
func (s *Stepper) GrowthEvents() int { return len(s.st.spikes) }

// Spikes are the spikes so far (a view).
func (s *Stepper) Spikes() []Spike { return s.st.spikes }

// Metrics are the field's statistics now, as Simulate reports them after the same steps.
func (s *Stepper) Metrics() Metrics {
	k := s.st.k
	m := Metrics{StepsComputed: s.steps, GrowthEvents: len(s.st.spikes), StepsToInstability: -1,
		TuringActivations: s.st.total.activations, ClampingEvents: s.st.total.clamped}
	m.FieldMinV, m.FieldMaxV = npexact.MinMax(k.v.cur)
	m.FieldMeanV = npexact.Mean(k.v.cur)
	m.FieldStdV = npexact.Std(k.v.cur)
	m.ActivatorMean = npexact.Mean(k.act.cur)
	m.InhibitorMean = npexact.Mean(k.inh.cur)
	return m
}
