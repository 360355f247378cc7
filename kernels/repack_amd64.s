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
// at most r16MaxCols columns; a column's 32 outputs are contiguous in dst
// (rows of A, then rows of B). The algorithm is that of the one-strip
// kernels above, Σ q·y = Σ u·y − m·Σy per block, with the work that
// depends on the column only (m·Σy, d_y) done once per block for both
// strips, and for sixteen columns at a time:
//
// Per block, a first pass writes a column table on the stack: each
// column's M − m·Σy (M below) and d_y. Sixteen columns' m·Σy take eight
// VPDPBUSD of the bytes m with two columns' quants each (one column per
// 256-bit half: eight partial sums per column) and a tree of in-lane
// shuffles and adds (VSHUFPS of two registers' even and odd words, twice,
// then VSHUFI32X4 of 128-bit lanes) that leaves the sixteen totals in one
// register, put in column order by one VPERMD; the columns left over take
// the sum of their eight partial sums one by one. The d_y are converted
// one by one.
//
// Then the sixteen weight vectors of both strips are unpacked into
// registers, and per column one VPDPBUSD chain per strip (eight, the two
// strips' interleaved) starts from the column's table entry (a broadcast
// load, no arithmetic) and ends as the float C + s (below); one FMA by the
// rows' d and −C·d gives s·d, and one FMA by d_y (broadcast from the table)
// adds it to dst. A column alone (the last of an odd count, or decoding's
// one) runs each strip's eight VPDPBUSD as two chains of four instead,
// for the latency. On Sapphire Rapids VPDPBUSD, FMA and the other 512-bit
// operations share two ports; this is about 23 of them per column and
// block for 32 rows, where the one-strip kernel takes about 20 for 16.
//
// The chains go to float without VCVTDQ2PS: they start from M − m·Σy,
// M = 0x4B400000 the bits of the float C = 1.5·2²³, so they end as M + s,
// s = Σ q·y, |s| ≤ 32·128·128 = 2¹⁹; the floats from 2²³ to 2²⁴ are the
// integers, so those bits are the float C + s. C·d is exact in float32
// (C has two significant bits, d eleven), so FMA(C + s, d, −C·d) rounds
// s·d once, as VMULPS of the converted s by d does in the one-strip
// kernels: the results are the same bit for bit (for finite scales).
//
// Registers:
//	SI strip A's words of the block, R8 its scales; strip B's words and
//	scales lie stripStride further (AX while the weights are loaded)
//	DI column 0's block, R9 yStride, DX dst, R10 4·dstStride, R11 cols,
//	CX blocks left
//	R12 column's block, R13 column's dst (scratch in the first pass),
//	R14 column index, AX the second column's block, BX the stack table:
//	0(BX) M − m·Σy and 256(BX) d_y (float) per column
//	Z16…Z23 strip A's weights, Z24…Z31 strip B's (scratch in the first
//	pass), Z12 A's rows' d, Z13 B's, Z9 −C·d of A, Z10 of B, Z14 bytes m,
//	Z8 M, Z11 the VPERMD indices, Z15 zero while dst is cleared
//	Z0, Z1 (Z5, Z6) the chains (A, B) of the first (second) column of a
//	pair (of a column alone: Z0, Z1, Z5, Z6), Z2, Z7 their outputs;
//	Z0…Z7 scratch in the first pass

DATA r16Magic<>+0(SB)/4, $0x4b400000
GLOBL r16Magic<>(SB), RODATA|NOPTR, $4
DATA r16NegC<>+0(SB)/4, $0xcb400000
GLOBL r16NegC<>(SB), RODATA|NOPTR, $4

// r16X2Perm puts the sums of X2_SUMS16 in column order: column c's total
// lies in word 4·(c mod 2) + (c mod 8)/2 + 8·(c/8).
DATA r16X2Perm<>+0(SB)/4, $0
DATA r16X2Perm<>+4(SB)/4, $4
DATA r16X2Perm<>+8(SB)/4, $1
DATA r16X2Perm<>+12(SB)/4, $5
DATA r16X2Perm<>+16(SB)/4, $2
DATA r16X2Perm<>+20(SB)/4, $6
DATA r16X2Perm<>+24(SB)/4, $3
DATA r16X2Perm<>+28(SB)/4, $7
DATA r16X2Perm<>+32(SB)/4, $8
DATA r16X2Perm<>+36(SB)/4, $12
DATA r16X2Perm<>+40(SB)/4, $9
DATA r16X2Perm<>+44(SB)/4, $13
DATA r16X2Perm<>+48(SB)/4, $10
DATA r16X2Perm<>+52(SB)/4, $14
DATA r16X2Perm<>+56(SB)/4, $11
DATA r16X2Perm<>+60(SB)/4, $15
GLOBL r16X2Perm<>(SB), RODATA|NOPTR, $64

// X2_PAIR sets p to the eight partial sums m·(four quants) of the column
// at (R12) (128-bit lanes 0, 1) and of the next one (lanes 2, 3), t
// (ty its ymm) scratch, and moves R12 two columns on.
#define X2_PAIR(p, t, ty)                    \
	VMOVDQU32    2(R12), ty              \
	VINSERTI64X4 $1, 2(R12)(R9*1), t, t  \
	VPXORD       p, p, p                 \
	VPDPBUSD     t, Z14, p               \
	LEAQ         (R12)(R9*2), R12

// X2_HADD sets d, per 128-bit lane, to the sums of the pairs of words of
// a and b: a0+a1, a2+a3, b0+b1, b2+b3; t scratch.
#define X2_HADD(a, b, d, t)    \
	VSHUFPS $0x88, b, a, d \
	VSHUFPS $0xdd, b, a, t \
	VPADDD  t, d, d

// X2_SUMS16 writes M − m·Σy of the sixteen columns from (R12) (index
// R14) to the table, and moves R12 sixteen columns on.
#define X2_SUMS16                          \
	X2_PAIR(Z0, Z16, Y16)              \
	X2_PAIR(Z1, Z17, Y17)              \
	X2_PAIR(Z2, Z18, Y18)              \
	X2_PAIR(Z3, Z19, Y19)              \
	X2_PAIR(Z4, Z20, Y20)              \
	X2_PAIR(Z5, Z21, Y21)              \
	X2_PAIR(Z6, Z22, Y22)              \
	X2_PAIR(Z7, Z23, Y23)              \
	X2_HADD(Z0, Z1, Z16, Z24)          \
	X2_HADD(Z2, Z3, Z17, Z25)          \
	X2_HADD(Z4, Z5, Z18, Z26)          \
	X2_HADD(Z6, Z7, Z19, Z27)          \
	X2_HADD(Z16, Z17, Z0, Z24)         \
	X2_HADD(Z18, Z19, Z1, Z25)         \
	VSHUFI32X4 $0x88, Z1, Z0, Z2       \
	VSHUFI32X4 $0xdd, Z1, Z0, Z3       \
	VPADDD     Z3, Z2, Z2              \
	VPERMD     Z2, Z11, Z2             \
	VPSUBD     Z2, Z8, Z2              \
	VMOVDQU32  Z2, 0(BX)(R14*4)

// X2_SUM1 writes M − m·Σy of the column at (R12) (index R14) to the
// table.
#define X2_SUM1                      \
	VPXORD       Z0, Z0, Z0      \
	VPDPBUSD     2(R12), Y14, Y0 \
	VEXTRACTI128 $1, Y0, X1      \
	VPADDD       X1, X0, X0      \
	VPSHUFD      $0x4e, X0, X1   \
	VPADDD       X1, X0, X0      \
	VPSHUFD      $0xb1, X0, X1   \
	VPADDD       X1, X0, X0      \
	VPSUBD       X0, X8, X0      \
	VMOVD        X0, 0(BX)(R14*4)

// X2_TABLE writes the column table of the block. (The d_y are converted
// one by one: a vector load of fp16 stored by scalar moves would wait for
// the stores to retire, and so for the previous block's work.)
#define X2_TABLE(dyLoop, grp, rem, done) \
	MOVQ DI, R12                     \
	XORQ R14, R14                    \
dyLoop:                                  \
	VCVTPH2PS (R12), X0              \
	VMOVSS    X0, 256(BX)(R14*4)     \
	ADDQ      R9, R12                \
	INCQ      R14                    \
	CMPQ      R14, R11               \
	JB        dyLoop                 \
	MOVQ DI, R12                     \
	XORQ R14, R14                    \
grp:                                     \
	LEAQ 16(R14), AX                 \
	CMPQ AX, R11                     \
	JA   rem                         \
	X2_SUMS16                        \
	MOVQ AX, R14                     \
	JMP  grp                         \
rem:                                     \
	CMPQ R14, R11                    \
	JAE  done                        \
	X2_SUM1                          \
	ADDQ R9, R12                     \
	INCQ R14                         \
	JMP  rem                         \
done:

// X2_DOT adds the block of the column at (yp) (table index ti) to the
// outputs of both strips at da (strip A) and db (strip B). a and b, A's
// and B's chains of eight VPDPBUSD, start from the column's M − m·Σy in
// every lane and end as the floats C + s; one FMA takes (C + s)·d − C·d
// = s·d, another adds it times d_y to dst; t scratch.
#define X2_DOT(yp, ti, da, db, a, b, t)            \
	VPBROADCASTD     (0+4*(ti))(BX)(R14*4), a  \
	VPBROADCASTD     (0+4*(ti))(BX)(R14*4), b  \
	VPDPBUSD.BCST    2(yp), Z16, a             \
	VPDPBUSD.BCST    2(yp), Z24, b             \
	VPDPBUSD.BCST    6(yp), Z17, a             \
	VPDPBUSD.BCST    6(yp), Z25, b             \
	VPDPBUSD.BCST    10(yp), Z18, a            \
	VPDPBUSD.BCST    10(yp), Z26, b            \
	VPDPBUSD.BCST    14(yp), Z19, a            \
	VPDPBUSD.BCST    14(yp), Z27, b            \
	VPDPBUSD.BCST    18(yp), Z20, a            \
	VPDPBUSD.BCST    18(yp), Z28, b            \
	VPDPBUSD.BCST    22(yp), Z21, a            \
	VPDPBUSD.BCST    22(yp), Z29, b            \
	VPDPBUSD.BCST    26(yp), Z22, a            \
	VPDPBUSD.BCST    26(yp), Z30, b            \
	VPDPBUSD.BCST    30(yp), Z23, a            \
	VPDPBUSD.BCST    30(yp), Z31, b            \
	VFMADD213PS      Z9, Z12, a                \
	VFMADD213PS      Z10, Z13, b               \
	VMOVUPS          da, t                     \
	VFMADD231PS.BCST (256+4*(ti))(BX)(R14*4), a, t \
	VMOVUPS          t, da                     \
	VMOVUPS          db, t                     \
	VFMADD231PS.BCST (256+4*(ti))(BX)(R14*4), b, t \
	VMOVUPS          t, db

// X2_DOT1 is X2_DOT for a column alone (the last of an odd count, as
// in decoding): each strip's VPDPBUSD run as two chains of four, a2 and
// b2 from zero, added at the end, for the latency.
#define X2_DOT1(yp, da, db, a, b, a2, b2, t)      \
	VPBROADCASTD     0(BX)(R14*4), a          \
	VPBROADCASTD     0(BX)(R14*4), b          \
	VPXORD           a2, a2, a2               \
	VPXORD           b2, b2, b2               \
	VPDPBUSD.BCST    2(yp), Z16, a            \
	VPDPBUSD.BCST    2(yp), Z24, b            \
	VPDPBUSD.BCST    6(yp), Z17, a2           \
	VPDPBUSD.BCST    6(yp), Z25, b2           \
	VPDPBUSD.BCST    10(yp), Z18, a           \
	VPDPBUSD.BCST    10(yp), Z26, b           \
	VPDPBUSD.BCST    14(yp), Z19, a2          \
	VPDPBUSD.BCST    14(yp), Z27, b2          \
	VPDPBUSD.BCST    18(yp), Z20, a           \
	VPDPBUSD.BCST    18(yp), Z28, b           \
	VPDPBUSD.BCST    22(yp), Z21, a2          \
	VPDPBUSD.BCST    22(yp), Z29, b2          \
	VPDPBUSD.BCST    26(yp), Z22, a           \
	VPDPBUSD.BCST    26(yp), Z30, b           \
	VPDPBUSD.BCST    30(yp), Z23, a2          \
	VPDPBUSD.BCST    30(yp), Z31, b2          \
	VPADDD           a2, a, a                 \
	VPADDD           b2, b, b                 \
	VFMADD213PS      Z9, Z12, a               \
	VFMADD213PS      Z10, Z13, b              \
	VMOVUPS          da, t                    \
	VFMADD231PS.BCST 256(BX)(R14*4), a, t     \
	VMOVUPS          t, da                    \
	VMOVUPS          db, t                    \
	VFMADD231PS.BCST 256(BX)(R14*4), b, t     \
	VMOVUPS          t, db

// X2_COLS runs the block over all columns, two at a time.
#define X2_COLS(loop, one, done)                                  \
	MOVQ DI, R12                                              \
	MOVQ DX, R13                                              \
	XORQ R14, R14                                             \
loop:                                                             \
	LEAQ 2(R14), AX                                           \
	CMPQ AX, R11                                              \
	JA   one                                                  \
	LEAQ (R12)(R9*1), AX                                      \
	X2_DOT(R12, 0, 0(R13), 64(R13), Z0, Z1, Z2)               \
	X2_DOT(AX, 1, 0(R13)(R10*1), 64(R13)(R10*1), Z5, Z6, Z7)  \
	LEAQ (R12)(R9*2), R12                                     \
	LEAQ (R13)(R10*2), R13                                    \
	ADDQ $2, R14                                              \
	JMP  loop                                                 \
one:                                                              \
	CMPQ R14, R11                                             \
	JAE  done                                                 \
	X2_DOT1(R12, 0(R13), 64(R13), Z0, Z1, Z5, Z6, Z2)         \
done:

// X2_ZERO zeroes the 32 outputs of each column of dst unless
// accumulating (ZF clear: accumulate ≠ 0).
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

// X2_SCALES converts the rows' d of both strips (AX = stripStride) and
// their −C·d.
#define X2_SCALES                             \
	VCVTPH2PS   (R8), Z12                 \
	VCVTPH2PS   (R8)(AX*1), Z13           \
	VMULPS.BCST r16NegC<>(SB), Z12, Z9    \
	VMULPS.BCST r16NegC<>(SB), Z13, Z10

// func r16GemmQ8_0x2VNNI(w *byte, stripStride, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ8_0x2VNNI(SB), 0, $576-72
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
	VMOVDQU32 r16X2Perm<>(SB), Z11

q80x2Block:
	X2_TABLE(q80x2Dy, q80x2Grp, q80x2Rem, q80x2Table)
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
	X2_SCALES
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
TEXT ·r16GemmQ4_0x2VNNI(SB), 0, $576-72
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
	VMOVDQU32 r16X2Perm<>(SB), Z11

q40x2Block:
	X2_TABLE(q40x2Dy, q40x2Grp, q40x2Rem, q40x2Table)
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
	X2_SCALES
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
