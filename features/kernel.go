package features

import "math"

// kernelFunc runs the pair pass over a complete, uniform subtree of numpy's pairwise sum:
// len(leafSums) leaves (a power of two, at most maxLeaves) of groups·8 values each, with
// h0 = frame t and h1 = frame t+1 in volts. Per leaf, lanes r[0..7] start at 0 and add the
// differences x = |h1·1000 − h0·1000| eight at a time (r[k] += x[i+k]), and are combined as
// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)); the squares (h1·1000)² likewise. The leaf results are
// added pairwise, left + right, as numpy's recursion on n/2 does when every split falls on a
// multiple of 8. It writes each leaf's difference sum into leafSums and returns the two
// subtree sums, the largest of mx and the differences (a NaN difference is skipped; a NaN mx
// stays NaN), and rescans: the number of leaves with a lane sum that is not ≤ the maximum at
// the leaf's start. Such a sum bounds the differences it adds (they are ≥ 0), so only those
// leaves can raise the maximum: without track, the kernel finds their largest differences
// by scanning them again; with track, it compares every difference as it goes, which is the
// cheaper way when most leaves need it.
//
// Lanes starting at 0 instead of the first eight values change no bit: the values added are
// never −0 (absolute values and squares), and 0 + x is x for every other x, NaN included.
type kernelFunc func(h0, h1 []float64, groups int, leafSums []float64, buf *leafBuf, mx float64, track bool) (ds, es, m float64, rescans int)

// leafBuf is the working memory of a kernel call: (difference sum, square sum) per leaf.
type leafBuf [maxLeaves][2]float64

// kernelStack holds the pending left subtrees of a scaledFunc call: after leaf i, as many
// merges as i+1 has trailing zero bits.
type kernelStack [8][2]float64

// maxLeaves is the largest number of leaves of one kernel call: 8192 / 128, one whole chunk.
const maxLeaves = chunk / 128

// kernel is the vectorised pair pass, or nil when the CPU has none (the scalar diffPass
// path then runs).
var kernel kernelFunc

// uniform reports whether numpy's pairwise tree of n values is complete with equal leaves:
// 2^k leaves of groups·8 values each, every split exact. Then it returns the leaf count.
func uniform(n int) (leaves, groups int) {
	if n < 8 {
		return 0, 0
	}
	k := 0
	for n > 128<<k {
		k++
	}
	if n%(8<<k) != 0 {
		return 0, 0
	}
	return 1 << k, (n >> k) / 8
}

// kernelSums is sums() through kern, reading frames t (h0) and t+1 (h1) directly in volts:
// the difference and square sums of the frame pair, with p.mx and the leaf sums maintained as
// sums() does; p.leafSums must have the capacity for them. It neither reads prev nor writes
// cur, and stores no differences.
func (p *diffPass) kernelSums(kern kernelFunc, h0, h1 []float64) (ds, es float64) {
	nn := len(h1)
	h0 = h0[:nn]
	for lo := 0; lo < nn; lo += chunk {
		a, b := p.kernelTree(kern, h0, h1, lo, min(lo+chunk, nn))
		ds += a
		es += b
	}
	return ds, es
}

func (p *diffPass) kernelTree(kern kernelFunc, h0, h1 []float64, lo, hi int) (ds, es float64) {
	n := hi - lo
	if leaves, groups := uniform(n); leaves > 0 {
		k := len(p.leafSums)
		p.leafSums = p.leafSums[:k+leaves]
		var r int
		ds, es, p.mx, r = kern(h0[lo:hi], h1[lo:hi], groups, p.leafSums[k:], &p.buf, p.mx, p.track)
		p.rescans += r
		return ds, es
	}
	if n > 128 {
		m := n / 2
		m -= m % 8
		a1, b1 := p.kernelTree(kern, h0, h1, lo, lo+m)
		a2, b2 := p.kernelTree(kern, h0, h1, lo+m, hi)
		return a1 + a2, b1 + b2
	}
	// A leaf of n ≤ 128 values, n not a multiple of 8: the kernel takes the groups of eight
	// (when there are any), the rest is added one by one.
	end := lo + n - n%8
	if end > lo {
		k := len(p.leafSums)
		p.leafSums = p.leafSums[:k+1]
		var r int
		ds, es, p.mx, r = kern(h0[lo:end], h1[lo:end], (end-lo)/8, p.leafSums[k:], &p.buf, p.mx, p.track)
		p.rescans += r
	}
	for i := end; i < hi; i++ {
		v, x := step(h1[i], float64(h0[i]*1000.0))
		ds += x
		es += float64(v * v)
		p.mx = max(p.mx, x)
	}
	if end > lo {
		p.leafSums[len(p.leafSums)-1] = ds
	} else {
		p.leafSums = append(p.leafSums, ds)
	}
	return ds, es
}

// storeDiffs writes d = |h1·1000 − h0·1000|.
func storeDiffs(d, h0, h1 []float64) {
	h0, h1 = h0[:len(d)], h1[:len(d)]
	for i := range d {
		d[i] = math.Abs(float64(h1[i]*1000.0) - float64(h0[i]*1000.0))
	}
}
