package fractal

import (
	"math"
	"testing"
)

// rampHistory is h_t = 0.1·t on an n×n grid, T frames.
func rampHistory(frames, n int) [][]float64 {
	h := make([][]float64, frames)
	for t := range h {
		h[t] = make([]float64, n*n)
		for i := range h[t] {
			h[t][i] = 0.1 * float64(t)
		}
	}
	return h
}

// Spec §9.4 observed values.
func TestLyapunovExponentReference(t *testing.T) {
	h := rampHistory(5, 4)
	if got := LyapunovExponent(h, 1); !near(got, -0.9162907318741549) {
		t.Errorf("λ = %v", got)
	}
	if got := LyapunovExponent(h, 2); !near(got, -0.45814536593707744) {
		t.Errorf("λ(dt=2) = %v", got)
	}
	// np.arange(64.).reshape(4,4,4)*0.001 (fractal.json).
	a := make([][]float64, 4)
	for t := range a {
		a[t] = make([]float64, 16)
		for i := range a[t] {
			a[t][i] = float64(t*16+i) * 0.001
		}
	}
	if got := LyapunovExponent(a, 1); !near(got, -2.748872195622465) {
		t.Errorf("arange λ = %v", got)
	}
}

func TestLyapunovExponentEdges(t *testing.T) {
	if LyapunovExponent(nil, 1) != 0 || LyapunovExponent(rampHistory(1, 3), 1) != 0 {
		t.Error("fewer than two frames must give 0")
	}
	if LyapunovExponent(make([][]float64, 5), 1) != 0 {
		t.Error("empty frames must give 0")
	}
	zeros := [][]float64{make([]float64, 64), make([]float64, 64), make([]float64, 64)}
	if LyapunovExponent(zeros, 1) != 0 {
		t.Error("constant history must give 0")
	}
	if got := LyapunovExponent(rampHistory(3, 4), 0); !math.IsInf(got, -1) {
		t.Errorf("dt=0 gives %v, want -Inf", got)
	}
	if got := LyapunovExponent([][]float64{{1, 2}, {1}}, 1); !math.IsNaN(got) {
		t.Errorf("ragged history gives %v, want NaN", got)
	}
}

func TestStabilityMetrics(t *testing.T) {
	m := ComputeStabilityMetrics(rampHistory(5, 4), 1)
	if !near(m.LyapunovExponent, -0.9162907318741549) || m.IsStable != 1 || m.MeanChangeRate != 0.1 ||
		m.MaxChangeRate != 0.10000000000000003 || m.FinalStd != 0 {
		t.Errorf("metrics %+v", m)
	}
	if m := ComputeStabilityMetrics(nil, 1); m != (StabilityMetrics{}) {
		t.Errorf("empty history %+v", m)
	}
	one := ComputeStabilityMetrics([][]float64{{1, 2, 3, 4}}, 1)
	if one.MeanChangeRate != 0 || one.IsStable != 0 || one.FinalStd != math.Sqrt(1.25) {
		t.Errorf("one frame %+v", one)
	}
	// Two frames differing by 1 everywhere (reference test): mean = max = 1, λ = ln 2 > 0.
	two := ComputeStabilityMetrics([][]float64{{0, 0, 0, 0}, {1, 1, 1, 1}}, 1)
	if two.MeanChangeRate != 1 || two.MaxChangeRate != 1 || two.IsStable != 0 {
		t.Errorf("two frames %+v", two)
	}
	if !IsStable(-0.1, 0) || IsStable(0, 0) || !IsStable(0.5, 1) {
		t.Error("IsStable is λ < threshold")
	}
}
