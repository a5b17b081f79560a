//go:build !unix

package federated

func cpuNanos() int64 { return 0 }
