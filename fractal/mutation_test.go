package fractal

// Assertions found missing by mutation testing (gremlins, docs/quality.md): the inclusive
// ends of every validated range (spec §9.2, §9.5), the two-point fit, R² with ss_tot = 0, and
// the threshold's strict inequality. Fitted values come from the reference's formula run with
// numpy 1.24.2 (np.polyfit, spec §9.2 steps 7–8), quoted in the comments.

import (
	"math"
	"math/big"
	"slices"
	"testing"

	"mfn/rng"
)

func allTrue(n int) []bool { return fullMask(n, func(int, int) bool { return true }) }

// Spec §9.5: num_points ∈ [1000, 100000], num_transforms ∈ [2, 8], scale_min > 0, scale_max
// < 1, scale_min ≤ scale_max, translation_range ∈ [0, 2], min_box_size ≥ 1, num_scales ∈
// [3, 10] — each bound itself is accepted, the next value outside is rejected.
func TestFractalConfigBoundsInclusive(t *testing.T) {
	type mod func(*FractalConfig)
	accept := []mod{
		func(c *FractalConfig) { c.NumPoints = 1000 },
		func(c *FractalConfig) { c.NumPoints = 100000 },
		func(c *FractalConfig) { c.NumTransforms = 2 },
		func(c *FractalConfig) { c.NumTransforms = 8 },
		func(c *FractalConfig) { c.ScaleMin = 5e-324 },
		func(c *FractalConfig) { c.ScaleMax = math.Nextafter(1, 0) },
		func(c *FractalConfig) { c.ScaleMin, c.ScaleMax = 0.3, 0.3 },
		func(c *FractalConfig) { c.TranslationRange = 0 },
		func(c *FractalConfig) { c.TranslationRange = 2.0 },
		func(c *FractalConfig) { c.MinBoxSize = 1 },
		func(c *FractalConfig) { c.NumScales = 3 },
		func(c *FractalConfig) { c.NumScales = 10 },
		func(c *FractalConfig) { c.MaxBoxSize = 0 },
	}
	reject := []mod{
		func(c *FractalConfig) { c.NumPoints = 999 },
		func(c *FractalConfig) { c.NumPoints = 100001 },
		func(c *FractalConfig) { c.NumTransforms = 1 },
		func(c *FractalConfig) { c.ScaleMin = 0.3; c.ScaleMax = math.Nextafter(0.3, 0) },
		func(c *FractalConfig) { c.TranslationRange = math.Nextafter(2, 3) },
		func(c *FractalConfig) { c.NumScales = 2 },
		func(c *FractalConfig) { c.MaxBoxSize = -1 },
	}
	for i, m := range accept {
		c := DefaultFractalConfig()
		m(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("accept case %d: %+v rejected: %v", i, c, err)
		}
	}
	for i, m := range reject {
		c := DefaultFractalConfig()
		m(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("reject case %d: %+v accepted", i, c)
		}
	}
}

// Spec §9.2 step 1 and the Go bounds: num_scales ∈ [1, MaxNumScales] (ThresholdDimension:
// [2, MaxNumScales]), min_box ≥ 1, max_box ≥ 0 (0 = automatic), n ≥ 1.
func TestBoxCountingBoundsInclusive(t *testing.T) {
	m := allTrue(4)
	ok := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s rejected: %v", name, err)
		}
	}
	bad := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	_, err := EstimateDimension(m, 4, BoxOptions{MinBox: 2, NumScales: 1})
	ok("EstimateDimension num_scales 1", err)
	// The upper bound on a 1×1 grid with min_box 1, where the MaxNumScales sizes are all 1 (cheap).
	one := []bool{true}
	_, err = EstimateDimension(one, 1, BoxOptions{MinBox: 1, NumScales: MaxNumScales})
	ok("EstimateDimension num_scales MaxNumScales", err)
	_, err = EstimateDimension(m, 4, BoxOptions{MinBox: 2, NumScales: MaxNumScales + 1})
	bad("EstimateDimension num_scales MaxNumScales+1", err)
	_, err = BoxCount(m, 4, BoxOptions{MinBox: 1, NumScales: 1})
	ok("BoxCount min_box 1, num_scales 1", err)
	_, err = BoxCount(one, 1, BoxOptions{MinBox: 1, NumScales: MaxNumScales})
	ok("BoxCount num_scales MaxNumScales", err)
	_, err = BoxCount(m, 4, BoxOptions{MinBox: 2, NumScales: MaxNumScales + 1})
	bad("BoxCount num_scales MaxNumScales+1", err)
	_, err = BoxCount(m, 4, BoxOptions{MinBox: 2, NumScales: 0})
	bad("BoxCount num_scales 0", err)
	_, err = ThresholdDimension(make([]float64, 16), 4, 0, 2)
	ok("ThresholdDimension num_scales 2", err)
	_, err = ThresholdDimension([]float64{0}, 1, 0, MaxNumScales)
	ok("ThresholdDimension num_scales MaxNumScales", err)
	_, err = ThresholdDimension(make([]float64, 16), 4, 0, MaxNumScales+1)
	bad("ThresholdDimension num_scales MaxNumScales+1", err)
	res, err := BoxCount([]bool{true}, 1, BoxOptions{MinBox: 1, NumScales: 3})
	ok("a 1×1 grid", err)
	if !slices.Equal(res.Counts, []int{1}) {
		t.Errorf("1×1 grid: counts %v, want [1]", res.Counts)
	}
	_, err = BoxCount(nil, 0, DefaultBoxOptions())
	bad("a 0×0 grid", err)
}

// Exactly two usable sizes still give a fit (spec §9.2 step 6: fewer than 2 → 0), and a box
// as large as the grid is counted (step 5 skips only s > N).
func TestBoxCountTwoPointsAndFullSizeBox(t *testing.T) {
	res, err := BoxCount(allTrue(4), 4, BoxOptions{MinBox: 2, MaxBox: 4, NumScales: 2})
	if err != nil {
		t.Fatal(err)
	}
	// sizes [2, 4], counts [4, 1]; np.polyfit(np.log(1.0/np.array([2., 4.])), np.log([4., 1.]), 1)[0]
	// = 1.999999999999999, R² 1.0.
	if !slices.Equal(res.Sizes, []int{2, 4}) || !slices.Equal(res.Counts, []int{4, 1}) || res.Points != 2 ||
		!near(res.D, 1.999999999999999) || !near(res.R2, 1.0) {
		t.Errorf("two points: %+v", res)
	}
	// sizes [2, 3, 8] (spec §9.3: num_scales 3, max 8), counts [16, 4, 1] on an all-true 8×8;
	// numpy fit D = 1.891398349328569, R² = 0.9456991746642839.
	res, err = BoxCount(allTrue(8), 8, BoxOptions{MinBox: 2, MaxBox: 8, NumScales: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Sizes, []int{2, 3, 8}) || !slices.Equal(res.Counts, []int{16, 4, 1}) ||
		!near(res.D, 1.891398349328569) || !near(res.R2, 0.9456991746642839) {
		t.Errorf("8×8 with a full-size box: %+v", res)
	}
	// The engine records R² once two points entered the fit.
	e, _ := NewGrowthEngine(seeded(1))
	if _, err := e.EstimateDimension(allTrue(4), 4, 2, 4, 2); err != nil || !near(e.Metrics().DimensionRSquared, 1.0) {
		t.Errorf("engine R² after a two-point fit = %v (%v)", e.Metrics().DimensionRSquared, err)
	}
}

// All counts equal (a single occupied cell): ss_tot = 0, so R² is 0.0, not 1 − 0/0.
func TestBoxCountR2WhenCountsAreEqual(t *testing.T) {
	m := fullMask(64, func(r, c int) bool { return r == 10 && c == 20 })
	res, err := BoxCount(m, 64, DefaultBoxOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.Points != 5 || res.D != 0 || res.R2 != 0 {
		t.Errorf("single pixel: %+v; want 5 points, D 0, R² 0", res)
	}
	d, r2, _ := BoxCountingDimension(m, 64, DefaultBoxOptions())
	if d != 0 || r2 != 0 {
		t.Errorf("BoxCountingDimension = %v, %v", d, r2)
	}
}

// The mask is field > threshold, strictly (spec §14.6); values at the threshold are empty.
func TestThresholdDimensionStrict(t *testing.T) {
	const n = 16
	field := make([]float64, n*n)
	for i := range field {
		field[i] = 0.5 // exactly the threshold (0.5·1000/1000 = 0.5)
		if i%n >= n/2 {
			field[i] = 0.7 // the right half is above it
		}
	}
	d, err := ThresholdDimension(field, n, 0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Right half of 16×16: sizes [2, 3, 8] (max_box = min(8, 16 // 2)), counts [32, 15, 2]
	// (f = np.full((16, 16), 0.5); f[:, 8:] = 0.7; tiles of f > 0.5 with .any());
	// np.polyfit(np.log(1.0/np.array([2., 3., 8.])), np.log([32., 15., 2.]), 1)[0] = 2.01005005650276.
	if !near(d, 2.01005005650276) {
		t.Errorf("ThresholdDimension(right half above 0.5) = %v, want 2.01005005650276", d)
	}
	for i := range field {
		field[i] = 0.5
	}
	if d, _ := ThresholdDimension(field, n, 0.5, 3); d != 0 {
		t.Errorf("a field equal to the threshold gives D = %v, want 0 (empty mask)", d)
	}
}

// Spec §9.4: one step of 0.1 on 16 cells: ln sqrt(16·0.01) = np.log(np.sqrt(np.sum((h1-h0)**2)))
// = -0.916290731874155; mean and max change 0.1 (np.mean / np.max of np.abs(np.diff)).
func TestTwoFrameHistory(t *testing.T) {
	h := rampHistory(2, 4)
	if got := LyapunovExponent(h, 1); !near(got, -0.916290731874155) {
		t.Errorf("two-frame λ = %v", got)
	}
	m := ComputeStabilityMetrics(h, 1)
	if m.MeanChangeRate != 0.1 || m.MaxChangeRate != 0.1 {
		t.Errorf("two-frame change rates %+v", m)
	}
	e, _ := NewGrowthEngine(seeded(1))
	if got := e.ComputeLyapunovFromHistory(h, 1); e.Metrics().LyapunovExponent != got || got == 0 {
		t.Errorf("engine λ %v, metrics %v", got, e.Metrics().LyapunovExponent)
	}
}

// A step of exactly 1e-10 is below the floor (spec §9.4: n_t > 1e-10), so nothing is counted;
// math.sqrt((1e-10)**2) == 1e-10 in Python and numpy.
func TestLyapunovFloorIsExclusive(t *testing.T) {
	h := [][]float64{{0, 0}, {1e-10, 0}}
	if got := LyapunovExponent(h, 1); got != 0 {
		t.Errorf("λ with a step of exactly 1e-10 = %v, want 0", got)
	}
	e, _ := NewGrowthEngine(seeded(1))
	e.metrics.LyapunovExponent = 7
	e.ComputeLyapunovFromHistory(h, 1)
	if e.Metrics().LyapunovExponent != 7 {
		t.Errorf("a history with no counted step overwrote λ: %v", e.Metrics().LyapunovExponent)
	}
}

// One point and one map are valid (the reference's loops run once); the point is the map's
// translation applied to the origin.
func TestGenerateIFSSinglePointAndMap(t *testing.T) {
	res, err := GenerateIFS(rng.New(42), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Transforms[0]
	if len(res.Points) != 1 || res.Points[0] != [2]float64{tr.E, tr.F} {
		t.Errorf("one point: %v, map %+v", res.Points, tr)
	}
	// λ is the map's log-determinant ln(s²) (s² = |a·d − b·c|) over one point.
	if want := math.Log(math.Abs(tr.A*tr.D - tr.B*tr.C)); !near(res.Lyapunov, want) {
		t.Errorf("λ = %v, want %v", res.Lyapunov, want)
	}
	if !near(math.Abs(tr.A*tr.D-tr.B*tr.C), tr.Scale*tr.Scale) || !near(tr.B, -tr.C) || tr.A != tr.D {
		t.Errorf("map is not a scaled rotation: %+v", tr)
	}
	e, _ := NewGrowthEngine(seeded(42))
	pts, _, err := e.GenerateIFS(1, 1)
	if err != nil || len(pts) != 1 || len(e.Transforms()) != 1 {
		t.Errorf("engine with one point and one map: %v, %d maps, %v", pts, len(e.Transforms()), err)
	}
}

// ValidateContraction is |a·d − b·c| < 1 for every map: a determinant of exactly 1 fails.
func TestValidateContractionBoundary(t *testing.T) {
	e, _ := NewGrowthEngine(seeded(1))
	e.transforms = []Transform{{A: 0.5, D: 0.5}, {A: 1, D: 1}}
	if e.ValidateContraction() {
		t.Error("a map with |det| = 1 counted as contractive")
	}
	// A rotation part counts: |0.8·0.8 − (−0.7)(0.7)| = 1.13.
	e.transforms = []Transform{{A: 0.8, B: -0.7, C: 0.7, D: 0.8}}
	if e.ValidateContraction() {
		t.Error("a map with |a·d − b·c| = 1.13 counted as contractive")
	}
	e.transforms = []Transform{{A: 0.5, D: 0.5}, {A: math.Nextafter(1, 0), D: 1}}
	if !e.ValidateContraction() {
		t.Error("maps with |det| < 1 counted as non-contractive")
	}
	if !e.ValidateDimensionRange(1.4, true) || e.ValidateDimensionRange(1.9000000000000001, true) {
		t.Error("engine ValidateDimensionRange differs from [1.4, 1.9]")
	}
}

// GenerateIFS records IsContractive = λ < 0 and the seed fixes the stream (a fresh engine with
// the same big seed draws the same cloud).
func TestGrowthEngineSeedAndContractive(t *testing.T) {
	c := seeded(42)
	c.RandomSeed = new(big.Int).Lsh(big.NewInt(1), 70) // a seed wider than 64 bits
	a, _ := NewGrowthEngine(c)
	b, _ := NewGrowthEngine(c)
	pa, la, _ := a.GenerateIFS(1000, 0)
	pb, lb, _ := b.GenerateIFS(1000, 0)
	if la != lb || pa[999] != pb[999] {
		t.Error("equal seeds drew different clouds")
	}
	if a.Metrics().IsContractive != (la < 0) || a.Metrics().PointsGenerated != 1000 {
		t.Errorf("metrics %+v for λ %v", a.Metrics(), la)
	}
}

// The max_box_size error names no upper bound (min 0, no max), like min_box_size's.
func TestMaxBoxErrorMessage(t *testing.T) {
	_, err := BoxCount(allTrue(4), 4, BoxOptions{MinBox: 2, MaxBox: -3, NumScales: 5})
	want := "max_box_size must be >= 1 (or 0 for automatic) (parameter='max_box_size', value=-3, min=0)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// One occupied cell, at the columns around each word boundary, on grids wider than two words:
// the tile counts equal the cell-by-cell reference for sizes around the word length. (Random
// masks fill every tile, so they cannot see a bit lost between words.)
func TestCountBoxesSingleCellAcrossWords(t *testing.T) {
	for _, n := range []int{130, 200, 260} {
		sizes := []int{63, 64, 65, 100, 127, 128, 129, 130, n}
		for _, r := range []int{0, 63, 129} {
			for _, c := range []int{0, 1, 62, 63, 64, 65, 99, 126, 127, 128, 129, 130, 131, 191, 192, 193, 199, 255, 256, 259} {
				if c >= n {
					continue
				}
				m := make([]bool, n*n)
				m[r*n+c] = true
				got, want := countBoxes(m, n, sizes), naiveCounts(m, n, sizes)
				if !slices.Equal(got, want) {
					t.Fatalf("n=%d cell (%d, %d): counts %v, want %v (sizes %v)", n, r, c, got, want, sizes)
				}
			}
		}
	}
}

// random_seed None: every reset draws fresh OS entropy, and the engine still generates.
func TestGrowthEngineWithoutSeed(t *testing.T) {
	c := DefaultFractalConfig()
	c.NumPoints = 1000
	e, err := NewGrowthEngine(c)
	if err != nil {
		t.Fatal(err)
	}
	pts, _, err := e.GenerateIFS(0, 0)
	if err != nil || len(pts) != 1000 {
		t.Fatalf("unseeded GenerateIFS: %d points, %v", len(pts), err)
	}
}

// The engine's own argument errors name the parameter and the lower bound only.
func TestGrowthEngineArgumentErrors(t *testing.T) {
	e, _ := NewGrowthEngine(seeded(1))
	_, _, err := e.GenerateIFS(-1, 0)
	if want := "num_points must be >= 1 (parameter='num_points', value=-1, min=1)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	// The package function says the same.
	_, err = GenerateIFS(rng.New(0), 0, 4)
	if want := "num_points must be >= 1 (parameter='num_points', value=0, min=1)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	_, err = GenerateIFS(rng.New(0), 10, 0)
	if want := "num_transforms must be >= 1 (parameter='num_transforms', value=0, min=1)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	_, _, err = e.GenerateIFS(0, -2)
	if want := "num_transforms must be >= 1 (parameter='num_transforms', value=-2, min=1)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// The change rates are divided by dt (spec §9.4). For h_t = 0.1·t on 4×4, T = 5, dt = 2:
// np.mean(np.abs(np.diff(h, axis=0))) / 2 = 0.05 and np.max(...) / 2 = 0.05000000000000002.
func TestStabilityMetricsDividesByDt(t *testing.T) {
	m := ComputeStabilityMetrics(rampHistory(5, 4), 2)
	if m.MeanChangeRate != 0.05 || m.MaxChangeRate != 0.05000000000000002 {
		t.Errorf("dt = 2: mean %v, max %v; numpy 0.05, 0.05000000000000002", m.MeanChangeRate, m.MaxChangeRate)
	}
}
