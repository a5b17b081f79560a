package morph

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"mfn/stability"
)

// Params are the coefficients of the Gierer–Meinhardt model with activator saturation
// (Koch & Meinhardt 1994, Rev. Mod. Phys. 66:1481, eq. 2–3; Meinhardt 1982), in cells and
// time units:
//
//	∂a/∂t = d_a ∇²a + ρ·a²/(i·(1 + κa²)) − μ_a·a + σ_a
//	∂i/∂t = d_i ∇²i + ρ·a² − μ_i·i
//
// and of its coupling to the membrane potential V (mV): V relaxes with time constant tau_v
// towards v_rest + v_amp·a/(a + a*), so a cell at the homogeneous activator level a* sits at
// v_rest + v_amp/2 and active regions (a > a*) raise V.
type Params struct {
	DA     float64 `json:"d_a"`     // activator diffusion, cells²/time
	DI     float64 `json:"d_i"`     // inhibitor diffusion, cells²/time
	Rho    float64 `json:"rho"`     // production rate ρ
	Kappa  float64 `json:"kappa"`   // activator saturation κ (0: none)
	MuA    float64 `json:"mu_a"`    // activator decay μ_a
	MuI    float64 `json:"mu_i"`    // inhibitor decay μ_i
	SigmaA float64 `json:"sigma_a"` // basal activator production σ_a
	Dt     float64 `json:"dt"`      // time step
	// Theta is the activation threshold relative to a*: a cell is "active" (counted in
	// turing_activations) in a step where a > theta·a*.
	Theta   float64 `json:"theta"`
	VRestMV float64 `json:"v_rest_mv"` // resting potential, mV
	VAmpMV  float64 `json:"v_amp_mv"`  // depolarisation of a fully active cell, mV
	TauV    float64 `json:"tau_v"`     // relaxation time of V, time units
}

// Membrane potential range of the reference (field clamp), mV.
const (
	MinVMV = -95.0
	MaxVMV = 40.0
)

// Stability limits of the explicit Euler step that Validate enforces (h = 1 cell):
// dt·D·4/h² ≤ DiffusionCFL for both species (the 2-D 5-point Laplacian's largest eigenvalue
// is 8/h², so this keeps 1 − dt·D·8/h² ≥ 0: no mode flips sign from one step to the next),
// and dt·max(μ_a, μ_i, |f_a|) ≤ KineticsCFL for the reaction terms, and dt/tau_v ≤ 1.
const (
	DiffusionCFL = 0.5
	KineticsCFL  = 0.5
)

// ParamError reports a parameter outside its allowed range: the parameter, the value and
// what is allowed.
type ParamError struct {
	Param   string
	Value   float64
	Allowed string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%s=%s: must be %s", e.Param, strconv.FormatFloat(e.Value, 'g', -1, 64), e.Allowed)
}

// paramSpec describes one parameter for parsing, listing and range checks.
type paramSpec struct {
	name   string
	doc    string
	lo, hi float64 // inclusive bounds
	loOpen bool    // lo itself not allowed
	ptr    func(*Params) *float64
}

var paramSpecs = []paramSpec{
	{"d_a", "activator diffusion (cells²/time)", 0, 10, true, func(p *Params) *float64 { return &p.DA }},
	{"d_i", "inhibitor diffusion (cells²/time)", 0, 100, true, func(p *Params) *float64 { return &p.DI }},
	{"rho", "production rate ρ", 0, 100, true, func(p *Params) *float64 { return &p.Rho }},
	{"kappa", "activator saturation κ", 0, 100, false, func(p *Params) *float64 { return &p.Kappa }},
	{"mu_a", "activator decay μ_a", 0, 100, true, func(p *Params) *float64 { return &p.MuA }},
	{"mu_i", "inhibitor decay μ_i", 0, 100, true, func(p *Params) *float64 { return &p.MuI }},
	{"sigma_a", "basal activator production σ_a", 0, 100, false, func(p *Params) *float64 { return &p.SigmaA }},
	{"dt", "time step", 0, 1, true, func(p *Params) *float64 { return &p.Dt }},
	{"theta", "activation threshold relative to a*", 1, 100, true, func(p *Params) *float64 { return &p.Theta }},
	{"v_rest_mv", "resting potential (mV)", MinVMV, -40, false, func(p *Params) *float64 { return &p.VRestMV }},
	{"v_amp_mv", "depolarisation of a fully active cell (mV)", 0, MaxVMV - MinVMV, false, func(p *Params) *float64 { return &p.VAmpMV }},
	{"tau_v", "relaxation time of V (time units)", 0, 1e6, true, func(p *Params) *float64 { return &p.TauV }},
}

// ParamNames lists the parameter names that ParseParam and Set accept, in order.
func ParamNames() []string {
	out := make([]string, len(paramSpecs))
	for i, s := range paramSpecs {
		out[i] = s.name
	}
	return out
}

// ParamDoc returns the description and allowed range of a parameter ("" when unknown).
func ParamDoc(name string) string {
	for _, s := range paramSpecs {
		if s.name == name {
			return fmt.Sprintf("%s, %s", s.doc, s.allowed())
		}
	}
	return ""
}

func (s paramSpec) allowed() string {
	l := "["
	if s.loOpen {
		l = "("
	}
	return fmt.Sprintf("in %s%g, %g]", l, s.lo, s.hi)
}

// Get returns the value of the named parameter.
func (p Params) Get(name string) (float64, bool) {
	for _, s := range paramSpecs {
		if s.name == name {
			return *s.ptr(&p), true
		}
	}
	return 0, false
}

// Map returns the parameters by name.
func (p Params) Map() map[string]float64 {
	m := make(map[string]float64, len(paramSpecs))
	for _, s := range paramSpecs {
		m[s.name] = *s.ptr(&p)
	}
	return m
}

// Set sets the named parameter, checking its range (not the cross-parameter conditions,
// which Validate checks).
func (p *Params) Set(name string, v float64) error {
	for _, s := range paramSpecs {
		if s.name != name {
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < s.lo || v > s.hi || (s.loOpen && v == s.lo) {
			return &ParamError{Param: name, Value: v, Allowed: s.allowed()}
		}
		*s.ptr(p) = v
		return nil
	}
	names := ParamNames()
	sort.Strings(names)
	return fmt.Errorf("unknown parameter %q: known are %s", name, strings.Join(names, ", "))
}

// ParseParam applies one "name=value" assignment (the CLI's --param and the service's
// parameter overrides) to p.
func (p *Params) ParseParam(assignment string) error {
	name, val, ok := strings.Cut(assignment, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("--param %q: want name=value, e.g. kappa=0.1 (names: %s)", assignment, strings.Join(ParamNames(), ", "))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil {
		return fmt.Errorf("--param %q: value %q is not a number", assignment, val)
	}
	return p.Set(name, v)
}

// SteadyState is the homogeneous steady state (a*, i*): i* = ρa*²/μ_i and a* the unique
// positive root of μ_i/(1 + κa²) + σ_a = μ_a·a (the left side falls, the right rises).
func (p Params) SteadyState() (a, i float64) {
	lo, hi := 0.0, (p.MuI+p.SigmaA)/p.MuA // at hi the left side ≤ μ_i + σ_a = right side
	for it := 0; it < 200; it++ {
		m := (lo + hi) / 2
		if p.MuI/(1+p.Kappa*m*m)+p.SigmaA > p.MuA*m {
			lo = m
		} else {
			hi = m
		}
	}
	a = (lo + hi) / 2
	return a, p.Rho * a * a / p.MuI
}

// Jacobian is the kinetics' Jacobian at the steady state (a*, i*):
//
//	f_a = 2μ_i/(a*(1+κa*²)²) − μ_a   f_i = −μ_i²/(ρa*²(1+κa*²))
//	g_a = 2ρa*                        g_i = −μ_i
func (p Params) Jacobian() [2][2]float64 {
	a, _ := p.SteadyState()
	s := 1 + p.Kappa*a*a
	return [2][2]float64{
		{2*p.MuI/(a*s*s) - p.MuA, -p.MuI * p.MuI / (p.Rho * a * a * s)},
		{2 * p.Rho * a, -p.MuI},
	}
}

// System is the linearisation that package stability analyses.
func (p Params) System() stability.System {
	return stability.System{J: p.Jacobian(), D: [2]float64{p.DA, p.DI}}
}

// Validate checks every parameter's range, the explicit step's stability limits
// (DiffusionCFL, KineticsCFL, dt ≤ tau_v) and that the homogeneous state is stable without
// diffusion (tr J < 0, det J > 0: otherwise the kinetics oscillate or run away, which is not
// a Turing system). Whether diffusion destabilises it is reported by Analyze, not refused:
// the "uniform" preset lies just outside the Turing region on purpose.
func (p Params) Validate() error {
	for _, s := range paramSpecs {
		v := *s.ptr(&p)
		if math.IsNaN(v) || math.IsInf(v, 0) || v < s.lo || v > s.hi || (s.loOpen && v == s.lo) {
			return &ParamError{Param: s.name, Value: v, Allowed: s.allowed()}
		}
	}
	if p.VRestMV+p.VAmpMV > MaxVMV {
		return &ParamError{Param: "v_amp_mv", Value: p.VAmpMV, Allowed: fmt.Sprintf("at most %g − v_rest_mv = %g (V stays ≤ %g mV)", MaxVMV, MaxVMV-p.VRestMV, MaxVMV)}
	}
	for _, d := range []struct {
		name string
		v    float64
	}{{"d_a", p.DA}, {"d_i", p.DI}} {
		if c := p.Dt * d.v * 4; c > DiffusionCFL {
			return &ParamError{Param: d.name, Value: d.v, Allowed: fmt.Sprintf("at most %g/(4·dt) = %g with dt=%g (CFL: dt·%s·4/h² ≤ %g, here %g)",
				DiffusionCFL, DiffusionCFL/(4*p.Dt), p.Dt, d.name, DiffusionCFL, c)}
		}
	}
	j := p.Jacobian()
	rate := max(p.MuA, p.MuI, math.Abs(j[0][0]))
	if p.Dt*rate > KineticsCFL {
		return &ParamError{Param: "dt", Value: p.Dt, Allowed: fmt.Sprintf("at most %g/max(μ_a, μ_i, |f_a|) = %g (kinetics: dt·%g ≤ %g)",
			KineticsCFL, KineticsCFL/rate, rate, KineticsCFL)}
	}
	if p.Dt > p.TauV {
		return &ParamError{Param: "tau_v", Value: p.TauV, Allowed: fmt.Sprintf("at least dt = %g", p.Dt)}
	}
	tr, det := j[0][0]+j[1][1], j[0][0]*j[1][1]-j[0][1]*j[1][0]
	if !(tr < 0) {
		return &ParamError{Param: "mu_i", Value: p.MuI, Allowed: fmt.Sprintf("large enough that tr J = f_a − μ_i < 0 (here %g): the homogeneous state must be stable without diffusion", tr)}
	}
	if !(det > 0) {
		return &ParamError{Param: "kappa", Value: p.Kappa, Allowed: fmt.Sprintf("such that det J > 0 (here %g)", det)}
	}
	return nil
}
