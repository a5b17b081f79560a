package field

import (
	"fmt"
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

// BenchmarkFieldSteps times the legacy path's field-only steps alone (no initial draws) on
// large grids and reports cell-steps per second; run it with -cpu 1,2 for the scaling from
// one core to two (the kernel splits rows between GOMAXPROCS workers).
func BenchmarkFieldSteps(b *testing.B) {
	for _, n := range []int{256, 512, 1024, 2048} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			const steps = 10
			g := rng.New(42)
			k := newKernel(n, Periodic)
			k.alpha = DefaultLegacy().Alpha
			g.FillNormal(k.v.cur, initMeanV, initStdV)
			st := &stepper{g: g, k: k, spikeP: 0.25}
			for b.Loop() {
				if err := st.run(steps); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*steps*float64(n*n)/b.Elapsed().Seconds(), "cell-steps/s")
			b.ReportMetric(float64(k.workers), "workers")
		})
	}
}

// BenchmarkFieldStepKinds compares, on one worker, one field-only step per sweep (many rows
// per kernel call), two steps per sweep and deepSteps per sweep, in ns per cell-step: the
// grid sides from which the others pay are blockFrom and deepFrom.
func BenchmarkFieldStepKinds(b *testing.B) {
	for _, n := range []int{64, 256, 512, 1024, 2048} {
		for _, kind := range []string{"single", "pairs", "deep"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, kind), func(b *testing.B) {
				k := newKernel(n, Periodic)
				k.alpha, k.workers = DefaultLegacy().Alpha, 1
				rng.New(42).FillNormal(k.v.cur, initMeanV, initStdV)
				steps := max(deepSteps, (1<<22)/(n*n)*deepSteps)
				var none [deepSteps - 1]*Spike
				for b.Loop() {
					for s := 0; s < steps; s += deepSteps {
						switch kind {
						case "single":
							for range deepSteps {
								k.diffuse(1)
							}
						case "pairs":
							for range deepSteps / 2 {
								k.diffuse2(1, nil)
							}
						case "deep":
							k.diffuseDeep(1, &none)
						}
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/(float64(b.N)*float64(steps)*float64(n*n)), "ns/cell-step")
			})
		}
	}
}
