//go:build amd64 && !purego

#include "textflag.h"

// DIFF8 loads eight values of frame t+1 (at (SI)(DI*1)) and of frame t (at (SI)) and leaves
// v = h1·1000 in Y4, Y5 and x = |v − h0·1000| in Y6, Y7 (lanes 0–3, 4–7).
#define DIFF8 \
	VMULPD (SI)(DI*1), Y9, Y4; \
	VMULPD 32(SI)(DI*1), Y9, Y5; \
	VMULPD (SI), Y9, Y6; \
	VMULPD 32(SI), Y9, Y7; \
	VSUBPD Y6, Y4, Y6; \
	VSUBPD Y7, Y5, Y7; \
	VANDPD Y10, Y6, Y6; \
	VANDPD Y10, Y7, Y7

// SUMS8 adds x (Y6, Y7) to the difference lanes and v² (of Y4, Y5) to the square lanes.
#define SUMS8 \
	VADDPD Y6, Y0, Y0; \
	VADDPD Y7, Y1, Y1; \
	VMULPD Y4, Y4, Y4; \
	VMULPD Y5, Y5, Y5; \
	VADDPD Y4, Y2, Y2; \
	VADDPD Y5, Y3, Y3

// MAX8 raises the lanes of Y8 to x (Y6, Y7) where x is larger; a NaN x leaves them.
#define MAX8 \
	VMAXPD Y8, Y6, Y8; \
	VMAXPD Y8, Y7, Y8

// HMAX8 makes every lane of Y8 the largest of its lanes (a NaN lane is kept only when all are
// NaN, which happens only for a NaN initial maximum); uses X4, X5.
#define HMAX8 \
	VEXTRACTF128 $1, Y8, X4; \
	VMAXPD       X8, X4, X4; \
	VUNPCKHPD    X4, X4, X5; \
	VMAXPD       X4, X5, X4; \
	VBROADCASTSD X4, Y8

// func pairTreeAVX2(h0, h1 *float64, groups, leaves int, leafSums *float64, buf *leafBuf, mx float64, track bool) (ds, es, m float64, rescans int)
//
// Y0, Y1: difference lanes 0–3, 4–7 of the current leaf; Y2, Y3: square lanes; Y8: running
// maximum; Y9: 1000.0; Y10: the absolute-value mask; Y11: the maximum at the start of the
// leaf. SI walks frame t, DI = h1 − h0. buf receives each leaf's (ds, es); the leaves are
// then added pairwise level by level, which gives numpy's tree without data-dependent
// branches.
//
// A lane sum bounds the differences it adds (they are ≥ 0; rounding is monotone), so a leaf
// whose lane sums are all ≤ the maximum at its start holds no larger difference. Without
// track, the maximum is kept only through such bounds: a leaf where one is not (or is NaN) is
// scanned a second time for its differences. With track, every difference goes through
// VMAXPD. Either way rescans counts those leaves.
TEXT ·pairTreeAVX2(SB), NOSPLIT, $0-96
	MOVQ         h0+0(FP), SI
	MOVQ         h1+8(FP), DI
	SUBQ         SI, DI
	MOVQ         groups+16(FP), CX
	MOVQ         CX, R12
	SHLQ         $6, R12                 // bytes per leaf
	MOVQ         leaves+24(FP), R8
	MOVQ         leafSums+32(FP), R9
	MOVQ         buf+40(FP), R10
	VBROADCASTSD mx+48(FP), Y8
	MOVQ         $0x408F400000000000, AX // 1000.0
	VMOVQ        AX, X9
	VBROADCASTSD X9, Y9
	MOVQ         $0x7FFFFFFFFFFFFFFF, AX
	VMOVQ        AX, X10
	VBROADCASTSD X10, Y10
	XORQ         R11, R11                // leaf index
	XORQ         R13, R13                // rescans

leaf:
	VXORPD  Y0, Y0, Y0
	VXORPD  Y1, Y1, Y1
	VXORPD  Y2, Y2, Y2
	VXORPD  Y3, Y3, Y3
	MOVQ    CX, DX
	CMPB    track+56(FP), $0
	JEQ     boundMode

	HMAX8
	VMOVAPD Y8, Y11

trackLoop:
	DIFF8
	SUMS8
	MAX8
	ADDQ $64, SI
	DECQ DX
	JNZ  trackLoop
	JMP  check

boundMode:
	VMOVAPD Y8, Y11 // every lane holds the maximum

boundLoop:
	DIFF8
	SUMS8
	ADDQ $64, SI
	DECQ DX
	JNZ  boundLoop

check:
	// rescans counts the leaf when some lane sum is not ≤ the maximum at its start.
	VCMPPD    $0x16, Y11, Y0, Y4 // not less or equal (NLE_UQ): true when unordered
	VCMPPD    $0x16, Y11, Y1, Y5
	VORPD     Y5, Y4, Y4
	VMOVMSKPD Y4, AX
	TESTQ     AX, AX
	JZ        combine
	INCQ      R13
	CMPB      track+56(FP), $0
	JNE       combine

	// Scan the leaf again for its largest difference.
	MOVQ CX, DX
	SUBQ R12, SI

rescan:
	DIFF8
	MAX8
	ADDQ $64, SI
	DECQ DX
	JNZ  rescan
	HMAX8

combine:
	// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) for both sums.
	VHADDPD      Y1, Y0, Y0 // r0+r1, r4+r5, r2+r3, r6+r7
	VHADDPD      Y3, Y2, Y2
	VEXTRACTF128 $1, Y0, X1
	VEXTRACTF128 $1, Y2, X3
	VADDPD       X1, X0, X0 // (r0+r1)+(r2+r3), (r4+r5)+(r6+r7)
	VADDPD       X3, X2, X2
	VHADDPD      X2, X0, X0 // ds, es of the leaf
	VMOVSD       X0, (R9)(R11*8)
	MOVQ         R11, AX
	SHLQ         $4, AX
	VMOVUPD      X0, (R10)(AX*1)

	INCQ R11
	CMPQ R11, R8
	JB   leaf

	// Pairwise, level by level, in place: buf[i] = buf[2i] + buf[2i+1] (left + right).
	MOVQ R8, CX

level:
	SHRQ $1, CX
	JZ   done
	MOVQ R10, SI
	MOVQ R10, DI
	MOVQ CX, DX

node:
	VMOVUPD      (SI), Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VMOVUPD      X0, (DI)
	ADDQ         $32, SI
	ADDQ         $16, DI
	DECQ         DX
	JNZ          node
	JMP          level

done:
	VMOVUPD   (R10), X0
	VMOVSD    X0, ds+64(FP)
	VUNPCKHPD X0, X0, X1
	VMOVSD    X1, es+72(FP)
	HMAX8
	VMOVSD    X8, m+80(FP)
	MOVQ      R13, rescans+88(FP)
	VZEROUPPER
	RET

// func scaledSumsAVX2(x *float64, groups, leaves int, stk *kernelStack, mm *[2]float64) (s, q float64)
//
// Y0, Y1: lanes of v = x·1000; Y2, Y3: lanes of v²; Y4, Y5: running minimum and maximum;
// Y10: 1000.0. The leaves combine as in pairTreeAVX2.
TEXT ·scaledSumsAVX2(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), SI
	MOVQ         groups+8(FP), CX
	MOVQ         leaves+16(FP), R8
	MOVQ         stk+24(FP), R10
	MOVQ         mm+32(FP), R9
	VBROADCASTSD (R9), Y4
	VBROADCASTSD 8(R9), Y5
	MOVQ         $0x408F400000000000, AX // 1000.0
	VMOVQ        AX, X10
	VBROADCASTSD X10, Y10
	XORQ         R11, R11 // leaf index
	XORQ         BX, BX   // stack size in bytes

sleaf:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ   CX, DX

sgroup:
	VMULPD (SI), Y10, Y6   // v
	VMULPD 32(SI), Y10, Y7
	VADDPD Y6, Y0, Y0
	VADDPD Y7, Y1, Y1
	VMINPD Y4, Y6, Y4      // v < lo ? v : lo
	VMINPD Y4, Y7, Y4
	VMAXPD Y5, Y6, Y5      // v > hi ? v : hi
	VMAXPD Y5, Y7, Y5
	VMULPD Y6, Y6, Y8      // v²
	VMULPD Y7, Y7, Y9
	VADDPD Y8, Y2, Y2
	VADDPD Y9, Y3, Y3
	ADDQ   $64, SI
	DECQ   DX
	JNZ    sgroup

	VHADDPD      Y1, Y0, Y0
	VHADDPD      Y3, Y2, Y2
	VEXTRACTF128 $1, Y0, X1
	VEXTRACTF128 $1, Y2, X3
	VADDPD       X1, X0, X0
	VADDPD       X3, X2, X2
	VHADDPD      X2, X0, X0 // s, q of the leaf

	INCQ R11
	MOVQ R11, AX

smerge:
	TESTQ   $1, AX
	JNZ     spush
	SUBQ    $16, BX
	VMOVUPD (R10)(BX*1), X1
	VADDPD  X0, X1, X0      // left + right
	SHRQ    $1, AX
	JMP     smerge

spush:
	VMOVUPD X0, (R10)(BX*1)
	ADDQ    $16, BX
	CMPQ    R11, R8
	JB      sleaf

	VMOVSD       X0, s+40(FP)
	VUNPCKHPD    X0, X0, X1
	VMOVSD       X1, q+48(FP)
	VEXTRACTF128 $1, Y4, X1
	VMINPD       X4, X1, X4
	VUNPCKHPD    X4, X4, X1
	VMINPD       X4, X1, X4
	VMOVSD       X4, (R9)
	VEXTRACTF128 $1, Y5, X1
	VMAXPD       X5, X1, X5
	VUNPCKHPD    X5, X5, X1
	VMAXPD       X5, X1, X5
	VMOVSD       X5, 8(R9)
	VZEROUPPER
	RET

// MOMENT computes, for the four values at off(SI), v = x·1000 (Y6), d = v − mean (Y6),
// p = d·d (Y7), e = fma(d, d, −p) (Y8), and pow34's d³ = h + (fma(p, d, −h) + e·d) with
// h = p·d, and d⁴ = q + (fma(p, p, −q) + 2p·e) with q = p·p (Y9–Y11 as temporaries); it adds
// p, d³ and d⁴ to the accumulators a2, a3, a4. Each fma is one VFMSUB231PD (dst = a·b − dst,
// rounded once), every other product and sum is rounded on its own.
#define MOMENT(off, a2, a3, a4)      \
	VMULPD      off(SI), Y13, Y6; \
	VSUBPD      Y14, Y6, Y6;      \
	VMULPD      Y6, Y6, Y7;       \
	VADDPD      Y7, a2, a2;       \
	VMOVAPD     Y7, Y8;           \
	VFMSUB231PD Y6, Y6, Y8;       \
	VMULPD      Y6, Y7, Y9;       \
	VMOVAPD     Y9, Y10;          \
	VFMSUB231PD Y6, Y7, Y10;      \
	VMULPD      Y6, Y8, Y11;      \
	VADDPD      Y11, Y10, Y10;    \
	VADDPD      Y10, Y9, Y9;      \
	VADDPD      Y9, a3, a3;       \
	VMULPD      Y7, Y7, Y9;       \
	VMOVAPD     Y9, Y10;          \
	VFMSUB231PD Y7, Y7, Y10;      \
	VADDPD      Y7, Y7, Y11;      \
	VMULPD      Y8, Y11, Y11;     \
	VADDPD      Y11, Y10, Y10;    \
	VADDPD      Y10, Y9, Y9;      \
	VADDPD      Y9, a4, a4

// func momentsAVX2(x *float64, groups, leaves int, mean float64, stk *momentStack) (c2, c3, c4 float64)
//
// Y0–Y5: lanes 0–3 and 4–7 of d², d³, d⁴; Y13: 1000.0; Y14: mean. Stack entries are
// (d², d³, d⁴, d⁴), 32 bytes.
TEXT ·momentsAVX2(SB), NOSPLIT, $0-64
	MOVQ         x+0(FP), SI
	MOVQ         groups+8(FP), CX
	MOVQ         leaves+16(FP), R8
	VBROADCASTSD mean+24(FP), Y14
	MOVQ         stk+32(FP), R10
	MOVQ         $0x408F400000000000, AX // 1000.0
	VMOVQ        AX, X13
	VBROADCASTSD X13, Y13
	XORQ         R11, R11 // leaf index
	XORQ         BX, BX   // stack size in bytes

mleaf:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	MOVQ   CX, DX

mgroup:
	MOMENT(0, Y0, Y2, Y4)
	MOMENT(32, Y1, Y3, Y5)
	ADDQ $64, SI
	DECQ DX
	JNZ  mgroup

	VHADDPD      Y1, Y0, Y0
	VHADDPD      Y3, Y2, Y2
	VHADDPD      Y5, Y4, Y4
	VEXTRACTF128 $1, Y0, X1
	VEXTRACTF128 $1, Y2, X3
	VEXTRACTF128 $1, Y4, X5
	VADDPD       X1, X0, X0
	VADDPD       X3, X2, X2
	VADDPD       X5, X4, X4
	VHADDPD      X2, X0, X0        // d², d³ of the leaf
	VHADDPD      X4, X4, X4        // d⁴, d⁴
	VINSERTF128  $1, X4, Y0, Y0

	INCQ R11
	MOVQ R11, AX

mmerge:
	TESTQ   $1, AX
	JNZ     mpush
	SUBQ    $32, BX
	VMOVUPD (R10)(BX*1), Y1
	VADDPD  Y0, Y1, Y0      // left + right
	SHRQ    $1, AX
	JMP     mmerge

mpush:
	VMOVUPD Y0, (R10)(BX*1)
	ADDQ    $32, BX
	CMPQ    R11, R8
	JB      mleaf

	VMOVSD       X0, c2+40(FP)
	VUNPCKHPD    X0, X0, X1
	VMOVSD       X1, c3+48(FP)
	VEXTRACTF128 $1, Y0, X1
	VMOVSD       X1, c4+56(FP)
	VZEROUPPER
	RET

// nibbleBytes<>[b] holds the four bytes (b>>0)&1, (b>>1)&1, (b>>2)&1, (b>>3)&1.
DATA nibbleBytes<>+0(SB)/4, $0x00000000
DATA nibbleBytes<>+4(SB)/4, $0x00000001
DATA nibbleBytes<>+8(SB)/4, $0x00000100
DATA nibbleBytes<>+12(SB)/4, $0x00000101
DATA nibbleBytes<>+16(SB)/4, $0x00010000
DATA nibbleBytes<>+20(SB)/4, $0x00010001
DATA nibbleBytes<>+24(SB)/4, $0x00010100
DATA nibbleBytes<>+28(SB)/4, $0x00010101
DATA nibbleBytes<>+32(SB)/4, $0x01000000
DATA nibbleBytes<>+36(SB)/4, $0x01000001
DATA nibbleBytes<>+40(SB)/4, $0x01000100
DATA nibbleBytes<>+44(SB)/4, $0x01000101
DATA nibbleBytes<>+48(SB)/4, $0x01010000
DATA nibbleBytes<>+52(SB)/4, $0x01010001
DATA nibbleBytes<>+56(SB)/4, $0x01010100
DATA nibbleBytes<>+60(SB)/4, $0x01010101
GLOBL nibbleBytes<>(SB), RODATA|NOPTR, $64

// func packAVX2(x *float64, groups int, thr *[3]float64, mask *bool) (lo, me, hi uint64)
//
// Four values at a time from the last to the first, so that each word takes the new four
// bits with a constant shift: VCMPPD with GT_OQ (x > thr, false for NaN), VMOVMSKPD.
TEXT ·packAVX2(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), SI
	MOVQ         groups+8(FP), CX
	MOVQ         thr+16(FP), AX
	VBROADCASTSD (AX), Y1
	VBROADCASTSD 8(AX), Y2
	VBROADCASTSD 16(AX), Y3
	MOVQ         mask+24(FP), DI
	LEAQ         (DI)(CX*4), DI // past the last mask byte
	MOVQ         CX, DX
	SHLQ         $5, DX
	ADDQ         DX, SI         // past the last value
	XORQ         R8, R8
	XORQ         R9, R9
	XORQ         R10, R10
	LEAQ         nibbleBytes<>(SB), R11

pack:
	SUBQ      $32, SI
	SUBQ      $4, DI
	VMOVUPD   (SI), Y0
	VCMPPD    $0x1e, Y1, Y0, Y4
	VCMPPD    $0x1e, Y2, Y0, Y5
	VCMPPD    $0x1e, Y3, Y0, Y6
	VMOVMSKPD Y4, AX
	VMOVMSKPD Y5, BX
	VMOVMSKPD Y6, DX
	SHLQ      $4, R8
	ORQ       AX, R8
	SHLQ      $4, R9
	ORQ       BX, R9
	SHLQ      $4, R10
	ORQ       DX, R10
	MOVL      (R11)(AX*4), AX
	MOVL      AX, (DI)
	DECQ      CX
	JNZ       pack

	MOVQ R8, lo+32(FP)
	MOVQ R9, me+40(FP)
	MOVQ R10, hi+48(FP)
	VZEROUPPER
	RET
