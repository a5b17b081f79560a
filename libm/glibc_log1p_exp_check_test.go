//go:build cgo && libmcheck

package libm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLog1pMatchesGlibc compares Log1p with the linked glibc's log1p on 2^22 arguments -u,
// u uniform in [0, 1) as numpy's ziggurat tail draws them, 2^21 random bit patterns above
// -1, 2^20 arguments near each branch boundary, and the special values.
func TestLog1pMatchesGlibc(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 1))
	const n = 1 << 20
	check := func(name string, xs []float64) {
		t.Helper()
		want := make([]float64, len(xs))
		glibcLog1p(xs, want)
		bad, goDiff := 0, 0
		for i, x := range xs {
			got := Log1p(x)
			if math.Float64bits(got) != math.Float64bits(want[i]) && !(math.IsNaN(got) && math.IsNaN(want[i])) {
				bad++
				if bad <= 5 {
					t.Errorf("%s: Log1p(%v [%#016x]) = %v, glibc %v", name, x, math.Float64bits(x), got, want[i])
				}
			}
			if math.Log1p(x) != want[i] {
				goDiff++
			}
		}
		t.Logf("%s: %d arguments; math.Log1p differs on %d, Log1p on %d", name, len(xs), goDiff, bad)
	}
	xs := make([]float64, 0, 4*n)
	for range 4 * n {
		xs = append(xs, -(float64(rng.Uint64()>>11) * 0x1p-53))
	}
	check("ziggurat -u", xs)

	xs = xs[:0]
	for range 2 * n {
		b := rng.Uint64()
		if b>>63 != 0 {
			b &= 0xbfefffffffffffff // negative: keep |x| < 1
		}
		xs = append(xs, math.Float64frombits(b))
	}
	check("random bits", xs)

	xs = xs[:0]
	for _, b := range []float64{0.41422, -0.2929, 0x1p-29, -0x1p-29, 0x1p-54, 0x1p53, 1, 0x1p-20, -0.5} {
		for range n / 8 {
			xs = append(xs, b*(1+(rng.Float64()-0.5)*1e-6))
		}
	}
	check("boundaries", xs)

	check("special", []float64{0, math.Copysign(0, -1), -1, -2, math.Inf(1), math.Inf(-1), math.NaN(),
		math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1 - 0x1p-53, -1 + 0x1p-53})
}

// TestExpMatchesGlibc compares Exp with the linked glibc's exp on 2^22 arguments -x²/2 as the
// ziggurat's wedge test computes them, 2^21 random arguments in (-745, 710), 2^20 random bit
// patterns, and the special values.
func TestExpMatchesGlibc(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 2))
	const n = 1 << 20
	check := func(name string, xs []float64) {
		t.Helper()
		want := make([]float64, len(xs))
		glibcExp(xs, want)
		bad, goDiff := 0, 0
		for i, x := range xs {
			got := Exp(x)
			if math.Float64bits(got) != math.Float64bits(want[i]) && !(math.IsNaN(got) && math.IsNaN(want[i])) {
				bad++
				if bad <= 5 {
					t.Errorf("%s: Exp(%v [%#016x]) = %v, glibc %v", name, x, math.Float64bits(x), got, want[i])
				}
			}
			if math.Exp(x) != want[i] {
				goDiff++
			}
		}
		t.Logf("%s: %d arguments; math.Exp differs on %d, Exp on %d", name, len(xs), goDiff, bad)
	}
	xs := make([]float64, 0, 4*n)
	for range 4 * n {
		x := rng.Float64() * 3.7
		xs = append(xs, -0.5*x*x)
	}
	check("ziggurat -x²/2", xs)
	xs = xs[:0]
	for range 2 * n {
		xs = append(xs, -745+rng.Float64()*1455)
	}
	check("(-745, 710)", xs)
	xs = xs[:0]
	for range n {
		xs = append(xs, math.Float64frombits(rng.Uint64()))
	}
	check("random bits", xs)
	check("special", []float64{0, math.Copysign(0, -1), 1, -1, 709.782712893384, 709.79, -708.39, -745.13, -745.14,
		-740, 600, -600, math.Inf(1), math.Inf(-1), math.NaN(), 0x1p-60, -0x1p-60, 512, -512, 1023, -1100})
}
