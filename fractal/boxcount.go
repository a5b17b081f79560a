// Package fractal ports the reference's fractal analysis (spec §9): box-counting dimension,
// the random IFS generator, the history "Lyapunov exponent" and FractalGrowthEngine.
package fractal

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
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
// The mask is packed into 64-bit rows once. For each size the rows of a tile band are ORed
// together, then a log-step shift-OR makes bit c say "some bit in [c, c+size) is set", and a
// popcount over the tile-start bits counts the occupied tiles: no per-box work or allocation.
func countBoxes(binary []bool, n int, sizes []int) []int {
	counts := make([]int, len(sizes))
	if n == 0 {
		return counts
	}
	w := (n + 63) / 64
	rows := packRows(binary, n, w)
	scratch := make([]uint64, 2*w)
	band, starts := scratch[:w], scratch[w:]
	for i, s := range sizes {
		if s <= 0 || s > n {
			continue
		}
		nb := n / s
		used := (nb*s + 63) / 64 // words covering the counted columns
		clear(starts)
		for j := 0; j < nb; j++ {
			c := j * s
			starts[c/64] |= 1 << (c % 64)
		}
		total := 0
		for b := 0; b < nb; b++ {
			copy(band[:used], rows[b*s*w:b*s*w+used])
			for r := b*s + 1; r < (b+1)*s; r++ {
				row := rows[r*w : r*w+used]
				for k := range row {
					band[k] |= row[k]
				}
			}
			orRange(band[:used], s)
			for k := 0; k < used; k++ {
				total += bits.OnesCount64(band[k] & starts[k])
			}
		}
		counts[i] = total
	}
	return counts
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

// packRows packs the n×n mask into n rows of w words; bit c%64 of word c/64 is column c.
// Eight cells are gathered at once: a Go bool is one byte holding 0 or 1, so a 64-bit load
// of 8 bools times 0x0102040810204080 collects their low bits into the top byte.
func packRows(mask []bool, n, w int) []uint64 {
	out := make([]uint64, n*w)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(mask))), len(mask))
	for r := 0; r < n; r++ {
		src := raw[r*n : (r+1)*n]
		dst := out[r*w : (r+1)*w]
		c := 0
		for ; c+64 <= n; c += 64 {
			p := (*[64]byte)(src[c:])
			dst[c/64] = gather8(p[0:8]) | gather8(p[8:16])<<8 | gather8(p[16:24])<<16 |
				gather8(p[24:32])<<24 | gather8(p[32:40])<<32 | gather8(p[40:48])<<40 |
				gather8(p[48:56])<<48 | gather8(p[56:64])<<56
		}
		for ; c+8 <= n; c += 8 {
			dst[c/64] |= gather8(src[c:c+8]) << (c % 64)
		}
		for ; c < n; c++ {
			if src[c] != 0 {
				dst[c/64] |= 1 << (c % 64)
			}
		}
	}
	return out
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
