package fractal

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"mfn/internal/membw"
	"mfn/npexact"
	"mfn/rng"
)

// randomMask is default_rng(seed).random((n, n)) > thr.
func randomMask(seed uint64, n int, thr float64) []bool {
	g := rng.New(seed)
	m := make([]bool, n*n)
	for i := range m {
		m[i] = g.Random() > thr
	}
	return m
}

func fullMask(n int, pred func(r, c int) bool) []bool {
	m := make([]bool, n*n)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			m[r*n+c] = pred(r, c)
		}
	}
	return m
}

func near(got, want float64) bool {
	return got == want || math.Abs(got-want) <= 1e-12*math.Abs(want)
}

// Observed reference values (docs/spec/core.md §9.2, docs/spec/reference-tests.md).
func TestEstimateDimensionReference(t *testing.T) {
	cases := []struct {
		name string
		mask []bool
		want float64
	}{
		{"all true", fullMask(64, func(int, int) bool { return true }), 1.9993017672867228},
		{"all false", make([]bool, 64*64), 0},
		{"single pixel", fullMask(64, func(r, c int) bool { return r == 10 && c == 20 }), 0},
		{"one row", fullMask(64, func(r, _ int) bool { return r == 5 }), 0.9996508836433614},
		{"rng42 > 0.5", randomMask(42, 64, 0.5), 1.981386435739113},
		{"rng42 > 0.7", randomMask(42, 64, 0.7), 1.919609600591818},
	}
	for _, c := range cases {
		d, err := EstimateDimension(c.mask, 64, DefaultBoxOptions())
		if err != nil || !near(d, c.want) {
			t.Errorf("%s: D = %v, %v; want %v", c.name, d, err, c.want)
		}
	}
	_, r2, err := BoxCountingDimension(randomMask(42, 64, 0.5), 64, DefaultBoxOptions())
	if err != nil || !near(r2, 0.999918093295569) {
		t.Errorf("rng42 R² = %v, %v", r2, err)
	}
}

func TestBoxCountDetail(t *testing.T) {
	res, err := BoxCount(fullMask(64, func(int, int) bool { return true }), 64, DefaultBoxOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxBox != 32 || !slices.Equal(res.Sizes, []int{2, 4, 7, 16, 32}) ||
		!slices.Equal(res.Counts, []int{1024, 256, 81, 16, 4}) || res.Points != 5 {
		t.Errorf("detail %+v", res)
	}
}

// The reference raises IndexError when a size exceeds n (n=8, max_box_size=16); here the
// sizes that fit are used, like the engine and analytics variants.
func TestLegacyIndexErrorFixed(t *testing.T) {
	m := fullMask(8, func(r, c int) bool { return (r+c)%3 == 0 })
	opts := BoxOptions{MinBox: 2, MaxBox: 16, NumScales: 5}
	d, err := EstimateDimension(m, 8, opts)
	if err != nil {
		t.Fatal(err)
	}
	d2, _, _ := BoxCountingDimension(m, 8, opts)
	res, _ := BoxCount(m, 8, opts)
	if d != d2 || d == 0 || res.Counts[len(res.Counts)-1] != 0 {
		t.Errorf("D %v vs %v, counts %v", d, d2, res.Counts)
	}
}

func TestBoxCountErrors(t *testing.T) {
	sq := make([]bool, 16)
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"not square", func() error { _, err := EstimateDimension(make([]bool, 10), 3, DefaultBoxOptions()); return err },
			"binary_field must be a square 2D array."},
		{"empty", func() error { _, err := EstimateDimension(nil, 0, DefaultBoxOptions()); return err },
			"binary_field must be a square 2D array."},
		{"num_scales 0", func() error {
			_, err := EstimateDimension(sq, 4, BoxOptions{MinBox: 2, NumScales: 0})
			return err
		}, "num_scales must be >= 1. (parameter='num_scales', value=0, min=1, max=1048576)"},
		{"min_box 0", func() error { _, _, err := BoxCountingDimension(sq, 4, BoxOptions{NumScales: 5}); return err },
			"min_box_size must be >= 1 (parameter='min_box_size', value=0, min=1)"},
		{"max_box negative", func() error {
			_, _, err := BoxCountingDimension(sq, 4, BoxOptions{MinBox: 2, MaxBox: -3, NumScales: 5})
			return err
		}, "parameter='max_box_size', value=-3"},
		{"threshold scales", func() error { _, err := ThresholdDimension(make([]float64, 16), 4, -0.06, 1); return err },
			"num_scales must be at least 2"},
		{"threshold shape", func() error { _, err := ThresholdDimension(make([]float64, 15), 4, -0.06, 8); return err },
			"field must be square"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	_, err := EstimateDimension(sq, 4, BoxOptions{MinBox: 2, NumScales: -1})
	var re *RangeError
	if !errors.As(err, &re) || re.Parameter != "num_scales" {
		t.Errorf("want a *RangeError for num_scales, got %#v", err)
	}
}

func TestThresholdDimension(t *testing.T) {
	g := rng.New(3)
	field := make([]float64, 64*64)
	for i := range field {
		field[i] = g.Normal(-0.07, 0.01)
	}
	d, err := ThresholdDimension(field, 64, -0.07, 8)
	if err != nil {
		t.Fatal(err)
	}
	mask := make([]bool, len(field))
	for i, v := range field {
		mask[i] = v > -0.07
	}
	want, _, _ := BoxCountingDimension(mask, 64, BoxOptions{MinBox: 2, NumScales: 8})
	if d != want || d < 1.5 || d > 2.1 {
		t.Errorf("ThresholdDimension = %v, mask version %v", d, want)
	}
}

// naiveCounts is the reference algorithm written out cell by cell.
func naiveCounts(m []bool, n int, sizes []int) []int {
	out := make([]int, len(sizes))
	for i, s := range sizes {
		if s <= 0 || s > n {
			continue
		}
		nb := n / s
		for bi := 0; bi < nb; bi++ {
			for bj := 0; bj < nb; bj++ {
			tile:
				for r := bi * s; r < (bi+1)*s; r++ {
					for c := bj * s; c < (bj+1)*s; c++ {
						if m[r*n+c] {
							out[i]++
							break tile
						}
					}
				}
			}
		}
	}
	return out
}

// The bit-packed counter equals the naive one for every size on many shapes and densities.
func TestCountBoxesMatchesNaive(t *testing.T) {
	g := rng.New(7)
	for _, n := range []int{1, 2, 3, 7, 8, 9, 63, 64, 65, 100, 127, 128, 129, 200, 256, 257} {
		for _, p := range []float64{0.001, 0.05, 0.5, 0.97} {
			m := make([]bool, n*n)
			for i := range m {
				m[i] = g.Random() < p
			}
			sizes := make([]int, 0, n+1)
			for s := 1; s <= n+1; s++ {
				sizes = append(sizes, s)
			}
			got, want := countBoxes(m, n, sizes), naiveCounts(m, n, sizes)
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d p=%v: counts %v, want %v", n, p, got, want)
			}
		}
	}
}

// The pure-Go forms of the packing, band and shift kernels (what purego builds and CPUs without
// AVX2 run) give the naive counts too, whatever kernels this CPU selected.
func TestCountBoxesPureGoForms(t *testing.T) {
	p, r, b, c := pack64, orRows, orBands, shiftCount
	pack64, orRows, orBands, shiftCount = pack64Go, orRowsGo, nil, shiftCountGo
	t.Cleanup(func() { pack64, orRows, orBands, shiftCount = p, r, b, c })
	g := rng.New(9)
	for _, n := range []int{1, 63, 64, 65, 129, 256} {
		m := make([]bool, n*n)
		for i := range m {
			m[i] = g.Random() < 0.3
		}
		sizes := make([]int, 0, n+1)
		for s := 1; s <= n+1; s++ {
			sizes = append(sizes, s)
		}
		if got, want := countBoxes(m, n, sizes), naiveCounts(m, n, sizes); !slices.Equal(got, want) {
			t.Fatalf("n=%d: counts %v, want %v", n, got, want)
		}
	}
}

// Property: on random masks the dimension lies in [0, 2.5] (the reference suite's bound; the
// ignored edge strips push it above 2 with few scales) and the clamped R² in [0, 1].
func TestDimensionRangeProperty(t *testing.T) {
	g := rng.New(11)
	for trial := 0; trial < 200; trial++ {
		n := 8 + int(g.Integers(0, 120))
		p := 0.05 + 0.9*g.Random()
		m := make([]bool, n*n)
		for i := range m {
			m[i] = g.Random() < p
		}
		opts := BoxOptions{MinBox: 1 + int(g.Integers(0, 3)), NumScales: 2 + int(g.Integers(0, 8))}
		d, r2, err := BoxCountingDimension(m, n, opts)
		if err != nil || d < 0 || d > 2.5 || r2 < 0 || r2 > 1 || math.IsNaN(d) {
			t.Fatalf("n=%d p=%.3f opts=%+v: D=%v R²=%v err=%v", n, p, opts, d, r2, err)
		}
	}
}

// FuzzBoxCounting: arbitrary masks and parameters never panic, results are finite, and the
// fast counter agrees with the naive one.
func FuzzBoxCounting(f *testing.F) {
	f.Add([]byte{0xff, 0x0f, 0xa5}, uint8(4), int16(2), int16(0), int16(5))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(9), int16(1), int16(27), int16(4))
	f.Add([]byte{}, uint8(0), int16(0), int16(-1), int16(0))
	f.Add([]byte{0x80}, uint8(70), int16(3), int16(1000), int16(12))
	f.Fuzz(func(t *testing.T, data []byte, side uint8, minBox, maxBox, numScales int16) {
		n := int(side) % 97
		m := make([]bool, n*n)
		for i := range m {
			if len(data) > 0 {
				m[i] = data[(i/8)%len(data)]>>(i%8)&1 == 1
			}
		}
		opts := BoxOptions{MinBox: int(minBox), MaxBox: int(maxBox), NumScales: int(numScales)}
		d, err := EstimateDimension(m, n, opts)
		if err == nil && (math.IsNaN(d) || math.IsInf(d, 0)) {
			t.Fatalf("D = %v", d)
		}
		_, r2, err := BoxCountingDimension(m, n, opts)
		if err == nil && (r2 < 0 || r2 > 1) {
			t.Fatalf("R² = %v", r2)
		}
		if err == nil {
			sizes := npexact.BoxSizes(opts.MinBox, npexact.ResolveMaxBox(n, opts.MinBox, opts.NumScales, opts.MaxBox), opts.NumScales)
			if got, want := countBoxes(m, n, sizes), naiveCounts(m, n, sizes); !slices.Equal(got, want) {
				t.Fatalf("counts %v, want %v", got, want)
			}
		}
		eng, _ := NewGrowthEngine(DefaultFractalConfig())
		_, _ = eng.EstimateDimension(m, n, int(minBox), int(maxBox), int(numScales))
	})
}

// benchmarkBoxCount reports, beside ns/op, the CPU time per estimate (cpu-ns/op), which
// docs/performance.md's limit table sets against membw's word-operation and read rates.
func benchmarkBoxCount(b *testing.B, n int) {
	m := randomMask(42, n, 0.5)
	membw.Loop(b, 0, "", func() {
		if _, err := EstimateDimension(m, n, DefaultBoxOptions()); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkBoxCount64(b *testing.B)  { benchmarkBoxCount(b, 64) }
func BenchmarkBoxCount256(b *testing.B) { benchmarkBoxCount(b, 256) }
