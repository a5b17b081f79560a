//go:build amd64 && !purego

#include "textflag.h"

// The field's stencil kernels in AVX2, four cells per instruction. Each lane performs exactly
// the scalar code's operations in its order (stencil.go); there is no FMA, so every product
// and sum is rounded on its own and the results are bit for bit the scalar ones.
//
// Go's assembler lists operands source first: VSUBPD b, a, d computes d = a − b, and
// VMAXPD x, lo, d computes d = (lo > x) ? lo : x, which keeps x when x is NaN (the clamp's
// and clip's scalar semantics).
//
// A row of n ≥ 6 cells is done in three parts: the two edge cells (0 and n−1), whose
// horizontal neighbours depend on the boundary, as the two lanes of an XMM register from an
// edge block the caller fills; the interior in groups of four, the horizontal neighbours at
// −8 and +8 bytes (Dirichlet adds the right one first); and, when the interior is not a
// multiple of four, its last four cells again. That last group overlaps the one before: the
// overlapped cells get the same values again and only the new lanes are counted.

// DIFF computes x = m + α·((((u + d) + first) + second) − 4·m) [+ noise], then the clamp
// y = min(max(x, lo), hi) in Y3, and in R13 the lanes where y ≠ x (clamped or NaN). The
// noise is added when R12 is not nil. Y12 hi, Y13 lo, Y14 4, Y15 α.
#define DIFFX(u, d, first, second, m, nz) \
	VMOVUPD   u, X0; \
	VADDPD    d, X0, X0; \
	VADDPD    first, X0, X0; \
	VADDPD    second, X0, X0; \
	VMOVUPD   m, X1; \
	VMULPD    X14, X1, X2; \
	VSUBPD    X2, X0, X0; \
	VMULPD    X15, X0, X0; \
	VADDPD    X0, X1, X0; \
	TESTQ     R12, R12; \
	JZ        2(PC); \
	VADDPD    nz, X0, X0; \
	VMAXPD    X0, X13, X3; \
	VMINPD    X3, X12, X3; \
	VCMPPD    $0x04, X3, X0, X4; \
	VMOVMSKPD X4, R13

#define DIFFY(u, d, first, second, m, nz) \
	VMOVUPD   u, Y0; \
	VADDPD    d, Y0, Y0; \
	VADDPD    first, Y0, Y0; \
	VADDPD    second, Y0, Y0; \
	VMOVUPD   m, Y1; \
	VMULPD    Y14, Y1, Y2; \
	VSUBPD    Y2, Y0, Y0; \
	VMULPD    Y15, Y0, Y0; \
	VADDPD    Y0, Y1, Y0; \
	TESTQ     R12, R12; \
	JZ        2(PC); \
	VADDPD    nz, Y0, Y0; \
	VMAXPD    Y0, Y13, Y3; \
	VMINPD    Y3, Y12, Y3; \
	VCMPPD    $0x04, Y3, Y0, Y4; \
	VMOVMSKPD Y4, R13

// DCOUNT adds the lanes of R13 within the mask R9 to the clamp count (AX) and the NaN lanes
// of R0 among them to the NaN count (BX).
#define DCOUNTX() \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, AX; \
	VCMPPD    $0x03, X0, X0, X5; \
	VMOVMSKPD X5, R13; \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, BX

#define DCOUNTY() \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, AX; \
	VCMPPD    $0x03, Y0, Y0, Y5; \
	VMOVMSKPD Y5, R13; \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, BX

// func diffuseRowAVX2(out, u, d, m, nz *float64, n int, alpha float64, c *[3]float64, e *diffEdges, swapped bool) (clamped, nan int)
//
// One row of diffuseRow: out = clamp(m + α·L + nz) for n ≥ 6 cells; nz may be nil. c holds 4
// and the clamp bounds; e the edge cells' inputs (see diffEdges).
TEXT ·diffuseRowAVX2(SB), NOSPLIT, $0-96
	MOVQ         out+0(FP), DI
	MOVQ         u+8(FP), SI
	MOVQ         d+16(FP), R8
	MOVQ         m+24(FP), R11
	MOVQ         nz+32(FP), R12
	VBROADCASTSD alpha+48(FP), Y15
	MOVQ         c+56(FP), AX
	VBROADCASTSD (AX), Y14
	VBROADCASTSD 8(AX), Y13
	VBROADCASTSD 16(AX), Y12
	XORQ         AX, AX                  // clamped
	XORQ         BX, BX                  // nan
	MOVQ         $3, R9                  // the edge pair's lanes

	// The edges: lane 0 is cell 0, lane 1 cell n−1.
	MOVQ  e+64(FP), R10
	DIFFX((R10), 16(R10), 32(R10), 48(R10), 64(R10), 80(R10))
	TESTQ R13, R13
	JZ    dedgestore
	DCOUNTX()

dedgestore:
	MOVQ    n+40(FP), R10
	DECQ    R10
	VMOVSD  X3, (DI)
	VMOVHPD X3, (DI)(R10*8)

	// The interior: cells 1 … n−2.
	SUBQ    $1, R10                      // n − 2 interior cells
	MOVQ    R10, CX
	SHRQ    $2, CX                       // groups
	ANDQ    $3, R10                      // left over
	MOVQ    $15, R9
	MOVQ    $8, DX
	MOVBLZX swapped+72(FP), R13
	TESTQ   R13, R13
	JNZ     dswapped

dloop:
	DIFFY((SI)(DX*1), (R8)(DX*1), -8(R11)(DX*1), 8(R11)(DX*1), (R11)(DX*1), (R12)(DX*1))
	TESTQ R13, R13
	JNZ   dslow

dstore:
	VMOVUPD Y3, (DI)(DX*1)
	ADDQ    $32, DX
	DECQ    CX
	JNZ     dloop
	JMP     dtail

dslow:
	DCOUNTY()
	JMP dstore

dswapped:
	DIFFY((SI)(DX*1), (R8)(DX*1), 8(R11)(DX*1), -8(R11)(DX*1), (R11)(DX*1), (R12)(DX*1))
	TESTQ R13, R13
	JNZ   dsslow

dsstore:
	VMOVUPD Y3, (DI)(DX*1)
	ADDQ    $32, DX
	DECQ    CX
	JNZ     dswapped
	JMP     dtail

dsslow:
	DCOUNTY()
	JMP dsstore

dtail:
	// The last four interior cells (n−5 … n−2) again, counting only the R10 new ones.
	TESTQ R10, R10
	JZ    ddone
	MOVQ  $0xF0, R9
	MOVQ  R10, CX
	SHRQ  CX, R9
	ANDQ  $15, R9
	MOVQ  n+40(FP), DX
	SUBQ  $5, DX
	SHLQ  $3, DX
	MOVQ  $1, CX
	XORQ  R10, R10
	MOVBLZX swapped+72(FP), R13
	TESTQ R13, R13
	JNZ   dswapped
	JMP   dloop

ddone:
	VZEROUPPER
	MOVQ AX, clamped+80(FP)
	MOVQ BX, nan+88(FP)
	RET

// LAP computes the Laplacian (((up + down) + first) + second) − 4·m into dst, m into mreg;
// uses tmp. R14 holds 4.
#define LAPX(up, down, first, second, m, dst, mreg, tmp) \
	VMOVUPD up, dst; \
	VADDPD  down, dst, dst; \
	VADDPD  first, dst, dst; \
	VADDPD  second, dst, dst; \
	VMOVUPD m, mreg; \
	VMULPD  X14, mreg, tmp; \
	VSUBPD  tmp, dst, dst

#define LAPY(up, down, first, second, m, dst, mreg, tmp) \
	VMOVUPD up, dst; \
	VADDPD  down, dst, dst; \
	VADDPD  first, dst, dst; \
	VADDPD  second, dst, dst; \
	VMOVUPD m, mreg; \
	VMULPD  Y14, mreg, tmp; \
	VSUBPD  tmp, dst, dst

// REACT is reaction.cell and the clip for the Laplacians R0 (activator), R3 (inhibitor) and
// the old values R1, R4, with src (R1: old activator, R0: new) in the inhibitor's source
// term. The clipped results are left in R0, R3; a NaN lane subtracts −1 (the compare's
// all-ones) from the lane counts in R15 (activator) and R7 (inhibitor). R8 da, R9 di,
// R10 ra, R11 ri, R12 0, R13 1.
#define REACTX(src) \
	VSUBPD X1, X13, X5; \
	VMULPD X5, X1, X5; \
	VSUBPD X4, X5, X5; \
	VMULPD X10, X5, X5; \
	VMULPD X8, X0, X0; \
	VADDPD X5, X0, X0; \
	VADDPD X0, X1, X0; \
	VSUBPD X4, src, X5; \
	VMULPD X11, X5, X5; \
	VMULPD X9, X3, X3; \
	VADDPD X5, X3, X3; \
	VADDPD X3, X4, X3; \
	VCMPPD $0x03, X0, X0, X5; \
	VPSUBQ X5, X15, X15; \
	VCMPPD $0x03, X3, X3, X6; \
	VPSUBQ X6, X7, X7; \
	VMAXPD X0, X12, X0; \
	VMINPD X0, X13, X0; \
	VMAXPD X3, X12, X3; \
	VMINPD X3, X13, X3

#define REACTY(src) \
	VSUBPD Y1, Y13, Y5; \
	VMULPD Y5, Y1, Y5; \
	VSUBPD Y4, Y5, Y5; \
	VMULPD Y10, Y5, Y5; \
	VMULPD Y8, Y0, Y0; \
	VADDPD Y5, Y0, Y0; \
	VADDPD Y0, Y1, Y0; \
	VSUBPD Y4, src, Y5; \
	VMULPD Y11, Y5, Y5; \
	VMULPD Y9, Y3, Y3; \
	VADDPD Y5, Y3, Y3; \
	VADDPD Y3, Y4, Y3; \
	VCMPPD $0x03, Y0, Y0, Y5; \
	VPSUBQ Y5, Y15, Y15; \
	VCMPPD $0x03, Y3, Y3, Y6; \
	VPSUBQ Y6, Y7, Y7; \
	VMAXPD Y0, Y12, Y0; \
	VMINPD Y0, Y13, Y0; \
	VMAXPD Y3, Y12, Y3; \
	VMINPD Y3, Y13, Y3

// REACT4 advances the four cells at byte offset DX; l and r are the displacements of the first
// and second horizontal neighbour.
#define REACT4(l, r, src) \
	LAPY((SI)(DX*1), (R8)(DX*1), l(R9)(DX*1), r(R9)(DX*1), (R9)(DX*1), Y0, Y1, Y2); \
	LAPY((R10)(DX*1), (R11)(DX*1), l(R12)(DX*1), r(R12)(DX*1), (R12)(DX*1), Y3, Y4, Y5); \
	REACTY(src); \
	VMOVUPD Y0, (DI)(DX*1); \
	VMOVUPD Y3, (BX)(DX*1); \
	ADDQ    $32, DX

// func reactRowAVX2(p *reactArgs)
//
// One row of the activator–inhibitor step without the Turing kick, n ≥ 6 cells; see
// reactArgs for the layout. The NaN counts per lane go to p.nanA, p.nanI (edges and the
// groups) and p.tailNanA, p.tailNanI (the overlapping last group).
TEXT ·reactRowAVX2(SB), NOSPLIT, $0-8
	MOVQ         p+0(FP), AX
	VBROADCASTSD 72(AX), Y8
	VBROADCASTSD 80(AX), Y9
	VBROADCASTSD 88(AX), Y10
	VBROADCASTSD 96(AX), Y11
	VBROADCASTSD 104(AX), Y14            // 4
	VBROADCASTSD 112(AX), Y13            // 1
	VXORPD       Y12, Y12, Y12
	VPXOR        Y15, Y15, Y15
	VPXOR        Y7, Y7, Y7

	// The edges (lane 0 cell 0, lane 1 cell n−1) from the edge block at 272.
	LAPX(272(AX), 288(AX), 304(AX), 320(AX), 336(AX), X0, X1, X2)
	LAPX(352(AX), 368(AX), 384(AX), 400(AX), 416(AX), X3, X4, X5)
	MOVQ 120(AX), R13
	TESTQ $1, R13
	JNZ  rejacobi
	REACTX(X0)
	JMP  restore

rejacobi:
	REACTX(X1)

restore:
	MOVQ    0(AX), DI
	MOVQ    8(AX), BX
	MOVQ    64(AX), CX                   // n
	DECQ    CX
	VMOVSD  X0, (DI)
	VMOVHPD X0, (DI)(CX*8)
	VMOVSD  X3, (BX)
	VMOVHPD X3, (BX)(CX*8)

	MOVQ 16(AX), SI                      // activator up
	MOVQ 24(AX), R8                      // activator down
	MOVQ 32(AX), R9                      // activator mid
	MOVQ 40(AX), R10                     // inhibitor up
	MOVQ 48(AX), R11                     // inhibitor down
	MOVQ 56(AX), R12                     // inhibitor mid
	DECQ CX                              // n − 2 interior cells
	MOVQ CX, R13
	ANDQ $3, R13
	MOVQ R13, 256(AX)                    // left over, for the tail
	MOVQ $0, 264(AX)                     // not in the tail yet
	SHRQ $2, CX                          // groups
	MOVQ $8, DX

rdispatch:
	MOVQ 120(AX), R13                    // flags: 1 jacobi, 2 swapped neighbours
	CMPQ R13, $1
	JEQ  rjacobi
	CMPQ R13, $2
	JEQ  rswapped
	CMPQ R13, $3
	JEQ  rjacobiswapped

rplain:
	REACT4(-8, 8, Y0)
	DECQ CX
	JNZ  rplain
	JMP  rtail

rjacobi:
	REACT4(-8, 8, Y1)
	DECQ CX
	JNZ  rjacobi
	JMP  rtail

rswapped:
	REACT4(8, -8, Y0)
	DECQ CX
	JNZ  rswapped
	JMP  rtail

rjacobiswapped:
	REACT4(8, -8, Y1)
	DECQ CX
	JNZ  rjacobiswapped

rtail:
	CMPQ 264(AX), $0
	JNE  rtaildone
	VMOVDQU Y15, 128(AX)
	VMOVDQU Y7, 160(AX)
	CMPQ 256(AX), $0
	JEQ  rdone
	// The last four interior cells again, their counts apart.
	MOVQ    $1, 264(AX)
	VPXOR   Y15, Y15, Y15
	VPXOR   Y7, Y7, Y7
	MOVQ    64(AX), DX
	SUBQ    $5, DX
	SHLQ    $3, DX
	MOVQ    $1, CX
	JMP     rdispatch

rtaildone:
	VMOVDQU Y15, 192(AX)
	VMOVDQU Y7, 224(AX)

rdone:
	VZEROUPPER
	RET
