package membw

import "testing"

// Loop runs b's loop with f and reports, beside ns/op, the process CPU time per operation
// (cpu-ns/op) and, when work > 0, work per CPU second as unit (for example "Gflop/s" with
// work in Gflop per operation). The limit table compares kernels and bounds by these.
func Loop(b *testing.B, work float64, unit string, f func()) {
	b.Helper()
	c0 := CPUNanos()
	for b.Loop() {
		f()
	}
	cpu := float64(CPUNanos()-c0) / float64(b.N)
	if cpu > 0 {
		b.ReportMetric(cpu, "cpu-ns/op")
		if work > 0 {
			b.ReportMetric(work/(cpu*1e-9), unit)
		}
	}
}
