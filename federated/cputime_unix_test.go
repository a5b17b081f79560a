//go:build unix

package federated

import "syscall"

// cpuNanos is the process's user+system CPU time: on a shared machine wall-clock benchmark
// times mostly measure the other tenants, CPU time per operation does not.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
