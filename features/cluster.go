package features

import (
	"math"
	"math/bits"
)

// clusters labels the connected components of thresholded fields (no wrap-around).
//
// The reference runs a pure-Python union-find over every cell. Here each row of the mask is
// packed into 64-bit words, split into runs of consecutive active cells, and the union-find
// works on runs: a run joins every run of the previous row it touches. The work is linear in
// the number of cells and nothing is allocated once the buffers have grown.
type clusters struct {
	words  []uint64 // packed masks, three per (row, word): low, med, high
	start  []int32  // run start column
	end    []int32  // run end column (exclusive)
	parent []int32  // union-find over runs
	order  []int32  // component index of a root run, −1 before it is seen
	sizes  []float64
	mask   []bool     // the low mask, for structural
	thr    [3]float64 // the thresholds, for packKernel (a local would escape)
}

// componentStats are the structural features of one field.
type componentStats struct {
	active            int
	nLow, nMed, nHigh int
	maxSize           int
	sizeStd           float64
	sizes             []float64 // the LOW-threshold component sizes (valid until reuse)
}

// structural computes f_active's count and the cluster features for the low, medium and high
// thresholds in volts: cells strictly above a threshold are active. diagonal selects
// 8-connectivity.
func (c *clusters) structural(field []float64, n int, thr [3]float64, diagonal bool) componentStats {
	c.mask = grow(c.mask, n*n)
	return c.components(n, diagonal, c.pack(field, n, thr, c.mask))
}

// packKernel packs the threshold masks of groups·4 values, or is nil when the CPU has no
// vectorised version: bit b of lo, me and hi is x[b] > thr[0], thr[1] and thr[2] (false for
// NaN), and mask[b] is x[b] > thr[0].
var packKernel func(x []float64, groups int, thr *[3]float64, mask []bool) (lo, me, hi uint64)

// pack packs the masks of field for the three thresholds into c.words, row by row, and
// returns the number of cells above thr[0]; mask (n² values) receives that mask.
func (c *clusters) pack(field []float64, n int, thr [3]float64, mask []bool) (active int) {
	w := (n + 63) / 64
	c.words = grow(c.words, 3*n*w) // every word is written below
	pk := packKernel
	c.thr = thr
	for r := 0; r < n; r++ {
		row := field[r*n : (r+1)*n]
		for k := 0; k < w; k++ {
			var lo, me, hi uint64
			seg := row[k*64 : min(k*64+64, n)]
			ms := mask[r*n+k*64 : r*n+k*64+len(seg)]
			b := 0
			if g := len(seg) / 4; pk != nil && g > 0 {
				lo, me, hi = pk(seg, g, &c.thr, ms)
				b = 4 * g
			}
			for ; b < len(seg); b++ {
				v := seg[b]
				lo |= b2u(v > thr[0]) << b
				me |= b2u(v > thr[1]) << b
				hi |= b2u(v > thr[2]) << b
				ms[b] = v > thr[0]
			}
			i := 3 * (r*w + k)
			c.words[i], c.words[i+1], c.words[i+2] = lo, me, hi
			active += bits.OnesCount64(lo)
		}
	}
	return active
}

// components computes the cluster features from the masks that pack has stored.
func (c *clusters) components(n int, diagonal bool, active int) componentStats {
	w := (n + 63) / 64
	st := componentStats{active: active}
	st.nLow = c.label(0, n, w, diagonal, true)
	st.sizes = c.sizes
	for _, s := range c.sizes {
		st.maxSize = max(st.maxSize, int(s))
	}
	if k := len(c.sizes); k >= 2 { // np.std: pairwise mean, then the pairwise mean square
		st.sizeStd = math.Sqrt(sumSqDev(c.sizes, sum(c.sizes)/float64(k)) / float64(k))
	}
	st.nMed = c.label(1, n, w, diagonal, false)
	st.nHigh = c.label(2, n, w, diagonal, false)
	return st
}

// label counts the components of mask m (0 low, 1 med, 2 high). With sizes it also fills
// c.sizes in the reference's order: by each component's first cell in a row-major scan.
func (c *clusters) label(m, n, w int, diagonal, sizes bool) int {
	c.start, c.end = c.start[:0], c.end[:0]
	reach := int32(0) // runs touch when they overlap, or are diagonal neighbours with 8-connectivity
	if diagonal {
		reach = 1
	}
	unions := 0
	prevLo, prevHi := 0, 0 // runs of the previous row
	for r := 0; r < n; r++ {
		curLo := len(c.start)
		c.appendRuns(r, m, n, w)
		curHi := len(c.start)
		c.parent = grow(c.parent, curHi)
		p := prevLo
		for i := curLo; i < curHi; i++ {
			c.parent[i] = int32(i)
			a, b := c.start[i]-reach, c.end[i]+reach
			// Skip previous-row runs that end before this one starts; the last of them may
			// still touch the next run, so p never passes a run that could.
			for p < prevHi && c.end[p] <= a {
				p++
			}
			for q := p; q < prevHi && c.start[q] < b; q++ {
				if c.union(int32(q), int32(i)) {
					unions++
				}
			}
		}
		prevLo, prevHi = curLo, curHi
	}
	runs := len(c.start)
	if sizes {
		c.order = grow(c.order, runs)
		c.sizes = c.sizes[:0]
		for i := 0; i < runs; i++ {
			c.order[i] = -1
		}
		for i := 0; i < runs; i++ {
			root := c.find(int32(i))
			k := c.order[root]
			if k < 0 {
				k = int32(len(c.sizes))
				c.order[root] = k
				c.sizes = append(c.sizes, 0)
			}
			c.sizes[k] += float64(c.end[i] - c.start[i])
		}
	}
	return runs - unions
}

// appendRuns appends the runs of active cells of row r of mask m.
func (c *clusters) appendRuns(r, m, n, w int) {
	col := 0
	for col < n {
		s := c.next(r, m, w, col, false)
		if s >= n {
			return
		}
		e := min(c.next(r, m, w, s, true), n)
		c.start = append(c.start, int32(s))
		c.end = append(c.end, int32(e))
		col = e
	}
}

// next returns the first column ≥ col whose bit is set (or clear, when clearBit), or a value
// ≥ n when there is none. Bits past column n are 0, so a run always ends by w·64.
func (c *clusters) next(r, m, w, col int, clearBit bool) int {
	for k := col / 64; k < w; k++ {
		x := c.words[3*(r*w+k)+m]
		if clearBit {
			x = ^x
		}
		x &= ^uint64(0) << (col % 64)
		if x != 0 {
			return k*64 + bits.TrailingZeros64(x)
		}
		col = (k + 1) * 64
	}
	return w * 64
}

// find returns the root of run i, halving the path on the way.
func (c *clusters) find(i int32) int32 {
	p := c.parent
	for p[i] != i {
		p[i] = p[p[i]]
		i = p[i]
	}
	return i
}

// union joins the components of runs a and b, reporting whether they were distinct. The
// smaller index becomes the root, which keeps roots at the first run of each component.
func (c *clusters) union(a, b int32) bool {
	ra, rb := c.find(a), c.find(b)
	if ra == rb {
		return false
	}
	if ra > rb {
		ra, rb = rb, ra
	}
	c.parent[rb] = ra
	return true
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// grow returns s resliced to length n, keeping its contents and reallocating only when its
// capacity is too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		t := make([]T, n, n+n/4)
		copy(t, s)
		return t
	}
	return s[:n]
}
