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

// orShiftAVX2: v[k] |= v[k]>>d | v[k+1]<<(64−d) for k < 4·groups, ascending (pack_amd64.s).
//
//go:noescape
func orShiftAVX2(v *uint64, groups, d int)

// popStarts: Σ over b < bands, k < used of popcount(v[b·used+k] & starts[k]) (pack_amd64.s).
//
//go:noescape
func popStarts(v, starts *uint64, bands, used int) int

// orBandsAVX2: orRowsAVX2 over every band of one size (pack_amd64.s).
//
//go:noescape
func orBandsAVX2(dst, src *uint64, bands, rows, stride, groups int)

func init() {
	if cpu.X86.HasAVX2 {
		pack64, orRows, orBands = pack64AVX2, orRowsVec, orBandsVec
		if cpu.X86.HasPOPCNT {
			shiftCount = shiftCountVec
		}
	}
}

// shiftCountVec is shiftCount as passes over the whole string, four words per register:
// each step ORs in the string shifted by the step's span (orShiftAVX2), then the tile starts
// are counted. v needs its padding (see shiftPad).
func shiftCountVec(v, starts []uint64, s int) int {
	n := len(v)
	if n == 0 || len(starts) == 0 || n%len(starts) != 0 || s < 1 || s > 64 || cap(v) < n+shiftPad(n) {
		panic("fractal: shiftCount arguments out of range")
	}
	g := (n + 3) / 4
	full := v[:n+shiftPad(n)]
	clear(full[n:])
	span := 1
	for ; span*2 <= s; span *= 2 {
		orShiftAVX2(&full[0], g, span)
	}
	if d := s - span; d > 0 {
		orShiftAVX2(&full[0], g, d)
	}
	return popStarts(&v[0], &starts[0], n/len(starts), len(starts))
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

// orBandsVec is orBands through one assembly call; the band rows must be whole groups of four.
func orBandsVec(bands, rows []uint64, nb, s, w, used int) {
	if used%4 != 0 || len(bands) < nb*used || len(rows) < nb*s*w || used > w {
		panic("fractal: orBands arguments out of range")
	}
	orBandsAVX2(&bands[0], &rows[0], nb, s, w, used/4)
}
