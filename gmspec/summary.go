package gmspec

import (
	"context"
	"math"
	"time"

	"mfn/features"
	"mfn/field"
	"mfn/fractal"
	"mfn/morph"
	"mfn/pattern"
)

// Summary is what POST /simulate reports of a gm run: the reference's statistics of the
// final potential (mV) and its fractal dimension, plus the model's own measures.
type Summary struct {
	GrowthEvents      int
	TuringActivations int
	PotMin, PotMax    float64
	PotMean, PotStd   float64
	// FractalDimension is the box-counting dimension of the cells above the Otsu threshold of
	// the final potential (the gm model's adaptive threshold; 0 for a field too flat to hold
	// structure, as features.Config.Thresholds decides).
	FractalDimension float64
	ThresholdMV      float64
	// ActiveCells counts the cells above that threshold.
	ActiveCells int
	Pattern     pattern.Measure
	Elapsed     time.Duration
}

// Summarize runs c (calling frame after every step when not nil) and summarises it.
func Summarize(ctx context.Context, c morph.Config, frame field.Frame) (Summary, error) {
	r, err := morph.Run(ctx, c, morph.RunOptions{Frame: frame})
	if err != nil {
		return Summary{}, err
	}
	s := Summary{GrowthEvents: r.GrowthEvents, TuringActivations: r.TuringActivations, Elapsed: r.Elapsed}
	lo, hi := math.Inf(1), math.Inf(-1)
	var sum float64
	for _, v := range r.Field {
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	mean := sum / float64(len(r.Field))
	var ss float64
	for _, v := range r.Field {
		ss += (v - mean) * (v - mean)
	}
	s.PotMin, s.PotMax, s.PotMean = lo*1000, hi*1000, mean*1000
	s.PotStd = math.Sqrt(ss/float64(len(r.Field))) * 1000
	thr := features.AdaptiveConfig().Thresholds(r.Field, nil)[0]
	s.ThresholdMV = thr * 1000
	mask := make([]bool, len(r.Field))
	for i, v := range r.Field {
		mask[i] = v > thr
		if mask[i] {
			s.ActiveCells++
		}
	}
	if s.FractalDimension, err = fractal.EstimateDimension(mask, r.N, fractal.DefaultBoxOptions()); err != nil {
		return s, err
	}
	s.Pattern, err = morph.PatternOf(r, c)
	return s, err
}
