package field

// reactArgs is the argument block of reactRowAVX2 (simd_amd64.s reads it by offset: keep the
// field order and sizes). The row pointers address cell 0 of their rows.
type reactArgs struct {
	aOut, iOut         *float64 // 0, 8
	aUp, aDown, aMid   *float64 // 16, 24, 32
	iUp, iDown, iMid   *float64 // 40, 48, 56
	n                  int      // 64
	da, di, ra, ri     float64  // 72 … 96
	four, one          float64  // 104, 112
	flags              int      // 120: reactJacobi | reactSwapped
	nanA, nanI         [4]int64 // 128, 160: NaN counts per lane (outputs)
	tailNanA, tailNanI [4]int64 // 192, 224: those of the overlapping last group
	leftOver, inTail   int      // 256, 264: the kernel's own
	aEdge, iEdge       edgeCells
}

// edgeCells are the inputs of a row's two edge cells (lane 0: cell 0, lane 1: cell n−1):
// the rows above and below, the first and second horizontal neighbour in the Laplacian's
// order (Dirichlet adds the right one first), the cell itself, and the noise.
type edgeCells struct {
	up, down, first, second, mid [2]float64
}

// diffEdges is diffuseRowAVX2's edge block.
type diffEdges struct {
	edgeCells
	noise [2]float64
}

const (
	reactJacobi  = 1 // the inhibitor's source term reads the old activator
	reactSwapped = 2 // Dirichlet: the right neighbour is added before the left
)

// diffuseConsts are diffuseRowAVX2's constants: 4, the clamp bounds.
var diffuseConsts = [3]float64{4, clampMinV, clampMaxV}

// fill loads the edge cells of row mid.
func (e *edgeCells) fill(up, mid, down []float64, bc Boundary) {
	n := len(mid)
	e.up = [2]float64{up[0], up[n-1]}
	e.down = [2]float64{down[0], down[n-1]}
	e.mid = [2]float64{mid[0], mid[n-1]}
	var l0, rn float64 // the outside neighbours: left of cell 0, right of cell n−1 (Dirichlet 0)
	switch bc {
	case Periodic:
		l0, rn = mid[n-1], mid[0]
	case Neumann:
		l0, rn = mid[0], mid[n-1]
	}
	e.first = [2]float64{l0, mid[n-2]}
	e.second = [2]float64{mid[1], rn}
	if bc == Dirichlet {
		e.first, e.second = e.second, e.first
	}
}
