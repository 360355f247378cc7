//go:build !noasm

#include "textflag.h"

// ---- AMX-INT8 strip kernel for q8_0 weights against q8_0 activations ----
//
// r16GemmQ8_0AMX computes one strip (16 rows, nb blocks, see repack.go)
// against groups×16 activation columns with Intel AMX.
//
// Algorithm: the eight words of a q8_0 block in the r16 layout (512
// bytes at w + 512·b) are exactly an AMX B tile for K = 32: tile row k
// holds, for each of the 16 weight rows, quants 4k…4k+3. The A tile is
// the 32 quants of the block of 16 columns (16 rows of 32 bytes, yStride
// apart, from y + 34·b + 2). TDPBSSD (signed × signed bytes) leaves in
// C row m, lane r the exact int32 block sum of column m with weight row
// r. C goes to a 1 KiB stack buffer (TILESTORED); each column's row then
// becomes float, times the rows' d (one VCVTPH2PS of the 16 fp16 scales
// after the words), and is added times the column's d_y (an embedded
// broadcast) to that column's accumulator. These are the operations of
// r16GemmQ8_0VNNI in the same order, so both kernels give the same bits.
// The 16 columns' d_y come from one VPGATHERDD (dword offsets m·yStride,
// of which the low 16 bits are the fp16 d), VPMOVDW and VCVTPH2PS, kept
// on the stack for the broadcasts.
//
// Tiles (palette 1, configured by each call from a 64-byte config in the
// frame, released with TILERELEASE before returning):
//	TMM0 A: 16 rows × 32 bytes, the columns' quants
//	TMM1 B: 8 rows × 64 bytes, the block's words
//	TMM2 C: 16 rows × 64 bytes (16 int32), column m in row m
//
// Registers:
//	DI strip words, BX the group's first column, R8 yStride, CX groups
//	left, DX the group's dst, R9 4·dstStride, R10 accumulate, SI 64 (the
//	B and C tiles' stride), AX the 64-byte aligned stack buffer (0: C,
//	1024: the columns' d_y, 1088: tile config), R11 blocks left, R12 the
//	block's words, R13 its scales, R14 the group's block (A and d_y)
//	Z15 dword offsets m·yStride, Z14 d_y, Z13 rows' d, Z0…Z3 scratch,
//	Z16…Z31 the 16 columns' accumulators (column m in Z16+m)
//
// Cost (Sapphire Rapids class Xeon, 64 columns of 4096 weights, cpu-ns per
// 256 weights per column; BenchmarkR16): 0.88 in all, of which the tile
// work alone (loads, TDPBSSD, store) takes 0.51 and the float work alone
// 0.42; they hardly overlap. The A tile's 16 strided, often line-split
// rows and the gather cost about 0.13 together (an A tile from contiguous
// memory and no gather: 0.75), which activations quantized in a
// tile-ready layout by the driver would save. Tried without gain: two
// blocks in flight (two sets of A, B, C tiles), two strips × 8 columns
// sharing A and the d_y (0.93), prefetching the next blocks' A rows.
//
// AMX instructions, which the Go assembler lacks, are BYTE-encoded (each
// checked with llvm-mc --show-encoding and objdump -d of the test binary).

DATA amxIota<>+0(SB)/4, $0
DATA amxIota<>+4(SB)/4, $1
DATA amxIota<>+8(SB)/4, $2
DATA amxIota<>+12(SB)/4, $3
DATA amxIota<>+16(SB)/4, $4
DATA amxIota<>+20(SB)/4, $5
DATA amxIota<>+24(SB)/4, $6
DATA amxIota<>+28(SB)/4, $7
DATA amxIota<>+32(SB)/4, $8
DATA amxIota<>+36(SB)/4, $9
DATA amxIota<>+40(SB)/4, $10
DATA amxIota<>+44(SB)/4, $11
DATA amxIota<>+48(SB)/4, $12
DATA amxIota<>+52(SB)/4, $13
DATA amxIota<>+56(SB)/4, $14
DATA amxIota<>+60(SB)/4, $15
GLOBL amxIota<>(SB), RODATA|NOPTR, $64

// ldtilecfg 1088(%rax)
#define LDTILECFG_1088_AX BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0x80; BYTE $0x40; BYTE $0x04; BYTE $0x00; BYTE $0x00
// tilerelease
#define TILERELEASE BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0xc0
// tileloadd 2(%r14,%r8,1), %tmm0
#define TILELOADD_A BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x44; BYTE $0x06; BYTE $0x02
// tileloadd (%r12,%rsi,1), %tmm1
#define TILELOADD_B BYTE $0xc4; BYTE $0xc2; BYTE $0x7b; BYTE $0x4b; BYTE $0x0c; BYTE $0x34
// tilezero %tmm2
#define TILEZERO_C BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xd0
// tdpbssd %tmm1, %tmm0, %tmm2 (Intel order: tdpbssd tmm2, tmm0, tmm1)
#define TDPBSSD_C_A_B BYTE $0xc4; BYTE $0xe2; BYTE $0x73; BYTE $0x5e; BYTE $0xd0
// tilestored %tmm2, (%rax,%rsi,1)
#define TILESTORED_C BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x14; BYTE $0x30

// AMX_COL adds column m's block sum (row m of the stored C) to acc:
// float, times the rows' d, times the column's d_y.
#define AMX_COL(m, t, acc) \
	VCVTDQ2PS        (64*(m))(AX), t        \
	VMULPS           Z13, t, t              \
	VFMADD231PS.BCST (1024+4*(m))(AX), t, acc

// AMX_ZERO zeroes the 16 accumulators.
#define AMX_ZERO \
	VPXORD Z16, Z16, Z16 \
	VPXORD Z17, Z17, Z17 \
	VPXORD Z18, Z18, Z18 \
	VPXORD Z19, Z19, Z19 \
	VPXORD Z20, Z20, Z20 \
	VPXORD Z21, Z21, Z21 \
	VPXORD Z22, Z22, Z22 \
	VPXORD Z23, Z23, Z23 \
	VPXORD Z24, Z24, Z24 \
	VPXORD Z25, Z25, Z25 \
	VPXORD Z26, Z26, Z26 \
	VPXORD Z27, Z27, Z27 \
	VPXORD Z28, Z28, Z28 \
	VPXORD Z29, Z29, Z29 \
	VPXORD Z30, Z30, Z30 \
	VPXORD Z31, Z31, Z31

// AMX_LOAD1 loads acc from the column's outputs at (R12) and steps R12
// to the next column.
#define AMX_LOAD1(acc) \
	VMOVUPS (R12), acc \
	ADDQ    R9, R12

// AMX_STORE1 stores acc to the column's outputs at (R12) and steps R12
// to the next column.
#define AMX_STORE1(acc) \
	VMOVUPS acc, (R12) \
	ADDQ    R9, R12

// AMX_ALL applies op to the 16 accumulators in column order.
#define AMX_ALL(op) \
	op(Z16) \
	op(Z17) \
	op(Z18) \
	op(Z19) \
	op(Z20) \
	op(Z21) \
	op(Z22) \
	op(Z23) \
	op(Z24) \
	op(Z25) \
	op(Z26) \
	op(Z27) \
	op(Z28) \
	op(Z29) \
	op(Z30) \
	op(Z31)

// func r16GemmQ8_0AMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ8_0AMX(SB), 0, $1280-64
	MOVQ SP, AX
	ADDQ $63, AX
	ANDQ $~63, AX
	MOVQ w+0(FP), DI
	MOVQ y+16(FP), BX
	MOVQ yStride+24(FP), R8
	MOVQ groups+32(FP), CX
	MOVQ dst+40(FP), DX
	MOVQ dstStride+48(FP), R9
	SHLQ $2, R9
	MOVQ accumulate+56(FP), R10
	MOVQ $64, SI

	// Tile config: palette 1; TMM0 16×32 bytes, TMM1 8×64, TMM2 16×64.
	VPXORD    Z0, Z0, Z0
	VMOVDQU64 Z0, 1088(AX)
	MOVB      $1, 1088(AX)
	MOVW      $32, 1104(AX)
	MOVW      $64, 1106(AX)
	MOVW      $64, 1108(AX)
	MOVB      $16, 1136(AX)
	MOVB      $8, 1137(AX)
	MOVB      $16, 1138(AX)
	LDTILECFG_1088_AX

	VPBROADCASTD R8, Z15
	VPMULLD      amxIota<>(SB), Z15, Z15

amxGroup:
	TESTQ R10, R10
	JNZ   amxLoad
	AMX_ZERO
	JMP   amxStart

amxLoad:
	MOVQ DX, R12
	AMX_ALL(AMX_LOAD1)

amxStart:
	MOVQ  BX, R14
	MOVQ  DI, R12
	MOVQ  nb+8(FP), R11
	MOVQ  R11, R13
	SHLQ  $9, R13
	ADDQ  DI, R13

amxBlock:
	TILELOADD_A
	TILELOADD_B
	TILEZERO_C
	TDPBSSD_C_A_B
	TILESTORED_C
	KXNORW     K1, K1, K1
	VPGATHERDD (R14)(Z15*1), K1, Z14
	VPMOVDW    Z14, Y14
	VCVTPH2PS  Y14, Z14
	VMOVUPS    Z14, 1024(AX)
	VCVTPH2PS  (R13), Z13
	AMX_COL(0, Z0, Z16)
	AMX_COL(1, Z1, Z17)
	AMX_COL(2, Z2, Z18)
	AMX_COL(3, Z3, Z19)
	AMX_COL(4, Z0, Z20)
	AMX_COL(5, Z1, Z21)
	AMX_COL(6, Z2, Z22)
	AMX_COL(7, Z3, Z23)
	AMX_COL(8, Z0, Z24)
	AMX_COL(9, Z1, Z25)
	AMX_COL(10, Z2, Z26)
	AMX_COL(11, Z3, Z27)
	AMX_COL(12, Z0, Z28)
	AMX_COL(13, Z1, Z29)
	AMX_COL(14, Z2, Z30)
	AMX_COL(15, Z3, Z31)
	ADDQ $34, R14
	ADDQ $512, R12
	ADDQ $32, R13
	DECQ R11
	JNZ  amxBlock

	MOVQ DX, R12
	AMX_ALL(AMX_STORE1)

	// Next group: 16 columns on.
	MOVQ R8, R11
	SHLQ $4, R11
	ADDQ R11, BX
	MOVQ R9, R11
	SHLQ $4, R11
	ADDQ R11, DX
	DECQ CX
	JNZ  amxGroup

	TILERELEASE
	VZEROUPPER
	RET
