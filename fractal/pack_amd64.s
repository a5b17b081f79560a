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

// func shiftCountBMI2(v, starts *uint64, n, used, s int) int
// shiftCount (boxcount.go) with SHRX/SHLX and POPCNT: x = v[k], y = v[k+1] (0 past the end);
// the log-step shift-OR in registers; total += popcount(x & starts[k mod used]).
TEXT ·shiftCountBMI2(SB), NOSPLIT, $0-48
	MOVQ v+0(FP), DI
	MOVQ starts+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ used+24(FP), R9
	LEAQ (SI)(R9*8), R9 // end of starts
	MOVQ SI, R8
	MOVQ s+32(FP), R11
	XORQ R13, R13
	TESTQ CX, CX
	JLE  sdone

next:
	MOVQ (DI), AX
	XORQ BX, BX
	CMPQ CX, $1
	JEQ  noy
	MOVQ 8(DI), BX

noy:
	MOVQ $1, DX

dbl:
	LEAQ  (DX)(DX*1), R12
	CMPQ  R12, R11
	JGT   final
	SHRXQ DX, AX, R12
	MOVQ  $64, R10
	SUBQ  DX, R10
	SHLXQ R10, BX, R10
	ORQ   R12, AX
	ORQ   R10, AX
	SHRXQ DX, BX, R12
	ORQ   R12, BX
	SHLQ  $1, DX
	JMP   dbl

final:
	MOVQ  R11, R12
	SUBQ  DX, R12
	JZ    count
	SHRXQ R12, AX, R10
	ORQ   R10, AX
	MOVQ  $64, R10
	SUBQ  R12, R10
	SHLXQ R10, BX, R10
	ORQ   R10, AX

count:
	ANDQ    (R8), AX
	POPCNTQ AX, AX
	ADDQ    AX, R13
	ADDQ    $8, R8
	CMPQ    R8, R9
	JNE     adv
	MOVQ    SI, R8

adv:
	ADDQ $8, DI
	DECQ CX
	JNZ  next

sdone:
	MOVQ R13, ret+40(FP)
	RET
