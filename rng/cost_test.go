package rng

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

// TestNormalCost prints the cost of a standard normal, as scripts/normal-cost.sh compares it
// with numpy's: batches of 4096 (numpy's rng.standard_normal(out=buf) against
// FillStandardNormal) timed many times, interleaved; the minimum is the undisturbed cost on
// a shared machine, the median the typical one. It runs only when MFN_NORMAL_COST is set.
func TestNormalCost(t *testing.T) {
	reps := 3000
	if os.Getenv("MFN_NORMAL_COST") == "" {
		t.Skip("set MFN_NORMAL_COST=1 (scripts/normal-cost.sh) to measure")
	}
	g := New(42)
	dst := make([]float64, 4096)
	raw := make([]uint64, rawBlock)
	paths := []struct {
		name string
		fill func()
	}{
		{"go-batch", func() { g.FillStandardNormal(dst) }},
		{"go-batch-purego", func() {
			setZigAsm(false)
			g.FillStandardNormal(dst)
			setZigAsm(true)
		}},
		// The bound: raw PCG64 outputs alone (at least one per normal), on the same four
		// interleaved chains as the pure-Go batch path.
		{"pcg64-raw", func() {
			for i := 0; i < len(dst); i += rawBlock {
				g.bg.state = fillRaw(raw, g.bg.state, g.bg.inc)
			}
		}},
		{"go-scalar", func() {
			for i := range dst {
				dst[i] = g.StandardNormal()
			}
		}},
	}
	times := make([][]time.Duration, len(paths))
	for range reps {
		for i, p := range paths {
			t0 := time.Now()
			p.fill()
			times[i] = append(times[i], time.Since(t0))
		}
	}
	for i, p := range paths {
		slices.Sort(times[i])
		fmt.Printf("%-16s min %6.2f  median %6.2f ns/normal\n", p.name,
			float64(times[i][0].Nanoseconds())/4096, float64(times[i][reps/2].Nanoseconds())/4096)
	}
}
