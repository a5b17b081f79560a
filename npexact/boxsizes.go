package npexact

import (
	_ "embed"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"mfn/internal/gzdata"
)

// boxSizesGzip is the reference's own box-size table (spec §9.3), gzipped (124 KB as text;
// read it with `zcat npexact/boxsizes.csv.gz`): every reachable default combination plus
// every combination whose interior geomspace values lie within 1e-9 of an integer. There
// truncation depends on the last ulp of numpy's power/log10, which Go's math package (and
// even glibc) do not reproduce, so the recorded lists win over computation.
//
//go:embed boxsizes.csv.gz
var boxSizesGzip []byte

type boxKey struct{ minBox, numScales, maxBox int }

// boxTable is the table, read on first use.
var boxTable = sync.OnceValue(func() map[boxKey][]int {
	csv, err := gzdata.Decompress(boxSizesGzip)
	if err != nil { // the binary itself is damaged: no box count could be trusted
		panic("npexact: embedded boxsizes.csv.gz: " + err.Error())
	}
	return parseBoxTable(string(csv))
})

// parseBoxTable reads rows "min_box,num_scales,max_box,sizes,fragile_values" ('#' comments,
// one header line, sizes space-separated). Malformed rows are skipped.
func parseBoxTable(src string) map[boxKey][]int {
	t := map[boxKey][]int{}
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) < 4 {
			continue
		}
		var k [3]int
		ok := true
		for i := range k {
			v, err := strconv.Atoi(f[i])
			k[i], ok = v, ok && err == nil
		}
		if !ok {
			continue // the header
		}
		var sizes []int
		for _, s := range strings.Fields(f[3]) {
			v, err := strconv.Atoi(s)
			if err != nil {
				ok = false
				break
			}
			sizes = append(sizes, v)
		}
		if ok {
			t[boxKey{k[0], k[1], k[2]}] = sizes
		}
	}
	return t
}

// Geomspace is np.geomspace(a, b, n) for positive a, b: linspace(log10 a, log10 b, n)
// (step = (log10 b − log10 a)/(n−1) first, then k·step + log10 a), 10**y element-wise, then
// the endpoints overwritten with a and b exactly. Interior values can differ from numpy's in
// the last ulp (numpy's log10/power are not Go's). n ≤ 0 gives an empty slice.
func Geomspace(a, b float64, n int) []float64 {
	if n <= 0 {
		return []float64{}
	}
	out := make([]float64, n)
	if n == 1 {
		out[0] = a
		return out
	}
	start, stop := math.Log10(a), math.Log10(b)
	step := (stop - start) / float64(n-1)
	for k := range out {
		out[k] = math.Pow(10, float64(float64(k)*step)+start)
	}
	out[0], out[n-1] = a, b
	return out
}

// BoxSizes is np.unique(np.geomspace(minBox, maxBox, numScales).astype(int)): the ascending
// distinct truncated box sizes. Recorded reference lists are used where present (see
// boxSizesGzip). numScales ≤ 0 gives an empty list; minBox or maxBox < 1 gives nil (numpy
// would raise or produce garbage; callers validate first).
func BoxSizes(minBox, maxBox, numScales int) []int {
	if minBox < 1 || maxBox < 1 {
		return nil
	}
	if numScales <= 0 {
		return []int{}
	}
	if s, ok := boxTable()[boxKey{minBox, numScales, maxBox}]; ok {
		return append([]int(nil), s...)
	}
	raw := Geomspace(float64(minBox), float64(maxBox), numScales)
	sizes := make([]int, 0, len(raw))
	for _, v := range raw {
		sizes = append(sizes, int(v)) // astype(int) truncates toward zero
	}
	sort.Ints(sizes)
	out := sizes[:0]
	for i, s := range sizes {
		if i == 0 || s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}

// ResolveMaxBox is the reference's default largest box (spec §9.2 steps 2–3): maxBox == 0
// means "None", giving minBox·2^(numScales−1) capped at n/2 (n ≥ 4) or n; the result is never
// below minBox.
func ResolveMaxBox(n, minBox, numScales, maxBox int) int {
	if maxBox == 0 {
		limit := n
		if n >= 4 {
			limit = n / 2
		}
		// Doubling stops at the cap, so huge numScales cannot overflow.
		maxBox = minBox
		for i := 1; i < numScales && maxBox < limit; i++ {
			maxBox *= 2
		}
		maxBox = min(maxBox, limit)
	}
	return max(maxBox, minBox)
}
