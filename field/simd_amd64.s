//go:build amd64 && !purego

#include "textflag.h"

// The field's stencil kernels in AVX2, four cells per instruction. Each lane performs exactly
// the scalar code's operations in its order (stencil.go); there is no FMA, so every product
// and sum is rounded on its own and the results are bit for bit the scalar ones.
//
// Go's assembler lists operands source first: VSUBPD b, a, d computes d = a − b, and
// VMAXPD x, lo, d computes d = (lo > x) ? lo : x, which keeps x when x is NaN (the clamp's
// and clip's scalar semantics).

// func diffuseAVX2(out, u, d, x3, x4, m, nz *float64, groups int, alpha float64, c *[3]float64) (clamped, nan int)
//
// For 4·groups cells: out = clamp(m + α·((((u + d) + x3) + x4) − 4·m) [+ nz]); nz may be nil.
// c holds 4, the lower and the upper clamp bound.
TEXT ·diffuseAVX2(SB), NOSPLIT, $0-96
	MOVQ         out+0(FP), DI
	MOVQ         u+8(FP), SI
	MOVQ         d+16(FP), R8
	MOVQ         x3+24(FP), R9
	MOVQ         x4+32(FP), R10
	MOVQ         m+40(FP), R11
	MOVQ         nz+48(FP), R12
	MOVQ         groups+56(FP), CX
	VBROADCASTSD alpha+64(FP), Y15
	MOVQ         c+72(FP), AX
	VBROADCASTSD (AX), Y14
	VBROADCASTSD 8(AX), Y13
	VBROADCASTSD 16(AX), Y12
	XORQ         AX, AX                  // clamped
	XORQ         BX, BX                  // nan
	XORQ         DX, DX                  // byte offset
	TESTQ        CX, CX
	JZ           ddone

dloop:
	VMOVUPD (SI)(DX*1), Y0
	VADDPD  (R8)(DX*1), Y0, Y0
	VADDPD  (R9)(DX*1), Y0, Y0
	VADDPD  (R10)(DX*1), Y0, Y0
	VMOVUPD (R11)(DX*1), Y1
	VMULPD  Y14, Y1, Y2
	VSUBPD  Y2, Y0, Y0
	VMULPD  Y15, Y0, Y0
	VADDPD  Y0, Y1, Y0
	TESTQ   R12, R12
	JZ      dclamp
	VADDPD  (R12)(DX*1), Y0, Y0

dclamp:
	VCMPPD    $0x11, Y13, Y0, Y3         // x < lower
	VCMPPD    $0x1E, Y12, Y0, Y4         // x > upper
	VCMPPD    $0x03, Y0, Y0, Y5          // x is NaN
	VORPD     Y3, Y4, Y3
	VORPD     Y5, Y3, Y3
	VMOVMSKPD Y3, R13
	TESTQ     R13, R13
	JNZ       dslow

dstore:
	VMOVUPD Y0, (DI)(DX*1)
	ADDQ    $32, DX
	DECQ    CX
	JNZ     dloop

ddone:
	VZEROUPPER
	MOVQ AX, clamped+80(FP)
	MOVQ BX, nan+88(FP)
	RET

dslow:
	POPCNTQ   R13, R13
	ADDQ      R13, AX
	VMOVMSKPD Y5, R13
	POPCNTQ   R13, R13
	ADDQ      R13, BX
	VMAXPD    Y0, Y13, Y0
	VMINPD    Y0, Y12, Y0
	JMP       dstore

// LAP4 leaves in dst the Laplacian of four cells at (mid)(DX*1): (((up + down) + l) + r) − 4·m,
// where l and r are the displacements of the first and second horizontal neighbour (−8, 8;
// Dirichlet swaps them), m is loaded into mreg; uses tmp. Y14 holds 4.
#define LAP4(up, down, mid, l, r, dst, mreg, tmp) \
	VMOVUPD (up)(DX*1), dst; \
	VADDPD  (down)(DX*1), dst, dst; \
	VADDPD  l(mid)(DX*1), dst, dst; \
	VADDPD  r(mid)(DX*1), dst, dst; \
	VMOVUPD (mid)(DX*1), mreg; \
	VMULPD  Y14, mreg, tmp; \
	VSUBPD  tmp, dst, dst

// REACT4 advances four cells of the activator–inhibitor pair (reaction.cell): aN in Y0, iN in
// Y3, src the register (Y1 = old activator, Y0 = new) the inhibitor's source term reads.
// Y8 da, Y9 di, Y10 ra, Y11 ri, Y12 0, Y13 1; a NaN lane subtracts −1 (the compare's
// all-ones) from the lane counts in Y15 (activator) and Y7 (inhibitor).
#define REACT4(l, r, src) \
	LAP4(SI, R8, R9, l, r, Y0, Y1, Y2); \
	LAP4(R10, R11, R12, l, r, Y3, Y4, Y5); \
	VSUBPD    Y1, Y13, Y5; \
	VMULPD    Y5, Y1, Y5; \
	VSUBPD    Y4, Y5, Y5; \
	VMULPD    Y10, Y5, Y5; \
	VMULPD    Y8, Y0, Y0; \
	VADDPD    Y5, Y0, Y0; \
	VADDPD    Y0, Y1, Y0; \
	VSUBPD    Y4, src, Y5; \
	VMULPD    Y11, Y5, Y5; \
	VMULPD    Y9, Y3, Y3; \
	VADDPD    Y5, Y3, Y3; \
	VADDPD    Y3, Y4, Y3; \
	VCMPPD    $0x03, Y0, Y0, Y5; \
	VPSUBQ    Y5, Y15, Y15; \
	VCMPPD    $0x03, Y3, Y3, Y6; \
	VPSUBQ    Y6, Y7, Y7; \
	VMAXPD    Y0, Y12, Y0; \
	VMINPD    Y0, Y13, Y0; \
	VMAXPD    Y3, Y12, Y3; \
	VMINPD    Y3, Y13, Y3; \
	VMOVUPD   Y0, (DI)(DX*1); \
	VMOVUPD   Y3, (BX)(DX*1); \
	ADDQ      $32, DX

// func reactAVX2(p *reactArgs)
//
// Advances p.groups·4 cells of a row; see reactArgs for the layout. The counts of NaN values
// per lane are stored in p.nanA and p.nanI.
TEXT ·reactAVX2(SB), NOSPLIT, $0-8
	MOVQ         p+0(FP), AX
	MOVQ         0(AX), DI               // aOut
	MOVQ         8(AX), BX               // iOut
	MOVQ         16(AX), SI              // activator up
	MOVQ         24(AX), R8              // activator down
	MOVQ         32(AX), R9              // activator mid
	MOVQ         40(AX), R10             // inhibitor up
	MOVQ         48(AX), R11             // inhibitor down
	MOVQ         56(AX), R12             // inhibitor mid
	MOVQ         64(AX), CX              // groups
	VBROADCASTSD 72(AX), Y8
	VBROADCASTSD 80(AX), Y9
	VBROADCASTSD 88(AX), Y10
	VBROADCASTSD 96(AX), Y11
	VBROADCASTSD 104(AX), Y14            // 4
	VBROADCASTSD 112(AX), Y13            // 1
	VXORPD       Y12, Y12, Y12
	VPXOR        Y15, Y15, Y15
	VPXOR        Y7, Y7, Y7
	XORQ         DX, DX
	TESTQ        CX, CX
	JZ           rdone
	MOVQ         120(AX), R13            // flags: 1 jacobi, 2 swapped neighbours
	CMPQ         R13, $1
	JEQ          rjacobi
	CMPQ         R13, $2
	JEQ          rswapped
	CMPQ         R13, $3
	JEQ          rjacobiswapped

rplain:
	REACT4(-8, 8, Y0)
	DECQ CX
	JNZ  rplain
	JMP  rdone

rjacobi:
	REACT4(-8, 8, Y1)
	DECQ CX
	JNZ  rjacobi
	JMP  rdone

rswapped:
	REACT4(8, -8, Y0)
	DECQ CX
	JNZ  rswapped
	JMP  rdone

rjacobiswapped:
	REACT4(8, -8, Y1)
	DECQ CX
	JNZ  rjacobiswapped

rdone:
	VMOVDQU Y15, 128(AX)
	VMOVDQU Y7, 160(AX)
	VZEROUPPER
	RET
