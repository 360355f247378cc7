//go:build !noasm

#include "textflag.h"
#include "exp_amd64.h"

// Attention kernels (see attn_generic.go for what each computes).
//
// f16Rows: F16C widening, 64 values per iteration, then 16, then a masked
// tail (K1 = low cols mod 16 bits).
//
// dotRows4: four query rows against the key rows, four keys at a time. The
// d loop keeps 4×4 accumulators of 16 lanes, acc[r][j] = Z(4r+j), fed by
// the query chunks Z16…Z19 and the key chunks Z20…Z23 (a masked last
// chunk when d mod 16 ≠ 0, K1). The 16 accumulators are then summed in a
// transpose tree (pairs of 256-bit halves, then 128-bit quarters, then
// pairs and single lanes within each quarter) into one vector whose
// quarter r holds row r's four scores, stored under the key mask K2 (fewer
// than four keys left: the last key's pointer stands in for the missing
// ones). Registers: R8–R11 = query rows, SI/R12/R13/BX = keys j…j+3,
// DI = key stride, CX = keys left, DX = bytes of whole chunks, AX = offset
// in the row, R14 = offset of key j in the score rows.
//
// expShiftSum: e^(x−shift) 16 lanes at a time: x below ln(2⁻¹²⁶) gives 0,
// the others are clamped to at most 89 (NaN kept), n = round(x·log₂e),
// r = x − n·ln2 (ln2 in two parts), e^r = 1 + r + r²·P(r) (degree 5,
// Cephes' coefficients), then VSCALEFPS multiplies by 2ⁿ with a single
// rounding (+Inf on overflow). The sum is kept in Z0 (a merge-masked add
// for the tail). Constants in Z19…Z31.
//
// max: VMAXPS with the running maximum as the second operand, so that a
// NaN element leaves it unchanged; the tail merges into -Inf lanes.
//
// axpyRows4: four output rows, 64 columns at a time (masks K1…K4 for the
// four 16-lane parts of the last block): the 4×4 accumulator vectors
// Z0…Z15 are loaded and multiplied by alpha (Z28…Z31), then for every key
// j the four weights p[r][j] are broadcast (Z24…Z27) and the value row's
// parts (Z16…Z19) accumulated. Registers: R8–R11 = output rows,
// R12/R13/BX/R14 = weight rows, SI = value rows at this column block,
// AX = value row j, DI = value stride, CX = j, DX = columns left.


// LOWMASK sets k to the low n bits (n in CX, at most 16; clobbers AX).
#define LOWMASK(k) \
	MOVL  $1, AX \
	SHLL  CX, AX \
	DECL  AX     \
	KMOVW AX, k

// func f16RowsAVX512(dst *float32, ldd int, src *byte, lds int, rows, cols int)
TEXT ·f16RowsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	MOVQ rows+32(FP), R10
	MOVQ cols+40(FP), DX
	MOVQ DX, CX
	ANDQ $15, CX
	LOWMASK(K1)
	ANDQ $-16, DX

f16row:
	XORQ AX, AX

f16by64:
	LEAQ 64(AX), BX
	CMPQ BX, DX
	JA   f16by16
	VCVTPH2PS (SI)(AX*2), Z0
	VCVTPH2PS 32(SI)(AX*2), Z1
	VCVTPH2PS 64(SI)(AX*2), Z2
	VCVTPH2PS 96(SI)(AX*2), Z3
	VMOVUPS   Z0, (DI)(AX*4)
	VMOVUPS   Z1, 64(DI)(AX*4)
	VMOVUPS   Z2, 128(DI)(AX*4)
	VMOVUPS   Z3, 192(DI)(AX*4)
	MOVQ      BX, AX
	JMP       f16by64

f16by16:
	CMPQ      AX, DX
	JAE       f16tail
	VCVTPH2PS (SI)(AX*2), Z0
	VMOVUPS   Z0, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       f16by16

f16tail:
	KORTESTW    K1, K1
	JZ          f16next
	VMOVDQU16.Z (SI)(AX*2), K1, Y0
	VCVTPH2PS   Y0, Z0
	VMOVUPS     Z0, K1, (DI)(AX*4)

f16next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ R10
	JNZ  f16row
	VZEROUPPER
	RET

// FMA16 adds the products of query chunks Z16…Z19 and key chunks
// Z20…Z23 to the accumulators: Z(4r+j) += Z(16+r)·Z(20+j).
#define FMA16 \
	VFMADD231PS Z20, Z16, Z0  \
	VFMADD231PS Z21, Z16, Z1  \
	VFMADD231PS Z22, Z16, Z2  \
	VFMADD231PS Z23, Z16, Z3  \
	VFMADD231PS Z20, Z17, Z4  \
	VFMADD231PS Z21, Z17, Z5  \
	VFMADD231PS Z22, Z17, Z6  \
	VFMADD231PS Z23, Z17, Z7  \
	VFMADD231PS Z20, Z18, Z8  \
	VFMADD231PS Z21, Z18, Z9  \
	VFMADD231PS Z22, Z18, Z10 \
	VFMADD231PS Z23, Z18, Z11 \
	VFMADD231PS Z20, Z19, Z12 \
	VFMADD231PS Z21, Z19, Z13 \
	VFMADD231PS Z22, Z19, Z14 \
	VFMADD231PS Z23, Z19, Z15

// HALVES512: x = [x.lo256 + x.hi256 | y.lo256 + y.hi256].
#define HALVES512(x, y, t1, t2) \
	VSHUFF64X2 $0x44, y, x, t1 \
	VSHUFF64X2 $0xEE, y, x, t2 \
	VADDPS     t2, t1, x

// QUARTERS512: p, q hold two rows' 8-lane sums each; p = the four rows'
// 4-lane sums, one per 128-bit quarter.
#define QUARTERS512(p, q, t1, t2) \
	VSHUFF32X4 $0x88, q, p, t1 \
	VSHUFF32X4 $0xDD, q, p, t2 \
	VADDPS     t2, t1, p

// PAIRS: per quarter, a = [a0+a2, a1+a3, b0+b2, b1+b3].
#define PAIRS(a, b, t1, t2) \
	VSHUFPS $0x44, b, a, t1 \
	VSHUFPS $0xEE, b, a, t2 \
	VADDPS  t2, t1, a

// SINGLES: per quarter, a = [a0+a1, a2+a3, b0+b1, b2+b3].
#define SINGLES(a, b, t1, t2) \
	VSHUFPS $0x88, b, a, t1 \
	VSHUFPS $0xDD, b, a, t2 \
	VADDPS  t2, t1, a

// func dotRows4AVX512(s *[4]*float32, q *[4]*float32, k *float32, ldk, n, d int)
TEXT ·dotRows4AVX512(SB), NOSPLIT, $0-48
	MOVQ q+8(FP), AX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	MOVQ k+16(FP), SI
	MOVQ ldk+24(FP), DI
	MOVQ d+40(FP), DX
	MOVQ DX, CX
	ANDQ $15, CX
	LOWMASK(K1)
	SHLQ $2, DX
	ANDQ $-64, DX
	MOVQ n+32(FP), CX
	XORQ R14, R14

dkeys:
	// Keys j…j+3, the last one standing in for those past n; K2 = the
	// valid ones.
	MOVQ SI, R12
	MOVQ SI, R13
	MOVQ SI, BX
	MOVL $1, AX
	CMPQ CX, $2
	JB   dkeysset
	LEAQ (SI)(DI*1), R12
	MOVQ R12, R13
	MOVQ R12, BX
	MOVL $3, AX
	CMPQ CX, $3
	JB   dkeysset
	LEAQ (SI)(DI*2), R13
	MOVQ R13, BX
	MOVL $7, AX
	CMPQ CX, $4
	JB   dkeysset
	LEAQ (R13)(DI*1), BX
	MOVL $15, AX

dkeysset:
	KMOVW  AX, K2
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	VXORPS Z14, Z14, Z14
	VXORPS Z15, Z15, Z15
	XORQ   AX, AX
	TESTQ  DX, DX
	JZ     dtail

dloop:
	VMOVUPS (R8)(AX*1), Z16
	VMOVUPS (R9)(AX*1), Z17
	VMOVUPS (R10)(AX*1), Z18
	VMOVUPS (R11)(AX*1), Z19
	VMOVUPS (SI)(AX*1), Z20
	VMOVUPS (R12)(AX*1), Z21
	VMOVUPS (R13)(AX*1), Z22
	VMOVUPS (BX)(AX*1), Z23
	FMA16
	ADDQ    $64, AX
	CMPQ    AX, DX
	JB      dloop

dtail:
	KORTESTW  K1, K1
	JZ        dreduce
	VMOVUPS.Z (R8)(AX*1), K1, Z16
	VMOVUPS.Z (R9)(AX*1), K1, Z17
	VMOVUPS.Z (R10)(AX*1), K1, Z18
	VMOVUPS.Z (R11)(AX*1), K1, Z19
	VMOVUPS.Z (SI)(AX*1), K1, Z20
	VMOVUPS.Z (R12)(AX*1), K1, Z21
	VMOVUPS.Z (R13)(AX*1), K1, Z22
	VMOVUPS.Z (BX)(AX*1), K1, Z23
	FMA16

dreduce:
	HALVES512(Z0, Z4, Z16, Z17)
	HALVES512(Z1, Z5, Z18, Z19)
	HALVES512(Z2, Z6, Z20, Z21)
	HALVES512(Z3, Z7, Z22, Z23)
	HALVES512(Z8, Z12, Z24, Z25)
	HALVES512(Z9, Z13, Z26, Z27)
	HALVES512(Z10, Z14, Z28, Z29)
	HALVES512(Z11, Z15, Z30, Z31)
	QUARTERS512(Z0, Z8, Z16, Z17)
	QUARTERS512(Z1, Z9, Z18, Z19)
	QUARTERS512(Z2, Z10, Z20, Z21)
	QUARTERS512(Z3, Z11, Z22, Z23)
	PAIRS(Z0, Z1, Z16, Z17)
	PAIRS(Z2, Z3, Z18, Z19)
	SINGLES(Z0, Z2, Z16, Z17)

	// Quarter r of Z0 = scores of row r for keys j…j+3.
	MOVQ          s+0(FP), AX
	MOVQ          0(AX), R12
	VMOVUPS       X0, K2, (R12)(R14*1)
	MOVQ          8(AX), R12
	VEXTRACTF32X4 $1, Z0, X1
	VMOVUPS       X1, K2, (R12)(R14*1)
	MOVQ          16(AX), R12
	VEXTRACTF32X4 $2, Z0, X1
	VMOVUPS       X1, K2, (R12)(R14*1)
	MOVQ          24(AX), R12
	VEXTRACTF32X4 $3, Z0, X1
	VMOVUPS       X1, K2, (R12)(R14*1)

	LEAQ (SI)(DI*4), SI
	ADDQ $16, R14
	SUBQ $4, CX
	JG   dkeys
	VZEROUPPER
	RET


// func expShiftSumAVX512(dst, x *float32, n int, shift float32) float32
TEXT ·expShiftSumAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), DX
	VBROADCASTSS shift+24(FP), Z31
	EXP512_CONSTS
	VXORPS       Z0, Z0, Z0
	VXORPS       Z5, Z5, Z5

expby32:
	CMPQ    DX, $32
	JB      expby16
	VMOVUPS (SI), Z1
	VMOVUPS 64(SI), Z6
	EXP512(Z1, Z2, Z3, Z4)
	EXP512(Z6, Z7, Z8, Z9)
	VMOVUPS Z1, (DI)
	VMOVUPS Z6, 64(DI)
	VADDPS  Z1, Z0, Z0
	VADDPS  Z6, Z5, Z5
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, DX
	JMP     expby32

expby16:
	CMPQ    DX, $16
	JB      exptail
	VMOVUPS (SI), Z1
	EXP512(Z1, Z2, Z3, Z4)
	VMOVUPS Z1, (DI)
	VADDPS  Z1, Z0, Z0
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, DX

exptail:
	TESTQ     DX, DX
	JZ        expsum
	MOVQ      DX, CX
	LOWMASK(K1)
	VMOVUPS.Z (SI), K1, Z1
	EXP512(Z1, Z2, Z3, Z4)
	VMOVUPS   Z1, K1, (DI)
	VADDPS    Z1, Z5, K1, Z5

expsum:
	VADDPS        Z5, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+32(FP)
	RET

// func maxAVX512(x *float32, n int) float32
TEXT ·maxAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), DX
	VBROADCASTSS expC<>+48(SB), Z0
	VMOVAPS      Z0, Z1
	VMOVAPS      Z0, Z4

maxby32:
	CMPQ    DX, $32
	JB      maxby16
	VMOVUPS (SI), Z2
	VMOVUPS 64(SI), Z3
	VMAXPS  Z0, Z2, Z0
	VMAXPS  Z1, Z3, Z1
	ADDQ    $128, SI
	SUBQ    $32, DX
	JMP     maxby32

maxby16:
	CMPQ    DX, $16
	JB      maxtail
	VMOVUPS (SI), Z2
	VMAXPS  Z0, Z2, Z0
	ADDQ    $64, SI
	SUBQ    $16, DX

maxtail:
	TESTQ   DX, DX
	JZ      maxreduce
	MOVQ    DX, CX
	LOWMASK(K1)
	VMOVAPS Z4, Z2
	VMOVUPS (SI), K1, Z2
	VMAXPS  Z1, Z2, Z1

maxreduce:
	VMAXPS        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+16(FP)
	RET

// COLMASK sets k to the valid lanes of part off/16 of the column block:
// min(max(DX − off, 0), 16) low bits (clobbers AX, CX).
#define COLMASK(off, k) \
	MOVQ    DX, CX   \
	SUBQ    $off, CX \
	XORL    AX, AX   \
	CMPQ    CX, $0   \
	CMOVQLT AX, CX   \
	MOVL    $16, AX  \
	CMPQ    CX, $16  \
	CMOVQGT AX, CX   \
	LOWMASK(k)

// LOADACC loads output row o's 64-column block into a0…a3 (masked) and
// multiplies it by the row's scale s.
#define LOADACC(o, s, a0, a1, a2, a3) \
	VMOVUPS.Z (o), K1, a0    \
	VMOVUPS.Z 64(o), K2, a1  \
	VMOVUPS.Z 128(o), K3, a2 \
	VMOVUPS.Z 192(o), K4, a3 \
	VMULPS    s, a0, a0      \
	VMULPS    s, a1, a1      \
	VMULPS    s, a2, a2      \
	VMULPS    s, a3, a3

#define STOREACC(o, a0, a1, a2, a3) \
	VMOVUPS a0, K1, (o)    \
	VMOVUPS a1, K2, 64(o)  \
	VMOVUPS a2, K3, 128(o) \
	VMOVUPS a3, K4, 192(o)

// func axpyRows4AVX512(o *[4]*float32, alpha *[4]float32, p *[4]*float32, v *float32, ldv, n, d int)
TEXT ·axpyRows4AVX512(SB), NOSPLIT, $0-56
	MOVQ         o+0(FP), AX
	MOVQ         0(AX), R8
	MOVQ         8(AX), R9
	MOVQ         16(AX), R10
	MOVQ         24(AX), R11
	MOVQ         p+16(FP), AX
	MOVQ         0(AX), R12
	MOVQ         8(AX), R13
	MOVQ         16(AX), BX
	MOVQ         24(AX), R14
	MOVQ         alpha+8(FP), AX
	VBROADCASTSS 0(AX), Z28
	VBROADCASTSS 4(AX), Z29
	VBROADCASTSS 8(AX), Z30
	VBROADCASTSS 12(AX), Z31
	MOVQ         v+24(FP), SI
	MOVQ         ldv+32(FP), DI
	MOVQ         d+48(FP), DX

acols:
	COLMASK(0, K1)
	COLMASK(16, K2)
	COLMASK(32, K3)
	COLMASK(48, K4)
	LOADACC(R8, Z28, Z0, Z1, Z2, Z3)
	LOADACC(R9, Z29, Z4, Z5, Z6, Z7)
	LOADACC(R10, Z30, Z8, Z9, Z10, Z11)
	LOADACC(R11, Z31, Z12, Z13, Z14, Z15)
	MOVQ SI, AX
	XORQ CX, CX
	CMPQ CX, n+40(FP)
	JGE  astore

akeys:
	VBROADCASTSS (R12)(CX*4), Z24
	VBROADCASTSS (R13)(CX*4), Z25
	VBROADCASTSS (BX)(CX*4), Z26
	VBROADCASTSS (R14)(CX*4), Z27
	VMOVUPS.Z    (AX), K1, Z16
	VMOVUPS.Z    64(AX), K2, Z17
	VMOVUPS.Z    128(AX), K3, Z18
	VMOVUPS.Z    192(AX), K4, Z19
	VFMADD231PS  Z24, Z16, Z0
	VFMADD231PS  Z24, Z17, Z1
	VFMADD231PS  Z24, Z18, Z2
	VFMADD231PS  Z24, Z19, Z3
	VFMADD231PS  Z25, Z16, Z4
	VFMADD231PS  Z25, Z17, Z5
	VFMADD231PS  Z25, Z18, Z6
	VFMADD231PS  Z25, Z19, Z7
	VFMADD231PS  Z26, Z16, Z8
	VFMADD231PS  Z26, Z17, Z9
	VFMADD231PS  Z26, Z18, Z10
	VFMADD231PS  Z26, Z19, Z11
	VFMADD231PS  Z27, Z16, Z12
	VFMADD231PS  Z27, Z17, Z13
	VFMADD231PS  Z27, Z18, Z14
	VFMADD231PS  Z27, Z19, Z15
	ADDQ         DI, AX
	INCQ         CX
	CMPQ         CX, n+40(FP)
	JL           akeys

astore:
	STOREACC(R8, Z0, Z1, Z2, Z3)
	STOREACC(R9, Z4, Z5, Z6, Z7)
	STOREACC(R10, Z8, Z9, Z10, Z11)
	STOREACC(R11, Z12, Z13, Z14, Z15)
	ADDQ $256, R8
	ADDQ $256, R9
	ADDQ $256, R10
	ADDQ $256, R11
	ADDQ $256, SI
	SUBQ $64, DX
	JG   acols
	VZEROUPPER
	RET

// HMAX512 sets every lane of x to the largest lane of x (t: temporary).
#define HMAX512(x, t) \
	VSHUFF64X2 $0x4e, x, x, t \
	VMAXPS     t, x, x        \
	VSHUFF64X2 $0xb1, x, x, t \
	VMAXPS     t, x, x        \
	VPERMILPS  $0x4e, x, t    \
	VMAXPS     t, x, x        \
	VPERMILPS  $0xb1, x, t    \
	VMAXPS     t, x, x

// func softmaxRowsAVX512(s *float32, lds int, m, l, alpha *float32, rows, n int)
//
// Per row: the maximum of the scores (as in max, into every lane), the new
// running maximum m' in Z31 (the shift of EXP512), alpha = e^(m − m'),
// then the weights in place and their sum, as in expShiftSum. Registers:
// SI = row, DI = row stride, R8/R9/R10 = m, l, alpha of the row, R11 =
// rows left, DX = n, AX/BX = position and count within the row, K1 = tail
// mask (n mod 16 lanes), Z18 = -Inf.
TEXT ·softmaxRowsAVX512(SB), NOSPLIT, $0-56
	MOVQ         s+0(FP), SI
	MOVQ         lds+8(FP), DI
	MOVQ         m+16(FP), R8
	MOVQ         l+24(FP), R9
	MOVQ         alpha+32(FP), R10
	MOVQ         rows+40(FP), R11
	MOVQ         n+48(FP), DX
	MOVQ         DX, CX
	ANDQ         $15, CX
	LOWMASK(K1)
	EXP512_CONSTS
	VBROADCASTSS expC<>+48(SB), Z18

srow:
	VMOVAPS Z18, Z0
	VMOVAPS Z18, Z1
	MOVQ    SI, AX
	MOVQ    DX, BX

smax32:
	CMPQ    BX, $32
	JB      smax16
	VMOVUPS (AX), Z2
	VMOVUPS 64(AX), Z3
	VMAXPS  Z0, Z2, Z0
	VMAXPS  Z1, Z3, Z1
	ADDQ    $128, AX
	SUBQ    $32, BX
	JMP     smax32

smax16:
	CMPQ    BX, $16
	JB      smaxtail
	VMOVUPS (AX), Z2
	VMAXPS  Z0, Z2, Z0
	ADDQ    $64, AX
	SUBQ    $16, BX

smaxtail:
	TESTQ   BX, BX
	JZ      smaxall
	VMOVAPS Z18, Z2
	VMOVUPS (AX), K1, Z2
	VMAXPS  Z1, Z2, Z1

smaxall:
	VMAXPS       Z1, Z0, Z0
	HMAX512(Z0, Z1)
	VBROADCASTSS (R8), Z2
	VMAXPS       Z2, Z0, Z31
	VUCOMISS     X18, X31
	JEQ          sallinf

	// alpha = e^(m − m'); m = m'.
	EXP512(Z2, Z3, Z4, Z5)
	VMOVSS X2, (R10)
	VMOVSS X31, (R8)
	VXORPS Z0, Z0, Z0
	VXORPS Z6, Z6, Z6
	MOVQ   SI, AX
	MOVQ   DX, BX

sexp32:
	CMPQ    BX, $32
	JB      sexp16
	VMOVUPS (AX), Z1
	VMOVUPS 64(AX), Z7
	EXP512(Z1, Z3, Z4, Z5)
	EXP512(Z7, Z8, Z9, Z10)
	VMOVUPS Z1, (AX)
	VMOVUPS Z7, 64(AX)
	VADDPS  Z1, Z0, Z0
	VADDPS  Z7, Z6, Z6
	ADDQ    $128, AX
	SUBQ    $32, BX
	JMP     sexp32

sexp16:
	CMPQ    BX, $16
	JB      sexptail
	VMOVUPS (AX), Z1
	EXP512(Z1, Z3, Z4, Z5)
	VMOVUPS Z1, (AX)
	VADDPS  Z1, Z0, Z0
	ADDQ    $64, AX
	SUBQ    $16, BX

sexptail:
	TESTQ     BX, BX
	JZ        ssum
	VMOVUPS.Z (AX), K1, Z1
	EXP512(Z1, Z3, Z4, Z5)
	VMOVUPS   Z1, K1, (AX)
	VADDPS    Z1, Z6, K1, Z6

ssum:
	// l = alpha·l + Σ weights
	VADDPS        Z6, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VMOVSS        (R9), X1
	VFMADD231SS   X2, X1, X0
	VMOVSS        X0, (R9)
	JMP           snext

sallinf:
	// Nothing seen yet: weights 0, alpha 1.
	VXORPS Z0, Z0, Z0
	MOVQ   SI, AX
	MOVQ   DX, BX

szero16:
	CMPQ    BX, $16
	JB      szerotail
	VMOVUPS Z0, (AX)
	ADDQ    $64, AX
	SUBQ    $16, BX
	JMP     szero16

szerotail:
	TESTQ   BX, BX
	JZ      szerodone
	VMOVUPS Z0, K1, (AX)

szerodone:
	VMOVSS X19, (R10)

snext:
	ADDQ DI, SI
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	DECQ R11
	JNZ  srow
	VZEROUPPER
	RET

// ---- AVX2 (+FMA, F16C): 8 lanes, the same algorithms; masked tails with
// VMASKMOVPS and the lane masks of attnC8 (8 lanes of ones, then zeros:
// the mask of t lanes is the 8 (or 4) lanes at byte offset 448 + 4·(8−t)).

// +0: lower clamp -87.33654

// MASK8(t, y) loads into y the lane mask of the low t (in a register, 0…8)
// lanes (clobbers AX, BX).
#define MASK8(t, y) \
	MOVQ    $8, AX           \
	SUBQ    t, AX            \
	LEAQ    expC8<>+448(SB), BX \
	VMOVUPS (BX)(AX*4), y

// func f16RowsAVX2(dst *float32, ldd int, src *byte, lds int, rows, cols int)
TEXT ·f16RowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	MOVQ rows+32(FP), R10
	MOVQ cols+40(FP), DX

h8row:
	XORQ AX, AX

h8by32:
	LEAQ      32(AX), BX
	CMPQ      BX, DX
	JA        h8by8
	VCVTPH2PS (SI)(AX*2), Y0
	VCVTPH2PS 16(SI)(AX*2), Y1
	VCVTPH2PS 32(SI)(AX*2), Y2
	VCVTPH2PS 48(SI)(AX*2), Y3
	VMOVUPS   Y0, (DI)(AX*4)
	VMOVUPS   Y1, 32(DI)(AX*4)
	VMOVUPS   Y2, 64(DI)(AX*4)
	VMOVUPS   Y3, 96(DI)(AX*4)
	MOVQ      BX, AX
	JMP       h8by32

h8by8:
	LEAQ      8(AX), BX
	CMPQ      BX, DX
	JA        h8tail
	VCVTPH2PS (SI)(AX*2), Y0
	VMOVUPS   Y0, (DI)(AX*4)
	MOVQ      BX, AX
	JMP       h8by8

h8tail:
	CMPQ      AX, DX
	JAE       h8next
	MOVWLZX   (SI)(AX*2), BX
	VMOVD     BX, X0
	VCVTPH2PS X0, X0
	VMOVSS    X0, (DI)(AX*4)
	INCQ      AX
	JMP       h8tail

h8next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ R10
	JNZ  h8row
	VZEROUPPER
	RET

// FMA8 adds the products of query chunks Y8, Y9 and key chunks Y10…Y13
// to the accumulators: Y(4r+j) += Y(8+r)·Y(10+j).
#define FMA8 \
	VFMADD231PS Y10, Y8, Y0 \
	VFMADD231PS Y11, Y8, Y1 \
	VFMADD231PS Y12, Y8, Y2 \
	VFMADD231PS Y13, Y8, Y3 \
	VFMADD231PS Y10, Y9, Y4 \
	VFMADD231PS Y11, Y9, Y5 \
	VFMADD231PS Y12, Y9, Y6 \
	VFMADD231PS Y13, Y9, Y7

// HALVES256: x = [x.lo128 + x.hi128 | y.lo128 + y.hi128].
#define HALVES256(x, y, t1, t2) \
	VPERM2F128 $0x20, y, x, t1 \
	VPERM2F128 $0x31, y, x, t2 \
	VADDPS     t2, t1, x

// func dotRows2AVX2(s *[4]*float32, q *[4]*float32, k *float32, ldk, n, d int)
//
// Two query rows against four keys at a time: accumulators Y0…Y3 (row 0)
// and Y4…Y7 (row 1), query chunks Y8, Y9, key chunks Y10…Y13, the d tail
// mask Y15 (R10 = d mod 8), the key store mask X14 (R11 = valid keys).
// The tree: 128-bit halves, then as dotRows4AVX512's quarters.
TEXT ·dotRows2AVX2(SB), NOSPLIT, $0-48
	MOVQ q+8(FP), AX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ k+16(FP), SI
	MOVQ ldk+24(FP), DI
	MOVQ d+40(FP), DX
	MOVQ DX, R10
	ANDQ $7, R10
	MASK8(R10, Y15)
	SHLQ $2, DX
	ANDQ $-32, DX
	MOVQ n+32(FP), CX
	XORQ R14, R14

ykeys:
	MOVQ SI, R12
	MOVQ SI, R13
	MOVQ SI, BX
	MOVL $1, AX
	CMPQ CX, $2
	JB   ykeysset
	LEAQ (SI)(DI*1), R12
	MOVQ R12, R13
	MOVQ R12, BX
	MOVL $2, AX
	CMPQ CX, $3
	JB   ykeysset
	LEAQ (SI)(DI*2), R13
	MOVQ R13, BX
	MOVL $3, AX
	CMPQ CX, $4
	JB   ykeysset
	LEAQ (R13)(DI*1), BX
	MOVL $4, AX

ykeysset:
	MOVQ   AX, R11
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   AX, AX
	TESTQ  DX, DX
	JZ     ytail

yloop:
	VMOVUPS (R8)(AX*1), Y8
	VMOVUPS (R9)(AX*1), Y9
	VMOVUPS (SI)(AX*1), Y10
	VMOVUPS (R12)(AX*1), Y11
	VMOVUPS (R13)(AX*1), Y12
	VMOVUPS (BX)(AX*1), Y13
	FMA8
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      yloop

ytail:
	TESTQ      R10, R10
	JZ         yreduce
	VMASKMOVPS (R8)(AX*1), Y15, Y8
	VMASKMOVPS (R9)(AX*1), Y15, Y9
	VMASKMOVPS (SI)(AX*1), Y15, Y10
	VMASKMOVPS (R12)(AX*1), Y15, Y11
	VMASKMOVPS (R13)(AX*1), Y15, Y12
	VMASKMOVPS (BX)(AX*1), Y15, Y13
	FMA8

yreduce:
	HALVES256(Y0, Y4, Y8, Y9)
	HALVES256(Y1, Y5, Y10, Y11)
	HALVES256(Y2, Y6, Y12, Y13)
	HALVES256(Y3, Y7, Y4, Y5)
	PAIRS(Y0, Y1, Y8, Y9)
	PAIRS(Y2, Y3, Y10, Y11)
	SINGLES(Y0, Y2, Y8, Y9)

	// Half r of Y0 = scores of row r for keys j…j+3.
	MASK8(R11, X14)
	MOVQ         s+0(FP), AX
	MOVQ         0(AX), R12
	VMASKMOVPS   X0, X14, (R12)(R14*1)
	VEXTRACTF128 $1, Y0, X1
	MOVQ         8(AX), R12
	VMASKMOVPS   X1, X14, (R12)(R14*1)

	LEAQ (SI)(DI*4), SI
	ADDQ $16, R14
	SUBQ $4, CX
	JG   ykeys
	VZEROUPPER
	RET


// HSUM256 adds the 8 lanes of Y0 into X0 (clobbers X1).
#define HSUM256 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVHLPS     X0, X0, X1 \
	VADDPS       X1, X0, X0 \
	VMOVSHDUP    X0, X1     \
	VADDSS       X1, X0, X0

// HMAX256 sets every lane of x to the largest lane of x.
#define HMAX256(x, t) \
	VPERM2F128 $0x01, x, x, t \
	VMAXPS     t, x, x        \
	VPERMILPS  $0x4e, x, t    \
	VMAXPS     t, x, x        \
	VPERMILPS  $0xb1, x, t    \
	VMAXPS     t, x, x

// func expShiftSumAVX2(dst, x *float32, n int, shift float32) float32
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), DX
	VBROADCASTSS shift+24(FP), Y15
	VMOVUPS      expC8<>+0(SB), Y14
	VMOVUPS      expC8<>+32(SB), Y13
	VXORPS       Y0, Y0, Y0
	VXORPS       Y6, Y6, Y6

e8by16:
	CMPQ    DX, $16
	JB      e8by8
	VMOVUPS (SI), Y1
	VMOVUPS 32(SI), Y7
	EXP256(Y1, Y2, Y3, Y4, Y5)
	EXP256(Y7, Y8, Y9, Y10, Y11)
	VMOVUPS Y1, (DI)
	VMOVUPS Y7, 32(DI)
	VADDPS  Y1, Y0, Y0
	VADDPS  Y7, Y6, Y6
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, DX
	JMP     e8by16

e8by8:
	CMPQ    DX, $8
	JB      e8tail
	VMOVUPS (SI), Y1
	EXP256(Y1, Y2, Y3, Y4, Y5)
	VMOVUPS Y1, (DI)
	VADDPS  Y1, Y0, Y0
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, DX

e8tail:
	TESTQ      DX, DX
	JZ         e8sum
	MASK8(DX, Y12)
	VMASKMOVPS (SI), Y12, Y1
	EXP256(Y1, Y2, Y3, Y4, Y5)
	VMASKMOVPS Y1, Y12, (DI)
	VANDPS     Y12, Y1, Y1
	VADDPS     Y1, Y6, Y6

e8sum:
	VADDPS Y6, Y0, Y0
	HSUM256
	VZEROUPPER
	MOVSS  X0, ret+32(FP)
	RET

// func maxAVX2(x *float32, n int) float32
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), DX
	VMOVUPS expC8<>+384(SB), Y5
	VMOVAPS Y5, Y0
	VMOVAPS Y5, Y1

m8by16:
	CMPQ    DX, $16
	JB      m8by8
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VMAXPS  Y0, Y2, Y0
	VMAXPS  Y1, Y3, Y1
	ADDQ    $64, SI
	SUBQ    $16, DX
	JMP     m8by16

m8by8:
	CMPQ    DX, $8
	JB      m8tail
	VMOVUPS (SI), Y2
	VMAXPS  Y0, Y2, Y0
	ADDQ    $32, SI
	SUBQ    $8, DX

m8tail:
	TESTQ      DX, DX
	JZ         m8all
	MASK8(DX, Y4)
	VMASKMOVPS (SI), Y4, Y2
	VBLENDVPS  Y4, Y2, Y5, Y2
	VMAXPS     Y1, Y2, Y1

m8all:
	VMAXPS Y1, Y0, Y0
	HMAX256(Y0, Y1)
	VZEROUPPER
	MOVSS  X0, ret+16(FP)
	RET

// func softmaxRowsAVX2(s *float32, lds int, m, l, alpha *float32, rows, n int)
//
// As softmaxRowsAVX512, 8 lanes: Y11 = -Inf, Y12 = tail mask (n mod 8
// lanes), Y13…Y15 as EXP256 takes them, Y2 = alpha of the row.
TEXT ·softmaxRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ    s+0(FP), SI
	MOVQ    lds+8(FP), DI
	MOVQ    m+16(FP), R8
	MOVQ    l+24(FP), R9
	MOVQ    alpha+32(FP), R10
	MOVQ    rows+40(FP), R11
	MOVQ    n+48(FP), DX
	MOVQ    DX, CX
	ANDQ    $7, CX
	MASK8(CX, Y12)
	VMOVUPS expC8<>+384(SB), Y11
	VMOVUPS expC8<>+0(SB), Y14
	VMOVUPS expC8<>+32(SB), Y13

s8row:
	VMOVAPS Y11, Y0
	VMOVAPS Y11, Y1
	MOVQ    SI, AX
	MOVQ    DX, BX

s8max16:
	CMPQ    BX, $16
	JB      s8max8
	VMOVUPS (AX), Y2
	VMOVUPS 32(AX), Y3
	VMAXPS  Y0, Y2, Y0
	VMAXPS  Y1, Y3, Y1
	ADDQ    $64, AX
	SUBQ    $16, BX
	JMP     s8max16

s8max8:
	CMPQ    BX, $8
	JB      s8maxtail
	VMOVUPS (AX), Y2
	VMAXPS  Y0, Y2, Y0
	ADDQ    $32, AX
	SUBQ    $8, BX

s8maxtail:
	TESTQ      BX, BX
	JZ         s8maxall
	VMASKMOVPS (AX), Y12, Y2
	VBLENDVPS  Y12, Y2, Y11, Y2
	VMAXPS     Y1, Y2, Y1

s8maxall:
	VMAXPS       Y1, Y0, Y0
	HMAX256(Y0, Y1)
	VBROADCASTSS (R8), Y2
	VMAXPS       Y2, Y0, Y15
	VUCOMISS     X11, X15
	JEQ          s8allinf

	// alpha = e^(m − m'); m = m'.
	EXP256(Y2, Y3, Y4, Y5, Y6)
	VMOVSS X2, (R10)
	VMOVSS X15, (R8)
	VXORPS Y0, Y0, Y0
	MOVQ   SI, AX
	MOVQ   DX, BX

s8exp8:
	CMPQ    BX, $8
	JB      s8exptail
	VMOVUPS (AX), Y1
	EXP256(Y1, Y3, Y4, Y5, Y6)
	VMOVUPS Y1, (AX)
	VADDPS  Y1, Y0, Y0
	ADDQ    $32, AX
	SUBQ    $8, BX
	JMP     s8exp8

s8exptail:
	TESTQ      BX, BX
	JZ         s8sum
	VMASKMOVPS (AX), Y12, Y1
	EXP256(Y1, Y3, Y4, Y5, Y6)
	VMASKMOVPS Y1, Y12, (AX)
	VANDPS     Y12, Y1, Y1
	VADDPS     Y1, Y0, Y0

s8sum:
	HSUM256
	VMOVSS      (R9), X1
	VFMADD231SS X2, X1, X0
	VMOVSS      X0, (R9)
	JMP         s8next

s8allinf:
	VXORPS Y0, Y0, Y0
	MOVQ   SI, AX
	MOVQ   DX, BX

s8zero8:
	CMPQ    BX, $8
	JB      s8zerotail
	VMOVUPS Y0, (AX)
	ADDQ    $32, AX
	SUBQ    $8, BX
	JMP     s8zero8

s8zerotail:
	TESTQ      BX, BX
	JZ         s8zerodone
	VMASKMOVPS Y0, Y12, (AX)

s8zerodone:
	VMOVSS expC8<>+352(SB), X0
	VMOVSS X0, (R10)

s8next:
	ADDQ DI, SI
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	DECQ R11
	JNZ  s8row
	VZEROUPPER
	RET

// func axpyRows2AVX2(o *[4]*float32, alpha *[4]float32, p *[4]*float32, v *float32, ldv, n, d int)
//
// Two output rows: blocks of 32 columns (accumulators Y0…Y3 and Y4…Y7,
// value parts Y8…Y11), then of 8 (Y0, Y4, Y8), then a masked tail (Y11 =
// mask); Y12, Y13 = the broadcast weights, Y14, Y15 = alpha. Registers:
// R8, R9 = output rows, R12, R13 = weight rows, SI = value rows at this
// column block, AX = value row j, DI = value stride, CX = j, R10 = n,
// DX = columns left.
TEXT ·axpyRows2AVX2(SB), NOSPLIT, $0-56
	MOVQ         o+0(FP), AX
	MOVQ         0(AX), R8
	MOVQ         8(AX), R9
	MOVQ         p+16(FP), AX
	MOVQ         0(AX), R12
	MOVQ         8(AX), R13
	MOVQ         alpha+8(FP), AX
	VBROADCASTSS 0(AX), Y14
	VBROADCASTSS 4(AX), Y15
	MOVQ         v+24(FP), SI
	MOVQ         ldv+32(FP), DI
	MOVQ         n+40(FP), R10
	MOVQ         d+48(FP), DX

a8cols32:
	CMPQ   DX, $32
	JB     a8cols8
	VMULPS (R8), Y14, Y0
	VMULPS 32(R8), Y14, Y1
	VMULPS 64(R8), Y14, Y2
	VMULPS 96(R8), Y14, Y3
	VMULPS (R9), Y15, Y4
	VMULPS 32(R9), Y15, Y5
	VMULPS 64(R9), Y15, Y6
	VMULPS 96(R9), Y15, Y7
	MOVQ   SI, AX
	XORQ   CX, CX
	TESTQ  R10, R10
	JZ     a8store32

a8keys32:
	VBROADCASTSS (R12)(CX*4), Y12
	VBROADCASTSS (R13)(CX*4), Y13
	VMOVUPS      (AX), Y8
	VMOVUPS      32(AX), Y9
	VMOVUPS      64(AX), Y10
	VMOVUPS      96(AX), Y11
	VFMADD231PS  Y8, Y12, Y0
	VFMADD231PS  Y9, Y12, Y1
	VFMADD231PS  Y10, Y12, Y2
	VFMADD231PS  Y11, Y12, Y3
	VFMADD231PS  Y8, Y13, Y4
	VFMADD231PS  Y9, Y13, Y5
	VFMADD231PS  Y10, Y13, Y6
	VFMADD231PS  Y11, Y13, Y7
	ADDQ         DI, AX
	INCQ         CX
	CMPQ         CX, R10
	JL           a8keys32

a8store32:
	VMOVUPS Y0, (R8)
	VMOVUPS Y1, 32(R8)
	VMOVUPS Y2, 64(R8)
	VMOVUPS Y3, 96(R8)
	VMOVUPS Y4, (R9)
	VMOVUPS Y5, 32(R9)
	VMOVUPS Y6, 64(R9)
	VMOVUPS Y7, 96(R9)
	ADDQ    $128, R8
	ADDQ    $128, R9
	ADDQ    $128, SI
	SUBQ    $32, DX
	JMP     a8cols32

a8cols8:
	CMPQ   DX, $8
	JB     a8tail
	VMULPS (R8), Y14, Y0
	VMULPS (R9), Y15, Y4
	MOVQ   SI, AX
	XORQ   CX, CX
	TESTQ  R10, R10
	JZ     a8store8

a8keys8:
	VBROADCASTSS (R12)(CX*4), Y12
	VBROADCASTSS (R13)(CX*4), Y13
	VMOVUPS      (AX), Y8
	VFMADD231PS  Y8, Y12, Y0
	VFMADD231PS  Y8, Y13, Y4
	ADDQ         DI, AX
	INCQ         CX
	CMPQ         CX, R10
	JL           a8keys8

a8store8:
	VMOVUPS Y0, (R8)
	VMOVUPS Y4, (R9)
	ADDQ    $32, R8
	ADDQ    $32, R9
	ADDQ    $32, SI
	SUBQ    $8, DX
	JMP     a8cols8

a8tail:
	TESTQ      DX, DX
	JZ         a8done
	MASK8(DX, Y11)
	VMASKMOVPS (R8), Y11, Y0
	VMULPS     Y14, Y0, Y0
	VMASKMOVPS (R9), Y11, Y4
	VMULPS     Y15, Y4, Y4
	MOVQ       SI, AX
	XORQ       CX, CX
	TESTQ      R10, R10
	JZ         a8storetail

a8keystail:
	VBROADCASTSS (R12)(CX*4), Y12
	VBROADCASTSS (R13)(CX*4), Y13
	VMASKMOVPS   (AX), Y11, Y8
	VFMADD231PS  Y8, Y12, Y0
	VFMADD231PS  Y8, Y13, Y4
	ADDQ         DI, AX
	INCQ         CX
	CMPQ         CX, R10
	JL           a8keystail

a8storetail:
	VMASKMOVPS Y0, Y11, (R8)
	VMASKMOVPS Y4, Y11, (R9)

a8done:
	VZEROUPPER
	RET

// func q8RowsAVX512(dst *float32, ldd int, src *byte, lds int, rows, blocks int)
//
// Per q8_0 block: the f16 scale widened and broadcast (Z0), the 32 int8
// values sign-extended to int32 and converted (Z1, Z2), multiplied.
// Registers: SI = source block, DI = destination, R8/R9 = the row
// strides, R10 = rows left, R11/R12 = row starts, CX = blocks left.
TEXT ·q8RowsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), R11
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), R12
	MOVQ lds+24(FP), R9
	MOVQ rows+32(FP), R10

q8zrow:
	MOVQ R11, DI
	MOVQ R12, SI
	MOVQ blocks+40(FP), CX

q8zblock:
	MOVWLZX      (SI), AX
	VMOVD        AX, X0
	VCVTPH2PS    X0, X0
	VBROADCASTSS X0, Z0
	VPMOVSXBD    2(SI), Z1
	VPMOVSXBD    18(SI), Z2
	VCVTDQ2PS    Z1, Z1
	VCVTDQ2PS    Z2, Z2
	VMULPS       Z0, Z1, Z1
	VMULPS       Z0, Z2, Z2
	VMOVUPS      Z1, (DI)
	VMOVUPS      Z2, 64(DI)
	ADDQ         $34, SI
	ADDQ         $128, DI
	DECQ         CX
	JNZ          q8zblock
	ADDQ         R8, R11
	ADDQ         R9, R12
	DECQ         R10
	JNZ          q8zrow
	VZEROUPPER
	RET

// func q8RowsAVX2(dst *float32, ldd int, src *byte, lds int, rows, blocks int)
//
// As q8RowsAVX512, 8 values at a time (Y1…Y4).
TEXT ·q8RowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), R11
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), R12
	MOVQ lds+24(FP), R9
	MOVQ rows+32(FP), R10

q8yrow:
	MOVQ R11, DI
	MOVQ R12, SI
	MOVQ blocks+40(FP), CX

q8yblock:
	MOVWLZX      (SI), AX
	VMOVD        AX, X0
	VCVTPH2PS    X0, X0
	VBROADCASTSS X0, Y0
	VPMOVSXBD    2(SI), Y1
	VPMOVSXBD    10(SI), Y2
	VPMOVSXBD    18(SI), Y3
	VPMOVSXBD    26(SI), Y4
	VCVTDQ2PS    Y1, Y1
	VCVTDQ2PS    Y2, Y2
	VCVTDQ2PS    Y3, Y3
	VCVTDQ2PS    Y4, Y4
	VMULPS       Y0, Y1, Y1
	VMULPS       Y0, Y2, Y2
	VMULPS       Y0, Y3, Y3
	VMULPS       Y0, Y4, Y4
	VMOVUPS      Y1, (DI)
	VMOVUPS      Y2, 32(DI)
	VMOVUPS      Y3, 64(DI)
	VMOVUPS      Y4, 96(DI)
	ADDQ         $34, SI
	ADDQ         $128, DI
	DECQ         CX
	JNZ          q8yblock
	ADDQ         R8, R11
	ADDQ         R9, R12
	DECQ         R10
	JNZ          q8yrow
	VZEROUPPER
	RET
