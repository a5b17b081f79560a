//go:build amd64 && !purego

#include "textflag.h"

// func vecFMA(n int): 10 independent VFMADD231PD chains, n iterations.
TEXT ·vecFMA(SB), NOSPLIT, $0-8
	MOVQ         n+0(FP), CX
	MOVQ         $0x3FEFFFFFFFFFFFFF, AX // just below 1: the chains stay finite
	VMOVQ        AX, X14
	VBROADCASTSD X14, Y14
	MOVQ         $0x3E112E0BE826D695, AX // 1e-9
	VMOVQ        AX, X15
	VBROADCASTSD X15, Y15
	VMOVAPD      Y15, Y0
	VMOVAPD      Y15, Y1
	VMOVAPD      Y15, Y2
	VMOVAPD      Y15, Y3
	VMOVAPD      Y15, Y4
	VMOVAPD      Y15, Y5
	VMOVAPD      Y15, Y6
	VMOVAPD      Y15, Y7
	VMOVAPD      Y15, Y8
	VMOVAPD      Y15, Y9
	TESTQ        CX, CX
	JLE          done

loop:
	VFMADD213PD Y15, Y14, Y0
	VFMADD213PD Y15, Y14, Y1
	VFMADD213PD Y15, Y14, Y2
	VFMADD213PD Y15, Y14, Y3
	VFMADD213PD Y15, Y14, Y4
	VFMADD213PD Y15, Y14, Y5
	VFMADD213PD Y15, Y14, Y6
	VFMADD213PD Y15, Y14, Y7
	VFMADD213PD Y15, Y14, Y8
	VFMADD213PD Y15, Y14, Y9
	DECQ        CX
	JNZ         loop

done:
	VZEROUPPER
	RET

// func vecMulAdd(n int): 6 independent VMULPD and 6 independent VADDPD chains, n iterations.
TEXT ·vecMulAdd(SB), NOSPLIT, $0-8
	MOVQ         n+0(FP), CX
	MOVQ         $0x3FEFFFFFFFFFFFFF, AX
	VMOVQ        AX, X14
	VBROADCASTSD X14, Y14
	MOVQ         $0x3E112E0BE826D695, AX
	VMOVQ        AX, X15
	VBROADCASTSD X15, Y15
	VMOVAPD      Y14, Y0
	VMOVAPD      Y14, Y1
	VMOVAPD      Y14, Y2
	VMOVAPD      Y14, Y3
	VMOVAPD      Y14, Y4
	VMOVAPD      Y14, Y5
	VXORPD       Y6, Y6, Y6
	VXORPD       Y7, Y7, Y7
	VXORPD       Y8, Y8, Y8
	VXORPD       Y9, Y9, Y9
	VXORPD       Y10, Y10, Y10
	VXORPD       Y11, Y11, Y11
	TESTQ        CX, CX
	JLE          done2

loop2:
	VMULPD Y14, Y0, Y0
	VADDPD Y15, Y6, Y6
	VMULPD Y14, Y1, Y1
	VADDPD Y15, Y7, Y7
	VMULPD Y14, Y2, Y2
	VADDPD Y15, Y8, Y8
	VMULPD Y14, Y3, Y3
	VADDPD Y15, Y9, Y9
	VMULPD Y14, Y4, Y4
	VADDPD Y15, Y10, Y10
	VMULPD Y14, Y5, Y5
	VADDPD Y15, Y11, Y11
	DECQ   CX
	JNZ    loop2

done2:
	VZEROUPPER
	RET

// func readVec(p *uint64, blocks int) uint64: XOR of blocks·128 bytes at p, 32-byte loads
// into four accumulators.
TEXT ·readVec(SB), NOSPLIT, $0-24
	MOVQ   p+0(FP), SI
	MOVQ   blocks+8(FP), CX
	VPXOR  Y0, Y0, Y0
	VPXOR  Y1, Y1, Y1
	VPXOR  Y2, Y2, Y2
	VPXOR  Y3, Y3, Y3
	TESTQ  CX, CX
	JLE    rdone

rloop:
	VPXOR (SI), Y0, Y0
	VPXOR 32(SI), Y1, Y1
	VPXOR 64(SI), Y2, Y2
	VPXOR 96(SI), Y3, Y3
	ADDQ  $128, SI
	DECQ  CX
	JNZ   rloop

rdone:
	VPXOR        Y1, Y0, Y0
	VPXOR        Y3, Y2, Y2
	VPXOR        Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPXOR        X1, X0, X0
	VPSHUFD      $0x4E, X0, X1
	VPXOR        X1, X0, X0
	VMOVQ        X0, AX
	MOVQ         AX, ret+16(FP)
	VZEROUPPER
	RET
