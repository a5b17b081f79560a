package bench

import (
	"fmt"

	"mfn/fractal"
	"mfn/rng"
)

// boxcount-64 / boxcount-256: the reference's timing cases (138 µs and 1.01 ms per call).
func init() {
	for _, n := range []int{64, 256} {
		Register(Workload{
			Name:    fmt.Sprintf("boxcount-%d", n),
			Summary: fmt.Sprintf("estimate_fractal_dimension(default_rng(42).random((%d, %d)) > 0.5)", n, n),
			Setup: func() (func(), error) {
				g := rng.New(42)
				mask := make([]bool, n*n)
				for i := range mask {
					mask[i] = g.Random() > 0.5
				}
				opts := fractal.DefaultBoxOptions()
				if _, err := fractal.EstimateDimension(mask, n, opts); err != nil {
					return nil, err
				}
				return func() { _, _ = fractal.EstimateDimension(mask, n, opts) }, nil
			},
		})
	}
}
