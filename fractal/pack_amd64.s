//go:build amd64 && !purego

#include "textflag.h"

// func pack64AVX2(dst *uint64, src *byte, words int)
TEXT ·pack64AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ words+16(FP), CX
	TESTQ CX, CX
	JLE  done

loop:
	VMOVDQU   (SI), Y0
	VMOVDQU   32(SI), Y1
	VPSLLW    $7, Y0, Y0 // byte bit 0 → bit 7 (a 16-bit shift: the low byte's bits stay in it)
	VPSLLW    $7, Y1, Y1
	VPMOVMSKB Y0, AX
	VPMOVMSKB Y1, DX
	SHLQ      $32, DX
	ORQ       DX, AX
	MOVQ      AX, (DI)
	ADDQ      $64, SI
	ADDQ      $8, DI
	DECQ      CX
	JNZ       loop
	VZEROUPPER

done:
	RET

// func orRowsAVX2(dst, src *uint64, rows, stride, groups int)
// dst[4g+i] = OR over r < rows of src[r·stride + 4g + i], for g < groups, i < 4 (stride in
// words; rows ≥ 1).
TEXT ·orRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ stride+24(FP), R9
	SHLQ $3, R9 // bytes
	MOVQ groups+32(FP), CX
	TESTQ CX, CX
	JLE  odone

group:
	VMOVDQU (SI), Y0
	LEAQ    (SI)(R9*1), AX
	MOVQ    R8, DX
	DECQ    DX
	JZ      store

row:
	VPOR (AX), Y0, Y0
	ADDQ R9, AX
	DECQ DX
	JNZ  row

store:
	VMOVDQU Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     group
	VZEROUPPER

odone:
	RET

// func orShiftAVX2(v *uint64, groups, d int)
// For k < 4·groups, ascending: v[k] |= v[k]>>d | v[k+1]<<(64−d), 0 < d < 64, four words per
// register; v[k+1..k+4] is an unaligned load one word on, read before the store of v[k..k+3]
// and never stored yet. v must have one readable word past 4·groups.
TEXT ·orShiftAVX2(SB), NOSPLIT, $0-24
	MOVQ  v+0(FP), DI
	MOVQ  groups+8(FP), CX
	MOVQ  d+16(FP), AX
	MOVQ  $64, DX
	SUBQ  AX, DX
	VMOVQ AX, X14
	VMOVQ DX, X15
	TESTQ CX, CX
	JLE   hdone

hloop:
	VMOVDQU (DI), Y0
	VMOVDQU 8(DI), Y1
	VPSRLQ  X14, Y0, Y2
	VPSLLQ  X15, Y1, Y1
	VPOR    Y2, Y0, Y0
	VPOR    Y1, Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     hloop
	VZEROUPPER

hdone:
	RET

// func popStarts(v, starts *uint64, bands, used int) int
// The sum over b < bands, k < used of popcount(v[b·used+k] & starts[k]) (POPCNT).
TEXT ·popStarts(SB), NOSPLIT, $0-40
	MOVQ  v+0(FP), DI
	MOVQ  starts+8(FP), SI
	MOVQ  bands+16(FP), CX
	MOVQ  used+24(FP), R9
	XORQ  R13, R13
	TESTQ CX, CX
	JLE   pdone
	TESTQ R9, R9
	JLE   pdone

pband:
	MOVQ SI, R8
	MOVQ R9, DX

pword:
	MOVQ    (DI), AX
	ANDQ    (R8), AX
	POPCNTQ AX, AX
	ADDQ    AX, R13
	ADDQ    $8, DI
	ADDQ    $8, R8
	DECQ    DX
	JNZ     pword
	DECQ    CX
	JNZ     pband

pdone:
	MOVQ R13, ret+32(FP)
	RET

// func orBandsAVX2(dst, src *uint64, bands, rows, stride, groups int)
// For b < bands, g < groups: dst[(b·groups+g)·4 + i] = OR over r < rows of
// src[(b·rows + r)·stride + 4g + i] (stride in words; rows ≥ 1): orRowsAVX2 for every band
// of one size in one call.
TEXT ·orBandsAVX2(SB), NOSPLIT, $0-48
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  bands+16(FP), CX
	MOVQ  rows+24(FP), R8
	MOVQ  stride+32(FP), R9
	SHLQ  $3, R9 // bytes
	MOVQ  groups+40(FP), R10
	TESTQ CX, CX
	JLE   bdone
	TESTQ R10, R10
	JLE   bdone
	MOVQ  R8, R13
	IMULQ R9, R13 // bytes per band

bband:
	MOVQ SI, R11
	MOVQ R10, R12

bgroup:
	VMOVDQU (R11), Y0
	LEAQ    (R11)(R9*1), AX
	MOVQ    R8, DX
	DECQ    DX
	JZ      bstore

brow:
	VPOR (AX), Y0, Y0
	ADDQ R9, AX
	DECQ DX
	JNZ  brow

bstore:
	VMOVDQU Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, R11
	DECQ    R12
	JNZ     bgroup
	ADDQ    R13, SI
	DECQ    CX
	JNZ     bband
	VZEROUPPER

bdone:
	RET
