package npexact

import "math"

// Polyfit1 is np.polyfit(x, y, 1): the least-squares line y ≈ slope·x + intercept.
//
// numpy solves a scaled Vandermonde system with LAPACK's SVD; no closed form reproduces that
// bit for bit, so this aims at the exact least-squares solution instead (spec §20.4): a
// centred two-pass fit followed by one refinement pass on the residuals. Both agree with
// numpy to ~1e-15 relative. x and y must have the same length ≥ 2 and x must not be
// constant; otherwise both results are NaN (numpy would raise or warn about rank).
func Polyfit1(x, y []float64) (slope, intercept float64) {
	n := len(x)
	if n < 2 || len(y) != n {
		return math.NaN(), math.NaN()
	}
	xm := Mean(x)
	sxx := 0.0
	for _, v := range x {
		d := v - xm
		sxx += float64(d * d)
	}
	if !(sxx > 0) || math.IsInf(sxx, 0) {
		return math.NaN(), math.NaN()
	}
	slope, intercept = centredFit(x, y, xm, sxx)
	// One pass of iterative refinement: fit the residuals and add the correction. This
	// removes most of the rounding left by the first pass.
	r := make([]float64, n)
	for i := range x {
		r[i] = y[i] - (float64(slope*x[i]) + intercept)
	}
	ds, di := centredFit(x, r, xm, sxx)
	return slope + ds, intercept + di
}

// centredFit is the textbook OLS: slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)², intercept = ȳ − slope·x̄.
func centredFit(x, y []float64, xm, sxx float64) (slope, intercept float64) {
	ym := Mean(y)
	sxy := 0.0
	for i, v := range x {
		sxy += float64((v - xm) * (y[i] - ym))
	}
	slope = sxy / sxx
	return slope, ym - float64(slope*xm)
}
