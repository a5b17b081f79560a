package fractal

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"mfn/internal/pyfmt"
)

func TestFractalConfigValidation(t *testing.T) {
	cases := []struct {
		mod  func(*FractalConfig)
		want string
	}{
		{func(c *FractalConfig) { c.NumPoints = 500; c.NumTransforms = 1 },
			"num_points must be in [1000, 100000] for meaningful fractal structure (parameter='num_points', value=500.0, min=1000.0, max=100000.0)"},
		{func(c *FractalConfig) { c.NumTransforms = 9 },
			"num_transforms must be in [2, 8] for interesting patterns (parameter='num_transforms', value=9.0, min=2.0, max=8.0)"},
		{func(c *FractalConfig) { c.ScaleMin = 0; c.ScaleMax = 1 },
			"Minimum scale must be positive (> 0) (parameter='scale_min', value=0.0, min=0.0)"},
		{func(c *FractalConfig) { c.ScaleMax = 1 },
			"Maximum scale must be < 1 for contractive IFS. scale_max=1.0 would cause divergence."},
		{func(c *FractalConfig) { c.ScaleMin = 0.6 },
			"scale_min must be <= scale_max (parameter='scale_min')"},
		{func(c *FractalConfig) { c.TranslationRange = -1e-5 },
			"translation_range must be non-negative (parameter='translation_range', value=-1e-05, min=0.0)"},
		{func(c *FractalConfig) { c.TranslationRange = 2.5 },
			"translation_range must be <= 2.0 (parameter='translation_range', value=2.5, max=2.0)"},
		{func(c *FractalConfig) { c.MinBoxSize = 0 },
			"min_box_size must be >= 1 (parameter='min_box_size', value=0.0, min=1.0)"},
		{func(c *FractalConfig) { c.NumScales = 11 },
			"num_scales must be in [3, 10] for reliable dimension estimation (parameter='num_scales', value=11.0, min=3.0, max=10.0)"},
	}
	for _, c := range cases {
		cfg := DefaultFractalConfig()
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil || err.Error() != c.want {
			t.Errorf("got %v\nwant %s", err, c.want)
		}
		if _, err2 := NewGrowthEngine(cfg); err2 == nil {
			t.Errorf("NewGrowthEngine accepted %+v", cfg)
		}
	}
	var se *StabilityError
	cfg := DefaultFractalConfig()
	cfg.ScaleMax = 1.5
	if !errors.As(cfg.Validate(), &se) {
		t.Error("scale_max ≥ 1 must be a StabilityError")
	}
	if err := DefaultFractalConfig().Validate(); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

func TestPyFloat(t *testing.T) {
	for v, want := range map[float64]string{
		500: "500.0", 0.1: "0.1", 1e-5: "1e-05", 1e-4: "0.0001", 1e16: "1e+16", 2.5e17: "2.5e+17",
		123456789012345.6: "123456789012345.6", math.Inf(-1): "-inf", -0.5: "-0.5",
	} {
		if got := pyfmt.Float(v); got != want {
			t.Errorf("pyfmt.Float(%v) = %q, want %q", v, got, want)
		}
	}
	if pyfmt.Float(math.Copysign(0, -1)) != "-0.0" || pyfmt.Float(math.NaN()) != "nan" {
		t.Error("pyfmt.Float(-0, NaN)")
	}
}

func seeded(seed int64) FractalConfig {
	c := DefaultFractalConfig()
	c.RandomSeed = big.NewInt(seed)
	return c
}

// Spec §9.5: seed 42 with defaults reproduces §9.1.
func TestGrowthEngineIFS(t *testing.T) {
	e, err := NewGrowthEngine(seeded(42))
	if err != nil {
		t.Fatal(err)
	}
	if e.ValidateContraction() || e.Transforms() != nil {
		t.Error("no transforms before GenerateIFS")
	}
	pts, lyap, err := e.GenerateIFS(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := e.Metrics()
	if !near(lyap, -2.342536694280626) || len(pts) != 10000 || m.PointsGenerated != 10000 ||
		!m.IsContractive || !m.PointsBounded || !near(m.MaxPointDistance, 1.0520201601539985) {
		t.Errorf("λ %v, metrics %+v", lyap, m)
	}
	if !e.ValidateContraction() || len(e.Transforms()) != 4 {
		t.Error("contraction / transforms")
	}
	// generate_ifs resets first: a second call repeats the first.
	pts2, lyap2, _ := e.GenerateIFS(0, 0)
	if lyap2 != lyap || pts2[9999] != pts[9999] {
		t.Error("GenerateIFS is not reproducible")
	}
	small, _, err := e.GenerateIFS(50, 3)
	if err != nil || len(small) != 50 || len(e.Transforms()) != 3 {
		t.Errorf("overrides: %d points, %d maps, %v", len(small), len(e.Transforms()), err)
	}
	if _, _, err := e.GenerateIFS(-1, 0); err == nil {
		t.Error("negative num_points accepted")
	}
}

// Maps with scale ≈ 1 and wide translations wander far from the origin.
func TestGrowthEngineUnbounded(t *testing.T) {
	c := seeded(9)
	c.ScaleMin, c.ScaleMax, c.TranslationRange, c.NumPoints = 0.9999, 0.99999, 2.0, 20000
	e, err := NewGrowthEngine(c)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.GenerateIFS(0, 0)
	var se *StabilityError
	if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "IFS points unbounded (max distance = ") ||
		!strings.Contains(err.Error(), "). This indicates non-contractive dynamics. (value=") {
		t.Fatalf("error %v", err)
	}
	if e.Metrics().PointsBounded || e.Metrics().MaxPointDistance < 100 {
		t.Errorf("metrics %+v", e.Metrics())
	}
	c.CheckStability = false
	e, _ = NewGrowthEngine(c)
	if _, _, err := e.GenerateIFS(0, 0); err != nil {
		t.Errorf("check_stability=False still failed: %v", err)
	}
}

func TestGrowthEngineDimension(t *testing.T) {
	e, _ := NewGrowthEngine(seeded(0))
	d, err := e.EstimateDimension(randomMask(42, 64, 0.5), 64, 0, 0, 0)
	if err != nil || !near(d, 1.981386435739113) || !near(e.Metrics().DimensionRSquared, 0.999918093295569) ||
		e.Metrics().FractalDimension != d {
		t.Errorf("D %v R² %v err %v", d, e.Metrics().DimensionRSquared, err)
	}
	// Fewer than two usable scales: D is 0 and the previous R² stays.
	d, _ = e.EstimateDimension(make([]bool, 64*64), 64, 0, 0, 0)
	if d != 0 || !near(e.Metrics().DimensionRSquared, 0.999918093295569) {
		t.Errorf("empty: D %v R² %v", d, e.Metrics().DimensionRSquared)
	}
	if _, err := e.EstimateDimension(make([]bool, 10), 3, 0, 0, 0); err == nil ||
		!strings.HasPrefix(err.Error(), "binary_field must be square") {
		t.Errorf("shape error %v", err)
	}
	if _, err := e.EstimateDimension(make([]bool, 16), 4, -2, 0, 0); err == nil {
		t.Error("negative min box accepted")
	}
	if got := e.ComputeLyapunovFromHistory(rampHistory(5, 4), 1); !near(got, -0.9162907318741549) ||
		e.Metrics().LyapunovExponent != got {
		t.Errorf("history λ %v", got)
	}
}

func TestValidateDimensionRange(t *testing.T) {
	for _, c := range []struct {
		d        float64
		bio, out bool
	}{
		{1.4, true, true}, {1.9, true, true}, {1.39, true, false}, {1.95, true, false},
		{0, false, true}, {2, false, true}, {2.0001, false, false}, {-0.1, false, false},
		{math.NaN(), false, false},
	} {
		if got := ValidateDimensionRange(c.d, c.bio); got != c.out {
			t.Errorf("ValidateDimensionRange(%v, %v) = %v", c.d, c.bio, got)
		}
	}
}
