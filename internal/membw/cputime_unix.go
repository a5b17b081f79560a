//go:build unix

package membw

import "syscall"

// CPUNanos is the process's user+system CPU time in nanoseconds. On a machine shared with
// other work, a benchmark's wall time mostly measures the other tenants; CPU time per
// operation, which they do not inflate as much, is what the limit table's ratios use.
func CPUNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
