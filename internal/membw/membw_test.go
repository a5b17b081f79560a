package membw

import (
	"math"
	"testing"
)

// streamLen is 4 Mi elements (32 MiB per array), far past any last-level cache here.
const streamLen = 4 << 20

func TestKernels(t *testing.T) {
	a, b, c := make([]float64, 5), []float64{1, 2, 3, 4, 5}, []float64{10, 20, 30, 40, 50}
	Triad(a, b, c, 0.5)
	for i := range a {
		if a[i] != b[i]+0.5*c[i] {
			t.Fatalf("triad[%d] = %v", i, a[i])
		}
	}
	Copy(a, c)
	if a[4] != 50 {
		t.Fatal("copy")
	}
	// 8 chains of x ← 0.999999x + 1e-9 from 0..7, 1000 steps: closed form per chain.
	want := 0.0
	for j := range 8 {
		x := float64(j)
		for range 1000 {
			x = float64(x*0.999999) + 1e-9
		}
		want += x
	}
	if got := ScalarFlops(1000, 0); math.Abs(got-want) > 1e-12 {
		t.Fatalf("ScalarFlops = %v, want %v", got, want)
	}
}

func BenchmarkStreamCopy(b *testing.B) {
	a, c := make([]float64, streamLen), make([]float64, streamLen)
	b.SetBytes(16 * streamLen)
	for b.Loop() {
		Copy(c, a)
	}
}

func BenchmarkStreamTriad(b *testing.B) {
	a, bb, c := make([]float64, streamLen), make([]float64, streamLen), make([]float64, streamLen)
	for i := range bb {
		bb[i], c[i] = 1, 2
	}
	b.SetBytes(24 * streamLen)
	for b.Loop() {
		Triad(a, bb, c, 3)
	}
}

var sink float64

// BenchmarkScalarFlops1M: one op is 2^20 iterations of 16 floating-point operations.
func BenchmarkScalarFlops1M(b *testing.B) {
	for b.Loop() {
		sink += ScalarFlops(1<<20, sink)
	}
}
