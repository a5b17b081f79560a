package federated

// Assertions on the cost model's arithmetic (issue 18 item 18: gremlins left 36 of 51
// mutants of cost.go alive, docs/quality.md "Mutation testing"). The service admits an
// aggregation when InputBytes + Cost.Bytes fits MFN_AGGREGATE_MAX_BYTES (server/
// aggregate_limits.go), so Bytes must not fall below what Aggregate really allocates, and
// should not be far above it (or requests that fit are refused).

import (
	"errors"
	"math"
	"runtime"
	"testing"

	"mfn/rng"
)

// gradsOf returns n deterministic gradients of d elements.
func gradsOf(n, d int) [][]float32 {
	grads := make([][]float32, n)
	for i := range grads {
		grads[i] = make([]float32, d)
		for j := range grads[i] {
			grads[i][j] = float32((i*31 + j*17) % 101)
		}
	}
	return grads
}

// krumOpsByHand is krumOps' documented meaning, written out: m² pairwise distance terms of
// d/2 operations each plus the sorting of m rows of m (m·log2 m each); 0 for m <= 2, where
// Krum does no work.
func krumOpsByHand(m, d int) float64 {
	if m <= 2 {
		return 0
	}
	return float64(m*m) * (float64(d)/2 + math.Log2(float64(m)))
}

// TestCostExactSmallCases: Bytes and Ops for inputs whose cluster sizes are known without
// the generator (num_clusters = 1: one cluster of every sampled client, one representative),
// derived by hand from the documented terms:
//
//	Bytes = max(krumBytes(largest, d), krumBytes(reps, d))   the larger Krum's workspace
//	      + 24·clients + 16·sampled + 24·clusters + 8·d + 256·reps   bookkeeping
//	krumBytes(m, d) = 0 for m <= 2, else 4m² (float32 distances) + 4m (scores) + 8m (rows),
//	      plus, when m > 25 (torch's direct-difference limit) and d >= 4, the larger of the
//	      AVX2 tiles 128g² + 16384g + 96g (g = ⌈m/4⌉) and the plain path 8md + 8m² + 8m.
//	Ops = Σ krumOps(cluster) + krumOps(reps) + reps·d.
func TestCostExactSmallCases(t *testing.T) {
	log2 := math.Log2
	for _, c := range []struct {
		name         string
		n, d         int
		frac         float64
		sampled      int
		bytes        int64
		ops          float64
		largest, rep int
	}{
		// m = 2: no Krum work. 0 + 24·2 + 16·2 + 24 + 8·5 + 256 = 400; Ops = 1·5.
		{"two clients", 2, 5, 1, 2, 400, 5, 2, 1},
		// m = 3, d = 2: 4·9 + 12 + 24 = 72; + 72 + 48 + 24 + 16 + 256 = 488.
		{"three clients", 3, 2, 1, 3, 488, 9*(1+log2(3)) + 2, 3, 1},
		// m = 10: 400 + 40 + 80 = 520; + 240 + 160 + 24 + 24 + 256 = 1224.
		{"ten clients", 10, 3, 1, 10, 1224, 100*(1.5+log2(10)) + 3, 10, 1},
		// m = 25 is not above the direct limit: 2500 + 100 + 200 = 2800; + 600 + 400 + 24 + 32 + 256 = 4112.
		{"m at the direct limit", 25, 4, 1, 25, 4112, 625*(2+log2(25)) + 4, 25, 1},
		// m = 26 but d = 3 < 4: 2704 + 104 + 208 = 3016; + 624 + 416 + 24 + 24 + 256 = 4360.
		{"d below 4", 26, 3, 1, 26, 4360, 676*(1.5+log2(26)) + 3, 26, 1},
		// m = 26, d = 4, g = 7: tiles 6272 + 114688 + 672 = 121632 > plain 832 + 5408 + 208;
		// 3016 + 121632 = 124648; + 624 + 416 + 24 + 32 + 256 = 126000.
		{"tiles dominate", 26, 4, 1, 26, 126000, 676*(2+log2(26)) + 4, 26, 1},
		// m = 28, d = 1000, g = 7: plain 224000 + 6272 + 224 = 230496 > tiles 121632;
		// 3136 + 112 + 224 + 230496 = 233968; + 672 + 448 + 24 + 8000 + 256 = 243368.
		{"plain path dominates", 28, 1000, 1, 28, 243368, 784*(500+log2(28)) + 1000, 28, 1},
		// 1500 clients > 1000 are sampled: int(1500·0.1) = 150; d = 2: 90000 + 600 + 1200 =
		// 91800; + 24·1500 + 16·150 + 24 + 16 + 256 = 130496.
		{"sampled", 1500, 2, 0.1, 150, 130496, 22500*(1+log2(150)) + 2, 150, 1},
		// exactly 1000 clients are not sampled: 4·10⁶ + 4000 + 8000 = 4012000;
		// + 24000 + 16000 + 24 + 16 + 256 = 4052296.
		{"at the sampling threshold", 1000, 2, 0.1, 1000, 4052296, 1e6*(1+log2(1000)) + 2, 1000, 1},
	} {
		a := Aggregator{NumClusters: 1, ByzantineFraction: 0.2, SampleFraction: c.frac}
		got, err := a.Cost(c.n, c.d, rng.New(42))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.Clients != c.n || got.Dim != c.d || got.Sampled != c.sampled || got.LargestCluster != c.largest ||
			got.Bytes != c.bytes || math.Abs(got.Ops-c.ops) > 1e-9*c.ops {
			t.Errorf("%s: %+v, want sampled %d, largest %d, %d bytes, %.6g ops", c.name, got, c.sampled, c.largest, c.bytes, c.ops)
		}
	}
}

// TestInputBytes: a [][]float32 of n rows of d takes a 24-byte slice header per row and 4 bytes
// per element: 3 rows of 5 take 3·(24 + 20) = 132 bytes; 0 rows take none.
func TestInputBytes(t *testing.T) {
	for _, c := range []struct {
		n, d int
		want int64
	}{{3, 5, 132}, {1, 0, 24}, {0, 7, 0}, {100000, 10, 6_400_000}} {
		if got := InputBytes(c.n, c.d); got != c.want {
			t.Errorf("InputBytes(%d, %d) = %d, want %d", c.n, c.d, got, c.want)
		}
	}
}

// TestCostManyClusters: with many clusters the representatives' Krum can be the larger one;
// the sizes come from Aggregate's own trace, the terms from the formula above.
func TestCostManyClusters(t *testing.T) {
	for _, c := range []struct{ n, d, clusters int }{{100, 8, 60}, {300, 16, 3}, {1500, 32, 40}, {40, 5, 100}} {
		a := Aggregator{NumClusters: c.clusters, ByzantineFraction: 0.2, SampleFraction: 0.5}
		got, err := a.Cost(c.n, c.d, rng.New(42))
		if err != nil {
			t.Fatal(err)
		}
		_, tr, err := a.Aggregate(gradsOf(c.n, c.d), rng.New(42))
		if err != nil {
			t.Fatal(err)
		}
		sampled := len(tr.ClusterAssignments)
		nc := min(c.clusters, sampled)
		sizes := make([]int, nc)
		for _, cl := range tr.ClusterAssignments {
			sizes[cl]++
		}
		reps, largest, ops := 0, 0, 0.0
		for _, m := range sizes {
			if m > 0 {
				reps++
				largest = max(largest, m)
				ops += krumOpsByHand(m, c.d)
			}
		}
		ops += krumOpsByHand(reps, c.d) + float64(reps*c.d)
		bytes := max(krumBytes(largest, c.d), krumBytes(reps, c.d)) +
			int64(24*c.n+16*sampled+24*nc+8*c.d+256*reps)
		if got.Sampled != sampled || got.LargestCluster != largest || got.Bytes != bytes || math.Abs(got.Ops-ops) > 1e-9*ops {
			t.Errorf("n=%d d=%d C=%d: %+v, want sampled %d largest %d (%d representatives), %d bytes, %.6g ops",
				c.n, c.d, c.clusters, got, sampled, largest, reps, bytes, ops)
		}
		if c.clusters == 60 && krumBytes(reps, c.d) <= krumBytes(largest, c.d) {
			t.Errorf("the case meant to have the representatives' Krum dominate does not (%d reps, largest %d)", reps, largest)
		}
	}
}

// TestCostRefusals: the inputs Aggregate refuses cost nothing and name why.
func TestCostRefusals(t *testing.T) {
	a := Aggregator{NumClusters: 1, ByzantineFraction: 0.2, SampleFraction: 0.0005}
	// int(1001·0.0005) = 0 clients kept: Aggregate refuses, Cost reports no work.
	c, err := a.Cost(1001, 4, rng.New(42))
	if err != nil || c.Bytes != 0 || c.Ops != 0 || c.LargestCluster != 0 || c.Sampled != 1001 {
		t.Errorf("nothing sampled: %+v %v", c, err)
	}
	if _, err := a.Cost(0, 4, rng.New(42)); !errors.Is(err, ErrNoGradients) {
		t.Errorf("no clients: %v", err)
	}
	if _, err := (Aggregator{NumClusters: 0, SampleFraction: 1}).Cost(5, 4, rng.New(42)); err == nil {
		t.Error("num_clusters=0 accepted")
	}
}

// allocated is the bytes f allocates on the heap, after two collections (which empty the
// workspace pool, so f builds its workspace anew).
func allocated(f func()) int64 {
	runtime.GC()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// TestCostBoundsMeasuredAllocation: Aggregate, with an empty workspace pool, allocates no more
// than Cost.Bytes (plus 32 KiB of fixed per-call buffers the model leaves out: the measured
// floor is 18 KiB at 3 clients), and, on the AVX2 path whose tiles the model counts, at least
// a fifth of it. The first call of each case is a warm-up: it also builds the sorting network
// for its cluster size, cached for the process and not part of the per-call model.
func TestCostBoundsMeasuredAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow allocations are not the program's")
	}
	const slack = 32 << 10
	for _, c := range []struct {
		n, d, clusters int
		frac           float64
	}{
		{3, 2, 1, 1}, {10, 3, 1, 1}, {26, 4, 1, 1}, {28, 1000, 1, 1}, {100, 64, 1, 1}, {100, 8, 60, 1},
		{300, 16, 3, 1}, {1500, 2, 1, 0.1}, {1500, 32, 4, 0.5}, {700, 64, 1, 1},
	} {
		a := Aggregator{NumClusters: c.clusters, ByzantineFraction: 0.2, SampleFraction: c.frac}
		grads := gradsOf(c.n, c.d)
		cost, err := a.Cost(c.n, c.d, rng.New(42))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
			t.Fatal(err)
		}
		g := rng.New(42)
		got := allocated(func() { _, _, _ = a.Aggregate(grads, g) })
		if got > cost.Bytes+slack {
			t.Errorf("n=%d d=%d C=%d: Aggregate allocated %d bytes, the model says %d", c.n, c.d, c.clusters, got, cost.Bytes)
		}
		if haveAVX2 && cost.Bytes > 100<<10 && got < cost.Bytes/5 {
			t.Errorf("n=%d d=%d C=%d: the model's %d bytes are more than 5x the %d allocated", c.n, c.d, c.clusters, cost.Bytes, got)
		}
	}
}

// TestLargeWorkspaceIsNotPooled: a workspace above retainBytes (64 MiB) is dropped after the
// call, not kept by the pool, so the next call allocates it again (heldBytes sizes it).
// 2400 clients of 4 in one cluster: 4·2400² distances + 8·16·600² tiles ≈ 69 MB.
func TestLargeWorkspaceIsNotPooled(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 140 MB")
	}
	a := Aggregator{NumClusters: 1, ByzantineFraction: 0.2, SampleFraction: 1}
	grads := gradsOf(2400, 4)
	g1, g2 := rng.New(42), rng.New(42)
	if _, _, err := a.Aggregate(grads, g1); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, _ = a.Aggregate(grads, g2)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got < retainBytes {
		t.Errorf("the second call allocated %d bytes: the first call's %d-byte workspace was kept", got, retainBytes)
	}
}
