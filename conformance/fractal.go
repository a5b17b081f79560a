package conformance

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mfn/fractal"
	"mfn/npexact"
	"mfn/rng"
)

// fractal.json: box counting on fixed patterns, IFS clouds, the growth engine's IFS and the
// Lyapunov estimate on synthetic histories.
//
// thresholded_simulations, and lyapunov_histories built from simulations (history_from is an
// object), need the field simulation: checked in conformance/fractal_sim.go.

func init() {
	Register(Checker{
		Kind:   "fractal",
		Detect: func(_ string, top map[string]json.RawMessage) bool { return hasKeys(top, "patterns", "ifs") },
		Check:  checkFractal,
	})
}

func checkFractal(top map[string]json.RawMessage, r *Recorder) error {
	var f struct {
		Patterns  []fractalPattern   `json:"patterns"`
		IFS       []fractalIFSCase   `json:"ifs"`
		Engine    []fractalEngineIFS `json:"fractal_growth_engine_ifs"`
		Lyapunovs []fractalLyapunov  `json:"lyapunov_histories"`
	}
	if err := unmarshalFields(top, map[string]any{
		"patterns": &f.Patterns, "ifs": &f.IFS,
		"fractal_growth_engine_ifs": &f.Engine, "lyapunov_histories": &f.Lyapunovs,
	}); err != nil {
		return err
	}
	for _, p := range f.Patterns {
		checkPattern(p, r)
	}
	for _, c := range f.IFS {
		checkIFSCase(c, r)
	}
	for _, c := range f.Engine {
		r.Case("fractal_growth_engine_ifs "+c.Call, checkEngineIFS(c))
	}
	for _, c := range f.Lyapunovs {
		checkLyapunovCase(c, r)
	}
	return nil
}

// unmarshalFields decodes the present keys of top into their targets.
func unmarshalFields(top map[string]json.RawMessage, dst map[string]any) error {
	for k, v := range dst {
		raw, ok := top[k]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

type fractalPattern struct {
	Name   string `json:"name"`
	N      int    `json:"n"`
	Params struct {
		MinBox    *int `json:"min_box_size"`
		MaxBox    *int `json:"max_box_size"`
		NumScales *int `json:"num_scales"`
	} `json:"params"`
	Legacy    Float `json:"estimate_fractal_dimension"`
	Analytics struct {
		D  Float `json:"D"`
		R2 Float `json:"R2"`
	} `json:"analytics_box_counting"`
	Detail struct {
		MaxBox int    `json:"max_box_resolved"`
		Raw    Floats `json:"geomspace_raw"`
		Sizes  []int  `json:"sizes"`
		Counts []int  `json:"counts"`
	} `json:"detail"`
	Ones     int      `json:"ones"`
	BitsRows []string `json:"bits_rows"`
	Recipe   string   `json:"recipe"`
}

func checkPattern(p fractalPattern, r *Recorder) {
	name := "pattern " + p.Name
	mask, err := patternMask(p)
	if err == nil {
		ones := 0
		for _, b := range mask {
			if b {
				ones++
			}
		}
		if ones != p.Ones {
			err = fmt.Errorf("rebuilt image has %d ones, want %d", ones, p.Ones)
		}
	}
	r.Case(name+" image", err)
	if err != nil {
		return
	}
	opts := fractal.DefaultBoxOptions()
	if p.Params.MinBox != nil {
		opts.MinBox = *p.Params.MinBox
	}
	if p.Params.MaxBox != nil {
		opts.MaxBox = *p.Params.MaxBox
	}
	if p.Params.NumScales != nil {
		opts.NumScales = *p.Params.NumScales
	}
	d, err := fractal.EstimateDimension(mask, p.N, opts)
	if err == nil {
		err = approx("D", d, float64(p.Legacy), relTranscendental, absNearZero)
	}
	r.Case(name+" estimate_fractal_dimension", err)

	d, r2, err := fractal.BoxCountingDimension(mask, p.N, opts)
	if err == nil {
		err = approx("D", d, float64(p.Analytics.D), relTranscendental, absNearZero)
	}
	if err == nil {
		err = approx("R2", r2, float64(p.Analytics.R2), relTranscendental, absNearZero)
	}
	r.Case(name+" analytics (D, R2)", err)

	r.Case(name+" detail", checkPatternDetail(p, mask, opts))
}

// checkPatternDetail: resolved max box, sizes and counts exactly; the raw geomspace values
// to a few ulp (Go's pow/log10 are not numpy's; endpoints are exact by construction).
func checkPatternDetail(p fractalPattern, mask []bool, opts fractal.BoxOptions) error {
	res, err := fractal.BoxCount(mask, p.N, opts)
	if err != nil {
		return err
	}
	if res.MaxBox != p.Detail.MaxBox {
		return fmt.Errorf("max_box_resolved %d, want %d", res.MaxBox, p.Detail.MaxBox)
	}
	raw := npexact.Geomspace(float64(opts.MinBox), float64(res.MaxBox), opts.NumScales)
	if err := approxSlice("geomspace_raw", raw, p.Detail.Raw, 1e-14, 0); err != nil {
		return err
	}
	if !slices.Equal(res.Sizes, p.Detail.Sizes) {
		return fmt.Errorf("sizes %v, want %v", res.Sizes, p.Detail.Sizes)
	}
	if !slices.Equal(res.Counts, p.Detail.Counts) {
		return fmt.Errorf("counts %v, want %v", res.Counts, p.Detail.Counts)
	}
	return nil
}

// patternMask rebuilds the image from its recipe (patterns.go); a case without one is
// described by its name (e.g. sierpinski_carpet_243_defaults, or a name that ends in the numpy
// expression in parentheses). When the case also carries bits_rows, the bits are the image and
// a readable recipe must rebuild exactly them, which checks the recipe language on every dev
// pattern.
func patternMask(p fractalPattern) ([]bool, error) {
	n := p.N
	recipe, explicit := p.Recipe, p.Recipe != ""
	if !explicit {
		recipe = p.Name
		if i := strings.Index(p.Name, " ("); i >= 0 && strings.HasSuffix(p.Name, ")") {
			recipe = p.Name[i+2 : len(p.Name)-1]
		}
	}
	if len(p.BitsRows) == 0 {
		return BuildPattern(recipe, n)
	}
	if len(p.BitsRows) != n {
		return nil, fmt.Errorf("%d rows, want %d", len(p.BitsRows), n)
	}
	mask := make([]bool, 0, n*n)
	for i, row := range p.BitsRows {
		if len(row) != n {
			return nil, fmt.Errorf("row %d has %d cells, want %d", i, len(row), n)
		}
		for _, c := range row {
			mask = append(mask, c == '1')
		}
	}
	built, err := BuildPattern(recipe, n)
	if err != nil {
		if explicit {
			return nil, err
		}
		return mask, nil // a name need not be a recipe when the bits are given
	}
	for k := range mask {
		if built[k] != mask[k] {
			return nil, fmt.Errorf("recipe %q rebuilds an image that differs from bits_rows at row %d, column %d", recipe, k/n, k%n)
		}
	}
	return mask, nil
}

type fractalTransform struct {
	Scale, Angle, A, B, C, D, E, F Float
}

type fractalRNGState struct {
	State     BigInt `json:"state"`
	Inc       BigInt `json:"inc"`
	HasUint32 int    `json:"has_uint32"`
	Uinteger  uint32 `json:"uinteger"`
}

type fractalIFSCase struct {
	Call       string             `json:"call"`
	Lyapunov   Float              `json:"lyapunov"`
	Transforms []fractalTransform `json:"transforms"`
	First10    Floats             `json:"points_first10"`
	Last       Floats             `json:"points_last"`
	Mean       Floats             `json:"points_mean_xy"`
	RNGAfter   fractalRNGState    `json:"rng_state_after"`
}

var (
	ifsSeedRE   = regexp.MustCompile(`default_rng\((\d+)\)`)
	ifsPointsRE = regexp.MustCompile(`num_points=(\d+)`)
	ifsMapsRE   = regexp.MustCompile(`num_transforms=(\d+)`)
	engSeedRE   = regexp.MustCompile(`random_seed=(\d+)`)
)

// callInt extracts an integer argument from a call string, or returns def when absent.
func callInt(re *regexp.Regexp, call string, def int) (int, error) {
	m := re.FindStringSubmatch(call)
	if m == nil {
		return def, nil
	}
	return strconv.Atoi(m[1])
}

// checkIFSCase replays generate_fractal_ifs. λ, the maps' cos/sin products and the points
// pass through transcendental functions and are compared to 1e-12; the uniform draws and the
// generator state afterwards are exact. The points' SHA-256 is not compared: Go's cos/sin
// differ from numpy's in the last ulp, which changes the hash but nothing else.
func checkIFSCase(c fractalIFSCase, r *Recorder) {
	name := "ifs " + c.Call
	seed, err1 := callInt(ifsSeedRE, c.Call, -1)
	np, err2 := callInt(ifsPointsRE, c.Call, 10000)
	nt, err3 := callInt(ifsMapsRE, c.Call, 4)
	if err1 != nil || err2 != nil || err3 != nil || seed < 0 {
		r.Case(name, fmt.Errorf("cannot parse call %q", c.Call))
		return
	}
	g := rng.New(uint64(seed))
	res, err := fractal.GenerateIFS(g, np, nt)
	if err != nil {
		r.Case(name, err)
		return
	}
	r.Case(name+" lyapunov", approx("lyapunov", res.Lyapunov, float64(c.Lyapunov), relTranscendental, absNearZero))
	r.Case(name+" transforms", checkTransforms(res.Transforms, c.Transforms))
	r.Case(name+" points", checkIFSPoints(res.Points, c))
	r.Case(name+" rng_state_after", checkRNGStateAfter(g.State(), c.RNGAfter))
}

func checkTransforms(got []fractal.Transform, want []fractalTransform) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d transforms, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		for _, e := range []struct {
			what      string
			got, want float64
			exact     bool
		}{
			{"scale", g.Scale, float64(w.Scale), true}, {"angle", g.Angle, float64(w.Angle), true},
			{"e", g.E, float64(w.E), true}, {"f", g.F, float64(w.F), true},
			{"a", g.A, float64(w.A), false}, {"b", g.B, float64(w.B), false},
			{"c", g.C, float64(w.C), false}, {"d", g.D, float64(w.D), false},
		} {
			what := fmt.Sprintf("transform %d %s", i, e.what)
			var err error
			if e.exact {
				err = exact(what, e.got, e.want)
			} else {
				err = approx(what, e.got, e.want, relTranscendental, absNearZero)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func checkIFSPoints(pts [][2]float64, c fractalIFSCase) error {
	var first []float64
	for i := 0; i < len(c.First10)/2 && i < len(pts); i++ {
		first = append(first, pts[i][0], pts[i][1])
	}
	if err := approxSlice("points_first10", first, c.First10, relTranscendental, absNearZero); err != nil {
		return err
	}
	last := pts[len(pts)-1]
	if err := approxSlice("points_last", last[:], c.Last, relTranscendental, absNearZero); err != nil {
		return err
	}
	// np.mean(points, axis=0): each column summed row by row, then divided by N.
	var sx, sy float64
	for _, p := range pts {
		sx += p[0]
		sy += p[1]
	}
	mean := []float64{sx / float64(len(pts)), sy / float64(len(pts))}
	return approxSlice("points_mean_xy", mean, c.Mean, relTranscendental, absNearZero)
}

// checkRNGStateAfter compares the PCG64 state; uinteger only counts when has_uint32 is set.
func checkRNGStateAfter(st rng.State, want fractalRNGState) error {
	if st.StateBig().Cmp(&want.State.Int) != 0 {
		return fmt.Errorf("state %s, want %s", st.StateBig(), &want.State.Int)
	}
	if st.IncBig().Cmp(&want.Inc.Int) != 0 {
		return fmt.Errorf("inc %s, want %s", st.IncBig(), &want.Inc.Int)
	}
	if st.HasUint32 != (want.HasUint32 == 1) {
		return fmt.Errorf("has_uint32 %v, want %d", st.HasUint32, want.HasUint32)
	}
	if st.HasUint32 && st.Uinteger != want.Uinteger {
		return fmt.Errorf("uinteger %d, want %d", st.Uinteger, want.Uinteger)
	}
	return nil
}

type fractalEngineIFS struct {
	Call     string `json:"call"`
	Lyapunov Float  `json:"lyapunov"`
	First5   Floats `json:"points_first5"`
	MaxDist  Float  `json:"max_point_distance"`
}

// checkEngineIFS replays FractalGrowthEngine(FractalConfig(random_seed=S)).generate_ifs().
func checkEngineIFS(c fractalEngineIFS) error {
	seed, err := callInt(engSeedRE, c.Call, -1)
	if err != nil || seed < 0 {
		return fmt.Errorf("cannot parse call %q", c.Call)
	}
	cfg := fractal.DefaultFractalConfig()
	cfg.RandomSeed = big.NewInt(int64(seed))
	eng, err := fractal.NewGrowthEngine(cfg)
	if err != nil {
		return err
	}
	pts, lyap, err := eng.GenerateIFS(0, 0)
	if err != nil {
		return err
	}
	if err := approx("lyapunov", lyap, float64(c.Lyapunov), relTranscendental, absNearZero); err != nil {
		return err
	}
	var first []float64
	for i := 0; i < len(c.First5)/2 && i < len(pts); i++ {
		first = append(first, pts[i][0], pts[i][1])
	}
	if err := approxSlice("points_first5", first, c.First5, relTranscendental, absNearZero); err != nil {
		return err
	}
	return approx("max_point_distance", eng.Metrics().MaxPointDistance, float64(c.MaxDist), relTranscendental, absNearZero)
}

type fractalLyapunov struct {
	From   json.RawMessage `json:"history_from"`
	Lambda Float           `json:"compute_lyapunov_exponent"`
	Half   *Float          `json:"compute_lyapunov_exponent_dt0.5"`
}

var (
	lyapZerosRE  = regexp.MustCompile(`^np\.zeros\(\((\d+),\s*(\d+),\s*(\d+)\)\)$`)
	lyapArangeRE = regexp.MustCompile(`^np\.arange\((\d+)\.?\)\.reshape\((\d+),\s*(\d+),\s*(\d+)\)\s*\*\s*([0-9.eE+-]+)$`)
)

// checkLyapunovCase replays the synthetic histories; simulation histories (an object in
// history_from) are left to fractal_sim.go.
func checkLyapunovCase(c fractalLyapunov, r *Recorder) {
	var recipe string
	if json.Unmarshal(c.From, &recipe) != nil {
		return
	}
	name := "lyapunov_histories " + recipe
	hist, err := syntheticHistory(recipe)
	if err != nil {
		r.Case(name, err)
		return
	}
	err = approx("lambda", fractal.LyapunovExponent(hist, 1.0), float64(c.Lambda), relTranscendental, absNearZero)
	if err == nil && c.Half != nil {
		err = approx("lambda dt=0.5", fractal.LyapunovExponent(hist, 0.5), float64(*c.Half), relTranscendental, absNearZero)
	}
	r.Case(name, err)
}

// syntheticHistory builds np.zeros((T,N,N)) or np.arange(K.).reshape(T,N,N)*s.
func syntheticHistory(recipe string) ([][]float64, error) {
	atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
	var t, a, b int
	scale, arange := 0.0, false
	if m := lyapZerosRE.FindStringSubmatch(recipe); m != nil {
		t, a, b = atoi(m[1]), atoi(m[2]), atoi(m[3])
	} else if m := lyapArangeRE.FindStringSubmatch(recipe); m != nil {
		t, a, b = atoi(m[2]), atoi(m[3]), atoi(m[4])
		var err error
		if scale, err = strconv.ParseFloat(m[5], 64); err != nil || atoi(m[1]) != t*a*b {
			return nil, fmt.Errorf("bad recipe %q", recipe)
		}
		arange = true
	} else {
		return nil, fmt.Errorf("unknown history recipe %q", recipe)
	}
	if t*a*b > 1<<24 {
		return nil, fmt.Errorf("recipe %q too large", recipe)
	}
	hist := make([][]float64, t)
	for i := range hist {
		hist[i] = make([]float64, a*b)
		if arange {
			for j := range hist[i] {
				hist[i][j] = float64(i*a*b+j) * scale
			}
		}
	}
	return hist, nil
}
