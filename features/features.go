// Package features computes the 18 standard features of a potential field and its history
// (spec §14, the reference's analytics.compute_features): fractal, basic statistics, temporal
// and structural groups. Every number that numpy defines is reproduced bit for bit, except
// the ones that pass through log, pow or least squares (D_box, D_r2, V_skew, V_kurt,
// E_trend), which agree within the golden tolerance of 1e-12 relative (E_trend, through
// LAPACK's lstsq in the reference, is the loosest: up to 3e-13 on the goldens).
package features

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"mfn/field"
	"mfn/fractal"
	"mfn/internal/pyfmt"
	"mfn/npexact"
)

// Count is the number of features (FEATURE_COUNT).
const Count = 18

// Config is the reference's analytics.FeatureConfig. Thresholds are in millivolts.
type Config struct {
	MinBoxSize           int     `json:"min_box_size"`
	MaxBoxSize           int     `json:"max_box_size"` // 0 means None: derived from the grid
	NumScales            int     `json:"num_scales"`
	ThresholdLowMV       float64 `json:"threshold_low_mv"`
	ThresholdMedMV       float64 `json:"threshold_med_mv"`
	ThresholdHighMV      float64 `json:"threshold_high_mv"`
	StabilityThresholdMV float64 `json:"stability_threshold_mv"`
	StabilityWindow      int     `json:"stability_window"`
	Connectivity         int     `json:"connectivity"` // 4 or 8
	// ThresholdMode chooses fixed (the millivolt thresholds above; also "") or adaptive
	// thresholds (quantile, otsu) for the fractal and structural features (threshold.go).
	ThresholdMode ThresholdMode `json:"threshold_mode,omitempty"`
	// Quantiles are the low, medium and high quantiles of ThresholdQuantile (zero: 0.5, 0.75, 0.9).
	Quantiles [3]float64 `json:"threshold_quantiles,omitzero"`
	// MinRangeMV is the field range below which adaptive thresholds find nothing active
	// (0: DefaultMinRangeMV).
	MinRangeMV float64 `json:"min_range_mv,omitempty"`
}

// DefaultConfig is FeatureConfig() / make_feature_config_default().
func DefaultConfig() Config {
	return Config{MinBoxSize: 2, NumScales: 5, ThresholdLowMV: -60, ThresholdMedMV: -50, ThresholdHighMV: -40,
		StabilityThresholdMV: 0.001, StabilityWindow: 10, Connectivity: 4}
}

// DemoConfig is make_feature_config_demo(): 3 scales and a stability window of 5.
func DemoConfig() Config {
	c := DefaultConfig()
	c.NumScales, c.StabilityWindow = 3, 5
	return c
}

// ConfigError reports a configuration parameter outside its allowed range. Message is the
// reference's text; the rest names the parameter, the value and what is allowed.
type ConfigError struct {
	Message   string
	Parameter string
	Value     string
	Allowed   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s (parameter='%s', value=%s, allowed: %s)", e.Message, e.Parameter, e.Value, e.Allowed)
}

func intErr(msg, param string, v int, allowed string) error {
	return &ConfigError{Message: msg, Parameter: param, Value: strconv.Itoa(v), Allowed: allowed}
}

func floatErr(msg, param string, v float64, allowed string) error {
	return &ConfigError{Message: msg, Parameter: param, Value: pyFloat(v), Allowed: allowed}
}

// Validate applies the checks of analytics.FeatureConfig (spec §14.1), which Compute relies
// on, plus the bounds without which the reference itself would fail or guess: max_box_size
// ≥ 0 (0 = None), num_scales ≤ fractal.MaxNumScales and stability_window ≥ 1.
func (c Config) Validate() error {
	switch {
	case c.MinBoxSize < 1:
		return intErr("min_box_size must be at least 1", "min_box_size", c.MinBoxSize, ">= 1")
	case c.MaxBoxSize < 0:
		return intErr("max_box_size must be >= 0 (0 means None)", "max_box_size", c.MaxBoxSize, ">= 0")
	case c.NumScales < 2:
		return intErr("num_scales must be at least 2", "num_scales", c.NumScales, fmt.Sprintf("[2, %d]", fractal.MaxNumScales))
	case c.NumScales > fractal.MaxNumScales:
		return intErr(fmt.Sprintf("num_scales must be at most %d", fractal.MaxNumScales), "num_scales", c.NumScales,
			fmt.Sprintf("[2, %d]", fractal.MaxNumScales))
	case c.StabilityWindow < 1:
		return intErr(fmt.Sprintf("stability_window must be >= 1, got %d", c.StabilityWindow), "stability_window", c.StabilityWindow, ">= 1")
	case c.Connectivity != 4 && c.Connectivity != 8:
		return intErr("connectivity must be 4 or 8", "connectivity", c.Connectivity, "4 or 8")
	}
	return c.validateThresholdMode()
}

// ValidateStrict applies validate_feature_config, the checks of the exported
// config.FeatureConfig (spec §16.2), in the reference's order and with its messages.
func (c Config) ValidateStrict() error {
	if c.MinBoxSize < 1 {
		return intErr(fmt.Sprintf("min_box_size must be >= 1, got %d", c.MinBoxSize), "min_box_size", c.MinBoxSize, ">= 1")
	}
	if c.MaxBoxSize != 0 && c.MaxBoxSize < c.MinBoxSize {
		return intErr(fmt.Sprintf("max_box_size (%d) must be >= min_box_size (%d)", c.MaxBoxSize, c.MinBoxSize),
			"max_box_size", c.MaxBoxSize, fmt.Sprintf(">= min_box_size (%d), or 0 for None", c.MinBoxSize))
	}
	if c.NumScales < 2 || c.NumScales > 20 {
		return intErr(fmt.Sprintf("num_scales must be in [2, 20], got %d", c.NumScales), "num_scales", c.NumScales, "[2, 20]")
	}
	for _, t := range []struct {
		name string
		v    float64
	}{{"threshold_low_mv", c.ThresholdLowMV}, {"threshold_med_mv", c.ThresholdMedMV}, {"threshold_high_mv", c.ThresholdHighMV}} {
		if !(t.v >= -100 && t.v <= 50) {
			return floatErr(fmt.Sprintf("%s must be in [-100.0, 50.0], got %s", t.name, pyFloat(t.v)), t.name, t.v, "[-100.0, 50.0]")
		}
	}
	if c.ThresholdLowMV >= c.ThresholdMedMV {
		return floatErr(fmt.Sprintf("threshold_low_mv (%s) must be < threshold_med_mv (%s)", pyFloat(c.ThresholdLowMV), pyFloat(c.ThresholdMedMV)),
			"threshold_low_mv", c.ThresholdLowMV, fmt.Sprintf("< threshold_med_mv (%s)", pyFloat(c.ThresholdMedMV)))
	}
	if c.ThresholdMedMV >= c.ThresholdHighMV {
		return floatErr(fmt.Sprintf("threshold_med_mv (%s) must be < threshold_high_mv (%s)", pyFloat(c.ThresholdMedMV), pyFloat(c.ThresholdHighMV)),
			"threshold_med_mv", c.ThresholdMedMV, fmt.Sprintf("< threshold_high_mv (%s)", pyFloat(c.ThresholdHighMV)))
	}
	if !(c.StabilityThresholdMV >= 0) || math.IsInf(c.StabilityThresholdMV, 1) {
		return floatErr(fmt.Sprintf("stability_threshold_mv must be >= 0, got %s", pyFloat(c.StabilityThresholdMV)),
			"stability_threshold_mv", c.StabilityThresholdMV, ">= 0 and finite")
	}
	if c.StabilityWindow < 1 {
		return intErr(fmt.Sprintf("stability_window must be >= 1, got %d", c.StabilityWindow), "stability_window", c.StabilityWindow, ">= 1")
	}
	if c.Connectivity != 4 && c.Connectivity != 8 {
		return intErr(fmt.Sprintf("connectivity must be one of (4, 8), got %d", c.Connectivity), "connectivity", c.Connectivity, "4 or 8")
	}
	return c.validateThresholdMode()
}

// Vector is the reference's FeatureVector: the 18 features in canonical order.
type Vector struct {
	DBox           float64 // box-counting dimension of the mask field > threshold_low
	DR2            float64 // R² of that fit, clamped to [0, 1]
	VMin           float64 // mV
	VMax           float64 // mV
	VMean          float64 // mV
	VStd           float64 // mV, population
	VSkew          float64
	VKurt          float64 // excess kurtosis
	DVMean         float64 // mV/step, mean |ΔV| over the history
	DVMax          float64 // mV/step
	TStable        int     // first step of the first quiet run of stability_window steps, else T
	ETrend         float64 // mV²/step, slope of Σ V² over time
	FActive        float64 // fraction of cells above threshold_low
	NClustersLow   int
	NClustersMed   int
	NClustersHigh  int
	MaxClusterSize int     // cells in the largest low-threshold cluster
	ClusterSizeStd float64 // population std of the low-threshold cluster sizes
}

var names = [Count]string{"D_box", "D_r2", "V_min", "V_max", "V_mean", "V_std", "V_skew", "V_kurt",
	"dV_mean", "dV_max", "T_stable", "E_trend", "f_active", "N_clusters_low", "N_clusters_med",
	"N_clusters_high", "max_cluster_size", "cluster_size_std"}

// Names returns the 18 feature names in canonical order (feature_names()).
func Names() []string { return append([]string(nil), names[:]...) }

// Values returns the features in canonical order as float64 (to_array()).
func (v Vector) Values() []float64 {
	return []float64{v.DBox, v.DR2, v.VMin, v.VMax, v.VMean, v.VStd, v.VSkew, v.VKurt, v.DVMean, v.DVMax,
		float64(v.TStable), v.ETrend, v.FActive, float64(v.NClustersLow), float64(v.NClustersMed),
		float64(v.NClustersHigh), float64(v.MaxClusterSize), v.ClusterSizeStd}
}

// FromValues is FeatureVector.from_array: exactly 18 values in canonical order; the integer
// features are truncated toward zero like Python's int().
func FromValues(a []float64) (Vector, error) {
	if len(a) != Count {
		//lint:ignore ST1005 the reference's from_array message, word for word
		return Vector{}, fmt.Errorf("Expected 18 features, got %d", len(a))
	}
	toInt := func(i int) (int, error) {
		t := math.Trunc(a[i])
		if !(math.Abs(t) < 1<<53) {
			return 0, fmt.Errorf("%s=%s cannot be converted to an integer (allowed: finite, |value| < 2^53)", names[i], pyFloat(a[i]))
		}
		return int(t), nil
	}
	v := Vector{DBox: a[0], DR2: a[1], VMin: a[2], VMax: a[3], VMean: a[4], VStd: a[5], VSkew: a[6], VKurt: a[7],
		DVMean: a[8], DVMax: a[9], ETrend: a[11], FActive: a[12], ClusterSizeStd: a[17]}
	var err error
	for _, f := range []struct {
		dst *int
		i   int
	}{{&v.TStable, 10}, {&v.NClustersLow, 13}, {&v.NClustersMed, 14}, {&v.NClustersHigh, 15}, {&v.MaxClusterSize, 16}} {
		if *f.dst, err = toInt(f.i); err != nil {
			return Vector{}, err
		}
	}
	return v, nil
}

// Map returns name → value, every value as float64 (to_dict()).
func (v Vector) Map() map[string]float64 {
	m := make(map[string]float64, Count)
	for i, x := range v.Values() {
		m[names[i]] = x
	}
	return m
}

// MarshalJSON writes the to_dict() form as an object whose keys keep the canonical order.
// Values use Python's repr digits (integers as 32.0); NaN and ±Inf, which JSON cannot carry,
// become null.
func (v Vector) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, x := range v.Values() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, names[i])
		b = append(b, ':')
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
		} else {
			b = append(b, pyFloat(x)...)
		}
	}
	return append(b, '}'), nil
}

// ValidateRanges is validate_feature_ranges: warnings for values outside their expected
// ranges (D_box [0, 2.5], strict [1.4, 1.9]), in the reference's order and wording.
func ValidateRanges(v Vector, strict bool) []string {
	var w []string
	lo, hi := 0.0, 2.5
	if strict {
		lo, hi = 1.4, 1.9
	}
	if v.DBox < lo || v.DBox > hi {
		w = append(w, fmt.Sprintf("D_box=%s outside [%s, %s]", fixed(v.DBox, 3), pyFloat(lo), pyFloat(hi)))
	}
	if v.DR2 < 0 || v.DR2 > 1 {
		w = append(w, fmt.Sprintf("D_r2=%s outside [0, 1]", fixed(v.DR2, 3)))
	}
	if v.VMin < -100 || v.VMax > 50 {
		w = append(w, fmt.Sprintf("V range [%s, %s] mV exceeds physiological bounds [-100, 50]", fixed(v.VMin, 1), fixed(v.VMax, 1)))
	}
	if v.FActive < 0 || v.FActive > 1 {
		w = append(w, fmt.Sprintf("f_active=%s outside [0, 1]", fixed(v.FActive, 3)))
	}
	var nan, inf bool
	for _, x := range v.Values() {
		nan = nan || math.IsNaN(x)
		inf = inf || math.IsInf(x, 0)
	}
	if nan {
		w = append(w, "NaN detected in features")
	}
	if inf {
		w = append(w, "Inf detected in features")
	}
	return w
}

// fixed is Python's f"{x:.Nf}" (nan, inf spelled the Python way).
func fixed(x float64, prec int) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

// pyFloat is Python's repr(float).
func pyFloat(x float64) string { return pyfmt.Float(x) }

// ErrInput is wrapped by every error about the shape of the input.
var ErrInput = errors.New("features: invalid input")

// Compute is compute_features for a history of T ≥ 1 frames, each n×n volts in row-major
// order; the last frame is the field. Temporal features need T ≥ 2 (else they are 0).
func Compute(history [][]float64, n int, cfg Config) (Vector, error) {
	if err := cfg.Validate(); err != nil {
		return Vector{}, err
	}
	if len(history) == 0 {
		return Vector{}, fmt.Errorf("%w: the history has no frames (need T >= 1 frames of n×n values)", ErrInput)
	}
	if n < 1 || (n*n)/n != n {
		return Vector{}, fmt.Errorf("%w: grid side n=%d (need 1 <= n and n·n frames that fit in memory)", ErrInput, n)
	}
	for t, f := range history {
		if len(f) != n*n {
			return Vector{}, fmt.Errorf("%w: frame %d has %d values, want n·n = %d", ErrInput, t, len(f), n*n)
		}
	}
	ws := pool.Get().(*workspace)
	defer pool.Put(ws)
	return ws.compute(history, n, cfg)
}

// ComputeField is compute_features of a single n×n frame: the temporal features are 0.
func ComputeField(frame []float64, n int, cfg Config) (Vector, error) {
	return Compute([][]float64{frame}, n, cfg)
}

// FromResult is the package wrapper's compute_fractal_features(result) (spec §14.5): the
// history when the result has one, else the final field alone.
func FromResult(r *field.Result, cfg Config) (Vector, error) {
	if r == nil {
		return Vector{}, fmt.Errorf("%w: no simulation result", ErrInput)
	}
	if frames := r.Frames(); len(frames) > 0 {
		return Compute(frames, r.N, cfg)
	}
	return ComputeField(r.Field, r.N, cfg)
}

var pool = sync.Pool{New: func() any { return new(workspace) }}

// workspace holds the buffers of one computation, reused across calls.
type workspace struct {
	scratch []float64 // 3·n² values
	mask    []bool
	stacks  frameStacks
	temporal
	clusters
}

func (ws *workspace) compute(history [][]float64, n int, cfg Config) (Vector, error) {
	var v Vector
	if err := ws.frameFeatures(history[len(history)-1], n, cfg, &v); err != nil {
		return Vector{}, err
	}
	v.DVMean, v.DVMax, v.TStable, v.ETrend = ws.temporal.run(history, n*n, cfg.StabilityThresholdMV, cfg.StabilityWindow)
	return v, nil
}

// frameFeatures sets the features of the last frame: the fractal, basic statistics and
// structural groups.
func (ws *workspace) frameFeatures(last []float64, n int, cfg Config, v *Vector) error {
	nn := n * n

	// Fractal group: the mask compares volts with the threshold converted back from mV.
	ws.scratch = grow(ws.scratch, 3*nn)
	thr := cfg.Thresholds(last, ws.scratch)
	ws.mask = grow(ws.mask, nn)
	active := ws.clusters.pack(last, n, thr, ws.mask) // the masks, for the structural group too
	var err error
	v.DBox, v.DR2, err = fractal.BoxCountingDimension(ws.mask, n, fractal.BoxOptions{MinBox: cfg.MinBoxSize, MaxBox: cfg.MaxBoxSize, NumScales: cfg.NumScales})
	if err != nil {
		return err
	}

	ws.scratch = grow(ws.scratch, 3*nn)
	if sk, mk := scaledKernel, momentKernel; sk != nil && mk != nil {
		v.VMin, v.VMax, v.VMean, v.VStd, v.VSkew, v.VKurt = basicStatsKernel(sk, mk, last, ws.scratch, &ws.stacks)
	} else {
		v.VMin, v.VMax, v.VMean, v.VStd, v.VSkew, v.VKurt = basicStats(last, ws.scratch)
	}

	st := ws.clusters.components(n, cfg.Connectivity == 8, active)
	v.FActive = float64(st.active) / float64(nn)
	v.NClustersLow, v.NClustersMed, v.NClustersHigh = st.nLow, st.nMed, st.nHigh
	v.MaxClusterSize, v.ClusterSizeStd = st.maxSize, st.sizeStd
	return nil
}

// basicStats is compute_basic_stats in mV: Vm = field·1000, then numpy's min, max, mean, std
// and the standardised third and fourth central moments. scratch holds 3·len(frame) values.
func basicStats(frame, scratch []float64) (lo, hi, mean, std, skew, kurt float64) {
	n := len(frame)
	vm, c, c4 := scratch[:n], scratch[n:2*n], scratch[2*n:3*n]
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, x := range frame {
		v := x * 1000.0
		vm[i] = v
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	nf := float64(n)
	mean = sum(vm) / nf
	if math.IsNaN(mean) { // perhaps a NaN, which np.min and np.max propagate
		lo, hi = npexact.MinMax(vm)
	}
	for i, v := range vm {
		d := v - mean
		c[i] = d * d
	}
	std = math.Sqrt(sum(c) / nf)
	if !(std > 1e-10) {
		return lo, hi, mean, std, 0, 0
	}
	for i, v := range vm {
		c[i], c4[i] = pow34(v - mean)
	}
	return lo, hi, mean, std, sum(c) / nf / pow3(std), sum(c4)/nf/pow4(std) - 3.0
}

// pow3 and pow4 are x³ and x⁴ rounded (almost always) correctly. numpy's power and C's pow
// are within an ulp of the exact value; repeated multiplication can be two ulps away.
func pow3(x float64) float64 { c, _ := pow34(x); return c }

func pow4(x float64) float64 { _, q := pow34(x); return q }

// pow34 returns x³ and x⁴, sharing x² = p + e (exactly, by FMA).
func pow34(x float64) (cube, quart float64) {
	p := x * x
	e := math.FMA(x, x, -p)
	h := p * x
	cube = h + (math.FMA(p, x, -h) + float64(e*x))
	q := p * p
	quart = q + (math.FMA(p, p, -q) + float64(2*p*e))
	return cube, quart
}

// chunk is numpy's reduction buffer: a full np.sum adds the pairwise sums of consecutive
// 8192-element chunks, left to right, starting from 0.0.
const chunk = 8192

// temporal computes dV_mean, dV_max, T_stable and E_trend from the history.
//
// The reference materialises Hm = history·1000 and all (T−1)·n² differences. Here one pass
// per pair of frames yields the difference frame's np.sum, its maximum and E of the newer
// frame, without storing the differences: np.sum over all of them splits them into chunks of
// 8192 whose pairwise trees usually consist of whole frames (n = 16, 32, 64), and those
// nodes reuse the frame sums. Only frames that a chunk tree cuts through are stored. For
// T_stable, the pass keeps each frame's leaf sums; they rule out most of the frames the
// search probes, and the exact std is computed, from the history, only for the others.
// With AVX2 the pass runs through kernel (kernel.go, kernel_amd64.s), which computes the same
// bits four lanes at a time: numpy's eight accumulators are two vector registers.
type temporal struct {
	nn       int
	scratch  []float64 // n² values
	frameSum []float64 // np.sum of each difference frame
	leafLens []int32   // the lengths of the leaves of a frame's pairwise tree
	leafSums []float64 // per difference frame, its len(leafLens) leaf sums
	energy   []float64 // E_t
	steps    []float64 // 0, 1, …, T−1
	slot     []int32   // difference frame → its index in store, or −1
	store    []float64 // the difference frames that chunk trees read value by value
	win      []float64 // for a stream, the differences of one chunk (from winLo) instead
	winLo    int
	winBuf   []float64 // win's memory, kept across streams
	quiet    []int8    // per difference frame: 0 not yet known, 1 s_t < θ, 2 not
	stacks   frameStacks
	workers  []*pairWorker
}

// pairWorker is the state of one goroutine of the pair loop.
type pairWorker struct {
	diffPass
	prev, cur []float64 // Hm of the previous and the current frame
}

func (tp *temporal) run(h [][]float64, nn int, theta float64, window int) (dvMean, dvMax float64, tStable int, eTrend float64) {
	T := len(h)
	if T < 2 {
		return 0, 0, 0, 0
	}
	nd := T - 1
	tp.setup(T, nn, h[0])
	tp.plan(nd)

	// s_t ≥ 0 (or NaN), so s_t < θ needs θ > 0.
	checking := T > window && theta > 0
	// Frame pairs are independent: large histories split them across CPUs.
	kern := kernel
	workers, batch := 1, nd
	if nd*nn >= parallelMin && (kern == nil || nd*nn >= kernelParallelMin) {
		workers = min(runtime.GOMAXPROCS(0), nd)
		batch = max(nd/(2*workers), 8)
	}
	for len(tp.workers) < workers {
		tp.workers = append(tp.workers, new(pairWorker))
	}
	for _, pw := range tp.workers[:workers] {
		pw.mx = 0
		if kern == nil {
			pw.prev, pw.cur = grow(pw.prev, nn), grow(pw.cur, nn)
		}
	}
	if workers == 1 {
		tp.pairs(h, 0, nd, tp.workers[0], kern)
	} else {
		tp.parallelPairs(h, workers, batch, kern)
	}

	all := nd * nn
	total := 0.0
	for lo := 0; lo < all; lo += chunk {
		total += tp.node(lo, min(lo+chunk, all), false)
	}
	dvMax = 0 // the differences are ≥ 0
	for _, pw := range tp.workers[:workers] {
		dvMax = max(dvMax, pw.mx)
	}
	if math.IsNaN(total) { // np.max propagates NaN; so does the sum
		dvMax = total
	}
	tStable = T
	if checking {
		tStable = tp.stableStep(h, theta, window)
	}
	eTrend, _ = npexact.Polyfit1(tp.steps, tp.energy)
	return total / float64(all), dvMax, tStable, eTrend
}

// setup sizes the per-frame slices for a history of T ≥ 2 frames of nn values and sets E_0
// from the first frame h0; the slot plan is left to the caller.
func (tp *temporal) setup(T, nn int, h0 []float64) {
	nd := T - 1
	tp.nn = nn
	tp.frameSum = grow(tp.frameSum, nd)
	tp.energy = grow(tp.energy, T)
	tp.steps = grow(tp.steps, T)
	for t := range tp.steps {
		tp.steps[t] = float64(t)
	}
	tp.quiet = grow(tp.quiet, nd)
	clear(tp.quiet)
	tp.leafLens = leafLayout(nn, tp.leafLens[:0])
	tp.leafSums = grow(tp.leafSums, nd*len(tp.leafLens))
	if sk := scaledKernel; sk != nil {
		_, tp.energy[0], _, _ = scaledSums(sk, h0, &tp.stacks)
	} else {
		tp.scratch = grow(tp.scratch, nn)
		for i, x := range h0 {
			tp.scratch[i] = x * 1000.0
		}
		tp.energy[0] = sumSqDev(tp.scratch, 0) // (v − 0)² is v² exactly
	}
}

// parallelMin (kernelParallelMin with the vectorised kernel, about 4× faster) is the number
// of differences from which the pair loop is split across CPUs. Below it, waking helpers
// costs more than it saves, even more so when the other CPUs are busy.
const (
	parallelMin       = 1 << 16
	kernelParallelMin = 1 << 20
)

// parallelPairs runs pairs over all frame pairs in batches of batch frames, which the
// calling goroutine and workers−1 helpers take in turn, so a helper that is not scheduled
// only leaves more batches to the caller.
func (tp *temporal) parallelPairs(h [][]float64, workers, batch int, kern kernelFunc) {
	nd := len(h) - 1
	var next atomic.Int64
	work := func(pw *pairWorker) {
		for {
			lo := int(next.Add(1)-1) * batch
			if lo >= nd {
				break
			}
			tp.pairs(h, lo, min(lo+batch, nd), pw, kern)
		}
	}
	var wg sync.WaitGroup
	for _, pw := range tp.workers[1:workers] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(pw)
		}()
	}
	work(tp.workers[0])
	wg.Wait()
}

// pairs runs the pass over the frame pairs t ∈ [lo, hi), through kern unless it is nil,
// raising pw.mx to their largest difference and keeping their leaf sums.
func (tp *temporal) pairs(h [][]float64, lo, hi int, pw *pairWorker, kern kernelFunc) {
	nn := tp.nn
	pw.track, pw.rescans = false, 0
	if kern == nil {
		for i, x := range h[lo] {
			pw.prev[i] = x * 1000.0
		}
	}
	for t := lo; t < hi; t++ {
		var d []float64
		if k := int(tp.slot[t]); k >= 0 {
			d = tp.store[k*nn : (k+1)*nn]
		}
		tp.pair(t, h[t], h[t+1], pw, kern, d)
	}
}

// pair is the pass over difference frame t (h0 = frame t, h1 = frame t+1): its np.sum, its
// leaf sums, E_{t+1} and pw.mx, and the differences in d when d is not nil. Without kern,
// pw.prev must hold h0·1000; it then holds h1·1000.
func (tp *temporal) pair(t int, h0, h1 []float64, pw *pairWorker, kern kernelFunc, d []float64) {
	nl := len(tp.leafLens)
	p := &pw.diffPass
	p.leafSums = tp.leafSums[t*nl : t*nl : (t+1)*nl]
	if kern != nil {
		tp.frameSum[t], tp.energy[t+1] = p.kernelSums(kern, h0, h1)
		if d != nil {
			storeDiffs(d, h0, h1)
		}
	} else {
		p.h1, p.prev, p.cur, p.d = h1, pw.prev, pw.cur, d
		tp.frameSum[t], tp.energy[t+1] = p.sums()
		pw.prev, pw.cur = pw.cur, pw.prev
	}
	if len(p.leafSums) != nl {
		panic("features: leaf layout mismatch")
	}
	// When the partial-sum bound fails for over a quarter of the leaves (rough fields),
	// comparing every difference is the cheaper way to the maximum.
	p.track, p.rescans = 4*p.rescans > nl, 0
}

// leafLayout appends the lengths of the leaves of numpy's pairwise tree of a frame of nn
// values (chunks of 8192, halved at multiples of 8 down to at most 128 values) to lens.
func leafLayout(nn int, lens []int32) []int32 {
	for lo := 0; lo < nn; lo += chunk {
		lens = appendLeaves(lens, min(chunk, nn-lo))
	}
	return lens
}

func appendLeaves(lens []int32, n int) []int32 {
	if n > 128 {
		m := n / 2
		m -= m % 8
		return appendLeaves(appendLeaves(lens, m), n-m)
	}
	return append(lens, int32(n))
}

// noisy reports whether s_t ≥ θ is certain from the leaf sums of difference frame t alone.
// The std between the leaves, sqrt(Σ n_g (m_g − m)² / n) with m_g the leaf means, is at most
// the total std (law of total variance). Each computed m_g − m is within 1e-12·(m_g + m) of
// the exact value (sums of ≤ 128 non-negative values, m from numpy's pairwise sum), which
// moves the between std by at most that much; numpy's s_t is within 1e-12 relative of the
// exact std. So when the computed between std beats θ by more than these errors, s_t < θ is
// impossible.
func (tp *temporal) noisy(t int, theta float64) bool {
	nl := len(tp.leafLens)
	mean := tp.frameSum[t] / float64(tp.nn)
	v, top := 0.0, mean
	for g, s := range tp.leafSums[t*nl : (t+1)*nl] {
		n := float64(tp.leafLens[g])
		m := s / n
		top = max(top, m)
		c := m - mean
		v += float64(n * float64(c*c))
	}
	between := math.Sqrt(v / float64(tp.nn))
	return between*(1-1e-12)-4e-12*(top+mean) > theta*(1+1e-9)
}

// decide computes whether difference frame t is quiet: np.std(|Hm[t+1] − Hm[t]|) < θ.
func (tp *temporal) decide(h [][]float64, t int, theta float64) bool {
	return tp.decidePair(t, h[t], h[t+1], theta)
}

// decidePair is decide with the frames t (h0) and t+1 (h1) given.
func (tp *temporal) decidePair(t int, h0, h1 []float64, theta float64) bool {
	if tp.quiet[t] == 0 {
		mean := tp.frameSum[t] / float64(tp.nn)
		tp.quiet[t] = 2
		if !tp.noisy(t, theta) && math.Sqrt(sumSqDevDiff(h0, h1, mean)/float64(tp.nn)) < theta {
			tp.quiet[t] = 1
		}
	}
	return tp.quiet[t] == 1
}

// stableStep returns T_stable: t − W + 2 for the first t that ends W consecutive quiet
// difference frames (s_t < θ), else T. Every run of W frames contains a frame whose index is
// W−1 more than the earliest possible start, so only those are probed first; a quiet probe is
// then extended both ways. A noisy history costs at most about (T−1)/W std computations,
// fewer when the pair loop has already ruled frames out.
func (tp *temporal) stableStep(h [][]float64, theta float64, w int) int {
	nd := len(h) - 1
	quiet := func(t int) bool { return tp.decide(h, t, theta) }
	lowest := 0 // no run starts before lowest
	for j := w - 1; j < nd; j = lowest + w - 1 {
		if !quiet(j) {
			lowest = j + 1
			continue
		}
		a := j
		for a > lowest && quiet(a-1) {
			a--
		}
		e := j + 1
		for e < a+w && e < nd && quiet(e) {
			e++
		}
		if e == a+w {
			return a + 1 // the run a … a+W−1 completes at t = a+W−1: t − W + 2
		}
		lowest = e + 1 // every run starting in [a, e] contains the noisy frame e
	}
	return len(h)
}

// plan finds the difference frames that some chunk tree reads value by value and gives
// each a slot in store.
func (tp *temporal) plan(nd int) {
	tp.win = nil
	k := tp.mark(nd)
	tp.store = grow(tp.store, int(k)*tp.nn)
}

// mark sets slot: for every difference frame that some chunk tree reads value by value, its
// index among those frames, else −1. It returns how many there are.
func (tp *temporal) mark(nd int) int32 {
	tp.slot = grow(tp.slot, nd)
	clear(tp.slot) // node marks the needed frames with 1
	all := nd * tp.nn
	for lo := 0; lo < all; lo += chunk {
		tp.node(lo, min(lo+chunk, all), true)
	}
	k := int32(0)
	for i, s := range tp.slot {
		if s == 0 {
			tp.slot[i] = -1
		} else {
			tp.slot[i] = k
			k++
		}
	}
	return k
}

// node is numpy's pairwise sum of the differences [lo, hi) (global, frame after frame). A node
// that is exactly one frame takes its sum; leaves read store. With mark, it only records in
// slot which frames the leaves read.
func (tp *temporal) node(lo, hi int, mark bool) float64 {
	nn, n := tp.nn, hi-lo
	if n == nn && lo%nn == 0 {
		if mark {
			return 0
		}
		return tp.frameSum[lo/nn]
	}
	if n > 128 {
		m := n / 2
		m -= m % 8
		return tp.node(lo, lo+m, mark) + tp.node(lo+m, hi, mark)
	}
	first := lo / nn
	if mark {
		for k := first; k <= (hi-1)/nn; k++ {
			tp.slot[k] = 1
		}
		return 0
	}
	if tp.win != nil { // the stream: the differences of the chunk starting at winLo
		return leafSum(tp.win[lo-tp.winLo : hi-tp.winLo])
	}
	// Consecutive needed frames have consecutive slots, so the leaf is contiguous in store.
	off := int(tp.slot[first])*nn + lo - first*nn
	return leafSum(tp.store[off : off+n])
}

// leafSum is numpy's pairwise_sum for n ≤ 128.
func leafSum(a []float64) float64 {
	n := len(a)
	if n < 8 {
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	}
	r0, r1, r2, r3, r4, r5, r6, r7 := a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
	i := 8
	for ; i < n-n%8; i += 8 {
		b := a[i : i+8 : i+8]
		r0 += b[0]
		r1 += b[1]
		r2 += b[2]
		r3 += b[3]
		r4 += b[4]
		r5 += b[5]
		r6 += b[6]
		r7 += b[7]
	}
	res := ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
	for ; i < n; i++ {
		res += a[i]
	}
	return res
}

// sumSqDev is np.sum((a − m)²) for a contiguous array: chunked, pairwise.
func sumSqDev(a []float64, m float64) float64 {
	total := 0.0
	for lo := 0; lo < len(a); lo += chunk {
		total += sqDevTree(a[lo:min(lo+chunk, len(a))], m)
	}
	return total
}

func sqDevTree(a []float64, m float64) float64 {
	n := len(a)
	if n > 128 {
		h := n / 2
		h -= h % 8
		return sqDevTree(a[:h], m) + sqDevTree(a[h:], m)
	}
	if n < 8 {
		res := 0.0
		for _, v := range a {
			c := v - m
			res += float64(c * c)
		}
		return res
	}
	sq := func(v float64) float64 { c := v - m; return float64(c * c) } // no FMA with the sum
	r0, r1, r2, r3, r4, r5, r6, r7 := sq(a[0]), sq(a[1]), sq(a[2]), sq(a[3]), sq(a[4]), sq(a[5]), sq(a[6]), sq(a[7])
	i := 8
	for ; i < n-n%8; i += 8 {
		b := a[i : i+8 : i+8]
		r0 += sq(b[0])
		r1 += sq(b[1])
		r2 += sq(b[2])
		r3 += sq(b[3])
		r4 += sq(b[4])
		r5 += sq(b[5])
		r6 += sq(b[6])
		r7 += sq(b[7])
	}
	res := ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
	for ; i < n; i++ {
		res += sq(a[i])
	}
	return res
}

// diffPass visits the pair (frame t, frame t+1) once along numpy's pairwise tree. It writes
// cur = Hm[t+1] = h1·1000 and returns np.sum(|cur − prev|) (prev = Hm[t]) and np.sum(cur²).
// It keeps the running maximum difference, and stores the differences in d when d is not nil.
type diffPass struct {
	h1, prev, cur, d []float64
	mx               float64
	// track makes the leaves compare every difference with the maximum. Otherwise a leaf
	// is searched again only when its partial sums allow a new maximum; rescans counts the
	// leaves where they do, in either mode.
	track   bool
	rescans int
	// leafSums receives the sum of every leaf of the frame, in order.
	leafSums []float64
	buf      leafBuf // for kernel
}

func (p *diffPass) sums() (ds, es float64) {
	nn := len(p.h1)
	for lo := 0; lo < nn; lo += chunk {
		a, b := p.tree(lo, min(lo+chunk, nn))
		ds += a
		es += b
	}
	return ds, es
}

func (p *diffPass) tree(lo, hi int) (ds, es float64) {
	if n := hi - lo; n > 128 {
		m := n / 2
		m -= m % 8
		a1, b1 := p.tree(lo, lo+m)
		a2, b2 := p.tree(lo+m, hi)
		return a1 + a2, b1 + b2
	}
	v0, v1 := p.prev[lo:hi], p.cur[lo:hi]
	ds, es, lane, m := leaf(p.h1[lo:hi], v0, v1, p.track, p.mx)
	p.leafSums = append(p.leafSums, ds)
	// Differences are ≥ 0, so no element of the leaf exceeds a partial sum that contains it:
	// without track, the leaf is searched for a new maximum only when that bound beats the
	// current one.
	if lane > p.mx {
		p.rescans++
	}
	v0 = v0[:len(v1)]
	if p.track {
		p.mx = max(p.mx, m)
	} else if lane > p.mx {
		for i, v := range v1 {
			if x := math.Abs(v - v0[i]); x > p.mx {
				p.mx = x
			}
		}
	}
	if p.d != nil {
		d := p.d[lo:hi]
		for i, v := range v1 {
			d[i] = math.Abs(v - v0[i])
		}
	}
	return ds, es
}

// step scales one value of the newer frame to mV and returns it with its absolute
// difference to the older frame's value (already in mV).
func step(h, prev float64) (v, x float64) {
	v = h * 1000.0
	return v, math.Abs(v - prev)
}

// leaf is numpy's pairwise_sum (n ≤ 128) of the differences and of the squares, a bound on
// the largest difference: the larger sum of lanes 0–3 and 4–7 (+Inf when some element is in
// no lane), and with track the largest of mx and the differences (starting from the running
// maximum keeps the comparison branches predictable). It fills v1 = h1·1000.
func leaf(h1, v0, v1 []float64, track bool, mx float64) (ds, es, bound, newMax float64) {
	n := len(h1)
	v0, v1 = v0[:n], v1[:n]
	if n < 8 {
		for i := range h1 {
			v, x := step(h1[i], v0[i])
			v1[i] = v
			ds += x
			es += float64(v * v)
			mx = max(mx, x)
		}
		return ds, es, math.Inf(1), mx
	}
	end := n - n%8
	// Sixteen accumulators do not fit in the registers: lanes 0–3 and 4–7 run as two passes.
	var s0, s1, s2, s3, s4, s5, s6, s7, e0, e1, e2, e3, e4, e5, e6, e7 float64
	if track {
		s0, s1, s2, s3, e0, e1, e2, e3, mx = halfLeafMax(h1[:end], v0[:end], v1[:end], mx)
		s4, s5, s6, s7, e4, e5, e6, e7, mx = halfLeafMax(h1[4:end], v0[4:end], v1[4:end], mx)
	} else {
		s0, s1, s2, s3, e0, e1, e2, e3 = halfLeaf(h1[:end], v0[:end], v1[:end])
		s4, s5, s6, s7, e4, e5, e6, e7 = halfLeaf(h1[4:end], v0[4:end], v1[4:end])
	}
	lo4, hi4 := (s0+s1)+(s2+s3), (s4+s5)+(s6+s7)
	ds = lo4 + hi4
	es = ((e0 + e1) + (e2 + e3)) + ((e4 + e5) + (e6 + e7))
	// Each half's sum bounds its elements; one comparison is cheaper than the largest lane.
	bound = hi4
	if lo4 > hi4 || end < n {
		bound = lo4
		if end < n {
			bound = math.Inf(1)
		}
	}
	for i := end; i < n; i++ {
		v, x := step(h1[i], v0[i])
		v1[i] = v
		ds += x
		es += float64(v * v)
		mx = max(mx, x)
	}
	return ds, es, bound, mx
}

// halfLeaf accumulates four lanes of numpy's eight: elements 0–3 of every group of eight.
func halfLeaf(h1, v0, v1 []float64) (s0, s1, s2, s3, e0, e1, e2, e3 float64) {
	v0, v1 = v0[:len(h1)], v1[:len(h1)]
	var w0, w1, w2, w3 float64
	w0, s0 = step(h1[0], v0[0])
	w1, s1 = step(h1[1], v0[1])
	w2, s2 = step(h1[2], v0[2])
	w3, s3 = step(h1[3], v0[3])
	v1[0], v1[1], v1[2], v1[3] = w0, w1, w2, w3
	e0, e1, e2, e3 = w0*w0, w1*w1, w2*w2, w3*w3
	for i := 8; i+4 <= len(h1); i += 8 {
		a, b, c := h1[i:i+4:i+4], v0[i:i+4:i+4], v1[i:i+4:i+4]
		var v, x float64
		v, x = step(a[0], b[0])
		c[0], s0, e0 = v, s0+x, e0+float64(v*v)
		v, x = step(a[1], b[1])
		c[1], s1, e1 = v, s1+x, e1+float64(v*v)
		v, x = step(a[2], b[2])
		c[2], s2, e2 = v, s2+x, e2+float64(v*v)
		v, x = step(a[3], b[3])
		c[3], s3, e3 = v, s3+x, e3+float64(v*v)
	}
	return
}

// halfLeafMax is halfLeaf that also returns the largest of m and the differences.
func halfLeafMax(h1, v0, v1 []float64, m float64) (s0, s1, s2, s3, e0, e1, e2, e3, mx float64) {
	v0, v1 = v0[:len(h1)], v1[:len(h1)]
	var w0, w1, w2, w3 float64
	w0, s0 = step(h1[0], v0[0])
	w1, s1 = step(h1[1], v0[1])
	w2, s2 = step(h1[2], v0[2])
	w3, s3 = step(h1[3], v0[3])
	v1[0], v1[1], v1[2], v1[3] = w0, w1, w2, w3
	e0, e1, e2, e3 = w0*w0, w1*w1, w2*w2, w3*w3
	m = max(m, s0, s1, s2, s3)
	for i := 8; i+4 <= len(h1); i += 8 {
		a, b, c := h1[i:i+4:i+4], v0[i:i+4:i+4], v1[i:i+4:i+4]
		var v, x float64
		v, x = step(a[0], b[0])
		c[0], s0, e0 = v, s0+x, e0+float64(v*v)
		if x > m {
			m = x
		}
		v, x = step(a[1], b[1])
		c[1], s1, e1 = v, s1+x, e1+float64(v*v)
		if x > m {
			m = x
		}
		v, x = step(a[2], b[2])
		c[2], s2, e2 = v, s2+x, e2+float64(v*v)
		if x > m {
			m = x
		}
		v, x = step(a[3], b[3])
		c[3], s3, e3 = v, s3+x, e3+float64(v*v)
		if x > m {
			m = x
		}
	}
	return s0, s1, s2, s3, e0, e1, e2, e3, m
}

// sumSqDevDiff is np.sum((d − m)²) for d = |h1·1000 − h0·1000|, without storing d.
func sumSqDevDiff(h0, h1 []float64, m float64) float64 {
	total := 0.0
	for lo := 0; lo < len(h1); lo += chunk {
		hi := min(lo+chunk, len(h1))
		total += sqDevDiffTree(h0[lo:hi], h1[lo:hi], m)
	}
	return total
}

func sqDevDiffTree(h0, h1 []float64, m float64) float64 {
	n := len(h1)
	h0 = h0[:n]
	if n > 128 {
		k := n / 2
		k -= k % 8
		return sqDevDiffTree(h0[:k], h1[:k], m) + sqDevDiffTree(h0[k:], h1[k:], m)
	}
	sq := func(a, b float64) float64 {
		_, x := step(b, float64(a*1000.0))
		c := x - m
		return float64(c * c)
	}
	if n < 8 {
		res := 0.0
		for i := range h1 {
			res += sq(h0[i], h1[i])
		}
		return res
	}
	r0, r1, r2, r3 := sq(h0[0], h1[0]), sq(h0[1], h1[1]), sq(h0[2], h1[2]), sq(h0[3], h1[3])
	r4, r5, r6, r7 := sq(h0[4], h1[4]), sq(h0[5], h1[5]), sq(h0[6], h1[6]), sq(h0[7], h1[7])
	i := 8
	for ; i < n-n%8; i += 8 {
		a, b := h0[i:i+8:i+8], h1[i:i+8:i+8]
		r0 += sq(a[0], b[0])
		r1 += sq(a[1], b[1])
		r2 += sq(a[2], b[2])
		r3 += sq(a[3], b[3])
		r4 += sq(a[4], b[4])
		r5 += sq(a[5], b[5])
		r6 += sq(a[6], b[6])
		r7 += sq(a[7], b[7])
	}
	res := ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
	for ; i < n; i++ {
		res += sq(h0[i], h1[i])
	}
	return res
}

// sum is np.sum of a contiguous array (npexact.Sum with register accumulators).
func sum(a []float64) float64 {
	total := 0.0
	for lo := 0; lo < len(a); lo += chunk {
		total += sumTree(a[lo:min(lo+chunk, len(a))])
	}
	return total
}

func sumTree(a []float64) float64 {
	if n := len(a); n > 128 {
		k := n / 2
		k -= k % 8
		return sumTree(a[:k]) + sumTree(a[k:])
	}
	return leafSum(a)
}
