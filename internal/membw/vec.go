package membw

// WordOps runs n iterations of 8 independent chains of three 64-bit integer operations each
// (xor, shift, add: 24 word operations per iteration) and returns a value that depends on all
// of them. It bounds what scalar word-at-a-time code (box counting's ORs, shifts and
// popcounts) can do per second on one core: four integer ALUs on this CPU.
func WordOps(n int, x uint64) uint64 {
	a0, a1, a2, a3, a4, a5, a6, a7 := x, x+1, x+2, x+3, x+4, x+5, x+6, x+7
	const k = 0x9E3779B97F4A7C15
	for range n {
		a0 = (a0 ^ k) + a0>>7
		a1 = (a1 ^ k) + a1>>7
		a2 = (a2 ^ k) + a2>>7
		a3 = (a3 ^ k) + a3>>7
		a4 = (a4 ^ k) + a4>>7
		a5 = (a5 ^ k) + a5>>7
		a6 = (a6 ^ k) + a6>>7
		a7 = (a7 ^ k) + a7>>7
	}
	return a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7
}

// ReadXor XORs the words of a with eight independent accumulators: a read-only stream (8 bytes
// per element, one load and one xor each), the bound of a kernel that reads its input once.
// On an array larger than the last-level cache it measures memory read bandwidth; on one
// that fits in L2 or L3, that cache's.
func ReadXor(a []uint64) uint64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		b := a[i : i+8 : i+8]
		s0 ^= b[0]
		s1 ^= b[1]
		s2 ^= b[2]
		s3 ^= b[3]
		s4 ^= b[4]
		s5 ^= b[5]
		s6 ^= b[6]
		s7 ^= b[7]
	}
	for ; i < len(a); i++ {
		s0 ^= a[i]
	}
	return s0 ^ s1 ^ s2 ^ s3 ^ s4 ^ s5 ^ s6 ^ s7
}

// VecFMA runs n iterations of 10 independent 4-lane float64 fused multiply-adds (AVX2 + FMA:
// 80 floating-point operations per iteration) and reports false when the CPU has no such
// instructions. Ten chains cover the FMA latency (4 cycles) on both FMA pipes, so it measures
// the vector FMA throughput: the bound of the Krum Gram kernel.
func VecFMA(n int) bool {
	if !haveVec {
		return false
	}
	vecFMA(n)
	return true
}

// VecMulAdd runs n iterations of 6 independent 4-lane multiplies and 6 independent 4-lane adds
// (AVX2, no FMA: 12 vector operations per iteration) and reports false without AVX2. It
// measures how many separately rounded vector multiplies and adds one core issues per second:
// the bound of the temporal-features kernel, which may not fuse them.
func VecMulAdd(n int) bool {
	if !haveVec {
		return false
	}
	vecMulAdd(n)
	return true
}

// ReadVec is ReadXor with 32-byte AVX2 loads (four accumulators): the read rate a vectorised
// kernel can reach. Without AVX2 it is ReadXor.
func ReadVec(a []uint64) uint64 {
	if !haveVec {
		return ReadXor(a)
	}
	blocks := len(a) / 16
	s := uint64(0)
	if blocks > 0 {
		s = readVec(&a[0], blocks)
	}
	return s ^ ReadXor(a[blocks*16:])
}
