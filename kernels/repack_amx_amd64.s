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

// AMX_GROUP_END stores the group's 16 column accumulators to dst (DX),
// moves y (BX) and dst 16 columns on and runs the next group from loop,
// or releases the tiles and returns after the last.
#define AMX_GROUP_END(loop) \
	MOVQ DX, R12          \
	AMX_ALL(AMX_STORE1)   \
	MOVQ R8, R11          \
	SHLQ $4, R11          \
	ADDQ R11, BX          \
	MOVQ R9, R11          \
	SHLQ $4, R11          \
	ADDQ R11, DX          \
	DECQ CX               \
	JNZ  loop             \
	TILERELEASE           \
	VZEROUPPER            \
	RET

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

	AMX_GROUP_END(amxGroup)

// ---- AMX-INT8 strip kernel for q4_K weights against q8_K activations ----
//
// r16GemmQ4KAMX computes one strip (16 rows, nb super-blocks, layout in
// repack_kquant_amd64.s) against groups×16 activation columns (q8_K).
//
// Algorithm, per super-block: the 16 rows' scales are decoded as in
// r16GemmQ4KVNNI (d·sc_j, with d/16 for odd j, to the stack; the mins as
// word pairs (mn_j, mn_j) in registers; dmin). The mins term goes first,
// per column: Σ_j mn_j·(bsums[2j] + bsums[2j+1]) by eight VPDPWSSD,
// float, times dmin, times d_y subtracted from the column's accumulator
// (d_y is copied to the stack on the way for the broadcasts below). Then
// per chunk j (sub-blocks 2j and 2j+1): its eight words, masked to the
// low nibbles (& 0x0f) and to the high ones kept in place (& 0xf0, 16 ×
// the nibble), go to two 512-byte stack buffers, each an AMX B tile for
// K = 32 (tile row g, lane r: row r's weights 4g…4g+3 of the sub-block).
// The A tiles are the 16 columns' 32 activations of each sub-block (16
// rows of 32 bytes, yStride apart, from y + 4 + 64j and + 32). TDPBSUD
// (signed activations × unsigned weights) leaves in C row m, lane r the
// exact int32 sub-block sums of column m with weight row r; both C tiles
// go to the stack, and per column: float, times d·sc_2j, plus the high
// sums times d·sc_(2j+1)/16, times d_y added to the accumulator. These
// are r16GemmQ4KVNNI's operations in its order, so both give the same
// bits. Each chunk's tile work is issued before the float work of the
// chunk before it (two C buffers alternate), and chunk 0's before the
// mins, so that tile and float work overlap: 1.01 cpu-ns per 256 weights
// per column at 16…64 columns against the VNNI kernel's 1.34 (BenchmarkR16,
// Sapphire Rapids class Xeon); without the overlap 1.25.
//
// Tiles (palette 1, configured by each call, released before returning):
//	TMM0 A low, TMM3 A high: 16 rows × 32 bytes
//	TMM1 B low, TMM4 B high: 8 rows × 64 bytes
//	TMM2 C low, TMM5 C high: 16 rows × 64 bytes, column m in row m
//
// Registers:
//	DI strip words, BX the group's first column, R8 yStride, CX groups
//	left, DX the group's dst, R9 4·dstStride, SI 64 (the B and C tiles'
//	stride), AX the 64-byte aligned stack buffer (0, 1024: C low and high
//	of even chunks, 2048, 3072: of odd chunks, 4096: B low, 4608: B high,
//	5120: d·sc_j (64 bytes per j), 5632: the columns' d_y, 5696: tile
//	config), R11 blocks left, R12 the block's words, R13 the column
//	(mins), R14 the group's block (A), R10 scratch
//	decode and mins: Z0 d, Z1 dmin, Z12…Z15 mins pairs j = 0…3, Z8…Z11
//	j = 4…7, Z2…Z7 scratch; chunks: Z4, Z5 d·sc_2j, d·sc_(2j+1)/16,
//	Z0…Z3, Z6…Z9 scratch; Z16…Z31 the 16 columns' accumulators

DATA amxC3f<>+0(SB)/4, $0x3f3f3f3f
GLOBL amxC3f<>(SB), RODATA|NOPTR, $4
DATA amxC30<>+0(SB)/4, $0x30303030
GLOBL amxC30<>(SB), RODATA|NOPTR, $4
DATA amxC0f<>+0(SB)/4, $0x0f0f0f0f
GLOBL amxC0f<>(SB), RODATA|NOPTR, $4
DATA amxCf0<>+0(SB)/4, $0xf0f0f0f0
GLOBL amxCf0<>(SB), RODATA|NOPTR, $4
DATA amxCff<>+0(SB)/4, $0x000000ff
GLOBL amxCff<>(SB), RODATA|NOPTR, $4
DATA amxSixteenth<>+0(SB)/4, $0x3d800000
GLOBL amxSixteenth<>(SB), RODATA|NOPTR, $4

// ldtilecfg 5696(%rax)
#define LDTILECFG_5696_AX BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0x80; BYTE $0x40; BYTE $0x16; BYTE $0x00; BYTE $0x00
// tileloadd 4(%r14,%r8,1), %tmm0 … tileloadd 228(%r14,%r8,1), %tmm3:
// chunk j's low (TMM0) and high (TMM3) activations of the 16 columns.
#define TILELOADD_A4K_0 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x44; BYTE $0x06; BYTE $0x04
#define TILELOADD_A4K_1 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x5c; BYTE $0x06; BYTE $0x24
#define TILELOADD_A4K_2 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x44; BYTE $0x06; BYTE $0x44
#define TILELOADD_A4K_3 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x5c; BYTE $0x06; BYTE $0x64
#define TILELOADD_A4K_4 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x84; BYTE $0x06; BYTE $0x84; BYTE $0x00; BYTE $0x00; BYTE $0x00
#define TILELOADD_A4K_5 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x9c; BYTE $0x06; BYTE $0xa4; BYTE $0x00; BYTE $0x00; BYTE $0x00
#define TILELOADD_A4K_6 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x84; BYTE $0x06; BYTE $0xc4; BYTE $0x00; BYTE $0x00; BYTE $0x00
#define TILELOADD_A4K_7 BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $0x9c; BYTE $0x06; BYTE $0xe4; BYTE $0x00; BYTE $0x00; BYTE $0x00
// tileloadd 4096(%rax,%rsi,1), %tmm1
#define TILELOADD_B4K_LO BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x8c; BYTE $0x30; BYTE $0x00; BYTE $0x10; BYTE $0x00; BYTE $0x00
// tileloadd 4608(%rax,%rsi,1), %tmm4
#define TILELOADD_B4K_HI BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0xa4; BYTE $0x30; BYTE $0x00; BYTE $0x12; BYTE $0x00; BYTE $0x00
// tilezero %tmm5
#define TILEZERO_C4K_HI BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xe8
// tdpbsud %tmm1, %tmm0, %tmm2 (Intel order: tdpbsud tmm2, tmm0, tmm1)
#define TDPBSUD_LO BYTE $0xc4; BYTE $0xe2; BYTE $0x72; BYTE $0x5e; BYTE $0xd0
// tdpbsud %tmm4, %tmm3, %tmm5 (Intel order: tdpbsud tmm5, tmm3, tmm4)
#define TDPBSUD_HI BYTE $0xc4; BYTE $0xe2; BYTE $0x5a; BYTE $0x5e; BYTE $0xeb
// tilestored %tmm5, 1024(%rax,%rsi,1): with TILESTORED_C, C buffer 0
#define TILESTORED_C4K_HI0 BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0xac; BYTE $0x30; BYTE $0x00; BYTE $0x04; BYTE $0x00; BYTE $0x00
// tilestored %tmm2, 2048(%rax,%rsi,1)
#define TILESTORED_C4K_LO1 BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x94; BYTE $0x30; BYTE $0x00; BYTE $0x08; BYTE $0x00; BYTE $0x00
// tilestored %tmm5, 3072(%rax,%rsi,1)
#define TILESTORED_C4K_HI1 BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0xac; BYTE $0x30; BYTE $0x00; BYTE $0x0c; BYTE $0x00; BYTE $0x00

// AMX4K_SC stores d·sc_j (byte j%4 of src's dwords, times d) to the stack.
#define AMX4K_SC(j, src, d)                    \
	VPSRLD      $(8*((j)%4)), src, Z11     \
	VPANDD.BCST amxCff<>(SB), Z11, Z11     \
	VCVTDQ2PS   Z11, Z11                   \
	VMULPS      d, Z11, Z11                \
	VMOVAPS     Z11, (5120+64*(j))(AX)

// AMX4K_MN sets dst to the word pairs (mn_j, mn_j) (byte j%4 of src's
// dwords).
#define AMX4K_MN(j, src, dst)              \
	VPSRLD      $(8*((j)%4)), src, dst \
	VPANDD.BCST amxCff<>(SB), dst, dst \
	VPSLLD      $16, dst, Z5           \
	VPORD       Z5, dst, dst

// AMXK_DECODE decodes the scales of the q4_K or q5_K block at R12 (see
// the register plan), with odd j's d·sc_j times oddd (Z10 = d/16 for
// q4_K, Z0 = d for q5_K).
#define AMXK_DECODE(oddd) \
	VMOVDQU32 0(R12), Z2                          \
	VPMOVDW   Z2, Y0                              \
	VCVTPH2PS Y0, Z0                              \
	VPSRLD    $16, Z2, Z1                         \
	VPMOVDW   Z1, Y1                              \
	VCVTPH2PS Y1, Z1                              \
	VMOVDQU32 64(R12), Z2                         \
	VMOVDQU32 128(R12), Z3                        \
	VMOVDQU32 192(R12), Z4                        \
	VPANDD.BCST amxC3f<>(SB), Z2, Z5              \
	VPANDD.BCST amxC3f<>(SB), Z3, Z6              \
	VPSRLD $2, Z2, Z7                             \
	VPANDD.BCST amxC30<>(SB), Z7, Z7              \
	VPTERNLOGD.BCST $0xf8, amxC0f<>(SB), Z4, Z7   \
	VPSRLD $2, Z3, Z9                             \
	VPANDD.BCST amxC30<>(SB), Z9, Z9              \
	VPSRLD $4, Z4, Z4                             \
	VPTERNLOGD.BCST $0xf8, amxC0f<>(SB), Z4, Z9   \
	VMULPS.BCST amxSixteenth<>(SB), Z0, Z10       \
	AMX4K_SC(0, Z5, Z0)                           \
	AMX4K_SC(1, Z5, oddd)                          \
	AMX4K_SC(2, Z5, Z0)                           \
	AMX4K_SC(3, Z5, oddd)                          \
	AMX4K_SC(4, Z7, Z0)                           \
	AMX4K_SC(5, Z7, oddd)                          \
	AMX4K_SC(6, Z7, Z0)                           \
	AMX4K_SC(7, Z7, oddd)                          \
	AMX4K_MN(0, Z6, Z12)                          \
	AMX4K_MN(1, Z6, Z13)                          \
	AMX4K_MN(2, Z6, Z14)                          \
	AMX4K_MN(3, Z6, Z15)                          \
	AMX4K_MN(6, Z9, Z10)                          \
	AMX4K_MN(7, Z9, Z11)                          \
	AMX4K_MN(4, Z9, Z8)                           \
	AMX4K_MN(5, Z9, Z9)

#define AMX4K_DECODE AMXK_DECODE(Z10)

// AMX4K_MINS subtracts column m's mins term (its q8_K block at R13) from
// acc, copies its d_y to the stack and steps R13 to the next column.
#define AMX4K_MINS(m, acc)                 \
	VPXORD Z2, Z2, Z2                  \
	VPXORD Z3, Z3, Z3                  \
	VPDPWSSD.BCST 260(R13), Z12, Z2    \
	VPDPWSSD.BCST 264(R13), Z13, Z3    \
	VPDPWSSD.BCST 268(R13), Z14, Z2    \
	VPDPWSSD.BCST 272(R13), Z15, Z3    \
	VPDPWSSD.BCST 276(R13), Z8, Z2     \
	VPDPWSSD.BCST 280(R13), Z9, Z3     \
	VPDPWSSD.BCST 284(R13), Z10, Z2    \
	VPDPWSSD.BCST 288(R13), Z11, Z3    \
	VPADDD Z3, Z2, Z2                  \
	VCVTDQ2PS Z2, Z2                   \
	VMULPS Z1, Z2, Z2                  \
	VFNMADD231PS.BCST (R13), Z2, acc   \
	MOVL (R13), R10                    \
	MOVL R10, (5632+4*(m))(AX)         \
	ADDQ R8, R13

// AMX4K_B writes word 4+8j+g of the block, low nibbles and high ones in
// place, to row g of the B tiles.
#define AMX4K_B(j, g)                               \
	VMOVDQU32   (64*(4+8*(j)+(g)))(R12), Z2     \
	VPANDD.BCST amxC0f<>(SB), Z2, Z3            \
	VPANDD.BCST amxCf0<>(SB), Z2, Z2            \
	VMOVDQA32   Z3, (4096+64*(g))(AX)           \
	VMOVDQA32   Z2, (4608+64*(g))(AX)

// AMX4K_COL adds column m's chunk sums (rows m of the C tiles stored at
// cb) to acc with scratch a, b.
#define AMX4K_COL(cb, m, a, b, acc)               \
	VCVTDQ2PS        ((cb)+64*(m))(AX), a      \
	VCVTDQ2PS        ((cb)+1024+64*(m))(AX), b \
	VMULPS           Z4, a, a               \
	VFMADD231PS      Z5, b, a               \
	VFMADD231PS.BCST (5632+4*(m))(AX), a, acc

// AMX4K_TILES computes chunk j's sub-block sums and stores them (C low,
// C high) with tsclo, tschi; tlalo, tlahi load its A tiles.
#define AMX4K_TILES(j, tlalo, tlahi, tsclo, tschi) \
	AMX4K_B(j, 0)                       \
	AMX4K_B(j, 1)                       \
	AMX4K_B(j, 2)                       \
	AMX4K_B(j, 3)                       \
	AMX4K_B(j, 4)                       \
	AMX4K_B(j, 5)                       \
	AMX4K_B(j, 6)                       \
	AMX4K_B(j, 7)                       \
	tlalo                               \
	tlahi                               \
	TILELOADD_B4K_LO                    \
	TILELOADD_B4K_HI                    \
	TILEZERO_C                          \
	TILEZERO_C4K_HI                     \
	TDPBSUD_LO                          \
	TDPBSUD_HI                          \
	tsclo                               \
	tschi

// AMX4K_FLOAT adds chunk j's sums, stored at cb, to the 16 columns'
// accumulators.
#define AMX4K_FLOAT(j, cb)                  \
	VMOVAPS (5120+128*(j))(AX), Z4      \
	VMOVAPS (5120+128*(j)+64)(AX), Z5   \
	AMX4K_COL(cb, 0, Z0, Z1, Z16)       \
	AMX4K_COL(cb, 1, Z2, Z3, Z17)       \
	AMX4K_COL(cb, 2, Z6, Z7, Z18)       \
	AMX4K_COL(cb, 3, Z8, Z9, Z19)       \
	AMX4K_COL(cb, 4, Z0, Z1, Z20)       \
	AMX4K_COL(cb, 5, Z2, Z3, Z21)       \
	AMX4K_COL(cb, 6, Z6, Z7, Z22)       \
	AMX4K_COL(cb, 7, Z8, Z9, Z23)       \
	AMX4K_COL(cb, 8, Z0, Z1, Z24)       \
	AMX4K_COL(cb, 9, Z2, Z3, Z25)       \
	AMX4K_COL(cb, 10, Z6, Z7, Z26)      \
	AMX4K_COL(cb, 11, Z8, Z9, Z27)      \
	AMX4K_COL(cb, 12, Z0, Z1, Z28)      \
	AMX4K_COL(cb, 13, Z2, Z3, Z29)      \
	AMX4K_COL(cb, 14, Z6, Z7, Z30)      \
	AMX4K_COL(cb, 15, Z8, Z9, Z31)

// AMX4K_MINS16 subtracts the 16 columns' mins terms (the group's blocks
// from R14).
#define AMX4K_MINS16          \
	MOVQ R14, R13         \
	AMX4K_MINS(0, Z16)    \
	AMX4K_MINS(1, Z17)    \
	AMX4K_MINS(2, Z18)    \
	AMX4K_MINS(3, Z19)    \
	AMX4K_MINS(4, Z20)    \
	AMX4K_MINS(5, Z21)    \
	AMX4K_MINS(6, Z22)    \
	AMX4K_MINS(7, Z23)    \
	AMX4K_MINS(8, Z24)    \
	AMX4K_MINS(9, Z25)    \
	AMX4K_MINS(10, Z26)   \
	AMX4K_MINS(11, Z27)   \
	AMX4K_MINS(12, Z28)   \
	AMX4K_MINS(13, Z29)   \
	AMX4K_MINS(14, Z30)   \
	AMX4K_MINS(15, Z31)

// func r16GemmQ4KAMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4KAMX(SB), 0, $5824-64
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
	MOVQ $64, SI

	// Tile config: palette 1; TMM0, TMM3 16×32 bytes, TMM1, TMM4 8×64,
	// TMM2, TMM5 16×64.
	VPXORD    Z0, Z0, Z0
	VMOVDQU64 Z0, 5696(AX)
	MOVB      $1, 5696(AX)
	MOVW      $32, 5712(AX)
	MOVW      $64, 5714(AX)
	MOVW      $64, 5716(AX)
	MOVW      $32, 5718(AX)
	MOVW      $64, 5720(AX)
	MOVW      $64, 5722(AX)
	MOVB      $16, 5744(AX)
	MOVB      $8, 5745(AX)
	MOVB      $16, 5746(AX)
	MOVB      $16, 5747(AX)
	MOVB      $8, 5748(AX)
	MOVB      $16, 5749(AX)
	LDTILECFG_5696_AX

amx4kGroup:
	CMPQ accumulate+56(FP), $0
	JNE  amx4kLoad
	AMX_ZERO
	JMP  amx4kStart

amx4kLoad:
	MOVQ DX, R12
	AMX_ALL(AMX_LOAD1)

amx4kStart:
	MOVQ BX, R14
	MOVQ DI, R12
	MOVQ nb+8(FP), R11

amx4kBlock:
	// Each chunk's tile work comes before the float work of the chunk
	// before it (C buffers 0 and 1 alternate), so that the two overlap;
	// the float work per column keeps r16GemmQ4KVNNI's order.
	AMX4K_DECODE
	AMX4K_TILES(0, TILELOADD_A4K_0, TILELOADD_A4K_1, TILESTORED_C, TILESTORED_C4K_HI0)
	AMX4K_MINS16
	AMX4K_TILES(1, TILELOADD_A4K_2, TILELOADD_A4K_3, TILESTORED_C4K_LO1, TILESTORED_C4K_HI1)
	AMX4K_FLOAT(0, 0)
	AMX4K_TILES(2, TILELOADD_A4K_4, TILELOADD_A4K_5, TILESTORED_C, TILESTORED_C4K_HI0)
	AMX4K_FLOAT(1, 2048)
	AMX4K_TILES(3, TILELOADD_A4K_6, TILELOADD_A4K_7, TILESTORED_C4K_LO1, TILESTORED_C4K_HI1)
	AMX4K_FLOAT(2, 0)
	AMX4K_FLOAT(3, 2048)
	ADDQ $292, R14
	ADDQ $(36*64), R12
	DECQ R11
	JNZ  amx4kBlock

	AMX_GROUP_END(amx4kGroup)

// ---- AMX-INT8 strip kernel for q6_K weights against q8_K activations ----
//
// r16GemmQ6KAMX computes one strip (16 rows, nb super-blocks, layout in
// repack_kquant_amd64.s: 52 words per block, ql 0…31, qh 32…47, the int8
// scales 48…51, then the blocks' fp16 d after nb·52 words) against
// groups×16 activation columns (q8_K).
//
// Algorithm, per super-block: d·sc_g for the 16 sub-blocks g is computed
// as in r16GemmQ6KVNNI (fp16 d to float, times the sign-extended scale)
// and kept on the stack, with each column's −32·bsums (int32) and d_y.
// The 6-bit values u = ql nibble | qh bits << 4 of all 16 rows are
// unpacked as unsigned bytes exactly as the VNNI kernel does (its four
// passes) and written to a 4 KiB stack buffer, 256 bytes per sub-block:
// the four words of sub-block g are an AMX B tile for K = 16 (tile row k,
// lane r: row r's u of weights 4k…4k+3 of the sub-block). The A tile of
// sub-block g is the 16 columns' 16 activations at y + 4 + 16g (16 rows
// of 16 bytes, yStride apart). TDPBSUD (signed activations × unsigned
// u) leaves in C row m, lane r the exact int32 Σ u·y of column m, row r
// over the sub-block. Per column and pass (four sub-blocks, the VNNI
// kernel's grouping) the float work is then the VNNI kernel's: C row plus
// the column's −32·bsums_g (exact integers, so the same int32 as the VNNI
// chain that starts from −32·bsums_g), float, times d·sc_g, the next
// three fused-added in its order, and the pass sum times d_y added to
// the column's accumulator; both kernels give the same bits. The tile
// work of each pass is issued before the float work of the pass before
// it (two sets of four C buffers alternate) so that the two overlap.
// Cost: 1.60 cpu-ns per 256 weights per column at 16…64 columns against
// the VNNI kernel's 1.47…1.63 (BenchmarkR16, Sapphire Rapids class Xeon):
// the tile work alone takes 1.04 (16 TDPBSUD of K = 16, 32 tile loads and
// 16 KiB of C stores per super-block), the float work alone 0.89, and
// they overlap little; so r16Gemm does not run it (r16AMXTypes).
//
// Tiles (palette 1, configured by each call, released before returning):
//	TMM0, TMM3 A: 16 rows × 16 bytes
//	TMM1, TMM4 B: 4 rows × 64 bytes
//	TMM2, TMM5 C: 16 rows × 64 bytes, column m in row m
//
// Registers:
//	DI strip words, BX the group's first column, R8 yStride, CX groups
//	left, DX the group's dst, R9 4·dstStride, SI 64 (the B and C tiles'
//	stride), AX the 64-byte aligned stack buffer (0, 4096: two sets of
//	four 1 KiB C buffers, 8192: B tiles (256 bytes per sub-block), 12288:
//	d·sc_g (64 bytes per g), 13312: −32·bsums of column m (64 bytes per
//	m), 14336: the columns' d_y, 14400: tile config, 14464: the block's
//	fp16 d pointer), R11 blocks left, R12 the block's words, R13 the
//	column (table), R14 the group's block (A), R10 scratch
//	Z0…Z15 scratch (Z4…Z7 a pass's d·sc_g), Z16…Z31 the 16 columns'
//	accumulators

// AMX_D32 emits the 32-bit displacement d.
#define AMX_D32(d) BYTE $((d)&0xff); BYTE $(((d)>>8)&0xff); BYTE $(((d)>>16)&0xff); BYTE $(((d)>>24)&0xff)
// tileloadd d(%r14,%r8,1), %tmm0 (modrm 0x84) or %tmm3 (0x9c)
#define AMX6K_TLA(modrm, d) BYTE $0xc4; BYTE $0x82; BYTE $0x7b; BYTE $0x4b; BYTE $(modrm); BYTE $0x06; AMX_D32(d)
// tileloadd d(%rax,%rsi,1), %tmm1 (modrm 0x8c) or %tmm4 (0xa4)
#define AMX6K_TLB(modrm, d) BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $(modrm); BYTE $0x30; AMX_D32(d)
// tilestored %tmm2 (modrm 0x94) or %tmm5 (0xac), d(%rax,%rsi,1)
#define AMX6K_TSC(modrm, d) BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $(modrm); BYTE $0x30; AMX_D32(d)
// ldtilecfg 14400(%rax)
#define LDTILECFG_14400_AX BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0x80; AMX_D32(14400)

// AMX6K_SC stores d·sc_(4i+k) (sign-extended byte k of Z2's dwords; d in
// Z3) to the stack.
#define AMX6K_SC(i, k)                \
	VPSLLD    $(24-8*(k)), Z2, Z4 \
	VPSRAD    $24, Z4, Z4         \
	VCVTDQ2PS Z4, Z4              \
	VMULPS    Z3, Z4, Z4          \
	VMOVAPS   Z4, (12288+64*(4*(i)+(k)))(AX)

#define AMX6K_SCW(i)                    \
	VMOVDQU32 (64*(48+(i)))(R12), Z2 \
	AMX6K_SC(i, 0)                  \
	AMX6K_SC(i, 1)                  \
	AMX6K_SC(i, 2)                  \
	AMX6K_SC(i, 3)

// AMX6K_TAB stores column m's −32·bsums and d_y (its block at R13) and
// steps R13 to the next column (Z15 = 0).
#define AMX6K_TAB(m)                          \
	VPMOVSXWD 260(R13), Z0                \
	VPSLLD    $5, Z0, Z0                  \
	VPSUBD    Z0, Z15, Z0                 \
	VMOVDQA64 Z0, (13312+64*(m))(AX)      \
	MOVL      (R13), R10                  \
	MOVL      R10, (14336+4*(m))(AX)      \
	ADDQ      R8, R13

// AMX6K_LOAD unpacks ql word wql with qh word wqh as r16GemmQ6KVNNI's
// Q6K_LOAD does and stores the low nibbles' u at dlo, the high ones' at
// dhi.
#define AMX6K_LOAD(wql, wqh, dlo, dhi, shlo, shhi)      \
	VMOVDQU32       (64*(wql))(R12), Z1             \
	VMOVDQU32       (64*(wqh))(R12), Z0             \
	shlo, Z0, Z2                                    \
	VPANDD.BCST     amxC30<>(SB), Z2, Z2            \
	VPTERNLOGD.BCST $0xf8, amxC0f<>(SB), Z1, Z2     \
	VPSRLD          $4, Z1, Z1                      \
	shhi, Z0, Z3                                    \
	VPANDD.BCST     amxC30<>(SB), Z3, Z3            \
	VPTERNLOGD.BCST $0xec, amxC0f<>(SB), Z3, Z1     \
	VMOVDQA32       Z2, (dlo)(AX)                   \
	VMOVDQA32       Z1, (dhi)(AX)

// AMX6K_UNPACK unpacks half h, ql word set ql (0 or 8) into the B tiles of
// sub-blocks 8h+2qa, +1 (low nibbles) and 8h+2qb, +1 (high ones).
#define AMX6K_UNPACK(h, ql, qa, qb, shlo, shhi) \
	AMX6K_LOAD(16*(h)+(ql)+0, 32+8*(h)+0, 8192+256*(8*(h)+2*(qa))+0, 8192+256*(8*(h)+2*(qb))+0, shlo, shhi)     \
	AMX6K_LOAD(16*(h)+(ql)+1, 32+8*(h)+1, 8192+256*(8*(h)+2*(qa))+64, 8192+256*(8*(h)+2*(qb))+64, shlo, shhi)   \
	AMX6K_LOAD(16*(h)+(ql)+2, 32+8*(h)+2, 8192+256*(8*(h)+2*(qa))+128, 8192+256*(8*(h)+2*(qb))+128, shlo, shhi) \
	AMX6K_LOAD(16*(h)+(ql)+3, 32+8*(h)+3, 8192+256*(8*(h)+2*(qa))+192, 8192+256*(8*(h)+2*(qb))+192, shlo, shhi) \
	AMX6K_LOAD(16*(h)+(ql)+4, 32+8*(h)+4, 8192+256*(8*(h)+2*(qa))+256, 8192+256*(8*(h)+2*(qb))+256, shlo, shhi) \
	AMX6K_LOAD(16*(h)+(ql)+5, 32+8*(h)+5, 8192+256*(8*(h)+2*(qa))+320, 8192+256*(8*(h)+2*(qb))+320, shlo, shhi) \
	AMX6K_LOAD(16*(h)+(ql)+6, 32+8*(h)+6, 8192+256*(8*(h)+2*(qa))+384, 8192+256*(8*(h)+2*(qb))+384, shlo, shhi) \
	AMX6K_LOAD(16*(h)+(ql)+7, 32+8*(h)+7, 8192+256*(8*(h)+2*(qa))+448, 8192+256*(8*(h)+2*(qb))+448, shlo, shhi)

// AMX6K_SUB0 and AMX6K_SUB1 compute sub-block g's sums into the C
// buffer at c, with tiles TMM0…2 and TMM3…5.
#define AMX6K_SUB0(g, c)                  \
	AMX6K_TLA(0x84, 4+16*(g))         \
	AMX6K_TLB(0x8c, 8192+256*(g))     \
	TILEZERO_C                        \
	TDPBSUD_LO                        \
	AMX6K_TSC(0x94, c)

#define AMX6K_SUB1(g, c)                  \
	AMX6K_TLA(0x9c, 4+16*(g))         \
	AMX6K_TLB(0xa4, 8192+256*(g))     \
	TILEZERO_C4K_HI                   \
	TDPBSUD_HI                        \
	AMX6K_TSC(0xac, c)

// AMX6K_TILES computes a pass's four sub-block sums (sub-blocks g0, g0+1,
// g2, g2+1) into the C buffers at cb.
#define AMX6K_TILES(g0, g2, cb)           \
	AMX6K_SUB0(g0, cb)                \
	AMX6K_SUB1((g0)+1, (cb)+1024)     \
	AMX6K_SUB0(g2, (cb)+2048)         \
	AMX6K_SUB1((g2)+1, (cb)+3072)

// AMX6K_COL adds column m's pass (sums at cb, sub-blocks g0, g0+1, g2,
// g2+1, scales in Z4…Z7) to acc, in Q6K_COL's order.
#define AMX6K_COL(cb, m, g0, g2, a, b, c, d, acc)             \
	VMOVDQA32   ((cb)+64*(m))(AX), a                      \
	VPADDD.BCST (13312+64*(m)+4*(g0))(AX), a, a           \
	VMOVDQA32   ((cb)+1024+64*(m))(AX), b                 \
	VPADDD.BCST (13312+64*(m)+4*(g0)+4)(AX), b, b         \
	VMOVDQA32   ((cb)+2048+64*(m))(AX), c                 \
	VPADDD.BCST (13312+64*(m)+4*(g2))(AX), c, c           \
	VMOVDQA32   ((cb)+3072+64*(m))(AX), d                 \
	VPADDD.BCST (13312+64*(m)+4*(g2)+4)(AX), d, d         \
	VCVTDQ2PS   a, a                                      \
	VCVTDQ2PS   b, b                                      \
	VCVTDQ2PS   c, c                                      \
	VCVTDQ2PS   d, d                                      \
	VMULPS      Z4, a, a                                  \
	VFMADD231PS Z5, b, a                                  \
	VFMADD231PS Z6, c, a                                  \
	VFMADD231PS Z7, d, a                                  \
	VFMADD231PS.BCST (14336+4*(m))(AX), a, acc

// AMX6K_FLOAT adds a pass's sums (at cb) to the 16 columns' accumulators.
#define AMX6K_FLOAT(g0, g2, cb)                                  \
	VMOVAPS (12288+64*(g0))(AX), Z4                          \
	VMOVAPS (12288+64*(g0)+64)(AX), Z5                       \
	VMOVAPS (12288+64*(g2))(AX), Z6                          \
	VMOVAPS (12288+64*(g2)+64)(AX), Z7                       \
	AMX6K_COL(cb, 0, g0, g2, Z0, Z1, Z2, Z3, Z16)            \
	AMX6K_COL(cb, 1, g0, g2, Z8, Z9, Z10, Z11, Z17)          \
	AMX6K_COL(cb, 2, g0, g2, Z12, Z13, Z14, Z15, Z18)        \
	AMX6K_COL(cb, 3, g0, g2, Z0, Z1, Z2, Z3, Z19)            \
	AMX6K_COL(cb, 4, g0, g2, Z8, Z9, Z10, Z11, Z20)          \
	AMX6K_COL(cb, 5, g0, g2, Z12, Z13, Z14, Z15, Z21)        \
	AMX6K_COL(cb, 6, g0, g2, Z0, Z1, Z2, Z3, Z22)            \
	AMX6K_COL(cb, 7, g0, g2, Z8, Z9, Z10, Z11, Z23)          \
	AMX6K_COL(cb, 8, g0, g2, Z12, Z13, Z14, Z15, Z24)        \
	AMX6K_COL(cb, 9, g0, g2, Z0, Z1, Z2, Z3, Z25)            \
	AMX6K_COL(cb, 10, g0, g2, Z8, Z9, Z10, Z11, Z26)         \
	AMX6K_COL(cb, 11, g0, g2, Z12, Z13, Z14, Z15, Z27)       \
	AMX6K_COL(cb, 12, g0, g2, Z0, Z1, Z2, Z3, Z28)           \
	AMX6K_COL(cb, 13, g0, g2, Z8, Z9, Z10, Z11, Z29)         \
	AMX6K_COL(cb, 14, g0, g2, Z12, Z13, Z14, Z15, Z30)       \
	AMX6K_COL(cb, 15, g0, g2, Z0, Z1, Z2, Z3, Z31)

// func r16GemmQ6KAMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ6KAMX(SB), 0, $14592-64
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
	MOVQ $64, SI

	// Tile config: palette 1; TMM0, TMM3 16×16 bytes, TMM1, TMM4 4×64,
	// TMM2, TMM5 16×64.
	VPXORD    Z0, Z0, Z0
	VMOVDQU64 Z0, 14400(AX)
	MOVB      $1, 14400(AX)
	MOVW      $16, 14416(AX)
	MOVW      $64, 14418(AX)
	MOVW      $64, 14420(AX)
	MOVW      $16, 14422(AX)
	MOVW      $64, 14424(AX)
	MOVW      $64, 14426(AX)
	MOVB      $16, 14448(AX)
	MOVB      $4, 14449(AX)
	MOVB      $16, 14450(AX)
	MOVB      $16, 14451(AX)
	MOVB      $4, 14452(AX)
	MOVB      $16, 14453(AX)
	LDTILECFG_14400_AX

amx6kGroup:
	CMPQ accumulate+56(FP), $0
	JNE  amx6kLoad
	AMX_ZERO
	JMP  amx6kStart

amx6kLoad:
	MOVQ DX, R12
	AMX_ALL(AMX_LOAD1)

amx6kStart:
	MOVQ   BX, R14
	MOVQ   DI, R12
	MOVQ   nb+8(FP), R11
	IMUL3Q $(52*64), R11, R10
	ADDQ   DI, R10
	MOVQ   R10, 14464(AX)

amx6kBlock:
	// d·sc_g, then the columns' −32·bsums and d_y.
	MOVQ      14464(AX), R10
	VCVTPH2PS (R10), Z3
	ADDQ      $32, R10
	MOVQ      R10, 14464(AX)
	AMX6K_SCW(0)
	AMX6K_SCW(1)
	AMX6K_SCW(2)
	AMX6K_SCW(3)
	VPXORD    Z15, Z15, Z15
	MOVQ      R14, R13
	AMX6K_TAB(0)
	AMX6K_TAB(1)
	AMX6K_TAB(2)
	AMX6K_TAB(3)
	AMX6K_TAB(4)
	AMX6K_TAB(5)
	AMX6K_TAB(6)
	AMX6K_TAB(7)
	AMX6K_TAB(8)
	AMX6K_TAB(9)
	AMX6K_TAB(10)
	AMX6K_TAB(11)
	AMX6K_TAB(12)
	AMX6K_TAB(13)
	AMX6K_TAB(14)
	AMX6K_TAB(15)

	// The B tiles of all 16 sub-blocks (Q6K_PASS's four unpackings).
	AMX6K_UNPACK(0, 0, 0, 2, VPSLLD $4, VPSLLD $0)
	AMX6K_UNPACK(0, 8, 1, 3, VPSLLD $2, VPSRLD $2)
	AMX6K_UNPACK(1, 0, 0, 2, VPSLLD $4, VPSLLD $0)
	AMX6K_UNPACK(1, 8, 1, 3, VPSLLD $2, VPSRLD $2)

	// Passes (h, qa, qb) = (0, 0, 2), (0, 1, 3), (1, 0, 2), (1, 1, 3): sub-
	// blocks g0 = 8h+2qa, g2 = 8h+2qb; each pass's tile work comes before
	// the float work of the pass before it.
	AMX6K_TILES(0, 4, 0)
	AMX6K_TILES(2, 6, 4096)
	AMX6K_FLOAT(0, 4, 0)
	AMX6K_TILES(8, 12, 0)
	AMX6K_FLOAT(2, 6, 4096)
	AMX6K_TILES(10, 14, 4096)
	AMX6K_FLOAT(8, 12, 0)
	AMX6K_FLOAT(10, 14, 4096)

	ADDQ $292, R14
	ADDQ $(52*64), R12
	DECQ R11
	JNZ  amx6kBlock

	AMX_GROUP_END(amx6kGroup)

// ---- AMX-INT8 strip kernel for q5_K weights against q8_K activations ----
//
// r16GemmQ5KAMX computes one strip (16 rows, nb super-blocks, layout in
// repack_kquant_amd64.s: 44 words per block, scales as q4_K's in words
// 0…3, qh in words 4…11, chunk j's nibbles in words 12+8j…) against
// groups×16 activation columns (q8_K).
//
// As r16GemmQ4KAMX, with the 5-bit weights r16GemmQ5KVNNI unpacks: chunk
// j's low nibbles with bit 2j of qh, its high nibbles shifted down with
// bit 2j+1, both moved to bit 4 (a dword shift and a mask merged by
// VPTERNLOGD), go to the two B tiles; the odd sub-blocks' weights are
// plain, so their scales are d·sc (not d·sc/16). The float work is the
// VNNI kernel's in its order (mins first, then per chunk the low sums
// times d·sc_2j, the high ones times d·sc_(2j+1) fused-added, times d_y
// into the accumulator), so both give the same bits. Tiles, stack and
// registers as in r16GemmQ4KAMX; the unpacking uses Z0, Z2, Z3, Z6
// (Z1 and Z8…Z15 hold dmin and the mins pairs until the mins are done).
// Cost: 1.13 cpu-ns per 256 weights per column at 16…64 columns against
// the VNNI kernel's 1.36…1.55 (BenchmarkR16, Sapphire Rapids class Xeon).

DATA amxC10<>+0(SB)/4, $0x10101010
GLOBL amxC10<>(SB), RODATA|NOPTR, $4

// AMX5K_B writes group g of chunk j (word 12+8j+g with qh word 4+g),
// unpacked as Q5K_LOAD does, to row g of the B tiles (low, high).
#define AMX5K_B(j, g, shlo, shhi)                       \
	VMOVDQU32       (64*(12+8*(j)+(g)))(R12), Z2    \
	VMOVDQU32       (64*(4+(g)))(R12), Z0           \
	shlo, Z0, Z3                                    \
	VPANDD.BCST     amxC10<>(SB), Z3, Z3            \
	VPTERNLOGD.BCST $0xf8, amxC0f<>(SB), Z2, Z3     \
	VPSRLD          $4, Z2, Z2                      \
	shhi, Z0, Z6                                    \
	VPANDD.BCST     amxC10<>(SB), Z6, Z6            \
	VPTERNLOGD.BCST $0xec, amxC0f<>(SB), Z6, Z2     \
	VMOVDQA32       Z3, (4096+64*(g))(AX)           \
	VMOVDQA32       Z2, (4608+64*(g))(AX)

// AMX5K_TILES is AMX4K_TILES for q5_K (chunk j's qh bits moved by shlo,
// shhi).
#define AMX5K_TILES(j, shlo, shhi, tlalo, tlahi, tsclo, tschi) \
	AMX5K_B(j, 0, shlo, shhi)           \
	AMX5K_B(j, 1, shlo, shhi)           \
	AMX5K_B(j, 2, shlo, shhi)           \
	AMX5K_B(j, 3, shlo, shhi)           \
	AMX5K_B(j, 4, shlo, shhi)           \
	AMX5K_B(j, 5, shlo, shhi)           \
	AMX5K_B(j, 6, shlo, shhi)           \
	AMX5K_B(j, 7, shlo, shhi)           \
	tlalo                               \
	tlahi                               \
	TILELOADD_B4K_LO                    \
	TILELOADD_B4K_HI                    \
	TILEZERO_C                          \
	TILEZERO_C4K_HI                     \
	TDPBSUD_LO                          \
	TDPBSUD_HI                          \
	tsclo                               \
	tschi

// func r16GemmQ5KAMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ5KAMX(SB), 0, $5824-64
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
	MOVQ $64, SI

	// Tile config as r16GemmQ4KAMX's.
	VPXORD    Z0, Z0, Z0
	VMOVDQU64 Z0, 5696(AX)
	MOVB      $1, 5696(AX)
	MOVW      $32, 5712(AX)
	MOVW      $64, 5714(AX)
	MOVW      $64, 5716(AX)
	MOVW      $32, 5718(AX)
	MOVW      $64, 5720(AX)
	MOVW      $64, 5722(AX)
	MOVB      $16, 5744(AX)
	MOVB      $8, 5745(AX)
	MOVB      $16, 5746(AX)
	MOVB      $16, 5747(AX)
	MOVB      $8, 5748(AX)
	MOVB      $16, 5749(AX)
	LDTILECFG_5696_AX

amx5kGroup:
	CMPQ accumulate+56(FP), $0
	JNE  amx5kLoad
	AMX_ZERO
	JMP  amx5kStart

amx5kLoad:
	MOVQ DX, R12
	AMX_ALL(AMX_LOAD1)

amx5kStart:
	MOVQ BX, R14
	MOVQ DI, R12
	MOVQ nb+8(FP), R11

amx5kBlock:
	AMXK_DECODE(Z0)
	AMX5K_TILES(0, VPSLLD $4, VPSLLD $3, TILELOADD_A4K_0, TILELOADD_A4K_1, TILESTORED_C, TILESTORED_C4K_HI0)
	AMX4K_MINS16
	AMX5K_TILES(1, VPSLLD $2, VPSLLD $1, TILELOADD_A4K_2, TILELOADD_A4K_3, TILESTORED_C4K_LO1, TILESTORED_C4K_HI1)
	AMX4K_FLOAT(0, 0)
	AMX5K_TILES(2, VPSLLD $0, VPSRLD $1, TILELOADD_A4K_4, TILELOADD_A4K_5, TILESTORED_C, TILESTORED_C4K_HI0)
	AMX4K_FLOAT(1, 2048)
	AMX5K_TILES(3, VPSRLD $2, VPSRLD $3, TILELOADD_A4K_6, TILELOADD_A4K_7, TILESTORED_C4K_LO1, TILESTORED_C4K_HI1)
	AMX4K_FLOAT(2, 0)
	AMX4K_FLOAT(3, 2048)
	ADDQ $292, R14
	ADDQ $(44*64), R12
	DECQ R11
	JNZ  amx5kBlock

	AMX_GROUP_END(amx5kGroup)
