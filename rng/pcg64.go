package rng

import (
	"math/big"
	"math/bits"
)

// uint128 is a 128-bit unsigned integer as two 64-bit halves.
type uint128 struct{ hi, lo uint64 }

func (a uint128) mul(b uint128) uint128 {
	hi, lo := bits.Mul64(a.lo, b.lo)
	hi += a.hi*b.lo + a.lo*b.hi
	return uint128{hi, lo}
}

func (a uint128) add(b uint128) uint128 {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, c)
	return uint128{hi, lo}
}

func (a uint128) big() *big.Int {
	x := new(big.Int).SetUint64(a.hi)
	x.Lsh(x, 64)
	return x.Or(x, new(big.Int).SetUint64(a.lo))
}

// pcgMult is the PCG64 (XSL-RR 128/64) multiplier.
var pcgMult = uint128{0x2360ed051fc65da4, 0x4385df649fccf645}

// State is the inspectable state of the bit generator, as numpy's bit_generator.state shows it.
type State struct {
	StateHi, StateLo uint64
	IncHi, IncLo     uint64
	// HasUint32 and Uinteger are the buffered upper half of the last 64-bit word drawn for a
	// 32-bit output. Uinteger is meaningful only when HasUint32 is set.
	HasUint32 bool
	Uinteger  uint32
}

// StateBig returns the 128-bit state as an integer.
func (s State) StateBig() *big.Int { return uint128{s.StateHi, s.StateLo}.big() }

// IncBig returns the 128-bit increment as an integer.
func (s State) IncBig() *big.Int { return uint128{s.IncHi, s.IncLo}.big() }

// pcg64 is numpy's PCG64 with its 32-bit output buffer.
type pcg64 struct {
	state, inc uint128
	hasUint32  bool
	uinteger   uint32
}

func newPCG64(s *SeedSequence) pcg64 {
	v := s.GenerateState64(4)
	initstate := uint128{v[0], v[1]}
	initseq := uint128{v[2], v[3]}
	var p pcg64
	p.inc = uint128{initseq.hi<<1 | initseq.lo>>63, initseq.lo<<1 | 1}
	p.step()
	p.state = p.state.add(initstate)
	p.step()
	return p
}

func (p *pcg64) step() { p.state = p.state.mul(pcgMult).add(p.inc) }

// next64 advances the state and outputs XSL-RR of the new state.
func (p *pcg64) next64() uint64 {
	p.step()
	return bits.RotateLeft64(p.state.hi^p.state.lo, -int(p.state.hi>>58))
}

// next32 returns the low half of a fresh 64-bit word, buffering the high half for the next call.
func (p *pcg64) next32() uint32 {
	if p.hasUint32 {
		p.hasUint32 = false
		return p.uinteger
	}
	u := p.next64()
	p.hasUint32 = true
	p.uinteger = uint32(u >> 32)
	return uint32(u)
}

// nextDouble is a double in [0, 1) from the top 53 bits.
func (p *pcg64) nextDouble() float64 {
	return float64(p.next64()>>11) * (1.0 / 9007199254740992.0)
}

func mul64(a, b uint64) (hi, lo uint64) { return bits.Mul64(a, b) }

// skip advances the LCG by n steps in O(log n) (Brown's jump-ahead), as n calls of next64
// would; the 32-bit buffer is left alone, as those calls would leave it.
func (p *pcg64) skip(n uint64) {
	accMult, accPlus := uint128{0, 1}, uint128{}
	curMult, curPlus := pcgMult, p.inc
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			accMult = accMult.mul(curMult)
			accPlus = accPlus.mul(curMult).add(curPlus)
		}
		curPlus = curMult.add(uint128{0, 1}).mul(curPlus)
		curMult = curMult.mul(curMult)
	}
	p.state = accMult.mul(p.state).add(accPlus)
}
