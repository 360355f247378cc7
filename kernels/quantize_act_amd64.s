//go:build !noasm

#include "textflag.h"

// Activation quantizers f32 → q8_0, q8_1, q8_K (AVX2), bit-identical to the
// Go twins in quantize_act_generic.go.
//
// q8_0 / q8_1, per block of 32 floats in Y0…Y3:
//   amax = max |x| (VANDPS with 0x7fffffff, VMAXPS tree, horizontal max);
//   d = amax/127 → fp16 (VCVTPS2PH, round to nearest even);
//   id = 127/amax, or 0 when amax = 0 (VCMPSS mask);
//   q = VCVTPS2DQ(x·id) (MXCSR rounding: nearest even), packed to bytes
//   with signed saturation (VPACKSSDW, VPACKSSWB, then VPERMD to undo the
//   per-lane interleave); q8_1 also stores s = fp16(d·Σq).
// q8_K, per block of 256 floats:
//   pass 1: amax; pass 2: the first x with |x| = amax is max (VCMPPS,
//   VMOVMSKPS, BSFL); iscale = −127/max, d = 1/iscale as float32;
//   pass 3: q = min(127, VCVTPS2DQ(x·iscale)), bytes as above, and the sums
//   of each 16 quants (VPHADDD) packed to int16 in bsums.
//   An all-zero block, or one whose iscale overflows (|max| < 127/FLT_MAX,
//   where ggml's nearest_int yields 0 for every element), stores q = 0 and
//   bsums = 0 with d = 0, resp. d = 1/iscale (±0).
//
// Registers: SI = src, DI = dst, CX = blocks left; Y15 = 0x7fffffff,
// Y14 = permutation 0,4,1,5,2,6,3,7, X13 = 127.0, Y12 = zero,
// Y11 = int32 127; Y0…Y10 temporaries.

DATA q8perm<>+0(SB)/4, $0
DATA q8perm<>+4(SB)/4, $4
DATA q8perm<>+8(SB)/4, $1
DATA q8perm<>+12(SB)/4, $5
DATA q8perm<>+16(SB)/4, $2
DATA q8perm<>+20(SB)/4, $6
DATA q8perm<>+24(SB)/4, $3
DATA q8perm<>+28(SB)/4, $7
GLOBL q8perm<>(SB), RODATA|NOPTR, $32

#define CONSTS \
	VPCMPEQD     Y15, Y15, Y15 \
	VPSRLD       $1, Y15, Y15  \
	VMOVDQU      q8perm<>(SB), Y14 \
	MOVL         $0x42fe0000, AX \
	VMOVD        AX, X13       \
	VPXOR        Y12, Y12, Y12 \
	MOVL         $127, AX      \
	VMOVD        AX, X11       \
	VPBROADCASTD X11, Y11

// HMAX reduces the 8 lanes of Y4 to their maximum in every lane of X4.
#define HMAX \
	VEXTRACTF128 $1, Y4, X5 \
	VMAXPS       X5, X4, X4 \
	VPERMILPS    $0x4e, X4, X5 \
	VMAXPS       X5, X4, X4 \
	VPERMILPS    $0xb1, X4, X5 \
	VMAXPS       X5, X4, X4

// LOADMAX32 loads the 32 floats at off(SI) into Y0…Y3 and their |x| maximum
// into X4 (all lanes).
#define LOADMAX32(off) \
	VMOVUPS off(SI), Y0    \
	VMOVUPS off+32(SI), Y1 \
	VMOVUPS off+64(SI), Y2 \
	VMOVUPS off+96(SI), Y3 \
	VANDPS  Y15, Y0, Y4    \
	VANDPS  Y15, Y1, Y5    \
	VANDPS  Y15, Y2, Y6    \
	VANDPS  Y15, Y3, Y7    \
	VMAXPS  Y5, Y4, Y4     \
	VMAXPS  Y7, Y6, Y6     \
	VMAXPS  Y6, Y4, Y4     \
	HMAX

// SCALE32 turns the amax in X4 into the fp16 d (stored at 0(DI)) and the
// multiplier id broadcast in Y6; X5 keeps d as float32.
#define SCALE32 \
	VDIVSS       X13, X4, X5     \
	VCVTPS2PH    $0, X5, X6      \
	VPEXTRW      $0, X6, 0(DI)   \
	VDIVSS       X4, X13, X6     \
	VCMPSS       $4, X12, X4, X7 \
	VANDPS       X7, X6, X6      \
	VBROADCASTSS X6, Y6

// QUANT32 multiplies Y0…Y3 by Y6 and converts them to int32 in place.
#define QUANT32 \
	VMULPS    Y6, Y0, Y0 \
	VMULPS    Y6, Y1, Y1 \
	VMULPS    Y6, Y2, Y2 \
	VMULPS    Y6, Y3, Y3 \
	VCVTPS2DQ Y0, Y0     \
	VCVTPS2DQ Y1, Y1     \
	VCVTPS2DQ Y2, Y2     \
	VCVTPS2DQ Y3, Y3

// PACK32 packs the int32 Y0…Y3 to 32 bytes in order at off(DI); Y0…Y3 are
// clobbered.
#define PACK32(off) \
	VPACKSSDW Y1, Y0, Y0  \
	VPACKSSDW Y3, Y2, Y2  \
	VPACKSSWB Y2, Y0, Y0  \
	VPERMD    Y0, Y14, Y0 \
	VMOVDQU   Y0, off(DI)

// func quantizeQ8_0AVX2(dst []byte, src []float32)
TEXT ·quantizeQ8_0AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $5, CX
	JZ   q80done
	CONSTS

q80loop:
	LOADMAX32(0)
	SCALE32
	QUANT32
	PACK32(2)
	ADDQ $128, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q80loop

q80done:
	VZEROUPPER
	RET

// func quantizeQ8_1AVX2(dst []byte, src []float32)
TEXT ·quantizeQ8_1AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $5, CX
	JZ   q81done
	CONSTS

q81loop:
	LOADMAX32(0)
	SCALE32
	QUANT32
	// s = fp16(d · Σq)
	VPADDD       Y1, Y0, Y7
	VPADDD       Y3, Y2, Y8
	VPADDD       Y8, Y7, Y7
	VEXTRACTI128 $1, Y7, X8
	VPADDD       X8, X7, X7
	VPSHUFD      $0x4e, X7, X8
	VPADDD       X8, X7, X7
	VPSHUFD      $0xb1, X7, X8
	VPADDD       X8, X7, X7
	VCVTDQ2PS    X7, X7
	VMULSS       X7, X5, X7
	VCVTPS2PH    $0, X7, X7
	VPEXTRW      $0, X7, 2(DI)
	PACK32(4)
	ADDQ $128, SI
	ADDQ $36, DI
	DECQ CX
	JNZ  q81loop

q81done:
	VZEROUPPER
	RET

// func quantizeQ8KAVX2(dst []byte, src []float32)
TEXT ·quantizeQ8KAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $8, CX
	JZ   q8kdone
	CONSTS

q8kblock:
	// Pass 1: amax over 256 floats, in Y8…Y10 and Y4.
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y4, Y4, Y4
	XORQ   AX, AX

q8kmax:
	VANDPS (SI)(AX*1), Y15, Y0
	VANDPS 32(SI)(AX*1), Y15, Y1
	VANDPS 64(SI)(AX*1), Y15, Y2
	VANDPS 96(SI)(AX*1), Y15, Y3
	VMAXPS Y0, Y8, Y8
	VMAXPS Y1, Y9, Y9
	VMAXPS Y2, Y10, Y10
	VMAXPS Y3, Y4, Y4
	ADDQ   $128, AX
	CMPQ   AX, $1024
	JB     q8kmax
	VMAXPS Y8, Y4, Y4
	VMAXPS Y10, Y9, Y9
	VMAXPS Y9, Y4, Y4
	HMAX
	VUCOMISS X12, X4
	JEQ      q8kzero

	// Pass 2: max = the first x with |x| = amax.
	VBROADCASTSS X4, Y4
	XORQ AX, AX

q8kfind:
	VANDPS    (SI)(AX*1), Y15, Y0
	VCMPPS    $0, Y4, Y0, Y0
	VMOVMSKPS Y0, DX
	TESTL     DX, DX
	JNZ       q8kfound
	ADDQ      $32, AX
	JMP       q8kfind

q8kfound:
	BSFL  DX, DX
	LEAQ  (AX)(DX*4), AX
	VMOVSS (SI)(AX*1), X5
	// iscale = −127/max, d = 1/iscale.
	MOVL   $0xc2fe0000, AX
	VMOVD  AX, X6
	VDIVSS X5, X6, X6
	MOVL   $0x3f800000, AX
	VMOVD  AX, X7
	VDIVSS X6, X7, X7
	VMOVSS X7, (DI)
	VANDPS X15, X6, X5
	MOVL   $0x7f800000, AX
	VMOVD  AX, X7
	VUCOMISS X7, X5
	JEQ    q8kzeroq
	VBROADCASTSS X6, Y6

	// Pass 3: 8 groups of 32.
	XORQ AX, AX
	XORQ DX, DX

q8kquant:
	VMOVUPS   (SI)(AX*4), Y0
	VMOVUPS   32(SI)(AX*4), Y1
	VMOVUPS   64(SI)(AX*4), Y2
	VMOVUPS   96(SI)(AX*4), Y3
	QUANT32
	VPMINSD   Y11, Y0, Y0
	VPMINSD   Y11, Y1, Y1
	VPMINSD   Y11, Y2, Y2
	VPMINSD   Y11, Y3, Y3
	// bsums of elements 0…15 and 16…31
	VPADDD       Y1, Y0, Y7
	VPADDD       Y3, Y2, Y8
	VPHADDD      Y8, Y7, Y7
	VPHADDD      Y7, Y7, Y7
	VEXTRACTI128 $1, Y7, X8
	VPADDD       X8, X7, X7
	VPACKSSDW    X7, X7, X7
	VMOVD        X7, 260(DI)(DX*4)
	VPACKSSDW    Y1, Y0, Y0
	VPACKSSDW    Y3, Y2, Y2
	VPACKSSWB    Y2, Y0, Y0
	VPERMD       Y0, Y14, Y0
	VMOVDQU      Y0, 4(DI)(AX*1)
	ADDQ $32, AX
	INCQ DX
	CMPQ DX, $8
	JB   q8kquant
	JMP  q8knext

q8kzero:
	MOVL $0, (DI)

q8kzeroq:
	// q = 0 and bsums = 0: bytes 4…291.
	VMOVDQU Y12, 4(DI)
	VMOVDQU Y12, 36(DI)
	VMOVDQU Y12, 68(DI)
	VMOVDQU Y12, 100(DI)
	VMOVDQU Y12, 132(DI)
	VMOVDQU Y12, 164(DI)
	VMOVDQU Y12, 196(DI)
	VMOVDQU Y12, 228(DI)
	VMOVDQU Y12, 260(DI)

q8knext:
	ADDQ $1024, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q8kblock

q8kdone:
	VZEROUPPER
	RET
