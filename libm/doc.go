// Package libm reproduces, bit for bit, the results of the GNU C library's (glibc ≥ 2.28,
// x86-64) double-precision log, log1p and exp for the reference's scalar paths: Python's
// math.log (Nernst) and numpy's C ziggurat (log1p in the tail, exp in the wedge test).
//
// The reference (MyceliumFractalNet 4.1.0 on CPython/Debian) evaluates scalar logarithms with
// Python's math.log, i.e. glibc's log. glibc's log is ARM's table-based algorithm
// (sysdeps/ieee754/dbl-64/e_log.c, from ARM optimized-routines math/log.c): it is accurate to
// about 0.52 ulp, so on some arguments it rounds the other way from Go's math.Log (an fdlibm
// port, < 1 ulp). Example: log(0.01) feeds compute_nernst_potential(3, 0.002, 0.2, 280), which
// is -0.037036606303474946 with glibc and -0.03703660630347495 with math.Log.
//
// On x86-64 CPUs with FMA and AVX2 (every CPU the reference ran on: it is AVX-512 capable)
// glibc selects its FMA build of log (__log_fma), in which GCC contracted the polynomial into
// fused multiply-adds. Log evaluates exactly those operations, in that order, with math.FMA
// (which is correctly rounded on every GOARCH), so the result does not depend on the CPU Go
// runs on. The tables are glibc's (they are data, checked against libm.so.6 itself); the
// order of operations was read from the disassembly of glibc 2.36's __log_fma.
//
// Verification: TestLogTable and TestLog1pTable compare against values that Debian's python3
// math.log and math.log1p produced (testdata/); the cgo tests (go test -tags libmcheck ./libm/)
// compare Log, Log1p and Exp against the running glibc on millions of arguments each.
package libm
