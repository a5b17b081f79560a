package field

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"mfn/rng"
)

// TestJitterCost prints the cost of simulate-legacy-64x100-jitter (and of the same run
// without jitter) as scripts/jitter-ratio.sh compares builds: many runs, interleaved, with
// both cores and with GOMAXPROCS=1 (the sequential path); the minimum is the undisturbed cost
// on a shared machine, the median the typical one. It uses only the public API, so the same
// file measures older trees too. It runs only when MFN_JITTER_COST is set.
func TestJitterCost(t *testing.T) {
	if os.Getenv("MFN_JITTER_COST") == "" {
		t.Skip("set MFN_JITTER_COST=1 (scripts/jitter-ratio.sh) to measure")
	}
	jitter := DefaultLegacy()
	jitter.GridSize, jitter.Steps, jitter.QuantumJitter = 64, 100, true
	plain := jitter
	plain.QuantumJitter = false
	procs := runtime.GOMAXPROCS(0)
	cases := []struct {
		name  string
		p     LegacyParams
		procs int
	}{
		{"jitter", jitter, procs}, {"jitter-1core", jitter, 1}, {"no-jitter", plain, procs},
	}
	const reps = 200
	times := make([][]time.Duration, len(cases))
	for range reps {
		for i, c := range cases {
			runtime.GOMAXPROCS(c.procs)
			t0 := time.Now()
			if _, err := SimulateLegacy(rng.New(42), c.p); err != nil {
				t.Fatal(err)
			}
			times[i] = append(times[i], time.Since(t0))
		}
	}
	runtime.GOMAXPROCS(procs)
	for i, c := range cases {
		slices.Sort(times[i])
		fmt.Printf("%-13s min %7.3f  median %7.3f ms\n", c.name,
			float64(times[i][0].Nanoseconds())/1e6, float64(times[i][reps/2].Nanoseconds())/1e6)
	}
}
