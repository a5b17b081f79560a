// Package nn holds the reference's neural-network pieces as plain functions over float32
// slices: spike-timing-dependent plasticity (STDPPlasticity, spec §10) and sparse top-k
// attention (SparseAttention, spec §11). Arithmetic is float32 like torch's, operation by
// operation; where torch's kernels sum in an order of their own (matrix products, batch
// means), results can differ from the reference in the last bits.
package nn

import (
	"fmt"
	"math"
	"strconv"

	"mfn/internal/pyfmt"
)

// Defaults of STDPPlasticity (seconds and dimensionless amplitudes).
const (
	DefaultTauPlus  = 0.020
	DefaultTauMinus = 0.020
	DefaultAPlus    = 0.01
	DefaultAMinus   = 0.012
)

// Valid ranges of the STDP parameters (inclusive).
const (
	TauMin       = 0.005
	TauMax       = 0.100
	AmplitudeMin = 0.001
	AmplitudeMax = 0.100
)

// STDP is the reference's STDPPlasticity rule: pre-before-post spike pairs potentiate
// (A₊·e^(−Δt/τ₊)), post-before-pre pairs depress (−A₋·e^(Δt/τ₋)). It has no learnable state.
type STDP struct {
	TauPlus, TauMinus float64 // time constants in seconds
	APlus, AMinus     float64 // amplitudes
}

// DefaultSTDP returns the reference's defaults (τ₊ = τ₋ = 20 ms, A₊ = 0.01, A₋ = 0.012).
func DefaultSTDP() STDP {
	return STDP{TauPlus: DefaultTauPlus, TauMinus: DefaultTauMinus, APlus: DefaultAPlus, AMinus: DefaultAMinus}
}

// Validate applies the reference's checks in its order (tau_plus, tau_minus, a_plus, a_minus)
// with its messages, e.g. "tau_plus=1.0ms outside biophysical range [5, 100]ms". The ratio
// A₋/A₊ > 1 is documented by the reference but not enforced, so it is not enforced here.
func (s STDP) Validate() error {
	for _, t := range []struct {
		name string
		v    float64
	}{{"tau_plus", s.TauPlus}, {"tau_minus", s.TauMinus}} {
		if !(t.v >= TauMin && t.v <= TauMax) {
			return fmt.Errorf("%s=%sms outside biophysical range [5, 100]ms", t.name, pyFixed1(t.v*1000))
		}
	}
	for _, a := range []struct {
		name string
		v    float64
	}{{"a_plus", s.APlus}, {"a_minus", s.AMinus}} {
		if !(a.v >= AmplitudeMin && a.v <= AmplitudeMax) {
			return fmt.Errorf("%s=%s outside stable range [0.001, 0.1]", a.name, pyfmt.Float(a.v))
		}
	}
	return nil
}

// expClamp is the clamp bound of the STDP exponent: e^±50 stays finite in float32.
const expClamp = 50

// WeightUpdate is compute_weight_update: for spike times pre[b][i] (B×nPre) and post[b][j]
// (B×nPost), in seconds, it returns ΔW[i][j] (nPre×nPost), the batch mean of
// LTP + LTD with Δt = post[b][j] − pre[b][i]. Simultaneous spikes (Δt = 0) contribute 0.
// Every step is a float32 operation, as in torch: Δt, Δt/τ (τ rounded to float32), the clamp
// to [−50, 50], exp, the product with the amplitude, the sum over the batch and the division
// by B.
func (s STDP) WeightUpdate(pre, post [][]float32) ([][]float32, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(pre) == 0 {
		return nil, fmt.Errorf("pre_times is empty: need at least one batch row")
	}
	if len(post) != len(pre) {
		return nil, fmt.Errorf("pre_times has %d batch rows but post_times has %d: they must match", len(pre), len(post))
	}
	nPre, nPost := len(pre[0]), len(post[0])
	for b := range pre {
		if len(pre[b]) != nPre {
			return nil, fmt.Errorf("pre_times row %d has %d neurons, row 0 has %d: rows must have equal length", b, len(pre[b]), nPre)
		}
		if len(post[b]) != nPost {
			return nil, fmt.Errorf("post_times row %d has %d neurons, row 0 has %d: rows must have equal length", b, len(post[b]), nPost)
		}
	}
	tauPlus, tauMinus := float32(s.TauPlus), float32(s.TauMinus)
	aPlus, negAMinus := float32(s.APlus), float32(-s.AMinus)
	out := make([][]float32, nPre)
	for i := range out {
		out[i] = make([]float32, nPost)
	}
	for b := range pre {
		for i, tPre := range pre[b] {
			row := out[i]
			for j, tPost := range post[b] {
				dt := tPost - tPre
				var w float32
				switch {
				case dt > 0:
					w = aPlus * exp32(clamp32(-dt/tauPlus))
				case dt < 0:
					w = negAMinus * exp32(clamp32(dt/tauMinus))
				case dt != dt:
					w = dt // NaN times propagate, as torch's masked sums would.
				}
				row[j] += w
			}
		}
	}
	nb := float32(len(pre))
	for i := range out {
		for j := range out[i] {
			out[i][j] /= nb
		}
	}
	return out, nil
}

func clamp32(x float32) float32 {
	if x < -expClamp {
		return -expClamp
	}
	if x > expClamp {
		return expClamp
	}
	return x
}

// exp32 is a float32 exponential: e^x rounded once to float32 (torch's expf is within an ulp).
func exp32(x float32) float32 { return float32(math.Exp(float64(x))) }

// pyFixed1 is Python's f"{v:.1f}" (Go's %.1f with Python's spelling of the specials).
func pyFixed1(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
