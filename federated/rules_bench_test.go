package federated

import (
	"testing"

	"mfn/rng"
)

// BenchmarkRules: every rule at 100 clients × 100 000 float32 parameters (issue 17), f = 20.
// go test ./federated -run '^$' -bench Rules -benchtime 5x
func BenchmarkRules(b *testing.B) {
	const n, d = 100, 100_000
	g := rng.New(7)
	u := make([][]float32, n)
	for i := range u {
		u[i] = make([]float32, d)
		for j := range u[i] {
			u[i][j] = float32(g.StandardNormal())
		}
	}
	for _, m := range Methods {
		r, err := New(m, n, Params{ByzantineFraction: 0.2, NumClusters: 10, SampleFraction: 0.1, Seed: 42})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(m, func(b *testing.B) {
			b.SetBytes(int64(n * d * 4))
			for b.Loop() {
				if _, err := r.Aggregate32(u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("distances", func(b *testing.B) {
		for b.Loop() {
			sqDistances(u)
		}
	})
}
