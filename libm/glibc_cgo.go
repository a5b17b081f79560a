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
static void glibc_log1p(const double *x, double *y, int n) {
	for (int i = 0; i < n; i++) y[i] = log1p(x[i]);
}
static void glibc_exp(const double *x, double *y, int n) {
	for (int i = 0; i < n; i++) y[i] = exp(x[i]);
}
*/
import "C"

import "unsafe"

// glibcLog sets y[i] = log(x[i]) computed by the C library.
func glibcLog(x, y []float64) {
	C.glibc_log((*C.double)(unsafe.Pointer(&x[0])), (*C.double)(unsafe.Pointer(&y[0])), C.int(len(x)))
}

// glibcLog1p sets y[i] = log1p(x[i]) computed by the C library.
func glibcLog1p(x, y []float64) {
	C.glibc_log1p((*C.double)(unsafe.Pointer(&x[0])), (*C.double)(unsafe.Pointer(&y[0])), C.int(len(x)))
}

// glibcExp sets y[i] = exp(x[i]) computed by the C library.
func glibcExp(x, y []float64) {
	C.glibc_exp((*C.double)(unsafe.Pointer(&x[0])), (*C.double)(unsafe.Pointer(&y[0])), C.int(len(x)))
}
