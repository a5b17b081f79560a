package field

import (
	"runtime"
	"sync"
)

// Membrane potential clamp [−95, +40] mV, applied every step.
const (
	clampMinV = -0.095
	clampMaxV = 0.040
	// turingKickV is added to the field where the activator exceeds the threshold.
	turingKickV = 0.005
)

// lapRow writes the 5-point Laplacian of row mid into out, given its neighbour rows up and
// down (a zero row outside a Dirichlet grid, the row itself at a Neumann edge). The sum is
// evaluated in numpy's order: (((up + down) + left) + right) − 4·u; Dirichlet's reference
// builds its shifted arrays so that right comes before left, and addition being commutative
// but not associative, that is the only difference.
func lapRow(out, up, mid, down []float64, bc Boundary) {
	n := len(mid)
	out, up, down = out[:n], up[:n], down[:n]
	var leftOfFirst, rightOfLast float64
	switch bc {
	case Periodic:
		leftOfFirst, rightOfLast = mid[n-1], mid[0]
	case Neumann:
		leftOfFirst, rightOfLast = mid[0], mid[n-1]
	}
	if n == 1 {
		out[0] = (((up[0] + down[0]) + leftOfFirst) + rightOfLast) - float64(4.0*mid[0])
		return
	}
	first, last := mid[1], mid[n-2] // right of column 0, left of column n−1
	if bc == Dirichlet {
		out[0] = (((up[0] + down[0]) + first) + leftOfFirst) - float64(4.0*mid[0])
		out[n-1] = (((up[n-1] + down[n-1]) + rightOfLast) + last) - float64(4.0*mid[n-1])
		lapInterior(out[1:n-1], up[1:n-1], down[1:n-1], mid[2:], mid[:n-2], mid[1:n-1])
		return
	}
	out[0] = (((up[0] + down[0]) + leftOfFirst) + first) - float64(4.0*mid[0])
	out[n-1] = (((up[n-1] + down[n-1]) + last) + rightOfLast) - float64(4.0*mid[n-1])
	lapInterior(out[1:n-1], up[1:n-1], down[1:n-1], mid[:n-2], mid[2:], mid[1:n-1])
}

// lapInterior computes (((u + d) + x3) + x4) − 4·m element-wise; all slices have len(out).
func lapInterior(out, u, d, x3, x4, m []float64) {
	n := len(out)
	u, d, x3, x4, m = u[:n], d[:n], x3[:n], x4[:n], m[:n]
	for c := range out {
		out[c] = (((u[c] + d[c]) + x3[c]) + x4[c]) - float64(4.0*m[c])
	}
}

// kernel advances the field (and the activator–inhibitor pair) by one step, in one fused pass
// over the rows: diffusion, Turing reaction, jitter and clamp, with numpy's per-element
// arithmetic. It writes into the Next buffers; the caller swaps them.
type kernel struct {
	n     int
	bc    Boundary
	alpha float64

	turing bool
	// jacobi selects the engine's inhibitor update (old activator); the legacy function uses
	// the freshly updated activator.
	jacobi         bool
	da, di, ra, ri float64
	threshold      float64
	noise          []float64 // nil without jitter
	v, vNext       []float64
	act, actNext   []float64
	inh, inhNext   []float64
	zero           []float64
	workers        int
	scratch        [][]float64 // per worker: three Laplacian rows
	counts         []stepCounts
}

// stepCounts are the events of one step (or one worker's share of it).
type stepCounts struct {
	clamped, activations, nanV, nanA, nanI int
}

// parallelCells is the grid size from which a step is split between cores; below it the
// cost of waking a goroutine outweighs the work.
const parallelCells = 1 << 15

// forceWorkers, when positive, fixes the number of workers (tests compare splits).
var forceWorkers int

func newKernel(n int, bc Boundary) *kernel {
	k := &kernel{n: n, bc: bc, zero: make([]float64, n)}
	k.workers = 1
	if n*n >= parallelCells && runtime.GOMAXPROCS(0) > 1 {
		k.workers = min(runtime.GOMAXPROCS(0), n/32)
	}
	if forceWorkers > 0 {
		k.workers = forceWorkers
	}
	k.scratch = make([][]float64, k.workers)
	for w := range k.scratch {
		k.scratch[w] = make([]float64, 3*n)
	}
	k.counts = make([]stepCounts, k.workers)
	return k
}

// neighbours returns the rows above and below row r of arr under the boundary condition.
func (k *kernel) neighbours(arr []float64, r int) (up, down []float64) {
	n := k.n
	ur, dr := r-1, r+1
	switch k.bc {
	case Periodic:
		if ur < 0 {
			ur = n - 1
		}
		if dr == n {
			dr = 0
		}
	case Neumann:
		ur, dr = max(ur, 0), min(dr, n-1)
	case Dirichlet:
		if ur < 0 {
			up = k.zero
		}
		if dr == n {
			down = k.zero
		}
	}
	if up == nil {
		up = arr[ur*n : ur*n+n]
	}
	if down == nil {
		down = arr[dr*n : dr*n+n]
	}
	return up, down
}

// step runs one step over all rows, splitting them between workers for large grids. The
// random draws happened before (spike, noise), so the split cannot change any bit.
func (k *kernel) step() stepCounts {
	if k.workers == 1 {
		k.counts[0] = k.rows(0, k.n, k.scratch[0])
		return k.counts[0]
	}
	var wg sync.WaitGroup
	per := (k.n + k.workers - 1) / k.workers
	for w := 1; w < k.workers; w++ {
		r0, r1 := w*per, min((w+1)*per, k.n)
		wg.Go(func() { k.counts[w] = k.rows(r0, r1, k.scratch[w]) })
	}
	k.counts[0] = k.rows(0, min(per, k.n), k.scratch[0])
	wg.Wait()
	var total stepCounts
	for _, c := range k.counts {
		total.clamped += c.clamped
		total.activations += c.activations
		total.nanV += c.nanV
		total.nanA += c.nanA
		total.nanI += c.nanI
	}
	return total
}

func (k *kernel) rows(r0, r1 int, scratch []float64) stepCounts {
	n := k.n
	var cnt stepCounts
	lv, la, li := scratch[:n], scratch[n:2*n], scratch[2*n:3*n]
	for r := r0; r < r1; r++ {
		off := r * n
		vrow := k.v[off : off+n]
		up, down := k.neighbours(k.v, r)
		lapRow(lv, up, vrow, down, k.bc)
		out := k.vNext[off : off+n]
		alpha := k.alpha
		for c := range out {
			out[c] = vrow[c] + float64(alpha*lv[c])
		}
		if k.turing {
			arow, irow := k.act[off:off+n], k.inh[off:off+n]
			up, down = k.neighbours(k.act, r)
			lapRow(la, up, arow, down, k.bc)
			up, down = k.neighbours(k.inh, r)
			lapRow(li, up, irow, down, k.bc)
			cnt.activations += k.react(out, arow, irow, la, li, k.actNext[off:off+n], k.inhNext[off:off+n], &cnt)
		}
		if k.noise != nil {
			nz := k.noise[off : off+n]
			for c := range out {
				out[c] += nz[c]
			}
		}
		for c, x := range out {
			if x < clampMinV {
				out[c] = clampMinV
				cnt.clamped++
			} else if x > clampMaxV {
				out[c] = clampMaxV
				cnt.clamped++
			} else if x != x {
				cnt.clamped++ // numpy counts a NaN as changed by the clip
				cnt.nanV++
			}
		}
	}
	return cnt
}

// react applies the activator–inhibitor update to one row and the Turing kick to the field row.
func (k *kernel) react(v, a, in, la, li, aOut, iOut []float64, cnt *stepCounts) int {
	n := len(v)
	a, in, la, li, aOut, iOut = a[:n], in[:n], la[:n], li[:n], aOut[:n], iOut[:n]
	da, di, ra, ri, thr := k.da, k.di, k.ra, k.ri, k.threshold
	kicks := 0
	for c := range v {
		ac, ic := a[c], in[c]
		aN := ac + (float64(da*la[c]) + float64(ra*(float64(ac*(1.0-ac))-ic)))
		src := aN
		if k.jacobi {
			src = ac
		}
		iN := ic + (float64(di*li[c]) + float64(ri*(src-ic)))
		if aN > thr {
			v[c] += turingKickV
			kicks++
		}
		if aN != aN {
			cnt.nanA++
		}
		if iN != iN {
			cnt.nanI++
		}
		aOut[c] = clip01(aN)
		iOut[c] = clip01(iN)
	}
	return kicks
}

func clip01(x float64) float64 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

func (k *kernel) swap() {
	k.v, k.vNext = k.vNext, k.v
	if k.turing {
		k.act, k.actNext = k.actNext, k.act
		k.inh, k.inhNext = k.inhNext, k.inh
	}
}
