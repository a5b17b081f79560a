package federated

import (
	"math"
	"runtime"
	"sync"
)

// medianNetMinCols: below this many coordinates per worker the network kernel's setup is not
// worth it (and the kernel needs at least 16 columns).
const medianNetMinCols = 256

// median32Net is the coordinate-wise median of float32 updates on hierarchical Krum's AVX2
// sorting-network kernel (medianNetAVX2): the value of rank (n−1)/2 per column, and for even n
// also rank n/2, averaged in float64. Columns are split over all cores. It reports false (and
// does nothing) where the kernel does not apply: no AVX2, too few columns, more than
// netMaxWires updates.
func median32Net(u [][]float32, out []float32) bool {
	n, d := len(u), len(out)
	if !haveAVX2 || d < 16 || n > netMaxWires {
		return false
	}
	lowerRank(u, out, (n-1)/2)
	if n%2 == 0 {
		upper := make([]float32, d)
		lowerRank(u, upper, n/2)
		for j, v := range upper {
			out[j] = float32((float64(out[j]) + float64(v)) / 2)
		}
	}
	return true
}

// lowerRank sets out[j] to the value of rank k (0-based) of column j of u, with the network
// kernel on blocks of columns spread over all cores.
func lowerRank(u [][]float32, out []float32, k int) {
	n, d := len(u), len(out)
	net := cachedNet(n, k, k, true)
	wires := (n + 7) &^ 7
	p := max(1, min(runtime.GOMAXPROCS(0), d/medianNetMinCols))
	var wg sync.WaitGroup
	for w := range p {
		lo, hi := w*d/p, (w+1)*d/p
		work := func() {
			ws := new(workspace)
			ptrs := make([]*float32, wires)
			for i := range u {
				ptrs[i] = &u[i][lo]
			}
			if wires > n {
				pad := make([]float32, hi-lo)
				for i := range pad {
					pad[i] = math.Float32frombits(padKey)
				}
				for i := n; i < wires; i++ {
					ptrs[i] = &pad[0]
				}
			}
			medianNetAVX2(out[lo:hi], ptrs, net, ws.alignedScratch(16*wires), k)
		}
		if w == p-1 {
			work()
		} else {
			wg.Go(work)
		}
	}
	wg.Wait()
}

// trimmedMean32Net is the coordinate-wise β-trimmed mean of float32 updates (b values cut from
// each end, b >= 1) without sorting the columns: the network kernel finds each column's values
// L and H of ranks b and n−b−1, then one pass over the rows sums the values strictly between
// them and counts the ties at L and H, from which the kept copies of L and H follow. It
// reports false where the kernel does not apply (see median32Net).
func trimmedMean32Net(u [][]float32, out []float32, b int) bool {
	n, d := len(u), len(out)
	if !haveAVX2 || d < 16 || n > netMaxWires || b < 1 || n-2*b < 1 {
		return false
	}
	lo, hi := make([]float32, d), make([]float32, d)
	lowerRank(u, lo, b)
	lowerRank(u, hi, n-b-1)
	first, last := b, n-b-1 // the kept ranks
	overlap := func(a, z int) int { return max(0, min(z, last)-max(a, first)+1) }
	parallelRange(d, n*d, func(c0, c1 int) {
		const chunk = 1024
		var sum [chunk]float64
		var less, eqL, eqH, more [chunk]int32
		for j0 := c0; j0 < c1; j0 += chunk {
			w := min(chunk, c1-j0)
			clear(sum[:w])
			clear(less[:w])
			clear(eqL[:w])
			clear(eqH[:w])
			clear(more[:w])
			L, H := lo[j0:j0+w], hi[j0:j0+w]
			for _, row := range u {
				for j, v := range row[j0 : j0+w] {
					switch {
					case v < L[j]:
						less[j]++
					case v == L[j]:
						eqL[j]++
					case v < H[j]:
						sum[j] += float64(v)
					case v == H[j]:
						eqH[j]++
					default:
						more[j]++
					}
				}
			}
			for j := range w {
				l, h := float64(L[j]), float64(H[j])
				s := sum[j]
				if L[j] == H[j] {
					s = float64(n-2*b) * l
				} else {
					s += float64(overlap(int(less[j]), int(less[j]+eqL[j])-1)) * l
					s += float64(overlap(n-int(more[j]+eqH[j]), n-int(more[j])-1)) * h
				}
				out[j0+j] = float32(s / float64(n-2*b))
			}
		}
	})
	return true
}
