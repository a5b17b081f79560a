package features

import (
	"testing"

	"mfn/field"
	"mfn/internal/membw"
)

func benchHistory(b *testing.B, c field.Config) *field.Result {
	b.Helper()
	res, err := field.RunWithHistory(c)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

func benchCompute(b *testing.B, res *field.Result, cfg Config) {
	frames := res.Frames()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(frames, res.N, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// Reference: 5.66 ms (compute_fractal_features of the default run with history).
func BenchmarkFeaturesDefault(b *testing.B) {
	benchCompute(b, benchHistory(b, field.DefaultConfig()), DefaultConfig())
}

// Reference: 95.7 ms (64×64×100 with quantum jitter: ~83 % of the cells active).
func BenchmarkFeaturesWorst(b *testing.B) {
	c := field.DefaultConfig()
	c.QuantumJitter = true
	benchCompute(b, benchHistory(b, c), DefaultConfig())
}

// Reference: 1.33 ms (demo simulation, 32×32×32).
func BenchmarkFeaturesDemo(b *testing.B) {
	benchCompute(b, benchHistory(b, field.DemoConfig()), DefaultConfig())
}

// BenchmarkTemporalDefault: the temporal pass alone (dV_mean, dV_max, T_stable, E_trend) over
// the default run's history (100 frames of 64², 3.3 MB), for docs/performance.md's limit
// table: GB/s is the history read once per CPU second (compare membw's BenchmarkRead/3.2MiB),
// cpu-ns/op against the pair kernel's vector operations at membw.VecMulAdd's rate.
func BenchmarkTemporalDefault(b *testing.B) {
	res := benchHistory(b, field.DefaultConfig())
	frames, cfg := res.Frames(), DefaultConfig()
	nn := res.N * res.N
	var tp temporal
	membw.Loop(b, float64(len(frames)*nn*8)/1e9, "GB/s", func() {
		tp.run(frames, nn, cfg.StabilityThresholdMV, cfg.StabilityWindow)
	})
}
