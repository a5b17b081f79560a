package rng

import (
	"math"
	"math/big"
	"testing"
)

// Vectors quoted in docs/spec/core.md §4, produced by numpy 1.24.2.
func TestSeed42Vectors(t *testing.T) {
	g := New(42)
	s := g.State()
	if s.StateBig().Text(16) != "cea44f6798798f2aacbc7c9d68860ac8" || s.IncBig().Text(16) != "fa505436c9a8416e66caf2e28d25abff" {
		t.Fatalf("seed 42 state = %x / %x", s.StateBig(), s.IncBig())
	}
	for i, want := range []uint64{0xc621fbcd16d92688, 0x705a5661a791ffc1, 0xdbcd12c26eda1624} {
		if got := g.Uint64(); got != want {
			t.Errorf("raw[%d] = %#x, want %#x", i, got, want)
		}
	}
	g = New(42)
	for i, want := range []float64{0.7739560485559633, 0.4388784397520523, 0.8585979199113825} {
		if got := g.Random(); got != want {
			t.Errorf("random[%d] = %v, want %v", i, got, want)
		}
	}
	g = New(42)
	for i, want := range []float64{0.30471707975443135, -1.0399841062404955, 0.7504511958064572, 0.9405647163912139, -1.9510351886538364} {
		if got := g.StandardNormal(); got != want {
			t.Errorf("standard_normal[%d] = %v, want %v", i, got, want)
		}
	}
	g = New(42)
	for i, want := range []float64{-0.06847641460122784, -0.07519992053120249, -0.06624774402096772} {
		if got := g.Normal(-0.07, 0.005); got != want {
			t.Errorf("normal[%d] = %v, want %v", i, got, want)
		}
	}
	g = New(42)
	for i, want := range []float64{0.07739560485559634, 0.04388784397520523, 0.08585979199113825} {
		if got := g.Uniform(0, 0.1); got != want {
			t.Errorf("uniform[%d] = %v, want %v", i, got, want)
		}
	}
}

func TestIntegersVectors(t *testing.T) {
	for _, c := range []struct {
		seed uint64
		high int64
		want []int64
	}{
		{42, 64, []int64{5, 49, 41, 28, 27, 54}},
		{42, 100, []int64{8, 77, 65, 43, 43, 85}},
		{0, 64, []int64{54, 40, 32, 17, 19, 2}},
	} {
		g := New(c.seed)
		for i, w := range c.want {
			if got := g.Integers(0, c.high); got != w {
				t.Errorf("seed %d integers(0,%d)[%d] = %d, want %d", c.seed, c.high, i, got, w)
			}
		}
	}
}

// The 32-bit buffer persists across other methods: integers, random, integers uses the high
// half of the word drawn for the first integer.
func TestUint32BufferSurvivesOtherDraws(t *testing.T) {
	a := New(7)
	a.Integers(0, 64)
	a.Random()
	second := a.Integers(0, 1<<32)

	b := New(7)
	w := b.Uint64()
	if second != int64(w>>32) {
		t.Fatalf("second integer = %d, want high half %d", second, w>>32)
	}
}

func TestIntegersNoDrawForSingleValue(t *testing.T) {
	g := New(1)
	before := g.State()
	if v := g.Integers(50, 51); v != 50 {
		t.Fatalf("Integers(50,51) = %d", v)
	}
	if g.State() != before {
		t.Fatal("Integers with a one-value range consumed a draw")
	}
}

// Slow-path events of seed 42 quoted in the spec: index → value.
func TestZigguratSlowPaths(t *testing.T) {
	want := map[int]float64{41: 0.543154268305195, 154: -0.05378255081832049, 194: -1.107045682043488, 213: -0.4841694333335785}
	g := New(42)
	for i := 0; i <= 213; i++ {
		v := g.StandardNormal()
		if w, ok := want[i]; ok && v != w {
			t.Errorf("standard_normal[%d] = %v, want %v", i, v, w)
		}
	}
}

func TestChoiceFloydVector(t *testing.T) {
	got, err := New(0).ChoiceNoReplace(1500, 150)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []int64{1125, 1194, 1179, 7, 595, 364, 30, 442} {
		if got[i] != w {
			t.Fatalf("choice[%d] = %d, want %d (prefix %v)", i, got[i], w, got[:8])
		}
	}
	seen := map[int64]bool{}
	for _, v := range got {
		if v < 0 || v >= 1500 || seen[v] {
			t.Fatalf("choice produced %d twice or out of range", v)
		}
		seen[v] = true
	}
}

func TestChoiceErrors(t *testing.T) {
	g := New(0)
	if _, err := g.ChoiceNoReplace(5, 6); err == nil {
		t.Error("k > n accepted")
	}
	if _, err := g.ChoiceNoReplace(-1, 0); err == nil {
		t.Error("negative population accepted")
	}
	if out, err := g.ChoiceNoReplace(5, 0); err != nil || len(out) != 0 {
		t.Errorf("k = 0: %v %v", out, err)
	}
}

func TestSeedsBeyond64Bits(t *testing.T) {
	// Seeds of any size: the words beyond the pool are mixed in, so 2^64+11 and 11 differ.
	big1 := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(11))
	g, err := NewBig(big1)
	if err != nil {
		t.Fatal(err)
	}
	if g.State() == New(11).State() {
		t.Fatal("2^64+11 seeded like 11")
	}
	ss, _ := NewSeedSequence(big1)
	if len(ss.Entropy) != 3 || ss.Entropy[0] != 11 || ss.Entropy[2] != 1 {
		t.Fatalf("entropy words = %v", ss.Entropy)
	}
	// A uint64 seed and the same value as a big.Int seed the same way.
	g2, _ := NewBig(new(big.Int).SetUint64(1<<32 + 7))
	if g2.State() != New(1<<32+7).State() {
		t.Fatal("uint64 and big.Int seeding differ")
	}
	if _, err := NewBig(big.NewInt(-1)); err == nil {
		t.Fatal("negative seed accepted")
	}
}

func TestStateRoundTrip(t *testing.T) {
	g := New(3)
	g.Integers(0, 10)
	s := g.State()
	a := g.Random()
	g.SetState(s)
	if b := g.Random(); a != b {
		t.Fatalf("after SetState: %v != %v", b, a)
	}
}

func TestLemire64AndFullRange(t *testing.T) {
	g := New(5)
	for range 1000 {
		v := g.Integers(0, 1<<40)
		if v < 0 || v >= 1<<40 {
			t.Fatalf("out of range: %d", v)
		}
		w := g.IntegersClosed(math.MinInt64, math.MaxInt64)
		_ = w // the full range takes the raw 64-bit path; any value is valid
		n := g.Integers(-5, 5)
		if n < -5 || n >= 5 {
			t.Fatalf("out of range: %d", n)
		}
	}
}

func BenchmarkStandardNormal(b *testing.B) {
	g := New(42)
	for b.Loop() {
		g.StandardNormal()
	}
}

func BenchmarkRandom(b *testing.B) {
	g := New(42)
	for b.Loop() {
		g.Random()
	}
}

func BenchmarkFillNormal4096(b *testing.B) {
	g := New(42)
	dst := make([]float64, 4096)
	for b.Loop() {
		g.FillNormal(dst, 0, 0.02)
	}
}

func TestSkipEqualsDraws(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 63, 64, 1000, 12345} {
		a, b := New(42), New(42)
		a.Integers(0, 10) // leave a buffered half behind: Skip must keep it
		b.Integers(0, 10)
		for range n {
			a.Uint64()
		}
		b.Skip(n)
		if a.State() != b.State() {
			t.Fatalf("Skip(%d): state %+v, want %+v", n, b.State(), a.State())
		}
	}
}

// TestFromStateContinuesStream checks that a generator rebuilt from another's state draws
// what the original would have drawn next, including a buffered 32-bit half.
func TestFromStateContinuesStream(t *testing.T) {
	a := New(42)
	a.Random()
	a.Uint32() // leaves the upper half buffered
	b := FromState(a.State())
	if !b.State().HasUint32 {
		t.Fatal("FromState lost the buffered 32-bit half")
	}
	for i := 0; i < 5; i++ {
		if x, y := a.Uint32(), b.Uint32(); x != y {
			t.Fatalf("draw %d: original %d, rebuilt %d", i, x, y)
		}
		if x, y := a.Random(), b.Random(); x != y {
			t.Fatalf("draw %d: original %v, rebuilt %v", i, x, y)
		}
	}
}
