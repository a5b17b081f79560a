//go:build amd64 && !purego

#include "textflag.h"

// a² mod 2¹²⁸, the multiplier of two PCG64 steps at once (low word first).
DATA zigMult2<>+0(SB)/8, $0x529ed9eb20e0ae99
DATA zigMult2<>+8(SB)/8, $0x17bce35bdf69743c
GLOBL zigMult2<>(SB), RODATA|NOPTR, $16

// OUTZIG: the XSL-RR output of state (HI, LO), then the ziggurat's fast path on it: rabs (bits
// 9…60) in AX, the 9-bit index (layer and sign) in DX, and x = rabs·wi[index] in X0; an
// output the fast path rejects jumps to REJ.
#define OUTZIG(HI, LO, REJ) \
	MOVQ     HI, CX; \
	SHRQ     $58, CX; \
	MOVQ     HI, AX; \
	XORQ     LO, AX; \
	RORQ     CX, AX; \
	MOVQ     AX, DX; \
	ANDQ     $0x1ff, DX; \
	SHLQ     $3, AX; \
	SHRQ     $12, AX; \
	CMPQ     AX, 4096(SI)(DX*8); \
	JCC      REJ; \
	XORPS    X0, X0; \
	CVTSQ2SD AX, X0; \
	MULSD    (SI)(DX*8), X0

// ADVANCE: (HI, LO) ← a²·(HI, LO) + (R12, R13), two LCG steps, mod 2¹²⁸.
#define ADVANCE(HI, LO) \
	MOVQ  LO, AX; \
	IMULQ zigMult2<>+8(SB), AX; \
	IMULQ zigMult2<>+0(SB), HI; \
	ADDQ  AX, HI; \
	MOVQ  LO, AX; \
	MULQ  zigMult2<>+0(SB); \
	ADDQ  DX, HI; \
	ADDQ  R13, AX; \
	ADCQ  R12, HI; \
	MOVQ  AX, LO

// func zigChains(dst []float64, st *[6]uint64, tab *zigTables, loc, scale float64, affine bool) (n int, rejected bool)
//
// See ziggurat_amd64.go for the contract. Chain 1 (R8, R9) makes outputs 1, 3, 5, …, chain 2
// (R10, R11) outputs 2, 4, 6, …; both advance two steps at a time, so their multiplications
// overlap. DI walks dst up to BX.
TEXT ·zigChains(SB), NOSPLIT, $0-73
	MOVQ  dst_base+0(FP), DI
	MOVQ  dst_len+8(FP), BX
	LEAQ  (DI)(BX*8), BX
	MOVQ  st+24(FP), AX
	MOVQ  0(AX), R8
	MOVQ  8(AX), R9
	MOVQ  16(AX), R10
	MOVQ  24(AX), R11
	MOVQ  32(AX), R12
	MOVQ  40(AX), R13
	MOVQ  tab+32(FP), SI
	MOVSD loc+40(FP), X2
	MOVSD scale+48(FP), X1
	CMPQ  DI, BX
	JEQ   done1
	CMPB  affine+56(FP), $0
	JNE   affine

std:
	OUTZIG(R8, R9, rej1)
	MOVSD X0, (DI)
	ADDQ  $8, DI
	CMPQ  DI, BX
	JEQ   done1
	OUTZIG(R10, R11, rej2)
	MOVSD X0, (DI)
	ADDQ  $8, DI
	CMPQ  DI, BX
	JEQ   done2
	ADVANCE(R8, R9)
	ADVANCE(R10, R11)
	JMP   std

affine:
	OUTZIG(R8, R9, rej1)
	MULSD X1, X0
	ADDSD X2, X0
	MOVSD X0, (DI)
	ADDQ  $8, DI
	CMPQ  DI, BX
	JEQ   done1
	OUTZIG(R10, R11, rej2)
	MULSD X1, X0
	ADDSD X2, X0
	MOVSD X0, (DI)
	ADDQ  $8, DI
	CMPQ  DI, BX
	JEQ   done2
	ADVANCE(R8, R9)
	ADVANCE(R10, R11)
	JMP   affine

done1:
	MOVB $0, rejected+72(FP)
	JMP  state1

rej1:
	MOVB $1, rejected+72(FP)

state1:
	MOVQ st+24(FP), AX
	MOVQ R8, 0(AX)
	MOVQ R9, 8(AX)
	JMP  count

done2:
	MOVB $0, rejected+72(FP)
	JMP  state2

rej2:
	MOVB $1, rejected+72(FP)

state2:
	MOVQ st+24(FP), AX
	MOVQ R10, 0(AX)
	MOVQ R11, 8(AX)

count:
	SUBQ dst_base+0(FP), DI
	SHRQ $3, DI
	MOVQ DI, n+64(FP)
	RET
