package field

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// oddValue draws mostly ordinary values in [lo, hi) and now and then one that exercises a
// special case: NaN, ±Inf, −0, a value far outside the clamp.
func oddValue(r *rand.Rand, lo, hi float64) float64 {
	switch r.IntN(40) {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1 - 2*r.IntN(2))
	case 2:
		return math.Copysign(0, -1)
	case 3:
		return (r.Float64() - 0.5) * 10
	}
	return lo + r.Float64()*(hi-lo)
}

func randomRow(r *rand.Rand, n int, lo, hi float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = oddValue(r, lo, hi)
	}
	return x
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

// diffuseRow (the vector kernel where there is one) against the composition of lapRow and the
// scalar clamp, over every row length from 1 to 70, the three boundaries, with and without
// noise, including NaN, infinities, −0 and clamped values.
func TestDiffuseRowMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 70; n++ {
		for _, bc := range []Boundary{Periodic, Neumann, Dirichlet} {
			for _, withNoise := range []bool{false, true} {
				up, mid, down := randomRow(r, n, -0.1, 0.05), randomRow(r, n, -0.1, 0.05), randomRow(r, n, -0.1, 0.05)
				var noise []float64
				if withNoise {
					noise = randomRow(r, n, -0.01, 0.01)
				}
				alpha := r.Float64() * 0.25
				got := make([]float64, n)
				var gc stepCounts
				diffuseRow(got, up, mid, down, noise, alpha, bc, &gc)
				lap := make([]float64, n)
				lapRow(lap, up, mid, down, bc)
				var wc stepCounts
				for c := range n {
					x := mid[c] + float64(alpha*lap[c])
					if noise != nil {
						x += noise[c]
					}
					want := clampV(x, &wc.clamped, &wc.nanV)
					if !sameBits(got[c], want) {
						t.Fatalf("n=%d %v noise=%v cell %d: %v, want %v", n, bc, withNoise, c, got[c], want)
					}
				}
				if gc != wc {
					t.Fatalf("n=%d %v noise=%v: counts %+v, want %+v", n, bc, withNoise, gc, wc)
				}
			}
		}
	}
}

// reactRowFast against reactRow over the Laplacian rows, likewise.
func TestReactRowFastMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 70; n++ {
		for _, bc := range []Boundary{Periodic, Neumann, Dirichlet} {
			for _, jacobi := range []bool{false, true} {
				re := reaction{da: r.Float64() * 0.25, di: r.Float64() * 0.25, ra: r.Float64() * 0.1,
					ri: r.Float64() * 0.1, threshold: 0.75, jacobi: jacobi}
				row := func() []float64 { return randomRow(r, n, 0, 1) }
				aUp, a, aDown, iUp, in, iDown := row(), row(), row(), row(), row(), row()
				gotA, gotI := make([]float64, n), make([]float64, n)
				var gc stepCounts
				if n >= 6 && haveAVX2 {
					re.reactRowFast(gotA, gotI, aUp, a, aDown, iUp, in, iDown, bc, &gc)
				} else {
					for c := range n {
						re.reactCell(gotA, gotI, aUp, a, aDown, iUp, in, iDown, c, bc, &gc)
					}
				}
				la, li := make([]float64, n), make([]float64, n)
				lapRow(la, aUp, a, aDown, bc)
				lapRow(li, iUp, in, iDown, bc)
				wantA, wantI := make([]float64, n), make([]float64, n)
				var wc stepCounts
				re.reactRow(wantA, wantI, a, in, la, li, nil, &wc)
				for c := range n {
					if !sameBits(gotA[c], wantA[c]) || !sameBits(gotI[c], wantI[c]) {
						t.Fatalf("n=%d %v jacobi=%v cell %d: (%v, %v), want (%v, %v)", n, bc, jacobi, c, gotA[c], gotI[c], wantA[c], wantI[c])
					}
				}
				if gc != wc {
					t.Fatalf("n=%d %v jacobi=%v: counts %+v, want %+v", n, bc, jacobi, gc, wc)
				}
			}
		}
	}
}

// The assembly reads the argument blocks by offset.
func TestSimdLayout(t *testing.T) {
	var d diffArgs
	var r reactArgs
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"diffArgs.n", unsafe.Offsetof(d.n), 40},
		{"diffArgs.swapped", unsafe.Offsetof(d.swapped), 80},
		{"diffArgs.edges", unsafe.Offsetof(d.edges), 88},
		{"diffArgs.clamped", unsafe.Offsetof(d.clamped), 152},
		{"diffArgs.nan", unsafe.Offsetof(d.nan), 160},
		{"diffArgs.rows", unsafe.Offsetof(d.rows), 168},
		{"reactArgs.n", unsafe.Offsetof(r.n), 64},
		{"reactArgs.flags", unsafe.Offsetof(r.flags), 120},
		{"reactArgs.edges", unsafe.Offsetof(r.edges), 128},
		{"reactArgs.tailMask", unsafe.Offsetof(r.tailMask), 192},
		{"reactArgs.nanA", unsafe.Offsetof(r.nanA), 224},
		{"reactArgs.leftOver", unsafe.Offsetof(r.leftOver), 240},
		{"reactArgs.saveA", unsafe.Offsetof(r.saveA), 256},
		{"reactArgs.saveI", unsafe.Offsetof(r.saveI), 288},
		{"reactArgs.rows", unsafe.Offsetof(r.rows), 320},
		{"edgeNeighbours.maskFirst", unsafe.Offsetof(d.edges.maskFirst), 32},
	} {
		if c.got != c.want {
			t.Errorf("%s at %d, the assembly reads %d", c.name, c.got, c.want)
		}
	}
}
