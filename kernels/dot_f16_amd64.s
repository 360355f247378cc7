//go:build !noasm

#include "textflag.h"

// f16 · f32 dot products.
//
// Algorithm: four independent FMA accumulators (to cover the FMA latency)
// over 4 vectors per iteration, then one vector at a time, then the tail;
// the accumulators are added pairwise and their lanes summed at the end.
// The f16 weights are widened with VCVTPH2PS straight from memory.
//   avx2:   8 lanes; the tail (n mod 8 elements) one scalar at a time.
//   avx512: 16 lanes; the tail in one masked step (K1 = low n mod 16 bits).
//
// Registers: SI = x, DI = y, CX = elements left, Y0…Y3 / Z0…Z3 =
// accumulators, Y4…Y7 / Z4…Z7 = temporaries, K1 = tail mask.

// HSUM8 adds the 8 lanes of Y0 into X0.
#define HSUM8 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// HSUM16 adds the 16 lanes of Z0 into X0.
#define HSUM16 \
	VEXTRACTF64X4 $1, Z0, Y1 \
	VADDPS        Y1, Y0, Y0 \
	HSUM8

// TAILMASK sets K1 to the low CX bits.
#define TAILMASK \
	MOVL  $1, AX  \
	SHLL  CX, AX  \
	DECL  AX      \
	KMOVW AX, K1

// func dotF16AVX2(n int, x, y []byte) float32
TEXT ·dotF16AVX2(SB), NOSPLIT, $0-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ CX, $32
	JB   f16avx2one

f16avx2loop:
	VCVTPH2PS   (SI), Y4
	VCVTPH2PS   16(SI), Y5
	VCVTPH2PS   32(SI), Y6
	VCVTPH2PS   48(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JAE  f16avx2loop

f16avx2one:
	CMPQ CX, $8
	JB   f16avx2scalar
	VCVTPH2PS   (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  f16avx2one

f16avx2scalar:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM8
	TESTQ CX, CX
	JZ    f16avx2done

f16avx2tail:
	MOVWLZX     (SI), AX
	VMOVD       AX, X4
	VCVTPH2PS   X4, X4
	VFMADD231SS (DI), X4, X0
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JNZ  f16avx2tail

f16avx2done:
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// func dotF16AVX512(n int, x, y []byte) float32
TEXT ·dotF16AVX512(SB), NOSPLIT, $0-60
	MOVQ n+0(FP), CX
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	CMPQ CX, $64
	JB   f16z1

f16zloop:
	VCVTPH2PS   (SI), Z4
	VCVTPH2PS   32(SI), Z5
	VCVTPH2PS   64(SI), Z6
	VCVTPH2PS   96(SI), Z7
	VFMADD231PS (DI), Z4, Z0
	VFMADD231PS 64(DI), Z5, Z1
	VFMADD231PS 128(DI), Z6, Z2
	VFMADD231PS 192(DI), Z7, Z3
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	CMPQ CX, $64
	JAE  f16zloop

f16z1:
	CMPQ CX, $16
	JB   f16ztail
	VCVTPH2PS   (SI), Z4
	VFMADD231PS (DI), Z4, Z0
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  f16z1

f16ztail:
	TESTQ CX, CX
	JZ    f16zdone
	TAILMASK
	VMOVDQU16.Z (SI), K1, Y4
	VCVTPH2PS   Y4, Z4
	VMOVUPS.Z   (DI), K1, Z5
	VFMADD231PS Z5, Z4, Z1

f16zdone:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	HSUM16
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET
