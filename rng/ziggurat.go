package rng

import (
	"math"
	"math/bits"

	"mfn/libm"
)

// Ziggurat constants of numpy 1.24.
const (
	zigguratNorR    = 3.6541528853610087963519472518
	zigguratNorInvR = 0.27366123732975827203338247596
)

// The PCG64 multiplier as constants, so that the hot loops keep them in immediates.
const (
	pcgMultHi = 0x2360ed051fc65da4
	pcgMultLo = 0x4385df649fccf645
)

// a⁴ mod 2¹²⁸, the multiplier of four LCG steps at once.
const (
	pcgMult4Hi = 0xf4dd417327db7a9b
	pcgMult4Lo = 0xd194dfbe42d45771
)

// zigFast is the ziggurat's fast path for raw output r (numpy's random_standard_normal up to
// its first return): the candidate x, the layer idx, the 52-bit magnitude rabs, and whether x
// is accepted at once (~99.3 % of draws). The sign is applied by flipping the sign bit, which
// is what C's -x does and avoids an unpredictable branch.
func zigFast(r uint64) (x float64, idx, rabs uint64, ok bool) {
	idx = r & 0xff
	rabs = (r >> 9) & 0x000fffffffffffff
	x = math.Float64frombits(math.Float64bits(float64(rabs)*wiDouble[idx]) ^ (r>>8&1)<<63)
	return x, idx, rabs, rabs < kiDouble[idx]
}

// standardNormal is numpy's 256-layer ziggurat (random_standard_normal).
func (p *pcg64) standardNormal() float64 {
	for {
		x, idx, rabs, ok := zigFast(p.next64())
		if ok {
			return x
		}
		if v, ok, _ := p.normalSlow(idx, rabs, x); ok {
			return v
		}
	}
}

// normalSlow is the ziggurat's rare path: the tail beyond r for layer 0, else the wedge test.
// It draws its uniforms from p and reports how many raw outputs it took; ok false means numpy
// starts over with a fresh raw output.
//
//go:noinline
func (p *pcg64) normalSlow(idx, rabs uint64, x float64) (v float64, ok bool, drawn int) {
	if idx == 0 {
		for {
			xx := -zigguratNorInvR * libm.Log1p(-p.nextDouble())
			yy := -libm.Log1p(-p.nextDouble())
			drawn += 2
			if yy+yy > float64(xx*xx) {
				if (rabs>>8)&1 != 0 {
					return -(zigguratNorR + xx), true, drawn
				}
				return zigguratNorR + xx, true, drawn
			}
		}
	}
	if float64((fiDouble[idx-1]-fiDouble[idx])*p.nextDouble())+fiDouble[idx] < libm.Exp(-0.5*x*x) {
		return x, true, 1
	}
	return 0, false, 1
}

// rawBlock is how many raw outputs fillStandardNormal draws ahead (2 KiB on the stack).
const rawBlock = 256

// jumpMul[j] and jumpAdd[j] take a state s to the state j steps later:
// a^j·s + jumpAdd[j]·inc, with jumpAdd[j] = 1 + a + … + a^(j−1) (all mod 2¹²⁸).
var jumpMul, jumpAdd = func() (m, c [rawBlock + 1]uint128) {
	m[0] = uint128{0, 1}
	for j := 1; j <= rawBlock; j++ {
		m[j] = m[j-1].mul(pcgMult)
		c[j] = c[j-1].add(m[j-1])
	}
	return m, c
}()

// fillRaw writes the next len(buf) raw outputs from state s and returns the state after the
// last. The LCG runs as four interleaved chains — the states of outputs 4k+1 … 4k+4, each
// advanced four steps at a time (s ← a⁴·s + (1+a+a²+a³)·inc) — so the 128-bit
// multiplications of neighbouring outputs overlap instead of waiting on each other.
func fillRaw(buf []uint64, s, inc uint128) uint128 {
	i := 0
	if len(buf) >= 4 {
		s1 := s.mul(pcgMult).add(inc)
		s2 := s1.mul(pcgMult).add(inc)
		s3 := s2.mul(pcgMult).add(inc)
		s4 := s3.mul(pcgMult).add(inc)
		c4 := jumpAdd[4].mul(inc)
		for {
			b := buf[i : i+4 : i+4]
			b[0] = bits.RotateLeft64(s1.hi^s1.lo, -int(s1.hi>>58))
			b[1] = bits.RotateLeft64(s2.hi^s2.lo, -int(s2.hi>>58))
			b[2] = bits.RotateLeft64(s3.hi^s3.lo, -int(s3.hi>>58))
			b[3] = bits.RotateLeft64(s4.hi^s4.lo, -int(s4.hi>>58))
			i += 4
			if len(buf)-i < 4 {
				s = s4
				break
			}
			s1 = mulAdd4(s1, c4)
			s2 = mulAdd4(s2, c4)
			s3 = mulAdd4(s3, c4)
			s4 = mulAdd4(s4, c4)
		}
	}
	for ; i < len(buf); i++ {
		s = s.mul(pcgMult).add(inc)
		buf[i] = bits.RotateLeft64(s.hi^s.lo, -int(s.hi>>58))
	}
	return s
}

// mulAdd4 is a⁴·s + c: four LCG steps when c = (1+a+a²+a³)·inc.
func mulAdd4(s, c uint128) uint128 {
	h, l := bits.Mul64(s.lo, pcgMult4Lo)
	h += s.hi*pcgMult4Lo + s.lo*pcgMult4Hi
	l, carry := bits.Add64(l, c.lo, 0)
	return uint128{h + c.hi + carry, l}
}

// zigTables are numpy's wi and ki tables indexed by the low 9 bits of a raw output — the
// layer and, in bit 8, the sign — so that one index serves both lookups, and the signed wi
// applies the sign in the multiplication: rabs·(−w) is −(rabs·w) exactly in IEEE arithmetic,
// zero included (−0, as C's −x gives).
type zigTables struct {
	wi [512]float64
	ki [512]uint64
}

var zigTab = func() (t zigTables) {
	for i := range 512 {
		t.wi[i] = wiDouble[i&0xff]
		if i&0x100 != 0 {
			t.wi[i] = -t.wi[i]
		}
		t.ki[i] = kiDouble[i&0xff]
	}
	return t
}()

// zigRun runs the ziggurat's fast path over raw, writing dst[k] for raw[k], until the first
// output the fast path rejects; it returns how many it wrote. len(dst) >= len(raw).
func zigRun(dst []float64, raw []uint64) int {
	dst = dst[:len(raw)]
	t := &zigTab
	for k, r := range raw {
		i := r & 0x1ff
		rabs := r << 3 >> 12 // bits 9…60: the 52-bit magnitude
		if rabs >= t.ki[i] {
			return k
		}
		dst[k] = float64(rabs) * t.wi[i]
	}
	return len(raw)
}

// zigRunAffine is zigRun writing loc + scale·x (numpy's normal(loc, scale): the product
// rounded, then the sum).
func zigRunAffine(dst []float64, raw []uint64, loc, scale float64) int {
	dst = dst[:len(raw)]
	t := &zigTab
	for k, r := range raw {
		i := r & 0x1ff
		rabs := r << 3 >> 12
		if rabs >= t.ki[i] {
			return k
		}
		dst[k] = loc + float64(scale*(float64(rabs)*t.wi[i]))
	}
	return len(raw)
}

// fillNormal writes len(dst) draws of standardNormal, in order — transformed to
// loc + scale·z unless std — and leaves p as that many calls would.
func (p *pcg64) fillNormal(dst []float64, loc, scale float64, std bool) {
	if useZigAsm {
		p.fillNormalAsm(dst, loc, scale, std)
		return
	}
	p.fillNormalGo(dst, loc, scale, std)
}

// fillNormalAsm runs the fast path in assembly on two interleaved LCG chains (zigChains),
// which stops at each output the fast path rejects with p's exact state at that output; the
// scalar slow path goes on from there.
func (p *pcg64) fillNormalAsm(dst []float64, loc, scale float64, std bool) {
	c2 := uint128{pcgMultHi, pcgMultLo + 1}.mul(p.inc)
	for i := 0; i < len(dst); {
		s1 := p.state.mul(pcgMult).add(p.inc)
		s2 := s1.mul(pcgMult).add(p.inc)
		st := [6]uint64{s1.hi, s1.lo, s2.hi, s2.lo, c2.hi, c2.lo}
		n, rejected := zigChains(dst[i:], &st, &zigTab, loc, scale, !std)
		i += n
		p.state = uint128{st[0], st[1]}
		if !rejected {
			return
		}
		r := bits.RotateLeft64(st[0]^st[1], -int(st[0]>>58))
		x, idx, rabs, _ := zigFast(r)
		if v, ok, _ := p.normalSlow(idx, rabs, x); ok {
			if !std {
				v = loc + float64(scale*v)
			}
			dst[i] = v
			i++
		}
	}
}

// fillNormalGo is fillNormal in Go. It draws raw outputs a
// block ahead (fillRaw), then runs the ziggurat's fast path over the block (zigRun). A draw
// that leaves the fast path puts the exact state of its raw output back in p (a jump-table
// step from the block's start), runs the scalar slow path, and goes on in the block past the
// outputs that took. A block holds at most as many outputs as values are still to be written
// and each value takes at least one, so nothing is ever drawn past the last value written.
func (p *pcg64) fillNormalGo(dst []float64, loc, scale float64, std bool) {
	var buf [rawBlock]uint64
	for i := 0; i < len(dst); {
		nb := min(len(dst)-i, rawBlock)
		s0 := p.state
		end := fillRaw(buf[:nb], s0, p.inc)
		p.state = end
		for j := 0; j < nb; {
			var k int
			if std {
				k = zigRun(dst[i:], buf[j:nb])
			} else {
				k = zigRunAffine(dst[i:], buf[j:nb], loc, scale)
			}
			i += k
			j += k
			if j == nb {
				break
			}
			// buf[j] left the fast path. Rewind to the state that produced it; the slow
			// path's uniforms are the outputs after it, buf[j+1:] while they last.
			x, idx, rabs, _ := zigFast(buf[j])
			p.state = jumpMul[j+1].mul(s0).add(jumpAdd[j+1].mul(p.inc))
			v, ok, drawn := p.normalSlow(idx, rabs, x)
			if ok {
				if !std {
					v = loc + float64(scale*v)
				}
				dst[i] = v
				i++
			}
			j += 1 + drawn
			if j >= nb {
				break // the block is used up; p holds the state after the slow path
			}
			p.state = end
		}
	}
}
