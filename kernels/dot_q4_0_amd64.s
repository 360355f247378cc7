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
//   vnni: the nibbles are not shifted: VBROADCASTI128 puts the 16 bytes in
//         both lanes and one VPAND keeps the low nibbles in the low lane
//         and the high nibbles, times 16, in the high lane. Two VPDPBUSD
//         (with y, and bytes [8…|128…] with y) and a VPSUBD give
//         Σ (nib − 8)·y in the low 4 int32 lanes and 16 times it in the
//         high 4; the accumulator's high lanes are divided by 16 (exact)
//         at the end.
// The int32 lanes are converted and scaled by d_x·d_y into float32
// accumulators by FMA; the lanes are added at the end. The scales are
// computed four blocks at a time as in dot_q8_0_amd64.s (SCALES4, SCALE1).
//
// Registers: SI = x block, DI = y block, CX = blocks left, Y0, Y1 =
// accumulators, Y13 = bytes 8, Y14 = bytes 0x0f, Y15 = int16 ones (avx2),
// Y2…Y9 = temporaries; 0(SP)…15(SP) = the scales of four blocks.

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

#define SCALE1 \
	VCVTPH2PS (SI), X8  \
	VCVTPH2PS (DI), X9  \
	VMULSS    X9, X8, X8 \
	VMOVSS    X8, 0(SP)

// NIBBLES loads the 32 nibbles of the x block at off(SI) into Y2.
#define NIBBLES(off) \
	VMOVDQU     off+2(SI), X2  \
	VPSRLW      $4, X2, X3     \
	VINSERTI128 $1, X3, Y2, Y2 \
	VPAND       Y14, Y2, Y2

#define BLOCK_AVX2(xoff, yoff, soff, acc) \
	NIBBLES(xoff)                 \
	VMOVDQU      yoff+2(DI), Y3   \
	VPMADDUBSW   Y3, Y2, Y2       \
	VPMADDUBSW   Y3, Y13, Y5      \
	VPSUBW       Y5, Y2, Y2       \
	VPMADDWD     Y15, Y2, Y2      \
	VCVTDQ2PS    Y2, Y2           \
	VBROADCASTSS soff(SP), Y4     \
	VFMADD231PS  Y4, Y2, acc

#define BLOCK_VNNI(xoff, yoff, soff, acc) \
	VBROADCASTI128   xoff+2(SI), Y2   \
	VPAND            Y14, Y2, Y2      \
	VMOVDQU          yoff+2(DI), Y3   \
	VPXOR            Y6, Y6, Y6       \
	VPXOR            Y7, Y7, Y7       \
	VPDPBUSD         Y3, Y2, Y6       \
	VPDPBUSD         Y3, Y13, Y7      \
	VPSUBD           Y7, Y6, Y6       \
	VCVTDQ2PS        Y6, Y6           \
	VFMADD231PS.BCST soff(SP), Y6, acc

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
TEXT ·dotQ4_0AVX2(SB), NOSPLIT, $16-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	CONSTS
	CMPQ CX, $4
	JB   avx2tail

avx2loop:
	SCALES4(18, 34)
	BLOCK_AVX2(0, 0, 0, Y0)
	BLOCK_AVX2(18, 34, 4, Y1)
	BLOCK_AVX2(36, 68, 8, Y0)
	BLOCK_AVX2(54, 102, 12, Y1)
	ADDQ $72, SI
	ADDQ $136, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JAE  avx2loop

avx2tail:
	TESTQ CX, CX
	JZ    avx2done
	SCALE1
	BLOCK_AVX2(0, 0, 0, Y0)
	ADDQ $18, SI
	ADDQ $34, DI
	DECQ CX
	JMP  avx2tail

avx2done:
	VADDPS Y1, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// VNNICONSTS sets Y14 = bytes [0x0f ×16 | 0xf0 ×16], Y13 = bytes
// [8 ×16 | 128 ×16], Y12 = float32 [1 ×4 | 1/16 ×4].
#define VNNICONSTS \
	VMOVDQU q40vnniMask<>(SB), Y14 \
	VMOVDQU q40vnniBias<>(SB), Y13 \
	VMOVUPS q40vnniUnscale<>(SB), Y12

DATA q40vnniMask<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40vnniMask<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40vnniMask<>+16(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA q40vnniMask<>+24(SB)/8, $0xf0f0f0f0f0f0f0f0
GLOBL q40vnniMask<>(SB), RODATA|NOPTR, $32
DATA q40vnniBias<>+0(SB)/8, $0x0808080808080808
DATA q40vnniBias<>+8(SB)/8, $0x0808080808080808
DATA q40vnniBias<>+16(SB)/8, $0x8080808080808080
DATA q40vnniBias<>+24(SB)/8, $0x8080808080808080
GLOBL q40vnniBias<>(SB), RODATA|NOPTR, $32
DATA q40vnniUnscale<>+0(SB)/8, $0x3f8000003f800000
DATA q40vnniUnscale<>+8(SB)/8, $0x3f8000003f800000
DATA q40vnniUnscale<>+16(SB)/8, $0x3d8000003d800000
DATA q40vnniUnscale<>+24(SB)/8, $0x3d8000003d800000
GLOBL q40vnniUnscale<>(SB), RODATA|NOPTR, $32

// func dotQ4_0VNNI(n int, x, y []byte) float32
TEXT ·dotQ4_0VNNI(SB), NOSPLIT, $16-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	SHRQ $5, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VNNICONSTS
	CMPQ CX, $4
	JB   vnnitail

vnniloop:
	SCALES4(18, 34)
	BLOCK_VNNI(0, 0, 0, Y0)
	BLOCK_VNNI(18, 34, 4, Y1)
	BLOCK_VNNI(36, 68, 8, Y0)
	BLOCK_VNNI(54, 102, 12, Y1)
	ADDQ $72, SI
	ADDQ $136, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JAE  vnniloop

vnnitail:
	TESTQ CX, CX
	JZ    vnnidone
	SCALE1
	BLOCK_VNNI(0, 0, 0, Y0)
	ADDQ $18, SI
	ADDQ $34, DI
	DECQ CX
	JMP  vnnitail

vnnidone:
	VADDPS Y1, Y0, Y0
	VMULPS Y12, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

#include "tile_amd64.h"

// NIBBLES_TILE loads the 16 bytes of a q4_0 block at off into both lanes
// of xr and keeps the low nibbles in the low lane and the high nibbles,
// times 16, in the high lane (Y29 = bytes [0x0f ×16 | 0xf0 ×16]), as in
// dotQ4_0VNNI.
#define NIBBLES_TILE(off, xr) \
	VBROADCASTI32X4 off, xr \
	VPANDD          Y29, xr, xr

// UNSCALE divides the high 4 lanes of every accumulator by 16.
#define UNSCALE \
	VMOVUPS q40vnniUnscale<>(SB), Y28 \
	VMULPS  Y28, Y0, Y0   \
	VMULPS  Y28, Y1, Y1   \
	VMULPS  Y28, Y2, Y2   \
	VMULPS  Y28, Y3, Y3   \
	VMULPS  Y28, Y4, Y4   \
	VMULPS  Y28, Y5, Y5   \
	VMULPS  Y28, Y6, Y6   \
	VMULPS  Y28, Y7, Y7   \
	VMULPS  Y28, Y8, Y8   \
	VMULPS  Y28, Y9, Y9   \
	VMULPS  Y28, Y10, Y10 \
	VMULPS  Y28, Y11, Y11 \
	VMULPS  Y28, Y12, Y12 \
	VMULPS  Y28, Y13, Y13 \
	VMULPS  Y28, Y14, Y14 \
	VMULPS  Y28, Y15, Y15

// func tileQ4_0VNNI(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)
//
// 4 weight rows × 4 activation columns (see tile_amd64.h). The weights are
// the unsigned nibbles u = q + 8 in the low lane and 16·u in the high lane
// (NIBBLES_TILE), so VPDPBUSD starts from the column's correction
// −[8 | 128]·Σ y (Y30 = bytes [8 ×16 | 128 ×16]); the accumulators' high
// lanes are divided by 16 at the end. Y29 = the nibble masks, Y31 = zero.
TEXT ·tileQ4_0VNNI(SB), NOSPLIT, $64-104
	TILE_SETUP
	VMOVDQU32 q40vnniBias<>(SB), Y30
	VMOVDQU32 q40vnniMask<>(SB), Y29
	TESTQ     CX, CX
	JZ        q40tiledone

q40tileloop:
	TILE_SCALES
	TILE_LOADY
	NIBBLES_TILE(2(SI)(AX*1), Y16)
	NIBBLES_TILE(2(R8)(AX*1), Y17)
	NIBBLES_TILE(2(R9)(AX*1), Y18)
	NIBBLES_TILE(2(R10)(AX*1), Y19)
	TILE_PAIRS
	ADDQ $18, AX
	ADDQ $34, DX
	DECQ CX
	JNZ  q40tileloop

q40tiledone:
	UNSCALE
	TILE_STORE
	VZEROUPPER
	RET

#include "tile512_amd64.h"

// ROW512 broadcasts a q4_0 block's 16 bytes to the four 128-bit lanes of z
// and keeps the low nibbles in lanes 0 and 2 and the high nibbles, times
// 16, in lanes 1 and 3, matching a column pair [y(2p) | y(2p+1)].
#define ROW512(addr, z) \
	VBROADCASTI32X4 addr, z \
	VPANDD          q40t512Mask<>(SB), z, z

DATA q40t512Mask<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40t512Mask<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40t512Mask<>+16(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA q40t512Mask<>+24(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA q40t512Mask<>+32(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40t512Mask<>+40(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q40t512Mask<>+48(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA q40t512Mask<>+56(SB)/8, $0xf0f0f0f0f0f0f0f0
GLOBL q40t512Mask<>(SB), RODATA|NOPTR, $64

// UNSCALE512 divides lanes 4…7 and 12…15 of every accumulator by 16.
#define UNSCALE512 \
	VBROADCASTF64X4 q40vnniUnscale<>(SB), Z30 \
	VMULPS  Z30, Z0, Z0   \
	VMULPS  Z30, Z1, Z1   \
	VMULPS  Z30, Z2, Z2   \
	VMULPS  Z30, Z3, Z3   \
	VMULPS  Z30, Z4, Z4   \
	VMULPS  Z30, Z5, Z5   \
	VMULPS  Z30, Z6, Z6   \
	VMULPS  Z30, Z7, Z7   \
	VMULPS  Z30, Z8, Z8   \
	VMULPS  Z30, Z9, Z9   \
	VMULPS  Z30, Z10, Z10 \
	VMULPS  Z30, Z11, Z11 \
	VMULPS  Z30, Z12, Z12 \
	VMULPS  Z30, Z13, Z13 \
	VMULPS  Z30, Z14, Z14 \
	VMULPS  Z30, Z15, Z15

// func tileQ4_0VNNI512(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)
//
// 8 weight rows × 4 activation columns on 512-bit vectors (see
// tile512_amd64.h), with the unshifted nibbles of tileQ4_0VNNI: the
// corrections use the bytes [8 ×16 | 128 ×16] per column (Z31), and the
// high-nibble lanes are divided by 16 at the end.
TEXT ·tileQ4_0VNNI512(SB), NOSPLIT, $32-104
	T512_SETUP
	VBROADCASTI64X4 q40vnniBias<>(SB), Z31
	TESTQ           CX, CX
	JZ              q40t512done

q40t512loop:
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
	ADDQ $18, SI
	ADDQ $18, R8
	ADDQ $18, R9
	ADDQ $34, DX
	DECQ CX
	JNZ  q40t512loop

q40t512done:
	UNSCALE512
	T512_STORE
	VZEROUPPER
	RET
