// Package pattern measures the pattern of a field: its dominant wavelength, from the
// radially averaged power spectrum of the field with its mean removed (a 2-D FFT through
// gonum's dsp/fourier), and its contrast.
package pattern

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"

	"mfn/npexact"
)

// Measure is the pattern of a field. JSON names are those of `mfn simulate --format json`'s
// "pattern" object.
type Measure struct {
	// WavelengthCells is the dominant wavelength N/k̂ of the field, k̂ the sub-bin peak of the
	// radially averaged power spectrum (0 when no pattern formed: contrast below
	// NoPatternContrast).
	WavelengthCells float64 `json:"wavelength_cells"`
	// PredictedWavelengthCells is the fastest-growing mode's wavelength from the stability
	// analysis (set by the caller; 0 when none is unstable).
	PredictedWavelengthCells float64 `json:"predicted_wavelength_cells"`
	// Contrast is the RMS contrast std/|mean| of the field the pattern is measured on
	// (the activator, for GM): 0 for a uniform field.
	Contrast float64 `json:"contrast"`
	// PeakWavenumber is k̂ in cycles per grid side.
	PeakWavenumber float64 `json:"peak_wavenumber"`
}

// NoPatternContrast is the contrast below which a field counts as uniform.
const NoPatternContrast = 0.01

// Formed says the field holds a pattern: contrast at least NoPatternContrast.
func (m Measure) Formed() bool { return m.Contrast >= NoPatternContrast }

// Contrast is std/|mean| of f (population std, numpy's summation); 0 when the std is 0,
// +Inf when only the mean is 0.
func Contrast(f []float64) float64 {
	if len(f) == 0 {
		return 0
	}
	sd := npexact.Std(f)
	if sd == 0 {
		return 0
	}
	return sd / math.Abs(npexact.Mean(f))
}

// Spectrum is the radially averaged power spectrum of an n×n field with its mean removed:
// element r is the mean of |F(kx, ky)|² over the wavevectors (in cycles per side, each
// component in (−n/2, n/2]) whose length rounds to r, for r = 0 … n/2.
func Spectrum(f []float64, n int) ([]float64, error) {
	if n < 4 || len(f) != n*n {
		return nil, fmt.Errorf("pattern: field of %d values is not n×n with n=%d ≥ 4", len(f), n)
	}
	var mean float64
	for _, x := range f {
		mean += x
	}
	mean /= float64(len(f))
	// Rows: real FFT, n/2+1 coefficients each; then columns: complex FFT.
	rf := fourier.NewFFT(n)
	cf := fourier.NewCmplxFFT(n)
	half := n/2 + 1
	coef := make([]complex128, n*half)
	row := make([]float64, n)
	out := make([]complex128, half)
	for r := 0; r < n; r++ {
		for c := range row {
			row[c] = f[r*n+c] - mean
		}
		rf.Coefficients(out, row)
		for c := 0; c < half; c++ {
			coef[r*half+c] = out[c]
		}
	}
	col := make([]complex128, n)
	sum := make([]float64, n/2+1)
	cnt := make([]float64, n/2+1)
	for c := 0; c < half; c++ {
		for r := 0; r < n; r++ {
			col[r] = coef[r*half+c]
		}
		cf.Coefficients(col, col)
		// Columns 1..n/2−1 stand for their mirror images too (real input): weight 2.
		w := 2.0
		if c == 0 || (n%2 == 0 && c == n/2) {
			w = 1
		}
		for r := 0; r < n; r++ {
			ky := r
			if ky > n/2 {
				ky -= n
			}
			k := math.Hypot(float64(c), float64(ky))
			b := int(math.Round(k))
			if b > n/2 {
				continue
			}
			p := real(col[r])*real(col[r]) + imag(col[r])*imag(col[r])
			sum[b] += w * p
			cnt[b] += w
		}
	}
	for b := range sum {
		if cnt[b] > 0 {
			sum[b] /= cnt[b]
		}
	}
	return sum, nil
}

// PeakWavenumber is the sub-bin position of the spectrum's largest value beyond r = 0: the
// vertex of the parabola through the peak bin and its neighbours, fitted to the logarithm of
// the power (exact for a Gaussian peak). It returns 0 for a spectrum without power.
func PeakWavenumber(spec []float64) float64 {
	best := 0
	for r := 1; r < len(spec); r++ {
		if spec[r] > spec[best] || best == 0 {
			best = r
		}
	}
	if best == 0 || !(spec[best] > 0) {
		return 0
	}
	if best == len(spec)-1 {
		return float64(best)
	}
	// Powers below 1e-12 of the peak are round-off of the FFT: floor them, so that a peak
	// with empty neighbours stays on its bin.
	floor := spec[best] * 1e-12
	l, c, r := math.Log(max(spec[best-1], floor)), math.Log(spec[best]), math.Log(max(spec[best+1], floor))
	den := l - 2*c + r
	if !(den < 0) {
		return float64(best)
	}
	return float64(best) + 0.5*(l-r)/den
}

// Of measures the pattern of an n×n field. The caller fills PredictedWavelengthCells.
func Of(f []float64, n int) (Measure, error) {
	spec, err := Spectrum(f, n)
	if err != nil {
		return Measure{}, err
	}
	m := Measure{Contrast: Contrast(f)}
	if k := PeakWavenumber(spec); k > 0 && m.Formed() {
		m.PeakWavenumber = k
		m.WavelengthCells = float64(n) / k
	}
	return m, nil
}
