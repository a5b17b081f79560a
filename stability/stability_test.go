package stability

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"mfn/field"
)

// schnakenberg is the Schnakenberg (1979) system u_t = a − u + u²v, v_t = b − u²v linearised at
// (a+b, b/(a+b)²): f_u = (b−a)/(a+b), f_v = (a+b)², g_u = −2b/(a+b), g_v = −(a+b)².
func schnakenberg(a, b, du, dv float64) System {
	s := a + b
	return System{J: [2][2]float64{{(b - a) / s, s * s}, {-2 * b / s, -s * s}}, D: [2]float64{du, dv}}
}

// growthByEigen is λ(q²) from gonum's general eigenvalue solver, independent of the closed form.
func growthByEigen(t *testing.T, s System, q2 float64) float64 {
	m := mat.NewDense(2, 2, []float64{s.J[0][0] - q2*s.D[0], s.J[0][1], s.J[1][0], s.J[1][1] - q2*s.D[1]})
	var e mat.Eigen
	if !e.Factorize(m, mat.EigenNone) {
		t.Fatal("eigen factorisation failed")
	}
	best := math.Inf(-1)
	for _, v := range e.Values(nil) {
		best = max(best, real(v))
	}
	return best
}

func TestGrowthMatchesEigenvalues(t *testing.T) {
	for _, s := range []System{
		schnakenberg(0.1, 0.9, 1, 10),
		{J: [2][2]float64{{1, -1}, {3, -1.5}}, D: [2]float64{0.5, 10}},
		{J: [2][2]float64{{0.01, -0.01}, {0.02, -0.02}}, D: [2]float64{0.1, 0.05}},
		{J: [2][2]float64{{-1, 2}, {-3, -0.5}}, D: [2]float64{1, 1}}, // complex eigenvalues
	} {
		for q2 := 0.0; q2 <= 8; q2 += 0.01 {
			got, want := s.Growth(q2), growthByEigen(t, s, q2)
			if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
				t.Fatalf("%+v: λ(%g) = %v, eigen solver %v", s, q2, got, want)
			}
		}
	}
}

// laplacian applies the 5-point stencil with the boundary condition as package field defines
// it (Neumann: an edge cell is its own missing neighbour; Dirichlet: 0 outside).
func laplacian(u []float64, n int, bc field.Boundary) []float64 {
	at := func(r, c int) float64 {
		if r >= 0 && r < n && c >= 0 && c < n {
			return u[r*n+c]
		}
		switch bc {
		case field.Periodic:
			return u[((r+n)%n)*n+(c+n)%n]
		case field.Neumann:
			return u[min(max(r, 0), n-1)*n+min(max(c, 0), n-1)]
		}
		return 0
	}
	out := make([]float64, n*n)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			out[r*n+c] = at(r-1, c) + at(r+1, c) + at(r, c-1) + at(r, c+1) - 4*at(r, c)
		}
	}
	return out
}

// The claimed eigenvalues are those of the stencil: −L φ = q² φ for the mode shapes of each
// boundary condition.
func TestEigenvaluesOfTheStencil(t *testing.T) {
	const n = 12
	for _, bc := range []field.Boundary{field.Periodic, field.Neumann, field.Dirichlet} {
		g := Grid{N: n, Boundary: bc}
		th := g.angles()
		for i, tm := range th {
			for j, tn := range th {
				phi := make([]float64, n*n)
				for r := 0; r < n; r++ {
					for c := 0; c < n; c++ {
						switch bc {
						case field.Periodic:
							phi[r*n+c] = math.Cos(tm*float64(r) + tn*float64(c))
						case field.Neumann:
							phi[r*n+c] = math.Cos(tm*(float64(r)+0.5)) * math.Cos(tn*(float64(c)+0.5))
						default:
							phi[r*n+c] = math.Sin(tm*float64(r+1)) * math.Sin(tn*float64(c+1))
						}
					}
				}
				l := laplacian(phi, n, bc)
				q2 := Eigenvalue(tm, tn)
				for k := range phi {
					if math.Abs(-l[k]-q2*phi[k]) > 1e-9 {
						t.Fatalf("%v mode (%d,%d): −Lφ = %v, q²φ = %v at %d", bc, i, j, -l[k], q2*phi[k], k)
					}
				}
			}
		}
	}
}

func TestTuringClassification(t *testing.T) {
	// Gierer–Meinhardt without saturation (ρ = 1, σ = 0) at a* = μ_i/μ_a, i* = a*²/μ_i:
	// J = [[μ_a, −μ_a²], [2μ_i/μ_a, −μ_i]], det J = μ_aμ_i, and the Turing conditions reduce
	// to the closed form d_i/d_a > (3 + 2√2)·μ_i/μ_a.
	gm := func(muA, muI, ratio float64) System {
		return System{J: [2][2]float64{{muA, -muA * muA}, {2 * muI / muA, -muI}}, D: [2]float64{1, ratio}}
	}
	crit := (3 + 2*math.Sqrt2) * 1.5
	for _, c := range []struct {
		name string
		s    System
		want bool
	}{
		{"schnakenberg a=0.1 b=0.9 d=10 (Murray)", schnakenberg(0.1, 0.9, 1, 10), true},
		{"schnakenberg a=0.1 b=0.9 d=5", schnakenberg(0.1, 0.9, 1, 5), false},
		{"GM just above the critical ratio", gm(1, 1.5, crit*1.01), true},
		{"GM just below the critical ratio", gm(1, 1.5, crit*0.99), false},
		{"GM with d_i < d_a", gm(1, 1.5, 0.5), false},
		{"reference v4.1 defaults (det J = 0)", System{J: [2][2]float64{{0.01, -0.01}, {0.02, -0.02}}, D: [2]float64{0.1, 0.05}}, false},
	} {
		a, err := Analyze(c.s, Grid{N: 64, Boundary: field.Periodic})
		if err != nil {
			t.Fatal(err)
		}
		if a.Turing != c.want {
			t.Errorf("%s: Turing = %v, want %v (%+v)", c.name, a.Turing, c.want, a.Conditions)
		}
		if a.Turing {
			for _, q := range a.BandQ2 {
				if g := c.s.Growth(q); math.Abs(g) > 1e-9 {
					t.Errorf("%s: λ at the band edge q²=%v is %v, want 0", c.name, q, g)
				}
			}
			if !(c.s.Growth((a.BandQ2[0]+a.BandQ2[1])/2) > 0) {
				t.Errorf("%s: λ inside the band is not positive", c.name)
			}
		}
	}
}

func TestFastestModeIsTheGridMaximum(t *testing.T) {
	s := System{J: [2][2]float64{{1, -1}, {3, -1.5}}, D: [2]float64{0.5, 10}}
	for _, bc := range []field.Boundary{field.Periodic, field.Neumann, field.Dirichlet} {
		g := Grid{N: 40, Boundary: bc}
		a, err := Analyze(s, g)
		if err != nil {
			t.Fatal(err)
		}
		best, count := math.Inf(-1), 0
		for k, q := range g.Eigenvalues() {
			if q == 0 && bc != field.Dirichlet && k == 0 {
				continue
			}
			l := s.Growth(q)
			best = max(best, l)
			if l > 0 {
				count++
			}
		}
		if a.Fastest.Growth != best || a.UnstableModes != count {
			t.Errorf("%v: fastest %v (%d unstable), brute force %v (%d)", bc, a.Fastest.Growth, a.UnstableModes, best, count)
		}
		if w := 2 * math.Pi / a.Fastest.K; a.Fastest.WavelengthCells != w || !(a.Fastest.Q2 > 0) {
			t.Errorf("%v: fastest mode %+v", bc, a.Fastest)
		}
		// On a large grid the fastest discrete mode approaches the continuum peak.
		if math.Abs(a.Fastest.Growth-a.PeakGrowth) > 0.01 {
			t.Errorf("%v: fastest %v vs continuum peak %v", bc, a.Fastest.Growth, a.PeakGrowth)
		}
	}
}

func TestAnalyzeRejectsBadInput(t *testing.T) {
	ok := System{J: [2][2]float64{{1, -1}, {3, -1.5}}, D: [2]float64{0.5, 10}}
	for _, c := range []struct {
		s System
		g Grid
	}{
		{ok, Grid{N: 1}},
		{ok, Grid{N: 8, Boundary: 7}},
		{System{J: ok.J, D: [2]float64{0, 1}}, Grid{N: 8}},
		{System{J: [2][2]float64{{math.NaN(), 0}, {0, 0}}, D: ok.D}, Grid{N: 8}},
	} {
		if _, err := Analyze(c.s, c.g); err == nil {
			t.Errorf("%+v on %+v: no error", c.s, c.g)
		}
	}
}
