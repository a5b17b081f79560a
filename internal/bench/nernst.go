package bench

import "mfn/nernst"

// nernst: the reference's timing case compute_nernst_potential(1, 5e-3, 140e-3, 310.0), 0.31 µs.
// A single call is far below timer resolution, so one run is 1000 calls; divide by 1000.
func init() {
	Register(Workload{
		Name:    "nernst",
		Summary: "1000 × compute_nernst_potential(1, 5e-3, 140e-3, 310.0) (reference: 0.31 µs per call)",
		Setup: func() (func(), error) {
			if _, err := nernst.Potential(1, 5e-3, 140e-3, 310); err != nil {
				return nil, err
			}
			return func() {
				// The sum is checked, so the compiler cannot discard the timed calls.
				sum := 0.0
				for range 1000 {
					v, _ := nernst.Potential(1, 5e-3, 140e-3, 310)
					sum += v
				}
				if !(sum < 0) {
					panic("nernst: the K+ potential of the fixed case is not negative")
				}
			}, nil
		},
	})
}
