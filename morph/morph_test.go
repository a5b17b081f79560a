package morph

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"mfn/field"
	"mfn/pattern"
)

func preset(t *testing.T, name string) Config {
	t.Helper()
	p, err := LookupPreset(name)
	if err != nil {
		t.Fatal(err)
	}
	return p.Config
}

// The measured wavelength of the final pattern is within 10 % of the fastest-growing discrete
// mode's, on a 128² grid, for every Turing preset and three other unstable parameter sets.
func TestWavelengthMatchesPrediction(t *testing.T) {
	type set struct {
		name   string
		base   string
		steps  int
		params []string
	}
	sets := []set{
		{"spots", "spots", 0, nil},
		{"stripes", "stripes", 0, nil},
		{"labyrinth", "labyrinth", 0, nil},
		{"spots kinetics, d ×1.3", "spots", 4000, []string{"d_a=0.65", "d_i=13", "dt=0.0096"}},
		{"κ = 0.05", "labyrinth", 6000, []string{"kappa=0.05", "d_a=0.6", "d_i=12", "dt=0.01"}},
		{"basal production σ_a = 0.1", "spots", 5000, []string{"sigma_a=0.1", "d_a=0.6", "d_i=12", "dt=0.01"}},
	}
	if testing.Short() {
		sets = sets[:3]
	}
	for _, s := range sets {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			c := preset(t, s.base)
			c.GridSize = 128
			if s.steps > 0 {
				c.Steps = s.steps
			}
			for _, p := range s.params {
				if err := c.Params.ParseParam(p); err != nil {
					t.Fatal(err)
				}
			}
			an, err := Analyze(c)
			if err != nil || !an.Turing {
				t.Fatalf("not Turing-unstable: %v %+v", err, an.Conditions)
			}
			r, err := Run(context.Background(), c, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := PatternOf(r, c)
			if err != nil {
				t.Fatal(err)
			}
			ratio := m.WavelengthCells / m.PredictedWavelengthCells
			t.Logf("measured %.3f cells, predicted %.3f (ratio %.3f), contrast %.3f", m.WavelengthCells, m.PredictedWavelengthCells, ratio, m.Contrast)
			if !m.Formed() || math.Abs(ratio-1) > 0.10 {
				t.Errorf("measured %.3f, predicted %.3f: ratio %.3f outside [0.9, 1.1] (contrast %.3f)", m.WavelengthCells, m.PredictedWavelengthCells, ratio, m.Contrast)
			}
			if r.TuringActivations == 0 {
				t.Error("no cell ever active")
			}
		})
	}
}

// Outside the Turing region nothing forms: the uniform preset, and the labyrinth's kinetics
// with the inhibitor diffusing slower than the activator.
func TestNoPatternOutsideTuringRegion(t *testing.T) {
	slow := preset(t, "labyrinth")
	slow.Params.DI = 0.5 // < d_a = 0.72
	for name, c := range map[string]Config{"uniform": preset(t, "uniform"), "d_i < d_a": slow} {
		an, err := Analyze(c)
		if err != nil {
			t.Fatal(err)
		}
		if an.Turing || an.GridUnstable {
			t.Errorf("%s: analysis says unstable: %+v", name, an.Conditions)
		}
		r, err := Run(context.Background(), c, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := PatternOf(r, c)
		if err != nil {
			t.Fatal(err)
		}
		if m.Formed() || m.Contrast >= pattern.NoPatternContrast || r.TuringActivations != 0 {
			t.Errorf("%s: contrast %g (bound %g), activations %d", name, m.Contrast, pattern.NoPatternContrast, r.TuringActivations)
		}
	}
	// The uniform preset sits just outside: 10 % more inhibitor range would be... still short
	// of the critical value only by UniformMargin.
	u := preset(t, "uniform").Params
	if crit := CriticalDI(u); math.Abs(u.DI/crit-UniformMargin) > 1e-9 {
		t.Errorf("uniform d_i = %v, critical %v", u.DI, crit)
	}
}

// The simulator's linear growth matches the dispersion relation of the stability analysis,
// under each boundary condition: a small perturbation shaped as one eigenmode of the grid
// grows (or decays) per step by the factor 1 + dt·λ of the explicit Euler step.
func TestLinearGrowthMatchesDispersion(t *testing.T) {
	for _, bc := range []field.Boundary{field.Periodic, field.Neumann, field.Dirichlet} {
		c := preset(t, "spots")
		c.GridSize, c.Boundary = 24, bc
		n := c.GridSize
		an, err := Analyze(c)
		if err != nil {
			t.Fatal(err)
		}
		s := newState(c)
		// The fastest mode's shape (M, N are its indices along the two axes).
		var th [2]float64
		for i, m := range []int{an.Fastest.M, an.Fastest.N} {
			switch bc {
			case field.Periodic:
				th[i] = 2 * math.Pi * float64(min(m, n-m)) / float64(n)
			case field.Neumann:
				th[i] = math.Pi * float64(m) / float64(n)
			default:
				th[i] = math.Pi * float64(m+1) / float64(n+1)
			}
		}
		phi := make([]float64, n*n)
		for r := 0; r < n; r++ {
			for col := 0; col < n; col++ {
				switch bc {
				case field.Periodic:
					phi[r*n+col] = math.Cos(th[0]*float64(r) + th[1]*float64(col))
				case field.Neumann:
					phi[r*n+col] = math.Cos(th[0]*(float64(r)+0.5)) * math.Cos(th[1]*(float64(col)+0.5))
				default:
					phi[r*n+col] = math.Sin(th[0]*float64(r+1)) * math.Sin(th[1]*float64(col+1))
				}
			}
		}
		const eps = 1e-7
		for k := range phi {
			s.a.cur[k] = s.aStar * (1 + eps*phi[k])
			s.i.cur[k] = s.iStar
		}
		amp := func() float64 {
			var dot, norm float64
			for k, p := range phi {
				dot += (s.a.cur[k] - s.aStar) * p
				norm += p * p
			}
			return dot / norm
		}
		// Let the mode settle on its fastest eigenvector, then measure the growth per step.
		for range 200 {
			s.step()
		}
		a0 := amp()
		const k = 100
		for range k {
			s.step()
		}
		got := (math.Pow(amp()/a0, 1.0/k) - 1) / c.Params.Dt
		if math.Abs(got-an.Fastest.Growth) > 1e-3*an.Fastest.Growth {
			t.Errorf("%v: measured growth %.6f per time unit, dispersion relation %.6f", bc, got, an.Fastest.Growth)
		}
	}
}

// Patterns form under every boundary condition, and Dirichlet holds the edge near a*.
func TestBoundaryConditions(t *testing.T) {
	for _, bc := range []field.Boundary{field.Periodic, field.Neumann, field.Dirichlet} {
		c := preset(t, "spots")
		c.Boundary = bc
		r, err := Run(context.Background(), c, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := PatternOf(r, c)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Formed() {
			t.Errorf("%v: no pattern (contrast %g)", bc, m.Contrast)
		}
		for _, v := range r.Field {
			if !(v >= MinVMV/1000 && v <= MaxVMV/1000) {
				t.Fatalf("%v: V = %v outside the reference's range", bc, v)
			}
		}
	}
}

func TestValidateNamesTheParameter(t *testing.T) {
	base := preset(t, "labyrinth")
	for _, c := range []struct {
		edit func(*Config)
		want []string
	}{
		{func(c *Config) { c.Params.Dt = 0.01 }, []string{"d_i=14.4", "CFL", "dt·d_i·4/h² ≤ 0.5"}},
		{func(c *Config) { c.Params.DA, c.Params.DI, c.Params.Dt = 10, 5, 0.013 }, []string{"d_a=10", "CFL"}},
		{func(c *Config) { c.Params.MuA, c.Params.MuI, c.Params.DI, c.Params.Dt = 90, 100, 1, 0.1 }, []string{"dt=0.1", "kinetics"}},
		{func(c *Config) { c.Params.TauV = 0.001 }, []string{"tau_v=0.001", "at least dt"}},
		{func(c *Config) { c.Params.MuI = 0.5 }, []string{"mu_i=0.5", "tr J"}},
		{func(c *Config) { c.Params.VRestMV, c.Params.VAmpMV = -40, 90 }, []string{"v_amp_mv=90", "40 mV"}},
		{func(c *Config) { c.Params.Kappa = math.NaN() }, []string{"kappa=NaN"}},
		{func(c *Config) { c.GridSize = 2 }, []string{"grid_size=2", "[4, 1024]"}},
		{func(c *Config) { c.Steps = 0 }, []string{"steps=0"}},
		{func(c *Config) { c.GridSize, c.Steps = 1024, MaxSteps }, []string{"steps=1e+06", "at most"}},
		{func(c *Config) { c.Noise = 0 }, []string{"noise=0"}},
		{func(c *Config) { c.Init = "zebra" }, []string{`init="zebra"`}},
		{func(c *Config) { c.Boundary = 9 }, []string{"boundary_condition=9"}},
	} {
		cfg := base
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("%+v: no error", cfg)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
		if _, err := Run(context.Background(), cfg, RunOptions{}); err == nil {
			t.Errorf("Run accepted %+v", cfg)
		}
	}
	for _, p := range Presets() {
		if err := p.Config.Validate(); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
	}
}

func TestPresetsAreWhereTheySayTheyAre(t *testing.T) {
	want := map[string]bool{"spots": true, "stripes": true, "labyrinth": true, "uniform": false}
	for _, p := range Presets() {
		an, err := Analyze(p.Config)
		if err != nil {
			t.Fatal(err)
		}
		if an.Turing != want[p.Name] {
			t.Errorf("%s: Turing = %v", p.Name, an.Turing)
		}
		delete(want, p.Name)
	}
	if len(want) != 0 {
		t.Errorf("missing presets %v", want)
	}
	if _, err := LookupPreset("zebra"); err == nil || !strings.Contains(err.Error(), "spots, stripes, labyrinth, uniform") {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestRunIsDeterministicAndRecords(t *testing.T) {
	c := preset(t, "labyrinth")
	c.GridSize, c.Steps = 16, 30
	frames := 0
	r1, err := Run(context.Background(), c, RunOptions{History: true, Frame: func(int, []float64) error { frames++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := GM{Config: c}.Simulate(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if frames != 30 || len(r1.Frames()) != 30 || len(r1.History) != 30*256 {
		t.Fatalf("frames %d, history %d", frames, len(r1.History))
	}
	for k := range r1.Field {
		if math.Float64bits(r1.Field[k]) != math.Float64bits(r2.Field[k]) || r1.History[29*256+k] != r1.Field[k] {
			t.Fatal("runs differ or the last frame is not the field")
		}
	}
	c.Seed++
	r3, _ := Run(context.Background(), c, RunOptions{})
	if r3.Activator[0] == r1.Activator[0] {
		t.Error("another seed gave the same activator")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, c, RunOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	stop := errors.New("stop")
	if _, err := Run(context.Background(), c, RunOptions{Frame: func(s int, _ []float64) error {
		if s == 3 {
			return stop
		}
		return nil
	}}); !errors.Is(err, stop) {
		t.Errorf("frame error: %v", err)
	}
	c.GridSize, c.Steps = 1024, 200
	if _, err := Run(context.Background(), c, RunOptions{History: true}); err == nil || !strings.Contains(err.Error(), "steps") {
		t.Errorf("oversized history: %v", err)
	}
}

// The v4.1 adapter gives field.RunWith's bits.
func TestV41ModelIsTheEngine(t *testing.T) {
	cfg := field.DefaultConfig()
	cfg.GridSize, cfg.Steps = 16, 20
	want, err := field.RunWith(cfg, field.RunOptions{History: true})
	if err != nil {
		t.Fatal(err)
	}
	var m Model = V41{Config: cfg}
	got, err := m.Simulate(context.Background(), RunOptions{History: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != ModelV41 || got.GrowthEvents != want.GrowthEvents || len(got.History) != len(want.History) {
		t.Fatalf("got %+v", got)
	}
	for k := range want.History {
		if math.Float64bits(got.History[k]) != math.Float64bits(want.History[k]) {
			t.Fatalf("history[%d] differs", k)
		}
	}
	if _, err := ParseModel("v5"); err == nil {
		t.Error("ParseModel accepted v5")
	}
}

// The reference's kinetics have det J = 0 at their only fixed point: never Turing-unstable.
func TestV41KineticsNeverTuring(t *testing.T) {
	k := DefaultV41Kinetics()
	s := k.System()
	if det := s.J[0][0]*s.J[1][1] - s.J[0][1]*s.J[1][0]; det != 0 {
		t.Errorf("det J = %v", det)
	}
	for _, p := range []string{"d_inhibitor=0.24", "d_activator=0.01", "r_activator=0.1", "r_inhibitor=0.001"} {
		if err := k.ParseParam(p); err != nil {
			t.Fatal(err)
		}
	}
	if d := k.System(); d.J[0][0]*d.J[1][1]-d.J[0][1]*d.J[1][0] != 0 {
		t.Error("det J ≠ 0")
	}
	if err := k.ParseParam("d_inhibitor=0.25"); err == nil || !strings.Contains(err.Error(), "d_inhibitor=0.25") {
		t.Errorf("CFL bound: %v", err)
	}
}

// Splitting the rows between workers changes no bit.
func TestWorkersDoNotChangeBits(t *testing.T) {
	c := preset(t, "spots")
	c.GridSize, c.Steps = 40, 300
	for _, bc := range []field.Boundary{field.Periodic, field.Neumann, field.Dirichlet} {
		c.Boundary = bc
		forceWorkers = 1
		one, err := Run(context.Background(), c, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		forceWorkers = 3
		three, err := Run(context.Background(), c, RunOptions{})
		forceWorkers = 0
		if err != nil {
			t.Fatal(err)
		}
		if one.TuringActivations != three.TuringActivations {
			t.Errorf("%v: activations %d vs %d", bc, one.TuringActivations, three.TuringActivations)
		}
		for k := range one.Field {
			if math.Float64bits(one.Field[k]) != math.Float64bits(three.Field[k]) || one.Activator[k] != three.Activator[k] {
				t.Fatalf("%v: cell %d differs", bc, k)
			}
		}
	}
}

func TestPresetConfig(t *testing.T) {
	c, err := PresetConfig("spots", map[string]float64{"kappa": 0.05, "theta": 2})
	if err != nil || c.Params.Kappa != 0.05 || c.Params.Theta != 2 || c.Params.DI != 10 {
		t.Errorf("%+v, %v", c.Params, err)
	}
	if _, err := PresetConfig("spots", map[string]float64{"zeta": 1}); err == nil || !strings.Contains(err.Error(), "zeta") {
		t.Errorf("unknown override: %v", err)
	}
	if _, err := PresetConfig("spots", map[string]float64{"dt": 0.5}); err == nil || !strings.Contains(err.Error(), "CFL") {
		t.Errorf("CFL: %v", err)
	}
	if _, err := PresetConfig("zebra", nil); err == nil {
		t.Error("unknown preset accepted")
	}
}

// Each Turing preset's run ends with the pattern formed, not in transit: half as many steps
// again change its contrast by less than 10 % and its wavelength by less than 5 %.
func TestPresetsEndFormed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every Turing preset twice (-short)")
	}
	for _, name := range []string{"spots", "stripes", "labyrinth"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := preset(t, name)
			var ms [2]pattern.Measure
			for i, steps := range []int{c.Steps, c.Steps * 3 / 2} {
				c.Steps = steps
				r, err := Run(context.Background(), c, RunOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if ms[i], err = PatternOf(r, c); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("contrast %.3f → %.3f, wavelength %.3f → %.3f", ms[0].Contrast, ms[1].Contrast, ms[0].WavelengthCells, ms[1].WavelengthCells)
			if ms[0].Contrast < 0.9*ms[1].Contrast || math.Abs(ms[0].WavelengthCells/ms[1].WavelengthCells-1) > 0.05 {
				t.Errorf("still forming at the preset's end: contrast %.3f → %.3f, wavelength %.3f → %.3f",
					ms[0].Contrast, ms[1].Contrast, ms[0].WavelengthCells, ms[1].WavelengthCells)
			}
		})
	}
}
