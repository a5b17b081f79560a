package field

import (
	"testing"

	"mfn/rng"
)

func benchLegacy(b *testing.B, n, steps int, turing, jitter bool) {
	p := DefaultLegacy()
	p.GridSize, p.Steps, p.TuringEnabled, p.QuantumJitter = n, steps, turing, jitter
	for b.Loop() {
		if _, err := SimulateLegacy(rng.New(42), p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLegacy64x100(b *testing.B)         { benchLegacy(b, 64, 100, true, false) }
func BenchmarkLegacy64x100NoTuring(b *testing.B) { benchLegacy(b, 64, 100, false, false) }
func BenchmarkLegacy64x100Jitter(b *testing.B)   { benchLegacy(b, 64, 100, true, true) }
func BenchmarkLegacy256x100(b *testing.B)        { benchLegacy(b, 256, 100, true, false) }
func BenchmarkLegacy512x50(b *testing.B)         { benchLegacy(b, 512, 50, true, false) }

func BenchmarkEngineDefault(b *testing.B) {
	c := DefaultConfig()
	for b.Loop() {
		if _, err := Run(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEngineDefaultHistory(b *testing.B) {
	c := DefaultConfig()
	for b.Loop() {
		if _, err := RunWithHistory(c); err != nil {
			b.Fatal(err)
		}
	}
}
