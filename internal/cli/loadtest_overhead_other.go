//go:build !unix

package cli

// processCPUNanos is 0 where the process's CPU time is not read: the CPU ratio reads 0.
func processCPUNanos() int64 { return 0 }
