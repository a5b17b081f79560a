package nn

// torch 1.13's CPU random streams, as far as run_validation uses them: the default
// CPUGeneratorImpl (at::mt19937) seeded by torch.manual_seed, tensor.uniform_ on float32 and
// float64 CPU tensors (nn.Linear.reset_parameters), random_() on an int64 scalar, torch.randperm
// on the CPU and the per-epoch order of DataLoader(shuffle=True) with num_workers=0.
//
// Sources (pytorch/pytorch; the code has been stable from 1.6 to 2.x in every piece used here):
//   - aten/src/ATen/core/MT19937RNGEngine.h: mt19937_engine — init_with_uint32 keeps
//     seed & 0xffffffff, the standard MT19937 recurrence (Cokus/Wada variant with left_/next_)
//     and tempering.
//   - aten/src/ATen/CPUGeneratorImpl.cpp: set_current_seed (torch.manual_seed /
//     Generator.manual_seed) clears the cached float/double normal samples and replaces the
//     engine with mt19937(seed); random() is one engine output; random64() is
//     make64BitsFrom32Bits(hi = first output, lo = second output).
//   - aten/src/ATen/core/DistributionsHelper.h: uniform_real_distribution<T> draws random() for
//     float and random64() for double; uniform_int_distribution<int64_t> draws random64().
//   - aten/src/ATen/core/TransformationHelper.h: uniform_real(val, from, to) =
//     (val & (2^digits − 1)) · 2^−digits · (to − from) + from in dist_acctype<T> (float for
//     float, double for double; digits = 24 / 53); uniform_int<int64_t>(val) = val % 2^63.
//   - aten/src/ATen/native/cpu/DistributionTemplates.h: uniform_kernel casts from/to to the
//     tensor's scalar type first, then fills the tensor with cpu_serial_kernel (memory order,
//     i.e. C order for a fresh parameter); random_kernel likewise one value per element.
//   - aten/src/ATen/native/TensorFactories.cpp randperm_cpu: r = 0..n−1, then for
//     i = 0..n−2: z = random() % (n − i), swap r[i] and r[i + z] (random() — 32 bits — for
//     every n below 2^32/20; newer versions keep this path "for small n, preserve old
//     behavior").
//   - torch/nn/modules/linear.py reset_parameters and torch/nn/init.py: kaiming_uniform_(W,
//     a=√5) → bound = √3 · √(2/(1 + a²)) / √fan_in in Python floats, W.uniform_(−bound, bound);
//     then bias.uniform_(−1/√fan_in, 1/√fan_in).
//   - torch/utils/data/dataloader.py _BaseDataLoaderIter.__init__: iter(batch_sampler) (a
//     generator: nothing runs yet), then _base_seed = torch.empty((), int64).random_(
//     generator=loader.generator) — one random64() from the global generator per epoch;
//     datapipe-only seeds are not drawn for a TensorDataset.
//   - torch/utils/data/sampler.py RandomSampler.__iter__ (runs at the first batch, after the
//     _base_seed draw): seed = int(torch.empty((), int64).random_()) — a second random64();
//     generator = torch.Generator(); generator.manual_seed(seed); yield from
//     torch.randperm(n, generator).tolist() (the trailing randperm(n)[:0] draws from that
//     local generator only).

import (
	"fmt"
	"math"
)

// Torch's MT19937 constants (MT19937RNGEngine.h).
const (
	mtN       = 624
	mtM       = 397
	mtMatrixA = 0x9908b0df
	mtUMask   = 0x80000000
	mtLMask   = 0x7fffffff
)

// MT19937 is at::mt19937: the 32-bit Mersenne Twister seeded with init_genrand(seed & 0xffffffff).
// Its outputs are those of std::mt19937 with the same 32-bit seed.
type MT19937 struct {
	seed  uint64
	left  int
	next  int
	state [mtN]uint32
}

// NewMT19937 is mt19937_engine(seed): init_with_uint32 keeps the low 32 bits of seed.
func NewMT19937(seed uint64) *MT19937 {
	m := &MT19937{}
	m.Seed(seed)
	return m
}

// Seed re-initialises the engine (init_with_uint32).
func (m *MT19937) Seed(seed uint64) {
	m.seed = seed
	m.state[0] = uint32(seed)
	for j := 1; j < mtN; j++ {
		p := m.state[j-1]
		m.state[j] = 1812433253*(p^(p>>30)) + uint32(j)
	}
	m.left, m.next = 1, 0
}

// InitialSeed is the seed the engine was created with (mt19937::seed(), 64 bits as given).
func (m *MT19937) InitialSeed() uint64 { return m.seed }

func mtTwist(u, v uint32) uint32 {
	y := ((u & mtUMask) | (v & mtLMask)) >> 1
	if v&1 != 0 {
		y ^= mtMatrixA
	}
	return y
}

// nextState regenerates the 624 words (mt19937_engine::next_state).
func (m *MT19937) nextState() {
	s := &m.state
	m.left, m.next = mtN, 0
	j := 0
	for ; j < mtN-mtM; j++ {
		s[j] = s[j+mtM] ^ mtTwist(s[j], s[j+1])
	}
	for ; j < mtN-1; j++ {
		s[j] = s[j+mtM-mtN] ^ mtTwist(s[j], s[j+1])
	}
	s[mtN-1] = s[mtM-1] ^ mtTwist(s[mtN-1], s[0])
}

// Uint32 is mt19937_engine::operator(): one tempered output.
func (m *MT19937) Uint32() uint32 {
	m.left--
	if m.left == 0 {
		m.nextState()
	}
	y := m.state[m.next]
	m.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// torchUniformFMA is the FMA setting of new generators. The C++ source does not settle it:
// uniform_real's x * (to - from) + from is one expression that GCC contracts to an FMA by
// default (-ffp-contract=fast in the GNU dialect CMake selects) wherever the target has FMA,
// and aten/src/ATen/native/cpu/*.cpp — DistributionKernels.cpp with uniform_kernel among them —
// is compiled once per CPU capability, the AVX2 and AVX512 copies with -mfma
// (cmake/Codegen.cmake); only the DEFAULT copy, used on CPUs without AVX2, rounds twice. The
// reference ran on x86-64 with torch 1.13, so the fused form is the likely one; it also gives
// the better agreement: with it (and torch's bias-first FMA accumulation in the forward pass)
// all three distinct recorded loss_start values are reproduced bit for bit, against two of
// three unfused. Both forms agree wherever x·(to − from) is exact (fan_in a power of 4) and
// otherwise differ in about half the values by an ulp; the losses move by ~1 ulp.
var torchUniformFMA = true

// TorchDefaultSeed is default_rng_seed_val, the seed of a fresh torch.Generator().
const TorchDefaultSeed = 67280421310721

// TorchGenerator is torch 1.13's CPUGeneratorImpl restricted to what run_validation draws:
// no normal samples are ever drawn there, so the cached Box–Muller sample that
// set_current_seed clears is not modelled.
type TorchGenerator struct {
	engine MT19937
	// FMA selects the FMA-contracted float32 uniform_ (see UniformFloat32).
	FMA bool
}

// NewTorchGenerator is torch.Generator() followed by manual_seed(seed) — equivalently the
// default CPU generator after torch.manual_seed(seed). A negative Python seed would be
// reinterpreted modulo 2^64 by torch; uint64 makes that explicit.
func NewTorchGenerator(seed uint64) *TorchGenerator {
	g := &TorchGenerator{FMA: torchUniformFMA}
	g.ManualSeed(seed)
	return g
}

// ManualSeed is CPUGeneratorImpl::set_current_seed: a fresh mt19937(seed).
func (g *TorchGenerator) ManualSeed(seed uint64) { g.engine.Seed(seed) }

// InitialSeed is torch.Generator.initial_seed().
func (g *TorchGenerator) InitialSeed() uint64 { return g.engine.InitialSeed() }

// Random is CPUGeneratorImpl::random(): one 32-bit engine output.
func (g *TorchGenerator) Random() uint32 { return g.engine.Uint32() }

// Random64 is CPUGeneratorImpl::random64(): the first output is the high word.
func (g *TorchGenerator) Random64() uint64 {
	hi := g.engine.Uint32()
	lo := g.engine.Uint32()
	return uint64(hi)<<32 | uint64(lo)
}

// UniformFloat32 is one element of a float32 tensor.uniform_(from, to) on the CPU:
// from and to are rounded to float32 first, then
// x = (random() & 0xffffff)·2⁻²⁴ and the result is x·(to − from) + from in float32
// (dist_acctype<float> is float). With g.FMA (the default, see torchUniformFMA) the product
// and the sum are rounded once, as the FMA-contracted AVX2/AVX512 build of the kernel
// computes them; without it the product is rounded first (the DEFAULT build).
func (g *TorchGenerator) UniformFloat32(from, to float64) float32 {
	return uniformReal32(g.Random(), float32(from), float32(to), g.FMA)
}

func uniformReal32(val uint32, from, to float32, fma bool) float32 {
	x := float32(val&(1<<24-1)) * (1.0 / (1 << 24)) // exact
	r := float32(to - from)
	if fma {
		// x·r is exact in float64 (24 + 24 bits) and so is x·r + from (the operands lie on a
		// grid of at most 48 significant bits below |to − from|), so one rounding to float32
		// gives fmaf's result.
		return float32(float64(x)*float64(r) + float64(from))
	}
	return float32(x*r) + from
}

// UniformFloat64 is one element of a float64 tensor.uniform_(from, to): random64(), 53 bits,
// in double arithmetic (fused when g.FMA).
func (g *TorchGenerator) UniformFloat64(from, to float64) float64 {
	x := float64(g.Random64()&(1<<53-1)) * (1.0 / (1 << 53))
	if g.FMA {
		return math.FMA(x, to-from, from)
	}
	return float64(x*(to-from)) + from
}

// RandomInt64 is torch.empty((), dtype=torch.int64).random_(): random64() % 2^63.
func (g *TorchGenerator) RandomInt64() int64 {
	return int64(g.Random64() % (1 << 63))
}

// Randperm is torch.randperm(n, generator=g) on the CPU (randperm_cpu): forward
// Fisher–Yates with z = random() % (n − i). n must be below 2^32/20, where 1.13 and later
// versions agree.
func (g *TorchGenerator) Randperm(n int) ([]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("n must be non-negative, got %d", n)
	}
	if int64(n) >= math.MaxUint32/20 {
		return nil, fmt.Errorf("randperm of n=%d: only n < 2^32/20 is reproduced", n)
	}
	r := make([]int, n)
	for i := range r {
		r[i] = i
	}
	for i := 0; i < n-1; i++ {
		z := int(uint64(g.Random()) % uint64(n-i))
		r[i], r[z+i] = r[z+i], r[i]
	}
	return r, nil
}

// DataLoaderEpoch is the index order of one epoch of DataLoader(dataset of n samples,
// shuffle=True, num_workers=0, generator=None) drawing from the global generator g: creating
// the iterator draws _base_seed (random_() on int64), then the RandomSampler draws its own
// seed the same way and shuffles with randperm(n) from a fresh torch.Generator seeded with
// it. g advances by four 32-bit outputs per epoch.
func (g *TorchGenerator) DataLoaderEpoch(n int) ([]int, error) {
	_ = g.RandomInt64() // _BaseDataLoaderIter._base_seed (only used by worker processes)
	seed := g.RandomInt64()
	local := NewTorchGenerator(uint64(seed))
	return local.Randperm(n)
}

// linearBounds are nn.Linear.reset_parameters' bounds for fan_in in Python float64 arithmetic:
// kaiming_uniform_(a=√5) gives √3·(√(2/(1 + a²))/√fan_in) (a² = 5.000000000000001), the bias
// 1/√fan_in. They agree to an ulp or so; both are kept exactly.
func linearBounds(fanIn int) (weight, bias float64) {
	a := math.Sqrt(5)
	gain := math.Sqrt(2.0 / (1 + a*a))
	std := gain / math.Sqrt(float64(fanIn))
	return math.Sqrt(3.0) * std, 1 / math.Sqrt(float64(fanIn))
}
