package rng

import (
	"math"
	"testing"
)

// The batch fill must give the scalar ziggurat's values bit for bit and leave the generator
// where the scalar calls leave it, for every length (odd and even ends, slow paths at either
// chain) and with a buffered 32-bit half that it must not touch.
func TestFillStandardNormalEqualsScalar(t *testing.T) {
	bothPaths(t, testFillStandardNormalEqualsScalar)
}

// bothPaths runs f with the assembly batch path (where there is one) and with the Go path.
func bothPaths(t *testing.T, f func(t *testing.T)) {
	t.Run("default", f)
	if useZigAsm {
		t.Run("go", func(t *testing.T) {
			setZigAsm(false)
			defer setZigAsm(true)
			f(t)
		})
	}
}

func testFillStandardNormalEqualsScalar(t *testing.T) {
	lengths := []int{0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 255, 256, 257, 1000, 4096, 20001}
	for seed := uint64(0); seed < 6; seed++ {
		for _, n := range lengths {
			a, b := New(seed), New(seed)
			if seed%2 == 1 { // leave a buffered half behind
				a.Uint32()
				b.Uint32()
			}
			got := make([]float64, n)
			a.FillStandardNormal(got)
			for i := range got {
				want := b.StandardNormal()
				if math.Float64bits(got[i]) != math.Float64bits(want) {
					t.Fatalf("seed %d len %d: [%d] = %v, scalar %v", seed, n, i, got[i], want)
				}
			}
			if a.State() != b.State() {
				t.Fatalf("seed %d len %d: state after fill %+v, after scalar %+v", seed, n, a.State(), b.State())
			}
			if x, y := a.Uint64(), b.Uint64(); x != y {
				t.Fatalf("seed %d len %d: next raw %#x vs %#x", seed, n, x, y)
			}
		}
	}
}

// Many short fills in a row hit the slow path at every position of the chains.
func TestFillStandardNormalChunks(t *testing.T) { bothPaths(t, testFillStandardNormalChunks) }

func testFillStandardNormalChunks(t *testing.T) {
	a, b := New(7), New(7)
	buf := make([]float64, 13)
	slow := 0
	for range 20000 {
		a.FillStandardNormal(buf)
		for i := range buf {
			before := b.State()
			want := b.StandardNormal()
			if s := b.State(); s.StateLo != stepState(before).StateLo {
				slow++
			}
			if math.Float64bits(buf[i]) != math.Float64bits(want) {
				t.Fatalf("value %v, scalar %v", buf[i], want)
			}
		}
	}
	if a.State() != b.State() {
		t.Fatal("states differ after chunked fills")
	}
	if slow < 1000 {
		t.Fatalf("only %d draws took more than one raw output; the test does not reach the slow paths", slow)
	}
}

// stepState is s after one LCG step.
func stepState(s State) State {
	g := &Generator{}
	g.SetState(s)
	g.Uint64()
	return g.State()
}

func TestFillNormalAffine(t *testing.T) { bothPaths(t, testFillNormalAffine) }

func testFillNormalAffine(t *testing.T) {
	a, b := New(42), New(42)
	got := make([]float64, 777)
	a.FillNormal(got, -0.07, 0.005)
	for i := range got {
		if want := b.Normal(-0.07, 0.005); got[i] != want {
			t.Fatalf("[%d] = %v, want %v", i, got[i], want)
		}
	}
}

func BenchmarkFillStandardNormal4096(b *testing.B) {
	g := New(42)
	dst := make([]float64, 4096)
	for b.Loop() {
		g.FillStandardNormal(dst)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dst)), "ns/normal")
}

// BenchmarkStandardNormalLoop4096 is the scalar path over the same count, for the ratio.
func BenchmarkStandardNormalLoop4096(b *testing.B) {
	g := New(42)
	dst := make([]float64, 4096)
	for b.Loop() {
		for i := range dst {
			dst[i] = g.StandardNormal()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dst)), "ns/normal")
}
