package morph

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"mfn/field"
	"mfn/rng"
)

// Run simulates c: explicit Euler steps of the GM kinetics with the 5-point Laplacian under
// c.Boundary (Dirichlet holds the outside at the homogeneous state a*, i*), and the potential
// relaxing towards its activator-driven target (V has no neighbours: it follows its cell).
// One fused pass per step reads a, i and V once and writes them once; on one core nothing is
// allocated per step (on several, the extra workers' goroutines are).
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

// forceWorkers, when positive, fixes the number of row workers (tests compare splits).
var forceWorkers int

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
	// workers split the rows of a step on large grids; part holds their counts.
	workers int
	part    []counts
}

// parallelCells is the grid size from which a step's rows are split between cores: from 64²
// a step is ~30 µs of work, well above the cost of a goroutine, and the v4.1 engine also runs
// a 64² step on two cores (the reaction beside the field, ADR 2).
const parallelCells = 1 << 12

// counts are the events of one step.
type counts struct{ active, clamped, bad int }

func newState(c Config) *state {
	n := c.GridSize
	p := c.Params
	s := &state{n: n, bc: c.Boundary, p: p, a: newBuffers(n), i: newBuffers(n), v: newBuffers(n),
		up: make([]int, n), down: make([]int, n), ghostA: make([]float64, n), ghostI: make([]float64, n)}
	s.aStar, s.iStar = p.SteadyState()
	s.workers = 1
	if n*n >= parallelCells && runtime.GOMAXPROCS(0) > 1 {
		s.workers = min(runtime.GOMAXPROCS(0), n/32)
	}
	if forceWorkers > 0 {
		s.workers = forceWorkers
	}
	s.part = make([]counts, s.workers)
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
	vRest := s.p.VRestMV / 1000 // every cell starts at rest; active regions depolarise it
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
		s.v.cur[k] = vRest
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

// step advances a, i and V one time step in one pass over the rows.
func (s *state) step() counts {
	var cnt counts
	k := s.coef()
	if w := s.workers; w > 1 {
		// Rows are independent (each reads the current arrays and writes its own row of the
		// next ones), so a split between workers cannot change a bit.
		var wg sync.WaitGroup
		per := (s.n + w - 1) / w
		for i := 1; i < w; i++ {
			r0, r1 := min(i*per, s.n), min((i+1)*per, s.n)
			wg.Go(func() {
				var c counts
				for r := r0; r < r1; r++ {
					s.row(r, &k, &c)
				}
				s.part[i] = c
			})
		}
		for r := 0; r < min(per, s.n); r++ {
			s.row(r, &k, &cnt)
		}
		wg.Wait()
		for _, c := range s.part[1:] {
			cnt.active += c.active
			cnt.clamped += c.clamped
			cnt.bad += c.bad
		}
	} else {
		for r := 0; r < s.n; r++ {
			s.row(r, &k, &cnt)
		}
	}
	s.a.swap()
	s.i.swap()
	s.v.swap()
	return cnt
}

// rowOf returns row r of arr, or the ghost row for r = −1.
func (s *state) rowOf(arr, ghost []float64, r int) []float64 {
	if r < 0 {
		return ghost
	}
	return arr[r*s.n : r*s.n+s.n]
}

// row updates row r: the fused stencil, kinetics, potential and clamp. The edge columns
// take their outside neighbours from the boundary condition; the interior runs branch-free
// over re-sliced rows (so the compiler drops the bounds checks).
func (s *state) row(r int, k *coefs, cnt *counts) {
	n := s.n
	off := r * n
	a, in, v := s.a.cur[off:off+n], s.i.cur[off:off+n], s.v.cur[off:off+n]
	aU, aD := s.rowOf(s.a.cur, s.ghostA, s.up[r]), s.rowOf(s.a.cur, s.ghostA, s.down[r])
	iU, iD := s.rowOf(s.i.cur, s.ghostI, s.up[r]), s.rowOf(s.i.cur, s.ghostI, s.down[r])
	aO, iO, vO := s.a.next[off:off+n], s.i.next[off:off+n], s.v.next[off:off+n]
	// Outside neighbours of the edge columns.
	var aL0, iL0, aRn, iRn float64
	switch s.bc {
	case field.Periodic:
		aL0, iL0, aRn, iRn = a[n-1], in[n-1], a[0], in[0]
	case field.Neumann:
		aL0, iL0, aRn, iRn = a[0], in[0], a[n-1], in[n-1]
	default:
		aL0, iL0, aRn, iRn = s.aStar, s.iStar, s.aStar, s.iStar
	}
	var c0 counts
	k.cell(a[0], in[0], v[0], aU[0]+aD[0]+aL0+a[1], iU[0]+iD[0]+iL0+in[1], &aO[0], &iO[0], &vO[0], &c0)
	k.cell(a[n-1], in[n-1], v[n-1], aU[n-1]+aD[n-1]+a[n-2]+aRn, iU[n-1]+iD[n-1]+in[n-2]+iRn, &aO[n-1], &iO[n-1], &vO[n-1], &c0)
	// Interior: every slice is re-sliced to n so that the compiler drops the bounds checks.
	aU, aD, iU, iD = aU[:n], aD[:n], iU[:n], iD[:n]
	aO, iO, vO, in, v = aO[:n], iO[:n], vO[:n], in[:n], v[:n]
	for c := 1; c < n-1; c++ {
		ac, ic := a[c], in[c]
		sa := (aU[c] + aD[c]) + (a[c-1] + a[c+1])
		si := (iU[c] + iD[c]) + (in[c-1] + in[c+1])
		a2 := ac * ac
		is := ic * (1 + k.kap*a2)
		ap := ac + k.aStar
		x := 1 / (is * ap) // one division serves the kinetics and the potential
		an := k.keepA*ac + k.cDA*sa + k.dtRho*a2*ap*x + k.dtSig
		inew := k.keepI*ic + k.cDI*si + k.dtRho*a2
		vn := k.keepV*v[c] + k.vBase + k.vGain*ac*is*x
		aO[c], iO[c], vO[c] = an, inew, vn
		if an > k.thr {
			c0.active++
		}
		if vn < k.lo || vn > k.hi || an-an != 0 || inew-inew != 0 {
			k.fix(&vO[c], an, inew, &c0)
		}
	}
	cnt.active += c0.active
	cnt.clamped += c0.clamped
	cnt.bad += c0.bad
}

// coefs are the per-step constants of the update, with the explicit Euler step folded in:
//
//	a' = (1 − 4·dt·d_a − dt·μ_a)·a + dt·d_a·Σ_nb a + dt·ρ·a²/(i(1+κa²)) + dt·σ_a
//	i' = (1 − 4·dt·d_i − dt·μ_i)·i + dt·d_i·Σ_nb i + dt·ρ·a²
//	V' = (1 − dt/τ)·V + (dt/τ)·(v_rest + v_amp·a/(a + a*))
//
// The CFL limits of Params.Validate keep every "keep" factor ≥ 0, so a, i > 0 stay positive.
type coefs struct {
	keepA, cDA, keepI, cDI, dtRho, dtSig, kap float64
	aStar, thr, keepV, vBase, vGain           float64
	lo, hi                                    float64
}

func (s *state) coef() coefs {
	p := s.p
	relax := p.Dt / p.TauV
	return coefs{keepA: 1 - 4*p.Dt*p.DA - p.Dt*p.MuA, cDA: p.Dt * p.DA, keepI: 1 - 4*p.Dt*p.DI - p.Dt*p.MuI, cDI: p.Dt * p.DI,
		dtRho: p.Dt * p.Rho, dtSig: p.Dt * p.SigmaA, kap: p.Kappa, aStar: s.aStar, thr: p.Theta * s.aStar,
		keepV: 1 - relax, vBase: relax * p.VRestMV / 1000, vGain: relax * p.VAmpMV / 1000,
		lo: MinVMV / 1000, hi: MaxVMV / 1000}
}

// cell is the update of one cell given the sums of its four neighbours (sa, si); it is the
// interior loop's arithmetic, for the edge columns.
func (k *coefs) cell(ac, ic, vc, sa, si float64, ao, io, vo *float64, cnt *counts) {
	a2 := ac * ac
	is := ic * (1 + k.kap*a2)
	ap := ac + k.aStar
	x := 1 / (is * ap)
	an := k.keepA*ac + k.cDA*sa + k.dtRho*a2*ap*x + k.dtSig
	inew := k.keepI*ic + k.cDI*si + k.dtRho*a2
	vn := k.keepV*vc + k.vBase + k.vGain*ac*is*x
	*ao, *io, *vo = an, inew, vn
	if an > k.thr {
		cnt.active++
	}
	if vn < k.lo || vn > k.hi || an-an != 0 || inew-inew != 0 {
		k.fix(vo, an, inew, cnt)
	}
}

// fix clamps V into the reference's range and counts NaN/Inf (rare: kept out of the loop).
func (k *coefs) fix(vo *float64, an, inew float64, cnt *counts) {
	if an-an != 0 || inew-inew != 0 {
		cnt.bad++
	}
	if v := *vo; v < k.lo || v > k.hi {
		*vo = min(max(v, k.lo), k.hi)
		cnt.clamped++
	}
}
