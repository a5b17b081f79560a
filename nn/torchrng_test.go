package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestMT19937KnownVectors checks at::mt19937 against std::mt19937's published outputs: the
// C++ standard's check value (default seed 5489, 10000th output 4123659995), the first
// outputs for seeds 5489 and 0, and the 32-bit truncation of the seed (init_with_uint32).
func TestMT19937KnownVectors(t *testing.T) {
	m := NewMT19937(5489)
	if v := m.Uint32(); v != 3499211612 {
		t.Errorf("seed 5489: first output %d, want 3499211612", v)
	}
	m = NewMT19937(5489)
	var v uint32
	for range 10000 {
		v = m.Uint32()
	}
	if v != 4123659995 {
		t.Errorf("seed 5489: 10000th output %d, want 4123659995", v)
	}
	want0 := []uint32{2357136044, 2546248239, 3071714933, 3626093760, 2588848963}
	for _, seed := range []uint64{0, 1 << 32, 0xdeadbeef00000000} {
		m := NewMT19937(seed)
		for i, w := range want0 {
			if v := m.Uint32(); v != w {
				t.Errorf("seed %#x: output %d = %d, want %d", seed, i, v, w)
			}
		}
		if m.InitialSeed() != seed {
			t.Errorf("initial seed %#x, want %#x", m.InitialSeed(), seed)
		}
	}
}

// TestTorchGeneratorWords: random64 takes the first engine output as its high word, and
// random_() on int64 keeps it modulo 2^63.
func TestTorchGeneratorWords(t *testing.T) {
	g, m := NewTorchGenerator(7), NewMT19937(7)
	for range 1000 {
		hi, lo := m.Uint32(), m.Uint32()
		want := uint64(hi)<<32 | uint64(lo)
		if got := g.Random64(); got != want {
			t.Fatalf("random64 %#x, want %#x", got, want)
		}
	}
	g, m = NewTorchGenerator(9), NewMT19937(9)
	for range 1000 {
		hi, lo := m.Uint32(), m.Uint32()
		want := int64((uint64(hi)<<32 | uint64(lo)) &^ (1 << 63))
		if got := g.RandomInt64(); got != want || got < 0 {
			t.Fatalf("random_() %d, want %d", got, want)
		}
	}
	if NewTorchGenerator(TorchDefaultSeed).InitialSeed() != 67280421310721 {
		t.Error("initial seed")
	}
}

// TestTorchRandKnownValues: torch.manual_seed(s); torch.rand(3) as printed by torch
// (4 decimals): seed 0 → [0.4963, 0.7682, 0.0885], seed 42 → [0.8823, 0.9150, 0.3829].
func TestTorchRandKnownValues(t *testing.T) {
	for seed, want := range map[uint64][]float64{0: {0.4963, 0.7682, 0.0885}, 42: {0.8823, 0.9150, 0.3829}} {
		for _, fma := range []bool{false, true} {
			g := NewTorchGenerator(seed)
			g.FMA = fma
			for i, w := range want {
				if v := g.UniformFloat32(0, 1); math.Abs(float64(v)-w) > 5e-5 {
					t.Errorf("seed %d fma %v: rand[%d] = %v, torch prints %v", seed, fma, i, v, w)
				}
			}
		}
	}
	// On [0, 1) the float32 kernel is (bits & 0xffffff)/2^24 exactly.
	g, m := NewTorchGenerator(3), NewMT19937(3)
	for range 1000 {
		want := float32(m.Uint32()&0xffffff) / (1 << 24)
		if v := g.UniformFloat32(0, 1); v != want {
			t.Fatalf("rand %v, want %v", v, want)
		}
	}
}

// circleModelState is the state_dict printed (4 decimals) by a public notebook after
// torch.manual_seed(42) and nn.Linear(2, 10), nn.Linear(10, 10), nn.Linear(10, 1) (the
// "CircleModelV1" of the learnpytorch.io course, 02_pytorch_classification): weights then
// biases, layer by layer.
var circleModelState = [][]float64{
	{0.5406, 0.5869, -0.1657, 0.6496, -0.1549, 0.1427, -0.3443, 0.4153, 0.6233, -0.5188,
		0.6146, 0.1323, 0.5224, 0.0958, 0.3410, -0.0998, 0.5451, 0.1045, -0.3301, 0.1802},
	{-0.3258, -0.0829, -0.2872, 0.4691, -0.5582, -0.3260, -0.1997, -0.4252, 0.0667, -0.6984},
	{0.2856, -0.2686, 0.2441, 0.0526, -0.1027, 0.1954, 0.0493, 0.2555, 0.0346, -0.0997,
		0.0850, -0.0858, 0.1331, 0.2823, 0.1828, -0.1382, 0.1825, 0.0566, 0.1606, -0.1927,
		-0.3130, -0.1222, -0.2426, 0.2595, 0.0911, 0.1310, 0.1000, -0.0055, 0.2475, -0.2247,
		0.0199, -0.2158, 0.0975, -0.1089, 0.0969, -0.0659, 0.2623, -0.1874, -0.1886, -0.1886,
		0.2844, 0.1054, 0.3043, -0.2610, -0.3137, -0.2474, -0.2127, 0.1281, 0.1132, 0.2628,
		-0.1633, -0.2156, 0.1678, -0.1278, 0.1919, -0.0750, 0.1809, -0.2457, -0.1596, 0.0964,
		0.0669, -0.0806, 0.1885, 0.2150, -0.2293, -0.1688, 0.2896, -0.1067, -0.1121, -0.3060,
		-0.1811, 0.0790, -0.0417, -0.2295, 0.0074, -0.2160, -0.2683, -0.1741, -0.2768, -0.2014,
		0.3161, 0.0597, 0.0974, -0.2949, -0.2077, -0.1053, 0.0494, -0.2783, -0.1363, -0.1893,
		0.0009, -0.1177, -0.0219, -0.2143, -0.2171, -0.1845, -0.1082, -0.2496, 0.2651, -0.0628},
	{0.2721, 0.0985, -0.2678, 0.2188, -0.0870, -0.1212, -0.2625, -0.3144, 0.0905, -0.0691},
	{0.1231, -0.2595, 0.2348, -0.2321, -0.0546, 0.0661, 0.1633, 0.2553, 0.2881, -0.2507},
	{0.0796},
}

// TestResetParametersMatchesTorch replays torch's Linear initialisation against printed
// torch outputs: the 141 parameters of circleModelState, and nn.Linear(1, 1) after
// torch.manual_seed(42) (weight 0.7645, bias 0.8300, learnpytorch.io 01_pytorch_workflow).
func TestResetParametersMatchesTorch(t *testing.T) {
	for _, fma := range []bool{false, true} {
		g := NewTorchGenerator(42)
		g.FMA = fma
		for l, dims := range [][2]int{{2, 10}, {10, 10}, {10, 1}} {
			d, err := NewDense[float32](dims[0], dims[1])
			if err != nil {
				t.Fatal(err)
			}
			d.ResetParameters(g)
			for k, got := range [][]float32{d.W, d.B} {
				want := circleModelState[2*l+k]
				if len(got) != len(want) {
					t.Fatalf("layer %d: %d values, want %d", l, len(got), len(want))
				}
				for i, w := range want {
					if math.Abs(float64(got[i])-w) > 5.0001e-5 {
						t.Errorf("fma %v layer %d tensor %d [%d] = %.6f, torch printed %.4f", fma, l, k, i, got[i], w)
					}
				}
			}
		}
		g = NewTorchGenerator(42)
		g.FMA = fma
		d, _ := NewDense[float32](1, 1)
		d.ResetParameters(g)
		if math.Abs(float64(d.W[0])-0.7645) > 5e-5 || math.Abs(float64(d.B[0])-0.8300) > 5e-5 {
			t.Errorf("Linear(1,1): %v %v, torch printed 0.7645 0.8300", d.W, d.B)
		}
	}
}

// TestResetParametersDraws: one random() per float32 value (random64() per float64 value),
// weight before bias in C order, within the kaiming/bias bounds; the uniform transformation
// is the kernel's, with from/to rounded to float32 first.
func TestResetParametersDraws(t *testing.T) {
	for _, fma := range []bool{false, true} {
		g := NewTorchGenerator(5)
		g.FMA = fma
		m := NewMT19937(5)
		d, _ := NewDense[float32](32, 16)
		d.ResetParameters(g)
		bw, bb := linearBounds(32)
		for i, v := range d.W {
			want := uniformReal32(m.Uint32(), float32(-bw), float32(bw), fma)
			if v != want || math.Abs(float64(v)) > bw {
				t.Fatalf("W[%d] = %v, want %v within ±%v", i, v, want, bw)
			}
		}
		for i, v := range d.B {
			want := uniformReal32(m.Uint32(), float32(-bb), float32(bb), fma)
			if v != want || math.Abs(float64(v)) > bb {
				t.Fatalf("B[%d] = %v, want %v within ±%v", i, v, want, bb)
			}
		}
		if g.Random() != m.Uint32() {
			t.Error("float32 layer consumed the wrong number of draws")
		}
		d64, _ := NewDense[float64](4, 3)
		g64, m64 := NewTorchGenerator(6), NewMT19937(6)
		d64.ResetParameters(g64)
		for range d64.NumParams() {
			m64.Uint32()
			m64.Uint32()
		}
		if g64.Random() != m64.Uint32() || math.Abs(d64.W[0]) > 0.5 {
			t.Error("float64 layer: want one random64() per value")
		}
	}
	// The two bounds of a Linear agree to an ulp in float64 and give the same float32 here.
	for _, fan := range []int{1, 2, 4, 16, 32} {
		bw, bb := linearBounds(fan)
		if math.Abs(bw-bb) > 2e-16*bb {
			t.Errorf("fan_in %d: bounds %v %v", fan, bw, bb)
		}
	}
}

// TestUniformFMA: the fused form rounds x·(to − from) + from once; the unfused form rounds
// the product first (within an ulp of to − from of the exact value); both agree when the
// product is exact (power-of-two ranges).
func TestUniformFMA(t *testing.T) {
	m := NewMT19937(11)
	from, to := float32(-1/math.Sqrt(32)), float32(1/math.Sqrt(32))
	differ := 0
	for range 100000 {
		v := m.Uint32()
		a, b := uniformReal32(v, from, to, false), uniformReal32(v, from, to, true)
		x := float64(v&0xffffff) / (1 << 24)
		exactV := x*float64(to-from) + float64(from)
		if float32(exactV) != b {
			t.Fatalf("fused %v, want %v", b, float32(exactV))
		}
		if a != b {
			differ++
			// Unfused: the product's rounding (half an ulp of |to − from| at most) plus the sum's.
			r := to - from
			if ulp := float64(math.Nextafter32(r, 2*r) - r); math.Abs(float64(a)-exactV) > ulp {
				t.Fatalf("unfused %v is %g from the exact %v", a, math.Abs(float64(a)-exactV), exactV)
			}
		}
		if uniformReal32(v, -0.5, 0.5, false) != uniformReal32(v, -0.5, 0.5, true) {
			t.Fatal("power-of-two range: forms differ")
		}
	}
	t.Logf("bound 1/√32: %d of 100000 draws differ between the unfused and fused kernels", differ)
}

// TestRandperm: torch.randperm(n) on the CPU — a permutation, forward Fisher–Yates with one
// random() per position but the last, uniform over positions.
func TestRandperm(t *testing.T) {
	g := NewTorchGenerator(42)
	p, err := g.Randperm(10)
	if err != nil {
		t.Fatal(err)
	}
	// torch.manual_seed(42); torch.randperm(10) (regression value of this port; it is the
	// output commonly quoted for torch).
	if want := []int{2, 6, 1, 8, 4, 5, 0, 9, 3, 7}; !slices.Equal(p, want) {
		t.Errorf("randperm(10) = %v, want %v", p, want)
	}
	// Replay of the algorithm and of the number of draws.
	g, m := NewTorchGenerator(3), NewMT19937(3)
	p, _ = g.Randperm(16)
	r := make([]int, 16)
	for i := range r {
		r[i] = i
	}
	for i := range 15 {
		z := int(m.Uint32() % uint32(16-i))
		r[i], r[i+z] = r[i+z], r[i]
	}
	if !slices.Equal(p, r) || g.Random() != m.Uint32() {
		t.Errorf("randperm(16) = %v, replay %v", p, r)
	}
	s := slices.Clone(p)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			t.Fatalf("%v is not a permutation", p)
		}
	}
	var seen [4][4]int
	for range 4000 {
		q, _ := g.Randperm(4)
		for i, v := range q {
			seen[i][v]++
		}
	}
	for i := range seen {
		for v, c := range seen[i] {
			if c < 800 || c > 1200 {
				t.Errorf("position %d held %d %d times of 4000", i, v, c)
			}
		}
	}
	g, m = NewTorchGenerator(1), NewMT19937(1)
	for _, n := range []int{0, 1} {
		if q, err := g.Randperm(n); err != nil || len(q) != n {
			t.Errorf("randperm(%d) = %v, %v", n, q, err)
		}
	}
	if g.Random() != m.Uint32() {
		t.Error("randperm(0) and randperm(1) draw nothing")
	}
	if _, err := g.Randperm(-1); err == nil {
		t.Error("negative n accepted")
	}
	if _, err := g.Randperm(math.MaxUint32 / 20); err == nil {
		t.Error("large n accepted")
	}
}

// TestDataLoaderEpoch: each epoch takes _base_seed then the sampler's seed from the global
// generator (two random64()), and the order is randperm(n) of a generator seeded with the
// second.
func TestDataLoaderEpoch(t *testing.T) {
	g, m := NewTorchGenerator(42), NewMT19937(42)
	for range 3 {
		order, err := g.DataLoaderEpoch(16)
		if err != nil {
			t.Fatal(err)
		}
		m.Uint32()
		m.Uint32()
		hi, lo := m.Uint32(), m.Uint32()
		local := NewTorchGenerator((uint64(hi)<<32 | uint64(lo)) &^ (1 << 63))
		want, _ := local.Randperm(16)
		if !slices.Equal(order, want) {
			t.Fatalf("epoch order %v, want %v", order, want)
		}
	}
	if g.Random() != m.Uint32() {
		t.Error("an epoch draws four 32-bit outputs from the global generator")
	}
}

// TestTorchNetworkInit: the default network takes 5985 draws from torch's generator, layer by
// layer in creation order, weight before bias.
func TestTorchNetworkInit(t *testing.T) {
	g := NewTorchGenerator(42)
	net, err := NewTorchNetwork[float32](DefaultNetConfig(), g)
	if err != nil {
		t.Fatal(err)
	}
	replay := NewTorchGenerator(42)
	for _, p := range net.Params() {
		fanIn := DefaultHiddenDim
		switch {
		case strings.HasPrefix(p.Name, "input_proj"):
			fanIn = DefaultInputDim
		case strings.HasPrefix(p.Name, "net.4"):
			fanIn = DefaultHiddenDim / 2
		}
		bw, bb := linearBounds(fanIn)
		bound := bw
		if strings.HasSuffix(p.Name, ".bias") {
			bound = bb
		}
		for i, v := range p.Value {
			if want := replay.UniformFloat32(-bound, bound); v != want {
				t.Fatalf("%s[%d] = %v, want %v", p.Name, i, v, want)
			}
		}
	}
	if g.Random() != replay.Random() {
		t.Error("draw count differs from the parameter count")
	}
	if _, err := NewTorchNetwork[float32](DefaultNetConfig(), nil); err == nil {
		t.Error("nil generator accepted")
	}
}

// referenceValidationLosses are torch_dependent_metrics of golden validation.json.
var referenceValidationLosses = []struct {
	seed                int64
	epochs, grid, steps int
	turing              bool
	start, final        float64
}{
	{42, 1, 64, 64, true, 2.432785749435425, 1.7958468198776245},
	{42, 5, 64, 64, true, 2.432785749435425, 0.24971795082092285},
	{0, 1, 32, 32, true, 2.5248215198516846, 2.1219873428344727},
	{1, 1, 16, 20, false, 1.8880231380462646, 1.1982362270355225},
}

// TestRunValidationFollowsTorch: with torch's initialisation and batch order the losses agree
// with the reference's to a few float32 ulps (2.3e-7 relative at worst on these configs); the
// limit is TorchLossTolerance, which conformance uses too.
func TestRunValidationFollowsTorch(t *testing.T) {
	for _, c := range referenceValidationLosses {
		cfg := DefaultValidationConfig()
		cfg.Seed, cfg.Epochs, cfg.GridSize, cfg.Steps, cfg.TuringEnabled = c.seed, c.epochs, c.grid, c.steps, c.turing
		m, err := RunValidation(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range [][3]float64{{m.LossStart, c.start}, {m.LossFinal, c.final}} {
			ulps := int64(math.Float32bits(float32(v[0]))) - int64(math.Float32bits(float32(v[1])))
			t.Logf("seed %d epochs %d grid %d: %.9g vs reference %.9g (%+d ulp, rel %.2g)",
				c.seed, c.epochs, c.grid, v[0], v[1], ulps, (v[0]-v[1])/v[1])
			if math.Abs(v[0]-v[1]) > TorchLossTolerance*math.Abs(v[1]) {
				t.Errorf("seed %d epochs %d: loss %v, reference %v", c.seed, c.epochs, v[0], v[1])
			}
		}
	}
	// The reference CLI's report (spec §13.3/§13.4) line for line, losses included.
	want := map[int][3]string{1: {"2.432786", "1.795847", "0.636939"}, 5: {"2.432786", "0.249718", "2.183068"}}
	for epochs, w := range want {
		cfg := DefaultValidationConfig()
		cfg.Epochs = epochs
		m, err := RunValidation(cfg)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(m.Text(), "\n")
		for i, key := range []string{"loss_start", "loss_final", "loss_drop"} {
			if exp := fmt.Sprintf("%-24s:  %s", key, w[i]); lines[1+i] != exp {
				t.Errorf("epochs %d: %q, reference CLI %q", epochs, lines[1+i], exp)
			}
		}
	}
}

// TestTrainingAnchor compares run_validation(seed = s, epochs = 5), s = 0..9, with the
// reference's table (docs/spec/reference-timings.md, "Training anchor", 6 decimals): every loss drops,
// every value agrees to the printed digits (half a unit of the 6th decimal plus a few float32
// ulps), and the mean final loss is the reference's 0.1753.
func TestTrainingAnchor(t *testing.T) {
	if testing.Short() {
		t.Skip("10 validation runs")
	}
	ref := [10][2]float64{
		{2.513384, 0.617655}, {1.896929, 0.114868}, {1.748249, 0.090402}, {2.384851, 0.000781},
		{1.988408, 0.513743}, {2.374597, 0.044768}, {1.848988, 0.137605}, {1.669214, 0.109302},
		{2.217246, 0.021692}, {2.161915, 0.101793},
	}
	var sum float64
	t.Logf("seed | loss_start ours / reference | loss_final ours / reference")
	for seed := range int64(10) {
		cfg := DefaultValidationConfig()
		cfg.Seed, cfg.Epochs = seed, 5
		m, err := RunValidation(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := ref[seed]
		t.Logf("%4d | %.6f / %.6f | %.6f / %.6f", seed, m.LossStart, r[0], m.LossFinal, r[1])
		if !(m.LossDrop > 0) {
			t.Errorf("seed %d: loss did not drop (%v → %v)", seed, m.LossStart, m.LossFinal)
		}
		if math.Abs(m.LossStart-r[0]) > 1e-6 || math.Abs(m.LossFinal-r[1]) > 1e-6 {
			t.Errorf("seed %d: %.9f → %.9f, reference %.6f → %.6f", seed, m.LossStart, m.LossFinal, r[0], r[1])
		}
		sum += m.LossFinal
	}
	mean := sum / 10
	t.Logf("mean loss_final %.6f (reference 0.1753)", mean)
	if math.Abs(mean-0.1753) > 1e-4 {
		t.Errorf("mean final loss %.6f, reference 0.1753", mean)
	}
}
