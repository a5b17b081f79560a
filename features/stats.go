package features

import (
	"math"

	"mfn/npexact"
)

// scaledFunc is the vectorised pass over a complete, uniform subtree of numpy's pairwise sum
// of one frame (as kernelFunc: leaves a power of two, at most maxLeaves, of groups·8 values):
// with v = x·1000, it returns the pairwise sums of v and of v², and lowers mm[0] to the
// smallest and raises mm[1] to the largest v (a v that does not compare, NaN, is skipped).
type scaledFunc func(x []float64, groups, leaves int, stk *kernelStack, mm *[2]float64) (s, q float64)

// momentFunc is the vectorised pass over such a subtree that returns the pairwise sums of d²,
// d³ and d⁴ for d = x·1000 − mean, the powers as pow34 rounds them (with FMA).
type momentFunc func(x []float64, groups, leaves int, mean float64, stk *momentStack) (c2, c3, c4 float64)

// momentStack holds the pending left subtrees of a momentFunc call: (d², d³, d⁴, unused).
type momentStack [8][4]float64

// frameStacks is the memory of the frame passes (kept in the workspace: the kernels are
// called through function values, so anything they are given a pointer to would escape).
type frameStacks struct {
	sums    kernelStack
	moments momentStack
	mm      [2]float64
}

// scaledKernel and momentKernel are the vectorised frame passes, or nil when the CPU has none.
var (
	scaledKernel scaledFunc
	momentKernel momentFunc
)

// scaledSums returns np.sum(v) and np.sum(v²) for v = x·1000 through kern, and the smallest
// and the largest v as comparisons find them (NaN skipped; when a zero is the smallest or
// largest, which of +0 and −0 is unspecified).
func scaledSums(kern scaledFunc, x []float64, fs *frameStacks) (s, q, lo, hi float64) {
	fs.mm = [2]float64{math.Inf(1), math.Inf(-1)}
	for lo := 0; lo < len(x); lo += chunk {
		a, b := scaledTree(kern, x[lo:min(lo+chunk, len(x))], &fs.sums, &fs.mm)
		s += a
		q += b
	}
	return s, q, fs.mm[0], fs.mm[1]
}

func scaledTree(kern scaledFunc, x []float64, stk *kernelStack, mm *[2]float64) (s, q float64) {
	n := len(x)
	if leaves, groups := uniform(n); leaves > 0 {
		return kern(x, groups, leaves, stk, mm)
	}
	if n > 128 {
		m := n / 2
		m -= m % 8
		s1, q1 := scaledTree(kern, x[:m], stk, mm)
		s2, q2 := scaledTree(kern, x[m:], stk, mm)
		return s1 + s2, q1 + q2
	}
	end := n - n%8
	if end > 0 {
		s, q = kern(x[:end], end/8, 1, stk, mm)
	}
	for _, y := range x[end:] {
		v := y * 1000.0
		s += v
		q += float64(v * v)
		if v < mm[0] {
			mm[0] = v
		}
		if v > mm[1] {
			mm[1] = v
		}
	}
	return s, q
}

// moments returns np.sum(d²), np.sum(d³) and np.sum(d⁴) for d = x·1000 − mean through kern,
// the powers of d as pow34 computes them.
func moments(kern momentFunc, x []float64, mean float64, fs *frameStacks) (c2, c3, c4 float64) {
	for lo := 0; lo < len(x); lo += chunk {
		a, b, c := momentTree(kern, x[lo:min(lo+chunk, len(x))], mean, &fs.moments)
		c2 += a
		c3 += b
		c4 += c
	}
	return c2, c3, c4
}

func momentTree(kern momentFunc, x []float64, mean float64, stk *momentStack) (c2, c3, c4 float64) {
	n := len(x)
	if leaves, groups := uniform(n); leaves > 0 {
		return kern(x, groups, leaves, mean, stk)
	}
	if n > 128 {
		m := n / 2
		m -= m % 8
		a1, b1, c1 := momentTree(kern, x[:m], mean, stk)
		a2, b2, d2 := momentTree(kern, x[m:], mean, stk)
		return a1 + a2, b1 + b2, c1 + d2
	}
	end := n - n%8
	if end > 0 {
		c2, c3, c4 = kern(x[:end], end/8, 1, mean, stk)
	}
	for _, y := range x[end:] {
		d := float64(y*1000.0) - mean
		c, q := pow34(d)
		c2 += float64(d * d)
		c3 += c
		c4 += q
	}
	return c2, c3, c4
}

// basicStatsKernel is basicStats through the vectorised frame passes: it stores nothing but,
// when a NaN makes the mean NaN, Vm in scratch for np.min and np.max.
func basicStatsKernel(sk scaledFunc, mk momentFunc, frame, scratch []float64, fs *frameStacks) (lo, hi, mean, std, skew, kurt float64) {
	nf := float64(len(frame))
	var s float64
	s, _, lo, hi = scaledSums(sk, frame, fs)
	mean = s / nf
	switch {
	case math.IsNaN(mean): // perhaps a NaN, which np.min and np.max propagate
		vm := scratch[:len(frame)]
		for i, x := range frame {
			vm[i] = x * 1000.0
		}
		lo, hi = npexact.MinMax(vm)
	case lo == 0 || hi == 0: // the first of the smallest (largest) values: +0 or −0
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, x := range frame {
			v := x * 1000.0
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
		}
	}
	c2, c3, c4 := moments(mk, frame, mean, fs)
	std = math.Sqrt(c2 / nf)
	if !(std > 1e-10) {
		return lo, hi, mean, std, 0, 0
	}
	return lo, hi, mean, std, c3 / nf / pow3(std), c4/nf/pow4(std) - 3.0
}
