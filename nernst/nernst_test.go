package nernst

import (
	"errors"
	"math"
	"strings"
	"testing"

	"mfn/internal/pyfmt"
)

func TestConstants(t *testing.T) {
	if RTFZmV != 26.71224675678714 {
		t.Fatalf("RTFZmV = %v, want 26.71224675678714", RTFZmV)
	}
}

func TestPotentialObserved(t *testing.T) {
	// Observed reference values (spec §3.1), in volts.
	cases := []struct {
		z            int
		cOut, cIn, T float64
		want         float64
	}{
		{1, 0.005, 0.140, 310, -0.08901066911987907},
		{1, 0.145, 0.012, 310, 0.0665623001736488},
		{-1, 0.120, 0.004, 310, -0.09085362372749782},
		{2, 0.002, 1e-7, 310, 0.10151859103677918},
		{1, 0.020, 0.400, 291.65, -0.07528590979344527},
		{1, 0, 0.14, 310, -0.3165240353242169},
		{1, -1, 0.14, 310, -0.3165240353242169},
	}
	for _, c := range cases {
		got, err := Potential(c.z, c.cOut, c.cIn, c.T)
		if err != nil {
			t.Fatal(err)
		}
		// Compare in mV where the spec quotes mV, or directly.
		if got != c.want && got*1000 != c.want*1000 {
			t.Errorf("Potential(%d, %v, %v, %v) = %v, want %v", c.z, c.cOut, c.cIn, c.T, got, c.want)
		}
	}
}

func TestPotentialEdgeCases(t *testing.T) {
	if _, err := Potential(0, 0.005, 0.14, 310); !errors.Is(err, ErrZeroValence) {
		t.Fatalf("z=0: err = %v", err)
	}
	v, err := Potential(1, math.NaN(), 0.14, 310)
	if err != nil || !math.IsNaN(v) {
		t.Fatalf("NaN c_out: %v, %v; want NaN passed through", v, err)
	}
	if v, _ := Potential(3, 1, 0.001, 373); v != 0.0740070758099794 {
		t.Fatalf("z=3: %v", v)
	}
}

func TestSymbolicExample(t *testing.T) {
	got := SymbolicExample()
	if got != -0.08901066911987905 {
		t.Fatalf("SymbolicExample = %v, want -0.08901066911987905", got)
	}
	if got*1e3 != -89.01066911987905 {
		t.Fatalf("SymbolicExample mV = %v", got*1e3)
	}
	num, _ := Potential(1, 5e-3, 140e-3, BodyTemperatureK)
	if math.Abs(got-num) > 1e-10 {
		t.Fatalf("symbolic %v vs numeric %v", got, num)
	}
}

func TestLookupIon(t *testing.T) {
	for _, s := range []string{"K", "k", "K+", "Na", "cl", "Cl-", "Ca", "Ca2+"} {
		if _, ok := LookupIon(s); !ok {
			t.Errorf("LookupIon(%q) failed", s)
		}
	}
	if _, ok := LookupIon("Mg"); ok {
		t.Error("Mg found")
	}
	ca, _ := LookupIon("Ca")
	if v, _ := Potential(ca.Z, ca.COut, ca.CIn, 310); v != 0.10151859103677918 {
		t.Errorf("Ca: %v", v)
	}
}

func TestPyRepr(t *testing.T) {
	cases := map[float64]string{
		2: "2.0", 0.5: "0.5", 1e-7: "1e-07", 0.01: "0.01", 0.0001: "0.0001",
		1e-5: "1e-05", 1e15: "1000000000000000.0", 1e16: "1e+16", -0.15: "-0.15", 273: "273.0",
		math.Inf(1): "inf", math.Inf(-1): "-inf", math.NaN(): "nan", 1.5e300: "1.5e+300",
		math.Copysign(0, -1): "-0.0", 0.30000000000000004: "0.30000000000000004",
	}
	for v, want := range cases {
		if got := pyfmt.Float(v); got != want {
			t.Errorf("pyfmt.Float(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	mod := func(f func(*MembraneConfig)) MembraneConfig {
		c := DefaultMembraneConfig()
		f(&c)
		return c
	}
	cases := []struct {
		cfg  MembraneConfig
		want string
	}{
		{mod(func(c *MembraneConfig) { c.TemperatureK = 2 }),
			"Temperature must be in [273.0, 320.0] K (hypothermic to hyperthermic range) (parameter='temperature_k', value=2.0, min=273.0, max=320.0)"},
		{mod(func(c *MembraneConfig) { c.TemperatureK = math.NaN() }),
			"Temperature must be in [273.0, 320.0] K (hypothermic to hyperthermic range) (parameter='temperature_k', value=nan, min=273.0, max=320.0)"},
		{mod(func(c *MembraneConfig) { c.IonClampMin = 0 }),
			"Ion clamp minimum must be positive to prevent log(0) (parameter='ion_clamp_min', value=0.0, min=0.0)"},
		{mod(func(c *MembraneConfig) { c.Dt = 0.1 }),
			"Time step must be in [1e-07, 1e-02] seconds for numerical stability (parameter='dt', value=0.1, min=1e-07, max=0.01)"},
		{mod(func(c *MembraneConfig) { c.PotentialMinV = 0.1; c.PotentialMaxV = 0.1 }),
			"potential_min_v must be less than potential_max_v (parameter='potential_min_v')"},
		{mod(func(c *MembraneConfig) { c.PotentialMinV = -0.2 }),
			"potential_min_v cannot be below -150 mV (parameter='potential_min_v', value=-0.2, min=-0.15)"},
		{mod(func(c *MembraneConfig) { c.PotentialMaxV = 0.2 }),
			"potential_max_v cannot exceed 150 mV (parameter='potential_max_v', value=0.2, max=0.15)"},
		// Order: temperature is reported before dt.
		{mod(func(c *MembraneConfig) { c.TemperatureK = 400; c.Dt = 1 }),
			"Temperature must be in [273.0, 320.0] K (hypothermic to hyperthermic range) (parameter='temperature_k', value=400.0, min=273.0, max=320.0)"},
	}
	for _, c := range cases {
		_, err := NewMembraneEngine(c.cfg)
		if err == nil || err.Error() != c.want {
			t.Errorf("got %v\nwant %s", err, c.want)
		}
		var re *RangeError
		if !errors.As(err, &re) {
			t.Errorf("%v is not a RangeError", err)
		}
	}
	if err := DefaultMembraneConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestEngineNernst(t *testing.T) {
	e, err := NewMembraneEngine(DefaultMembraneConfig())
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.ComputeNernstPotential(1, 0.005, 0.14)
	if err != nil || v != -0.08901066911987907 {
		t.Fatalf("%v %v", v, err)
	}
	if e.Metrics().ClampingEvents != 0 {
		t.Fatal("unexpected clamping")
	}
	// Both clamped in one call: one event.
	if _, err := e.ComputeNernstPotential(2, 1e-7, 1e-8); err != nil {
		t.Fatal(err)
	}
	if got := e.Metrics().ClampingEvents; got != 1 {
		t.Fatalf("clamping events %d, want 1", got)
	}
	_, err = e.ComputeNernstPotential(3, 1, 0.001)
	want := "Ion valence must be one of (-2, -1, 1, 2) (biological ions: K⁺=+1, Na⁺=+1, Cl⁻=-1, Ca²⁺=+2) (parameter='z_valence', value=3.0)"
	if err == nil || err.Error() != want {
		t.Fatalf("z=3: %v", err)
	}
	_, err = e.ComputeNernstPotential(0, 1, 0.001)
	if err == nil || err.Error() != "Ion valence cannot be zero (parameter='z_valence', value=0)" {
		t.Fatalf("z=0: %v", err)
	}
	// NaN concentration: counted as clamped, then the NaN result is an instability error.
	_, err = e.ComputeNernstPotential(1, math.NaN(), 0.1)
	var ie *InstabilityError
	if !errors.As(err, &ie) || err.Error() != "NaN in Nernst potential calculation [field='potential', nan_count=1]" {
		t.Fatalf("NaN: %v", err)
	}
	m := e.Metrics()
	if !m.NaNDetected || m.ClampingEvents != 2 {
		t.Fatalf("metrics %+v", m)
	}
	_, err = e.ComputeNernstPotentialAt(1, math.Inf(1), 0.1, 310)
	if err == nil || !strings.HasPrefix(err.Error(), "Inf in Nernst potential calculation [field='potential', inf_count=1]") {
		t.Fatalf("Inf: %v", err)
	}
}

func TestEngineArray(t *testing.T) {
	e, _ := NewMembraneEngine(DefaultMembraneConfig())
	out, err := e.ComputeNernstPotentialArray(1, []float64{0.005, 0, 0.145}, []float64{0.14, 0.14, 0.012})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{-0.08901066911987907, -0.3165240353242169, 0.0665623001736488} {
		if out[i] != want {
			t.Errorf("out[%d] = %v, want %v", i, out[i], want)
		}
	}
	m := e.Metrics()
	if m.ClampingEvents != 1 || m.PotentialMinV != out[1] || m.PotentialMaxV != out[2] {
		t.Fatalf("metrics %+v", m)
	}
	if _, err := e.ComputeNernstPotentialArray(1, []float64{1}, []float64{1, 2}); err == nil {
		t.Fatal("length mismatch accepted")
	}
	_, err = e.ComputeNernstPotentialArray(1, []float64{math.NaN(), 1, math.NaN()}, []float64{1, 1, 1})
	if err == nil || !strings.Contains(err.Error(), "nan_count=2") {
		t.Fatalf("NaN array: %v", err)
	}
}

func TestIntegrateODE(t *testing.T) {
	decay := func(v, d []float64) {
		for i := range v {
			d[i] = -0.1 * v[i]
		}
	}
	for _, c := range []struct {
		s    Scheme
		want float64
	}{{Euler, -0.06930348489724414}, {RK4, -0.06930348836244167}} {
		cfg := DefaultMembraneConfig()
		cfg.Scheme = c.s
		e, _ := NewMembraneEngine(cfg)
		v, err := e.IntegrateODE([]float64{-0.07}, decay, 1000, true)
		if err != nil {
			t.Fatal(err)
		}
		if v[0] != c.want {
			t.Errorf("%v: %v, want %v", c.s, v[0], c.want)
		}
		m := e.Metrics()
		if m.StepsComputed != 1000 || m.PotentialMeanV != c.want || m.PotentialStdV != 0 {
			t.Errorf("%v metrics %+v", c.s, m)
		}
		sv, err := e.IntegrateODEScalar(-0.07, func(v float64) float64 { return -0.1 * v }, 1000, true)
		if err != nil || sv != c.want {
			t.Errorf("%v scalar: %v %v", c.s, sv, err)
		}
	}
	// Constant 1000 V/s from 0.1 V: clamped to 0.15 on each of 3 steps.
	e, _ := NewMembraneEngine(DefaultMembraneConfig())
	v, err := e.IntegrateODEScalar(0.1, func(float64) float64 { return 1000 }, 3, true)
	if err != nil || v != 0.15 || e.Metrics().ClampingEvents != 3 {
		t.Fatalf("clamp: %v %v %+v", v, err, e.Metrics())
	}
	// NaN derivative: caught at step 0; the NaN also counts as a clamping event.
	_, err = e.IntegrateODE([]float64{0, 0}, func(v, d []float64) { d[0], d[1] = math.NaN(), 0 }, 5, true)
	if err == nil || err.Error() != "NaN detected during ODE integration [field='potential', nan_count=1] (step=0)" {
		t.Fatalf("NaN ODE: %v", err)
	}
	if m := e.Metrics(); !m.NaNDetected || m.ClampingEvents != 1 || m.StepsComputed != 0 {
		t.Fatalf("NaN ODE metrics %+v", m)
	}
	_, err = e.IntegrateODE([]float64{0}, func(v, d []float64) { d[0] = math.Inf(1) }, 5, false)
	if err == nil || err.Error() != "Inf detected during ODE integration [field='potential', inf_count=1] (step=0)" {
		t.Fatalf("Inf ODE: %v", err)
	}
	if _, err := e.IntegrateODE(nil, func(v, d []float64) {}, 1, true); err == nil {
		t.Fatal("empty v0 accepted")
	}
	if _, err := e.IntegrateODE([]float64{0}, func(v, d []float64) {}, -1, true); err == nil {
		t.Fatal("negative steps accepted")
	}
}

func TestValidatePotentialRange(t *testing.T) {
	e, _ := NewMembraneEngine(DefaultMembraneConfig())
	if !e.ValidatePotentialRange([]float64{-0.15, 0.15, 0}, false) {
		t.Error("inclusive bounds rejected")
	}
	if e.ValidatePotentialRange([]float64{-0.1}, true) {
		t.Error("-0.1 V is outside the physiological range")
	}
	if e.ValidatePotentialRange([]float64{math.NaN()}, false) {
		t.Error("NaN accepted")
	}
}

func TestParseScheme(t *testing.T) {
	if s, err := ParseScheme("euler"); err != nil || s != Euler {
		t.Fatal(s, err)
	}
	if s, err := ParseScheme("RK4"); err != nil || s != RK4 {
		t.Fatal(s, err)
	}
	if _, err := ParseScheme("heun"); err == nil {
		t.Fatal("heun accepted")
	}
}

func BenchmarkPotential(b *testing.B) {
	for b.Loop() {
		v, _ := Potential(1, 5e-3, 140e-3, 310)
		sink = v
	}
}

var sink float64

func TestValidateInputs(t *testing.T) {
	if err := ValidateInputs(1, 0.005, 0.14, 310); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		z            int
		cOut, cIn, T float64
		param        string
	}{
		{0, 1, 1, 310, "z_valence"},
		{4, 1, 1, 310, "z_valence"},
		{-4, 1, 1, 310, "z_valence"},
		{1, 0, 1, 310, "concentration_out_molar"},
		{1, math.NaN(), 1, 310, "concentration_out_molar"},
		{1, 1, math.Inf(1), 310, "concentration_in_molar"},
		{1, 1, -1, 310, "concentration_in_molar"},
		{1, 1, 1, 400, "temperature_k"},
		{1, 1, 1, math.NaN(), "temperature_k"},
	}
	for _, c := range cases {
		err := ValidateInputs(c.z, c.cOut, c.cIn, c.T)
		var re *RangeError
		if !errors.As(err, &re) || re.Parameter != c.param {
			t.Errorf("%+v: %v, want a %s error", c, err, c.param)
		}
	}
	err := ValidateInputs(0, 1, 1, 310)
	if err.Error() != "z_valence must be a non-zero integer in [-3, 3] (parameter='z_valence', value=0, min=-3, max=3)" {
		t.Errorf("text: %v", err)
	}
}

// TestPotentialGlibcLog is issue 16's case: the reference's math.log is glibc's, which rounds
// log(0.01) differently from Go's math.Log. Reference value: Debian python3,
// (8.314*280)/(3*96485.33212)*math.log(0.002/0.2) = -0.037036606303474946; math.Log gives
// -0.03703660630347495.
func TestPotentialGlibcLog(t *testing.T) {
	got, err := Potential(3, 0.002, 0.2, 280)
	if err != nil {
		t.Fatal(err)
	}
	if want := -0.037036606303474946; got != want {
		t.Errorf("Potential(3, 0.002, 0.2, 280) = %v, want %v", got, want)
	}
	m, err := NewMembraneEngine(DefaultMembraneConfig())
	if err != nil {
		t.Fatal(err)
	}
	// The membrane engine accepts only biological valences; z = 2 reference (same python3):
	// (8.314*280)/(2*96485.33212)*math.log(0.002/0.2) = -0.05555490945521241.
	want2 := -0.05555490945521241
	s, err := m.ComputeNernstPotentialAt(2, 0.002, 0.2, 280)
	if err != nil {
		t.Fatal(err)
	}
	arr, err := m.ComputeNernstPotentialArrayAt(2, []float64{0.002}, []float64{0.2}, 280)
	if err != nil {
		t.Fatal(err)
	}
	if s != want2 || arr[0] != want2 {
		t.Errorf("membrane engine: scalar %v, array %v, want %v", s, arr[0], want2)
	}
}
