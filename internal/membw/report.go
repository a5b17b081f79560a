package membw

import (
	"slices"
	"testing"
	"time"
)

// maxSamples bounds the per-call times Loop keeps (8 MiB).
const maxSamples = 1 << 20

// Loop runs b's loop with f and reports, beside ns/op:
//   - med-ns/op, the median wall time of one call. On a machine shared with other work most
//     calls of a short kernel run undisturbed, so the median is its own speed, where the mean
//     (ns/op) mostly measures the other tenants;
//   - cpu-ns/op, the process CPU time per call (all threads);
//   - when work > 0, work per second at the median (unit, for example "Gflop/s" with work in
//     Gflop per call).
//
// The limit table compares kernels and bounds by the median, the bounds' calls being short
// (microseconds) like the kernels'.
func Loop(b *testing.B, work float64, unit string, f func()) {
	b.Helper()
	samples := make([]time.Duration, 0, 1024)
	c0 := CPUNanos()
	for b.Loop() {
		t0 := time.Now()
		f()
		if len(samples) < maxSamples {
			samples = append(samples, time.Since(t0))
		}
	}
	cpu := float64(CPUNanos()-c0) / float64(b.N)
	if cpu > 0 {
		b.ReportMetric(cpu, "cpu-ns/op")
	}
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	med := float64(samples[len(samples)/2])
	b.ReportMetric(med, "med-ns/op")
	if work > 0 && med > 0 {
		b.ReportMetric(work/(med*1e-9), unit)
	}
}
