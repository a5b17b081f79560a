package federated

import (
	"context"
	"math"

	"mfn/rng"
)

// Cost is what one Aggregate call will need, known before any work: the cluster assignment
// depends only on the number of clients, the parameters and the generator, so it can be
// replayed for the price of the random draws (O(clients)), and Krum's working memory and
// time follow from the cluster sizes. A service checks it against its limits before it takes
// the gradients' work on (docs/adr/0022).
type Cost struct {
	Clients, Dim int
	// Sampled is the number of clients left after sampling (all of them up to 1000).
	Sampled int
	// LargestCluster is the size of the largest cluster, whose Krum dominates.
	LargestCluster int
	// Bytes is the peak working memory beyond the gradients themselves: the largest Krum's
	// distance matrix and products (Krum reuses one workspace across clusters), the median
	// and the bookkeeping.
	Bytes int64
	// Ops is the approximate number of element operations (distances and the sorting of
	// every distance row), for estimating time.
	Ops float64
}

// InputBytes is the memory the gradients themselves take as [][]float32.
func InputBytes(clients, dim int) int64 { return int64(clients) * (int64(dim)*4 + 24) }

// Cost replays the sampling and cluster assignment Aggregate would make on g (which it
// consumes exactly as Aggregate does: pass a fresh generator with the same seed) for clients
// gradients of dim elements.
func (a Aggregator) Cost(clients, dim int, g *rng.Generator) (Cost, error) {
	c := Cost{Clients: clients, Dim: dim, Sampled: clients}
	if err := a.Validate(); err != nil {
		return c, err
	}
	if clients == 0 {
		return c, ErrNoGradients
	}
	if clients > SamplingThreshold {
		k := int(float64(clients) * a.SampleFraction)
		if k == 0 {
			return c, nil // Aggregate refuses it
		}
		if _, err := g.ChoiceNoReplace(clients, k); err != nil {
			return c, err
		}
		c.Sampled = k
	}
	nc := min(a.NumClusters, c.Sampled)
	sizes := make([]int, nc)
	for range c.Sampled {
		sizes[g.Integers(0, int64(nc))]++
	}
	reps := 0
	for _, m := range sizes {
		if m == 0 {
			continue
		}
		reps++
		c.LargestCluster = max(c.LargestCluster, m)
		c.Ops += krumOps(m, dim)
	}
	c.Ops += krumOps(reps, dim) + float64(reps)*float64(dim)
	c.Bytes = max(krumBytes(c.LargestCluster, dim), krumBytes(reps, dim)) +
		int64(clients)*24 + int64(c.Sampled)*16 + int64(nc)*24 + int64(dim)*8 + 64*int64(reps)*4
	return c, nil
}

// krumBytes bounds the workspace of one Krum over m gradients of d elements: the float32
// distance matrix and the larger of the two distance paths' buffers (the AVX2 path's float64
// 4×4 tiles of the Gram matrix and its panels; the pure-Go path's float64 copy of the rows and
// Gram matrix), plus the scores and sorting rows.
func krumBytes(m, d int) int64 {
	if m <= 2 {
		return 0
	}
	m64, d64 := int64(m), int64(d)
	b := 4*m64*m64 + 4*m64 + 8*m64
	if m > directMax && d >= 4 {
		g := (m64 + 3) / 4
		tiles := 8*16*g*g + 2*8*g*256*4 + 24*4*g
		plain := 8*m64*d64 + 8*m64*m64 + 8*m64
		b += max(tiles, plain)
	}
	return b
}

// krumOps is Krum's work over m gradients of d elements: the pairwise distances and the
// sorting of each distance row.
func krumOps(m, d int) float64 {
	if m <= 2 {
		return 0
	}
	fm := float64(m)
	return fm * fm * (float64(d)/2 + math.Log2(fm))
}

// stopped reports whether the workspace's work has been cancelled. Krum checks it between
// rows and chunks, so a cancelled aggregation gives its worker back within milliseconds.
func (w *workspace) stopped() bool { return w.ctx != nil && w.ctx.Err() != nil }

// retainBytes bounds the buffers a pooled workspace may keep: a larger one (left by an
// unusually large aggregation) is dropped for the collector rather than held by the pool.
const retainBytes = 64 << 20

// heldBytes is the size of the workspace's largest buffers.
func (w *workspace) heldBytes() int64 {
	return 4*int64(cap(w.dist)) + 8*int64(cap(w.tiles)+cap(w.gram)+cap(w.conv)+cap(w.panels)) + 4*int64(cap(w.rows))
}

// AggregateContext is Aggregate, stopped when ctx ends (it then returns ctx's error).
func (a Aggregator) AggregateContext(ctx context.Context, grads [][]float32, g *rng.Generator) ([]float32, *Trace, error) {
	return a.aggregate(ctx, grads, g)
}
