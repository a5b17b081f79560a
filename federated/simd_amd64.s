//go:build amd64 && !purego

#include "textflag.h"

// AVX2/FMA kernels for federated (see simd_amd64.go for their contracts).

// func gramTileAVX2(tile *float64, a *float64, b *float64, stride int, kc int, ng int)
//
// acc[r][g] (four lanes, a Y register) lives at tile + g*128 + r*32; a-panel row r of step k
// is a + k*32 + r*8; b-panel g of step k is b + g*stride + k*32 (four lanes). For every step,
// acc[r][g] += broadcast(a[k][r]) * b_g[k] with one FMA per lane, in k order.
TEXT ·gramTileAVX2(SB), NOSPLIT, $0-48
	MOVQ tile+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ stride+24(FP), R8
	MOVQ kc+32(FP), CX
	MOVQ ng+40(FP), AX
	LEAQ (DX)(R8*1), R9
	LEAQ (DX)(R8*2), R10
	SHLQ $5, CX                 // byte length of a panel chunk
	XORQ BX, BX
	CMPQ AX, $3
	JEQ  ng3
	CMPQ AX, $2
	JEQ  ng2

	// One b group: four accumulators.
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	TESTQ   CX, CX
	JZ      store1

loop1:
	VMOVUPD      (DX)(BX*1), Y12
	VBROADCASTSD (SI)(BX*1), Y15
	VFMADD231PD  Y12, Y15, Y0
	VBROADCASTSD 8(SI)(BX*1), Y14
	VFMADD231PD  Y12, Y14, Y1
	VBROADCASTSD 16(SI)(BX*1), Y13
	VFMADD231PD  Y12, Y13, Y2
	VBROADCASTSD 24(SI)(BX*1), Y11
	VFMADD231PD  Y12, Y11, Y3
	ADDQ         $32, BX
	CMPQ         BX, CX
	JNE          loop1

store1:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VZEROUPPER
	RET

ng2:
	// Two b groups: eight accumulators, Y[r*2+g].
	VMOVUPD 0(DI), Y0
	VMOVUPD 128(DI), Y1
	VMOVUPD 32(DI), Y2
	VMOVUPD 160(DI), Y3
	VMOVUPD 64(DI), Y4
	VMOVUPD 192(DI), Y5
	VMOVUPD 96(DI), Y6
	VMOVUPD 224(DI), Y7
	TESTQ   CX, CX
	JZ      store2

loop2:
	VMOVUPD      (DX)(BX*1), Y12
	VMOVUPD      (R9)(BX*1), Y13
	VBROADCASTSD (SI)(BX*1), Y15
	VFMADD231PD  Y12, Y15, Y0
	VFMADD231PD  Y13, Y15, Y1
	VBROADCASTSD 8(SI)(BX*1), Y14
	VFMADD231PD  Y12, Y14, Y2
	VFMADD231PD  Y13, Y14, Y3
	VBROADCASTSD 16(SI)(BX*1), Y15
	VFMADD231PD  Y12, Y15, Y4
	VFMADD231PD  Y13, Y15, Y5
	VBROADCASTSD 24(SI)(BX*1), Y14
	VFMADD231PD  Y12, Y14, Y6
	VFMADD231PD  Y13, Y14, Y7
	ADDQ         $32, BX
	CMPQ         BX, CX
	JNE          loop2

store2:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 128(DI)
	VMOVUPD Y2, 32(DI)
	VMOVUPD Y3, 160(DI)
	VMOVUPD Y4, 64(DI)
	VMOVUPD Y5, 192(DI)
	VMOVUPD Y6, 96(DI)
	VMOVUPD Y7, 224(DI)
	VZEROUPPER
	RET

ng3:
	// Three b groups: twelve accumulators, Y[r*3+g].
	VMOVUPD 0(DI), Y0
	VMOVUPD 128(DI), Y1
	VMOVUPD 256(DI), Y2
	VMOVUPD 32(DI), Y3
	VMOVUPD 160(DI), Y4
	VMOVUPD 288(DI), Y5
	VMOVUPD 64(DI), Y6
	VMOVUPD 192(DI), Y7
	VMOVUPD 320(DI), Y8
	VMOVUPD 96(DI), Y9
	VMOVUPD 224(DI), Y10
	VMOVUPD 352(DI), Y11
	TESTQ   CX, CX
	JZ      store3

loop3:
	VMOVUPD      (DX)(BX*1), Y12
	VMOVUPD      (R9)(BX*1), Y13
	VMOVUPD      (R10)(BX*1), Y14
	VBROADCASTSD (SI)(BX*1), Y15
	VFMADD231PD  Y12, Y15, Y0
	VFMADD231PD  Y13, Y15, Y1
	VFMADD231PD  Y14, Y15, Y2
	VBROADCASTSD 8(SI)(BX*1), Y15
	VFMADD231PD  Y12, Y15, Y3
	VFMADD231PD  Y13, Y15, Y4
	VFMADD231PD  Y14, Y15, Y5
	VBROADCASTSD 16(SI)(BX*1), Y15
	VFMADD231PD  Y12, Y15, Y6
	VFMADD231PD  Y13, Y15, Y7
	VFMADD231PD  Y14, Y15, Y8
	VBROADCASTSD 24(SI)(BX*1), Y15
	VFMADD231PD  Y12, Y15, Y9
	VFMADD231PD  Y13, Y15, Y10
	VFMADD231PD  Y14, Y15, Y11
	ADDQ         $32, BX
	CMPQ         BX, CX
	JNE          loop3

store3:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 128(DI)
	VMOVUPD Y2, 256(DI)
	VMOVUPD Y3, 32(DI)
	VMOVUPD Y4, 160(DI)
	VMOVUPD Y5, 288(DI)
	VMOVUPD Y6, 64(DI)
	VMOVUPD Y7, 192(DI)
	VMOVUPD Y8, 320(DI)
	VMOVUPD Y9, 96(DI)
	VMOVUPD Y10, 224(DI)
	VMOVUPD Y11, 352(DI)
	VZEROUPPER
	RET

// func packGroupAVX2(dst *float64, r0 *float32, r1 *float32, r2 *float32, r3 *float32, n int)
//
// dst[k*4+i] = float64(ri[k]) for k < n, n a multiple of 4: a 4×4 float32 transpose per four
// steps, widened with VCVTPS2PD.
TEXT ·packGroupAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), SI
	MOVQ r1+16(FP), R8
	MOVQ r2+24(FP), R9
	MOVQ r3+32(FP), R10
	MOVQ n+40(FP), CX
	SHLQ $2, CX                 // bytes of float32 input
	XORQ BX, BX
	TESTQ CX, CX
	JZ   packdone

packloop:
	VMOVUPS    (SI)(BX*1), X0   // r0[k..k+3]
	VMOVUPS    (R8)(BX*1), X1
	VMOVUPS    (R9)(BX*1), X2
	VMOVUPS    (R10)(BX*1), X3
	VUNPCKLPS  X1, X0, X4       // r0k0 r1k0 r0k1 r1k1
	VUNPCKLPS  X3, X2, X5       // r2k0 r3k0 r2k1 r3k1
	VUNPCKHPS  X1, X0, X6       // r0k2 r1k2 r0k3 r1k3
	VUNPCKHPS  X3, X2, X7       // r2k2 r3k2 r2k3 r3k3
	VMOVLHPS   X5, X4, X0       // r0k0 r1k0 r2k0 r3k0
	VMOVHLPS   X4, X5, X1       // r0k1 r1k1 r2k1 r3k1
	VMOVLHPS   X7, X6, X2
	VMOVHLPS   X6, X7, X3
	VCVTPS2PD  X0, Y0
	VCVTPS2PD  X1, Y1
	VCVTPS2PD  X2, Y2
	VCVTPS2PD  X3, Y3
	VMOVUPD    Y0, 0(DI)
	VMOVUPD    Y1, 32(DI)
	VMOVUPD    Y2, 64(DI)
	VMOVUPD    Y3, 96(DI)
	ADDQ       $128, DI
	ADDQ       $16, BX
	CMPQ       BX, CX
	JNE        packloop
	VZEROUPPER

packdone:
	RET

// CMPSWAP leaves min(a, b) in a and max(a, b) in b (lane-wise int32); Y15 is scratch.
#define CMPSWAP(a, b) \
	VPMINSD b, a, Y15 \
	VPMAXSD b, a, b \
	VMOVDQA Y15, a

// SORT8 sorts the lanes of Y0..Y7 across the eight registers: Batcher's 19 comparators for
// eight wires, i.e. exactly the network's stages p = 1, 2, 4.
#define SORT8 \
	CMPSWAP(Y0, Y1) \
	CMPSWAP(Y2, Y3) \
	CMPSWAP(Y4, Y5) \
	CMPSWAP(Y6, Y7) \
	CMPSWAP(Y0, Y2) \
	CMPSWAP(Y1, Y3) \
	CMPSWAP(Y4, Y6) \
	CMPSWAP(Y5, Y7) \
	CMPSWAP(Y1, Y2) \
	CMPSWAP(Y5, Y6) \
	CMPSWAP(Y0, Y4) \
	CMPSWAP(Y1, Y5) \
	CMPSWAP(Y2, Y6) \
	CMPSWAP(Y3, Y7) \
	CMPSWAP(Y2, Y4) \
	CMPSWAP(Y3, Y5) \
	CMPSWAP(Y1, Y2) \
	CMPSWAP(Y3, Y4) \
	CMPSWAP(Y5, Y6)

// LOADKEY loads eight floats of the row whose pointer is at ptr(SI)(CX*8), at byte offset
// R8+half, as order keys (Y14 holds 0x7fffffff in every lane), and prefetches the row four
// blocks ahead (the rows are many separate streams, too many for the hardware prefetcher).
#define LOADKEY(ptr, half, y) \
	MOVQ       ptr(SI)(CX*8), R10 \
	PREFETCHT0 256+half(R10)(R8*1) \
	VMOVDQU    half(R10)(R8*1), y \
	VPSRAD  $31, y, Y15 \
	VPAND   Y14, Y15, Y15 \
	VPXOR   Y15, y, y

// LOADSORT8 fills wires CX..CX+7 of the scratch (at R9) for eight of the block's columns:
// loaded, turned into keys, sorted in registers and stored.
#define LOADSORT8(half) \
	LOADKEY(0, half, Y0) \
	LOADKEY(8, half, Y1) \
	LOADKEY(16, half, Y2) \
	LOADKEY(24, half, Y3) \
	LOADKEY(32, half, Y4) \
	LOADKEY(40, half, Y5) \
	LOADKEY(48, half, Y6) \
	LOADKEY(56, half, Y7) \
	SORT8 \
	VMOVDQU Y0, half(R9) \
	VMOVDQU Y1, 64+half(R9) \
	VMOVDQU Y2, 128+half(R9) \
	VMOVDQU Y3, 192+half(R9) \
	VMOVDQU Y4, 256+half(R9) \
	VMOVDQU Y5, 320+half(R9) \
	VMOVDQU Y6, 384+half(R9) \
	VMOVDQU Y7, 448+half(R9)

// func medianNetAVX2(out []float32, rows []*float32, net []uint32, scratch []int32, k int)
//
// For blocks of 16 columns (the last block overlapping its predecessor when the width is not
// a multiple of 16): the rows' values become order keys, each run of eight wires is sorted in
// registers (the network's first three stages) and stored at scratch + wire*64, the
// comparators of net (low half: byte offset of the lower wire, high half: of the upper wire)
// are applied with VPMINSD/VPMAXSD, and wire k, turned back into a float, is the block's
// output. len(out) >= 16; len(rows) is a multiple of 8 (padding rows hold the largest key,
// 0x7fffffff); scratch holds 16·len(rows) keys.
TEXT ·medianNetAVX2(SB), NOSPLIT, $0-104
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), R11
	MOVQ rows_base+24(FP), SI
	MOVQ rows_len+32(FP), R12
	MOVQ net_base+48(FP), R13
	MOVQ net_len+56(FP), R14
	MOVQ scratch_base+72(FP), R15
	MOVQ k+96(FP), AX
	SHLQ $6, AX                 // byte offset of wire k
	SUBQ $16, R11
	SHLQ $2, R11                // byte offset of the last block
	VPCMPEQD Y14, Y14, Y14
	VPSRLD   $1, Y14, Y14        // 0x7fffffff
	XORQ R8, R8                 // byte offset of the current block

block:
	CMPQ R8, R11
	JLE  load
	MOVQ R11, R8

load:
	XORQ CX, CX
	MOVQ R15, R9

loadrows:
	LOADSORT8(0)
	LOADSORT8(32)
	ADDQ $512, R9
	ADDQ $8, CX
	CMPQ CX, R12
	JLT  loadrows

	XORQ  CX, CX
	TESTQ R14, R14
	JZ    result

comparator:
	MOVWLZX (R13)(CX*4), BX
	MOVWLZX 2(R13)(CX*4), DX
	VMOVDQU (R15)(BX*1), Y0
	VMOVDQU 32(R15)(BX*1), Y1
	VMOVDQU (R15)(DX*1), Y2
	VMOVDQU 32(R15)(DX*1), Y3
	VPMINSD Y2, Y0, Y4
	VPMAXSD Y2, Y0, Y5
	VPMINSD Y3, Y1, Y6
	VPMAXSD Y3, Y1, Y7
	VMOVDQU Y4, (R15)(BX*1)
	VMOVDQU Y6, 32(R15)(BX*1)
	VMOVDQU Y5, (R15)(DX*1)
	VMOVDQU Y7, 32(R15)(DX*1)
	INCQ    CX
	CMPQ    CX, R14
	JNE     comparator

result:
	VMOVDQU (R15)(AX*1), Y0
	VMOVDQU 32(R15)(AX*1), Y1
	VPSRAD  $31, Y0, Y2
	VPSRAD  $31, Y1, Y3
	VPAND   Y14, Y2, Y2
	VPAND   Y14, Y3, Y3
	VPXOR   Y2, Y0, Y0
	VPXOR   Y3, Y1, Y1
	VMOVDQU Y0, (DI)(R8*1)
	VMOVDQU Y1, 32(DI)(R8*1)
	CMPQ    R8, R11
	JEQ     done
	ADDQ    $64, R8
	JMP     block

done:
	VZEROUPPER
	RET

// func sortNetAVX2(scratch *int32, net []uint32)
//
// Applies the comparators of net (encoded as for medianNetAVX2) to the 16-lane wires at
// scratch + wire*64.
TEXT ·sortNetAVX2(SB), NOSPLIT, $0-32
	MOVQ  scratch+0(FP), R15
	MOVQ  net_base+8(FP), R13
	MOVQ  net_len+16(FP), R14
	XORQ  CX, CX
	TESTQ R14, R14
	JZ    sortdone

sortcomparator:
	MOVWLZX (R13)(CX*4), BX
	MOVWLZX 2(R13)(CX*4), DX
	VMOVDQU (R15)(BX*1), Y0
	VMOVDQU 32(R15)(BX*1), Y1
	VMOVDQU (R15)(DX*1), Y2
	VMOVDQU 32(R15)(DX*1), Y3
	VPMINSD Y2, Y0, Y4
	VPMAXSD Y2, Y0, Y5
	VPMINSD Y3, Y1, Y6
	VPMAXSD Y3, Y1, Y7
	VMOVDQU Y4, (R15)(BX*1)
	VMOVDQU Y6, 32(R15)(BX*1)
	VMOVDQU Y5, (R15)(DX*1)
	VMOVDQU Y7, 32(R15)(DX*1)
	INCQ    CX
	CMPQ    CX, R14
	JNE     sortcomparator
	VZEROUPPER

sortdone:
	RET

// func sqDist4AVX2(s *[16]float64, p *[8]*float32, n int)
//
// For pairs q = 0..3 (rows p[2q] and p[2q+1]) and lanes l = 0..3: s[4q+l] = Σ over
// k ≡ l (mod 4), k < n (n a multiple of 4), in k order, of (a[k] − b[k])², each difference,
// square and sum rounded to float64 on its own (no FMA): sqDist's four partial sums for four
// pairs at once.
TEXT ·sqDist4AVX2(SB), NOSPLIT, $0-24
	MOVQ s+0(FP), DI
	MOVQ p+8(FP), AX
	MOVQ n+16(FP), CX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R8
	MOVQ 16(AX), R9
	MOVQ 24(AX), R10
	MOVQ 32(AX), R11
	MOVQ 40(AX), R12
	MOVQ 48(AX), R13
	MOVQ 56(AX), R14
	SHLQ $2, CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ  BX, BX
	TESTQ CX, CX
	JZ    sqstore

sqloop:
	VCVTPS2PD (SI)(BX*1), Y4
	VCVTPS2PD (R8)(BX*1), Y5
	VCVTPS2PD (R9)(BX*1), Y6
	VCVTPS2PD (R10)(BX*1), Y7
	VCVTPS2PD (R11)(BX*1), Y8
	VCVTPS2PD (R12)(BX*1), Y9
	VCVTPS2PD (R13)(BX*1), Y10
	VCVTPS2PD (R14)(BX*1), Y11
	VSUBPD    Y5, Y4, Y4
	VSUBPD    Y7, Y6, Y6
	VSUBPD    Y9, Y8, Y8
	VSUBPD    Y11, Y10, Y10
	VMULPD    Y4, Y4, Y4
	VMULPD    Y6, Y6, Y6
	VMULPD    Y8, Y8, Y8
	VMULPD    Y10, Y10, Y10
	VADDPD    Y4, Y0, Y0
	VADDPD    Y6, Y1, Y1
	VADDPD    Y8, Y2, Y2
	VADDPD    Y10, Y3, Y3
	ADDQ      $16, BX
	CMPQ      BX, CX
	JNE       sqloop

sqstore:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VZEROUPPER
	RET

// func finiteAVX2(x []float32) bool
//
// Reports whether no element of x[:len(x)&^31] has an all-ones exponent: the maximum M of
// bits&0x7fffffff stays below 0x7f800000 exactly when every value is finite, i.e. when
// M + 0x00800000 leaves the sign bit clear. (The constants are built in registers: a legacy
// SSE instruction here would cost a state transition on every call.)
TEXT ·finiteAVX2(SB), NOSPLIT, $0-25
	MOVQ     x_base+0(FP), SI
	MOVQ     x_len+8(FP), CX
	ANDQ     $-32, CX
	SHLQ     $2, CX
	VPCMPEQD Y15, Y15, Y15
	VPSRLD   $1, Y15, Y15        // 0x7fffffff
	VPXOR    Y0, Y0, Y0
	VPXOR    Y1, Y1, Y1
	VPXOR    Y2, Y2, Y2
	VPXOR    Y3, Y3, Y3
	XORQ     BX, BX
	TESTQ    CX, CX
	JZ       finreduce

finloop:
	VPAND   (SI)(BX*1), Y15, Y4
	VPAND   32(SI)(BX*1), Y15, Y5
	VPAND   64(SI)(BX*1), Y15, Y6
	VPAND   96(SI)(BX*1), Y15, Y7
	VPMAXSD Y4, Y0, Y0
	VPMAXSD Y5, Y1, Y1
	VPMAXSD Y6, Y2, Y2
	VPMAXSD Y7, Y3, Y3
	ADDQ    $128, BX
	CMPQ    BX, CX
	JNE     finloop

finreduce:
	VPMAXSD  Y1, Y0, Y0
	VPMAXSD  Y3, Y2, Y2
	VPMAXSD  Y2, Y0, Y0
	VPCMPEQD Y14, Y14, Y14
	VPSRLD   $31, Y14, Y14
	VPSLLD   $23, Y14, Y14       // 0x00800000
	VPADDD   Y14, Y0, Y0
	VMOVMSKPS Y0, AX
	TESTL    AX, AX
	SETEQ    ret+24(FP)
	VZEROUPPER
	RET
