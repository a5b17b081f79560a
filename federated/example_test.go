package federated_test

import (
	"fmt"

	"mfn/federated"
	"mfn/rng"
)

// Krum picks the gradient closest to its neighbours; the outlier is never chosen.
func ExampleKrumSelect() {
	grads := [][]float32{{1, 1}, {1.1, 0.9}, {0.9, 1.1}, {1, 1.05}, {50, -50}}
	i, err := federated.KrumSelect(grads, 1)
	fmt.Println(i, err)
	// Output:
	// 3 <nil>
}

// The hierarchical aggregator: 0.7·Krum of the cluster representatives + 0.3·their median.
func ExampleAggregator_Aggregate() {
	grads := [][]float32{{1, 2}, {1.2, 1.8}, {0.8, 2.2}, {1, 2.1}, {100, -100}, {0.9, 1.9}}
	a := federated.Aggregator{NumClusters: 2, ByzantineFraction: 0.2, SampleFraction: federated.DefaultSampleFraction}
	out, tr, err := a.Aggregate(grads, rng.New(42))
	if err != nil {
		panic(err)
	}
	fmt.Println(out, tr.GlobalIndex)
	// Output:
	// [0.94 2] 0
}
