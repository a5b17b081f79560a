package field

import (
	"errors"
	"math"
	"testing"

	"mfn/npexact"
	"mfn/rng"
)

// Engine outputs quoted in docs/spec/core.md §6.5 (seed 42, 64×64, 64 steps).
func TestEngineBoundaryTable(t *testing.T) {
	for _, c := range []struct {
		name                  string
		bc                    Boundary
		turing, jitter        bool
		steps                 int
		growth, clamping      int
		sum, std, lo, hi, v00 float64
		act, inh              float64
	}{
		{"periodic", Periodic, true, false, 64, 14, 0, -286.84600312073167, 0.0003302476077214526, -0.07070938698488535, -0.06730757873491175, -0.07024271089420192, 0.04731262474578042, 0.048681654878714},
		{"periodic+jitter", Periodic, true, true, 64, 16, 12833, -147.47384568400682, 0.02798741652082613, -0.095, 0.04, -0.0047151491388682625, 0.04731262474578042, 0.048681654878714},
		{"neumann", Neumann, true, false, 64, 14, 0, -286.84600312073167, 0.0003546246687352667, -0.07079279283498144, -0.06730789535800707, -0.07033205957457994, 0.047310400328267624, 0.04868072142092443},
		{"dirichlet", Dirichlet, true, false, 64, 14, 0, -229.72413609776052, 0.01901074666841231, -0.0707093343506551, -0.0018633979133726739, -0.0018851082756386449, 0.04019293694497496, 0.04290609731563147},
		{"periodic 1000 steps", Periodic, true, false, 1000, 253, 0, -282.19862374175955, 0.00018855430426375992, -0.06918995624985237, -0.06497026614735042, -0.06887916056715902, 0.02450439983715747, 0.025180385308360313},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultEngineConfig(42)
			cfg.Boundary = c.bc
			cfg.QuantumJitter = c.jitter
			e, err := NewEngine(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.Simulate(c.steps, c.turing, false)
			if err != nil {
				t.Fatal(err)
			}
			m := r.Metrics
			if m.GrowthEvents != c.growth || m.ClampingEvents != c.clamping || m.TuringActivations != 0 {
				t.Errorf("growth %d clamping %d turing %d, want %d %d 0", m.GrowthEvents, m.ClampingEvents, m.TuringActivations, c.growth, c.clamping)
			}
			for _, v := range []struct {
				what      string
				got, want float64
			}{
				{"sum", npexact.Sum(r.Field), c.sum}, {"std", m.FieldStdV, c.std}, {"min", m.FieldMinV, c.lo},
				{"max", m.FieldMaxV, c.hi}, {"V[0][0]", r.Field[0], c.v00},
				{"activator mean", m.ActivatorMean, c.act}, {"inhibitor mean", m.InhibitorMean, c.inh},
			} {
				if v.got != v.want {
					t.Errorf("%s = %v, want %v", v.what, v.got, v.want)
				}
			}
		})
	}
}

// With Turing off the engine still draws the activator and inhibitor: same field as Turing on
// (Turing never fires at threshold 0.75), and the initial activator/inhibitor means.
func TestEngineTuringOffKeepsField(t *testing.T) {
	e, _ := NewEngine(DefaultEngineConfig(42))
	on, _ := e.Simulate(64, true, false)
	off, _ := e.Simulate(64, false, false)
	for i := range on.Field {
		if on.Field[i] != off.Field[i] {
			t.Fatalf("field differs at %d", i)
		}
	}
	if off.Metrics.ActivatorMean != 0.049467716221065806 || off.Metrics.InhibitorMean != 0.04993160167418528 {
		t.Errorf("turing-off means %v %v", off.Metrics.ActivatorMean, off.Metrics.InhibitorMean)
	}
}

// Legacy outputs quoted in docs/spec/core.md §5.3, including the next random() after the call,
// which pins the total consumption of the generator.
func TestLegacyTable(t *testing.T) {
	for _, c := range []struct {
		name               string
		mod                func(*LegacyParams)
		growth             int
		sum, mean, std, v0 float64
		next               float64
	}{
		{"defaults", func(*LegacyParams) {}, 14, -286.84600312073167, -0.07003076248064738, 0.0003302476077214526, -0.07024271089420192, 0.6534904689480839},
		{"no turing", func(p *LegacyParams) { p.TuringEnabled = false }, 20, -286.7051513142553, -0.06999637483258186, 0.0003530270813001313, -0.0702554938854188, 0.4448357592818618},
		{"jitter", func(p *LegacyParams) { p.QuantumJitter = true }, 16, -147.47384568400682, -0.03600435685644698, 0.02798741652082613, -0.0047151491388682625, 0.8998502549254559},
		{"32x32", func(p *LegacyParams) { p.GridSize, p.Steps = 32, 32 }, 11, -71.6286957055981, -0.06994989814999815, 0.0005591327365361042, -0.06945372732427692, 0.9643670083303999},
		{"16x10 p=1", func(p *LegacyParams) { p.GridSize, p.Steps, p.SpikeProbability = 16, 10, 1 }, 10, -17.7632089477573, -0.06938753495217695, 0.0011759790439305477, -0.06923412641743656, 0.17294393644207806},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultLegacy()
			c.mod(&p)
			g := rng.New(42)
			r, err := SimulateLegacy(g, p)
			if err != nil {
				t.Fatal(err)
			}
			if r.GrowthEvents != c.growth {
				t.Errorf("growth = %d, want %d", r.GrowthEvents, c.growth)
			}
			for _, v := range []struct {
				what      string
				got, want float64
			}{{"sum", npexact.Sum(r.Field), c.sum}, {"mean", npexact.Mean(r.Field), c.mean}, {"std", npexact.Std(r.Field), c.std},
				{"V[0][0]", r.Field[0], c.v0}, {"next random", g.Random(), c.next}} {
				if v.got != v.want {
					t.Errorf("%s = %v, want %v", v.what, v.got, v.want)
				}
			}
		})
	}
}

func TestValidationMessages(t *testing.T) {
	for _, c := range []struct {
		mod  func(*EngineConfig)
		want string
	}{
		{func(c *EngineConfig) { c.GridSize = 2 }, "Grid size must be in [4, 1024] (parameter='grid_size', value=2.0, min=4.0, max=1024.0)"},
		{func(c *EngineConfig) { c.Alpha = 0.25 }, "alpha=0.25 exceeds CFL stability limit of 0.25. Reduce to maintain numerical stability."},
		{func(c *EngineConfig) { c.Alpha = 0.01 }, "alpha must be in [0.05, 0.25) (parameter='alpha', value=0.01, min=0.05, max=0.25)"},
		{func(c *EngineConfig) { c.TuringThreshold = 0.3 }, "turing_threshold must be in [0.5, 0.95] for meaningful pattern activation (parameter='turing_threshold', value=0.3, min=0.5, max=0.95)"},
		{func(c *EngineConfig) { c.JitterVar = 0.02 }, "jitter_var must be in [0.0, 0.01] for stability (parameter='jitter_var', value=0.02, min=0.0, max=0.01)"},
		{func(c *EngineConfig) { c.SpikeProbability = math.NaN() }, "Spike probability must be in [0, 1] (parameter='spike_probability', value=nan, min=0.0, max=1.0)"},
		{func(c *EngineConfig) { c.DActivator = math.Inf(1) }, "d_activator=+Inf exceeds CFL stability limit of 0.25. Reduce to maintain numerical stability."},
	} {
		cfg := DefaultEngineConfig(1)
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil || err.Error() != c.want {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	var se *StabilityError
	cfg := DefaultEngineConfig(1)
	cfg.Alpha = 0.3
	if !errors.As(cfg.Validate(), &se) {
		t.Error("alpha 0.3 is not a StabilityError")
	}
}

func TestLegacyValidation(t *testing.T) {
	for _, mod := range []func(*LegacyParams){
		func(p *LegacyParams) { p.GridSize = 0 },
		func(p *LegacyParams) { p.GridSize = MaxGrid + 1 },
		func(p *LegacyParams) { p.Steps = -1 },
		func(p *LegacyParams) { p.Alpha = math.NaN() },
		func(p *LegacyParams) { p.Alpha = 1.5 },
		func(p *LegacyParams) { p.SpikeProbability = -0.1 },
		func(p *LegacyParams) { p.TuringThreshold = math.Inf(1) },
		func(p *LegacyParams) { p.JitterVar = -1 },
	} {
		p := DefaultLegacy()
		mod(&p)
		if _, err := SimulateLegacy(rng.New(0), p); err == nil {
			t.Errorf("accepted %+v", p)
		}
	}
}

func TestSmallGridsAndZeroSteps(t *testing.T) {
	for n := 1; n <= 5; n++ {
		p := DefaultLegacy()
		p.GridSize, p.Steps, p.SpikeProbability = n, 20, 1
		r, err := SimulateLegacy(rng.New(3), p)
		if err != nil || len(r.Field) != n*n {
			t.Fatalf("n=%d: %v", n, err)
		}
	}
	p := DefaultLegacy()
	p.Steps = 0
	g := rng.New(42)
	r, _ := SimulateLegacy(g, p)
	init := make([]float64, 64*64)
	rng.New(42).FillNormal(init, -0.07, 0.005)
	for i := range init {
		if r.Field[i] != init[i] {
			t.Fatal("0 steps did not return the initial field")
		}
	}
}

// The parallel row split must give the same bits as one worker.
func TestParallelStepIsBitIdentical(t *testing.T) {
	p := DefaultLegacy()
	p.GridSize, p.Steps, p.QuantumJitter, p.TuringThreshold = 256, 12, true, 0.05
	par, _ := SimulateLegacy(rng.New(9), p)
	k := newKernel(256, Periodic)
	if k.workers < 2 {
		t.Skip("single CPU: no parallel split to compare")
	}
	seq := serialLegacy(t, p)
	for i := range seq {
		if seq[i] != par.Field[i] {
			t.Fatalf("cell %d: parallel %v, serial %v", i, par.Field[i], seq[i])
		}
	}
}

func serialLegacy(t *testing.T, p LegacyParams) []float64 {
	t.Helper()
	old := forceWorkers
	forceWorkers = 1
	defer func() { forceWorkers = old }()
	r, err := SimulateLegacy(rng.New(9), p)
	if err != nil {
		t.Fatal(err)
	}
	return r.Field
}

func TestHistoryAndSeedReproducible(t *testing.T) {
	c := DemoConfig()
	a, err := RunWithHistory(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RunWithHistory(c)
	if len(a.Frames()) != c.Steps {
		t.Fatalf("frames = %d", len(a.Frames()))
	}
	last := a.Frames()[c.Steps-1]
	for i := range a.Field {
		if a.Field[i] != b.Field[i] || last[i] != a.Field[i] {
			t.Fatal("same seed gave different bits, or history[-1] != field")
		}
	}
	c.Seed = nil
	r, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Seed = &r.Seed
	r2, _ := Run(c)
	if r2.Field[0] != r.Field[0] {
		t.Fatal("a random seed, reported and reused, did not reproduce the run")
	}
}

func simulateLegacySeed(seed uint64, p LegacyParams) (*LegacyResult, error) {
	return SimulateLegacy(rng.New(seed), p)
}
