package features

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"mfn/npexact"
)

// randomHistory builds T frames of n×n volts: a resting field with smooth waves, spikes
// above the thresholds and, from frame `still` on, no change at all (or changes of the order
// of quiet mV, below the default stability threshold).
func randomHistory(r *rand.Rand, n, T, still int, quiet float64) [][]float64 {
	h := make([][]float64, T)
	base := make([]float64, n*n)
	for i := range base {
		base[i] = -0.07 + 0.002*r.NormFloat64()
	}
	for t := range h {
		f := make([]float64, n*n)
		switch {
		case t == 0:
			copy(f, base)
		case t >= still:
			for i := range f {
				f[i] = h[t-1][i] + quiet*1e-3*r.Float64()
			}
		default:
			ph := r.Float64() * 6
			for i := range f {
				y, x := float64(i/n), float64(i%n)
				f[i] = h[t-1][i] + 0.004*math.Sin(0.7*x+0.3*y+ph)*r.Float64()
				if r.IntN(9) == 0 {
					f[i] = -0.095 + 0.14*r.Float64()
				}
			}
		}
		h[t] = f
	}
	return h
}

func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// Every feature agrees bit for bit with the step-by-step reference computation, across
// grid sizes whose frames align with numpy's 8192-value chunks or cut through them (n = 91,
// 100 span several chunks), both connectivities and the parallel path (≥ 2^16 differences).
func TestMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	cases := []struct{ n, T, still int }{
		{1, 3, 99}, {2, 5, 99}, {3, 12, 99}, {5, 30, 99}, {7, 9, 99}, {8, 40, 12}, {10, 25, 99},
		{16, 33, 99}, {17, 15, 4}, {32, 32, 99}, {32, 70, 20}, {50, 6, 99}, {64, 20, 99},
		{64, 30, 5}, {91, 4, 99}, {100, 8, 99}, {128, 5, 99},
	}
	stable := 0
	for _, c := range cases {
		// Changes below about 0.0035 mV keep s_t under the default θ = 0.001 mV.
		h := randomHistory(r, c.n, c.T, c.still, 0.005*r.Float64())
		for _, cfg := range []Config{DefaultConfig(), DemoConfig(), func() Config { k := DefaultConfig(); k.Connectivity = 8; return k }()} {
			got, err := Compute(h, c.n, cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := naive(h, c.n, cfg)
			sameVector(t, "stream vs naive", streamOf(t, h, c.n, cfg), want)
			if want.TStable < c.T {
				stable++
			}
			g, w := got.Values(), want.Values()
			for i := range g {
				if !same(g[i], w[i]) {
					t.Errorf("n=%d T=%d conn %d: %s = %v, want %v", c.n, c.T, cfg.Connectivity, names[i], g[i], w[i])
				}
			}
		}
	}
	if stable == 0 {
		t.Error("no history became stable: the T_stable search went untested")
	}
}

// §14.3's example: 30 frames of 8×8, frames 0–4 an identical ramp, frames 5–29 constant.
func TestTStableExample(t *testing.T) {
	h := make([][]float64, 30)
	for k := range h {
		h[k] = make([]float64, 64)
		for i := range h[k] {
			if k < 5 {
				h[k][i] = -0.07 + 0.0005*float64(i)
			} else {
				h[k][i] = -0.065
			}
		}
	}
	v, err := Compute(h, 8, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if v.TStable != 6 {
		t.Errorf("T_stable = %d, want 6", v.TStable)
	}
	for _, c := range []struct{ window, want int }{{1, 1}, {4, 1}, {5, 6}, {24, 6}, {25, 30}, {29, 30}, {30, 30}} {
		cfg := DefaultConfig()
		cfg.StabilityWindow = c.window
		if v, _ := Compute(h, 8, cfg); v.TStable != c.want {
			t.Errorf("window %d: T_stable = %d, want %d", c.window, v.TStable, c.want)
		}
	}
	// A noisy history, or one too short to test (T ≤ W), has T_stable = T.
	for _, frames := range []int{2, 10, 11, 40} {
		hh := randomHistory(rand.New(rand.NewPCG(1, uint64(frames))), 8, frames, 99, 0)
		if v, _ := Compute(hh, 8, DefaultConfig()); v.TStable != frames {
			t.Errorf("%d noisy frames: T_stable = %d", frames, v.TStable)
		}
	}
}

// T_stable's probing search finds the same first quiet run as the plain scan, for quiet
// stretches of every length and position.
func TestTStableSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		nd := 1 + r.IntN(40)
		w := 1 + r.IntN(8)
		quiet := make([]bool, nd)
		for i := range quiet {
			quiet[i] = r.IntN(3) > 0
		}
		// Frames of 4 cells whose difference std is 0 (quiet) or large.
		h := make([][]float64, nd+1)
		h[0] = []float64{0, 0, 0, 0}
		for k := 1; k <= nd; k++ {
			h[k] = append([]float64(nil), h[k-1]...)
			if !quiet[k-1] {
				h[k][r.IntN(4)] += 0.01
			}
		}
		cfg := DefaultConfig()
		cfg.StabilityWindow = w
		got, err := Compute(h, 2, cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := len(h)
		if len(h) > w {
			run := 0
			for k, q := range quiet {
				if run = map[bool]int{true: run + 1, false: 0}[q]; run == w {
					want = k - w + 2
					break
				}
			}
		}
		if got.TStable != want {
			t.Fatalf("quiet %v window %d: T_stable %d, want %d", quiet, w, got.TStable, want)
		}
	}
}

func TestThresholdsOfTStable(t *testing.T) {
	h := randomHistory(rand.New(rand.NewPCG(5, 6)), 6, 40, 8, 0)
	for _, theta := range []float64{0, -1, math.NaN(), math.Inf(1), 1e-300} {
		cfg := DefaultConfig()
		cfg.StabilityThresholdMV = theta
		v, err := Compute(h, 6, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if want := naive(h, 6, cfg).TStable; v.TStable != want {
			t.Errorf("θ=%v: T_stable %d, want %d", theta, v.TStable, want)
		}
	}
}

func TestSumMatchesNumpy(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{0, 1, 7, 8, 9, 127, 128, 129, 1000, 8191, 8192, 8193, 20000} {
		a := make([]float64, n)
		for i := range a {
			a[i] = r.NormFloat64() * math.Exp(10*r.Float64())
		}
		if got, want := sum(a), npexact.Sum(a); !same(got, want) {
			t.Errorf("n=%d: sum %v, npexact %v", n, got, want)
		}
	}
}

func TestConnectivity(t *testing.T) {
	grid := func(rows ...string) ([]float64, int) {
		n := len(rows)
		f := make([]float64, n*n)
		for i, row := range rows {
			for j, c := range row {
				f[i*n+j] = -0.07
				if c == '#' {
					f[i*n+j] = -0.03 // above all three thresholds
				}
			}
		}
		return f, n
	}
	for _, c := range []struct {
		rows         []string
		four, eight  int
		max4, max8   int
		sizes4       []float64
		wrapIsBroken bool
	}{
		{[]string{"#.", ".#"}, 2, 1, 1, 2, []float64{1, 1}, false},
		{[]string{".....", "#####", ".....", ".....", "....."}, 1, 1, 5, 5, []float64{5}, false},
		{[]string{"#...#", ".....", ".....", ".....", "#...#"}, 4, 4, 1, 1, []float64{1, 1, 1, 1}, true},
		{[]string{"#.#.#", "#.#.#", "#####", ".....", "##..."}, 2, 2, 11, 11, []float64{11, 2}, false},
		{[]string{"...#", "..#.", ".#..", "#..."}, 4, 1, 1, 4, []float64{1, 1, 1, 1}, false},
		{[]string{"..#", "###", "#.."}, 1, 1, 5, 5, []float64{5}, false},
		{[]string{"...", "...", "..."}, 0, 0, 0, 0, nil, false},
		{[]string{"##.##", "##.##", ".....", "#.#.#", "....#"}, 5, 5, 4, 4, []float64{4, 4, 1, 1, 2}, false},
	} {
		f, n := grid(c.rows...)
		var cl clusters
		s4 := cl.structural(f, n, [3]float64{-0.06, -0.05, -0.04}, false)
		if s4.nLow != c.four || s4.maxSize != c.max4 || !reflect.DeepEqual(append([]float64(nil), s4.sizes...), append([]float64(nil), c.sizes4...)) && len(c.sizes4) > 0 {
			t.Errorf("%v 4-connected: %d clusters (max %d, sizes %v), want %d (max %d, sizes %v)", c.rows, s4.nLow, s4.maxSize, s4.sizes, c.four, c.max4, c.sizes4)
		}
		if s4.nMed != s4.nLow || s4.nHigh != s4.nLow {
			t.Errorf("%v: all thresholds see the same cells, got %d %d %d", c.rows, s4.nLow, s4.nMed, s4.nHigh)
		}
		s8 := cl.structural(f, n, [3]float64{-0.06, -0.05, -0.04}, true)
		if s8.nLow != c.eight || s8.maxSize != c.max8 {
			t.Errorf("%v 8-connected: %d clusters (max %d), want %d (max %d)", c.rows, s8.nLow, s8.maxSize, c.eight, c.max8)
		}
	}
	// One 10×10 block in 32×32: one cluster of 100; the reference's test case.
	f := make([]float64, 32*32)
	for i := range f {
		f[i] = -0.07
		if r, c := i/32, i%32; r >= 5 && r < 15 && c >= 7 && c < 17 {
			f[i] = -0.03
		}
	}
	v, err := ComputeField(f, 32, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if v.NClustersLow != 1 || v.MaxClusterSize != 100 || v.ClusterSizeStd != 0 || v.FActive != 100.0/1024 {
		t.Errorf("10×10 block: %+v", v)
	}
}

// Invariants of every vector: f_active ∈ [0, 1], the largest cluster fits in the active
// cells, clusters exist iff active cells do, and the temporal features of one frame are 0.
func TestInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 60; trial++ {
		n, T := 1+r.IntN(40), 1+r.IntN(12)
		h := randomHistory(r, n, T, 1+r.IntN(T+1), r.Float64())
		cfg := DefaultConfig()
		cfg.Connectivity = []int{4, 8}[r.IntN(2)]
		v, err := Compute(h, n, cfg)
		if err != nil {
			t.Fatal(err)
		}
		active := int(math.Round(v.FActive * float64(n*n)))
		switch {
		case !(v.FActive >= 0 && v.FActive <= 1):
			t.Errorf("f_active %v", v.FActive)
		case v.MaxClusterSize > active || (active > 0) != (v.NClustersLow > 0) || v.NClustersLow > active:
			t.Errorf("active %d, clusters %d, max %d", active, v.NClustersLow, v.MaxClusterSize)
		case v.DR2 < 0 || v.DR2 > 1 || v.DVMean < 0 || v.DVMax < v.DVMean || v.VMin > v.VMean || v.VMean > v.VMax:
			t.Errorf("ranges: %+v", v)
		case T == 1 && (v.DVMean != 0 || v.DVMax != 0 || v.TStable != 0 || v.ETrend != 0):
			t.Errorf("one frame has temporal features %+v", v)
		case T > 1 && (v.TStable < 1 || v.TStable > T):
			t.Errorf("T_stable %d of %d frames", v.TStable, T)
		}
	}
}

func TestInputErrors(t *testing.T) {
	good := [][]float64{make([]float64, 4)}
	for _, c := range []struct {
		h    [][]float64
		n    int
		want string
	}{
		{nil, 2, "no frames"},
		{good, 0, "n=0"},
		{good, 3, "frame 0 has 4 values, want n·n = 9"},
		{[][]float64{make([]float64, 4), make([]float64, 3)}, 2, "frame 1 has 3 values"},
	} {
		_, err := Compute(c.h, c.n, DefaultConfig())
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compute(%d frames, n=%d): %v, want %q", len(c.h), c.n, err, c.want)
		}
	}
	if _, err := FromResult(nil, DefaultConfig()); !errors.Is(err, ErrInput) {
		t.Errorf("FromResult(nil): %v", err)
	}
}

// NaN and ±Inf in the input give numpy's answers (NaN statistics), never a panic.
func TestNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		h := randomHistory(rand.New(rand.NewPCG(2, 3)), 9, 14, 99, 0)
		h[6][40] = bad
		h[13][3] = bad
		got, err := Compute(h, 9, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		want := naive(h, 9, DefaultConfig())
		g, w := got.Values(), want.Values()
		for i := range g {
			if !same(g[i], w[i]) {
				t.Errorf("with %v: %s = %v, want %v", bad, names[i], g[i], w[i])
			}
		}
	}
}

func TestConfigs(t *testing.T) {
	d := DefaultConfig()
	if d != (Config{MinBoxSize: 2, NumScales: 5, ThresholdLowMV: -60, ThresholdMedMV: -50, ThresholdHighMV: -40,
		StabilityThresholdMV: 0.001, StabilityWindow: 10, Connectivity: 4}) {
		t.Errorf("DefaultConfig() = %+v", d)
	}
	if m := DemoConfig(); m.NumScales != 3 || m.StabilityWindow != 5 || m.MinBoxSize != 2 || m.Connectivity != 4 {
		t.Errorf("DemoConfig() = %+v", m)
	}
	if d.Validate() != nil || d.ValidateStrict() != nil || DemoConfig().Validate() != nil {
		t.Error("the default configurations must be valid")
	}
	mod := func(f func(*Config)) Config { c := DefaultConfig(); f(&c); return c }
	for _, c := range []struct {
		cfg    Config
		strict bool
		want   string
	}{
		{mod(func(c *Config) { c.MinBoxSize = 0 }), false, "min_box_size must be at least 1 (parameter='min_box_size', value=0, allowed: >= 1)"},
		{mod(func(c *Config) { c.NumScales = 1 }), false, "num_scales must be at least 2 (parameter='num_scales', value=1"},
		{mod(func(c *Config) { c.Connectivity = 6 }), false, "connectivity must be 4 or 8 (parameter='connectivity', value=6, allowed: 4 or 8)"},
		{mod(func(c *Config) { c.MaxBoxSize = -1 }), false, "max_box_size"},
		{mod(func(c *Config) { c.StabilityWindow = 0 }), false, "stability_window must be >= 1, got 0"},
		{mod(func(c *Config) { c.MinBoxSize = 0 }), true, "min_box_size must be >= 1, got 0"},
		{mod(func(c *Config) { c.MaxBoxSize = 1 }), true, "max_box_size (1) must be >= min_box_size (2)"},
		{mod(func(c *Config) { c.NumScales = 21 }), true, "num_scales must be in [2, 20], got 21"},
		{mod(func(c *Config) { c.ThresholdMedMV = 60 }), true, "threshold_med_mv must be in [-100.0, 50.0], got 60.0"},
		{mod(func(c *Config) { c.ThresholdLowMV = -50 }), true, "threshold_low_mv (-50.0) must be < threshold_med_mv (-50.0)"},
		{mod(func(c *Config) { c.ThresholdHighMV = -55 }), true, "threshold_med_mv (-50.0) must be < threshold_high_mv (-55.0)"},
		{mod(func(c *Config) { c.StabilityThresholdMV = -1 }), true, "stability_threshold_mv must be >= 0, got -1.0"},
		{mod(func(c *Config) { c.StabilityWindow = 0 }), true, "stability_window must be >= 1, got 0"},
		{mod(func(c *Config) { c.Connectivity = 6 }), true, "connectivity must be one of (4, 8), got 6"},
	} {
		err := c.cfg.Validate()
		if c.strict {
			err = c.cfg.ValidateStrict()
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) || ce.Parameter == "" || ce.Allowed == "" {
			t.Errorf("%+v (strict %v): %v, want %q", c.cfg, c.strict, err, c.want)
		}
		if !c.strict {
			if _, err := Compute([][]float64{make([]float64, 4)}, 2, c.cfg); err == nil {
				t.Errorf("Compute accepted %+v", c.cfg)
			}
		}
	}
}

func TestVectorConversions(t *testing.T) {
	if got := Names(); len(got) != Count || got[0] != "D_box" || got[10] != "T_stable" || got[17] != "cluster_size_std" {
		t.Errorf("Names() = %v", got)
	}
	v := Vector{DBox: 1.5, DR2: 0.9, VMin: -80, VMax: -60, VMean: -70, VStd: 2, VSkew: 0.1, VKurt: -0.2, DVMean: 0.3,
		DVMax: 4, TStable: 7, ETrend: -5, FActive: 0.25, NClustersLow: 3, NClustersMed: 2, NClustersHigh: 1,
		MaxClusterSize: 40, ClusterSizeStd: 12.5}
	back, err := FromValues(v.Values())
	if err != nil || back != v {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	a := v.Values()
	a[10], a[13], a[16] = 7.9, -2.5, 40.999
	back, _ = FromValues(a)
	if back.TStable != 7 || back.NClustersLow != -2 || back.MaxClusterSize != 40 {
		t.Errorf("truncation: %+v", back)
	}
	if _, err := FromValues(a[:17]); err == nil || err.Error() != "Expected 18 features, got 17" {
		t.Errorf("short array: %v", err)
	}
	a[15] = math.NaN()
	if _, err := FromValues(a); err == nil || !strings.Contains(err.Error(), "N_clusters_high") {
		t.Errorf("NaN integer feature: %v", err)
	}
	m := v.Map()
	if len(m) != Count || m["T_stable"] != 7 || m["D_box"] != 1.5 {
		t.Errorf("Map() = %v", m)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"D_box":1.5,"D_r2":0.9,"V_min":-80.0,`) || !strings.Contains(string(b), `"T_stable":7.0,`) {
		t.Errorf("JSON %s", b)
	}
	var parsed map[string]float64
	if err := json.Unmarshal(b, &parsed); err != nil || !reflect.DeepEqual(parsed, m) {
		t.Errorf("JSON does not parse back: %v %v", parsed, err)
	}
	v.VSkew = math.NaN()
	if b, _ := json.Marshal(v); !strings.Contains(string(b), `"V_skew":null`) {
		t.Errorf("NaN in JSON: %s", b)
	}
}

func TestValidateRanges(t *testing.T) {
	ok := Vector{DBox: 1.6, DR2: 0.95, VMin: -80, VMax: -60, FActive: 0.5}
	if w := ValidateRanges(ok, true); len(w) != 0 {
		t.Errorf("in range: %v", w)
	}
	if w := ValidateRanges(Vector{DBox: 1.2}, true); !reflect.DeepEqual(w, []string{"D_box=1.200 outside [1.4, 1.9]"}) {
		t.Errorf("strict D_box: %q", w)
	}
	bad := Vector{DBox: 2.6, DR2: 1.5, VMin: -120, VMax: 60, FActive: -0.1, ETrend: math.Inf(1), VSkew: math.NaN()}
	want := []string{
		"D_box=2.600 outside [0.0, 2.5]",
		"D_r2=1.500 outside [0, 1]",
		"V range [-120.0, 60.0] mV exceeds physiological bounds [-100, 50]",
		"f_active=-0.100 outside [0, 1]",
		"NaN detected in features",
		"Inf detected in features",
	}
	if got := ValidateRanges(bad, false); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}
}

func TestHugeSide(t *testing.T) {
	if _, err := Compute([][]float64{nil}, 1<<32, DefaultConfig()); !errors.Is(err, ErrInput) {
		t.Errorf("n = 2^32: %v", err)
	}
}
