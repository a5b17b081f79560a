package nernst

import (
	"fmt"
	"math"

	"mfn/libm"
	"strings"

	"mfn/npexact"
)

// Bounds of the membrane engine (core/membrane_engine.py).
const (
	TemperatureMinK = 273.0
	TemperatureMaxK = 320.0
	DtMin           = 1e-7
	DtMax           = 1e-2
	// PotentialLimitV bounds |potential_min_v| and |potential_max_v|.
	PotentialLimitV = 0.150
	// PhysiologicalMinV and PhysiologicalMaxV are the strict bounds of ValidatePotentialRange.
	PhysiologicalMinV = -0.095
	PhysiologicalMaxV = 0.040
)

// AllowedValences are the valences MembraneEngine accepts (biological ions).
var AllowedValences = []int{-2, -1, 1, 2}

// RangeError is the reference's ValueOutOfRangeError. Value, Min and Max are nil when absent,
// otherwise an int or a float64, printed like Python's str() (so 2.0 prints as "2.0").
type RangeError struct {
	Message   string
	Parameter string
	Value     any
	Min, Max  any
}

func (e *RangeError) Error() string {
	var parts []string
	if e.Parameter != "" {
		parts = append(parts, "parameter='"+e.Parameter+"'")
	}
	if e.Value != nil {
		parts = append(parts, "value="+pyStr(e.Value))
	}
	if e.Min != nil {
		parts = append(parts, "min="+pyStr(e.Min))
	}
	if e.Max != nil {
		parts = append(parts, "max="+pyStr(e.Max))
	}
	if len(parts) == 0 {
		return e.Message
	}
	return e.Message + " (" + strings.Join(parts, ", ") + ")"
}

// InstabilityError is the reference's NumericalInstabilityError: NaN or Inf appeared.
// Step is -1 when the error is not tied to an integration step; counts are -1 when absent.
type InstabilityError struct {
	Message  string
	Step     int
	Field    string
	NaNCount int
	InfCount int
}

func (e *InstabilityError) Error() string {
	var parts []string
	if e.Field != "" {
		parts = append(parts, "field='"+e.Field+"'")
	}
	if e.NaNCount >= 0 {
		parts = append(parts, fmt.Sprintf("nan_count=%d", e.NaNCount))
	}
	if e.InfCount >= 0 {
		parts = append(parts, fmt.Sprintf("inf_count=%d", e.InfCount))
	}
	s := e.Message
	if len(parts) > 0 {
		s += " [" + strings.Join(parts, ", ") + "]"
	}
	if e.Step >= 0 {
		s += fmt.Sprintf(" (step=%d)", e.Step)
	}
	return s
}

// Scheme is the ODE integration scheme.
type Scheme int

const (
	// Euler is the explicit Euler method (the default).
	Euler Scheme = iota
	// RK4 is the classical fourth-order Runge–Kutta method.
	RK4
)

func (s Scheme) String() string {
	switch s {
	case Euler:
		return "euler"
	case RK4:
		return "rk4"
	}
	return fmt.Sprintf("Scheme(%d)", int(s))
}

// ParseScheme accepts "euler" or "rk4" (any case). Unlike the reference, where the string
// "euler" silently selected RK4, a string always means the scheme it names.
func ParseScheme(s string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "euler":
		return Euler, nil
	case "rk4":
		return RK4, nil
	}
	return 0, fmt.Errorf("integration_scheme=%q: must be one of euler, rk4", s)
}

// MembraneConfig configures a MembraneEngine. Start from DefaultMembraneConfig: the zero value
// is not valid. The reference's random_seed is omitted: its generator is never used.
type MembraneConfig struct {
	TemperatureK   float64
	IonClampMin    float64
	PotentialMinV  float64
	PotentialMaxV  float64
	Scheme         Scheme
	Dt             float64
	CheckStability bool
}

// DefaultMembraneConfig returns the reference's defaults.
func DefaultMembraneConfig() MembraneConfig {
	return MembraneConfig{
		TemperatureK:   BodyTemperatureK,
		IonClampMin:    IonClampMin,
		PotentialMinV:  -PotentialLimitV,
		PotentialMaxV:  PotentialLimitV,
		Scheme:         Euler,
		Dt:             1e-4,
		CheckStability: true,
	}
}

// Validate applies the reference's checks in its order with its messages. NaN fails every
// range check (the reference's comparisons would let it through).
func (c MembraneConfig) Validate() error {
	if !(c.TemperatureK >= TemperatureMinK && c.TemperatureK <= TemperatureMaxK) {
		return &RangeError{Message: "Temperature must be in [273.0, 320.0] K (hypothermic to hyperthermic range)",
			Parameter: "temperature_k", Value: c.TemperatureK, Min: TemperatureMinK, Max: TemperatureMaxK}
	}
	if !(c.IonClampMin > 0) || math.IsInf(c.IonClampMin, 1) {
		return &RangeError{Message: "Ion clamp minimum must be positive to prevent log(0)",
			Parameter: "ion_clamp_min", Value: c.IonClampMin, Min: 0.0}
	}
	if !(c.Dt >= DtMin && c.Dt <= DtMax) {
		return &RangeError{Message: "Time step must be in [1e-07, 1e-02] seconds for numerical stability",
			Parameter: "dt", Value: c.Dt, Min: DtMin, Max: DtMax}
	}
	if math.IsNaN(c.PotentialMinV) || math.IsNaN(c.PotentialMaxV) || c.PotentialMinV >= c.PotentialMaxV {
		return &RangeError{Message: "potential_min_v must be less than potential_max_v", Parameter: "potential_min_v"}
	}
	if c.PotentialMinV < -PotentialLimitV {
		return &RangeError{Message: "potential_min_v cannot be below -150 mV",
			Parameter: "potential_min_v", Value: c.PotentialMinV, Min: -PotentialLimitV}
	}
	if c.PotentialMaxV > PotentialLimitV {
		return &RangeError{Message: "potential_max_v cannot exceed 150 mV",
			Parameter: "potential_max_v", Value: c.PotentialMaxV, Max: PotentialLimitV}
	}
	if c.Scheme != Euler && c.Scheme != RK4 {
		return fmt.Errorf("integration_scheme=%d: must be Euler or RK4", int(c.Scheme))
	}
	return nil
}

// MembraneMetrics are the engine's counters (MembraneMetrics in the reference).
type MembraneMetrics struct {
	PotentialMinV  float64 `json:"potential_min_v"`
	PotentialMaxV  float64 `json:"potential_max_v"`
	PotentialMeanV float64 `json:"potential_mean_v"`
	PotentialStdV  float64 `json:"potential_std_v"`
	StepsComputed  int     `json:"steps_computed"`
	NaNDetected    bool    `json:"nan_detected"`
	InfDetected    bool    `json:"inf_detected"`
	ClampingEvents int     `json:"clamping_events"`
}

// MembraneEngine computes Nernst potentials and integrates membrane ODEs with validation,
// clamping and NaN/Inf detection. It is not safe for concurrent use (it updates its metrics).
type MembraneEngine struct {
	cfg     MembraneConfig
	metrics MembraneMetrics
}

// NewMembraneEngine validates cfg and returns an engine with zeroed metrics.
func NewMembraneEngine(cfg MembraneConfig) (*MembraneEngine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &MembraneEngine{cfg: cfg}, nil
}

// Config returns the engine's configuration.
func (e *MembraneEngine) Config() MembraneConfig { return e.cfg }

// Metrics returns a copy of the current metrics.
func (e *MembraneEngine) Metrics() MembraneMetrics { return e.metrics }

// ResetMetrics zeroes the metrics.
func (e *MembraneEngine) ResetMetrics() { e.metrics = MembraneMetrics{} }

func checkValence(z int) error {
	if z == 0 {
		return &RangeError{Message: "Ion valence cannot be zero", Parameter: "z_valence", Value: 0}
	}
	for _, a := range AllowedValences {
		if z == a {
			return nil
		}
	}
	return &RangeError{Message: "Ion valence must be one of (-2, -1, 1, 2) (biological ions: K⁺=+1, Na⁺=+1, Cl⁻=-1, Ca²⁺=+2)",
		Parameter: "z_valence", Value: float64(z)}
}

// ComputeNernstPotential is MembraneEngine.compute_nernst_potential at the configured
// temperature.
func (e *MembraneEngine) ComputeNernstPotential(z int, cOut, cIn float64) (float64, error) {
	return e.ComputeNernstPotentialAt(z, cOut, cIn, e.cfg.TemperatureK)
}

// ComputeNernstPotentialAt is compute_nernst_potential with an explicit temperature, which,
// as in the reference, is not range-checked. A clamped (or NaN) concentration counts one
// clamping event per call. With CheckStability a NaN or Inf result is an InstabilityError.
func (e *MembraneEngine) ComputeNernstPotentialAt(z int, cOut, cIn, tempK float64) (float64, error) {
	if err := checkValence(z); err != nil {
		return 0, err
	}
	co := pyMax(cOut, e.cfg.IonClampMin)
	ci := pyMax(cIn, e.cfg.IonClampMin)
	if co != cOut || ci != cIn {
		e.metrics.ClampingEvents++
	}
	v := potential(z, co, ci, tempK)
	if e.cfg.CheckStability {
		if math.IsNaN(v) {
			e.metrics.NaNDetected = true
			return v, &InstabilityError{Message: "NaN in Nernst potential calculation", Step: -1,
				Field: "potential", NaNCount: 1, InfCount: -1}
		}
		if math.IsInf(v, 0) {
			e.metrics.InfDetected = true
			return v, &InstabilityError{Message: "Inf in Nernst potential calculation", Step: -1,
				Field: "potential", NaNCount: -1, InfCount: 1}
		}
	}
	return v, nil
}

// ComputeNernstPotentialArray is compute_nernst_potential_array at the configured temperature.
func (e *MembraneEngine) ComputeNernstPotentialArray(z int, cOut, cIn []float64) ([]float64, error) {
	return e.ComputeNernstPotentialArrayAt(z, cOut, cIn, e.cfg.TemperatureK)
}

// ComputeNernstPotentialArrayAt is the element-wise form: every clamped (or NaN) element counts
// one clamping event; NaN/Inf results are errors when CheckStability is set; then the
// potential statistics of the result overwrite the metrics (which are not reset first).
func (e *MembraneEngine) ComputeNernstPotentialArrayAt(z int, cOut, cIn []float64, tempK float64) ([]float64, error) {
	if err := checkValence(z); err != nil {
		return nil, err
	}
	if len(cOut) != len(cIn) {
		return nil, fmt.Errorf("concentration arrays differ in length: c_out has %d, c_in has %d", len(cOut), len(cIn))
	}
	if len(cOut) == 0 {
		return nil, fmt.Errorf("concentration arrays are empty: need at least 1 element")
	}
	k := (rGas * tempK) / (float64(z) * faraday)
	out := make([]float64, len(cOut))
	nan, inf := 0, 0
	for i := range cOut {
		// np.maximum agrees with pyMax here: the clamp is never NaN, a NaN element stays NaN.
		co := pyMax(cOut[i], e.cfg.IonClampMin)
		ci := pyMax(cIn[i], e.cfg.IonClampMin)
		if co != cOut[i] {
			e.metrics.ClampingEvents++
		}
		if ci != cIn[i] {
			e.metrics.ClampingEvents++
		}
		v := k * libm.Log(co/ci)
		out[i] = v
		if math.IsNaN(v) {
			nan++
		} else if math.IsInf(v, 0) {
			inf++
		}
	}
	if e.cfg.CheckStability {
		if nan > 0 {
			e.metrics.NaNDetected = true
			return out, &InstabilityError{Message: "NaN in Nernst potential calculation", Step: -1,
				Field: "potential", NaNCount: nan, InfCount: -1}
		}
		if inf > 0 {
			e.metrics.InfDetected = true
			return out, &InstabilityError{Message: "Inf in Nernst potential calculation", Step: -1,
				Field: "potential", NaNCount: -1, InfCount: inf}
		}
	}
	e.setStats(out)
	return out, nil
}

func (e *MembraneEngine) setStats(v []float64) {
	e.metrics.PotentialMinV, e.metrics.PotentialMaxV = npexact.MinMax(v)
	e.metrics.PotentialMeanV = npexact.Mean(v)
	e.metrics.PotentialStdV = npexact.Std(v)
}

// Derivative computes dV/dt for the state v into dvdt (same length). It must not keep v.
type Derivative func(v, dvdt []float64)

// IntegrateODE is integrate_ode: it resets the metrics, advances v0 (left untouched) by steps
// Euler or RK4 steps of size Dt, clips to [PotentialMinV, PotentialMaxV] after each step when
// clamp is set (a NaN counts as a clamping event, as numpy's != says), and with CheckStability
// stops at the first step that leaves a NaN or Inf. The final state's statistics go into the
// metrics.
func (e *MembraneEngine) IntegrateODE(v0 []float64, f Derivative, steps int, clamp bool) ([]float64, error) {
	e.metrics = MembraneMetrics{}
	if len(v0) == 0 {
		return nil, fmt.Errorf("v0 is empty: need at least 1 element")
	}
	if f == nil {
		return nil, fmt.Errorf("derivative function is nil")
	}
	if steps < 0 {
		return nil, fmt.Errorf("steps=%d must be >= 0", steps)
	}
	n := len(v0)
	v := append([]float64(nil), v0...)
	dt := e.cfg.Dt
	k1 := make([]float64, n)
	var k2, k3, k4, tmp []float64
	if e.cfg.Scheme == RK4 {
		k2, k3, k4, tmp = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	half := 0.5 * dt
	sixth := dt / 6.0
	for s := 0; s < steps; s++ {
		if e.cfg.Scheme == Euler {
			f(v, k1)
			for i := range v {
				v[i] = v[i] + float64(dt*k1[i])
			}
		} else {
			f(v, k1)
			for i := range v {
				tmp[i] = v[i] + float64(half*k1[i])
			}
			f(tmp, k2)
			for i := range v {
				tmp[i] = v[i] + float64(half*k2[i])
			}
			f(tmp, k3)
			for i := range v {
				tmp[i] = v[i] + float64(dt*k3[i])
			}
			f(tmp, k4)
			for i := range v {
				sum := float64(float64(k1[i]+float64(2*k2[i]))+float64(2*k3[i])) + k4[i]
				v[i] = v[i] + float64(sixth*sum)
			}
		}
		if clamp {
			lo, hi := e.cfg.PotentialMinV, e.cfg.PotentialMaxV
			for i, x := range v {
				c := x
				if c < lo {
					c = lo
				} else if c > hi {
					c = hi
				}
				if c != x {
					e.metrics.ClampingEvents++
				}
				v[i] = c
			}
		}
		if e.cfg.CheckStability {
			nan, inf := 0, 0
			for _, x := range v {
				if math.IsNaN(x) {
					nan++
				} else if math.IsInf(x, 0) {
					inf++
				}
			}
			if nan > 0 {
				e.metrics.NaNDetected = true
				return v, &InstabilityError{Message: "NaN detected during ODE integration", Step: s,
					Field: "potential", NaNCount: nan, InfCount: -1}
			}
			if inf > 0 {
				e.metrics.InfDetected = true
				return v, &InstabilityError{Message: "Inf detected during ODE integration", Step: s,
					Field: "potential", NaNCount: -1, InfCount: inf}
			}
		}
		e.metrics.StepsComputed++
	}
	e.setStats(v)
	return v, nil
}

// IntegrateODEScalar is IntegrateODE for a scalar state and a scalar derivative.
func (e *MembraneEngine) IntegrateODEScalar(v0 float64, f func(v float64) float64, steps int, clamp bool) (float64, error) {
	if f == nil {
		return 0, fmt.Errorf("derivative function is nil")
	}
	v, err := e.IntegrateODE([]float64{v0}, func(v, dvdt []float64) { dvdt[0] = f(v[0]) }, steps, clamp)
	if len(v) == 0 {
		return 0, err
	}
	return v[0], err
}

// ValidatePotentialRange reports whether every element lies in the configured bounds, or in
// the physiological [-0.095, 0.040] V when strict is set (inclusive; NaN is out of range).
func (e *MembraneEngine) ValidatePotentialRange(v []float64, strict bool) bool {
	lo, hi := e.cfg.PotentialMinV, e.cfg.PotentialMaxV
	if strict {
		lo, hi = PhysiologicalMinV, PhysiologicalMaxV
	}
	for _, x := range v {
		if !(x >= lo && x <= hi) {
			return false
		}
	}
	return true
}
