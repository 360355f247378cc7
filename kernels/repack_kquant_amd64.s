//go:build !noasm

#include "textflag.h"

// PFD is how many blocks ahead the kernels prefetch a strip's words. One
// block (2.3–3.3 KB) beat two by 3–7% on one-column products streaming
// from memory here (BenchmarkMatMulRepacked shapes, 1 and 2 threads), with
// prompt processing unchanged; zero (the hardware prefetcher alone) lost.
#define PFD 1

// Strip kernels for k-quant weights (q4_K, q5_K, q6_K) against q8_K
// activations, on a strip of 16 rows in the r16 layout (repack.go): word w
// of a block is one 512-bit vector holding that word of the 16 rows, one
// row per 32-bit lane.
//
// Per block, the kernels first decode the sixteen rows' scales into
// vectors (one float32 per row and sub-block, kept on the stack), then,
// for each part of the block, unpack the weights of all sixteen rows into
// registers as unsigned bytes and walk all activation columns: for each
// column, VPDPBUSD with the column's four activation bytes broadcast from
// memory adds 4 weights × 4 activations to each row's lane, so that a
// sub-block's integer sums for 16 rows come out in one register, are
// converted to float once and scaled by the sub-block's row-scale vector.
// The column's 16 results live in dst (one 64-byte vector per column) and
// take each part's contribution times the column's scale d_y.
//
// The block's weights are decoded once per block for all columns, the
// scales once per block for all columns, and nothing is summed across
// lanes, so the work per row, column and block is the VPDPBUSDs themselves
// and about a quarter as much besides.
//
// Arguments (all kernels): w = the strip (nb blocks), y = column 0 (q8_K
// blocks), yStride = bytes between columns, cols ≥ 1, dst = output of
// column 0 (16 float32), dstStride = floats between columns, accumulate =
// 0 to overwrite dst, else add to it.

// Byte masks and constants, broadcast from memory.
DATA r16C3f<>+0(SB)/4, $0x3f3f3f3f
GLOBL r16C3f<>(SB), RODATA|NOPTR, $4
DATA r16C30<>+0(SB)/4, $0x30303030
GLOBL r16C30<>(SB), RODATA|NOPTR, $4
DATA r16C0f<>+0(SB)/4, $0x0f0f0f0f
GLOBL r16C0f<>(SB), RODATA|NOPTR, $4
DATA r16Cf0<>+0(SB)/4, $0xf0f0f0f0
GLOBL r16Cf0<>(SB), RODATA|NOPTR, $4
DATA r16CSixteenth<>+0(SB)/4, $0x3d800000
GLOBL r16CSixteenth<>(SB), RODATA|NOPTR, $4

// r16ByteSel+64j (VPSHUFB): byte j of each dword, zero-extended.
DATA r16ByteSel<>+0x00(SB)/8, $0x8080800480808000
DATA r16ByteSel<>+0x08(SB)/8, $0x8080800c80808008
DATA r16ByteSel<>+0x10(SB)/8, $0x8080800480808000
DATA r16ByteSel<>+0x18(SB)/8, $0x8080800c80808008
DATA r16ByteSel<>+0x20(SB)/8, $0x8080800480808000
DATA r16ByteSel<>+0x28(SB)/8, $0x8080800c80808008
DATA r16ByteSel<>+0x30(SB)/8, $0x8080800480808000
DATA r16ByteSel<>+0x38(SB)/8, $0x8080800c80808008
DATA r16ByteSel<>+0x40(SB)/8, $0x8080800580808001
DATA r16ByteSel<>+0x48(SB)/8, $0x8080800d80808009
DATA r16ByteSel<>+0x50(SB)/8, $0x8080800580808001
DATA r16ByteSel<>+0x58(SB)/8, $0x8080800d80808009
DATA r16ByteSel<>+0x60(SB)/8, $0x8080800580808001
DATA r16ByteSel<>+0x68(SB)/8, $0x8080800d80808009
DATA r16ByteSel<>+0x70(SB)/8, $0x8080800580808001
DATA r16ByteSel<>+0x78(SB)/8, $0x8080800d80808009
DATA r16ByteSel<>+0x80(SB)/8, $0x8080800680808002
DATA r16ByteSel<>+0x88(SB)/8, $0x8080800e8080800a
DATA r16ByteSel<>+0x90(SB)/8, $0x8080800680808002
DATA r16ByteSel<>+0x98(SB)/8, $0x8080800e8080800a
DATA r16ByteSel<>+0xa0(SB)/8, $0x8080800680808002
DATA r16ByteSel<>+0xa8(SB)/8, $0x8080800e8080800a
DATA r16ByteSel<>+0xb0(SB)/8, $0x8080800680808002
DATA r16ByteSel<>+0xb8(SB)/8, $0x8080800e8080800a
DATA r16ByteSel<>+0xc0(SB)/8, $0x8080800780808003
DATA r16ByteSel<>+0xc8(SB)/8, $0x8080800f8080800b
DATA r16ByteSel<>+0xd0(SB)/8, $0x8080800780808003
DATA r16ByteSel<>+0xd8(SB)/8, $0x8080800f8080800b
DATA r16ByteSel<>+0xe0(SB)/8, $0x8080800780808003
DATA r16ByteSel<>+0xe8(SB)/8, $0x8080800f8080800b
DATA r16ByteSel<>+0xf0(SB)/8, $0x8080800780808003
DATA r16ByteSel<>+0xf8(SB)/8, $0x8080800f8080800b
GLOBL r16ByteSel<>(SB), RODATA|NOPTR, $256
// r16PairSel+64j (VPSHUFB): byte j of each dword into both of its words.
DATA r16PairSel<>+0x00(SB)/8, $0x8004800480008000
DATA r16PairSel<>+0x08(SB)/8, $0x800c800c80088008
DATA r16PairSel<>+0x10(SB)/8, $0x8004800480008000
DATA r16PairSel<>+0x18(SB)/8, $0x800c800c80088008
DATA r16PairSel<>+0x20(SB)/8, $0x8004800480008000
DATA r16PairSel<>+0x28(SB)/8, $0x800c800c80088008
DATA r16PairSel<>+0x30(SB)/8, $0x8004800480008000
DATA r16PairSel<>+0x38(SB)/8, $0x800c800c80088008
DATA r16PairSel<>+0x40(SB)/8, $0x8005800580018001
DATA r16PairSel<>+0x48(SB)/8, $0x800d800d80098009
DATA r16PairSel<>+0x50(SB)/8, $0x8005800580018001
DATA r16PairSel<>+0x58(SB)/8, $0x800d800d80098009
DATA r16PairSel<>+0x60(SB)/8, $0x8005800580018001
DATA r16PairSel<>+0x68(SB)/8, $0x800d800d80098009
DATA r16PairSel<>+0x70(SB)/8, $0x8005800580018001
DATA r16PairSel<>+0x78(SB)/8, $0x800d800d80098009
DATA r16PairSel<>+0x80(SB)/8, $0x8006800680028002
DATA r16PairSel<>+0x88(SB)/8, $0x800e800e800a800a
DATA r16PairSel<>+0x90(SB)/8, $0x8006800680028002
DATA r16PairSel<>+0x98(SB)/8, $0x800e800e800a800a
DATA r16PairSel<>+0xa0(SB)/8, $0x8006800680028002
DATA r16PairSel<>+0xa8(SB)/8, $0x800e800e800a800a
DATA r16PairSel<>+0xb0(SB)/8, $0x8006800680028002
DATA r16PairSel<>+0xb8(SB)/8, $0x800e800e800a800a
DATA r16PairSel<>+0xc0(SB)/8, $0x8007800780038003
DATA r16PairSel<>+0xc8(SB)/8, $0x800f800f800b800b
DATA r16PairSel<>+0xd0(SB)/8, $0x8007800780038003
DATA r16PairSel<>+0xd8(SB)/8, $0x800f800f800b800b
DATA r16PairSel<>+0xe0(SB)/8, $0x8007800780038003
DATA r16PairSel<>+0xe8(SB)/8, $0x800f800f800b800b
DATA r16PairSel<>+0xf0(SB)/8, $0x8007800780038003
DATA r16PairSel<>+0xf8(SB)/8, $0x800f800f800b800b
GLOBL r16PairSel<>(SB), RODATA|NOPTR, $256

// R16_ZERO_DST zeroes the 16 outputs of every column unless accumulate is
// set. Uses Z0, R13, R14.
#define R16_ZERO_DST(done, loop)   \
	CMPQ accumulate+56(FP), $0 \
	JNE  done                  \
	VPXORD Z0, Z0, Z0          \
	MOVQ DX, R13               \
	MOVQ R11, R14              \
loop:                              \
	VMOVUPS Z0, (R13)          \
	ADDQ R10, R13              \
	DECQ R14                   \
	JNZ  loop                  \
done:

// ---- q4_K ----
//
// r16 layout of a q4_K block (the whole block is words): word 0 holds d
// and dmin, words 1…3 the twelve bytes of 6-bit scales and mins, word
// 4 + 8j + g bytes 4g…4g+3 of the 32 nibble bytes of chunk j (low
// nibbles: sub-block 2j, elements 64j + 4g…; high nibbles: sub-block
// 2j+1, elements 64j + 32 + 4g…).
//
// Per block:
//   - d, dmin: the low and high halves of word 0 (VPMOVDW, VCVTPH2PS);
//     scales: sc0…3 = s[0…3] & 63, mn0…3 = s[4…7] & 63,
//     sc4…7 = s[8…11] & 15 | (s[0…3] >> 6) << 4,
//     mn4…7 = s[8…11] >> 4 | (s[4…7] >> 6) << 4, sixteen rows at a time;
//     VPSHUFB spreads byte j of each row to the row's lane. The float
//     vectors d·sc_j (d·sc_j/16 for odd j, see below) go to the stack; the
//     mins become word pairs (mn_j, mn_j) for VPDPWSSD.
//   - mins, per column: Σ_j mn_j·(bsums[2j] + bsums[2j+1]) with eight
//     VPDPWSSD (bsum pairs broadcast), times dmin and d_y, subtracted.
//   - chunk j, per column: low nibbles (nib & 0x0f) and high nibbles kept
//     in place (nib & 0xf0 = 16·nib, which still fits a byte, so no shift)
//     meet their activations in two VPDPBUSD chains (the two columns of a
//     loop iteration run side by side); the sums go to float, times
//     d·sc_2j and d·sc_(2j+1)/16, times d_y into dst.
//
// Registers:
//	SI the block, DI column 0's q8_K block
//	R9 yStride, DX dst, R10 4·dstStride, R11 cols, CX blocks left
//	R12 column's block, R13 column's dst, R14 columns left, BX stack
//	area: 0…511 d·sc_j (64 bytes per j), AX scratch
//	decode: Z0 d, Z1 dmin, Z2…Z11 scratch, Z12…Z19 mins word pairs
//	chunks: Z16…Z23 low nibbles of words g = 0…7, Z24…Z31 high nibbles,
//	Z0…Z4 per-column scratch

// KQ_SC stores d·sc_j (byte j%4 of src; scale d or d/16) at 64j(BX).
#define KQ_SC(j, src, d)                                  \
	VPSHUFB   r16ByteSel<>+(64*((j)%4))(SB), src, Z11 \
	VCVTDQ2PS Z11, Z11                                \
	VMULPS    d, Z11, Z11                             \
	VMOVAPS   Z11, (64*(j))(BX)

// KQ_MN sets dst to the word pairs (mn_j, mn_j).
#define KQ_MN(j, src, dst) \
	VPSHUFB r16PairSel<>+(64*((j)%4))(SB), src, dst

// KQ_DECODE decodes the scales of the block at SI of q4_K and q5_K (word
// 0: d, dmin; words 1…3: the twelve 6-bit scale bytes): d·sc_j to 64j(BX)
// (odd j: times the factor in oddd: d, or d/16 in Z10), dmin to Z1, the
// mins word pairs (mn_j, mn_j) to Z12…Z19. bsz is the bytes of a block's
// words: the scales of the block PFD ahead are prefetched.
#define KQ_DECODE(oddd, bsz)                        \
	PREFETCHT0 (PFD*(bsz))(SI)                    \
	PREFETCHT0 (PFD*(bsz)+64)(SI)                 \
	PREFETCHT0 (PFD*(bsz)+128)(SI)                \
	PREFETCHT0 (PFD*(bsz)+192)(SI)                \
	VMOVDQU32 0(SI), Z2                         \
	VPMOVDW   Z2, Y0                            \
	VCVTPH2PS Y0, Z0                            \
	VPSRLD    $16, Z2, Z1                       \
	VPMOVDW   Z1, Y1                            \
	VCVTPH2PS Y1, Z1                            \
	VMOVDQU32 64(SI), Z2                        \
	VMOVDQU32 128(SI), Z3                       \
	VMOVDQU32 192(SI), Z4                       \
	VPANDD.BCST r16C3f<>(SB), Z2, Z5            \
	VPANDD.BCST r16C3f<>(SB), Z3, Z6            \
	VPSRLD $2, Z2, Z7                           \
	VPANDD.BCST r16C30<>(SB), Z7, Z7            \
	VPTERNLOGD.BCST $0xf8, r16C0f<>(SB), Z4, Z7 \
	VPSRLD $2, Z3, Z8                           \
	VPANDD.BCST r16C30<>(SB), Z8, Z8            \
	VPSRLD $4, Z4, Z9                           \
	VPTERNLOGD.BCST $0xf8, r16C0f<>(SB), Z9, Z8 \
	VMULPS.BCST r16CSixteenth<>(SB), Z0, Z10    \
	KQ_SC(0, Z5, Z0)                            \
	KQ_SC(1, Z5, oddd)                          \
	KQ_SC(2, Z5, Z0)                            \
	KQ_SC(3, Z5, oddd)                          \
	KQ_SC(4, Z7, Z0)                            \
	KQ_SC(5, Z7, oddd)                          \
	KQ_SC(6, Z7, Z0)                            \
	KQ_SC(7, Z7, oddd)                          \
	KQ_MN(0, Z6, Z12)                           \
	KQ_MN(1, Z6, Z13)                           \
	KQ_MN(2, Z6, Z14)                           \
	KQ_MN(3, Z6, Z15)                           \
	KQ_MN(4, Z8, Z16)                           \
	KQ_MN(5, Z8, Z17)                           \
	KQ_MN(6, Z8, Z18)                           \
	KQ_MN(7, Z8, Z19)

// KQ_MINS subtracts dmin·d_y·Σ_j mn_j·(bsums[2j] + bsums[2j+1]) from the
// outputs of every column.
#define KQ_MINS(loop)                     \
	MOVQ DI, R12                      \
	MOVQ DX, R13                      \
	MOVQ R11, R14                     \
loop:                                     \
	VPXORD Z20, Z20, Z20              \
	VPXORD Z21, Z21, Z21              \
	VPDPWSSD.BCST 260(R12), Z12, Z20  \
	VPDPWSSD.BCST 264(R12), Z13, Z21  \
	VPDPWSSD.BCST 268(R12), Z14, Z20  \
	VPDPWSSD.BCST 272(R12), Z15, Z21  \
	VPDPWSSD.BCST 276(R12), Z16, Z20  \
	VPDPWSSD.BCST 280(R12), Z17, Z21  \
	VPDPWSSD.BCST 284(R12), Z18, Z20  \
	VPDPWSSD.BCST 288(R12), Z19, Z21  \
	VPADDD Z21, Z20, Z20              \
	VCVTDQ2PS Z20, Z20                \
	VMULPS Z1, Z20, Z20               \
	VMOVUPS (R13), Z21                \
	VFNMADD231PS.BCST (R12), Z20, Z21 \
	VMOVUPS Z21, (R13)                \
	ADDQ R9, R12                      \
	ADDQ R10, R13                     \
	DECQ R14                          \
	JNZ  loop

// Q4K_LOAD unpacks word 3+8j+g into Z(16+g) (low) and Z(24+g) (high).
#define Q4K_LOAD(j, g, lo, hi)                         \
	PREFETCHT0      (64*(4+8*(j)+(g))+PFD*36*64)(SI) \
	VMOVDQU32       (64*(4+8*(j)+(g)))(SI), hi     \
	VPANDD.BCST     r16C0f<>(SB), hi, lo           \
	VPANDD.BCST     r16Cf0<>(SB), hi, hi

// KQ_COL adds chunk j of the column at (yp) to its outputs at dp, with
// the sums of the low nibbles in a and of the high ones in b (one chain
// each; the two columns of a loop iteration run side by side) and
// scratch t.
#define KQ_COL(j, yp, dp, a, b, t)              \
	VPXORD a, a, a                          \
	VPXORD b, b, b                          \
	VPDPBUSD.BCST (4+64*(j)+0)(yp), Z16, a  \
	VPDPBUSD.BCST (4+64*(j)+32)(yp), Z24, b \
	VPDPBUSD.BCST (4+64*(j)+4)(yp), Z17, a  \
	VPDPBUSD.BCST (4+64*(j)+36)(yp), Z25, b \
	VPDPBUSD.BCST (4+64*(j)+8)(yp), Z18, a  \
	VPDPBUSD.BCST (4+64*(j)+40)(yp), Z26, b \
	VPDPBUSD.BCST (4+64*(j)+12)(yp), Z19, a \
	VPDPBUSD.BCST (4+64*(j)+44)(yp), Z27, b \
	VPDPBUSD.BCST (4+64*(j)+16)(yp), Z20, a \
	VPDPBUSD.BCST (4+64*(j)+48)(yp), Z28, b \
	VPDPBUSD.BCST (4+64*(j)+20)(yp), Z21, a \
	VPDPBUSD.BCST (4+64*(j)+52)(yp), Z29, b \
	VPDPBUSD.BCST (4+64*(j)+24)(yp), Z22, a \
	VPDPBUSD.BCST (4+64*(j)+56)(yp), Z30, b \
	VPDPBUSD.BCST (4+64*(j)+28)(yp), Z23, a \
	VPDPBUSD.BCST (4+64*(j)+60)(yp), Z31, b \
	VCVTDQ2PS     a, a                      \
	VCVTDQ2PS     b, b                      \
	VMULPS        (128*(j))(BX), a, a       \
	VFMADD231PS   (128*(j)+64)(BX), b, a    \
	VMOVUPS       dp, t                     \
	VFMADD231PS.BCST (yp), a, t             \
	VMOVUPS       t, dp

// KQ_COLS runs chunk j (weights in Z16…Z31) over all columns, two at a
// time.
#define KQ_COLS(j, loop, one, done)             \
	MOVQ DI, R12                            \
	MOVQ DX, R13                            \
	MOVQ R11, R14                           \
	SUBQ $2, R14                            \
	JB   one                                \
loop:                                           \
	LEAQ (R12)(R9*1), AX                    \
	KQ_COL(j, R12, (R13), Z0, Z2, Z4)       \
	KQ_COL(j, AX, (R13)(R10*1), Z5, Z7, Z9) \
	LEAQ (R12)(R9*2), R12                   \
	LEAQ (R13)(R10*2), R13                  \
	SUBQ $2, R14                            \
	JAE  loop                               \
one:                                            \
	CMPQ R14, $-1                           \
	JNE  done                               \
	KQ_COL(j, R12, (R13), Z0, Z2, Z4)       \
done:

// Q4K_CHUNK runs chunk j of q4_K over all columns.
#define Q4K_CHUNK(j, loop, one, done) \
	Q4K_LOAD(j, 0, Z16, Z24)      \
	Q4K_LOAD(j, 1, Z17, Z25)      \
	Q4K_LOAD(j, 2, Z18, Z26)      \
	Q4K_LOAD(j, 3, Z19, Z27)      \
	Q4K_LOAD(j, 4, Z20, Z28)      \
	Q4K_LOAD(j, 5, Z21, Z29)      \
	Q4K_LOAD(j, 6, Z22, Z30)      \
	Q4K_LOAD(j, 7, Z23, Z31)      \
	KQ_COLS(j, loop, one, done)

// func r16GemmQ4KVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4KVNNI(SB), NOSPLIT, $576-64
	MOVQ w+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ y+16(FP), DI
	MOVQ yStride+24(FP), R9
	MOVQ cols+32(FP), R11
	MOVQ dst+40(FP), DX
	MOVQ dstStride+48(FP), R10
	SHLQ $2, R10
	LEAQ 63(SP), BX
	ANDQ $~63, BX
	R16_ZERO_DST(q4kZeroed, q4kZero)

q4kBlock:
	KQ_DECODE(Z10, 36*64)
	KQ_MINS(q4kMins)

	Q4K_CHUNK(0, q4kChunk0, q4kChunkOne0, q4kChunkDone0)
	Q4K_CHUNK(1, q4kChunk1, q4kChunkOne1, q4kChunkDone1)
	Q4K_CHUNK(2, q4kChunk2, q4kChunkOne2, q4kChunkDone2)
	Q4K_CHUNK(3, q4kChunk3, q4kChunkOne3, q4kChunkDone3)

	ADDQ $(36*64), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kBlock
	VZEROUPPER
	RET

// ---- q5_K ----
//
// r16 layout of a q5_K block (all words): words 0…3 d, dmin, scales and
// mins as in q4_K, words 4…11 the 32 bytes qh (word 4+g: bytes 4g…4g+3,
// bit k of byte l is the fifth bit of element 32k + l), word 12 + 8j + g
// the nibble bytes 4g…4g+3 of chunk j.
//
// As q4_K, with five-bit weights: chunk j's low nibbles get bit 2j of qh
// and its high nibbles (shifted down) bit 2j+1, moved to bit 4 by a dword
// shift and merged under a mask (VPTERNLOGD). The odd sub-blocks' weights
// are plain (not 16·nib), so their scales are d·sc.

DATA r16C10<>+0(SB)/4, $0x10101010
GLOBL r16C10<>(SB), RODATA|NOPTR, $4

// Q5K_LOAD unpacks the weights of group g of chunk j into lo (low nibbles
// | bit 2j of qh, moved by shlo) and hi (high nibbles | bit 2j+1, moved by
// shhi).
#define Q5K_LOAD(j, g, lo, hi, shlo, shhi)              \
	PREFETCHT0      (64*(12+8*(j)+(g))+PFD*44*64)(SI) \
	VMOVDQU32       (64*(12+8*(j)+(g)))(SI), hi     \
	VMOVDQU32       (64*(4+(g)))(SI), Z0            \
	shlo, Z0, lo                                    \
	VPANDD.BCST     r16C10<>(SB), lo, lo            \
	VPTERNLOGD.BCST $0xf8, r16C0f<>(SB), hi, lo     \
	VPSRLD          $4, hi, hi                      \
	shhi, Z0, Z1                                    \
	VPANDD.BCST     r16C10<>(SB), Z1, Z1            \
	VPTERNLOGD.BCST $0xec, r16C0f<>(SB), Z1, hi

// Q5K_CHUNK runs chunk j of q5_K over all columns.
#define Q5K_CHUNK(j, shlo, shhi, loop, one, done) \
	Q5K_LOAD(j, 0, Z16, Z24, shlo, shhi)      \
	Q5K_LOAD(j, 1, Z17, Z25, shlo, shhi)      \
	Q5K_LOAD(j, 2, Z18, Z26, shlo, shhi)      \
	Q5K_LOAD(j, 3, Z19, Z27, shlo, shhi)      \
	Q5K_LOAD(j, 4, Z20, Z28, shlo, shhi)      \
	Q5K_LOAD(j, 5, Z21, Z29, shlo, shhi)      \
	Q5K_LOAD(j, 6, Z22, Z30, shlo, shhi)      \
	Q5K_LOAD(j, 7, Z23, Z31, shlo, shhi)      \
	KQ_COLS(j, loop, one, done)

// func r16GemmQ5KVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
//
// Registers as in r16GemmQ4KVNNI; Z0, Z1 are the unpacking scratch.
TEXT ·r16GemmQ5KVNNI(SB), NOSPLIT, $576-64
	MOVQ w+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ y+16(FP), DI
	MOVQ yStride+24(FP), R9
	MOVQ cols+32(FP), R11
	MOVQ dst+40(FP), DX
	MOVQ dstStride+48(FP), R10
	SHLQ $2, R10
	LEAQ 63(SP), BX
	ANDQ $~63, BX
	R16_ZERO_DST(q5kZeroed, q5kZero)

q5kBlock:
	KQ_DECODE(Z0, 44*64)
	PREFETCHT0 (PFD*44*64+4*64)(SI)
	PREFETCHT0 (PFD*44*64+5*64)(SI)
	PREFETCHT0 (PFD*44*64+6*64)(SI)
	PREFETCHT0 (PFD*44*64+7*64)(SI)
	PREFETCHT0 (PFD*44*64+8*64)(SI)
	PREFETCHT0 (PFD*44*64+9*64)(SI)
	PREFETCHT0 (PFD*44*64+10*64)(SI)
	PREFETCHT0 (PFD*44*64+11*64)(SI)
	KQ_MINS(q5kMins)

	Q5K_CHUNK(0, VPSLLD $4, VPSLLD $3, q5kChunk0, q5kChunkOne0, q5kChunkDone0)
	Q5K_CHUNK(1, VPSLLD $2, VPSLLD $1, q5kChunk1, q5kChunkOne1, q5kChunkDone1)
	Q5K_CHUNK(2, VPSLLD $0, VPSRLD $1, q5kChunk2, q5kChunkOne2, q5kChunkDone2)
	Q5K_CHUNK(3, VPSRLD $2, VPSRLD $3, q5kChunk3, q5kChunkOne3, q5kChunkDone3)

	ADDQ $(44*64), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q5kBlock
	VZEROUPPER
	RET

// ---- q6_K ----
//
// r16 layout of a q6_K block: words 0…31 the 128 bytes ql, 32…47 the 64
// bytes qh, 48…51 the sixteen int8 scales (word 48+i: scales 4i…4i+3); d
// follows the words. In half h of the block (elements 128h…128h+127),
// group g (g = 0…7) covers l = 4g…4g+3 of ql_A = ql[64h + l], ql_B =
// ql[64h + 32 + l] and qh[32h + l]:
//
//	q=0: u = ql_A & 15 | (qh & 3) << 4            element 128h + l
//	q=1: u = ql_B & 15 | (qh >> 2 & 3) << 4       element 128h + 32 + l
//	q=2: u = ql_A >> 4 | (qh >> 4 & 3) << 4       element 128h + 64 + l
//	q=3: u = ql_B >> 4 | (qh >> 6 & 3) << 4       element 128h + 96 + l
//
// with weight u − 32 and element e in sub-block e/16 (scale sc[e/16]).
//
// Per block: the sixteen scales become float vectors d·sc_g on the stack;
// for each column, −32·bsums[g] (the offset's share of sub-block g) is
// written to a table once; then four passes (h = 0, 1 × words ql_A, ql_B)
// unpack 16 weight vectors (q = 0, 2 or 1, 3) and walk the columns: four
// VPDPBUSD chains, one per sub-block, start from the table's −32·bsums
// (a broadcast load) so that they sum (u − 32)·y exactly, and their float
// values times d·sc_g go into dst times d_y.
//
// Registers as in r16GemmQ4KVNNI except: the block's scales are found
// through 5120(BX) and the blocks left counted in 5128(BX), CX = the
// column's table entry; stack area: 0…1023 d·sc_g (64 bytes per g),
// 1024…5119 the table (64 bytes per column, r16MaxCols = 64 columns at
// most), R8 = the second column's table entry; Z15 = 0.

// Q6K_LOAD unpacks group g of word ql (ql_A or ql_B) with qh word wqh into
// lo (low nibbles, qh bits moved by shlo) and hi (high nibbles, qh bits
// moved by shhi).
#define Q6K_LOAD(wql, wqh, lo, hi, shlo, shhi)      \
	PREFETCHT0      (64*(wql)+PFD*52*64)(SI)      \
	VMOVDQU32       (64*(wql))(SI), hi          \
	VMOVDQU32       (64*(wqh))(SI), Z0          \
	shlo, Z0, lo                                \
	VPANDD.BCST     r16C30<>(SB), lo, lo        \
	VPTERNLOGD.BCST $0xf8, r16C0f<>(SB), hi, lo \
	VPSRLD          $4, hi, hi                  \
	shhi, Z0, Z1                                \
	VPANDD.BCST     r16C30<>(SB), Z1, Z1        \
	VPTERNLOGD.BCST $0xec, r16C0f<>(SB), Z1, hi

// Q6K_SC stores d·sc_(4i+k) at 64(4i+k)(BX) (sign-extended byte k of word
// 48+i in Z2; d in Z3).
#define Q6K_SC(i, k)                  \
	VPSLLD    $(24-8*(k)), Z2, Z4 \
	VPSRAD    $24, Z4, Z4         \
	VCVTDQ2PS Z4, Z4              \
	VMULPS    Z3, Z4, Z4          \
	VMOVAPS   Z4, (64*(4*(i)+(k)))(BX)

#define Q6K_SCW(i)                      \
	VMOVDQU32 (64*(48+(i)))(SI), Z2 \
	Q6K_SC(i, 0)                    \
	Q6K_SC(i, 1)                    \
	Q6K_SC(i, 2)                    \
	Q6K_SC(i, 3)

// Q6K_COL adds half h, quarters qa and qb (weights in Z16…Z23 and
// Z24…Z31) of the column at (yp) to its outputs at dp; its −32·bsums
// table is at (tp).
#define Q6K_COL(h, qa, qb, yp, tp, dp, a0, a1, a2, a3, t) \
	VPBROADCASTD  (4*(8*(h)+2*(qa)))(tp), a0          \
	VPBROADCASTD  (4*(8*(h)+2*(qa)+1))(tp), a1        \
	VPBROADCASTD  (4*(8*(h)+2*(qb)))(tp), a2          \
	VPBROADCASTD  (4*(8*(h)+2*(qb)+1))(tp), a3        \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+0)(yp), Z16, a0  \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+16)(yp), Z20, a1 \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+0)(yp), Z24, a2  \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+16)(yp), Z28, a3 \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+4)(yp), Z17, a0  \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+20)(yp), Z21, a1 \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+4)(yp), Z25, a2  \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+20)(yp), Z29, a3 \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+8)(yp), Z18, a0  \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+24)(yp), Z22, a1 \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+8)(yp), Z26, a2  \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+24)(yp), Z30, a3 \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+12)(yp), Z19, a0 \
	VPDPBUSD.BCST (4+128*(h)+32*(qa)+28)(yp), Z23, a1 \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+12)(yp), Z27, a2 \
	VPDPBUSD.BCST (4+128*(h)+32*(qb)+28)(yp), Z31, a3 \
	VCVTDQ2PS     a0, a0                              \
	VCVTDQ2PS     a1, a1                              \
	VCVTDQ2PS     a2, a2                              \
	VCVTDQ2PS     a3, a3                              \
	VMULPS        (64*(8*(h)+2*(qa)))(BX), a0, a0     \
	VFMADD231PS   (64*(8*(h)+2*(qa)+1))(BX), a1, a0   \
	VFMADD231PS   (64*(8*(h)+2*(qb)))(BX), a2, a0     \
	VFMADD231PS   (64*(8*(h)+2*(qb)+1))(BX), a3, a0   \
	VMOVUPS       dp, t                               \
	VFMADD231PS.BCST (yp), a0, t                      \
	VMOVUPS       t, dp

// Q6K_PASS unpacks half h, word set ql (0: ql_A, 8: ql_B) and runs it over
// all columns, two at a time.
#define Q6K_PASS(h, ql, qa, qb, shlo, shhi, loop, one, done)         \
	Q6K_LOAD(16*(h)+(ql)+0, 32+8*(h)+0, Z16, Z24, shlo, shhi)    \
	Q6K_LOAD(16*(h)+(ql)+1, 32+8*(h)+1, Z17, Z25, shlo, shhi)    \
	Q6K_LOAD(16*(h)+(ql)+2, 32+8*(h)+2, Z18, Z26, shlo, shhi)    \
	Q6K_LOAD(16*(h)+(ql)+3, 32+8*(h)+3, Z19, Z27, shlo, shhi)    \
	Q6K_LOAD(16*(h)+(ql)+4, 32+8*(h)+4, Z20, Z28, shlo, shhi)    \
	Q6K_LOAD(16*(h)+(ql)+5, 32+8*(h)+5, Z21, Z29, shlo, shhi)    \
	Q6K_LOAD(16*(h)+(ql)+6, 32+8*(h)+6, Z22, Z30, shlo, shhi)    \
	Q6K_LOAD(16*(h)+(ql)+7, 32+8*(h)+7, Z23, Z31, shlo, shhi)    \
	MOVQ DI, R12                                                 \
	MOVQ DX, R13                                                 \
	LEAQ 1024(BX), CX                                            \
	MOVQ R11, R14                                                \
	SUBQ $2, R14                                                 \
	JB   one                                                     \
loop:                                                                \
	LEAQ (R12)(R9*1), AX                                         \
	LEAQ 64(CX), R8                                              \
	Q6K_COL(h, qa, qb, R12, CX, (R13), Z0, Z1, Z2, Z3, Z4)       \
	Q6K_COL(h, qa, qb, AX, R8, (R13)(R10*1), Z5, Z6, Z7, Z8, Z9) \
	LEAQ (R12)(R9*2), R12                                        \
	LEAQ (R13)(R10*2), R13                                       \
	ADDQ $128, CX                                                \
	SUBQ $2, R14                                                 \
	JAE  loop                                                    \
one:                                                                 \
	CMPQ R14, $-1                                                \
	JNE  done                                                    \
	Q6K_COL(h, qa, qb, R12, CX, (R13), Z0, Z1, Z2, Z3, Z4)       \
done:

// func r16GemmQ6KVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ6KVNNI(SB), 0, $5248-64
	MOVQ w+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ y+16(FP), DI
	MOVQ yStride+24(FP), R9
	MOVQ cols+32(FP), R11
	MOVQ dst+40(FP), DX
	MOVQ dstStride+48(FP), R10
	SHLQ $2, R10
	LEAQ 63(SP), BX
	ANDQ $~63, BX
	MOVQ CX, 5128(BX)
	// The scales after nb·52 words.
	IMUL3Q $(52*64), CX, AX
	ADDQ SI, AX
	MOVQ AX, 5120(BX)
	VPXORD Z15, Z15, Z15
	R16_ZERO_DST(q6kZeroed, q6kZero)

q6kBlock:
	// Prefetch qh and the scales of the block PFD ahead (ql: Q6K_LOAD).
	PREFETCHT0 (PFD*52*64+32*64)(SI)
	PREFETCHT0 (PFD*52*64+33*64)(SI)
	PREFETCHT0 (PFD*52*64+34*64)(SI)
	PREFETCHT0 (PFD*52*64+35*64)(SI)
	PREFETCHT0 (PFD*52*64+36*64)(SI)
	PREFETCHT0 (PFD*52*64+37*64)(SI)
	PREFETCHT0 (PFD*52*64+38*64)(SI)
	PREFETCHT0 (PFD*52*64+39*64)(SI)
	PREFETCHT0 (PFD*52*64+40*64)(SI)
	PREFETCHT0 (PFD*52*64+41*64)(SI)
	PREFETCHT0 (PFD*52*64+42*64)(SI)
	PREFETCHT0 (PFD*52*64+43*64)(SI)
	PREFETCHT0 (PFD*52*64+44*64)(SI)
	PREFETCHT0 (PFD*52*64+45*64)(SI)
	PREFETCHT0 (PFD*52*64+46*64)(SI)
	PREFETCHT0 (PFD*52*64+47*64)(SI)
	PREFETCHT0 (PFD*52*64+48*64)(SI)
	PREFETCHT0 (PFD*52*64+49*64)(SI)
	PREFETCHT0 (PFD*52*64+50*64)(SI)
	PREFETCHT0 (PFD*52*64+51*64)(SI)

	// d·sc_g.
	MOVQ 5120(BX), AX
	PREFETCHT0 64(AX)
	VCVTPH2PS (AX), Z3
	ADDQ $32, AX
	MOVQ AX, 5120(BX)
	Q6K_SCW(0)
	Q6K_SCW(1)
	Q6K_SCW(2)
	Q6K_SCW(3)

	// −32·bsums of every column.
	MOVQ DI, R12
	LEAQ 1024(BX), CX
	MOVQ R11, R14
q6kTable:
	VPMOVSXWD 260(R12), Z0
	VPSLLD    $5, Z0, Z0
	VPSUBD    Z0, Z15, Z0
	VMOVDQA64 Z0, (CX)
	ADDQ R9, R12
	ADDQ $64, CX
	DECQ R14
	JNZ  q6kTable

	Q6K_PASS(0, 0, 0, 2, VPSLLD $4, VPSLLD $0, q6kPass0, q6kPassOne0, q6kPassDone0)
	Q6K_PASS(0, 8, 1, 3, VPSLLD $2, VPSRLD $2, q6kPass1, q6kPassOne1, q6kPassDone1)
	Q6K_PASS(1, 0, 0, 2, VPSLLD $4, VPSLLD $0, q6kPass2, q6kPassOne2, q6kPassDone2)
	Q6K_PASS(1, 8, 1, 3, VPSLLD $2, VPSRLD $2, q6kPass3, q6kPassOne3, q6kPassDone3)

	ADDQ $(52*64), SI
	ADDQ $292, DI
	DECQ 5128(BX)
	JNZ  q6kBlock
	VZEROUPPER
	RET
