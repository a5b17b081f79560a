package features

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzCompute: any history and configuration gives an error or the reference's numbers,
// never a panic.
func FuzzCompute(f *testing.F) {
	f.Add(uint64(1), uint8(8), uint8(12), uint8(4), int8(10), 0.001, uint8(5), uint8(2), uint8(0), uint8(0))
	f.Add(uint64(2), uint8(1), uint8(1), uint8(8), int8(1), 0.0, uint8(2), uint8(1), uint8(1), uint8(1))
	f.Add(uint64(3), uint8(17), uint8(30), uint8(8), int8(3), 1.0, uint8(3), uint8(3), uint8(9), uint8(2))
	f.Add(uint64(4), uint8(5), uint8(6), uint8(6), int8(-2), math.NaN(), uint8(1), uint8(0), uint8(200), uint8(3))
	f.Fuzz(func(t *testing.T, seed uint64, n, frames, conn uint8, window int8, theta float64, scales, minBox, maxBox, special uint8) {
		n, frames = n%24, frames%20
		r := rand.New(rand.NewPCG(seed, 1))
		h := randomHistory(r, max(int(n), 1), max(int(frames), 1), r.IntN(int(frames)+2), 0.005*r.Float64())
		if frames == 0 {
			h = nil
		}
		// Occasionally a non-finite value or a frame of the wrong length.
		if len(h) > 0 && special%4 != 0 {
			k := r.IntN(len(h))
			switch special % 4 {
			case 1:
				h[k][r.IntN(len(h[k]))] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[r.IntN(3)]
			case 2:
				h[k] = h[k][:len(h[k])-1]
			}
		}
		cfg := DefaultConfig()
		cfg.Connectivity, cfg.StabilityWindow, cfg.StabilityThresholdMV = int(conn), int(window), theta
		cfg.NumScales, cfg.MinBoxSize, cfg.MaxBoxSize = int(scales), int(minBox), int(maxBox)
		got, err := Compute(h, int(n), cfg)
		if err != nil {
			return
		}
		want := naive(h, int(n), cfg)
		g, w := got.Values(), want.Values()
		for i := range g {
			if !same(g[i], w[i]) {
				t.Fatalf("%s = %v, want %v (config %+v)", names[i], g[i], w[i], cfg)
			}
		}
	})
}
