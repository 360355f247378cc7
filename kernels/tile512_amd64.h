// Shared macros of the 8×4 AVX-512 tiles (dot_q8_0_amd64.s,
// dot_q4_0_amd64.s) for 32-element blocks with an fp16 scale at each block
// start and 34-byte q8_0 activation blocks.
//
// Each 512-bit vector holds one block of two activation columns: its low
// half column 2p, its high half column 2p+1 (a column pair p). A weight
// row's block is broadcast to both halves, so one VPDPBUSD computes the
// row's block dot with two columns.
//
// Register plan:
//   SI = row 0, R8 = row 3, R9 = row 6 (current block); BX = row stride:
//   rows are 0(SI), (SI)(BX*1), (SI)(BX*2), (R8), (SI)(BX*4), (R8)(BX*2),
//   (R9), (R9)(BX*1)
//   DI, R11, R12, R13 = the 4 activation columns, DX = their block offset
//   CX = blocks left; AX, R10 = scratch for gathering fp16 scales
//   Z0…Z15  = accumulators, acc(r, p) = Z(r + 8p)
//   Z16…Z23 = weight rows (unsigned bytes), broadcast to both halves
//   Z24, Z25 = activation column pairs; Z26, Z27 = their corrections
//   Z28, Z29 = activation scales [dy(2p) ×8 | dy(2p+1) ×8]
//   Z30 = scratch; Z31 = the weight offset bytes m
//   0(SP)…31(SP) = the 8 weight scales dx(r) as float32

// T512_SCALES gathers the 8 weight scales to 0(SP) and the 4 activation
// scales to Z28, Z29 (VPERMPS with constant selectors). Uses Z16…Z18.
#define T512_SCALES \
	MOVWLZX   0(SI), AX            \
	MOVWLZX   0(SI)(BX*1), R10     \
	SHLL      $16, R10             \
	ORL       R10, AX              \
	MOVWLZX   0(SI)(BX*2), R10     \
	SHLQ      $32, R10             \
	ORQ       R10, AX              \
	MOVWLZX   0(R8), R10           \
	SHLQ      $48, R10             \
	ORQ       R10, AX              \
	VMOVQ     AX, X16              \
	MOVWLZX   0(SI)(BX*4), AX      \
	MOVWLZX   0(R8)(BX*2), R10     \
	SHLL      $16, R10             \
	ORL       R10, AX              \
	MOVWLZX   0(R9), R10           \
	SHLQ      $32, R10             \
	ORQ       R10, AX              \
	MOVWLZX   0(R9)(BX*1), R10     \
	SHLQ      $48, R10             \
	ORQ       R10, AX              \
	VPINSRQ   $1, AX, X16, X16     \
	VCVTPH2PS X16, Y16             \
	VMOVUPS   Y16, 0(SP)           \
	MOVWLZX   0(DI)(DX*1), AX      \
	MOVWLZX   0(R11)(DX*1), R10    \
	SHLL      $16, R10             \
	ORL       R10, AX              \
	MOVWLZX   0(R12)(DX*1), R10    \
	SHLQ      $32, R10             \
	ORQ       R10, AX              \
	MOVWLZX   0(R13)(DX*1), R10    \
	SHLQ      $48, R10             \
	ORQ       R10, AX              \
	VMOVQ     AX, X17              \
	VCVTPH2PS X17, X17             \
	VMOVDQU32 t512sel01<>(SB), Z18 \
	VPERMPS   Z17, Z18, Z28        \
	VMOVDQU32 t512sel23<>(SB), Z18 \
	VPERMPS   Z17, Z18, Z29

// T512_LOADY loads the column pairs and their corrections
// −m·(sums of 4 quants) per int32 lane (m = the bytes in Z31).
#define T512_LOADY \
	VMOVDQU32    2(DI)(DX*1), Y24          \
	VINSERTI64X4 $1, 2(R11)(DX*1), Z24, Z24 \
	VMOVDQU32    2(R12)(DX*1), Y25         \
	VINSERTI64X4 $1, 2(R13)(DX*1), Z25, Z25 \
	VPXORD       Z30, Z30, Z30             \
	VPDPBUSD     Z24, Z31, Z30             \
	VPXORD       Z26, Z26, Z26             \
	VPSUBD       Z30, Z26, Z26             \
	VPXORD       Z30, Z30, Z30             \
	VPDPBUSD     Z25, Z31, Z30             \
	VPXORD       Z27, Z27, Z27             \
	VPSUBD       Z30, Z27, Z27

// T512_PAIR adds row x · column pair y (correction n, scales dy) to acc;
// soff(SP) is the row's weight scale.
#define T512_PAIR(x, y, n, dy, soff, acc) \
	VMOVDQA32   n, Z30          \
	VPDPBUSD    y, x, Z30       \
	VCVTDQ2PS   Z30, Z30        \
	VMULPS.BCST soff(SP), Z30, Z30 \
	VFMADD231PS dy, Z30, acc

#define T512_PAIRS \
	T512_PAIR(Z16, Z24, Z26, Z28, 0, Z0)   \
	T512_PAIR(Z17, Z24, Z26, Z28, 4, Z1)   \
	T512_PAIR(Z18, Z24, Z26, Z28, 8, Z2)   \
	T512_PAIR(Z19, Z24, Z26, Z28, 12, Z3)  \
	T512_PAIR(Z20, Z24, Z26, Z28, 16, Z4)  \
	T512_PAIR(Z21, Z24, Z26, Z28, 20, Z5)  \
	T512_PAIR(Z22, Z24, Z26, Z28, 24, Z6)  \
	T512_PAIR(Z23, Z24, Z26, Z28, 28, Z7)  \
	T512_PAIR(Z16, Z25, Z27, Z29, 0, Z8)   \
	T512_PAIR(Z17, Z25, Z27, Z29, 4, Z9)   \
	T512_PAIR(Z18, Z25, Z27, Z29, 8, Z10)  \
	T512_PAIR(Z19, Z25, Z27, Z29, 12, Z11) \
	T512_PAIR(Z20, Z25, Z27, Z29, 16, Z12) \
	T512_PAIR(Z21, Z25, Z27, Z29, 20, Z13) \
	T512_PAIR(Z22, Z25, Z27, Z29, 24, Z14) \
	T512_PAIR(Z23, Z25, Z27, Z29, 28, Z15)

// T512_SETUP loads the arguments (func(n int, x []byte, xStride int,
// y []byte, yStride int, dst []float32, dstStride int)) and zeroes the
// accumulators.
#define T512_SETUP \
	MOVQ      n+0(FP), CX          \
	SHRQ      $5, CX               \
	MOVQ      x_base+8(FP), SI     \
	MOVQ      xStride+32(FP), BX   \
	LEAQ      (SI)(BX*2), R8       \
	ADDQ      BX, R8               \
	LEAQ      (R8)(BX*2), R9       \
	ADDQ      BX, R9               \
	MOVQ      y_base+40(FP), DI    \
	MOVQ      yStride+64(FP), AX   \
	LEAQ      (DI)(AX*1), R11      \
	LEAQ      (DI)(AX*2), R12      \
	LEAQ      (R11)(AX*2), R13     \
	XORQ      DX, DX               \
	VPXORD    Z0, Z0, Z0           \
	VMOVDQA32 Z0, Z1               \
	VMOVDQA32 Z0, Z2               \
	VMOVDQA32 Z0, Z3               \
	VMOVDQA32 Z0, Z4               \
	VMOVDQA32 Z0, Z5               \
	VMOVDQA32 Z0, Z6               \
	VMOVDQA32 Z0, Z7               \
	VMOVDQA32 Z0, Z8               \
	VMOVDQA32 Z0, Z9               \
	VMOVDQA32 Z0, Z10              \
	VMOVDQA32 Z0, Z11              \
	VMOVDQA32 Z0, Z12              \
	VMOVDQA32 Z0, Z13              \
	VMOVDQA32 Z0, Z14              \
	VMOVDQA32 Z0, Z15

// T512_REDUCE8 adds up the lanes of each of Y0…Y7 (row r in Yr) and
// stores the 8 sums, rows 0…7, at (AX).
#define T512_REDUCE8 \
	VHADDPS    Y1, Y0, Y0      \
	VHADDPS    Y3, Y2, Y2      \
	VHADDPS    Y5, Y4, Y4      \
	VHADDPS    Y7, Y6, Y6      \
	VHADDPS    Y2, Y0, Y0      \
	VHADDPS    Y6, Y4, Y4      \
	VPERM2F128 $0x20, Y4, Y0, Y1 \
	VPERM2F128 $0x31, Y4, Y0, Y2 \
	VADDPS     Y2, Y1, Y1      \
	VMOVUPS    Y1, (AX)

// T512_STORE_PAIR stores the column pair held by acc0…acc7 (low halves:
// column 2p at (AX), high halves: column 2p+1 at (AX)(DX*1)).
#define T512_STORE_PAIR(a0, a1, a2, a3, a4, a5, a6, a7) \
	VEXTRACTF64X4 $1, a0, Y16 \
	VEXTRACTF64X4 $1, a1, Y17 \
	VEXTRACTF64X4 $1, a2, Y18 \
	VEXTRACTF64X4 $1, a3, Y19 \
	VEXTRACTF64X4 $1, a4, Y20 \
	VEXTRACTF64X4 $1, a5, Y21 \
	VEXTRACTF64X4 $1, a6, Y22 \
	VEXTRACTF64X4 $1, a7, Y23 \
	VMOVAPS       a0, Z24     \
	VMOVAPS       a1, Z25     \
	VMOVAPS       a2, Z26     \
	VMOVAPS       a3, Z27     \
	VMOVAPS       a4, Z28     \
	VMOVAPS       a5, Z29     \
	VMOVAPS       a6, Z30     \
	VMOVAPS       a7, Z31     \
	VMOVAPS       Y24, Y0     \
	VMOVAPS       Y25, Y1     \
	VMOVAPS       Y26, Y2     \
	VMOVAPS       Y27, Y3     \
	VMOVAPS       Y28, Y4     \
	VMOVAPS       Y29, Y5     \
	VMOVAPS       Y30, Y6     \
	VMOVAPS       Y31, Y7     \
	T512_REDUCE8              \
	ADDQ          DX, AX      \
	VMOVAPS       Y16, Y0     \
	VMOVAPS       Y17, Y1     \
	VMOVAPS       Y18, Y2     \
	VMOVAPS       Y19, Y3     \
	VMOVAPS       Y20, Y4     \
	VMOVAPS       Y21, Y5     \
	VMOVAPS       Y22, Y6     \
	VMOVAPS       Y23, Y7     \
	T512_REDUCE8              \
	ADDQ          DX, AX

// T512_STORE writes the 32 results to dst[c·dstStride + r].
#define T512_STORE \
	MOVQ dst_base+72(FP), AX  \
	MOVQ dstStride+96(FP), DX \
	SHLQ $2, DX               \
	T512_STORE_PAIR(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7) \
	T512_STORE_PAIR(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)

DATA t512sel01<>+0(SB)/8, $0
DATA t512sel01<>+8(SB)/8, $0
DATA t512sel01<>+16(SB)/8, $0
DATA t512sel01<>+24(SB)/8, $0
DATA t512sel01<>+32(SB)/8, $0x0000000100000001
DATA t512sel01<>+40(SB)/8, $0x0000000100000001
DATA t512sel01<>+48(SB)/8, $0x0000000100000001
DATA t512sel01<>+56(SB)/8, $0x0000000100000001
GLOBL t512sel01<>(SB), RODATA|NOPTR, $64
DATA t512sel23<>+0(SB)/8, $0x0000000200000002
DATA t512sel23<>+8(SB)/8, $0x0000000200000002
DATA t512sel23<>+16(SB)/8, $0x0000000200000002
DATA t512sel23<>+24(SB)/8, $0x0000000200000002
DATA t512sel23<>+32(SB)/8, $0x0000000300000003
DATA t512sel23<>+40(SB)/8, $0x0000000300000003
DATA t512sel23<>+48(SB)/8, $0x0000000300000003
DATA t512sel23<>+56(SB)/8, $0x0000000300000003
GLOBL t512sel23<>(SB), RODATA|NOPTR, $64
