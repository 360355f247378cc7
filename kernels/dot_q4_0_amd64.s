//go:build !noasm

#include "textflag.h"

// q4_0 · q8_0 dot products.
//
// Algorithm, per block of 32: the 16 bytes of nibbles become 32 unsigned
// bytes 0…15 (low nibbles = elements 0…15 in the low lane, high nibbles =
// elements 16…31 in the high lane: VPSRLW, VINSERTI128, VPAND), and
// Σ (nib − 8)·y = Σ nib·y − Σ 8·y is computed with unsigned × signed
// instructions on nib and on a vector of eights, exactly in integers:
//   avx2: two VPMADDUBSW (no saturation: 15·127·2 < 2¹⁵), VPSUBW, VPMADDWD.
//   vnni: two VPDPBUSD into zeroed int32 lanes, VPSUBD.
// The int32 lanes are converted and scaled by d_x·d_y (VCVTPH2PS of the 8
// bytes at each block start, lane 0; VMULSS; VBROADCASTSS) into float32
// accumulators by FMA; the lanes are added at the end.
//
// Registers: SI = x block, DI = y block, CX = blocks left, Y0, Y1 =
// accumulators, Y13 = bytes 8, Y14 = bytes 0x0f, Y15 = int16 ones (avx2),
// Y2…Y7 = temporaries.

// NIBBLES loads the 32 nibbles of the x block at off(SI) into Y2.
#define NIBBLES(off) \
	VMOVDQU     off+2(SI), X2  \
	VPSRLW      $4, X2, X3     \
	VINSERTI128 $1, X3, Y2, Y2 \
	VPAND       Y14, Y2, Y2

#define SCALE(xoff, yoff) \
	VCVTPH2PS    xoff(SI), X4 \
	VCVTPH2PS    yoff(DI), X5 \
	VMULSS       X5, X4, X4   \
	VBROADCASTSS X4, Y4

#define BLOCK_AVX2(xoff, yoff, acc) \
	NIBBLES(xoff)                 \
	VMOVDQU    yoff+2(DI), Y3     \
	VPMADDUBSW Y3, Y2, Y2         \
	VPMADDUBSW Y3, Y13, Y5        \
	VPSUBW     Y5, Y2, Y2         \
	VPMADDWD   Y15, Y2, Y2        \
	VCVTDQ2PS  Y2, Y2             \
	SCALE(xoff, yoff)             \
	VFMADD231PS Y4, Y2, acc

#define BLOCK_VNNI(xoff, yoff, acc) \
	NIBBLES(xoff)                 \
	VMOVDQU    yoff+2(DI), Y3     \
	VPXOR      Y6, Y6, Y6         \
	VPXOR      Y7, Y7, Y7         \
	VPDPBUSD   Y3, Y2, Y6         \
	VPDPBUSD   Y3, Y13, Y7        \
	VPSUBD     Y7, Y6, Y6         \
	VCVTDQ2PS  Y6, Y6             \
	SCALE(xoff, yoff)             \
	VFMADD231PS Y4, Y6, acc

#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// CONSTS sets Y15 = int16 ones, Y14 = bytes 0x0f, Y13 = bytes 0x08.
#define CONSTS \
	VPCMPEQW     Y15, Y15, Y15 \
	VPSRLW       $15, Y15, Y15 \
	VPSLLW       $4, Y15, Y14  \
	VPSUBW       Y15, Y14, Y14 \
	VPACKUSWB    Y14, Y14, Y14 \
	VPSLLW       $3, Y15, Y13  \
	VPACKUSWB    Y13, Y13, Y13

// func dotQ4_0AVX2(n int, x, y []byte) float32
TEXT ·dotQ4_0AVX2(SB), NOSPLIT, $0-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	CONSTS
	CMPQ CX, $2
	JB   avx2tail

avx2loop:
	BLOCK_AVX2(0, 0, Y0)
	BLOCK_AVX2(18, 34, Y1)
	ADDQ $36, SI
	ADDQ $68, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JAE  avx2loop

avx2tail:
	TESTQ CX, CX
	JZ    avx2done
	BLOCK_AVX2(0, 0, Y0)

avx2done:
	VADDPS Y1, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// func dotQ4_0VNNI(n int, x, y []byte) float32
TEXT ·dotQ4_0VNNI(SB), NOSPLIT, $0-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	CONSTS
	CMPQ CX, $2
	JB   vnnitail

vnniloop:
	BLOCK_VNNI(0, 0, Y0)
	BLOCK_VNNI(18, 34, Y1)
	ADDQ $36, SI
	ADDQ $68, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JAE  vnniloop

vnnitail:
	TESTQ CX, CX
	JZ    vnnidone
	BLOCK_VNNI(0, 0, Y0)

vnnidone:
	VADDPS Y1, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

#include "tile_amd64.h"

// NIBBLES_TILE loads the 32 nibbles of a q4_0 block at off into xr
// (unsigned 0…15) using X28 as scratch; Y29 = bytes 0x0f.
#define NIBBLES_TILE(off, xr, xx) \
	VMOVDQU32    off, xx          \
	VPSRLW       $4, xx, X28      \
	VINSERTI32X4 $1, X28, xr, xr  \
	VPANDD       Y29, xr, xr

// func tileQ4_0VNNI(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)
//
// 4 weight rows × 4 activation columns (see tile_amd64.h). The nibbles are
// already the unsigned u = q + 8, so VPDPBUSD adds Σ q·y + 8·Σ y per lane,
// starting from the column's correction −8·Σ y. Y29 = bytes 0x0f,
// Y30 = bytes 0x08, Y31 = zero.
TEXT ·tileQ4_0VNNI(SB), NOSPLIT, $64-104
	TILE_SETUP
	MOVL         $0x08080808, BX
	VPBROADCASTD BX, Y30
	MOVL         $0x0f0f0f0f, BX
	VPBROADCASTD BX, Y29
	TESTQ        CX, CX
	JZ           q40tiledone

q40tileloop:
	TILE_SCALES
	TILE_LOADY
	NIBBLES_TILE(2(SI)(AX*1), Y16, X16)
	NIBBLES_TILE(2(R8)(AX*1), Y17, X17)
	NIBBLES_TILE(2(R9)(AX*1), Y18, X18)
	NIBBLES_TILE(2(R10)(AX*1), Y19, X19)
	TILE_PAIRS
	ADDQ $18, AX
	ADDQ $34, DX
	DECQ CX
	JNZ  q40tileloop

q40tiledone:
	TILE_STORE
	VZEROUPPER
	RET
