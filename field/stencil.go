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

// parallelCells is the grid size from which a step is split between cores; below it the
// cost of waking a goroutine per step outweighs the work. Since the AVX2 kernels (ADR 33) a
// 512² step takes ~0.1 ms, and two cores were slower than one up to 512² and faster from
// 1024² (scripts/grid-scaling.sh 3, quiet machine, 2026-12-07: 2 vs 1 core 0.84× at 256²×100,
// 0.92× at 512²×50, 1.46× at 1024²×20, 1.43× at 2048²×10).
const parallelCells = 1 << 20

// forceWorkers, when positive, fixes the number of row workers (tests compare splits).
var forceWorkers int

// lapAt is the 5-point Laplacian of cell c of row mid, with numpy's summation order
// (((up + down) + left) + right) − 4·u. The reference's Dirichlet shifts put right before
// left; addition being commutative but not associative, that swap is the only difference.
func lapAt(up, mid, down []float64, c int, bc Boundary) float64 {
	n := len(mid)
	var l, r float64
	switch {
	case c > 0:
		l = mid[c-1]
	case bc == Periodic:
		l = mid[n-1]
	case bc == Neumann:
		l = mid[0]
	}
	switch {
	case c < n-1:
		r = mid[c+1]
	case bc == Periodic:
		r = mid[0]
	case bc == Neumann:
		r = mid[n-1]
	}
	if bc == Dirichlet {
		l, r = r, l
	}
	return (((up[c] + down[c]) + l) + r) - float64(4.0*mid[c])
}

// lapRow writes the Laplacian of every cell of row mid into out: lapAt, with the interior
// in one branch-free loop.
func lapRow(out, up, mid, down []float64, bc Boundary) {
	n := len(mid)
	out, up, down = out[:n], up[:n], down[:n]
	out[0] = lapAt(up, mid, down, 0, bc)
	if n == 1 {
		return
	}
	out[n-1] = lapAt(up, mid, down, n-1, bc)
	x3, x4 := mid[:n-2], mid[2:]
	if bc == Dirichlet {
		x3, x4 = x4, x3
	}
	m, u, d, o := mid[1:n-1], up[1:n-1], down[1:n-1], out[1:n-1]
	k := len(o)
	x3, x4, m, u, d = x3[:k], x4[:k], m[:k], u[:k], d[:k]
	for c := range o {
		o[c] = (((u[c] + d[c]) + x3[c]) + x4[c]) - float64(4.0*m[c])
	}
}

// clampV applies the potential clamp, counting changed cells (numpy counts NaN as changed).
func clampV(x float64, clamped, nan *int) float64 {
	if x < clampMinV {
		*clamped++
		return clampMinV
	}
	if x > clampMaxV {
		*clamped++
		return clampMaxV
	}
	if x != x {
		*clamped++
		*nan++
	}
	return x
}

// diffuseRow is the field update of one row when the Turing kick cannot fire:
// out = clamp(v + α·L(v) [+ noise]), fused in one pass.
func diffuseRow(out, up, mid, down, noise []float64, alpha float64, bc Boundary, cnt *stepCounts) {
	n := len(mid)
	out, up, down = out[:n], up[:n], down[:n]
	if haveAVX2 && n >= 6 {
		p := newDiffArgs(n, alpha, bc)
		p.run(out, up, mid, down, noise, cnt)
		return
	}
	edge := func(c int) {
		x := mid[c] + float64(alpha*lapAt(up, mid, down, c, bc))
		if noise != nil {
			x += noise[c]
		}
		out[c] = clampV(x, &cnt.clamped, &cnt.nanV)
	}
	edge(0)
	if n == 1 {
		return
	}
	edge(n - 1)
	x3, x4 := mid[:n-2], mid[2:] // left, right neighbours of the interior
	if bc == Dirichlet {
		x3, x4 = x4, x3
	}
	m, u, d, o := mid[1:n-1], up[1:n-1], down[1:n-1], out[1:n-1]
	k := len(o)
	x3, x4, m, u, d = x3[:k], x4[:k], m[:k], u[:k], d[:k]
	var nz []float64
	if noise != nil {
		nz = noise[1 : n-1][:k]
	}
	if nz == nil {
		for c := range o {
			x := m[c] + float64(alpha*((((u[c]+d[c])+x3[c])+x4[c])-float64(4.0*m[c])))
			if x < clampMinV || x > clampMaxV || x != x {
				x = clampV(x, &cnt.clamped, &cnt.nanV)
			}
			o[c] = x
		}
		return
	}
	nz = nz[:k]
	for c := range o {
		x := m[c] + float64(alpha*((((u[c]+d[c])+x3[c])+x4[c])-float64(4.0*m[c])))
		x += nz[c]
		if x < clampMinV || x > clampMaxV || x != x {
			x = clampV(x, &cnt.clamped, &cnt.nanV)
		}
		o[c] = x
	}
}

// reaction holds the activator–inhibitor coefficients.
type reaction struct {
	da, di, ra, ri, threshold float64
	// jacobi selects the engine's inhibitor update (old activator); the legacy function uses
	// the freshly updated activator.
	jacobi bool
}

// reactRow advances one row of the activator and inhibitor, given the rows' Laplacians la and
// li. With v non-nil it is the coupled step: cells whose new activator exceeds the threshold
// get the Turing kick in v.
func (re *reaction) reactRow(aOut, iOut, a, in, la, li, v []float64, cnt *stepCounts) {
	n := len(a)
	aOut, iOut, in, la, li = aOut[:n], iOut[:n], in[:n], la[:n], li[:n]
	thr := re.threshold
	for c, ac := range a {
		ic := in[c]
		aN, iN := re.cell(ac, ic, la[c], li[c])
		if aN > thr && v != nil {
			v[c] += turingKickV
			cnt.activations++
		}
		if aN != aN || iN != iN {
			if aN != aN {
				cnt.nanA++
			}
			if iN != iN {
				cnt.nanI++
			}
		}
		aOut[c] = clip01(aN)
		iOut[c] = clip01(iN)
	}
}

// cell is the reaction of one cell, given its activator, inhibitor and their Laplacians; the
// results are not yet clipped.
func (re *reaction) cell(ac, ic, la, li float64) (aN, iN float64) {
	aN = ac + (float64(re.da*la) + float64(re.ra*(float64(ac*(1.0-ac))-ic)))
	src := aN
	if re.jacobi {
		src = ac
	}
	iN = ic + (float64(re.di*li) + float64(re.ri*(src-ic)))
	return aN, iN
}

// reactCell advances cell c of a row without the Turing kick (the edges and the tail of
// reactRowFast).
func (re *reaction) reactCell(aOut, iOut, aUp, a, aDown, iUp, in, iDown []float64, c int, bc Boundary, cnt *stepCounts) {
	aN, iN := re.cell(a[c], in[c], lapAt(aUp, a, aDown, c, bc), lapAt(iUp, in, iDown, c, bc))
	if aN != aN {
		cnt.nanA++
	}
	if iN != iN {
		cnt.nanI++
	}
	aOut[c] = clip01(aN)
	iOut[c] = clip01(iN)
}

// reactRowFast is reactRow without the kick in the AVX2 kernel, the Laplacians computed on
// the fly instead of into rows. Rows must have at least 6 cells.
func (re *reaction) reactRowFast(aOut, iOut, aUp, a, aDown, iUp, in, iDown []float64, bc Boundary, cnt *stepCounts) {
	p := newReactArgs(len(a), re, bc)
	p.run(aOut, iOut, aUp, a, aDown, iUp, in, iDown, cnt)
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

// stepCounts are the events of one step (or one worker's share of it).
type stepCounts struct {
	clamped, activations, nanV, nanA, nanI int
}

func (a *stepCounts) add(b stepCounts) {
	a.clamped += b.clamped
	a.activations += b.activations
	a.nanV += b.nanV
	a.nanA += b.nanA
	a.nanI += b.nanI
}

// grid is a double-buffered N×N array.
type grid struct {
	cur, next []float64
}

func newGrid(n int) grid { return grid{gridBuf(n * n), gridBuf(n * n)} }

// release gives the grid's buffers back for reuse; the grid must not be used after it.
func (g *grid) release() {
	putGridBuf(g.cur)
	putGridBuf(g.next)
	g.cur, g.next = nil, nil
}

// gridBufs recycles the buffers of released runs (LegacyResult.Release): at 64×64 the
// service's /simulate allocated 64 KiB per call for its field, most of the garbage it made.
var gridBufs sync.Pool // of *[]float64

// gridBuf is a zeroed buffer of size values, reused when one large enough was released.
func gridBuf(size int) []float64 {
	if p, _ := gridBufs.Get().(*[]float64); p != nil && cap(*p) >= size {
		b := (*p)[:size]
		clear(b) // as make's: no run may see another's values
		return b
	}
	return make([]float64, size)
}

func putGridBuf(b []float64) {
	if cap(b) > 0 {
		gridBufs.Put(&b)
	}
}

func (g *grid) swap() { g.cur, g.next = g.next, g.cur }

// kernel advances the field, and the activator–inhibitor pair when Turing is on, one step at
// a time, with numpy's per-element arithmetic. Steps split rows between workers on large
// grids; the random draws happen before each step, so the split cannot change any bit.
type kernel struct {
	n       int
	bc      Boundary
	alpha   float64
	noise   []float64 // this step's jitter, nil without jitter
	v       grid
	act     grid
	inh     grid
	re      reaction
	zero    []float64
	workers int
	counts  []stepCounts
	// scratch holds two Laplacian rows per worker (the reaction runs on worker 0's share
	// when it runs beside the field, which never uses scratch).
	scratch [][]float64
	// ring holds three intermediate rows per worker for diffuse2.
	ring [][]float64
	// dargs and rargs are the AVX2 kernels' argument blocks per worker (rows of ≥ 6 cells),
	// made by the first field step and the first reaction step; the field and the reaction
	// may run on different goroutines, each using only its own.
	dargs []diffArgs
	rargs []reactArgs
	// patch, when patchRow ≥ 0, stands for row patchRow of v.cur: that row with this step's
	// growth spike added, so that the spike need not be written into v.cur (which may be a
	// frame of the recorded history).
	patch    []float64
	patchRow int
	// midOut, when not nil, receives the intermediate field of diffuse2 (the first of its
	// two steps), for a history or a per-step callback; mid is its buffer for the callback.
	midOut, mid []float64
	// deep holds each worker's rings for diffuseDeep.
	deep [][]float64
}

// addSpike adds a growth spike to the current field through the patch row.
func (k *kernel) addSpike(sp Spike) {
	n := k.n
	if k.patch == nil {
		k.patch = make([]float64, n)
	}
	copy(k.patch, k.v.cur[sp.Row*n:sp.Row*n+n])
	k.patch[sp.Col] += sp.Magnitude
	k.patchRow = sp.Row
}

// fieldRow returns row r of the current field, patched.
func (k *kernel) fieldRow(r int) []float64 {
	if r == k.patchRow {
		return k.patch
	}
	return k.v.cur[r*k.n : r*k.n+k.n]
}

// fieldNeighbours returns the rows above and below row r of the current field, patched.
func (k *kernel) fieldNeighbours(r int) (up, down []float64) {
	up, down = k.neighbours(k.v.cur, r)
	if k.patchRow >= 0 {
		if u := k.upRow(r); u == k.patchRow {
			up = k.patch
		}
		if d := k.downRow(r); d == k.patchRow {
			down = k.patch
		}
	}
	return up, down
}

// fastRows says whether the AVX2 row kernels apply.
func (k *kernel) fastRows() bool { return haveAVX2 && k.n >= 6 }

// prepareDiffuse makes the field kernel's argument blocks (before the workers start).
func (k *kernel) prepareDiffuse() {
	if k.fastRows() && len(k.dargs) < k.workers {
		k.dargs = make([]diffArgs, k.workers)
		for w := range k.dargs {
			k.dargs[w] = newDiffArgs(k.n, k.alpha, k.bc)
		}
	}
}

// prepareReact makes the reaction kernel's argument blocks (before the workers start).
func (k *kernel) prepareReact() {
	if k.fastRows() && len(k.rargs) < k.workers {
		k.rargs = make([]reactArgs, k.workers)
		for w := range k.rargs {
			k.rargs[w] = newReactArgs(k.n, &k.re, k.bc)
		}
	}
}

// plainRows returns the end of the run of rows from r (before r1) whose neighbours are the
// rows before and after them in the grid, unpatched, when the row kernel applies; r
// otherwise.
func (k *kernel) plainRows(r, r1 int) int {
	if !k.fastRows() {
		return r
	}
	e := r
	for e < r1 && e >= 1 && e <= k.n-2 && (k.patchRow < 0 || e < k.patchRow-1 || e > k.patchRow+1) {
		e++
	}
	return e
}

// interiorRows returns the end of the run of rows from r (before r1) that are neither the
// first nor the last row, r if there is none.
func (k *kernel) interiorRows(r, r1 int) int {
	if r < 1 {
		return r
	}
	return max(r, min(r1, k.n-1))
}

// rowStep is diffuseRow for worker w.
func (k *kernel) rowStep(w int, out, up, mid, down, noise []float64, cnt *stepCounts) {
	if k.fastRows() {
		k.dargs[w].run(out, up, mid, down, noise, cnt)
		return
	}
	diffuseRow(out, up, mid, down, noise, k.alpha, k.bc, cnt)
}

func newKernel(n int, bc Boundary) *kernel {
	k := &kernel{n: n, bc: bc, zero: make([]float64, n), v: newGrid(n), patchRow: -1}
	k.workers = 1
	if n*n >= parallelCells && runtime.GOMAXPROCS(0) > 1 {
		k.workers = min(runtime.GOMAXPROCS(0), n/32)
	}
	if forceWorkers > 0 {
		k.workers = forceWorkers
	}
	k.counts = make([]stepCounts, k.workers)
	k.scratch = make([][]float64, k.workers)
	for w := range k.scratch {
		k.scratch[w] = make([]float64, 2*n)
	}
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

// parallel runs rows(r0, r1) over the row range split between the workers and sums the counts.
func (k *kernel) parallel(workers int, rows func(w, r0, r1 int) stepCounts) stepCounts {
	if workers <= 1 {
		return rows(0, 0, k.n)
	}
	var wg sync.WaitGroup
	per := (k.n + workers - 1) / workers
	for w := 1; w < workers; w++ {
		r0, r1 := min(w*per, k.n), min((w+1)*per, k.n)
		wg.Go(func() { k.counts[w] = rows(w, r0, r1) })
	}
	k.counts[0] = rows(0, 0, min(per, k.n))
	wg.Wait()
	var total stepCounts
	for _, c := range k.counts[:workers] {
		total.add(c)
	}
	return total
}

// diffuse advances the field alone (the Turing kick provably cannot fire this step).
func (k *kernel) diffuse(workers int) stepCounts {
	k.prepareDiffuse()
	cnt := k.parallel(workers, func(w, r0, r1 int) stepCounts {
		var c stepCounts
		n := k.n
		for r := r0; r < r1; r++ {
			off := r * n
			if e := k.plainRows(r, r1); e > r+1 {
				// Rows r … e−1 in one call of the row kernel.
				var nz []float64
				if k.noise != nil {
					nz = k.noise[off : e*n]
				}
				k.dargs[w].runRows(e-r, k.v.next[off:e*n], k.v.cur[off-n:(e-1)*n], k.v.cur[off:e*n], k.v.cur[off+n:(e+1)*n], nz, &c)
				r = e - 1
				continue
			}
			up, down := k.fieldNeighbours(r)
			var nz []float64
			if k.noise != nil {
				nz = k.noise[off : off+n]
			}
			k.rowStep(w, k.v.next[off:off+n], up, k.fieldRow(r), down, nz, &c)
		}
		return c
	})
	k.v.swap()
	k.patchRow = -1
	return cnt
}

// react advances the activator and inhibitor alone.
func (k *kernel) react(workers int) stepCounts {
	k.prepareReact()
	cnt := k.parallel(workers, func(w, r0, r1 int) stepCounts {
		var c stepCounts
		k.reactRows(w, r0, r1, nil, &c)
		return c
	})
	k.act.swap()
	k.inh.swap()
	return cnt
}

func (k *kernel) reactRows(w, r0, r1 int, v []float64, c *stepCounts) {
	n := k.n
	la, li := k.scratch[w][:n], k.scratch[w][n:2*n]
	for r := r0; r < r1; r++ {
		off := r * n
		a, in := k.act.cur[off:off+n], k.inh.cur[off:off+n]
		if v == nil && len(k.rargs) > w {
			if e := k.interiorRows(r, r1); e > r+1 {
				// Rows r … e−1 in one call of the row kernel.
				ac, ic := k.act.cur, k.inh.cur
				k.rargs[w].runRows(e-r, k.act.next[off:e*n], k.inh.next[off:e*n],
					ac[off-n:(e-1)*n], ac[off:e*n], ac[off+n:(e+1)*n], ic[off-n:(e-1)*n], ic[off:e*n], ic[off+n:(e+1)*n], c)
				r = e - 1
				continue
			}
			aUp, aDown := k.neighbours(k.act.cur, r)
			iUp, iDown := k.neighbours(k.inh.cur, r)
			k.rargs[w].run(k.act.next[off:off+n], k.inh.next[off:off+n], aUp, a, aDown, iUp, in, iDown, c)
			continue
		}
		up, down := k.neighbours(k.act.cur, r)
		lapRow(la, up, a, down, k.bc)
		up, down = k.neighbours(k.inh.cur, r)
		lapRow(li, up, in, down, k.bc)
		var vrow []float64
		if v != nil {
			vrow = v[off : off+n]
		}
		k.re.reactRow(k.act.next[off:off+n], k.inh.next[off:off+n], a, in, la, li, vrow, c)
	}
}

// coupled advances everything together: diffusion, the Turing kick, jitter, clamp — the
// reference's step when the kick may fire.
func (k *kernel) coupled() stepCounts {
	cnt := k.parallel(k.workers, func(w, r0, r1 int) stepCounts {
		var c stepCounts
		n := k.n
		lv := k.scratch[w][:n]
		for r := r0; r < r1; r++ {
			off := r * n
			up, down := k.fieldNeighbours(r)
			mid, out := k.fieldRow(r), k.v.next[off:off+n]
			lapRow(lv, up, mid, down, k.bc)
			for col := range out {
				out[col] = mid[col] + float64(k.alpha*lv[col])
			}
		}
		k.reactRows(w, r0, r1, k.v.next, &c)
		for r := r0; r < r1; r++ {
			out := k.v.next[r*n : r*n+n]
			if k.noise != nil {
				nz := k.noise[r*n : r*n+n]
				for col := range out {
					out[col] += nz[col]
				}
			}
			for col, x := range out {
				out[col] = clampV(x, &c.clamped, &c.nanV)
			}
		}
		return c
	})
	k.v.swap()
	k.patchRow = -1
	k.act.swap()
	k.inh.swap()
	return cnt
}
