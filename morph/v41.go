package morph

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"mfn/field"
	"mfn/stability"
)

// V41Kinetics are the reference engine's activator–inhibitor coefficients (spec core.md,
// ReactionDiffusionConfig): per step (dt = 1),
//
//	A += d_activator·∇²A + r_activator·(A(1−A) − I)
//	I += d_inhibitor·∇²I + r_inhibitor·(A − I)
//
// Its only fixed point is (0, 0) (A(1−A) = I = A forces A = 0), where
//
//	J = [[r_a, −r_a], [r_i, −r_i]]: det J = −r_a·r_i + r_a·r_i = 0,
//
// so the homogeneous state is never strictly stable and there is no Turing instability for
// any coefficients; with the defaults d_i·r_a − d_a·r_i = 0.0005 − 0.002 < 0 as well
// (spec/reference-findings.md A1–A4). Analyze shows it.
type V41Kinetics struct {
	DActivator float64 `json:"d_activator"`
	DInhibitor float64 `json:"d_inhibitor"`
	RActivator float64 `json:"r_activator"`
	RInhibitor float64 `json:"r_inhibitor"`
}

// DefaultV41Kinetics are the reference's defaults.
func DefaultV41Kinetics() V41Kinetics {
	d := field.DefaultEngineConfig(0)
	return V41Kinetics{DActivator: d.DActivator, DInhibitor: d.DInhibitor, RActivator: d.RActivator, RInhibitor: d.RInhibitor}
}

// v41Bounds are the reference engine's ranges.
var v41Bounds = []struct {
	name    string
	lo, hi  float64
	hiOpen  bool
	ptr     func(*V41Kinetics) *float64
	allowed string
}{
	{"d_activator", 0.01, 0.25, true, func(k *V41Kinetics) *float64 { return &k.DActivator }, "in [0.01, 0.25)"},
	{"d_inhibitor", 0.01, 0.25, true, func(k *V41Kinetics) *float64 { return &k.DInhibitor }, "in [0.01, 0.25)"},
	{"r_activator", 0.001, 0.1, false, func(k *V41Kinetics) *float64 { return &k.RActivator }, "in [0.001, 0.1]"},
	{"r_inhibitor", 0.001, 0.1, false, func(k *V41Kinetics) *float64 { return &k.RInhibitor }, "in [0.001, 0.1]"},
}

// V41ParamNames lists the names ParseParam accepts.
func V41ParamNames() []string {
	out := make([]string, len(v41Bounds))
	for i, b := range v41Bounds {
		out[i] = b.name
	}
	return out
}

// ParseParam applies one "name=value" assignment within the reference engine's bounds.
func (k *V41Kinetics) ParseParam(assignment string) error {
	name, val, ok := strings.Cut(assignment, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("--param %q: want name=value, e.g. d_inhibitor=0.2 (names: %s)", assignment, strings.Join(V41ParamNames(), ", "))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil {
		return fmt.Errorf("--param %q: value %q is not a number", assignment, val)
	}
	for _, b := range v41Bounds {
		if b.name != name {
			continue
		}
		if math.IsNaN(v) || v < b.lo || v > b.hi || (b.hiOpen && v == b.hi) {
			return &ParamError{Param: name, Value: v, Allowed: b.allowed}
		}
		*b.ptr(k) = v
		return nil
	}
	return fmt.Errorf("unknown v4.1 parameter %q: known are %s", name, strings.Join(V41ParamNames(), ", "))
}

// System is the linearisation at (0, 0), per step.
func (k V41Kinetics) System() stability.System {
	return stability.System{
		J: [2][2]float64{{k.RActivator, -k.RActivator}, {k.RInhibitor, -k.RInhibitor}},
		D: [2]float64{k.DActivator, k.DInhibitor},
	}
}
