package field

import "math"

// The argument blocks of the AVX2 kernels (simd_amd64.s reads them by offset: keep the field
// order and sizes; TestSimdLayout checks the offsets). The row pointers address cell 0 of
// their rows. A kernel holds one template per worker (without row pointers); each row copies
// it to the stack and sets the pointers there, so no pointer is written to the heap (a
// write barrier per row while a collection runs would cost more than the row).

// edgeNeighbours locate the horizontal neighbours of a row's two edge cells (lane 0: cell
// 0, lane 1: cell n−1) in the Laplacian's order, as element offsets in the row; a zero mask
// stands for Dirichlet's outside neighbour 0.
type edgeNeighbours struct {
	offFirst, offSecond   [2]int
	maskFirst, maskSecond [2]uint64
}

func newEdgeNeighbours(n int, bc Boundary) edgeNeighbours {
	const all = math.MaxUint64
	e := edgeNeighbours{maskFirst: [2]uint64{all, all}, maskSecond: [2]uint64{all, all}}
	switch bc {
	case Periodic:
		e.offFirst, e.offSecond = [2]int{n - 1, n - 2}, [2]int{1, 0}
	case Neumann:
		e.offFirst, e.offSecond = [2]int{0, n - 2}, [2]int{1, n - 1}
	case Dirichlet:
		// The right neighbour comes first: cell 0's is 1, cell n−1's is outside (0); then
		// the left: cell 0's is outside, cell n−1's is n−2.
		e.offFirst, e.offSecond = [2]int{1, 0}, [2]int{0, n - 2}
		e.maskFirst, e.maskSecond = [2]uint64{all, 0}, [2]uint64{0, all}
	}
	return e
}

// diffArgs is diffuseRowAVX2's block.
type diffArgs struct {
	out, u, d, m, nz    *float64 // 0 … 32
	n                   int      // 40
	alpha, four, lo, hi float64  // 48 … 72
	swapped             int      // 80: Dirichlet, the right neighbour first
	edges               edgeNeighbours
	clamped, nan        int // 152, 160: outputs
	rows                int // 168: consecutive rows, n cells apart
}

func newDiffArgs(n int, alpha float64, bc Boundary) diffArgs {
	p := diffArgs{n: n, alpha: alpha, four: 4, lo: clampMinV, hi: clampMaxV, edges: newEdgeNeighbours(n, bc)}
	if bc == Dirichlet {
		p.swapped = 1
	}
	return p
}

// run computes out from the rows (each at least n long); noise may be nil.
func (t *diffArgs) run(out, up, mid, down, noise []float64, cnt *stepCounts) {
	t.runRows(1, out, up, mid, down, noise, cnt)
}

// runRows computes rows consecutive rows: out, up, mid, down and noise hold rows·n cells,
// the first row's and those after it (up and down are mid one row before and after).
func (t *diffArgs) runRows(rows int, out, up, mid, down, noise []float64, cnt *stepCounts) {
	p := *t
	m := rows * p.n
	_, _, _, _ = out[m-1], up[m-1], mid[m-1], down[m-1]
	p.out, p.u, p.d, p.m, p.nz, p.rows = &out[0], &up[0], &down[0], &mid[0], nil, rows
	if noise != nil {
		_ = noise[m-1]
		p.nz = &noise[0]
	}
	diffuseRowAVX2(&p)
	cnt.clamped += p.clamped
	cnt.nanV += p.nan
}

// reactArgs is reactRowAVX2's block.
type reactArgs struct {
	aOut, iOut                *float64 // 0, 8
	aUp, aDown, aMid          *float64 // 16, 24, 32
	iUp, iDown, iMid          *float64 // 40, 48, 56
	n                         int      // 64
	da, di, ra, ri, four, one float64  // 72 … 112
	flags                     int      // 120: reactJacobi | reactSwapped
	edges                     edgeNeighbours
	tailMask                  [4]uint64 // 192: the overlapping last group's new lanes
	nanA, nanI                int       // 224, 232: outputs
	//lint:ignore U1000 the assembly kernel's scratch at offset 248 (TestSimdLayout checks it)
	leftOver, inTail int      // 240, 248: the kernel's own
	saveA, saveI     [4]int64 // 256, 288: the kernel's own
	rows             int      // 320: consecutive rows, n cells apart (consumed)
}

const (
	reactJacobi  = 1 // the inhibitor's source term reads the old activator
	reactSwapped = 2 // Dirichlet: the right neighbour is added before the left
)

func newReactArgs(n int, re *reaction, bc Boundary) reactArgs {
	p := reactArgs{n: n, da: re.da, di: re.di, ra: re.ra, ri: re.ri, four: 4, one: 1,
		edges: newEdgeNeighbours(n, bc)}
	if re.jacobi {
		p.flags |= reactJacobi
	}
	if bc == Dirichlet {
		p.flags |= reactSwapped
	}
	if rem := (n - 2) % 4; rem > 0 {
		for l := 4 - rem; l < 4; l++ {
			p.tailMask[l] = math.MaxUint64
		}
	}
	return p
}

// run advances one row (each slice at least n long).
func (t *reactArgs) run(aOut, iOut, aUp, a, aDown, iUp, in, iDown []float64, cnt *stepCounts) {
	t.runRows(1, aOut, iOut, aUp, a, aDown, iUp, in, iDown, cnt)
}

// runRows advances rows consecutive rows: every slice holds rows·n cells, the first row's and
// those after it.
func (t *reactArgs) runRows(rows int, aOut, iOut, aUp, a, aDown, iUp, in, iDown []float64, cnt *stepCounts) {
	p := *t
	m := rows * p.n
	_, _, _, _, _ = aOut[m-1], iOut[m-1], aUp[m-1], a[m-1], aDown[m-1]
	_, _, _ = iUp[m-1], in[m-1], iDown[m-1]
	p.aOut, p.iOut, p.aUp, p.aDown, p.aMid = &aOut[0], &iOut[0], &aUp[0], &aDown[0], &a[0]
	p.iUp, p.iDown, p.iMid, p.rows = &iUp[0], &iDown[0], &in[0], rows
	reactRowAVX2(&p)
	cnt.nanA += p.nanA
	cnt.nanI += p.nanI
}
