package field

import (
	"math"
	"testing"

	"mfn/rng"
)

// A run whose buffers were released by another run gives exactly what a run with new
// buffers gives: reuse may not leak one run's values into the next (Turing on and off, and
// a released run of a larger grid before a smaller one).
func TestReleasedBuffersGiveTheSameRun(t *testing.T) {
	for _, turing := range []bool{false, true} {
		p := DefaultLegacy()
		p.TuringEnabled = turing
		p.GridSize, p.Steps = 32, 40
		big := p
		big.GridSize = 48
		want, err := SimulateLegacy(rng.New(7), p) // its own buffers, never released
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			other, err := SimulateLegacy(rng.New(uint64(100+i)), big)
			if err != nil {
				t.Fatal(err)
			}
			other.Release()
			if other.Field != nil {
				t.Fatal("Release left Field set")
			}
			got, err := SimulateLegacy(rng.New(7), p)
			if err != nil {
				t.Fatal(err)
			}
			if got.GrowthEvents != want.GrowthEvents || got.TuringActivations != want.TuringActivations ||
				got.ClampingEvents != want.ClampingEvents {
				t.Fatalf("turing %v, round %d: counts %+v, want %+v", turing, i, got, want)
			}
			for j := range want.Field {
				if math.Float64bits(got.Field[j]) != math.Float64bits(want.Field[j]) {
					t.Fatalf("turing %v, round %d: cell %d = %v, want %v", turing, i, j, got.Field[j], want.Field[j])
				}
			}
			got.Release()
			got.Release() // a second call does nothing
		}
	}
}
