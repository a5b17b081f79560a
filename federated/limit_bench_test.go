package federated

import (
	"testing"

	"mfn/internal/membw"
)

// BenchmarkKrumDistances100x1000: the Krum distance matrix of 100 gradients of 1000 float32
// (the path Krum takes above 25 clients: the Gram matrix, then the distances), for
// docs/performance.md's limit table. Gflop/s counts the essential work, n(n+1)/2 dot products
// of d multiply-adds (10.1 Mflop), per CPU second of all threads: compare with one core's
// membw.VecFMA rate.
func BenchmarkKrumDistances100x1000(b *testing.B) {
	const n, d = 100, 1000
	ws := newWorkspace(benchGrads(n, d))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	dist := make([]float32, n*n)
	distances := ws.gramDistances
	if haveAVX2 {
		distances = ws.gramDistancesPanels
	}
	membw.Loop(b, float64(n*(n+1)/2*d*2)/1e9, "Gflop/s", func() { distances(idx, dist) })
}
