package features

import (
	"fmt"
	"math"
	"slices"
)

// ThresholdMode selects how the three thresholds of the fractal and structural features
// (D_box, D_r2, f_active, the cluster counts and sizes) are set.
type ThresholdMode string

const (
	// ThresholdFixed uses ThresholdLowMV, ThresholdMedMV and ThresholdHighMV: the v4.1
	// behaviour, and the meaning of the empty mode.
	ThresholdFixed ThresholdMode = "fixed"
	// ThresholdQuantile uses quantiles of the field (Quantiles, default 0.5, 0.75, 0.9).
	ThresholdQuantile ThresholdMode = "quantile"
	// ThresholdOtsu uses Otsu's threshold of the field (Otsu 1979, IEEE Trans. SMC 9:62):
	// the low threshold splits the field's histogram into the two classes of largest
	// between-class variance, the medium one splits the cells above it again, the high one
	// the cells above the medium one.
	ThresholdOtsu ThresholdMode = "otsu"
)

// ThresholdModes lists the modes.
func ThresholdModes() []ThresholdMode {
	return []ThresholdMode{ThresholdFixed, ThresholdQuantile, ThresholdOtsu}
}

// ParseThresholdMode reads a mode name.
func ParseThresholdMode(s string) (ThresholdMode, error) {
	for _, m := range ThresholdModes() {
		if ThresholdMode(s) == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("threshold_mode=%q: must be one of fixed, quantile, otsu", s)
}

// DefaultQuantiles are the quantiles of ThresholdQuantile when Config.Quantiles is zero.
var DefaultQuantiles = [3]float64{0.5, 0.75, 0.9}

// DefaultMinRangeMV is the smallest field range (max − min, mV) in which the adaptive modes
// look for structure; a flatter field has no active cells, so a uniform field reads as
// uniform instead of as thresholded noise.
const DefaultMinRangeMV = 0.5

// AdaptiveConfig is DefaultConfig with Otsu thresholds: the default of the GM model.
func AdaptiveConfig() Config {
	c := DefaultConfig()
	c.ThresholdMode = ThresholdOtsu
	return c
}

func (c Config) quantiles() [3]float64 {
	if c.Quantiles == ([3]float64{}) {
		return DefaultQuantiles
	}
	return c.Quantiles
}

func (c Config) minRangeMV() float64 {
	if c.MinRangeMV == 0 {
		return DefaultMinRangeMV
	}
	return c.MinRangeMV
}

// validateThresholdMode checks the adaptive-threshold fields.
func (c Config) validateThresholdMode() error {
	switch c.ThresholdMode {
	case "", ThresholdFixed, ThresholdOtsu:
	case ThresholdQuantile:
		q := c.quantiles()
		for i, name := range []string{"threshold_quantiles[0]", "threshold_quantiles[1]", "threshold_quantiles[2]"} {
			if !(q[i] > 0 && q[i] < 1) || (i > 0 && !(q[i] > q[i-1])) {
				return floatErr("threshold quantiles must be increasing, each in (0, 1)", name, q[i], "(0, 1), above the previous quantile")
			}
		}
	default:
		return &ConfigError{Message: "unknown threshold mode", Parameter: "threshold_mode", Value: fmt.Sprintf("%q", c.ThresholdMode), Allowed: "fixed, quantile or otsu"}
	}
	if m := c.MinRangeMV; !(m >= 0) || math.IsInf(m, 0) {
		return floatErr("min_range_mv must be >= 0 and finite", "min_range_mv", m, ">= 0 (0: the default)")
	}
	return nil
}

// Thresholds returns the three thresholds, in volts, that c applies to frame.
// scratch, when it has room for len(frame) values, is used instead of an allocation.
func (c Config) Thresholds(frame, scratch []float64) [3]float64 {
	switch c.ThresholdMode {
	case ThresholdQuantile, ThresholdOtsu:
	default:
		return [3]float64{c.ThresholdLowMV / 1000, c.ThresholdMedMV / 1000, c.ThresholdHighMV / 1000}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range frame {
		lo, hi = min(lo, x), max(hi, x)
	}
	if len(frame) == 0 || !(hi-lo >= c.minRangeMV()/1000) {
		// Too flat (or NaN): nothing is strictly above the maximum.
		return [3]float64{hi, hi, hi}
	}
	if c.ThresholdMode == ThresholdOtsu {
		t0 := otsu(frame, lo, hi, lo)
		t1 := otsu(frame, t0, hi, t0)
		t2 := otsu(frame, t1, hi, t1)
		return [3]float64{t0, t1, t2}
	}
	var s []float64
	if cap(scratch) >= len(frame) {
		s = scratch[:len(frame)]
	} else {
		s = make([]float64, len(frame))
	}
	copy(s, frame)
	slices.Sort(s)
	var out [3]float64
	for i, q := range c.quantiles() {
		out[i] = quantile(s, q)
	}
	return out
}

// quantile is numpy's default (linear) quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}

// otsuBins is the histogram resolution of Otsu's method.
const otsuBins = 256

// otsu is Otsu's threshold of the values of f in (from, hi] (all values ≥ from when
// from = the minimum): the bin edge that maximises the between-class variance
// w₀w₁(μ₀ − μ₁)². With fewer than two distinct bins it returns hi (nothing above).
func otsu(f []float64, from, hi, min0 float64) float64 {
	var hist [otsuBins]float64
	width := (hi - from) / otsuBins
	if !(width > 0) {
		return hi
	}
	total := 0.0
	for _, x := range f {
		if x < from || (x == from && from != min0) {
			continue
		}
		b := int((x - from) / width)
		if b >= otsuBins {
			b = otsuBins - 1
		}
		if b < 0 {
			continue
		}
		hist[b]++
		total++
	}
	if total < 2 {
		return hi
	}
	var sumAll float64
	for b, h := range hist {
		sumAll += float64(b) * h
	}
	var w0, sum0, best float64
	bestB := -1
	for b := 0; b < otsuBins-1; b++ {
		w0 += hist[b]
		sum0 += float64(b) * hist[b]
		w1 := total - w0
		if w0 == 0 || w1 == 0 {
			continue
		}
		m0, m1 := sum0/w0, (sumAll-sum0)/w1
		if v := w0 * w1 * (m0 - m1) * (m0 - m1); v > best {
			best, bestB = v, b
		}
	}
	if bestB < 0 {
		return hi
	}
	return from + float64(bestB+1)*width
}
