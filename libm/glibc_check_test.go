//go:build cgo && libmcheck

package libm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkAgainstGlibc fails on the first few arguments where Log and the running glibc disagree
// in any bit (NaNs compare as equal whatever their payload).
func checkAgainstGlibc(t *testing.T, name string, xs []float64) {
	t.Helper()
	want := make([]float64, len(xs))
	glibcLog(xs, want)
	bad := 0
	for i, x := range xs {
		got := Log(x)
		if math.Float64bits(got) != math.Float64bits(want[i]) && !(math.IsNaN(got) && math.IsNaN(want[i])) {
			bad++
			if bad <= 5 {
				t.Errorf("%s: Log(%v [%#016x]) = %v [%#016x], glibc %v [%#016x]", name, x, math.Float64bits(x),
					got, math.Float64bits(got), want[i], math.Float64bits(want[i]))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d arguments differ from glibc", name, bad, len(xs))
	}
}

// TestLogMatchesGlibc compares Log with the C library this test is linked against (glibc's
// ifunc picks __log_fma on CPUs with FMA+AVX2, the variant Log reproduces) on 2^22 random bit
// patterns over all positive doubles, 2^21 arguments close to 1 (the polynomial branch and
// its boundaries), 2^20 subnormals, 2^20 arguments around every power of two and the special
// values.
func TestLogMatchesGlibc(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 16))
	const n = 1 << 20
	xs := make([]float64, 0, 4*n)
	for range 4 * n {
		xs = append(xs, math.Float64frombits(rng.Uint64()>>1))
	}
	checkAgainstGlibc(t, "all positive", xs)
	// The comparison discriminates: Go's own math.Log disagrees with glibc on some of these.
	want := make([]float64, len(xs))
	glibcLog(xs, want)
	goDiff := 0
	for i, x := range xs {
		if math.Log(x) != want[i] {
			goDiff++
		}
	}
	t.Logf("math.Log differs from glibc on %d of %d random arguments; Log on none", goDiff, len(xs))
	if goDiff == 0 {
		t.Error("math.Log agrees with glibc everywhere: this test could not tell Log from math.Log")
	}

	xs = xs[:0]
	for range 2 * n {
		xs = append(xs, 1+(rng.Float64()-0.5)*0.3)
	}
	for _, b := range []float64{1 - 0x1p-4, 1 + 0x1.09p-4} {
		for d := -2000; d <= 2000; d++ {
			xs = append(xs, math.Float64frombits(uint64(int64(math.Float64bits(b))+int64(d))))
		}
	}
	checkAgainstGlibc(t, "near 1", xs)

	xs = xs[:0]
	for range n {
		xs = append(xs, math.Float64frombits(rng.Uint64()&(1<<52-1)))
	}
	checkAgainstGlibc(t, "subnormal", xs)

	xs = xs[:0]
	for range n {
		e := rng.IntN(2046) - 1022
		xs = append(xs, math.Ldexp(1+(rng.Float64()-0.5)*1e-9, e))
	}
	checkAgainstGlibc(t, "around powers of two", xs)

	checkAgainstGlibc(t, "special", []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1),
		math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1022, 2, 0.5, math.E, 10, 0.01})
}
