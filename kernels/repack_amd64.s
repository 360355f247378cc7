//go:build !noasm

#include "textflag.h"

// The r16 packer: sixteen rows' blocks transposed by 32-bit words (see
// repack.go for the layout).
//
// Per block, four words at a time: Z0…Z3 get, in 128-bit lane l, the four
// words of rows 4l, 4l+1, 4l+2, 4l+3 (VINSERTI32X4 from memory; the last
// group with masked loads, so that a group of fewer than four words reads
// nothing past the block);
// a 4×4 transpose inside each lane (VPUNPCKLDQ/HDQ, VPUNPCKLQDQ/HQDQ) then
// leaves word m of rows 4l…4l+3 in lane l of output m, i.e. word m of all
// sixteen rows in row order. The fp16 scales are copied with 16-bit moves.
//
// Registers:
//	SI row 0 of the block, R11 row 8, BX row stride, R8 = 3·BX, R9 = 5·BX,
//	R10 = 7·BX (row r at base + r·BX for the base of its half)
//	AX, R14 current word group of rows 0 and 8, DI word output, R12 scale
//	output, CX blocks left, DX groups left, R13 scratch
//	K2 = the words of the last group
//	Z0…Z3 rows, Z4…Z7 unpacked pairs, X8 scratch

// PACK_TRANSPOSE turns Z0…Z3 (lane l: rows 4l…4l+3, four words each)
// into the four output words.
#define PACK_TRANSPOSE         \
	VPUNPCKLDQ  Z1, Z0, Z4 \
	VPUNPCKHDQ  Z1, Z0, Z5 \
	VPUNPCKLDQ  Z3, Z2, Z6 \
	VPUNPCKHDQ  Z3, Z2, Z7 \
	VPUNPCKLQDQ Z6, Z4, Z0 \
	VPUNPCKHQDQ Z6, Z4, Z1 \
	VPUNPCKLQDQ Z7, Z5, Z2 \
	VPUNPCKHQDQ Z7, Z5, Z3

// PACK_LOAD loads word group (AX, R14) into Z0…Z3 (inserts from memory,
// whose merge needs no shuffle port) and transposes it.
#define PACK_LOAD                             \
	VMOVDQU32    (AX), X0                 \
	VMOVDQU32    (AX)(BX*1), X1           \
	VMOVDQU32    (AX)(BX*2), X2           \
	VMOVDQU32    (AX)(R8*1), X3           \
	VINSERTI32X4 $1, (AX)(BX*4), Z0, Z0   \
	VINSERTI32X4 $1, (AX)(R9*1), Z1, Z1   \
	VINSERTI32X4 $1, (AX)(R8*2), Z2, Z2   \
	VINSERTI32X4 $1, (AX)(R10*1), Z3, Z3  \
	VINSERTI32X4 $2, (R14), Z0, Z0        \
	VINSERTI32X4 $2, (R14)(BX*1), Z1, Z1  \
	VINSERTI32X4 $2, (R14)(BX*2), Z2, Z2  \
	VINSERTI32X4 $2, (R14)(R8*1), Z3, Z3  \
	VINSERTI32X4 $3, (R14)(BX*4), Z0, Z0  \
	VINSERTI32X4 $3, (R14)(R9*1), Z1, Z1  \
	VINSERTI32X4 $3, (R14)(R8*2), Z2, Z2  \
	VINSERTI32X4 $3, (R14)(R10*1), Z3, Z3 \
	PACK_TRANSPOSE

// PACK_LOAD_TAIL is PACK_LOAD for the last group, of the words in K2
// only: masked loads read nothing past the block.
#define PACK_LOAD_TAIL                   \
	VMOVDQU32.Z (AX), K2, X0         \
	VMOVDQU32.Z (AX)(BX*1), K2, X1   \
	VMOVDQU32.Z (AX)(BX*2), K2, X2   \
	VMOVDQU32.Z (AX)(R8*1), K2, X3   \
	VMOVDQU32.Z (AX)(BX*4), K2, X8   \
	VINSERTI32X4 $1, X8, Z0, Z0      \
	VMOVDQU32.Z (AX)(R9*1), K2, X8   \
	VINSERTI32X4 $1, X8, Z1, Z1      \
	VMOVDQU32.Z (AX)(R8*2), K2, X8   \
	VINSERTI32X4 $1, X8, Z2, Z2      \
	VMOVDQU32.Z (AX)(R10*1), K2, X8  \
	VINSERTI32X4 $1, X8, Z3, Z3      \
	VMOVDQU32.Z (R14), K2, X8        \
	VINSERTI32X4 $2, X8, Z0, Z0      \
	VMOVDQU32.Z (R14)(BX*1), K2, X8  \
	VINSERTI32X4 $2, X8, Z1, Z1      \
	VMOVDQU32.Z (R14)(BX*2), K2, X8  \
	VINSERTI32X4 $2, X8, Z2, Z2      \
	VMOVDQU32.Z (R14)(R8*1), K2, X8  \
	VINSERTI32X4 $2, X8, Z3, Z3      \
	VMOVDQU32.Z (R14)(BX*4), K2, X8  \
	VINSERTI32X4 $3, X8, Z0, Z0      \
	VMOVDQU32.Z (R14)(R9*1), K2, X8  \
	VINSERTI32X4 $3, X8, Z1, Z1      \
	VMOVDQU32.Z (R14)(R8*2), K2, X8  \
	VINSERTI32X4 $3, X8, Z2, Z2      \
	VMOVDQU32.Z (R14)(R10*1), K2, X8 \
	VINSERTI32X4 $3, X8, Z3, Z3      \
	PACK_TRANSPOSE

// PACK_HALF copies the fp16 scale at offset R13 of the sixteen rows to
// 16-bit slots at (R12).
#define PACK_HALF                 \
	LEAQ    (SI)(R13*1), AX   \
	LEAQ    (R11)(R13*1), R13 \
	MOVWLZX (AX), DX          \
	MOVW    DX, 0(R12)        \
	MOVWLZX (AX)(BX*1), DX    \
	MOVW    DX, 2(R12)        \
	MOVWLZX (AX)(BX*2), DX    \
	MOVW    DX, 4(R12)        \
	MOVWLZX (AX)(R8*1), DX    \
	MOVW    DX, 6(R12)        \
	MOVWLZX (AX)(BX*4), DX    \
	MOVW    DX, 8(R12)        \
	MOVWLZX (AX)(R9*1), DX    \
	MOVW    DX, 10(R12)       \
	MOVWLZX (AX)(R8*2), DX    \
	MOVW    DX, 12(R12)       \
	MOVWLZX (AX)(R10*1), DX   \
	MOVW    DX, 14(R12)       \
	MOVWLZX (R13), DX         \
	MOVW    DX, 16(R12)       \
	MOVWLZX (R13)(BX*1), DX   \
	MOVW    DX, 18(R12)       \
	MOVWLZX (R13)(BX*2), DX   \
	MOVW    DX, 20(R12)       \
	MOVWLZX (R13)(R8*1), DX   \
	MOVW    DX, 22(R12)       \
	MOVWLZX (R13)(BX*4), DX   \
	MOVW    DX, 24(R12)       \
	MOVWLZX (R13)(R9*1), DX   \
	MOVW    DX, 26(R12)       \
	MOVWLZX (R13)(R8*2), DX   \
	MOVW    DX, 28(R12)       \
	MOVWLZX (R13)(R10*1), DX  \
	MOVW    DX, 30(R12)       \
	ADDQ    $32, R12

// func r16PackAVX512(dst, src *byte, srcStride, nb, blockBytes, dwordOff, dwords, half0, half1 int)
TEXT ·r16PackAVX512(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ srcStride+16(FP), BX
	LEAQ (BX)(BX*2), R8
	LEAQ (BX)(BX*4), R9
	LEAQ (R8)(BX*4), R10
	LEAQ (SI)(BX*8), R11
	// R12 = dst + nb·64·dwords: the scales.
	MOVQ nb+24(FP), CX
	MOVQ dwords+48(FP), AX
	IMULQ CX, AX
	SHLQ $6, AX
	LEAQ (DI)(AX*1), R12
	// K2 = the words of the last group (all four when dwords%4 == 0).
	MOVQ dwords+48(FP), CX
	ANDQ $3, CX
	JNZ  packTailMask
	MOVQ $4, CX
packTailMask:
	MOVQ $1, DX
	SHLQ CX, DX
	DECQ DX
	KMOVW DX, K2
	MOVQ nb+24(FP), CX

packBlock:
	// Prefetch the block after next of every row, one line per 64 bytes.
	MOVQ blockBytes+32(FP), DX
	LEAQ (SI)(DX*2), AX
	LEAQ (R11)(DX*2), R14
	XORQ R13, R13
packPrefetch:
	PREFETCHT0 (AX)
	PREFETCHT0 (AX)(BX*1)
	PREFETCHT0 (AX)(BX*2)
	PREFETCHT0 (AX)(R8*1)
	PREFETCHT0 (AX)(BX*4)
	PREFETCHT0 (AX)(R9*1)
	PREFETCHT0 (AX)(R8*2)
	PREFETCHT0 (AX)(R10*1)
	PREFETCHT0 (R14)
	PREFETCHT0 (R14)(BX*1)
	PREFETCHT0 (R14)(BX*2)
	PREFETCHT0 (R14)(R8*1)
	PREFETCHT0 (R14)(BX*4)
	PREFETCHT0 (R14)(R9*1)
	PREFETCHT0 (R14)(R8*2)
	PREFETCHT0 (R14)(R10*1)
	ADDQ $64, AX
	ADDQ $64, R14
	ADDQ $64, R13
	CMPQ R13, DX
	JB   packPrefetch

	MOVQ dwordOff+40(FP), AX
	LEAQ (R11)(AX*1), R14
	ADDQ SI, AX
	MOVQ dwords+48(FP), DX
	ADDQ $3, DX
	SHRQ $2, DX

packGroup:
	CMPQ DX, $1
	JEQ  packLast
	PACK_LOAD
	VMOVDQU32 Z0, 0(DI)
	VMOVDQU32 Z1, 64(DI)
	VMOVDQU32 Z2, 128(DI)
	VMOVDQU32 Z3, 192(DI)
	ADDQ $256, DI
	ADDQ $16, AX
	ADDQ $16, R14
	DECQ DX
	JMP  packGroup

packLast:
	// Store as many outputs as the last group has words (1…4).
	PACK_LOAD_TAIL
	VMOVDQU32 Z0, 0(DI)
	ADDQ $64, DI
	KMOVW K2, R13
	CMPQ R13, $1
	JEQ  packHalves
	VMOVDQU32 Z1, 0(DI)
	ADDQ $64, DI
	CMPQ R13, $3
	JEQ  packHalves
	VMOVDQU32 Z2, 0(DI)
	ADDQ $64, DI
	CMPQ R13, $7
	JEQ  packHalves
	VMOVDQU32 Z3, 0(DI)
	ADDQ $64, DI

packHalves:
	MOVQ half0+56(FP), R13
	TESTQ R13, R13
	JS   packNext
	PACK_HALF
	MOVQ half1+64(FP), R13
	TESTQ R13, R13
	JS   packNext
	PACK_HALF

packNext:
	MOVQ blockBytes+32(FP), AX
	ADDQ AX, SI
	ADDQ AX, R11
	DECQ CX
	JNZ  packBlock
	VZEROUPPER
	RET

// ---- Strip kernels for q8_0 and q4_0 weights against q8_0 activations ----
//
// r16 layout: q8_0 words 0…7 are the 32 quants (word g: elements
// 4g…4g+3); q4_0 words 0…3 are the 16 nibble bytes (word g: low nibbles
// elements 4g…4g+3, high nibbles 16+4g…); the fp16 scales d follow the
// words of all blocks.
//
// Per block, the weights of the sixteen rows become eight vectors of
// unsigned bytes u, element 4g…4g+3 in vector g: q8_0 as u = q + 128
// (q XOR 0x80), q4_0 as the nibbles u = q + 8. Then for every column,
// Σ q·y = Σ u·y − m·Σ y (m = 128 or 8): m·Σy comes from one VPDPBUSD of
// the bytes m with the column's 32 quants (broadcast to both halves of a
// zmm) and three shuffle-and-add steps that leave the total in every
// lane (the two columns of a loop iteration share this work: one column
// in each half of the zmm), beside two VPDPBUSD chains over the eight
// weight vectors, each
// with the column's four quants broadcast; the chains' sum minus m·Σy
// goes to float, times the rows' d (a vector) and the column's d_y
// (converted once, kept on the stack for an embedded broadcast) into dst.
//
// Registers:
//	SI words of the block, R8 its scales, DI column 0's block
//	R9 yStride, DX dst, R10 4·dstStride, R11 cols, CX blocks left
//	R12 column's block, R13 column's dst, R14 columns left, AX the second
//	column's block, BX stack: 0(BX), 64(BX) the two columns' d_y
//	Z16…Z23 weights, Z13 rows' d, Z14 bytes m, Z15 zero
//	Z0…Z9 per-column scratch

DATA r16C80<>+0(SB)/4, $0x80808080
GLOBL r16C80<>(SB), RODATA|NOPTR, $4
DATA r16C08<>+0(SB)/4, $0x08080808
GLOBL r16C08<>(SB), RODATA|NOPTR, $4
DATA r16C0f32<>+0(SB)/4, $0x0f0f0f0f
GLOBL r16C0f32<>(SB), RODATA|NOPTR, $4

// Q80_COL adds the block of the column at (yp) to its outputs at dp;
// slot(BX) keeps its d_y; a, b, t (xt its xmm), u scratch.
#define Q80_COL(yp, dp, slot, a, b, t, xt, u) \
	VBROADCASTI64X4  2(yp), u             \
	VPXORD           t, t, t              \
	VPDPBUSD         u, Z14, t            \
	VPSHUFD          $0x4e, t, u          \
	VPADDD           u, t, t              \
	VPSHUFD          $0xb1, t, u          \
	VPADDD           u, t, t              \
	VSHUFI32X4       $0xb1, t, t, u       \
	VPADDD           u, t, t              \
	Q80_DOT(yp, dp, slot, a, b, t, xt)

// Q80_DOT adds the block of the column at (yp) to its outputs at dp, less
// the m·Σy in every lane of t; slot(BX) keeps its d_y; a, b, t (xt its
// xmm) scratch.
#define Q80_DOT(yp, dp, slot, a, b, t, xt) \
	VPXORD           a, a, a           \
	VPXORD           b, b, b           \
	VPDPBUSD.BCST    2(yp), Z16, a     \
	VPDPBUSD.BCST    6(yp), Z17, b     \
	VPDPBUSD.BCST    10(yp), Z18, a    \
	VPDPBUSD.BCST    14(yp), Z19, b    \
	VPDPBUSD.BCST    18(yp), Z20, a    \
	VPDPBUSD.BCST    22(yp), Z21, b    \
	VPDPBUSD.BCST    26(yp), Z22, a    \
	VPDPBUSD.BCST    30(yp), Z23, b    \
	VPADDD           b, a, a           \
	VPSUBD           t, a, a           \
	VCVTDQ2PS        a, a              \
	VMULPS           Z13, a, a         \
	VCVTPH2PS        (yp), xt          \
	VMOVSS           xt, slot(BX)      \
	VMOVUPS          dp, t             \
	VFMADD231PS.BCST slot(BX), a, t    \
	VMOVUPS          t, dp

// Q80_COL2 adds the blocks of the columns at (R12) and (AX) to their
// outputs at (R13) and (R13)(R10*1). Their m·Σy share one VPDPBUSD (one
// column in each half of Z3) and one shuffle-and-add network, which
// leaves the first column's total in 128-bit lanes 0, 1 and the second's
// in 2, 3; VSHUFI32X4 spreads each to all lanes.
#define Q80_COL2                               \
	VMOVDQU32        2(R12), Y3            \
	VINSERTI64X4     $1, 2(AX), Z3, Z3     \
	VPXORD           Z4, Z4, Z4            \
	VPDPBUSD         Z3, Z14, Z4           \
	VPSHUFD          $0x4e, Z4, Z3         \
	VPADDD           Z3, Z4, Z4            \
	VPSHUFD          $0xb1, Z4, Z3         \
	VPADDD           Z3, Z4, Z4            \
	VSHUFI32X4       $0xb1, Z4, Z4, Z3     \
	VPADDD           Z3, Z4, Z4            \
	VSHUFI32X4       $0x00, Z4, Z4, Z2     \
	VSHUFI32X4       $0xaa, Z4, Z4, Z7     \
	Q80_DOT(R12, (R13), 0, Z0, Z1, Z2, X2) \
	Q80_DOT(AX, (R13)(R10*1), 64, Z5, Z6, Z7, X7)

// Q80_COLS runs the block over all columns, two at a time.
#define Q80_COLS(loop, one, done)                  \
	MOVQ DI, R12                               \
	MOVQ DX, R13                               \
	MOVQ R11, R14                              \
	SUBQ $2, R14                               \
	JB   one                                   \
loop:                                              \
	LEAQ (R12)(R9*1), AX                       \
	Q80_COL2                                   \
	LEAQ (R12)(R9*2), R12                      \
	LEAQ (R13)(R10*2), R13                     \
	SUBQ $2, R14                               \
	JAE  loop                                  \
one:                                               \
	CMPQ R14, $-1                              \
	JNE  done                                  \
	Q80_COL(R12, (R13), 0, Z0, Z1, Z2, X2, Z3) \
done:

// Q80_SETUP loads the arguments of a q8_0/q4_0 strip kernel (words per
// block: words) and zeroes dst unless accumulating. BX must be set.
#define Q80_SETUP(words, zdone, zloop) \
	MOVQ w+0(FP), SI               \
	MOVQ nb+8(FP), CX              \
	MOVQ y+16(FP), DI              \
	MOVQ yStride+24(FP), R9        \
	MOVQ cols+32(FP), R11          \
	MOVQ dst+40(FP), DX            \
	MOVQ dstStride+48(FP), R10     \
	SHLQ $2, R10                   \
	IMUL3Q $(64*(words)), CX, R8   \
	ADDQ SI, R8                    \
	VPXORD Z15, Z15, Z15           \
	CMPQ accumulate+56(FP), $0     \
	JNE  zdone                     \
	MOVQ DX, R13                   \
	MOVQ R11, R14                  \
zloop:                                 \
	VMOVUPS Z15, (R13)             \
	ADDQ R10, R13                  \
	DECQ R14                       \
	JNZ  zloop                     \
zdone:

// func r16GemmQ8_0VNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ8_0VNNI(SB), NOSPLIT, $192-64
	LEAQ 63(SP), BX
	ANDQ $~63, BX
	Q80_SETUP(8, q80Zeroed, q80Zero)
	VPBROADCASTD r16C80<>(SB), Z14

q80Block:
	// Prefetch the words and scales of the block eight ahead.
	PREFETCHT0 4096(SI)
	PREFETCHT0 4160(SI)
	PREFETCHT0 4224(SI)
	PREFETCHT0 4288(SI)
	PREFETCHT0 4352(SI)
	PREFETCHT0 4416(SI)
	PREFETCHT0 4480(SI)
	PREFETCHT0 4544(SI)
	PREFETCHT0 256(R8)
	VCVTPH2PS (R8), Z13
	VPXORD 0(SI), Z14, Z16
	VPXORD 64(SI), Z14, Z17
	VPXORD 128(SI), Z14, Z18
	VPXORD 192(SI), Z14, Z19
	VPXORD 256(SI), Z14, Z20
	VPXORD 320(SI), Z14, Z21
	VPXORD 384(SI), Z14, Z22
	VPXORD 448(SI), Z14, Z23
	Q80_COLS(q80Cols, q80ColsOne, q80ColsDone)
	ADDQ $512, SI
	ADDQ $32, R8
	ADDQ $34, DI
	DECQ CX
	JNZ  q80Block
	VZEROUPPER
	RET

// Q40_LOAD unpacks word g of a q4_0 block into the low nibbles lo and the
// high nibbles hi.
#define Q40_LOAD(g, lo, hi)                \
	VMOVDQU32   (64*(g))(SI), hi       \
	VPANDD.BCST r16C0f32<>(SB), hi, lo \
	VPSRLD      $4, hi, hi             \
	VPANDD.BCST r16C0f32<>(SB), hi, hi

// func r16GemmQ4_0VNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4_0VNNI(SB), NOSPLIT, $192-64
	LEAQ 63(SP), BX
	ANDQ $~63, BX
	Q80_SETUP(4, q40Zeroed, q40Zero)
	VPBROADCASTD r16C08<>(SB), Z14

q40Block:
	// Prefetch the words and scales of the block eight ahead.
	PREFETCHT0 2048(SI)
	PREFETCHT0 2112(SI)
	PREFETCHT0 2176(SI)
	PREFETCHT0 2240(SI)
	PREFETCHT0 256(R8)
	VCVTPH2PS (R8), Z13
	Q40_LOAD(0, Z16, Z20)
	Q40_LOAD(1, Z17, Z21)
	Q40_LOAD(2, Z18, Z22)
	Q40_LOAD(3, Z19, Z23)
	Q80_COLS(q40Cols, q40ColsOne, q40ColsDone)
	ADDQ $256, SI
	ADDQ $32, R8
	ADDQ $34, DI
	DECQ CX
	JNZ  q40Block
	VZEROUPPER
	RET

// ---- Two-strip kernels for q8_0 and q4_0 weights ----
//
// r16GemmQ8_0x2VNNI and r16GemmQ4_0x2VNNI compute two strips (32 rows:
// strip A at w, strip B at w + stripStride, both of nb blocks) against
// the same columns; a column's 32 outputs are contiguous in dst (rows of
// A, then rows of B). The algorithm is that of the one-strip kernels
// above, Σ q·y = Σ u·y − m·Σy per block, with the work that depends on
// the column only done once for both strips: per block the sixteen weight
// vectors of both strips are unpacked into registers; per pair of columns
// one VPDPBUSD of the bytes m with both columns' quants and one
// shuffle-and-add network give each column's m·Σy, subtracted once from
// M (below) and spread to all lanes as the start of the first of each
// strip's VPDPBUSD chains (no subtraction afterwards); each column's d_y
// is converted once and serves both strips. Per column and block each
// strip's eight VPDPBUSD run as two chains of four (the latency of
// VPDPBUSD, not its throughput, bounds a kernel with few chains: on
// Sapphire Rapids about 6 cycles, and two a cycle), added, go to float,
// times the rows' d and d_y, into dst.
//
// The chains go to float without VCVTDQ2PS (which on Ice Lake shares
// port 0 with the 512-bit VPDPBUSD): the first starts from M − m·Σy,
// M = 0x4B400000 the bits of the float 1.5·2²³, so the sum ends as M + s,
// s = Σ q·y, |s| ≤ 32·128·128 = 2¹⁹; the floats from 2²³ to 2²⁴ are the
// integers, so those bits are the float 1.5·2²³ + s, and one VSUBPS of
// 1.5·2²³ leaves s exactly, as VCVTDQ2PS would. The float operations that
// follow are those of the one-strip kernels, in the same order, so the
// results are the same bit for bit.
//
// Registers:
//	SI strip A's words of the block, R8 its scales; strip B's words and
//	scales lie stripStride further (AX at block level, while the weights
//	are loaded)
//	DI column 0's block, R9 yStride, DX dst, R10 4·dstStride, R11 cols,
//	CX blocks left
//	R12 column's block, R13 column's dst, R14 columns left, AX the second
//	column's block, BX stack: 0(BX), 64(BX) the two columns' d_y
//	Z16…Z23 strip A's weights, Z24…Z31 strip B's, Z12 A's rows' d,
//	Z13 B's, Z14 bytes m, Z8 M (as an integer and as a float), Z15 zero
//	while dst is cleared
//	Z0, Z1, Z9, Z10 (Z5, Z6, Z11, Z15) the chains (A, B, A's second, B's
//	second) of the first (second) column of a pair, Z2, Z7 their d_y and
//	outputs, Z3, Z4 the m·Σy network

DATA r16Magic<>+0(SB)/4, $0x4b400000
GLOBL r16Magic<>(SB), RODATA|NOPTR, $4

// X2_DOT adds the block of the column at (yp) to the outputs of both
// strips at da (strip A) and db (strip B). Each strip has two chains of
// four VPDPBUSD: a and b (A's and B's) start from M − m·Σy in every
// lane, a2 and b2 from zero, and are added at the end; slot(BX) keeps the
// column's d_y; t (xt its xmm) scratch.
#define X2_DOT(yp, da, db, slot, a, b, a2, b2, t, xt) \
	VPXORD           a2, a2, a2        \
	VPXORD           b2, b2, b2        \
	VPDPBUSD.BCST    2(yp), Z16, a     \
	VPDPBUSD.BCST    2(yp), Z24, b     \
	VPDPBUSD.BCST    6(yp), Z17, a2    \
	VPDPBUSD.BCST    6(yp), Z25, b2    \
	VPDPBUSD.BCST    10(yp), Z18, a    \
	VPDPBUSD.BCST    10(yp), Z26, b    \
	VPDPBUSD.BCST    14(yp), Z19, a2   \
	VPDPBUSD.BCST    14(yp), Z27, b2   \
	VPDPBUSD.BCST    18(yp), Z20, a    \
	VPDPBUSD.BCST    18(yp), Z28, b    \
	VPDPBUSD.BCST    22(yp), Z21, a2   \
	VPDPBUSD.BCST    22(yp), Z29, b2   \
	VPDPBUSD.BCST    26(yp), Z22, a    \
	VPDPBUSD.BCST    26(yp), Z30, b    \
	VPDPBUSD.BCST    30(yp), Z23, a2   \
	VPDPBUSD.BCST    30(yp), Z31, b2   \
	VPADDD           a2, a, a          \
	VPADDD           b2, b, b          \
	VSUBPS           Z8, a, a          \
	VSUBPS           Z8, b, b          \
	VMULPS           Z12, a, a         \
	VMULPS           Z13, b, b         \
	VCVTPH2PS        (yp), xt          \
	VMOVSS           xt, slot(BX)      \
	VMOVUPS          da, t             \
	VFMADD231PS.BCST slot(BX), a, t    \
	VMOVUPS          t, da             \
	VMOVUPS          db, t             \
	VFMADD231PS.BCST slot(BX), b, t    \
	VMOVUPS          t, db

// X2_COL adds the block of the column at (R12) to its outputs at (R13).
#define X2_COL                                       \
	VBROADCASTI64X4 2(R12), Z3                   \
	VPXORD          Z4, Z4, Z4                   \
	VPDPBUSD        Z3, Z14, Z4                  \
	VPSHUFD         $0x4e, Z4, Z3                \
	VPADDD          Z3, Z4, Z4                   \
	VPSHUFD         $0xb1, Z4, Z3                \
	VPADDD          Z3, Z4, Z4                   \
	VSHUFI32X4      $0xb1, Z4, Z4, Z3            \
	VPADDD          Z3, Z4, Z4                   \
	VPSUBD          Z4, Z8, Z0                   \
	VPSUBD          Z4, Z8, Z1                   \
	X2_DOT(R12, 0(R13), 64(R13), 0, Z0, Z1, Z9, Z10, Z2, X2)

// X2_COL2 adds the blocks of the columns at (R12) and (AX) to their
// outputs at (R13) and (R13)(R10*1). Their m·Σy share one VPDPBUSD (one
// column in each half of Z3) and one network, which leaves the first
// column's total in 128-bit lanes 0, 1 and the second's in 2, 3;
// subtracted from M, VSHUFI32X4 spreads each to all lanes of both
// strips' first chains.
#define X2_COL2                                                  \
	VMOVDQU32    2(R12), Y3                                  \
	VINSERTI64X4 $1, 2(AX), Z3, Z3                           \
	VPXORD       Z4, Z4, Z4                                  \
	VPDPBUSD     Z3, Z14, Z4                                 \
	VPSHUFD      $0x4e, Z4, Z3                               \
	VPADDD       Z3, Z4, Z4                                  \
	VPSHUFD      $0xb1, Z4, Z3                               \
	VPADDD       Z3, Z4, Z4                                  \
	VSHUFI32X4   $0xb1, Z4, Z4, Z3                           \
	VPADDD       Z3, Z4, Z4                                  \
	VPSUBD       Z4, Z8, Z4                                  \
	VSHUFI32X4   $0x00, Z4, Z4, Z0                           \
	VSHUFI32X4   $0x00, Z4, Z4, Z1                           \
	VSHUFI32X4   $0xaa, Z4, Z4, Z5                           \
	VSHUFI32X4   $0xaa, Z4, Z4, Z6                           \
	X2_DOT(R12, 0(R13), 64(R13), 0, Z0, Z1, Z9, Z10, Z2, X2) \
	X2_DOT(AX, 0(R13)(R10*1), 64(R13)(R10*1), 64, Z5, Z6, Z11, Z15, Z7, X7)

// X2_COLS runs the block over all columns, two at a time.
#define X2_COLS(loop, one, done) \
	MOVQ DI, R12             \
	MOVQ DX, R13             \
	MOVQ R11, R14            \
	SUBQ $2, R14             \
	JB   one                 \
loop:                            \
	LEAQ (R12)(R9*1), AX     \
	X2_COL2                  \
	LEAQ (R12)(R9*2), R12    \
	LEAQ (R13)(R10*2), R13   \
	SUBQ $2, R14             \
	JAE  loop                \
one:                             \
	CMPQ R14, $-1            \
	JNE  done                \
	X2_COL                   \
done:

// X2_ZERO zeroes the 32 outputs of each column of dst unless
// accumulating (ZF clear: accumulate ≠ 0), after X2_ARGS.
#define X2_ZERO(zdone, zloop) \
	JNE  zdone            \
	MOVQ DX, R13          \
	MOVQ R11, R14         \
zloop:                        \
	VMOVUPS Z15, (R13)    \
	VMOVUPS Z15, 64(R13)  \
	ADDQ R10, R13         \
	DECQ R14              \
	JNZ  zloop            \
zdone:

// func r16GemmQ8_0x2VNNI(w *byte, stripStride, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ8_0x2VNNI(SB), NOSPLIT, $192-72
	LEAQ 63(SP), BX
	ANDQ $~63, BX
	MOVQ w+0(FP), SI
	MOVQ nb+16(FP), CX
	MOVQ y+24(FP), DI
	MOVQ yStride+32(FP), R9
	MOVQ cols+40(FP), R11
	MOVQ dst+48(FP), DX
	MOVQ dstStride+56(FP), R10
	SHLQ $2, R10
	IMUL3Q $(64*8), CX, R8
	ADDQ SI, R8
	VPXORD Z15, Z15, Z15
	CMPQ accumulate+64(FP), $0
	X2_ZERO(q80x2Zeroed, q80x2Zero)
	VPBROADCASTD r16C80<>(SB), Z14
	VPBROADCASTD r16Magic<>(SB), Z8

q80x2Block:
	MOVQ stripStride+8(FP), AX
	// Prefetch the words and scales of the block eight ahead.
	PREFETCHT0 4096(SI)
	PREFETCHT0 4160(SI)
	PREFETCHT0 4224(SI)
	PREFETCHT0 4288(SI)
	PREFETCHT0 4352(SI)
	PREFETCHT0 4416(SI)
	PREFETCHT0 4480(SI)
	PREFETCHT0 4544(SI)
	PREFETCHT0 4096(SI)(AX*1)
	PREFETCHT0 4160(SI)(AX*1)
	PREFETCHT0 4224(SI)(AX*1)
	PREFETCHT0 4288(SI)(AX*1)
	PREFETCHT0 4352(SI)(AX*1)
	PREFETCHT0 4416(SI)(AX*1)
	PREFETCHT0 4480(SI)(AX*1)
	PREFETCHT0 4544(SI)(AX*1)
	PREFETCHT0 256(R8)
	PREFETCHT0 256(R8)(AX*1)
	VCVTPH2PS (R8), Z12
	VCVTPH2PS (R8)(AX*1), Z13
	VPXORD 0(SI), Z14, Z16
	VPXORD 64(SI), Z14, Z17
	VPXORD 128(SI), Z14, Z18
	VPXORD 192(SI), Z14, Z19
	VPXORD 256(SI), Z14, Z20
	VPXORD 320(SI), Z14, Z21
	VPXORD 384(SI), Z14, Z22
	VPXORD 448(SI), Z14, Z23
	VPXORD 0(SI)(AX*1), Z14, Z24
	VPXORD 64(SI)(AX*1), Z14, Z25
	VPXORD 128(SI)(AX*1), Z14, Z26
	VPXORD 192(SI)(AX*1), Z14, Z27
	VPXORD 256(SI)(AX*1), Z14, Z28
	VPXORD 320(SI)(AX*1), Z14, Z29
	VPXORD 384(SI)(AX*1), Z14, Z30
	VPXORD 448(SI)(AX*1), Z14, Z31
	X2_COLS(q80x2Cols, q80x2ColsOne, q80x2ColsDone)
	ADDQ $512, SI
	ADDQ $32, R8
	ADDQ $34, DI
	DECQ CX
	JNZ  q80x2Block
	VZEROUPPER
	RET

// Q40_LOADX unpacks the q4_0 word at mem into the low nibbles lo and the
// high nibbles hi.
#define Q40_LOADX(mem, lo, hi)             \
	VMOVDQU32   mem, hi                \
	VPANDD.BCST r16C0f32<>(SB), hi, lo \
	VPSRLD      $4, hi, hi             \
	VPANDD.BCST r16C0f32<>(SB), hi, hi

// func r16GemmQ4_0x2VNNI(w *byte, stripStride, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4_0x2VNNI(SB), NOSPLIT, $192-72
	LEAQ 63(SP), BX
	ANDQ $~63, BX
	MOVQ w+0(FP), SI
	MOVQ nb+16(FP), CX
	MOVQ y+24(FP), DI
	MOVQ yStride+32(FP), R9
	MOVQ cols+40(FP), R11
	MOVQ dst+48(FP), DX
	MOVQ dstStride+56(FP), R10
	SHLQ $2, R10
	IMUL3Q $(64*4), CX, R8
	ADDQ SI, R8
	VPXORD Z15, Z15, Z15
	CMPQ accumulate+64(FP), $0
	X2_ZERO(q40x2Zeroed, q40x2Zero)
	VPBROADCASTD r16C08<>(SB), Z14
	VPBROADCASTD r16Magic<>(SB), Z8

q40x2Block:
	MOVQ stripStride+8(FP), AX
	// Prefetch the words and scales of the block eight ahead.
	PREFETCHT0 2048(SI)
	PREFETCHT0 2112(SI)
	PREFETCHT0 2176(SI)
	PREFETCHT0 2240(SI)
	PREFETCHT0 2048(SI)(AX*1)
	PREFETCHT0 2112(SI)(AX*1)
	PREFETCHT0 2176(SI)(AX*1)
	PREFETCHT0 2240(SI)(AX*1)
	PREFETCHT0 256(R8)
	PREFETCHT0 256(R8)(AX*1)
	VCVTPH2PS (R8), Z12
	VCVTPH2PS (R8)(AX*1), Z13
	Q40_LOADX(0(SI), Z16, Z20)
	Q40_LOADX(64(SI), Z17, Z21)
	Q40_LOADX(128(SI), Z18, Z22)
	Q40_LOADX(192(SI), Z19, Z23)
	Q40_LOADX(0(SI)(AX*1), Z24, Z28)
	Q40_LOADX(64(SI)(AX*1), Z25, Z29)
	Q40_LOADX(128(SI)(AX*1), Z26, Z30)
	Q40_LOADX(192(SI)(AX*1), Z27, Z31)
	X2_COLS(q40x2Cols, q40x2ColsOne, q40x2ColsDone)
	ADDQ $256, SI
	ADDQ $32, R8
	ADDQ $34, DI
	DECQ CX
	JNZ  q40x2Block
	VZEROUPPER
	RET
