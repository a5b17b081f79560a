// Package stability is the linear stability analysis of a two-species reaction–diffusion
// system about its homogeneous steady state, on the actual grid: the growth rate λ of every
// eigenmode of the discrete 5-point Laplacian (Murray, Mathematical Biology II, 2003, §2.3),
// the Turing conditions, the band of unstable wavenumbers and the fastest-growing mode.
//
// A perturbation ∝ φ_q(x)·e^{λt}, where −∇²_h φ_q = q²·φ_q, grows at the largest real part
// of the eigenvalues of J − q²·diag(D₁, D₂). On an N×N grid of spacing h the eigenvalues
// q² of −∇²_h are (4/h²)(sin²(θ_m/2) + sin²(θ_n/2)) with θ = 2πm/N (periodic, m = 0..N−1),
// πm/N (Neumann, mirror ghost cells, m = 0..N−1) or πm/(N+1) (Dirichlet, m = 1..N).
package stability

import (
	"fmt"
	"math"

	"mfn/field"
)

// System is a two-species system linearised about its homogeneous steady state.
type System struct {
	// J is the Jacobian of the kinetics (f, g) with respect to (u, v) at the steady state:
	// J[0] = (f_u, f_v), J[1] = (g_u, g_v).
	J [2][2]float64
	// D are the diffusion coefficients of u and v, in cells²/time unit (h = 1).
	D [2]float64
}

// Grid is the lattice the Laplacian acts on: N×N cells of spacing 1 under a boundary condition.
type Grid struct {
	N        int
	Boundary field.Boundary
}

// Mode is one eigenmode of the discrete Laplacian on the grid.
type Mode struct {
	M, N int `json:"-"`
	// Q2 is the eigenvalue q² of −∇²_h (cells⁻²).
	Q2 float64 `json:"q2"`
	// K is the mode's wavenumber in radians per cell, |(θ_m, θ_n)|.
	K float64 `json:"k"`
	// WavelengthCells is 2π/K.
	WavelengthCells float64 `json:"wavelength_cells"`
	// Growth is λ, the largest real part of the eigenvalues of J − q²D.
	Growth float64 `json:"growth_rate"`
}

// Condition is one of the Turing conditions, evaluated.
type Condition struct {
	Name  string  `json:"name"`
	Expr  string  `json:"expression"`
	Value float64 `json:"value"`
	Holds bool    `json:"holds"`
}

// Analysis is the outcome of Analyze.
type Analysis struct {
	// Conditions are, in order: tr J < 0, det J > 0 (stable without diffusion),
	// D₂f_u + D₁g_v > 0 and (D₂f_u + D₁g_v)² > 4D₁D₂·det J (diffusion-driven instability).
	Conditions []Condition `json:"conditions"`
	// StableWithoutDiffusion is the first two conditions.
	StableWithoutDiffusion bool `json:"stable_without_diffusion"`
	// Turing says all four conditions hold: in the continuum some band of wavenumbers grows.
	Turing bool `json:"turing_unstable"`
	// GridUnstable says at least one allowed non-constant mode on this grid grows (λ > 0).
	GridUnstable bool `json:"grid_unstable"`
	// BandQ2 is [q²_min, q²_max], the continuum band of q² with λ > 0 (zeros when none).
	BandQ2 [2]float64 `json:"band_q2"`
	// BandWavelengthCells is the band as wavelengths along a grid axis [longest, shortest],
	// through q² = 4 sin²(k/2) (zeros when there is no band).
	BandWavelengthCells [2]float64 `json:"band_wavelength_cells"`
	// UnstableModes counts the allowed (m, n) modes with λ > 0.
	UnstableModes int `json:"unstable_modes"`
	// Fastest is the allowed non-constant mode of largest λ.
	Fastest Mode `json:"fastest_mode"`
	// PeakQ2 and PeakWavelengthCells are the continuum maximum of λ(q²) over q² ∈ [0, 8],
	// as a wavelength along a grid axis (0 when the maximum is the homogeneous mode q² = 0).
	PeakQ2              float64 `json:"peak_q2"`
	PeakWavelengthCells float64 `json:"peak_wavelength_cells"`
	PeakGrowth          float64 `json:"peak_growth_rate"`
}

// Growth is λ(q²): the largest real part of the eigenvalues of J − q²·diag(D).
func (s System) Growth(q2 float64) float64 {
	a := s.J[0][0] - q2*s.D[0]
	d := s.J[1][1] - q2*s.D[1]
	tr := a + d
	det := a*d - s.J[0][1]*s.J[1][0]
	disc := tr*tr/4 - det
	if disc < 0 {
		return tr / 2
	}
	return tr/2 + math.Sqrt(disc)
}

// angles returns the grid's allowed angles θ (radians per cell) along one axis.
func (g Grid) angles() []float64 {
	n := g.N
	out := make([]float64, 0, n)
	switch g.Boundary {
	case field.Periodic:
		for m := 0; m < n; m++ {
			// Aliased modes m and n−m share the eigenvalue; keep |θ| ≤ π.
			mm := min(m, n-m)
			out = append(out, 2*math.Pi*float64(mm)/float64(n))
		}
	case field.Neumann:
		for m := 0; m < n; m++ {
			out = append(out, math.Pi*float64(m)/float64(n))
		}
	default:
		for m := 1; m <= n; m++ {
			out = append(out, math.Pi*float64(m)/float64(n+1))
		}
	}
	return out
}

// Eigenvalue is q² of the (m, n) mode: 4(sin²(θ_m/2) + sin²(θ_n/2)).
func Eigenvalue(thetaM, thetaN float64) float64 {
	sm, sn := math.Sin(thetaM/2), math.Sin(thetaN/2)
	return 4 * (sm*sm + sn*sn)
}

// Validate checks the grid.
func (g Grid) Validate() error {
	if g.N < 2 || g.N > 4096 {
		return fmt.Errorf("grid_size=%d: must be in [2, 4096]", g.N)
	}
	if g.Boundary < field.Periodic || g.Boundary > field.Dirichlet {
		return fmt.Errorf("boundary_condition=%d: must be periodic, neumann or dirichlet", int(g.Boundary))
	}
	return nil
}

// Analyze runs the linear stability analysis of s on g.
func Analyze(s System, g Grid) (Analysis, error) {
	if err := g.Validate(); err != nil {
		return Analysis{}, err
	}
	for i, d := range s.D {
		if !(d > 0) || math.IsInf(d, 0) {
			return Analysis{}, fmt.Errorf("diffusion coefficient D%d=%v: must be positive and finite", i+1, d)
		}
	}
	fu, fv, gu, gv := s.J[0][0], s.J[0][1], s.J[1][0], s.J[1][1]
	for _, x := range []float64{fu, fv, gu, gv} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Analysis{}, fmt.Errorf("jacobian %v: entries must be finite", s.J)
		}
	}
	d1, d2 := s.D[0], s.D[1]
	tr, det := fu+gv, fu*gv-fv*gu
	h := d2*fu + d1*gv
	var a Analysis
	a.Conditions = []Condition{
		{Name: "stable_trace", Expr: "f_u + g_v < 0", Value: tr, Holds: tr < 0},
		{Name: "stable_determinant", Expr: "f_u·g_v − f_v·g_u > 0", Value: det, Holds: det > 0},
		{Name: "diffusion_destabilises", Expr: "D_v·f_u + D_u·g_v > 0", Value: h, Holds: h > 0},
		{Name: "band_exists", Expr: "(D_v·f_u + D_u·g_v)² − 4·D_u·D_v·det J > 0", Value: h*h - 4*d1*d2*det, Holds: h > 0 && h*h > 4*d1*d2*det},
	}
	a.StableWithoutDiffusion = tr < 0 && det > 0
	a.Turing = a.StableWithoutDiffusion && a.Conditions[2].Holds && a.Conditions[3].Holds
	// The continuum band: det(J − q²D) < 0 between the roots of d1d2·q⁴ − h·q² + det = 0
	// (when tr J < 0 the trace stays negative for every q², so only the determinant changes sign).
	if a.Turing {
		r := math.Sqrt(h*h - 4*d1*d2*det)
		lo, hi := (h-r)/(2*d1*d2), (h+r)/(2*d1*d2)
		a.BandQ2 = [2]float64{lo, hi}
		a.BandWavelengthCells = [2]float64{axisWavelength(lo), axisWavelength(hi)}
	}
	// The continuum peak of λ over the discrete operator's range q² ∈ [0, 8], by golden-section
	// search after a coarse scan (λ(q²) is unimodal in the cases of interest; the scan guards).
	a.PeakQ2, a.PeakGrowth = peak(s)
	if a.PeakQ2 < 1e-9 {
		a.PeakQ2 = 0 // the homogeneous mode: no wavelength (0 stands for none)
	} else {
		a.PeakWavelengthCells = axisWavelength(a.PeakQ2)
	}
	// Every allowed mode.
	th := g.angles()
	first := true
	for i, tm := range th {
		for j, tn := range th {
			if tm == 0 && tn == 0 {
				continue // the homogeneous mode: no pattern
			}
			q2 := Eigenvalue(tm, tn)
			l := s.Growth(q2)
			if l > 0 {
				a.UnstableModes++
			}
			if first || l > a.Fastest.Growth {
				first = false
				k := math.Hypot(tm, tn)
				a.Fastest = Mode{M: i, N: j, Q2: q2, K: k, WavelengthCells: 2 * math.Pi / k, Growth: l}
			}
		}
	}
	a.GridUnstable = a.UnstableModes > 0
	return a, nil
}

// axisWavelength is the wavelength along a grid axis of the mode with eigenvalue q²:
// q² = 4 sin²(k/2), λ = 2π/k; +Inf for q² = 0.
func axisWavelength(q2 float64) float64 {
	if q2 <= 0 {
		return math.Inf(1)
	}
	s := math.Sqrt(min(q2, 4)) / 2
	return 2 * math.Pi / (2 * math.Asin(s))
}

func peak(s System) (q2, growth float64) {
	const steps = 4000
	best, bq := math.Inf(-1), 0.0
	for i := 0; i <= steps; i++ {
		q := 8 * float64(i) / steps
		if l := s.Growth(q); l > best {
			best, bq = l, q
		}
	}
	lo, hi := max(bq-8.0/steps, 0), min(bq+8.0/steps, 8)
	const phi = 0.6180339887498949
	for it := 0; it < 100; it++ {
		m1 := hi - phi*(hi-lo)
		m2 := lo + phi*(hi-lo)
		if s.Growth(m1) < s.Growth(m2) {
			lo = m1
		} else {
			hi = m2
		}
	}
	q2 = (lo + hi) / 2
	if g := s.Growth(q2); g >= best {
		return q2, g
	}
	return bq, best
}

// Curve samples λ on points values of q² evenly spaced over [0, 8] (the discrete operator's range).
func (s System) Curve(points int) (q2, growth []float64) {
	if points < 2 {
		points = 2
	}
	q2 = make([]float64, points)
	growth = make([]float64, points)
	for i := range q2 {
		q2[i] = 8 * float64(i) / float64(points-1)
		growth[i] = s.Growth(q2[i])
	}
	return q2, growth
}

// Eigenvalues returns q² of every allowed (m, n) mode of the grid, the constant mode
// included, in row-major (m, n) order.
func (g Grid) Eigenvalues() []float64 {
	th := g.angles()
	out := make([]float64, 0, len(th)*len(th))
	for _, tm := range th {
		for _, tn := range th {
			out = append(out, Eigenvalue(tm, tn))
		}
	}
	return out
}
