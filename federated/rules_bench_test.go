package federated

import (
	"testing"

	"mfn/rng"
)

// BenchmarkRules: every rule at 100 clients × 100 000 float32 parameters (issue 17), f = 20.
// go test ./federated -run '^$' -bench Rules -benchtime 5x
// cpu-ms/op is the CPU time (all threads) per call: on a shared machine the wall-clock ns/op
// mostly measures the other tenants.
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
			c0 := cpuNanos()
			for b.Loop() {
				if _, err := r.Aggregate32(u); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuNanos()-c0)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
	b.Run("distances", func(b *testing.B) {
		c0 := cpuNanos()
		for b.Loop() {
			sqDistances(u)
		}
		b.ReportMetric(float64(cpuNanos()-c0)/1e6/float64(b.N), "cpu-ms/op")
	})
}
