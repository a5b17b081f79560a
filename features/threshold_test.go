package features

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestFixedModeIsTheDefault(t *testing.T) {
	frame := make([]float64, 256)
	for k := range frame {
		frame[k] = -0.07 + 0.03*math.Sin(float64(k)/7)
	}
	a := DefaultConfig()
	b := DefaultConfig()
	b.ThresholdMode = ThresholdFixed
	va, err := ComputeField(frame, 16, a)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := ComputeField(frame, 16, b)
	if err != nil {
		t.Fatal(err)
	}
	if va != vb {
		t.Errorf("fixed mode %+v differs from the default %+v", vb, va)
	}
	if got := a.Thresholds(frame, nil); got != [3]float64{-0.06, -0.05, -0.04} {
		t.Errorf("fixed thresholds %v", got)
	}
}

// Otsu splits a two-level field between its levels; the recursive thresholds split the
// upper class again.
func TestOtsuSplitsTwoLevels(t *testing.T) {
	frame := make([]float64, 400)
	for k := range frame {
		frame[k] = -0.070
		if k%4 == 0 {
			frame[k] = -0.040
		}
	}
	c := AdaptiveConfig()
	thr := c.Thresholds(frame, nil)
	if !(thr[0] > -0.070 && thr[0] < -0.040) {
		t.Errorf("low threshold %v not between the levels", thr[0])
	}
	v, err := ComputeField(frame, 20, c)
	if err != nil {
		t.Fatal(err)
	}
	if v.FActive != 0.25 {
		t.Errorf("f_active %v, want 0.25", v.FActive)
	}
	// Three levels: the medium threshold separates the top two.
	for k := range frame {
		if k%8 == 0 {
			frame[k] = -0.020
		}
	}
	thr = c.Thresholds(frame, nil)
	if !(thr[1] > -0.040 && thr[1] < -0.020) {
		t.Errorf("medium threshold %v not between the upper levels (%v)", thr[1], thr)
	}
}

func TestQuantileThresholds(t *testing.T) {
	frame := make([]float64, 101)
	for k := range frame {
		frame[k] = float64(100-k) / 1000 // 0.1 … 0 V, unsorted order
	}
	c := DefaultConfig()
	c.ThresholdMode = ThresholdQuantile
	got := c.Thresholds(frame, make([]float64, 0, 101))
	for i, q := range DefaultQuantiles {
		if math.Abs(got[i]-q/10) > 1e-15 {
			t.Errorf("quantile %v = %v, want %v", q, got[i], q/10)
		}
	}
	if !slices.Equal(frame[:2], []float64{0.1, 0.099}) {
		t.Error("Thresholds reordered the frame")
	}
	c.Quantiles = [3]float64{0.2, 0.4, 0.6}
	v, err := ComputeField(frame[:100], 10, c)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(v.FActive-0.8) > 0.011 {
		t.Errorf("f_active %v with the 0.2 quantile", v.FActive)
	}
}

// A flat field has no active cells under adaptive thresholds (no thresholded noise).
func TestAdaptiveFlatField(t *testing.T) {
	frame := make([]float64, 64)
	for k := range frame {
		frame[k] = -0.05 + 1e-7*float64(k%3)
	}
	for _, m := range []ThresholdMode{ThresholdOtsu, ThresholdQuantile} {
		c := DefaultConfig()
		c.ThresholdMode = m
		v, err := ComputeField(frame, 8, c)
		if err != nil {
			t.Fatal(err)
		}
		if v.FActive != 0 || v.NClustersLow != 0 {
			t.Errorf("%s: f_active %v, clusters %d on a flat field", m, v.FActive, v.NClustersLow)
		}
	}
}

func TestThresholdModeValidation(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.ThresholdMode = "median" }, "threshold_mode"},
		{func(c *Config) { c.ThresholdMode, c.Quantiles = ThresholdQuantile, [3]float64{0.5, 0.4, 0.9} }, "threshold_quantiles[1]"},
		{func(c *Config) { c.ThresholdMode, c.Quantiles = ThresholdQuantile, [3]float64{0, 0.4, 0.9} }, "threshold_quantiles[0]"},
		{func(c *Config) { c.MinRangeMV = -1 }, "min_range_mv"},
	} {
		cfg := DefaultConfig()
		c.edit(&cfg)
		for _, err := range []error{cfg.Validate(), cfg.ValidateStrict()} {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%+v: %v (want %q)", cfg, err, c.want)
			}
		}
	}
	if _, err := ParseThresholdMode("otsu"); err != nil {
		t.Error(err)
	}
	if _, err := ParseThresholdMode("x"); err == nil {
		t.Error("ParseThresholdMode accepted x")
	}
}
