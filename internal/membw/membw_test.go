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
	// WordOps against the same recurrence written out.
	var wantW uint64
	for j := range uint64(8) {
		x := 5 + j
		for range 100 {
			x = (x ^ 0x9E3779B97F4A7C15) + x>>7
		}
		wantW ^= x
	}
	if got := WordOps(100, 5); got != wantW {
		t.Fatalf("WordOps = %#x, want %#x", got, wantW)
	}
	w := []uint64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}
	if got := ReadXor(w); got != 2047 {
		t.Fatalf("ReadXor = %d, want 2047", got)
	}
	long := make([]uint64, 16*5+3)
	want64 := uint64(0)
	for i := range long {
		long[i] = uint64(i) * 0x9E3779B97F4A7C15
		want64 ^= long[i]
	}
	if got := ReadVec(long); got != want64 {
		t.Fatalf("ReadVec = %#x, want %#x", got, want64)
	}
	if VecFMA(1000) != VecMulAdd(1000) {
		t.Fatal("VecFMA and VecMulAdd disagree on whether the CPU has the vector kernels")
	}
}

func BenchmarkStreamCopy(b *testing.B) {
	a, c := make([]float64, streamLen), make([]float64, streamLen)
	b.SetBytes(16 * streamLen)
	Loop(b, 16*streamLen/1e9, "GB/s", func() { Copy(c, a) })
}

func BenchmarkStreamTriad(b *testing.B) {
	a, bb, c := make([]float64, streamLen), make([]float64, streamLen), make([]float64, streamLen)
	for i := range bb {
		bb[i], c[i] = 1, 2
	}
	b.SetBytes(24 * streamLen)
	Loop(b, 24*streamLen/1e9, "GB/s", func() { Triad(a, bb, c, 3) })
}

var sink float64

// BenchmarkScalarFlops1M: one op is 2^20 iterations of 16 floating-point operations.
func BenchmarkScalarFlops1M(b *testing.B) {
	Loop(b, 16<<20/1e9, "Gflop/s", func() { sink += ScalarFlops(1<<20, sink) })
}

var wsink uint64

// The throughput kernels run 4096 iterations per call (a few microseconds, like the kernels
// they bound), so that their median call is as undisturbed by other tenants as the kernels'.

// BenchmarkWordOps4K: 4096 iterations of 24 integer word operations.
func BenchmarkWordOps4K(b *testing.B) {
	Loop(b, 24*4096/1e9, "Gops/s", func() { wsink += WordOps(4096, wsink) })
}

// BenchmarkVecFMA4K: 4096 iterations of 10 4-lane FMAs, 80 flop each.
func BenchmarkVecFMA4K(b *testing.B) {
	if !VecFMA(1) {
		b.Skip("no AVX2/FMA on this CPU")
	}
	Loop(b, 80*4096/1e9, "Gflop/s", func() { VecFMA(4096) })
}

// BenchmarkVecMulAdd4K: 4096 iterations of 6 4-lane multiplies and 6 4-lane adds.
func BenchmarkVecMulAdd4K(b *testing.B) {
	if !VecMulAdd(1) {
		b.Skip("no AVX2 on this CPU")
	}
	Loop(b, 12*4096/1e9, "Gvecop/s", func() { VecMulAdd(4096) })
}

// BenchmarkRead: a read-only stream over arrays the size of the kernels' inputs: 64 KiB (the
// 256² box-counting mask, in L2), 3.2 MiB (the default 100×64² history, in L3) and 32 MiB
// (past the last-level cache: memory).
func BenchmarkRead(b *testing.B) {
	for _, c := range []struct {
		name  string
		bytes int
	}{{"64KiB", 64 << 10}, {"3.2MiB", 100 * 64 * 64 * 8}, {"32MiB", 32 << 20}} {
		b.Run(c.name, func(b *testing.B) {
			a := make([]uint64, c.bytes/8)
			for i := range a {
				a[i] = uint64(i)
			}
			b.SetBytes(int64(c.bytes))
			Loop(b, float64(c.bytes)/1e9, "GB/s", func() { wsink += ReadXor(a) })
		})
		b.Run(c.name+"/vec", func(b *testing.B) {
			a := make([]uint64, c.bytes/8)
			for i := range a {
				a[i] = uint64(i)
			}
			b.SetBytes(int64(c.bytes))
			Loop(b, float64(c.bytes)/1e9, "GB/s", func() { wsink += ReadVec(a) })
		})
	}
}
