//go:build !unix

package membw

// CPUNanos is 0 where getrusage is missing: the benchmarks then report wall time only.
func CPUNanos() int64 { return 0 }
