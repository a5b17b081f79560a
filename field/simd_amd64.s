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

// DCOUNT adds the lanes of R13 within the mask R9 to the clamp count and the NaN lanes of
// R0 among them to the NaN count (in the argument block at AX).
#define DCOUNTX() \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, 152(AX); \
	VCMPPD    $0x03, X0, X0, X5; \
	VMOVMSKPD X5, R13; \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, 160(AX)

#define DCOUNTY() \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, 152(AX); \
	VCMPPD    $0x03, Y0, Y0, Y5; \
	VMOVMSKPD Y5, R13; \
	ANDQ      R9, R13; \
	POPCNTQ   R13, R13; \
	ADDQ      R13, 160(AX)

// EDGE2 gathers the edge cells' values at element offsets 0 and last (a register holding
// n − 1) of the row at base into dst.
#define EDGE2(base, last, dst) \
	VMOVSD  (base), dst; \
	VMOVHPD (base)(last*8), dst, dst

// NEIGH2 gathers the edge cells' horizontal neighbours at the element offsets stored at off
// and off+8 of the argument block, masked by the 16 bytes at mask (Dirichlet's outside
// neighbours are 0), from the row at base into dst.
#define NEIGH2(base, off, mask, dst) \
	MOVQ    off(AX), CX; \
	VMOVSD  (base)(CX*8), dst; \
	MOVQ    off+8(AX), CX; \
	VMOVHPD (base)(CX*8), dst, dst; \
	VANDPD  mask(AX), dst, dst

// func diffuseRowAVX2(p *diffArgs)
//
// p.rows ≥ 1 consecutive rows of diffuseRow: out = clamp(m + α·L + nz) for n ≥ 6 cells; nz
// may be nil. Each row's pointers are the previous row's plus n cells. See diffArgs for the
// layout; the counts are written to p.clamped and p.nan.
TEXT ·diffuseRowAVX2(SB), NOSPLIT, $0-8
	MOVQ         p+0(FP), AX
	MOVQ         0(AX), DI               // out
	MOVQ         8(AX), SI               // up
	MOVQ         16(AX), R8              // down
	MOVQ         24(AX), R11             // mid
	MOVQ         32(AX), R12             // noise or nil
	VBROADCASTSD 48(AX), Y15             // α
	VBROADCASTSD 56(AX), Y14             // 4
	VBROADCASTSD 64(AX), Y13             // lower bound
	VBROADCASTSD 72(AX), Y12             // upper bound
	MOVQ         $0, 152(AX)
	MOVQ         $0, 160(AX)
	MOVQ         168(AX), BX             // rows

drow:
	MOVQ 40(AX), R10
	DECQ R10                             // n − 1

	// The edges: lane 0 is cell 0, lane 1 cell n−1.
	EDGE2(SI, R10, X6)
	EDGE2(R8, R10, X7)
	NEIGH2(R11, 88, 120, X8)
	NEIGH2(R11, 104, 136, X9)
	EDGE2(R11, R10, X10)
	TESTQ R12, R12
	JZ    dedge
	EDGE2(R12, R10, X11)

dedge:
	MOVQ  $3, R9
	DIFFX(X6, X7, X8, X9, X10, X11)
	TESTQ R13, R13
	JZ    dedgestore
	DCOUNTX()

dedgestore:
	VMOVSD  X3, (DI)
	VMOVHPD X3, (DI)(R10*8)

	// The interior: cells 1 … n−2.
	SUBQ $1, R10                         // n − 2 interior cells
	MOVQ R10, CX
	SHRQ $2, CX                          // groups
	ANDQ $3, R10                         // left over
	MOVQ $15, R9
	MOVQ $8, DX
	CMPQ 80(AX), $0
	JNE  dswapped

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
	MOVQ  40(AX), DX
	SUBQ  $5, DX
	SHLQ  $3, DX
	MOVQ  $1, CX
	XORQ  R10, R10
	CMPQ  80(AX), $0
	JNE   dswapped
	JMP   dloop

ddone:
	// The next row: every row one row further on.
	DECQ  BX
	JZ    dexit
	MOVQ  40(AX), R13
	SHLQ  $3, R13
	ADDQ  R13, DI
	ADDQ  R13, SI
	ADDQ  R13, R8
	ADDQ  R13, R11
	TESTQ R12, R12
	JZ    drow
	ADDQ  R13, R12
	JMP   drow

dexit:
	VZEROUPPER
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
// p.rows ≥ 1 consecutive rows of the activator–inhibitor step without the Turing kick, n ≥ 6
// cells; each row's pointers are the previous row's plus n cells. See reactArgs for the
// layout. The NaN counts are written to p.nanA and p.nanI.
TEXT ·reactRowAVX2(SB), NOSPLIT, $0-8
	MOVQ         p+0(FP), AX
	VBROADCASTSD 72(AX), Y8
	VBROADCASTSD 80(AX), Y9
	VBROADCASTSD 88(AX), Y10
	VBROADCASTSD 96(AX), Y11
	VBROADCASTSD 104(AX), Y14            // 4
	VBROADCASTSD 112(AX), Y13            // 1
	VXORPD       Y12, Y12, Y12
	MOVQ         0(AX), DI               // activator out
	MOVQ         8(AX), BX               // inhibitor out
	MOVQ         16(AX), SI              // activator up
	MOVQ         24(AX), R8              // activator down
	MOVQ         32(AX), R9              // activator mid
	MOVQ         40(AX), R10             // inhibitor up
	MOVQ         48(AX), R11             // inhibitor down
	MOVQ         56(AX), R12             // inhibitor mid
	MOVQ         $0, 224(AX)
	MOVQ         $0, 232(AX)

rrow:
	VPXOR Y15, Y15, Y15
	VPXOR Y7, Y7, Y7
	MOVQ  64(AX), DX
	DECQ  DX                             // n − 1

	// The edges: lane 0 is cell 0, lane 1 cell n−1.
	EDGE2(SI, DX, X0)
	EDGE2(R8, DX, X2)
	VADDPD X2, X0, X0
	NEIGH2(R9, 128, 160, X2)
	VADDPD X2, X0, X0
	NEIGH2(R9, 144, 176, X2)
	VADDPD X2, X0, X0
	EDGE2(R9, DX, X1)
	VMULPD X14, X1, X2
	VSUBPD X2, X0, X0
	EDGE2(R10, DX, X3)
	EDGE2(R11, DX, X5)
	VADDPD X5, X3, X3
	NEIGH2(R12, 128, 160, X5)
	VADDPD X5, X3, X3
	NEIGH2(R12, 144, 176, X5)
	VADDPD X5, X3, X3
	EDGE2(R12, DX, X4)
	VMULPD X14, X4, X5
	VSUBPD X5, X3, X3
	TESTQ  $1, 120(AX)
	JNZ    rejacobi
	REACTX(X0)
	JMP    restore

rejacobi:
	REACTX(X1)

restore:
	VMOVSD  X0, (DI)
	VMOVHPD X0, (DI)(DX*8)
	VMOVSD  X3, (BX)
	VMOVHPD X3, (BX)(DX*8)

	// The interior: cells 1 … n−2.
	MOVQ DX, CX
	DECQ CX                              // n − 2 interior cells
	MOVQ CX, R13
	ANDQ $3, R13
	MOVQ R13, 240(AX)                    // left over, for the tail
	MOVQ $0, 248(AX)                     // not in the tail yet
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
	CMPQ 248(AX), $0
	JNE  rtaildone
	CMPQ 240(AX), $0
	JEQ  rsum
	// The last four interior cells (n−5 … n−2) again; their counts apart, then masked to the
	// new lanes.
	VMOVDQU Y15, 256(AX)
	VMOVDQU Y7, 288(AX)
	VPXOR   Y15, Y15, Y15
	VPXOR   Y7, Y7, Y7
	MOVQ    $1, 248(AX)
	MOVQ    64(AX), DX
	SUBQ    $5, DX
	SHLQ    $3, DX
	MOVQ    $1, CX
	JMP     rdispatch

rtaildone:
	VPAND  192(AX), Y15, Y15
	VPAND  192(AX), Y7, Y7
	VPADDQ 256(AX), Y15, Y15
	VPADDQ 288(AX), Y7, Y7

rsum:
	VEXTRACTI128 $1, Y15, X5
	VPADDQ       X5, X15, X15
	VPSHUFD      $0x4E, X15, X5
	VPADDQ       X5, X15, X15
	VMOVQ        X15, R13
	ADDQ         R13, 224(AX)
	VEXTRACTI128 $1, Y7, X5
	VPADDQ       X5, X7, X7
	VPSHUFD      $0x4E, X7, X5
	VPADDQ       X5, X7, X7
	VMOVQ        X7, R13
	ADDQ         R13, 232(AX)

	// The next row: every row one row further on.
	DECQ 320(AX)
	JZ   rexit
	MOVQ 64(AX), R13
	SHLQ $3, R13
	ADDQ R13, DI
	ADDQ R13, BX
	ADDQ R13, SI
	ADDQ R13, R8
	ADDQ R13, R9
	ADDQ R13, R10
	ADDQ R13, R11
	ADDQ R13, R12
	JMP  rrow

rexit:
	VZEROUPPER
	RET
