package features

import (
	"testing"

	"mfn/field"
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
