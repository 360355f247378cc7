//go:build !noasm

#include "textflag.h"

// q8_0 · q8_0 dot products.
//
// Algorithm, per block of 32: the int8 products are summed exactly in int32
// lanes, converted to float32 and scaled by d_x·d_y with one FMA into a
// float32 accumulator of 8 lanes; the lanes are added at the end. Signed ×
// signed bytes go through the unsigned × signed instructions by moving x's
// sign onto y: |x|·(y·sign x) = x·y (VPABSB, VPSIGNB).
//   avx2: VPMADDUBSW pairs to int16 (|x|·|y| ≤ 128·127, so a pair cannot
//         saturate), VPMADDWD with ones adds pairs to int32.
//   vnni: VPDPBUSD adds groups of four bytes straight to int32.
// The scales: VCVTPH2PS of the 8 bytes at the block start converts d (and
// three bytes of quants, ignored) to float32 in lane 0; VMULSS, VBROADCASTSS.
//
// Registers: SI = x block, DI = y block, CX = blocks left,
// Y0, Y1 = accumulators (even, odd blocks), Y15 = 16-bit ones (avx2),
// Y2…Y7 = temporaries.

// BLOCK_AVX2 adds the block at off(SI), off(DI) to acc.
#define BLOCK_AVX2(off, acc) \
	VMOVDQU    off+2(SI), Y2  \
	VMOVDQU    off+2(DI), Y3  \
	VPSIGNB    Y2, Y3, Y3     \
	VPABSB     Y2, Y2         \
	VPMADDUBSW Y3, Y2, Y2     \
	VPMADDWD   Y15, Y2, Y2    \
	VCVTDQ2PS  Y2, Y2         \
	VCVTPH2PS  off(SI), X4    \
	VCVTPH2PS  off(DI), X5    \
	VMULSS     X5, X4, X4     \
	VBROADCASTSS X4, Y4       \
	VFMADD231PS Y4, Y2, acc

// BLOCK_VNNI is BLOCK_AVX2 with VPDPBUSD.
#define BLOCK_VNNI(off, acc) \
	VMOVDQU    off+2(SI), Y2  \
	VMOVDQU    off+2(DI), Y3  \
	VPSIGNB    Y2, Y3, Y3     \
	VPABSB     Y2, Y2         \
	VPXOR      Y6, Y6, Y6     \
	VPDPBUSD   Y3, Y2, Y6     \
	VCVTDQ2PS  Y6, Y6         \
	VCVTPH2PS  off(SI), X4    \
	VCVTPH2PS  off(DI), X5    \
	VMULSS     X5, X4, X4     \
	VBROADCASTSS X4, Y4       \
	VFMADD231PS Y4, Y6, acc

// HSUM adds the 8 lanes of Y0 into X0.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// func dotQ8_0AVX2(n int, x, y []byte) float32
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VPCMPEQW Y15, Y15, Y15
	VPSRLW $15, Y15, Y15
	CMPQ CX, $2
	JB   avx2tail

avx2loop:
	BLOCK_AVX2(0, Y0)
	BLOCK_AVX2(34, Y1)
	ADDQ $68, SI
	ADDQ $68, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JAE  avx2loop

avx2tail:
	TESTQ CX, CX
	JZ    avx2done
	BLOCK_AVX2(0, Y0)

avx2done:
	VADDPS Y1, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// func dotQ8_0VNNI(n int, x, y []byte) float32
TEXT ·dotQ8_0VNNI(SB), NOSPLIT, $0-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	CMPQ CX, $2
	JB   vnnitail

vnniloop:
	BLOCK_VNNI(0, Y0)
	BLOCK_VNNI(34, Y1)
	ADDQ $68, SI
	ADDQ $68, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JAE  vnniloop

vnnitail:
	TESTQ CX, CX
	JZ    vnnidone
	BLOCK_VNNI(0, Y0)

vnnidone:
	VADDPS Y1, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

#include "tile_amd64.h"

// func tileQ8_0VNNI(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)
//
// 4 weight rows × 4 activation columns (see tile_amd64.h). Per block the
// weights become unsigned u = q + 128 (VPXORD 0x80), so VPDPBUSD adds
// Σ q·y + 128·Σ y per lane, starting from the column's correction −128·Σ y.
// Y30 = bytes 0x80, Y31 = zero.
TEXT ·tileQ8_0VNNI(SB), NOSPLIT, $64-104
	TILE_SETUP
	MOVL         $0x80808080, BX
	VPBROADCASTD BX, Y30
	TESTQ        CX, CX
	JZ           q80tiledone

q80tileloop:
	TILE_SCALES
	TILE_LOADY
	VPXORD 2(SI)(AX*1), Y30, Y16
	VPXORD 2(R8)(AX*1), Y30, Y17
	VPXORD 2(R9)(AX*1), Y30, Y18
	VPXORD 2(R10)(AX*1), Y30, Y19
	TILE_PAIRS
	ADDQ $34, AX
	ADDQ $34, DX
	DECQ CX
	JNZ  q80tileloop

q80tiledone:
	TILE_STORE
	VZEROUPPER
	RET
