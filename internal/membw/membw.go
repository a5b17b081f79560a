// Package membw measures what this machine allows, for docs/performance.md's limit table: a
// STREAM-like memory bandwidth (McCalpin's copy and triad kernels, in Go, on arrays far larger
// than the last-level cache) and the scalar floating-point throughput Go code can reach
// (independent multiply-adds, which the compiler does not vectorise).
package membw

// Copy is STREAM's copy kernel: c[i] = a[i]. It moves 16 bytes per element (8 read, 8
// written; the write-allocate read is not counted, as in STREAM).
func Copy(c, a []float64) {
	copy(c, a)
}

// Triad is STREAM's triad kernel: a[i] = b[i] + q*c[i], 24 bytes per element. float64()
// keeps the multiply and the add separate, as STREAM's C compiled without -ffp-contract.
func Triad(a, b, c []float64, q float64) {
	a = a[:len(b)]
	c = c[:len(b)]
	for i := range b {
		a[i] = b[i] + float64(q*c[i])
	}
}

// ScalarFlops runs n iterations of 8 independent multiply-add chains (16 floating-point
// operations per iteration) and returns a value that depends on all of them, so that the
// compiler cannot drop the work. It bounds what scalar Go code can compute per second.
func ScalarFlops(n int, x float64) float64 {
	a0, a1, a2, a3, a4, a5, a6, a7 := x, x+1, x+2, x+3, x+4, x+5, x+6, x+7
	const m, k = 0.999999, 1e-9
	for range n {
		a0 = float64(a0*m) + k
		a1 = float64(a1*m) + k
		a2 = float64(a2*m) + k
		a3 = float64(a3*m) + k
		a4 = float64(a4*m) + k
		a5 = float64(a5*m) + k
		a6 = float64(a6*m) + k
		a7 = float64(a7*m) + k
	}
	return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
}
