package rng

import (
	"fmt"
	"math"
	"math/big"
)

// Generator is numpy's Generator(PCG64). It is not safe for concurrent use: like numpy's, its
// draws form one sequence, and that order is what makes results reproducible.
type Generator struct {
	bg pcg64
}

// New returns the generator of numpy's default_rng(seed).
func New(seed uint64) *Generator {
	return &Generator{bg: newPCG64(SeedSequenceUint64(seed))}
}

// NewBig returns default_rng(seed) for a seed of any size; negative seeds are an error.
func NewBig(seed *big.Int) (*Generator, error) {
	ss, err := NewSeedSequence(seed)
	if err != nil {
		return nil, err
	}
	return FromSeedSequence(ss), nil
}

// FromSeedSequence returns Generator(PCG64(ss)).
func FromSeedSequence(ss *SeedSequence) *Generator {
	return &Generator{bg: newPCG64(ss)}
}

// State reports the bit generator's state (numpy's bit_generator.state).
func (g *Generator) State() State {
	return State{
		StateHi: g.bg.state.hi, StateLo: g.bg.state.lo,
		IncHi: g.bg.inc.hi, IncLo: g.bg.inc.lo,
		HasUint32: g.bg.hasUint32, Uinteger: g.bg.uinteger,
	}
}

// SetState restores a state obtained from State.
func (g *Generator) SetState(s State) {
	g.bg = pcg64{
		state:     uint128{s.StateHi, s.StateLo},
		inc:       uint128{s.IncHi, s.IncLo},
		hasUint32: s.HasUint32, uinteger: s.Uinteger,
	}
}

// Uint64 is random_raw(): one 64-bit output.
func (g *Generator) Uint64() uint64 { return g.bg.next64() }

// Skip discards the next n 64-bit outputs in O(log n): the state afterwards is that of n
// calls of Uint64 (or of Random, or of Uniform, which take one output each). Unlike numpy's
// bit_generator.advance, it leaves the buffered 32-bit half alone, as those calls would.
func (g *Generator) Skip(n uint64) { g.bg.skip(n) }

// Uint32 is numpy's buffered next_uint32.
func (g *Generator) Uint32() uint32 { return g.bg.next32() }

// Random is random(): a double in [0, 1).
func (g *Generator) Random() float64 { return g.bg.nextDouble() }

// FillRandom is random(size): fills dst in order.
func (g *Generator) FillRandom(dst []float64) {
	for i := range dst {
		dst[i] = g.bg.nextDouble()
	}
}

// Uniform is uniform(low, high): low + (high-low)*random(), with high-low rounded first.
func (g *Generator) Uniform(low, high float64) float64 {
	span := high - low
	return low + float64(span*g.bg.nextDouble())
}

// FillUniform is uniform(low, high, size): fills dst in order.
func (g *Generator) FillUniform(dst []float64, low, high float64) {
	span := high - low
	for i := range dst {
		dst[i] = low + float64(span*g.bg.nextDouble())
	}
}

// StandardNormal is standard_normal(): numpy's 256-layer ziggurat.
func (g *Generator) StandardNormal() float64 { return g.bg.standardNormal() }

// Normal is normal(loc, scale): loc + scale*z.
func (g *Generator) Normal(loc, scale float64) float64 {
	return loc + float64(scale*g.StandardNormal())
}

// FillStandardNormal is standard_normal(size): fills dst in order, as len(dst) calls of
// StandardNormal would, at a fraction of their cost (see fillNormal).
func (g *Generator) FillStandardNormal(dst []float64) { g.bg.fillNormal(dst, 0, 1, true) }

// FillNormal is normal(loc, scale, size): fills dst in order with loc + scale*z.
func (g *Generator) FillNormal(dst []float64, loc, scale float64) {
	g.bg.fillNormal(dst, loc, scale, false)
}

// boundedInclusive is numpy's random_bounded_uint64 without masking: uniform on [0, rng].
// It takes every path numpy takes: no draw for rng 0, buffered 32-bit Lemire, the raw 32-bit
// word for rng 2^32-1, 64-bit Lemire, and the raw 64-bit word for rng 2^64-1.
func (g *Generator) boundedInclusive(rng uint64) uint64 {
	switch {
	case rng == 0:
		return 0
	case rng < math.MaxUint32:
		return uint64(g.lemire32(uint32(rng)))
	case rng == math.MaxUint32:
		return uint64(g.bg.next32())
	case rng < math.MaxUint64:
		return g.lemire64(rng)
	default:
		return g.bg.next64()
	}
}

func (g *Generator) lemire32(rng uint32) uint32 {
	rexcl := uint64(rng) + 1
	m := uint64(g.bg.next32()) * rexcl
	left := uint32(m)
	if uint64(left) < rexcl {
		t := uint32((math.MaxUint32 - uint64(rng)) % rexcl)
		for left < t {
			m = uint64(g.bg.next32()) * rexcl
			left = uint32(m)
		}
	}
	return uint32(m >> 32)
}

func (g *Generator) lemire64(rng uint64) uint64 {
	rexcl := rng + 1
	hi, lo := mul64(g.bg.next64(), rexcl)
	if lo < rexcl {
		t := (math.MaxUint64 - rng) % rexcl
		for lo < t {
			hi, lo = mul64(g.bg.next64(), rexcl)
		}
	}
	return hi
}

// Integers is integers(low, high): uniform on [low, high). It panics if high <= low, as a
// programming error; callers that take the bounds from users check them first.
func (g *Generator) Integers(low, high int64) int64 {
	if high <= low {
		panic(fmt.Sprintf("rng: Integers(%d, %d): high <= low", low, high))
	}
	return low + int64(g.boundedInclusive(uint64(high)-uint64(low)-1))
}

// IntegersClosed is integers(low, high, endpoint=True): uniform on [low, high].
func (g *Generator) IntegersClosed(low, high int64) int64 {
	if high < low {
		panic(fmt.Sprintf("rng: IntegersClosed(%d, %d): high < low", low, high))
	}
	return low + int64(g.boundedInclusive(uint64(high)-uint64(low)))
}

// FillIntegers is integers(low, high, size): fills dst in order (the same draws as repeated
// scalar calls, including the shared 32-bit buffer).
func (g *Generator) FillIntegers(dst []int64, low, high int64) {
	for i := range dst {
		dst[i] = g.Integers(low, high)
	}
}

// Choice is choice(n) with replacement: an index in [0, n).
func (g *Generator) Choice(n int) int { return int(g.Integers(0, int64(n))) }

// ChoiceNoReplace is choice(n, size=k, replace=False) (shuffle=True): k distinct indices in
// numpy's order, by its tail-shuffle path for large populations and Floyd's algorithm otherwise.
func (g *Generator) ChoiceNoReplace(n, k int) ([]int64, error) {
	if n < 0 || k < 0 {
		return nil, fmt.Errorf("choice: population %d and size %d must be non-negative", n, k)
	}
	if k > n {
		return nil, fmt.Errorf("choice: cannot take a larger sample (%d) than the population (%d) without replacement", k, n)
	}
	if n > 10000 && k > n/50 {
		data := make([]int64, n)
		for i := range data {
			data[i] = int64(i)
		}
		g.shuffleInt(data, max(n-k, 1))
		return data[n-k:], nil
	}
	setSize := uint64(1.2 * float64(k))
	mask := setSize
	for s := uint(1); s <= 32; s <<= 1 {
		mask |= mask >> s
	}
	table := make([]int64, mask+1)
	for i := range table {
		table[i] = -1
	}
	out := make([]int64, k)
	for j := n - k; j < n; j++ {
		val := int64(g.boundedInclusive(uint64(j)))
		loc := uint64(val) & mask
		for table[loc] != -1 && table[loc] != val {
			loc = (loc + 1) & mask
		}
		if table[loc] == -1 {
			table[loc] = val
			out[j-n+k] = val
		} else {
			loc = uint64(j) & mask
			for table[loc] != -1 {
				loc = (loc + 1) & mask
			}
			table[loc] = int64(j)
			out[j-n+k] = int64(j)
		}
	}
	g.shuffleInt(out, 1)
	return out, nil
}

// shuffleInt is numpy's _shuffle_int: Fisher–Yates from the end down to index first.
func (g *Generator) shuffleInt(data []int64, first int) {
	for i := len(data) - 1; i >= first; i-- {
		j := g.boundedInclusive(uint64(i))
		data[i], data[j] = data[j], data[i]
	}
}
