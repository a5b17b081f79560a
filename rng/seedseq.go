// Package rng is a port of numpy's random Generator (numpy 1.24): SeedSequence seeding, the
// PCG64 bit generator, and the Generator methods the MFN reference uses — random, uniform,
// standard_normal / normal (256-layer ziggurat), integers (every numpy path) and choice.
// For the same seed it produces the same bits as numpy.
package rng

import (
	"errors"
	"math/big"
)

// SeedSequence constants (numpy/random/bit_generator.pyx).
const (
	initA     = 0x43b0d7e5
	multA     = 0x931e8875
	initB     = 0x8b51f9dd
	multB     = 0x58f38ded
	mixMultL  = 0xca01f9dd
	mixMultR  = 0x4973f715
	xshift    = 16
	poolSize  = 4
	wordMask  = 0xffffffff
	wordShift = 32
)

// SeedSequence is numpy's SeedSequence for an integer entropy, no spawn key, pool size 4.
type SeedSequence struct {
	// Entropy is the seed split into 32-bit words, least significant first.
	Entropy []uint32
	// Pool is the mixed entropy pool.
	Pool [poolSize]uint32
}

// ErrNegativeSeed is returned for a negative seed, which numpy rejects too.
var ErrNegativeSeed = errors.New("seed must be a non-negative integer")

// NewSeedSequence mixes a non-negative integer seed of any size into a pool.
func NewSeedSequence(seed *big.Int) (*SeedSequence, error) {
	if seed.Sign() < 0 {
		return nil, ErrNegativeSeed
	}
	var words []uint32
	x := new(big.Int).Set(seed)
	mask := big.NewInt(wordMask)
	for {
		words = append(words, uint32(new(big.Int).And(x, mask).Uint64()))
		x.Rsh(x, wordShift)
		if x.Sign() == 0 {
			break
		}
	}
	return newSeedSequenceWords(words), nil
}

// SeedSequenceUint64 is NewSeedSequence for a uint64 seed.
func SeedSequenceUint64(seed uint64) *SeedSequence {
	words := []uint32{uint32(seed)}
	if seed>>32 != 0 {
		words = append(words, uint32(seed>>32))
	}
	return newSeedSequenceWords(words)
}

func newSeedSequenceWords(entropy []uint32) *SeedSequence {
	s := &SeedSequence{Entropy: entropy}
	run := entropy
	if len(run) < poolSize {
		run = make([]uint32, poolSize)
		copy(run, entropy)
	}
	h := uint32(initA)
	hashmix := func(v uint32) uint32 {
		v ^= h
		h *= multA
		v *= h
		v ^= v >> xshift
		return v
	}
	mix := func(x, y uint32) uint32 {
		r := mixMultL*x - mixMultR*y
		r ^= r >> xshift
		return r
	}
	for i := 0; i < poolSize; i++ {
		s.Pool[i] = hashmix(run[i])
	}
	for src := 0; src < poolSize; src++ {
		for dst := 0; dst < poolSize; dst++ {
			if src != dst {
				s.Pool[dst] = mix(s.Pool[dst], hashmix(s.Pool[src]))
			}
		}
	}
	for src := poolSize; src < len(run); src++ {
		for dst := 0; dst < poolSize; dst++ {
			s.Pool[dst] = mix(s.Pool[dst], hashmix(run[src]))
		}
	}
	return s
}

// GenerateState32 is generate_state(n, uint32).
func (s *SeedSequence) GenerateState32(n int) []uint32 {
	out := make([]uint32, n)
	h := uint32(initB)
	for i := range out {
		v := s.Pool[i%poolSize]
		v ^= h
		h *= multB
		v *= h
		v ^= v >> xshift
		out[i] = v
	}
	return out
}

// GenerateState64 is generate_state(n, uint64): pairs of 32-bit words, little-endian.
func (s *SeedSequence) GenerateState64(n int) []uint64 {
	w := s.GenerateState32(2 * n)
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(w[2*i]) | uint64(w[2*i+1])<<32
	}
	return out
}
