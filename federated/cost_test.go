package federated

import (
	"context"
	"errors"
	"testing"
	"time"

	"mfn/rng"
)

// Cost replays Aggregate's sampling and assignment: its largest cluster is the one Aggregate
// builds, for sampled and unsampled inputs.
func TestCostReplaysTheAssignment(t *testing.T) {
	for _, c := range []struct{ n, clusters int }{{50, 3}, {1000, 7}, {1500, 4}, {20000, 1}} {
		grads := make([][]float32, c.n)
		for i := range grads {
			grads[i] = []float32{float32(i % 13), float32(i % 7)}
		}
		a := Aggregator{NumClusters: c.clusters, ByzantineFraction: 0.2, SampleFraction: DefaultSampleFraction}
		cost, err := a.Cost(c.n, 2, rng.New(42))
		if err != nil {
			t.Fatal(err)
		}
		_, tr, err := a.Aggregate(grads, rng.New(42))
		if err != nil {
			t.Fatal(err)
		}
		sizes := map[int]int{}
		largest := 0
		for _, cl := range tr.ClusterAssignments {
			sizes[cl]++
			largest = max(largest, sizes[cl])
		}
		if cost.LargestCluster != largest || cost.Sampled != len(tr.ClusterAssignments) {
			t.Errorf("n=%d C=%d: cost says largest %d of %d sampled, Aggregate built %d of %d",
				c.n, c.clusters, cost.LargestCluster, cost.Sampled, largest, len(tr.ClusterAssignments))
		}
		if want := krumBytes(largest, 2); cost.Bytes < want {
			t.Errorf("n=%d: cost %d bytes is below the largest Krum's %d", c.n, cost.Bytes, want)
		}
	}
}

// A cancelled context stops a large Krum within a short time and returns the context's error.
func TestAggregateContextStops(t *testing.T) {
	const n, d = 1500, 512 // the Gram pass (n²·d) dominates the allocation (n² doubles)
	grads := make([][]float32, n)
	for i := range grads {
		grads[i] = make([]float32, d)
		for j := range grads[i] {
			grads[i][j] = float32((i*31 + j*17) % 101)
		}
	}
	a := Aggregator{NumClusters: 1, ByzantineFraction: 0.2, SampleFraction: 1}
	full := time.Now()
	if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
		t.Fatal(err)
	}
	whole := time.Since(full)
	ctx, cancel := context.WithTimeout(context.Background(), whole/10)
	defer cancel()
	start := time.Now()
	_, _, err := a.AggregateContext(ctx, grads, rng.New(42))
	stopped := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	t.Logf("whole run %v; cancelled after %v, returned after %v", whole, whole/10, stopped)
	if stopped > whole/2 {
		t.Errorf("the cancelled run took %v of the whole run's %v", stopped, whole)
	}
}
