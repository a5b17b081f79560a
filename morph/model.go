// Package morph holds the morphogenesis models MFN simulates, behind one small interface:
// the reference's v4.1 field (package field, bit-identical) and "gm", a Gierer–Meinhardt
// activator–inhibitor system with activator saturation that has a Turing instability and
// forms spots, stripes and labyrinths (ADR 0021). The model is chosen by name (ModelV41,
// ModelGM); a GM run is described by a Config, usually from a Preset.
package morph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mfn/field"
)

// Model names, as the CLI's --model and the service's "model" field spell them.
const (
	ModelV41 = "v4.1"
	ModelGM  = "gm"
)

// ModelNames lists the models.
func ModelNames() []string { return []string{ModelV41, ModelGM} }

// ParseModel checks a model name.
func ParseModel(s string) (string, error) {
	for _, m := range ModelNames() {
		if s == m {
			return s, nil
		}
	}
	return "", fmt.Errorf("model=%q: must be one of %s", s, strings.Join(ModelNames(), ", "))
}

// Model is a configured morphogenesis model: Simulate runs it.
type Model interface {
	// Name is ModelV41 or ModelGM.
	Name() string
	// Simulate runs the model. It stops with ctx's error when ctx is done (checked every step).
	Simulate(ctx context.Context, o RunOptions) (*Result, error)
}

// RunOptions choose what a run records beyond the final field.
type RunOptions struct {
	// History records the membrane potential after every step (steps·N² values).
	History bool
	// Frame, if set, is called after every step with the potential in volts (not retained).
	Frame field.Frame
	// HistoryBuffer, when its capacity suffices, holds the history instead of a new allocation.
	HistoryBuffer []float64
}

// Result is the outcome of a run of either model.
type Result struct {
	Model string
	N     int
	Steps int
	Seed  uint64
	// Field is the final membrane potential in volts, row-major N×N.
	Field []float64
	// History is steps·N² values of the potential, frame after frame, or nil.
	History []float64
	// Activator and Inhibitor are the final concentrations (GM only; nil for v4.1).
	Activator, Inhibitor []float64
	GrowthEvents         int
	// TuringActivations counts (cell, step) pairs in which the activator was above its
	// threshold (v4.1: the reference's Turing kicks; GM: a > theta·a*).
	TuringActivations int
	ClampingEvents    int
	Elapsed           time.Duration
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

// V41 is the reference's model on the reaction–diffusion engine (field.RunWith): the same
// bits as package field. (The CLI's legacy path, simulate_mycelium_field, stays in field.)
type V41 struct{ Config field.Config }

// Name is ModelV41.
func (V41) Name() string { return ModelV41 }

// Simulate runs field.RunWith.
func (m V41) Simulate(ctx context.Context, o RunOptions) (*Result, error) {
	frame := func(step int, f []float64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if o.Frame != nil {
			return o.Frame(step, f)
		}
		return nil
	}
	r, err := field.RunWith(m.Config, field.RunOptions{History: o.History, Frame: frame, HistoryBuffer: o.HistoryBuffer})
	if err != nil {
		return nil, err
	}
	return &Result{Model: ModelV41, N: r.N, Steps: r.Steps, Seed: r.Seed, Field: r.Field, History: r.History,
		GrowthEvents: r.GrowthEvents, TuringActivations: r.TuringActivations, ClampingEvents: r.ClampingEvents,
		Elapsed: r.Elapsed}, nil
}

// GM is the Gierer–Meinhardt model with saturation, configured.
type GM struct{ Config Config }

// Name is ModelGM.
func (GM) Name() string { return ModelGM }

// Simulate runs the configuration (see Run).
func (m GM) Simulate(ctx context.Context, o RunOptions) (*Result, error) {
	return Run(ctx, m.Config, o)
}
