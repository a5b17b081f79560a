// Package fractal ports the reference's fractal analysis (spec §9): box-counting dimension,
// the random IFS generator, the history "Lyapunov exponent" and FractalGrowthEngine.
package fractal

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"unsafe"

	"mfn/npexact"
)

// MaxNumScales bounds num_scales. The reference has no upper bound, but geomspace allocates
// num_scales values, and beyond a few thousand the truncated sizes only repeat.
const MaxNumScales = 1 << 20

// BoxOptions are the box-counting parameters shared by the three reference estimators.
// Values are taken literally (a zero MinBox or NumScales is an error); see DefaultBoxOptions.
type BoxOptions struct {
	MinBox    int // min_box_size, ≥ 1
	MaxBox    int // max_box_size; 0 means None (derived by npexact.ResolveMaxBox)
	NumScales int // num_scales, in [1, MaxNumScales]
}

// DefaultBoxOptions are the reference defaults: min_box_size 2, max_box_size None, num_scales 5.
func DefaultBoxOptions() BoxOptions { return BoxOptions{MinBox: 2, NumScales: 5} }

// BoxResult is one box-counting run.
type BoxResult struct {
	MaxBox int   // the resolved max_box_size
	Sizes  []int // np.unique(geomspace(min, max, num_scales).astype(int)), ascending
	Counts []int // occupied boxes per size; 0 where no box fits (size > n)
	// D is the log-log slope and R2 its coefficient of determination (unclamped), both 0
	// when fewer than two sizes have a non-zero count.
	D, R2 float64
	// Points is the number of (size, count) pairs that entered the fit.
	Points int
}

// EstimateDimension is the legacy estimate_fractal_dimension(binary_field, min_box_size,
// max_box_size, num_scales) (model.py, spec §9.2 (a)). binary is row-major n×n.
//
// Deliberate fix: when a box size exceeds n (only possible with an explicit max_box_size
// > n), the reference pairs the sizes with a shorter count list and raises IndexError
// (spec §21 #10). Here every size is paired with its own count, as variants (b) and (c) do.
func EstimateDimension(binary []bool, n int, opts BoxOptions) (float64, error) {
	if err := checkSquare("binary_field", "binary_field must be a square 2D array.", len(binary), n); err != nil {
		return 0, err
	}
	if opts.NumScales < 1 || opts.NumScales > MaxNumScales {
		return 0, intRange("num_scales must be >= 1.", "num_scales", opts.NumScales, 1, MaxNumScales)
	}
	res, err := BoxCount(binary, n, opts)
	return res.D, err
}

// BoxCountingDimension is analytics._box_counting_dimension (spec §9.2 (c)): the slope and
// R² clamped to [0, 1].
func BoxCountingDimension(binary []bool, n int, opts BoxOptions) (d, r2 float64, err error) {
	if err := checkSquare("binary_field", "binary_field must be a square 2D array", len(binary), n); err != nil {
		return 0, 0, err
	}
	res, err := BoxCount(binary, n, opts)
	return res.D, min(max(res.R2, 0), 1), err
}

// ThresholdDimension is compute_box_counting_dimension(field, num_scales, threshold) (spec
// §14.6): variant (c) on the mask field > threshold with min_box 2 and max_box None. The
// reference routes the threshold through millivolts (FeatureConfig.threshold_low_mv =
// threshold·1000, mask field > threshold_low_mv/1000), so that round trip is kept.
func ThresholdDimension(field []float64, n int, thresholdV float64, numScales int) (float64, error) {
	if err := checkSquare("field", "field must be square", len(field), n); err != nil {
		return 0, err
	}
	if numScales < 2 || numScales > MaxNumScales {
		return 0, intRange("num_scales must be at least 2", "num_scales", numScales, 2, MaxNumScales)
	}
	thr := float64(thresholdV*1000.0) / 1000.0
	mask := make([]bool, len(field))
	for i, v := range field {
		mask[i] = v > thr
	}
	d, _, err := BoxCountingDimension(mask, n, BoxOptions{MinBox: 2, NumScales: numScales})
	return d, err
}

// BoxCount is the core shared by all variants (spec §9.2 steps 2–8): resolve max_box, derive
// the sizes, count occupied boxes on the top-left (n/s·s)² sub-grid, fit ln N against ln(1/s).
func BoxCount(binary []bool, n int, opts BoxOptions) (BoxResult, error) {
	if err := checkSquare("binary_field", "binary_field must be a square 2D array", len(binary), n); err != nil {
		return BoxResult{}, err
	}
	if opts.MinBox < 1 {
		return BoxResult{}, intRange("min_box_size must be >= 1", "min_box_size", opts.MinBox, 1, -1)
	}
	if opts.NumScales < 1 || opts.NumScales > MaxNumScales {
		return BoxResult{}, intRange("num_scales must be >= 1", "num_scales", opts.NumScales, 1, MaxNumScales)
	}
	if opts.MaxBox < 0 {
		return BoxResult{}, intRange("max_box_size must be >= 1 (or 0 for automatic)", "max_box_size", opts.MaxBox, 0, -1)
	}
	res := BoxResult{MaxBox: npexact.ResolveMaxBox(n, opts.MinBox, opts.NumScales, opts.MaxBox)}
	res.Sizes = npexact.BoxSizes(opts.MinBox, res.MaxBox, opts.NumScales)
	res.Counts = countBoxes(binary, n, res.Sizes)

	var sz, ct []float64
	for i, s := range res.Sizes {
		if res.Counts[i] > 0 {
			sz = append(sz, float64(s))
			ct = append(ct, float64(res.Counts[i]))
		}
	}
	res.Points = len(sz)
	if len(sz) >= 2 {
		res.D, res.R2 = fitLogLog(sz, ct)
	}
	return res, nil
}

// fitLogLog regresses y = ln(count) on x = ln(1.0/size) (reciprocal first, as numpy does)
// and returns the slope and R² = 1 − ss_res/ss_tot (0 when ss_tot is 0).
func fitLogLog(sizes, counts []float64) (d, r2 float64) {
	x := make([]float64, len(sizes))
	y := make([]float64, len(sizes))
	for i := range sizes {
		x[i] = math.Log(1.0 / sizes[i])
		y[i] = math.Log(counts[i])
	}
	slope, icpt := npexact.Polyfit1(x, y)
	ym := npexact.Mean(y)
	res := make([]float64, len(y))
	tot := make([]float64, len(y))
	for i := range y {
		e := y[i] - (float64(slope*x[i]) + icpt)
		res[i] = e * e
		c := y[i] - ym
		tot[i] = c * c
	}
	ssRes, ssTot := npexact.Sum(res), npexact.Sum(tot)
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	return slope, r2
}

// countBoxes returns, for each size, the number of size×size tiles of the top-left
// (n/size·size)² sub-grid holding at least one true cell (0 when no tile fits).
//
// The mask is packed into 64-bit rows once. For each size, the rows of every tile band are
// ORed into one band row (only the words covering the counted columns), the band rows laid
// end to end as one bit string; a log-step shift-OR over that string makes bit c say "some
// bit in [c, c+size) is set", and a popcount over the tile-start bits counts the occupied
// tiles. For a tile start c = j·size the range [c, c+size) ends inside its own band row, so
// the bits the shifts carry across band boundaries never reach a tile start: one pass over
// the whole string per shift, not one call per band.
func countBoxes(binary []bool, n int, sizes []int) []int {
	counts := make([]int, len(sizes))
	if n == 0 {
		return counts
	}
	w := (n + 63) / 64
	sc := scratchPool.Get().(*boxScratch)
	sc.rows = resize(sc.rows, n*w)
	packRows(sc.rows, binary, n, w)
	sc.countPacked(n, w, sizes, counts)
	scratchPool.Put(sc)
	return counts
}

// boxScratch is countBoxes' working memory, pooled: an estimate on a 256² mask would
// otherwise allocate 16 KiB of packed rows and as much again of band rows per call.
type boxScratch struct{ rows, bands, starts []uint64 }

var scratchPool = sync.Pool{New: func() any { return new(boxScratch) }}

// countPacked is countBoxes on the packed rows in sc.rows (n rows of w words).
func (sc *boxScratch) countPacked(n, w int, sizes []int, counts []int) {
	rows, bands, starts := sc.rows, sc.bands, sc.starts
	defer func() { sc.bands, sc.starts = bands, starts }()
	for i, s := range sizes {
		if s <= 0 || s > n {
			continue
		}
		nb := n / s
		used := (nb*s + 63) / 64 // words covering the counted columns
		starts = resize(starts, used)
		clear(starts)
		for j := 0; j < nb; j++ {
			c := j * s
			starts[c/64] |= 1 << (c % 64)
		}
		if s <= 64 {
			bands = resize(bands, nb*used+shiftPad(nb*used))[:nb*used]
			counts[i] = countNarrow(rows, w, s, nb, used, starts, bands)
			continue
		}
		bands = resize(bands, nb*used)
		for b := 0; b < nb; b++ {
			dst := bands[b*used : (b+1)*used]
			r0 := b * s
			copy(dst, rows[r0*w:r0*w+used])
			for r := r0 + 1; r < r0+s; r++ {
				row := rows[r*w : r*w+used]
				for k := range dst {
					dst[k] |= row[k]
				}
			}
		}
		orRange(bands, s)
		total := 0
		for b := 0; b < nb; b++ {
			band := bands[b*used : (b+1)*used]
			for k, v := range band {
				total += bits.OnesCount64(v & starts[k])
			}
		}
		counts[i] = total
	}
}

// countNarrow is the count for one size s ≤ 64: the band rows (each the OR of its band's s
// rows, only the words covering the counted columns) laid end to end, then shiftCount.
func countNarrow(rows []uint64, w, s, nb, used int, starts, bands []uint64) int {
	if orBands != nil && used%4 == 0 {
		orBands(bands, rows, nb, s, w, used)
	} else {
		for b := 0; b < nb; b++ {
			orRows(bands[b*used:(b+1)*used], rows, b*s, s, w)
		}
	}
	return shiftCount(bands[:nb*used], starts[:used], s)
}

// shiftPad is the number of zero words a string of n words needs after it for the vector
// shiftCount: up to a multiple of four, and one more for the last group's neighbour load.
func shiftPad(n int) int { return (4-n%4)%4 + 4 }

// shiftCount returns the number of tile starts (the bits of starts, repeated every
// len(starts) words) whose tile [c, c+s) of v holds a set bit, for s ≤ 64. It may modify v.
// The bits the shifts bring in from the next band row never reach a tile start, whose tile
// ends in its own row. The AVX2 form (shiftCountVec) makes one pass over v per shift step.
// shiftCountGo runs word by word in registers instead: the bits of word k need only words k
// and k+1, since a tile starting in word k ends before word k+2, and every shift is at most 32
// bits, so the bits of word k+1 that a step reads have been ORed over their full span within
// word k+1.
var shiftCount = shiftCountGo

func shiftCountGo(v, starts []uint64, s int) int {
	total, j := 0, 0
	for k, x := range v {
		var y uint64
		if k+1 < len(v) {
			y = v[k+1]
		}
		// Shift counts are in [1, 32]; the &63 tells the compiler so (no over-shift checks).
		span := 1
		for ; span*2 <= s; span *= 2 {
			x |= x>>(span&63) | y<<((64-span)&63)
			y |= y >> (span & 63)
		}
		if d := s - span; d > 0 {
			x |= x>>(d&63) | y<<((64-d)&63)
		}
		total += bits.OnesCount64(x & starts[j])
		if j++; j == len(starts) {
			j = 0
		}
	}
	return total
}

// orBands is orRows for all nb bands of a size in one call (band b into bands[b·used:]),
// where the CPU's vector path takes whole groups of four words; nil elsewhere.
var orBands func(bands, rows []uint64, nb, s, w, used int)

// orRows sets dst[k] to the OR of rows[r·w+k] over r0 ≤ r < r0+s, for k < len(dst) ≤ w:
// AVX2 where the CPU has it, four words per register.
var orRows = orRowsGo

func orRowsGo(dst, rows []uint64, r0, s, w int) {
	copy(dst, rows[r0*w:r0*w+len(dst)])
	for r := r0 + 1; r < r0+s; r++ {
		row := rows[r*w : r*w+len(dst)]
		for k := range dst {
			dst[k] |= row[k]
		}
	}
}

// resize returns buf[:n], reallocating when the capacity is short.
func resize(buf []uint64, n int) []uint64 {
	if cap(buf) < n {
		return make([]uint64, n)
	}
	return buf[:n]
}

// orRange turns bit c of v into the OR of bits c..c+s−1 (bits past the end count as 0).
func orRange(v []uint64, s int) {
	span := 1
	for span*2 <= s {
		orShifted(v, span)
		span *= 2
	}
	if span < s {
		orShifted(v, s-span)
	}
}

// orShifted sets v |= v >> d over the whole multi-word bit string (bit c gains bit c+d).
// Ascending k only reads words at index ≥ k, which are not yet updated.
func orShifted(v []uint64, d int) {
	q, b := d/64, uint(d%64)
	if q >= len(v) {
		return
	}
	last := len(v) - 1 - q // last k with a source word
	if b == 0 {
		for k := 0; k <= last; k++ {
			v[k] |= v[k+q]
		}
		return
	}
	for k := 0; k < last; k++ {
		v[k] |= v[k+q]>>b | v[k+q+1]<<(64-b)
	}
	v[last] |= v[last+q] >> b
}

// packRows packs the n×n mask into out, n rows of w words; bit c%64 of word c/64 is column c.
// Whole groups of 64 cells go through pack64 (AVX2 where the CPU has it); the rest, eight
// cells at a time: a Go bool is one byte holding 0 or 1, so a 64-bit load of 8 bools times
// 0x0102040810204080 collects their low bits into the top byte.
func packRows(out []uint64, mask []bool, n, w int) {
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(mask))), len(mask))
	for r := 0; r < n; r++ {
		src := raw[r*n : (r+1)*n]
		dst := out[r*w : (r+1)*w]
		c := n &^ 63
		if c > 0 {
			pack64(&dst[0], &src[0], c/64) // writes the whole words
		}
		clear(dst[c/64:]) // the partial word, ORed below
		for ; c+8 <= n; c += 8 {
			dst[c/64] |= gather8(src[c:c+8]) << (c % 64)
		}
		for ; c < n; c++ {
			if src[c] != 0 {
				dst[c/64] |= 1 << (c % 64)
			}
		}
	}
}

// pack64 packs words·64 bool bytes at src into words words at dst (bit i = byte i).
var pack64 = pack64Go

func pack64Go(dst *uint64, src *byte, words int) {
	d := unsafe.Slice(dst, words)
	s := unsafe.Slice(src, words*64)
	for k := range d {
		p := (*[64]byte)(s[k*64:])
		d[k] = gather8(p[0:8]) | gather8(p[8:16])<<8 | gather8(p[16:24])<<16 |
			gather8(p[24:32])<<24 | gather8(p[32:40])<<32 | gather8(p[40:48])<<40 |
			gather8(p[48:56])<<48 | gather8(p[56:64])<<56
	}
}

// gather8 packs 8 bool bytes (0 or 1) into the low 8 bits, first byte lowest.
func gather8(b []byte) uint64 {
	return (binary.LittleEndian.Uint64(b) & 0x0101010101010101) * 0x0102040810204080 >> 56
}

// checkSquare verifies that cells holds an n×n grid with n ≥ 1.
func checkSquare(param, msg string, cells, n int) error {
	if n < 1 || cells%n != 0 || cells/n != n {
		return fmt.Errorf("%s (parameter='%s', got %d cells for side n=%d; need n ≥ 1 and exactly n·n cells)",
			msg, param, cells, n)
	}
	return nil
}

// intRange is a RangeError for an integer parameter; max < 0 means unbounded above.
func intRange(msg, param string, v, lo, hi int) error {
	e := &RangeError{Message: msg, Parameter: param, Value: fmt.Sprint(v), Min: fmt.Sprint(lo)}
	if hi >= 0 {
		e.Max = fmt.Sprint(hi)
	}
	return e
}
