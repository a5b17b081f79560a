package fractal

import (
	"math"

	"mfn/npexact"
)

// LyapunovExponent is compute_lyapunov_exponent(history, dt) (spec §9.4): the mean log of
// the Euclidean step sizes ‖h_t − h_{t−1}‖ above 1e-10, divided by dt. Each frame is one
// flattened N×N field. Fewer than two frames, or no step above the floor, give 0. dt = 0
// gives ±Inf or NaN (numpy float division). Frames of different lengths give NaN (numpy
// would fail to broadcast).
func LyapunovExponent(history [][]float64, dt float64) float64 {
	lam, _ := lyapunov(history, dt)
	return lam
}

// lyapunov also reports how many steps entered the mean.
func lyapunov(history [][]float64, dt float64) (float64, int) {
	if len(history) < 2 {
		return 0, 0
	}
	if !sameLengths(history) {
		return math.NaN(), 0
	}
	sq := make([]float64, len(history[0]))
	acc, count := 0.0, 0
	for t := 1; t < len(history); t++ {
		cur, prev := history[t], history[t-1]
		for i := range sq {
			d := cur[i] - prev[i]
			sq[i] = d * d
		}
		// np.sum over the whole frame: pairwise within 8192-element chunks.
		norm := math.Sqrt(npexact.Sum(sq))
		if norm > 1e-10 {
			acc += math.Log(norm)
			count++
		}
	}
	if count == 0 {
		return 0, 0
	}
	return acc / (float64(count) * dt), count
}

func sameLengths(history [][]float64) bool {
	for _, f := range history {
		if len(f) != len(history[0]) {
			return false
		}
	}
	return true
}

// IsStable is is_stable(λ, threshold): λ < threshold (the reference default threshold is 0).
func IsStable(lambda, threshold float64) bool { return lambda < threshold }

// StabilityMetrics is the dict of compute_stability_metrics.
type StabilityMetrics struct {
	LyapunovExponent float64 // compute_lyapunov_exponent(history, dt)
	IsStable         float64 // 1.0 if λ < 0 else 0.0
	MeanChangeRate   float64 // mean |h_t − h_{t−1}| over all steps and cells, / dt
	MaxChangeRate    float64 // max of the same, / dt
	FinalStd         float64 // population std of the last frame
}

// ComputeStabilityMetrics is compute_stability_metrics(history, dt) (spec §9.4). The change
// rates are 0 with fewer than two frames and FinalStd is 0 for an empty history. The mean
// runs over the (T−1)·N² differences as one contiguous array, as np.mean(np.abs(np.diff(h,
// axis=0))) does, so the 8192-element chunking spans frame boundaries. Frames of different
// lengths give NaN everywhere.
func ComputeStabilityMetrics(history [][]float64, dt float64) StabilityMetrics {
	if !sameLengths(history) {
		nan := math.NaN()
		return StabilityMetrics{nan, nan, nan, nan, nan}
	}
	m := StabilityMetrics{LyapunovExponent: LyapunovExponent(history, dt)}
	if IsStable(m.LyapunovExponent, 0) {
		m.IsStable = 1.0
	}
	if len(history) >= 2 {
		n := len(history[0])
		diffs := make([]float64, 0, (len(history)-1)*n)
		for t := 1; t < len(history); t++ {
			for i, v := range history[t] {
				diffs = append(diffs, math.Abs(v-history[t-1][i]))
			}
		}
		_, hi := npexact.MinMax(diffs)
		m.MeanChangeRate = npexact.Mean(diffs) / dt
		m.MaxChangeRate = hi / dt
	}
	if len(history) > 0 {
		m.FinalStd = npexact.Std(history[len(history)-1])
	}
	return m
}
