package morph

import (
	"context"
	"fmt"
	"math"
	"time"

	"mfn/field"
	"mfn/rng"
)

// Run simulates c: explicit Euler steps of the GM kinetics with the 5-point Laplacian under
// c.Boundary (Dirichlet holds the outside at the homogeneous state a*, i*, and V at its
// resting level for a*), and the potential relaxing towards its activator-driven target.
// One fused pass per step reads a, i and V once and writes them once; nothing is allocated
// per step.
func Run(ctx context.Context, c Config, o RunOptions) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := c.GridSize
	if o.History && c.Steps*n*n > field.MaxHistoryValues {
		return nil, &ParamError{Param: "steps", Value: float64(c.Steps),
			Allowed: fmt.Sprintf("at most %d with a history on a %d² grid (steps·grid_size² ≤ %d)", field.MaxHistoryValues/(n*n), n, field.MaxHistoryValues)}
	}
	start := time.Now()
	s := newState(c)
	res := &Result{Model: ModelGM, N: n, Steps: c.Steps, Seed: c.Seed}
	if o.History {
		if cap(o.HistoryBuffer) >= c.Steps*n*n {
			res.History = o.HistoryBuffer[:0]
		} else {
			res.History = make([]float64, 0, c.Steps*n*n)
		}
	}
	for step := 0; step < c.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cnt := s.step()
		res.TuringActivations += cnt.active
		res.ClampingEvents += cnt.clamped
		if cnt.bad > 0 {
			return nil, &field.InstabilityError{Message: "NaN or Inf in the activator–inhibitor system", Field: "activator", NaNCount: cnt.bad, Step: step}
		}
		if o.History {
			res.History = append(res.History, s.v.cur...)
		}
		if o.Frame != nil {
			if err := o.Frame(step, s.v.cur); err != nil {
				return nil, err
			}
		}
	}
	res.Field, res.Activator, res.Inhibitor = s.v.cur, s.a.cur, s.i.cur
	res.Elapsed = time.Since(start)
	return res, nil
}

// buffers is a double-buffered N×N array.
type buffers struct{ cur, next []float64 }

func newBuffers(n int) buffers { return buffers{make([]float64, n*n), make([]float64, n*n)} }

func (b *buffers) swap() { b.cur, b.next = b.next, b.cur }

// state is a run in progress.
type state struct {
	n       int
	bc      field.Boundary
	p       Params
	aStar   float64
	iStar   float64
	a, i, v buffers
	// up and down are the neighbour row indices of each row; −1 selects the ghost row
	// (Dirichlet's outside).
	up, down []int
	ghostA   []float64
	ghostI   []float64
}

// counts are the events of one step.
type counts struct{ active, clamped, bad int }

func newState(c Config) *state {
	n := c.GridSize
	p := c.Params
	s := &state{n: n, bc: c.Boundary, p: p, a: newBuffers(n), i: newBuffers(n), v: newBuffers(n),
		up: make([]int, n), down: make([]int, n), ghostA: make([]float64, n), ghostI: make([]float64, n)}
	s.aStar, s.iStar = p.SteadyState()
	for r := 0; r < n; r++ {
		s.up[r], s.down[r] = r-1, r+1
	}
	switch c.Boundary {
	case field.Periodic:
		s.up[0], s.down[n-1] = n-1, 0
	case field.Neumann:
		s.up[0], s.down[n-1] = 0, n-1
	default:
		s.up[0], s.down[n-1] = -1, -1
	}
	for k := range s.ghostA {
		s.ghostA[k], s.ghostI[k] = s.aStar, s.iStar
	}
	g := rng.New(c.Seed)
	noise := make([]float64, n*n)
	g.FillUniform(noise, -1, 1)
	var m float64
	if c.Init == InitStripes {
		m = stripeMode(c)
	}
	vStar := s.vTarget(s.aStar)
	for k := range s.a.cur {
		x := float64(k % n)
		wave := 0.0
		if m > 0 {
			wave = stripeAmplitude * math.Cos(2*math.Pi*m*x/float64(n))
		}
		s.a.cur[k] = s.aStar * (1 + c.Noise*noise[k] + wave)
	}
	g.FillUniform(noise, -1, 1)
	for k := range s.i.cur {
		s.i.cur[k] = s.iStar * (1 + c.Noise*noise[k])
		s.v.cur[k] = vStar
	}
	return s
}

// stripeAmplitude is the relative amplitude of InitStripes' plane wave.
const stripeAmplitude = 0.05

// stripeMode is the number of wavelengths across the grid of the stripe seed: the fastest
// growing mode along x of the stability analysis (periodic: an integer, so the wave fits).
func stripeMode(c Config) float64 {
	lambda := 0.0
	if an, err := Analyze(c); err == nil && an.Turing {
		lambda = an.PeakWavelengthCells
	}
	if !(lambda > 0) || math.IsInf(lambda, 0) {
		return 0
	}
	m := math.Round(float64(c.GridSize) / lambda)
	if c.Boundary != field.Periodic {
		m = math.Round(2*float64(c.GridSize)/lambda) / 2
	}
	return max(m, 1)
}

// vTarget is the potential (volts) a cell with activator a relaxes to.
func (s *state) vTarget(a float64) float64 {
	return (s.p.VRestMV + s.p.VAmpMV*a/(a+s.aStar)) / 1000
}

// step advances a, i and V one time step in one pass over the rows.
func (s *state) step() counts {
	var cnt counts
	n := s.n
	for r := 0; r < n; r++ {
		s.row(r, &cnt)
	}
	s.a.swap()
	s.i.swap()
	s.v.swap()
	_ = n
	return cnt
}

// rowOf returns row r of arr, or the ghost row for r = −1.
func (s *state) rowOf(arr, ghost []float64, r int) []float64 {
	if r < 0 {
		return ghost
	}
	return arr[r*s.n : r*s.n+s.n]
}

// row updates row r: the fused stencil, kinetics, potential and clamp.
func (s *state) row(r int, cnt *counts) {
	n := s.n
	off := r * n
	a, in, v := s.a.cur[off:off+n], s.i.cur[off:off+n], s.v.cur[off:off+n]
	aU, aD := s.rowOf(s.a.cur, s.ghostA, s.up[r]), s.rowOf(s.a.cur, s.ghostA, s.down[r])
	iU, iD := s.rowOf(s.i.cur, s.ghostI, s.up[r]), s.rowOf(s.i.cur, s.ghostI, s.down[r])
	aO, iO, vO := s.a.next[off:off+n], s.i.next[off:off+n], s.v.next[off:off+n]
	p := s.p
	dt := p.Dt
	cDA, cDI := dt*p.DA, dt*p.DI
	rho, kap, muA, muI, sig := p.Rho, p.Kappa, p.MuA, p.MuI, p.SigmaA
	aStar := s.aStar
	thr := p.Theta * aStar
	vRest, vAmp := p.VRestMV/1000, p.VAmpMV/1000
	relax := dt / p.TauV
	lo, hi := MinVMV/1000, MaxVMV/1000
	// left and right neighbours of the edge columns.
	var aL0, iL0, aRn, iRn float64
	switch s.bc {
	case field.Periodic:
		aL0, iL0, aRn, iRn = a[n-1], in[n-1], a[0], in[0]
	case field.Neumann:
		aL0, iL0, aRn, iRn = a[0], in[0], a[n-1], in[n-1]
	default:
		aL0, iL0, aRn, iRn = aStar, s.iStar, aStar, s.iStar
	}
	aU, aD, iU, iD = aU[:n], aD[:n], iU[:n], iD[:n]
	aO, iO, vO, in, v = aO[:n], iO[:n], vO[:n], in[:n], v[:n]
	for c := 0; c < n; c++ {
		ac, ic := a[c], in[c]
		var aL, aR, iL, iR float64
		if c == 0 {
			aL, iL = aL0, iL0
		} else {
			aL, iL = a[c-1], in[c-1]
		}
		if c == n-1 {
			aR, iR = aRn, iRn
		} else {
			aR, iR = a[c+1], in[c+1]
		}
		la := aU[c] + aD[c] + aL + aR - 4*ac
		li := iU[c] + iD[c] + iL + iR - 4*ic
		a2 := ac * ac
		an := ac + cDA*la + dt*(rho*a2/(ic*(1+kap*a2))-muA*ac+sig)
		inew := ic + cDI*li + dt*(rho*a2-muI*ic)
		aO[c], iO[c] = an, inew
		if an > thr {
			cnt.active++
		}
		vn := v[c] + relax*(vRest+vAmp*an/(an+aStar)-v[c])
		if vn < lo || vn > hi {
			vn = min(max(vn, lo), hi)
			cnt.clamped++
		}
		vO[c] = vn
		if an-an != 0 || inew-inew != 0 {
			cnt.bad++
		}
	}
}
