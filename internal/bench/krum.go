package bench

import (
	"fmt"

	"mfn/federated"
	"mfn/rng"
)

// The reference's Krum timing cases (docs/spec/reference-timings.md): gradients are
// default_rng(0).standard_normal((n, d)) as float32 rows; every timed call builds a fresh
// default_rng(42) for the aggregation, as the reference's script does.
func init() {
	for _, c := range []struct {
		name     string
		n, d     int
		clusters int
		ref      string
	}{
		{"krum-100x1000", 100, 1000, federated.DefaultNumClusters, "4.21 ms"},
		{"krum-100x1000-c10", 100, 1000, 10, "2.67 ms"},
		{"krum-50x100-c10", 50, 100, 10, "0.97 ms"},
		{"krum-1200x100-c10", 1200, 100, 10, "1.89 ms"},
	} {
		Register(Workload{
			Name: c.name,
			Summary: fmt.Sprintf("HierarchicalKrumAggregator(num_clusters=%d).aggregate(%d × float32[%d]) (reference: %s)",
				c.clusters, c.n, c.d, c.ref),
			Setup: func() (func(), error) {
				g := rng.New(0)
				grads := make([][]float32, c.n)
				for i := range grads {
					grads[i] = make([]float32, c.d)
					for j := range grads[i] {
						grads[i][j] = float32(g.StandardNormal())
					}
				}
				a := federated.DefaultAggregator()
				a.NumClusters = c.clusters
				if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
					return nil, err
				}
				return func() {
					if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
						panic(err) // inputs are fixed and valid
					}
				}, nil
			},
		})
	}
}
