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
