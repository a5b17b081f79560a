//go:build cgo && libmcheck

package libm

// This file exists only under the libmcheck tag: it links the C library so that the tests can
// compare Log with glibc's log (cgo is not allowed in _test.go files).

/*
#cgo LDFLAGS: -lm
#include <math.h>
static void glibc_log(const double *x, double *y, int n) {
	for (int i = 0; i < n; i++) y[i] = log(x[i]);
}
*/
import "C"

import "unsafe"

// glibcLog sets y[i] = log(x[i]) computed by the C library.
func glibcLog(x, y []float64) {
	C.glibc_log((*C.double)(unsafe.Pointer(&x[0])), (*C.double)(unsafe.Pointer(&y[0])), C.int(len(x)))
}
