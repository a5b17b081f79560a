package dataset

import (
	"context"
	"testing"
)

// benchSweep generates 24 jobs of 64×64×100 (2 alphas × 4 seeds, Turing on) with the given
// number of workers: the ratio of the two benchmarks is the scaling of a generation.
func benchSweep(b *testing.B, workers int) {
	s := Sweep{GridSizes: []int{64}, StepsList: []int{100}, AlphaValues: []float64{0.1, 0.15},
		TuringValues: []bool{true}, SeedsPerConfig: 4, BaseSeed: 42}
	p, err := s.Plan("bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(context.Background(), p, Options{Workers: workers}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateSweepWorkers1(b *testing.B) { benchSweep(b, 1) }
func BenchmarkGenerateSweepWorkers2(b *testing.B) { benchSweep(b, 2) }
