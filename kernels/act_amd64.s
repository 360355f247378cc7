//go:build !noasm

#include "textflag.h"
#include "exp_amd64.h"

// Activation kernels: SwiGLU (dst = silu(x)·g) and SiLU (dst = silu(x)),
// silu(v) = v / (1 + e^−v), with e^−v from exp_amd64.h (the polynomial of
// kernels' expf, so the Go twin in act_generic.go computes the same
// values).
//
// AVX-512: 32 lanes per iteration in two independent chains, then 16,
// then a masked tail (K1 = the low n mod 16 bits). Registers: DI = dst,
// SI = x, BX = g, DX = elements left; Z31 = 0 (EXP512's shift), Z19…Z30
// the exp constants (Z19 = 1), Z1…Z10 per-chain temporaries.
//
// AVX2: 16 lanes per iteration in two chains, then 8, then a tail of
// VMASKMOVPS with the lane masks of expC8. Registers as above with Y15 = 0,
// Y14/Y13 the exp clamps, Y0…Y11 temporaries.

// SILU512(x, t, n, p, r2) sets t = silu(x) (x kept).
#define SILU512(x, t, n, p, r2) \
	VSUBPS x, Z31, t        \
	EXP512(t, n, p, r2)     \
	VADDPS Z19, t, t        \
	VDIVPS t, x, t

// func swigluAVX512(dst, x, gate *float32, n int)
TEXT ·swigluAVX512(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   gate+16(FP), BX
	MOVQ   n+24(FP), DX
	EXP512_CONSTS
	VXORPS Z31, Z31, Z31

sgby32:
	CMPQ    DX, $32
	JB      sgby16
	VMOVUPS (SI), Z1
	VMOVUPS 64(SI), Z6
	SILU512(Z1, Z2, Z3, Z4, Z5)
	SILU512(Z6, Z7, Z8, Z9, Z10)
	VMULPS  (BX), Z2, Z2
	VMULPS  64(BX), Z7, Z7
	VMOVUPS Z2, (DI)
	VMOVUPS Z7, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, BX
	ADDQ    $128, DI
	SUBQ    $32, DX
	JMP     sgby32

sgby16:
	CMPQ    DX, $16
	JB      sgtail
	VMOVUPS (SI), Z1
	SILU512(Z1, Z2, Z3, Z4, Z5)
	VMULPS  (BX), Z2, Z2
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, BX
	ADDQ    $64, DI
	SUBQ    $16, DX

sgtail:
	TESTQ     DX, DX
	JZ        sgdone
	MOVQ      DX, CX
	MOVL      $1, AX
	SHLL      CX, AX
	DECL      AX
	KMOVW     AX, K1
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (BX), K1, Z6
	SILU512(Z1, Z2, Z3, Z4, Z5)
	VMULPS    Z6, Z2, Z2
	VMOVUPS   Z2, K1, (DI)

sgdone:
	VZEROUPPER
	RET

// func siluAVX512(dst, x *float32, n int)
TEXT ·siluAVX512(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), DX
	EXP512_CONSTS
	VXORPS Z31, Z31, Z31

slby32:
	CMPQ    DX, $32
	JB      slby16
	VMOVUPS (SI), Z1
	VMOVUPS 64(SI), Z6
	SILU512(Z1, Z2, Z3, Z4, Z5)
	SILU512(Z6, Z7, Z8, Z9, Z10)
	VMOVUPS Z2, (DI)
	VMOVUPS Z7, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, DX
	JMP     slby32

slby16:
	CMPQ    DX, $16
	JB      sltail
	VMOVUPS (SI), Z1
	SILU512(Z1, Z2, Z3, Z4, Z5)
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, DX

sltail:
	TESTQ     DX, DX
	JZ        sldone
	MOVQ      DX, CX
	MOVL      $1, AX
	SHLL      CX, AX
	DECL      AX
	KMOVW     AX, K1
	VMOVUPS.Z (SI), K1, Z1
	SILU512(Z1, Z2, Z3, Z4, Z5)
	VMOVUPS   Z2, K1, (DI)

sldone:
	VZEROUPPER
	RET

// SILU256(x, t, n, p, r2, m) sets t = silu(x) (x kept).
#define SILU256(x, t, n, p, r2, m) \
	VSUBPS x, Y15, t              \
	EXP256(t, n, p, r2, m)        \
	VADDPS expC8<>+352(SB), t, t  \
	VDIVPS t, x, t

// AVX2_SETUP loads the exp clamps and zeroes Y15.
#define AVX2_SETUP \
	VXORPS  Y15, Y15, Y15          \
	VMOVUPS expC8<>+0(SB), Y14     \
	VMOVUPS expC8<>+32(SB), Y13

// TAILMASK sets Y12 to the mask of the low DX (1…7) lanes (clobbers AX).
#define TAILMASK \
	MOVQ    $8, AX                      \
	SUBQ    DX, AX                      \
	LEAQ    expC8<>+448(SB), CX         \
	VMOVUPS (CX)(AX*4), Y12

// func swigluAVX2(dst, x, gate *float32, n int)
TEXT ·swigluAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gate+16(FP), BX
	MOVQ n+24(FP), DX
	AVX2_SETUP

ygby16:
	CMPQ    DX, $16
	JB      ygby8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y6
	SILU256(Y0, Y1, Y2, Y3, Y4, Y5)
	SILU256(Y6, Y7, Y8, Y9, Y10, Y11)
	VMULPS  (BX), Y1, Y1
	VMULPS  32(BX), Y7, Y7
	VMOVUPS Y1, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, BX
	ADDQ    $64, DI
	SUBQ    $16, DX
	JMP     ygby16

ygby8:
	CMPQ    DX, $8
	JB      ygtail
	VMOVUPS (SI), Y0
	SILU256(Y0, Y1, Y2, Y3, Y4, Y5)
	VMULPS  (BX), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, BX
	ADDQ    $32, DI
	SUBQ    $8, DX

ygtail:
	TESTQ      DX, DX
	JZ         ygdone
	TAILMASK
	VMASKMOVPS (SI), Y12, Y0
	VMASKMOVPS (BX), Y12, Y6
	SILU256(Y0, Y1, Y2, Y3, Y4, Y5)
	VMULPS     Y6, Y1, Y1
	VMASKMOVPS Y1, Y12, (DI)

ygdone:
	VZEROUPPER
	RET

// func siluAVX2(dst, x *float32, n int)
TEXT ·siluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), DX
	AVX2_SETUP

ylby16:
	CMPQ    DX, $16
	JB      ylby8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y6
	SILU256(Y0, Y1, Y2, Y3, Y4, Y5)
	SILU256(Y6, Y7, Y8, Y9, Y10, Y11)
	VMOVUPS Y1, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, DX
	JMP     ylby16

ylby8:
	CMPQ    DX, $8
	JB      yltail
	VMOVUPS (SI), Y0
	SILU256(Y0, Y1, Y2, Y3, Y4, Y5)
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, DX

yltail:
	TESTQ      DX, DX
	JZ         yldone
	TAILMASK
	VMASKMOVPS (SI), Y12, Y0
	SILU256(Y0, Y1, Y2, Y3, Y4, Y5)
	VMASKMOVPS Y1, Y12, (DI)

yldone:
	VZEROUPPER
	RET
