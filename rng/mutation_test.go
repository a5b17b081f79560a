package rng

// Assertions found missing by mutation testing (gremlins, docs/quality.md): each compares
// the exported API with numpy 1.24.2 (Debian's python3-numpy), bit for bit, on paths the
// seed-42 vectors of rng_test.go do not reach. Every expected value below was printed by the
// numpy expression in its comment.

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

// uniform(low, high) with low ≠ 0: kills mutants of high − low and of low + span·u.
func TestUniformNonZeroLowMatchesNumpy(t *testing.T) {
	// np.random.default_rng(42).uniform(-2.5, 3.0, 4)
	want := []float64{1.7567582670577986, -0.08616858136371208, 2.222288559512603, 1.3355241598265013}
	g := New(42)
	for i, w := range want {
		if got := g.Uniform(-2.5, 3.0); got != w {
			t.Errorf("uniform(-2.5, 3)[%d] = %v, want %v", i, got, w)
		}
	}
	// np.random.default_rng(7).uniform(1.5, 4.0, 4)
	want = []float64{3.0627386665116676, 3.7430345024239386, 3.439214225612984, 2.0630179749764794}
	dst := make([]float64, len(want))
	New(7).FillUniform(dst, 1.5, 4.0)
	if !slices.Equal(dst, want) {
		t.Errorf("FillUniform(1.5, 4) = %v, want %v", dst, want)
	}
}

func TestFillNormalAndFillRandomMatchNumpy(t *testing.T) {
	// np.random.default_rng(42).normal(1.5, 2.0, 4)
	want := []float64{2.109434159508863, -0.5799682124809911, 3.0009023916129145, 3.3811294327824277}
	dst := make([]float64, len(want))
	New(42).FillNormal(dst, 1.5, 2.0)
	if !slices.Equal(dst, want) {
		t.Errorf("FillNormal(1.5, 2) = %v, want %v", dst, want)
	}
	// np.random.default_rng(42).random(4)
	want = []float64{0.7739560485559633, 0.4388784397520523, 0.8585979199113825, 0.6973680290593639}
	New(42).FillRandom(dst)
	if !slices.Equal(dst, want) {
		t.Errorf("FillRandom = %v, want %v", dst, want)
	}
}

// The ziggurat's tail (layer 0, |x| > r ≈ 3.654): values only that path produces, and a draw
// after the last of them, which shows whether the tail consumed numpy's number of draws.
func TestZigguratTailMatchesNumpy(t *testing.T) {
	// z = np.random.default_rng(42).standard_normal(200_000)
	// idx = np.nonzero(np.abs(z) > 3.6541528853610087)[0][:12]; z[idx]; z[42666]
	want := map[int]float64{5627: -4.389114584864837, 8091: 4.0258240427272645, 11589: 4.151241397039601,
		13755: -3.887804341619664, 19173: -3.700091559090642, 27130: 3.6825095059822104,
		31674: -4.257009288247994, 33463: 3.7191514806707002, 33806: 4.087923070821299,
		38587: 4.326920740610131, 41857: -3.792257787295772, 42665: 5.0072352319089966}
	z := make([]float64, 42667)
	New(42).FillNormal(z, 0, 1)
	for i, w := range want {
		if z[i] != w {
			t.Errorf("standard_normal[%d] = %v, want %v", i, z[i], w)
		}
	}
	if z[42666] != 0.6051590488236271 {
		t.Errorf("standard_normal[42666] = %v, want 0.6051590488236271", z[42666])
	}
	for i, v := range z {
		if _, ok := want[i]; !ok && math.Abs(v) > zigguratNorR {
			t.Errorf("standard_normal[%d] = %v is in the tail; numpy's first tail draws are %v", i, v, want)
		}
	}
}

func checkInts(t *testing.T, name string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// Ranges whose Lemire rejection threshold is large, so numpy redraws often: a mutant of the
// rejection test or of the threshold changes the draws.
func TestIntegersRejectionPathsMatchNumpy(t *testing.T) {
	draw := func(seed uint64, n int, f func(g *Generator) int64) []int64 {
		g := New(seed)
		out := make([]int64, n)
		for i := range out {
			out[i] = f(g)
		}
		return out
	}
	// np.random.default_rng(42).integers(0, 2**31 + 1, 8): 32-bit Lemire, threshold 2^31 − 1.
	checkInts(t, "integers(0, 2^31+1)", draw(42, 8, func(g *Generator) int64 { return g.Integers(0, 1<<31+1) }),
		[]int64{942484272, 1843824993, 184566854, 1497586439, 432652533, 202244314, 1130604998, 1540770720})
	// np.random.default_rng(42).integers(-2**62, 2**62 + 1, 8): 64-bit Lemire, threshold 2^62 − 3.
	checkInts(t, "integers(-2^62, 2^62+1)", draw(42, 8, func(g *Generator) int64 { return g.Integers(-1<<62, 1<<62+1) }),
		[]int64{2526798557578302276, -563746889639854112, 3307482026984934162, -3743053301415296779,
			4386841898189564358, 2638477514033744800, -3430046321267873655, -1191677890399598572})
	// np.random.default_rng(42).integers(0, 2**31, 8): a power-of-two range, threshold 0.
	checkInts(t, "integers(0, 2^31)", draw(42, 8, func(g *Generator) int64 { return g.Integers(0, 1<<31) }),
		[]int64{191664964, 1662057958, 1405681632, 942484272, 929893138, 1843824993, 184566854, 1497586439})
	// np.random.default_rng(42).integers(-2**63, 2**62, 8): range 3·2^62, threshold 2^64 mod 3·2^62 = 2^62.
	checkInts(t, "integers(-2^63, 2^62)", draw(42, 8, func(g *Generator) int64 { return g.Integers(math.MinInt64, 1<<62) }),
		[]int64{-3151463343673475120, 424755131079222889, -7920422961336639120, 1307039928361923412,
			-7450912491115504434, -2992256438786896366, -4093359844813091810, 3598475387468557827})
	// np.random.default_rng(42).integers(10, 10 + 2**32, 6): the raw 32-bit word (range 2^32 − 1).
	checkInts(t, "integers(10, 10+2^32)", draw(42, 6, func(g *Generator) int64 { return g.Integers(10, 10+1<<32) }),
		[]int64{383329938, 3324115927, 2811363275, 1884968555, 1859786286, 3687649996})
	// np.random.default_rng(42).integers(-5, 2**40, 6)
	checkInts(t, "integers(-5, 2^40)", draw(42, 6, func(g *Generator) int64 { return g.Integers(-5, 1<<40) }),
		[]int64{850973674773, 482551947684, 944038396526, 766764256788, 103549089071, 1072708119942})
	// np.random.default_rng(42).integers(-7, 7, 8, endpoint=True)
	checkInts(t, "integers(-7, 7, endpoint=True)", draw(42, 8, func(g *Generator) int64 { return g.IntegersClosed(-7, 7) }),
		[]int64{-6, 4, 2, -1, -1, 5, -6, 3})
	// np.random.default_rng(42).integers(-2**63, 2**63 - 1, 3, endpoint=True): the raw 64-bit word.
	checkInts(t, "integers(min, max, endpoint=True)", draw(42, 3, func(g *Generator) int64 { return g.IntegersClosed(math.MinInt64, math.MaxInt64) }),
		[]int64{5053597115156604552, -1127493779279708223, 6614964053969868324})
	// np.random.default_rng(42).integers(3, 2**33, 6, endpoint=True)
	checkInts(t, "integers(3, 2^33, endpoint=True)", draw(42, 6, func(g *Generator) int64 { return g.IntegersClosed(3, 1<<33) }),
		[]int64{6648231835, 3769937093, 7375299974, 5990345757, 808977261, 8380532188})
	// np.random.default_rng(42).integers(0, 2**31 + 1, 8) again, through the fill method.
	dst := make([]int64, 8)
	New(42).FillIntegers(dst, 0, 1<<31+1)
	checkInts(t, "FillIntegers(0, 2^31+1)", dst,
		[]int64{942484272, 1843824993, 184566854, 1497586439, 432652533, 202244314, 1130604998, 1540770720})
	// np.random.default_rng(42).choice(37, 6)
	g := New(42)
	var ch []int64
	for range 6 {
		ch = append(ch, int64(g.Choice(37)))
	}
	checkInts(t, "choice(37, 6)", ch, []int64{3, 28, 24, 16, 16, 31})
}

// Integers(low, low) and IntegersClosed(low, low−1) are empty ranges: numpy raises
// "high <= 0" / "low > high"; here they panic. IntegersClosed(low, low) is the single value.
func TestIntegersEmptyRangeBoundaries(t *testing.T) {
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	g := New(1)
	if !panics(func() { g.Integers(5, 5) }) {
		t.Error("Integers(5, 5) did not panic")
	}
	if !panics(func() { g.IntegersClosed(5, 4) }) {
		t.Error("IntegersClosed(5, 4) did not panic")
	}
	if panics(func() { g.IntegersClosed(5, 5) }) {
		t.Error("IntegersClosed(5, 5) panicked")
	}
	if v := g.IntegersClosed(5, 5); v != 5 {
		t.Errorf("IntegersClosed(5, 5) = %d", v)
	}
}

func TestChoiceNoReplaceMatchesNumpy(t *testing.T) {
	for _, c := range []struct {
		seed uint64
		n, k int
		want []int64 // a prefix
	}{
		// np.random.default_rng(42).choice(20000, 500, replace=False)[:8]: the tail shuffle.
		{42, 20000, 500, []int64{8305, 18068, 7297, 2318, 8047, 5653, 11764, 14696}},
		// np.random.default_rng(42).choice(20000, 19990, replace=False)[:8]
		{42, 20000, 19990, []int64{5113, 17353, 13130, 18233, 12828, 2719, 7842, 14959}},
		// np.random.default_rng(5).choice(10000, 300, replace=False)[:8]: Floyd (n is not > 10000).
		{5, 10000, 300, []int64{9711, 2010, 1192, 8624, 7385, 5435, 584, 4151}},
		// np.random.default_rng(5).choice(20000, 400, replace=False)[:8]: Floyd (k is not > n // 50).
		{5, 20000, 400, []int64{7606, 8380, 15861, 16452, 1454, 3268, 6392, 10961}},
		// np.random.default_rng(5).choice(10001, 201, replace=False)[:8]: the smallest tail shuffle.
		{5, 10001, 201, []int64{1864, 720, 3343, 3971, 6788, 1542, 114, 8074}},
		// np.random.default_rng(5).choice(20000, 20000, replace=False)[:8]: shuffle down to index 1.
		{5, 20000, 20000, []int64{17125, 3062, 4614, 13641, 15244, 1299, 1861, 7093}},
		// np.random.default_rng(5).choice(0, 0, replace=False): empty.
		{5, 0, 0, []int64{}},
		// np.random.default_rng(3).choice(10, 10, replace=False): Floyd with k = n.
		{3, 10, 10, []int64{7, 6, 5, 9, 1, 8, 4, 3, 2, 0}},
		// np.random.default_rng(3).choice(100, 30, replace=False)
		{3, 100, 30, []int64{51, 13, 35, 95, 26, 96, 17, 40, 60, 41, 7, 91, 22, 64, 74, 48, 98, 6, 57, 2,
			66, 10, 39, 85, 86, 3, 45, 73, 97, 82}},
	} {
		got, err := New(c.seed).ChoiceNoReplace(c.n, c.k)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.k {
			t.Fatalf("choice(%d, %d): %d values", c.n, c.k, len(got))
		}
		checkInts(t, "choice prefix", got[:len(c.want)], c.want)
	}
}

// Skip(n) then a draw equals numpy's bit_generator.advance(n) then random_raw().
func TestSkipMatchesNumpyAdvance(t *testing.T) {
	for _, c := range []struct {
		n    uint64
		want uint64
	}{
		{1000, 0xfe35e24e0cd297a},        // b = np.random.PCG64(42); b.advance(1000); b.random_raw()
		{1<<40 + 17, 0xa401ce4534265322}, // ... b.advance(2**40 + 17) ...
	} {
		g := New(42)
		g.Skip(c.n)
		if got := g.Uint64(); got != c.want {
			t.Errorf("Skip(%d) then Uint64 = %#x, want %#x", c.n, got, c.want)
		}
	}
}

func TestSeedSequenceMatchesNumpy(t *testing.T) {
	seed := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 200), big.NewInt(12345))
	ss, err := NewSeedSequence(seed) // seven 32-bit words: more than the pool holds
	if err != nil {
		t.Fatal(err)
	}
	// np.random.SeedSequence(2**200 + 12345).pool
	if want := [4]uint32{0x5e10c966, 0x639f92e, 0xb0652b81, 0x6dfac273}; ss.Pool != want {
		t.Errorf("pool = %#x, want %#x", ss.Pool, want)
	}
	// np.random.SeedSequence(2**200 + 12345).generate_state(8, np.uint32)
	want32 := []uint32{0x37eb5a28, 0x480128f2, 0x9452ba76, 0x18bce3f6, 0x1d66d9e5, 0x61540ee7, 0x28376a83, 0x465ab540}
	if got := ss.GenerateState32(8); !slices.Equal(got, want32) {
		t.Errorf("generate_state(8, uint32) = %#x, want %#x", got, want32)
	}
	ss, _ = NewSeedSequence(new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(11)))
	// np.random.SeedSequence(2**64 + 11).generate_state(3, np.uint64)
	want64 := []uint64{0xf6dbaa91c7b12d0b, 0xf6bbdcbe0b441cb9, 0x2c9b98c16ba6c56c}
	if got := ss.GenerateState64(3); !slices.Equal(got, want64) {
		t.Errorf("generate_state(3, uint64) = %#x, want %#x", got, want64)
	}
	for _, c := range []struct {
		seed uint64
		want [4]uint32
	}{
		{0, [4]uint32{0xfe40eb07, 0x4f363a36, 0x4eb2009d, 0xc89a7aa7}},         // SeedSequence(0).pool
		{1<<32 + 5, [4]uint32{0x73d34ef0, 0xda919992, 0x5c469880, 0x2789f14b}}, // SeedSequence(2**32 + 5).pool
	} {
		if got := SeedSequenceUint64(c.seed).Pool; got != c.want {
			t.Errorf("SeedSequence(%d).pool = %#x, want %#x", c.seed, got, c.want)
		}
		// The same seed as a big integer (0 is a valid seed, not a negative one).
		ss, err := NewSeedSequence(new(big.Int).SetUint64(c.seed))
		if err != nil || ss.Pool != c.want {
			t.Errorf("NewSeedSequence(%d) = %v, %v; want pool %#x", c.seed, ss, err, c.want)
		}
	}
}
