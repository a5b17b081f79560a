//go:build amd64 && !purego

package fractal

import "golang.org/x/sys/cpu"

// pack64AVX2 packs words·64 bool bytes at src into words 64-bit words at dst, bit i of a word
// being the low bit of byte i (pack_amd64.s): a shift moves each byte's low bit to its top
// bit, VPMOVMSKB gathers the 32 top bits of a register.
//
//go:noescape
func pack64AVX2(dst *uint64, src *byte, words int)

// orRowsAVX2: dst[4g+i] = OR over r < rows of src[r·stride+4g+i], g < groups (pack_amd64.s).
//
//go:noescape
func orRowsAVX2(dst, src *uint64, rows, stride, groups int)

// shiftCountBMI2 is shiftCount with BMI2's flag-free shifts and POPCNT (pack_amd64.s).
//
//go:noescape
func shiftCountBMI2(v, starts *uint64, n, used, s int) int

func init() {
	if cpu.X86.HasAVX2 {
		pack64, orRows = pack64AVX2, orRowsVec
	}
	if cpu.X86.HasBMI2 && cpu.X86.HasPOPCNT {
		shiftCount = shiftCountAsm
	}
}

func shiftCountAsm(v, starts []uint64, s int) int {
	if len(v) == 0 || len(starts) == 0 || len(v)%len(starts) != 0 || s < 1 || s > 64 {
		panic("fractal: shiftCount arguments out of range")
	}
	return shiftCountBMI2(&v[0], &starts[0], len(v), len(starts), s)
}

func orRowsVec(dst, rows []uint64, r0, s, w int) {
	g := len(dst) / 4
	if g > 0 {
		orRowsAVX2(&dst[0], &rows[r0*w], s, w, g)
	}
	if g*4 < len(dst) {
		orRowsGo(dst[g*4:], rows[g*4:], r0, s, w)
	}
}
