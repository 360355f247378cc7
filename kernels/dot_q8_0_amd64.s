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
//   vnni: VPDPBUSD adds groups of four bytes straight to int32; the sign
//         is handled by an offset instead (see BLOCK_VNNI).
// Scales, four blocks at a time (SCALES4): the 4 fp16 d's of x and of y
// are gathered into two XMMs (VPINSRW into zeroed registers, so no chain
// runs from one iteration to the next), widened (VCVTPH2PS) and multiplied; the 4 products go to the stack, and each block's FMA takes its
// scale from there (VBROADCASTSS, or an embedded broadcast for vnni). The
// last blocks (fewer than 4) convert their scales one by one (SCALE1).
//
// Registers: SI = x block, DI = y block, CX = blocks left,
// Y0, Y1 = accumulators (even, odd blocks), Y15 = 16-bit ones (avx2),
// Y14 = bytes 0x80 (vnni),
// Y2…Y9 = temporaries; 0(SP)…15(SP) = the scales of four blocks.

// SCALES4 stores d_x·d_y of the 4 blocks at SI, DI (block bytes xb, yb)
// to 0(SP)…15(SP).
#define SCALES4(xb, yb) \
	VPXOR        X8, X8, X8             \
	VPXOR        X9, X9, X9             \
	VPINSRW      $0, 0(SI), X8, X8      \
	VPINSRW      $0, 0(DI), X9, X9      \
	VPINSRW      $1, xb(SI), X8, X8     \
	VPINSRW      $1, yb(DI), X9, X9     \
	VPINSRW      $2, 2*xb(SI), X8, X8   \
	VPINSRW      $2, 2*yb(DI), X9, X9   \
	VPINSRW      $3, 3*xb(SI), X8, X8   \
	VPINSRW      $3, 3*yb(DI), X9, X9   \
	VCVTPH2PS    X8, X8                 \
	VCVTPH2PS    X9, X9                 \
	VMULPS       X9, X8, X8             \
	VMOVUPS      X8, 0(SP)

// SCALE1 stores d_x·d_y of the block at SI, DI to 0(SP): VCVTPH2PS of the
// 8 bytes at the block start converts d (and quants, ignored) in lane 0.
#define SCALE1 \
	VCVTPH2PS (SI), X8  \
	VCVTPH2PS (DI), X9  \
	VMULSS    X9, X8, X8 \
	VMOVSS    X8, 0(SP)

// BLOCK_AVX2 adds the block at off(SI), off(DI), scale soff(SP), to acc.
#define BLOCK_AVX2(off, soff, acc) \
	VMOVDQU      off+2(SI), Y2  \
	VMOVDQU      off+2(DI), Y3  \
	VPSIGNB      Y2, Y3, Y3     \
	VPABSB       Y2, Y2         \
	VPMADDUBSW   Y3, Y2, Y2     \
	VPMADDWD     Y15, Y2, Y2    \
	VCVTDQ2PS    Y2, Y2         \
	VBROADCASTSS soff(SP), Y4   \
	VFMADD231PS  Y4, Y2, acc

// BLOCK_VNNI adds the block at off(SI), off(DI), scale soff(SP), to acc
// with VPDPBUSD: x + 128 = x XOR 0x80 is unsigned, so
// Σ x·y = Σ (x+128)·y − Σ 128·y, two VPDPBUSD and a VPSUBD (Y14 = bytes
// 0x80). The XOR and the subtraction run on any vector port, unlike
// VPABSB/VPSIGNB.
#define BLOCK_VNNI(off, soff, acc) \
	VPXOR            off+2(SI), Y14, Y2 \
	VMOVDQU          off+2(DI), Y3  \
	VPXOR            Y6, Y6, Y6     \
	VPXOR            Y7, Y7, Y7     \
	VPDPBUSD         Y3, Y2, Y6     \
	VPDPBUSD         Y3, Y14, Y7    \
	VPSUBD           Y7, Y6, Y6     \
	VCVTDQ2PS        Y6, Y6         \
	VFMADD231PS.BCST soff(SP), Y6, acc

// HSUM adds the 8 lanes of Y0 into X0.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// func dotQ8_0AVX2(n int, x, y []byte) float32
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $16-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VPCMPEQW Y15, Y15, Y15
	VPSRLW $15, Y15, Y15
	CMPQ CX, $4
	JB   avx2tail

avx2loop:
	SCALES4(34, 34)
	BLOCK_AVX2(0, 0, Y0)
	BLOCK_AVX2(34, 4, Y1)
	BLOCK_AVX2(68, 8, Y0)
	BLOCK_AVX2(102, 12, Y1)
	ADDQ $136, SI
	ADDQ $136, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JAE  avx2loop

avx2tail:
	TESTQ CX, CX
	JZ    avx2done
	SCALE1
	BLOCK_AVX2(0, 0, Y0)
	ADDQ $34, SI
	ADDQ $34, DI
	DECQ CX
	JMP  avx2tail

avx2done:
	VADDPS Y1, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// func dotQ8_0VNNI(n int, x, y []byte) float32
TEXT ·dotQ8_0VNNI(SB), NOSPLIT, $16-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	MOVL         $0x80808080, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	CMPQ CX, $4
	JB   vnnitail

vnniloop:
	SCALES4(34, 34)
	BLOCK_VNNI(0, 0, Y0)
	BLOCK_VNNI(34, 4, Y1)
	BLOCK_VNNI(68, 8, Y0)
	BLOCK_VNNI(102, 12, Y1)
	ADDQ $136, SI
	ADDQ $136, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JAE  vnniloop

vnnitail:
	TESTQ CX, CX
	JZ    vnnidone
	SCALE1
	BLOCK_VNNI(0, 0, Y0)
	ADDQ $34, SI
	ADDQ $34, DI
	DECQ CX
	JMP  vnnitail

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

#include "tile512_amd64.h"

// ROW512 broadcasts a weight row's block to both halves of z as unsigned
// bytes u = q + 128.
#define ROW512(addr, z) \
	VBROADCASTI64X4 addr, z \
	VPXORD          Z31, z, z

// func tileQ8_0VNNI512(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)
//
// 8 weight rows × 4 activation columns on 512-bit vectors (see
// tile512_amd64.h): per block and row, two VPDPBUSD lanes groups (one per
// column of a pair) from the pair's correction −128·Σ y, VCVTDQ2PS, times
// the row's scale (embedded broadcast) and, by FMA, the pair's scales.
// Z31 = bytes 0x80.
TEXT ·tileQ8_0VNNI512(SB), NOSPLIT, $32-104
	T512_SETUP
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z31
	TESTQ        CX, CX
	JZ           q80t512done

q80t512loop:
	T512_SCALES
	T512_LOADY
	ROW512(2(SI), Z16)
	ROW512(2(SI)(BX*1), Z17)
	ROW512(2(SI)(BX*2), Z18)
	ROW512(2(R8), Z19)
	ROW512(2(SI)(BX*4), Z20)
	ROW512(2(R8)(BX*2), Z21)
	ROW512(2(R9), Z22)
	ROW512(2(R9)(BX*1), Z23)
	T512_PAIRS
	ADDQ $34, SI
	ADDQ $34, R8
	ADDQ $34, R9
	ADDQ $34, DX
	DECQ CX
	JNZ  q80t512loop

q80t512done:
	T512_STORE
	VZEROUPPER
	RET
