// Package npexact reproduces, bit for bit, the numpy numerics the MFN reference depends on:
// pairwise summation and the statistics built on it, geomspace-derived box sizes, and a
// degree-1 least-squares fit.
package npexact

import "math"

// bufSize is numpy's default ufunc buffer: a full reduction runs chunk by chunk.
const bufSize = 8192

// Sum is np.sum of a contiguous float64 array: numpy's pairwise summation applied to each
// 8192-element chunk, chunk results added left to right starting from 0.
func Sum(x []float64) float64 {
	acc := 0.0
	for lo := 0; lo < len(x); lo += bufSize {
		hi := min(lo+bufSize, len(x))
		acc += pairwise(x[lo:hi])
	}
	return acc
}

// pairwise is numpy's pairwise_sum (8-way unrolled, blocks of 128).
func pairwise(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += a[i]
			r[1] += a[i+1]
			r[2] += a[i+2]
			r[3] += a[i+3]
			r[4] += a[i+4]
			r[5] += a[i+5]
			r[6] += a[i+6]
			r[7] += a[i+7]
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		m := half(n)
		return pairwise(a[:m]) + pairwise(a[m:])
	}
}

// half is where pairwise splits n > 128 values: half of them, rounded down to a multiple of 8.
func half(n int) int {
	m := n / 2
	return m - m%8
}

// pairwiseSqDev is pairwise over the squared deviations (v - mean)², each computed and rounded
// as numpy's var computes the array it then sums, without that array: the split is
// pairwise's, and each block of at most 128 deviations is summed from a buffer on the stack.
func pairwiseSqDev(a []float64, mean float64) float64 {
	if n := len(a); n > 128 {
		m := half(n)
		return pairwiseSqDev(a[:m], mean) + pairwiseSqDev(a[m:], mean)
	}
	var d [128]float64
	for i, v := range a {
		c := v - mean
		d[i] = c * c
	}
	return pairwise(d[:len(a)])
}

// Mean is np.mean: Sum / n. The mean of an empty array is NaN, as in numpy.
func Mean(x []float64) float64 {
	return Sum(x) / float64(len(x))
}

// Var is np.var (ddof = 0): the mean of the squared deviations from Mean.
func Var(x []float64) float64 {
	m := Mean(x)
	acc := 0.0 // Sum's chunking, over the squared deviations
	for lo := 0; lo < len(x); lo += bufSize {
		acc += pairwiseSqDev(x[lo:min(lo+bufSize, len(x))], m)
	}
	return acc / float64(len(x))
}

// Std is np.std (ddof = 0): the square root of Var.
func Std(x []float64) float64 { return math.Sqrt(Var(x)) }

// MinMax returns the smallest and largest values; NaN propagates as in np.min / np.max.
// Like numpy's reduction (io1 = (io1 < in2 || isnan(io1)) ? io1 : in2), a tie goes to the
// later element, which shows only in the sign of a zero: np.min([0.0, -0.0]) is -0.0.
func MinMax(x []float64) (lo, hi float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	lo, hi = x[0], x[0]
	for _, v := range x {
		if math.IsNaN(v) {
			return v, v
		}
		if !(lo < v) {
			lo = v
		}
		if !(hi > v) {
			hi = v
		}
	}
	return lo, hi
}
