//go:build !noasm

#include "textflag.h"

// AVX2 strip kernels on the r16 layout (repack.go), for CPUs without
// AVX-512 VNNI, the AVX2 packer, and AVX-VNNI variants of the q4_K, q5_K,
// q8_0 and q4_0 kernels for CPUs that have VPDPBUSD on ymm registers
// without AVX-512 (Intel from Alder Lake on). Same contract as the VNNI
// kernels of repack_amd64.s and repack_kquant_amd64.s: for c < cols and
// r < 16, dst[c·dstStride + r] gets (accumulate = 0) or adds row r of the
// strip at w (nb ≥ 1 blocks) · the activation column at y + c·yStride;
// 1 ≤ cols ≤ r16MaxCols (per-column sums and tables live on the stack).
//
// A word of the sixteen rows is 64 bytes: two ymm registers, rows 0…7 in
// the low 32 bytes ("half 0") and rows 8…15 in the high ("half 1"). The
// kernels run one half at a time: each weight register holds four
// consecutive weights of eight rows, one row per 32-bit lane, as unsigned
// bytes u; the column's four activation bytes are broadcast to all lanes
// (VPBROADCASTD from memory, a load without ALU work) and VPMADDUBSW
// gives, per row, two int16 sums of two products each. These are added
// in int16 over as many words as cannot saturate (|u·y| ≤ max u·128 per
// product; VPMADDUBSW saturates each pair at ±32767):
//
//	q4_K, q4_0 (u ≤ 15):  2·15·128 = 3840 per pair, 8 words: 30720
//	q5_K (u ≤ 31):        2·31·128 = 7936 per pair, 4 words: 31744
//	q6_K (u ≤ 63):        2·63·128 = 16128 per pair, 2 words: 32256
//
// and then VPMADDWD adds the pairs to int32, multiplied by the sub-block's
// scale as word pairs (sc, sc) for the k-quants (by ones for q4_0). q8_0
// weights are signed: |q| (VPABSB, once per block) is the unsigned
// operand and the activation takes q's sign (VPSIGNB, per column, the
// sign read from the strip in memory), 2·128·127 = 32512 per pair, which
// VPMADDWD widens word by word.
//
// Everything per row stays in its lane, as in the VNNI kernels: the
// weights are unpacked into registers once per block and half and serve
// every column; nothing is summed across lanes. Per 32 products the AVX2
// kernels spend a broadcast load, VPMADDUBSW and VPADDW (q8_0: VPSIGNB,
// VPMADDUBSW, VPMADDWD, VPADDD), the AVX-VNNI ones a broadcast load and
// VPDPBUSD; the rest (scales, sums, outputs) is per sub-block or block.
//
// Register budget (16 ymm), in the column loops:
//	Y0…Y7   eight weight words of one half (unpacked, unsigned)
//	Y8…Y13  per-column scratch: two columns at a time, three registers
//	        each (broadcast/product, int16 and int32 accumulators, or
//	        the two VPDPBUSD chains and d_y)
//	Y14     int16 ones (q8_0, q4_0), the 0x10/0x30 masks while q5_K and
//	        q6_K unpack, the broadcast of the AVX-VNNI kernels
//	Y15     0x0f bytes (k-quants), the rows' d of the half (q8_0, q4_0)
// General registers (all kernels):
//	SI the block's words, DI column 0's block, R9 yStride, DX dst,
//	R10 4·dstStride, R11 cols, CX blocks left, BX stack area (32-byte
//	aligned; q8_0/q4_0: column b's dst), R12 column a, AX column b,
//	R13 column a's dst or sums, R8 column b's sums or table entry,
//	R14 columns left

DATA r16x0f<>+0(SB)/4, $0x0f0f0f0f
GLOBL r16x0f<>(SB), RODATA|NOPTR, $4
DATA r16x3f<>+0(SB)/4, $0x3f3f3f3f
GLOBL r16x3f<>(SB), RODATA|NOPTR, $4
DATA r16x30<>+0(SB)/4, $0x30303030
GLOBL r16x30<>(SB), RODATA|NOPTR, $4
DATA r16x10<>+0(SB)/4, $0x10101010
GLOBL r16x10<>(SB), RODATA|NOPTR, $4
DATA r16x08<>+0(SB)/4, $0x08080808
GLOBL r16x08<>(SB), RODATA|NOPTR, $4
DATA r16xOnes<>+0(SB)/4, $0x00010001
GLOBL r16xOnes<>(SB), RODATA|NOPTR, $4

// r16xPair+32j (VPSHUFB): byte j of each dword into both of its words,
// zero-extended: the word pairs (s, s) of VPMADDWD.
DATA r16xPair<>+0x00(SB)/8, $0x8004800480008000
DATA r16xPair<>+0x08(SB)/8, $0x800c800c80088008
DATA r16xPair<>+0x10(SB)/8, $0x8004800480008000
DATA r16xPair<>+0x18(SB)/8, $0x800c800c80088008
DATA r16xPair<>+0x20(SB)/8, $0x8005800580018001
DATA r16xPair<>+0x28(SB)/8, $0x800d800d80098009
DATA r16xPair<>+0x30(SB)/8, $0x8005800580018001
DATA r16xPair<>+0x38(SB)/8, $0x800d800d80098009
DATA r16xPair<>+0x40(SB)/8, $0x8006800680028002
DATA r16xPair<>+0x48(SB)/8, $0x800e800e800a800a
DATA r16xPair<>+0x50(SB)/8, $0x8006800680028002
DATA r16xPair<>+0x58(SB)/8, $0x800e800e800a800a
DATA r16xPair<>+0x60(SB)/8, $0x8007800780038003
DATA r16xPair<>+0x68(SB)/8, $0x800f800f800b800b
DATA r16xPair<>+0x70(SB)/8, $0x8007800780038003
DATA r16xPair<>+0x78(SB)/8, $0x800f800f800b800b
GLOBL r16xPair<>(SB), RODATA|NOPTR, $128

// r16xHalves (VPSHUFB): in each 128-bit lane, the low words of the four
// dwords to bytes 0…7 and the high words to bytes 8…15.
DATA r16xHalves<>+0x00(SB)/8, $0x0d0c090805040100
DATA r16xHalves<>+0x08(SB)/8, $0x0f0e0b0a07060302
DATA r16xHalves<>+0x10(SB)/8, $0x0d0c090805040100
DATA r16xHalves<>+0x18(SB)/8, $0x0f0e0b0a07060302
GLOBL r16xHalves<>(SB), RODATA|NOPTR, $32

// R16X_ARGS loads the arguments common to all kernels.
#define R16X_ARGS                  \
	MOVQ w+0(FP), SI           \
	MOVQ nb+8(FP), CX          \
	MOVQ y+16(FP), DI          \
	MOVQ yStride+24(FP), R9    \
	MOVQ cols+32(FP), R11      \
	MOVQ dst+40(FP), DX        \
	MOVQ dstStride+48(FP), R10 \
	SHLQ $2, R10

// R16X_ZERO_DST zeroes the 16 outputs of every column unless accumulate
// is set. Uses Y8, R13, R14.
#define R16X_ZERO_DST(done, loop)  \
	CMPQ accumulate+56(FP), $0 \
	JNE  done                  \
	VPXOR Y8, Y8, Y8           \
	MOVQ DX, R13               \
	MOVQ R11, R14              \
loop:                              \
	VMOVUPS Y8, (R13)          \
	VMOVUPS Y8, 32(R13)        \
	ADDQ R10, R13              \
	DECQ R14                   \
	JNZ  loop                  \
done:

// ---- The packer ----
//
// r16PackAVX2 is r16PackAVX512 for AVX2 (repack_amd64.s), for words
// regions of whole groups of four words (dwords % 4 = 0, as in every r16
// format). Per block and group, each half of the rows: Y0…Y3 get, in
// 128-bit lane l, the group's four words of rows 4l + i (i = 0…3:
// VMOVDQU of one row, VINSERTI128 of the row four below), and a 4×4
// dword transpose inside the lanes (VPUNPCKLDQ/HDQ, VPUNPCKLQDQ/HQDQ)
// leaves word m of the half's eight rows, in row order, in output m. The
// fp16 scales are copied with 16-bit moves.
//
// Registers: SI row 0 of the block, R11 row 8, BX row stride, R8 = 3·BX,
// R9 = 5·BX, R10 = 7·BX; AX, R14 the group in rows 0 and 8; DI word
// output, R12 scale output, CX blocks left, DX groups left, R13 scratch;
// Y0…Y7 rows and pairs.

// PACKX_HALF transposes the group at base (rows base + r·BX, r = 0…7)
// into outputs 0…3 at off(DI), 64 + off(DI), ….
#define PACKX_HALF(base, off)                \
	VMOVDQU     (base), X0               \
	VINSERTI128 $1, (base)(BX*4), Y0, Y0 \
	VMOVDQU     (base)(BX*1), X1         \
	VINSERTI128 $1, (base)(R9*1), Y1, Y1 \
	VMOVDQU     (base)(BX*2), X2         \
	VINSERTI128 $1, (base)(R8*2), Y2, Y2 \
	VMOVDQU     (base)(R8*1), X3         \
	VINSERTI128 $1, (base)(R10*1), Y3, Y3 \
	VPUNPCKLDQ  Y1, Y0, Y4               \
	VPUNPCKHDQ  Y1, Y0, Y5               \
	VPUNPCKLDQ  Y3, Y2, Y6               \
	VPUNPCKHDQ  Y3, Y2, Y7               \
	VPUNPCKLQDQ Y6, Y4, Y0               \
	VPUNPCKHQDQ Y6, Y4, Y1               \
	VPUNPCKLQDQ Y7, Y5, Y2               \
	VPUNPCKHQDQ Y7, Y5, Y3               \
	VMOVDQU     Y0, (off)(DI)            \
	VMOVDQU     Y1, (64+(off))(DI)       \
	VMOVDQU     Y2, (128+(off))(DI)      \
	VMOVDQU     Y3, (192+(off))(DI)

// PACKX_SCALE copies the fp16 scale at offset R13 of the sixteen rows to
// 16-bit slots at (R12).
#define PACKX_SCALE               \
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

// func r16PackAVX2(dst, src *byte, srcStride, nb, blockBytes, dwordOff, dwords, half0, half1 int)
TEXT ·r16PackAVX2(SB), NOSPLIT, $0-72
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

packxBlock:
	// Prefetch the block after next of every row, one line per 64 bytes.
	MOVQ blockBytes+32(FP), DX
	LEAQ (SI)(DX*2), AX
	LEAQ (R11)(DX*2), R14
	XORQ R13, R13
packxPrefetch:
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
	JB   packxPrefetch

	MOVQ dwordOff+40(FP), AX
	LEAQ (R11)(AX*1), R14
	ADDQ SI, AX
	MOVQ dwords+48(FP), DX
	SHRQ $2, DX

packxGroup:
	PACKX_HALF(AX, 0)
	PACKX_HALF(R14, 32)
	ADDQ $256, DI
	ADDQ $16, AX
	ADDQ $16, R14
	DECQ DX
	JNZ  packxGroup

	MOVQ half0+56(FP), R13
	TESTQ R13, R13
	JS   packxNext
	PACKX_SCALE
	MOVQ half1+64(FP), R13
	TESTQ R13, R13
	JS   packxNext
	PACKX_SCALE

packxNext:
	MOVQ blockBytes+32(FP), AX
	ADDQ AX, SI
	ADDQ AX, R11
	DECQ CX
	JNZ  packxBlock
	VZEROUPPER
	RET

// ---- k-quants ----
//
// Per block: the sixteen rows' scales and mins become VPMADDWD word pairs
// on the stack, and d, dmin floats; then, for each half and sub-block, the
// sub-block's weights are unpacked into Y0…Y7 and every column adds
// VPMADDWD(Σ VPMADDUBSW, scale pairs) to its int32 sums on the stack
// (sums of column c, half h at 1152 + 64c + 32h); last, per column, the
// sums become floats, d·sums − dmin·(Σ mins·bsums) times d_y goes to dst
// and the sums are zeroed for the next block.
//
// Stack area (BX): 0…511 scale pairs of sub-block s, half h at 64s + 32h;
// 512…1023 mins pairs of sub-block j, half h at 512 + 64j + 32h; 1024 d
// of half 0, 1056 of half 1; 1088, 1120 dmin; 1152…5247 the sums.

#define KQX_SUMS 1152

// KQX_DMIN sets d (1024 + 32h) and dmin (1088 + 32h) of half h from word
// 0 (fp16 d in the low, dmin in the high half of each dword).
#define KQX_DMIN(h)                            \
	VMOVDQU    (32*(h))(SI), Y8            \
	VPSHUFB    r16xHalves<>(SB), Y8, Y8    \
	VPERMQ     $0xd8, Y8, Y8               \
	VCVTPH2PS  X8, Y9                      \
	VMOVUPS    Y9, (1024+32*(h))(BX)       \
	VEXTRACTI128 $1, Y8, X8                \
	VCVTPH2PS  X8, Y9                      \
	VMOVUPS    Y9, (1088+32*(h))(BX)

// KQX_PAIRS stores the word pairs of bytes 0…3 of src's dwords to
// off + 64k + 32h (k = 0…3).
#define KQX_PAIRS(src, off, h)                       \
	VPSHUFB r16xPair<>+0x00(SB), src, Y12        \
	VMOVDQU Y12, ((off)+32*(h))(BX)              \
	VPSHUFB r16xPair<>+0x20(SB), src, Y12        \
	VMOVDQU Y12, ((off)+64+32*(h))(BX)           \
	VPSHUFB r16xPair<>+0x40(SB), src, Y12        \
	VMOVDQU Y12, ((off)+128+32*(h))(BX)          \
	VPSHUFB r16xPair<>+0x60(SB), src, Y12        \
	VMOVDQU Y12, ((off)+192+32*(h))(BX)

// KQX_SCALES decodes the 6-bit scales and mins of half h (words 1…3:
// bytes s[0…11] of each row): sc0…3 = s[0…3] & 63, mn0…3 = s[4…7] & 63,
// sc4…7 = s[8…11] & 15 | (s[0…3] >> 6) << 4, mn4…7 = s[8…11] >> 4 |
// (s[4…7] >> 6) << 4, as word pairs. Uses Y8…Y14.
#define KQX_SCALES(h)                        \
	VMOVDQU (64+32*(h))(SI), Y8          \
	VMOVDQU (128+32*(h))(SI), Y9         \
	VMOVDQU (192+32*(h))(SI), Y10        \
	VPBROADCASTD r16x3f<>(SB), Y13       \
	VPBROADCASTD r16x30<>(SB), Y14       \
	VPAND   Y13, Y8, Y11                 \
	KQX_PAIRS(Y11, 0, h)                 \
	VPAND   Y13, Y9, Y11                 \
	KQX_PAIRS(Y11, 512, h)               \
	VPSRLD  $2, Y8, Y8                   \
	VPAND   Y14, Y8, Y8                  \
	VPAND   Y15, Y10, Y11                \
	VPOR    Y8, Y11, Y11                 \
	KQX_PAIRS(Y11, 256, h)               \
	VPSRLD  $2, Y9, Y9                   \
	VPAND   Y14, Y9, Y9                  \
	VPSRLD  $4, Y10, Y10                 \
	VPAND   Y15, Y10, Y10                \
	VPOR    Y9, Y10, Y10                 \
	KQX_PAIRS(Y10, 768, h)

// KQX_ZERO_SUMS zeroes the sums of all columns. Uses Y8, R13, R14.
#define KQX_ZERO_SUMS(loop)        \
	VPXOR Y8, Y8, Y8           \
	LEAQ KQX_SUMS(BX), R13     \
	MOVQ R11, R14              \
loop:                              \
	VMOVDQU Y8, (R13)          \
	VMOVDQU Y8, 32(R13)        \
	ADDQ $64, R13              \
	DECQ R14                   \
	JNZ  loop

// KQX_FINISH adds d_y·(d·sums − dmin·Σ_j mn_j·(bsums[2j] + bsums[2j+1]))
// of every column to dst (for q4_K and q5_K) and zeroes the sums.
#define KQX_MIN(j)                            \
	VPBROADCASTD (260+4*(j))(R12), Y8     \
	VPMADDWD (512+64*(j))(BX), Y8, Y9     \
	VPMADDWD (512+64*(j)+32)(BX), Y8, Y8  \
	VPADDD  Y9, Y10, Y10                  \
	VPADDD  Y8, Y11, Y11

#define KQX_FINISH(loop)                        \
	MOVQ DI, R12                            \
	MOVQ DX, R8                             \
	LEAQ KQX_SUMS(BX), R13                  \
	MOVQ R11, R14                           \
	VPXOR Y7, Y7, Y7                        \
loop:                                           \
	VPBROADCASTD (260)(R12), Y8             \
	VPMADDWD 512(BX), Y8, Y10               \
	VPMADDWD 544(BX), Y8, Y11               \
	KQX_MIN(1)                              \
	KQX_MIN(2)                              \
	KQX_MIN(3)                              \
	KQX_MIN(4)                              \
	KQX_MIN(5)                              \
	KQX_MIN(6)                              \
	KQX_MIN(7)                              \
	VCVTDQ2PS (R13), Y0                     \
	VCVTDQ2PS 32(R13), Y1                   \
	VMOVDQU Y7, (R13)                       \
	VMOVDQU Y7, 32(R13)                     \
	VCVTDQ2PS Y10, Y10                      \
	VCVTDQ2PS Y11, Y11                      \
	VMULPS  1024(BX), Y0, Y0                \
	VMULPS  1056(BX), Y1, Y1                \
	VFNMADD231PS 1088(BX), Y10, Y0          \
	VFNMADD231PS 1120(BX), Y11, Y1          \
	VBROADCASTSS (R12), Y12                 \
	VMOVUPS (R8), Y2                        \
	VMOVUPS 32(R8), Y3                      \
	VFMADD231PS Y12, Y0, Y2                 \
	VFMADD231PS Y12, Y1, Y3                 \
	VMOVUPS Y2, (R8)                        \
	VMOVUPS Y3, 32(R8)                      \
	ADDQ R9, R12                            \
	ADDQ R10, R8                            \
	ADDQ $64, R13                           \
	DECQ R14                                \
	JNZ  loop

// KQX_DOT8 sets acc (int16 pairs) to Σ_g VPMADDUBSW(Y(g), the four
// activations at yp + off + 4g) over g = 0…7, with scratch t.
#define KQX_DOT8(yp, off, acc, t)           \
	VPBROADCASTD (off)(yp), acc         \
	VPMADDUBSW acc, Y0, acc             \
	VPBROADCASTD (off+4)(yp), t         \
	VPMADDUBSW t, Y1, t                 \
	VPADDW  t, acc, acc                 \
	VPBROADCASTD (off+8)(yp), t         \
	VPMADDUBSW t, Y2, t                 \
	VPADDW  t, acc, acc                 \
	VPBROADCASTD (off+12)(yp), t        \
	VPMADDUBSW t, Y3, t                 \
	VPADDW  t, acc, acc                 \
	VPBROADCASTD (off+16)(yp), t        \
	VPMADDUBSW t, Y4, t                 \
	VPADDW  t, acc, acc                 \
	VPBROADCASTD (off+20)(yp), t        \
	VPMADDUBSW t, Y5, t                 \
	VPADDW  t, acc, acc                 \
	VPBROADCASTD (off+24)(yp), t        \
	VPMADDUBSW t, Y6, t                 \
	VPADDW  t, acc, acc                 \
	VPBROADCASTD (off+28)(yp), t        \
	VPMADDUBSW t, Y7, t                 \
	VPADDW  t, acc, acc

// KQX_SUB adds sub-block s of half h of the column at yp (weights in
// Y0…Y7, 8 words, int16-safe) to its sums at sp.
#define KQX_SUB(s, h, yp, sp, acc, t)           \
	KQX_DOT8(yp, 4+32*(s), acc, t)          \
	VPMADDWD (64*(s)+32*(h))(BX), acc, acc  \
	VPADDD  (32*(h))(sp), acc, acc          \
	VMOVDQU acc, (32*(h))(sp)

// ---- q4_K ----
//
// Word 4 + 8j + g holds nibble bytes 4g…4g+3 of chunk j: the low nibbles
// are sub-block 2j, the high nibbles sub-block 2j+1 (shifted down here:
// VPMADDUBSW needs u ≤ 15).


// Q4KX_LOAD unpacks sub-block 2j + p (p = 0: low nibbles, 1: high) of half
// h into Y0…Y7 (Y15 = 0x0f bytes).
#define Q4KX_WORD(j, g, h, p, r)                 \
	VMOVDQU (64*(4+8*(j)+(g))+32*(h))(SI), r \
	VPSRLW  $(4*(p)), r, r                   \
	VPAND   Y15, r, r

#define Q4KX_LOAD(j, h, p)        \
	Q4KX_WORD(j, 0, h, p, Y0) \
	Q4KX_WORD(j, 1, h, p, Y1) \
	Q4KX_WORD(j, 2, h, p, Y2) \
	Q4KX_WORD(j, 3, h, p, Y3) \
	Q4KX_WORD(j, 4, h, p, Y4) \
	Q4KX_WORD(j, 5, h, p, Y5) \
	Q4KX_WORD(j, 6, h, p, Y6) \
	Q4KX_WORD(j, 7, h, p, Y7)

// KQX_COLS runs sub-block s of half h (weights in Y0…Y7) over all
// columns, two at a time.
#define KQX_COLS(s, h, loop, one, done)      \
	MOVQ DI, R12                         \
	LEAQ KQX_SUMS(BX), R13               \
	MOVQ R11, R14                        \
	SUBQ $2, R14                         \
	JB   one                             \
loop:                                        \
	LEAQ (R12)(R9*1), AX                 \
	LEAQ 64(R13), R8                     \
	KQX_SUB(s, h, R12, R13, Y9, Y8)      \
	KQX_SUB(s, h, AX, R8, Y11, Y10)      \
	LEAQ (R12)(R9*2), R12                \
	ADDQ $128, R13                       \
	SUBQ $2, R14                         \
	JAE  loop                            \
one:                                         \
	CMPQ R14, $-1                        \
	JNE  done                            \
	KQX_SUB(s, h, R12, R13, Y9, Y8)      \
done:

// Q4KX_PASS runs sub-block s = 2j + p of half h over all columns.
#define Q4KX_PASS(j, h, p, s, loop, one, done) \
	Q4KX_LOAD(j, h, p)                     \
	KQX_COLS(s, h, loop, one, done)

// func r16GemmQ4KAVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4KAVX2(SB), 0, $5280-64
	R16X_ARGS
	LEAQ 31(SP), BX
	ANDQ $~31, BX
	R16X_ZERO_DST(q4kxZeroed, q4kxZero)
	KQX_ZERO_SUMS(q4kxZeroSums)
	VPBROADCASTD r16x0f<>(SB), Y15

q4kxBlock:
	PREFETCHT0 (2*36*64)(SI)
	PREFETCHT0 (2*36*64+64)(SI)
	PREFETCHT0 (2*36*64+128)(SI)
	PREFETCHT0 (2*36*64+192)(SI)
	KQX_DMIN(0)
	KQX_DMIN(1)
	KQX_SCALES(0)
	KQX_SCALES(1)
	Q4KX_PASS(0, 0, 0, 0, q4kxC0, q4kxO0, q4kxD0)
	Q4KX_PASS(0, 0, 1, 1, q4kxC1, q4kxO1, q4kxD1)
	Q4KX_PASS(1, 0, 0, 2, q4kxC2, q4kxO2, q4kxD2)
	Q4KX_PASS(1, 0, 1, 3, q4kxC3, q4kxO3, q4kxD3)
	Q4KX_PASS(2, 0, 0, 4, q4kxC4, q4kxO4, q4kxD4)
	Q4KX_PASS(2, 0, 1, 5, q4kxC5, q4kxO5, q4kxD5)
	Q4KX_PASS(3, 0, 0, 6, q4kxC6, q4kxO6, q4kxD6)
	Q4KX_PASS(3, 0, 1, 7, q4kxC7, q4kxO7, q4kxD7)
	Q4KX_PASS(0, 1, 0, 0, q4kxC8, q4kxO8, q4kxD8)
	Q4KX_PASS(0, 1, 1, 1, q4kxC9, q4kxO9, q4kxD9)
	Q4KX_PASS(1, 1, 0, 2, q4kxC10, q4kxO10, q4kxD10)
	Q4KX_PASS(1, 1, 1, 3, q4kxC11, q4kxO11, q4kxD11)
	Q4KX_PASS(2, 1, 0, 4, q4kxC12, q4kxO12, q4kxD12)
	Q4KX_PASS(2, 1, 1, 5, q4kxC13, q4kxO13, q4kxD13)
	Q4KX_PASS(3, 1, 0, 6, q4kxC14, q4kxO14, q4kxD14)
	Q4KX_PASS(3, 1, 1, 7, q4kxC15, q4kxO15, q4kxD15)
	KQX_FINISH(q4kxFinish)
	ADDQ $(36*64), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kxBlock
	VZEROUPPER
	RET

// ---- q5_K and q6_K: sums over fewer words ----

// KQX_DOT2 sets acc (int16 pairs) to the products of w0, w1 with the
// activations at yp + off, + off + 4; t scratch.
#define KQX_DOT2(yp, off, w0, w1, acc, t) \
	VPBROADCASTD (off)(yp), acc       \
	VPMADDUBSW acc, w0, acc           \
	VPBROADCASTD (off+4)(yp), t       \
	VPMADDUBSW t, w1, t               \
	VPADDW  t, acc, acc

// KQX_ADD2 is KQX_DOT2 adding to acc.
#define KQX_ADD2(yp, off, w0, w1, acc, t) \
	VPBROADCASTD (off)(yp), t         \
	VPMADDUBSW t, w0, t               \
	VPADDW  t, acc, acc               \
	VPBROADCASTD (off+4)(yp), t       \
	VPMADDUBSW t, w1, t               \
	VPADDW  t, acc, acc

// KQX_COLS3 runs sub(a, b, h, yp, sp, acc, t, u) over all columns, two
// at a time (sums at sp; acc, t, u scratch).
#define KQX_COLS3(sub, a, b, h, loop, one, done) \
	MOVQ DI, R12                             \
	LEAQ KQX_SUMS(BX), R13                   \
	MOVQ R11, R14                            \
	SUBQ $2, R14                             \
	JB   one                                 \
loop:                                            \
	LEAQ (R12)(R9*1), AX                     \
	LEAQ 64(R13), R8                         \
	sub(a, b, h, R12, R13, Y8, Y9, Y10)      \
	sub(a, b, h, AX, R8, Y11, Y12, Y13)      \
	LEAQ (R12)(R9*2), R12                    \
	ADDQ $128, R13                           \
	SUBQ $2, R14                             \
	JAE  loop                                \
one:                                             \
	CMPQ R14, $-1                            \
	JNE  done                                \
	sub(a, b, h, R12, R13, Y8, Y9, Y10)      \
done:

// ---- q5_K ----
//
// Words 0…3 as in q4_K; word 4 + g holds qh bytes 4g…4g+3 (bit s of
// byte l is the fifth bit of element 32s + l); word 12 + 8j + g the
// nibble bytes 4g…4g+3 of chunk j (low nibbles: sub-block 2j, high:
// 2j+1). Sub-block s's weight is u = nib | (bit s of qh) << 4 ≤ 31: the
// bit moves to bit 4 by a 16-bit shift (left by 4 − s or right by s − 4;
// what crosses from the neighbouring byte lands outside bit 4) under the
// mask 0x10. u ≤ 31 sums over four words in int16: two VPMADDWD per
// sub-block.

// Q5KX_WORD unpacks word g of sub-block 2j + p of half h into r (Y15 =
// 0x0f, Y14 = 0x10 bytes; sh moves bit 2j + p of qh to bit 4).
#define Q5KX_WORD(j, g, h, p, sh, r)              \
	VMOVDQU (64*(12+8*(j)+(g))+32*(h))(SI), r \
	VPSRLW  $(4*(p)), r, r                    \
	VPAND   Y15, r, r                         \
	VMOVDQU (64*(4+(g))+32*(h))(SI), Y13      \
	sh, Y13, Y13                              \
	VPAND   Y14, Y13, Y13                     \
	VPOR    Y13, r, r

#define Q5KX_LOAD(j, h, p, sh)        \
	VPBROADCASTD r16x10<>(SB), Y14 \
	Q5KX_WORD(j, 0, h, p, sh, Y0) \
	Q5KX_WORD(j, 1, h, p, sh, Y1) \
	Q5KX_WORD(j, 2, h, p, sh, Y2) \
	Q5KX_WORD(j, 3, h, p, sh, Y3) \
	Q5KX_WORD(j, 4, h, p, sh, Y4) \
	Q5KX_WORD(j, 5, h, p, sh, Y5) \
	Q5KX_WORD(j, 6, h, p, sh, Y6) \
	Q5KX_WORD(j, 7, h, p, sh, Y7)

// Q5KX_SUB adds sub-block s of half h of the column at yp to its sums at
// sp.
#define Q5KX_SUB(s, unused, h, yp, sp, acc, t, u) \
	KQX_DOT2(yp, 4+32*(s), Y0, Y1, acc, t)    \
	KQX_ADD2(yp, 4+32*(s)+8, Y2, Y3, acc, t)  \
	KQX_DOT2(yp, 4+32*(s)+16, Y4, Y5, u, t)   \
	KQX_ADD2(yp, 4+32*(s)+24, Y6, Y7, u, t)   \
	VPMADDWD (64*(s)+32*(h))(BX), acc, acc    \
	VPMADDWD (64*(s)+32*(h))(BX), u, u        \
	VPADDD  u, acc, acc                       \
	VPADDD  (32*(h))(sp), acc, acc            \
	VMOVDQU acc, (32*(h))(sp)

#define Q5KX_PASS(j, h, p, s, sh, loop, one, done)     \
	Q5KX_LOAD(j, h, p, sh)                         \
	KQX_COLS3(Q5KX_SUB, s, 0, h, loop, one, done)

// func r16GemmQ5KAVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ5KAVX2(SB), 0, $5280-64
	R16X_ARGS
	LEAQ 31(SP), BX
	ANDQ $~31, BX
	R16X_ZERO_DST(q5kxZeroed, q5kxZero)
	KQX_ZERO_SUMS(q5kxZeroSums)
	VPBROADCASTD r16x0f<>(SB), Y15

q5kxBlock:
	PREFETCHT0 (2*44*64)(SI)
	PREFETCHT0 (2*44*64+64)(SI)
	PREFETCHT0 (2*44*64+128)(SI)
	PREFETCHT0 (2*44*64+192)(SI)
	KQX_DMIN(0)
	KQX_DMIN(1)
	KQX_SCALES(0)
	KQX_SCALES(1)
	Q5KX_PASS(0, 0, 0, 0, VPSLLW $4, q5kxC0, q5kxO0, q5kxD0)
	Q5KX_PASS(0, 0, 1, 1, VPSLLW $3, q5kxC1, q5kxO1, q5kxD1)
	Q5KX_PASS(1, 0, 0, 2, VPSLLW $2, q5kxC2, q5kxO2, q5kxD2)
	Q5KX_PASS(1, 0, 1, 3, VPSLLW $1, q5kxC3, q5kxO3, q5kxD3)
	Q5KX_PASS(2, 0, 0, 4, VPSLLW $0, q5kxC4, q5kxO4, q5kxD4)
	Q5KX_PASS(2, 0, 1, 5, VPSRLW $1, q5kxC5, q5kxO5, q5kxD5)
	Q5KX_PASS(3, 0, 0, 6, VPSRLW $2, q5kxC6, q5kxO6, q5kxD6)
	Q5KX_PASS(3, 0, 1, 7, VPSRLW $3, q5kxC7, q5kxO7, q5kxD7)
	Q5KX_PASS(0, 1, 0, 0, VPSLLW $4, q5kxC8, q5kxO8, q5kxD8)
	Q5KX_PASS(0, 1, 1, 1, VPSLLW $3, q5kxC9, q5kxO9, q5kxD9)
	Q5KX_PASS(1, 1, 0, 2, VPSLLW $2, q5kxC10, q5kxO10, q5kxD10)
	Q5KX_PASS(1, 1, 1, 3, VPSLLW $1, q5kxC11, q5kxO11, q5kxD11)
	Q5KX_PASS(2, 1, 0, 4, VPSLLW $0, q5kxC12, q5kxO12, q5kxD12)
	Q5KX_PASS(2, 1, 1, 5, VPSRLW $1, q5kxC13, q5kxO13, q5kxD13)
	Q5KX_PASS(3, 1, 0, 6, VPSRLW $2, q5kxC14, q5kxO14, q5kxD14)
	Q5KX_PASS(3, 1, 1, 7, VPSRLW $3, q5kxC15, q5kxO15, q5kxD15)
	KQX_FINISH(q5kxFinish)
	ADDQ $(44*64), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q5kxBlock
	VZEROUPPER
	RET

// ---- q6_K ----
//
// Words 0…31 are the 128 bytes ql, 32…47 the 64 bytes qh, 48…51 the
// sixteen int8 scales (word 48 + i: scales 4i…4i+3); d (fp16) follows the
// words of all blocks. In element half H (elements 128H…), group g covers
// l = 4g…4g+3 of ql_A (word 16H + g), ql_B (word 16H + 8 + g) and qh
// (word 32 + 8H + g); quarter q's weights (elements 128H + 32q + l,
// sub-blocks 8H + 2q for g < 4 and 8H + 2q + 1 for g ≥ 4) are
//
//	q=0: u = ql_A & 15 | (qh & 3) << 4      q=2: ql_A >> 4 | (qh >> 4 & 3) << 4
//	q=1: u = ql_B & 15 | (qh >> 2 & 3) << 4 q=3: ql_B >> 4 | (qh >> 6 & 3) << 4
//
// and weight u − 32. u ≤ 63 sums over two words in int16 (VPMADDWD by the
// sign-extended scale pairs after every two words). The −32 comes last,
// per column: 32·Σ_s sc_s·bsums[s], with VPMADDWD of the adjacent scale
// pairs (sc_2k, sc_2k+1) and the column's bsums pairs, off the sums.
//
// Stack area (BX): 0…1023 scale pairs of sub-block s, half h at
// 64s + 32h; 1024…1535 adjacent pairs k, half h at 1024 + 64k + 32h;
// 1536 d of half 0, 1568 of half 1; 1600 the pointer to the block's d;
// 1664…5759 the sums (KQX_SUMS6).

#define KQX_SUMS6 1664

// r16xSx+32j (VPSHUFB): byte j of each dword into the high byte of both
// words (VPSRAW $8 then sign-extends); r16xAdj+32o: bytes o and o + 1 of
// each dword into the high bytes of its two words.
DATA r16xSx<>+0x00(SB)/8, $0x0480048000800080
DATA r16xSx<>+0x08(SB)/8, $0x0c800c8008800880
DATA r16xSx<>+0x10(SB)/8, $0x0480048000800080
DATA r16xSx<>+0x18(SB)/8, $0x0c800c8008800880
DATA r16xSx<>+0x20(SB)/8, $0x0580058001800180
DATA r16xSx<>+0x28(SB)/8, $0x0d800d8009800980
DATA r16xSx<>+0x30(SB)/8, $0x0580058001800180
DATA r16xSx<>+0x38(SB)/8, $0x0d800d8009800980
DATA r16xSx<>+0x40(SB)/8, $0x0680068002800280
DATA r16xSx<>+0x48(SB)/8, $0x0e800e800a800a80
DATA r16xSx<>+0x50(SB)/8, $0x0680068002800280
DATA r16xSx<>+0x58(SB)/8, $0x0e800e800a800a80
DATA r16xSx<>+0x60(SB)/8, $0x0780078003800380
DATA r16xSx<>+0x68(SB)/8, $0x0f800f800b800b80
DATA r16xSx<>+0x70(SB)/8, $0x0780078003800380
DATA r16xSx<>+0x78(SB)/8, $0x0f800f800b800b80
GLOBL r16xSx<>(SB), RODATA|NOPTR, $128
DATA r16xAdj<>+0x00(SB)/8, $0x0580048001800080
DATA r16xAdj<>+0x08(SB)/8, $0x0d800c8009800880
DATA r16xAdj<>+0x10(SB)/8, $0x0580048001800080
DATA r16xAdj<>+0x18(SB)/8, $0x0d800c8009800880
DATA r16xAdj<>+0x20(SB)/8, $0x0780068003800280
DATA r16xAdj<>+0x28(SB)/8, $0x0f800e800b800a80
DATA r16xAdj<>+0x30(SB)/8, $0x0780068003800280
DATA r16xAdj<>+0x38(SB)/8, $0x0f800e800b800a80
GLOBL r16xAdj<>(SB), RODATA|NOPTR, $64

// Q6KX_SC stores the pair for table entry tab (r16xSx+32j or
// r16xAdj+32o) of src at off(BX).
#define Q6KX_SC(tab, src, off)          \
	VPSHUFB tab(SB), src, Y9        \
	VPSRAW  $8, Y9, Y9              \
	VMOVDQU Y9, (off)(BX)

// Q6KX_SCW decodes scale word 48 + i of half h.
#define Q6KX_SCW(i, h)                                        \
	VMOVDQU (64*(48+(i))+32*(h))(SI), Y8                  \
	Q6KX_SC(r16xSx<>+0x00, Y8, 64*(4*(i)+0)+32*(h))       \
	Q6KX_SC(r16xSx<>+0x20, Y8, 64*(4*(i)+1)+32*(h))       \
	Q6KX_SC(r16xSx<>+0x40, Y8, 64*(4*(i)+2)+32*(h))       \
	Q6KX_SC(r16xSx<>+0x60, Y8, 64*(4*(i)+3)+32*(h))       \
	Q6KX_SC(r16xAdj<>+0x00, Y8, 1024+64*(2*(i))+32*(h))   \
	Q6KX_SC(r16xAdj<>+0x20, Y8, 1024+64*(2*(i)+1)+32*(h))

// Q6KX_WORD unpacks word g of quarter q (ql word base qlw, nibble shift
// nsh, qh shift sh) of element half H and row half h into r (Y15 = 0x0f,
// Y14 = 0x30 bytes).
#define Q6KX_WORD(H, qlw, nsh, sh, g, h, r)       \
	VMOVDQU (64*((qlw)+(g))+32*(h))(SI), r    \
	VPSRLW  $(nsh), r, r                      \
	VPAND   Y15, r, r                         \
	VMOVDQU (64*(32+8*(H)+(g))+32*(h))(SI), Y13 \
	sh, Y13, Y13                              \
	VPAND   Y14, Y13, Y13                     \
	VPOR    Y13, r, r

#define Q6KX_LOAD(H, qlw, nsh, sh, h)           \
	VPBROADCASTD r16x30<>(SB), Y14          \
	Q6KX_WORD(H, qlw, nsh, sh, 0, h, Y0)    \
	Q6KX_WORD(H, qlw, nsh, sh, 1, h, Y1)    \
	Q6KX_WORD(H, qlw, nsh, sh, 2, h, Y2)    \
	Q6KX_WORD(H, qlw, nsh, sh, 3, h, Y3)    \
	Q6KX_WORD(H, qlw, nsh, sh, 4, h, Y4)    \
	Q6KX_WORD(H, qlw, nsh, sh, 5, h, Y5)    \
	Q6KX_WORD(H, qlw, nsh, sh, 6, h, Y6)    \
	Q6KX_WORD(H, qlw, nsh, sh, 7, h, Y7)

// Q6KX_SUB adds sub-blocks s, s + 1 (activations from off) of half h of
// the column at yp to its sums at sp.
#define Q6KX_SUB(s, off, h, yp, sp, acc, t, u)    \
	KQX_DOT2(yp, off, Y0, Y1, u, t)           \
	VPMADDWD (64*(s)+32*(h))(BX), u, acc      \
	KQX_DOT2(yp, off+8, Y2, Y3, u, t)         \
	VPMADDWD (64*(s)+32*(h))(BX), u, u        \
	VPADDD  u, acc, acc                       \
	KQX_DOT2(yp, off+16, Y4, Y5, u, t)        \
	VPMADDWD (64*(s)+64+32*(h))(BX), u, u     \
	VPADDD  u, acc, acc                       \
	KQX_DOT2(yp, off+24, Y6, Y7, u, t)        \
	VPMADDWD (64*(s)+64+32*(h))(BX), u, u     \
	VPADDD  u, acc, acc                       \
	VPADDD  (32*(h))(sp), acc, acc            \
	VMOVDQU acc, (32*(h))(sp)

// KQX_COLS6 is KQX_COLS3 with the q6_K sums.
#define KQX_COLS6(sub, a, b, h, loop, one, done) \
	MOVQ DI, R12                             \
	LEAQ KQX_SUMS6(BX), R13                  \
	MOVQ R11, R14                            \
	SUBQ $2, R14                             \
	JB   one                                 \
loop:                                            \
	LEAQ (R12)(R9*1), AX                     \
	LEAQ 64(R13), R8                         \
	sub(a, b, h, R12, R13, Y8, Y9, Y10)      \
	sub(a, b, h, AX, R8, Y11, Y12, Y13)      \
	LEAQ (R12)(R9*2), R12                    \
	ADDQ $128, R13                           \
	SUBQ $2, R14                             \
	JAE  loop                                \
one:                                             \
	CMPQ R14, $-1                            \
	JNE  done                                \
	sub(a, b, h, R12, R13, Y8, Y9, Y10)      \
done:

// Q6KX_PASS runs quarter q of element half H, row half h, over all
// columns.
#define Q6KX_PASS(H, q, qlw, nsh, sh, h, loop, one, done)                       \
	Q6KX_LOAD(H, qlw, nsh, sh, h)                                           \
	KQX_COLS6(Q6KX_SUB, 8*(H)+2*(q), 4+128*(H)+32*(q), h, loop, one, done)

// Q6KX_HALF runs row half h of the block.
#define Q6KX_MIN(k)                             \
	VPBROADCASTD (260+4*(k))(R12), Y8       \
	VPMADDWD (1024+64*(k))(BX), Y8, Y9      \
	VPMADDWD (1024+64*(k)+32)(BX), Y8, Y8   \
	VPADDD  Y9, Y10, Y10                    \
	VPADDD  Y8, Y11, Y11

// Q6KX_FINISH adds d_y·d·(sums − 32·Σ_k (sc_2k, sc_2k+1)·bsums pair k)
// of every column to dst and zeroes the sums.
#define Q6KX_FINISH(loop)                       \
	MOVQ DI, R12                            \
	MOVQ DX, R8                             \
	LEAQ KQX_SUMS6(BX), R13                 \
	MOVQ R11, R14                           \
	VPXOR Y7, Y7, Y7                        \
loop:                                           \
	VPBROADCASTD (260)(R12), Y8             \
	VPMADDWD 1024(BX), Y8, Y10              \
	VPMADDWD 1056(BX), Y8, Y11              \
	Q6KX_MIN(1)                             \
	Q6KX_MIN(2)                             \
	Q6KX_MIN(3)                             \
	Q6KX_MIN(4)                             \
	Q6KX_MIN(5)                             \
	Q6KX_MIN(6)                             \
	Q6KX_MIN(7)                             \
	VPSLLD  $5, Y10, Y10                    \
	VPSLLD  $5, Y11, Y11                    \
	VMOVDQU (R13), Y0                       \
	VMOVDQU 32(R13), Y1                     \
	VPSUBD  Y10, Y0, Y0                     \
	VPSUBD  Y11, Y1, Y1                     \
	VMOVDQU Y7, (R13)                       \
	VMOVDQU Y7, 32(R13)                     \
	VCVTDQ2PS Y0, Y0                        \
	VCVTDQ2PS Y1, Y1                        \
	VMULPS  1536(BX), Y0, Y0                \
	VMULPS  1568(BX), Y1, Y1                \
	VBROADCASTSS (R12), Y12                 \
	VFMADD213PS (R8), Y12, Y0               \
	VFMADD213PS 32(R8), Y12, Y1             \
	VMOVUPS Y0, (R8)                        \
	VMOVUPS Y1, 32(R8)                      \
	ADDQ R9, R12                            \
	ADDQ R10, R8                            \
	ADDQ $64, R13                           \
	DECQ R14                                \
	JNZ  loop

// func r16GemmQ6KAVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ6KAVX2(SB), 0, $5792-64
	R16X_ARGS
	LEAQ 31(SP), BX
	ANDQ $~31, BX
	// The rows' d after nb·52 words.
	IMUL3Q $(52*64), CX, AX
	ADDQ SI, AX
	MOVQ AX, 1600(BX)
	R16X_ZERO_DST(q6kxZeroed, q6kxZero)
	VPXOR Y8, Y8, Y8
	LEAQ KQX_SUMS6(BX), R13
	MOVQ R11, R14
q6kxZeroSums:
	VMOVDQU Y8, (R13)
	VMOVDQU Y8, 32(R13)
	ADDQ $64, R13
	DECQ R14
	JNZ  q6kxZeroSums
	VPBROADCASTD r16x0f<>(SB), Y15

q6kxBlock:
	PREFETCHT0 (2*52*64)(SI)
	PREFETCHT0 (2*52*64+48*64)(SI)
	PREFETCHT0 (2*52*64+49*64)(SI)
	PREFETCHT0 (2*52*64+50*64)(SI)
	PREFETCHT0 (2*52*64+51*64)(SI)
	MOVQ 1600(BX), AX
	VCVTPH2PS (AX), Y8
	VCVTPH2PS 16(AX), Y9
	VMOVUPS Y8, 1536(BX)
	VMOVUPS Y9, 1568(BX)
	ADDQ $32, AX
	MOVQ AX, 1600(BX)
	Q6KX_SCW(0, 0)
	Q6KX_SCW(1, 0)
	Q6KX_SCW(2, 0)
	Q6KX_SCW(3, 0)
	Q6KX_SCW(0, 1)
	Q6KX_SCW(1, 1)
	Q6KX_SCW(2, 1)
	Q6KX_SCW(3, 1)
	Q6KX_PASS(0, 0, 0, 0, VPSLLW $4, 0, q6kxC0, q6kxO0, q6kxD0)
	Q6KX_PASS(0, 1, 8, 0, VPSLLW $2, 0, q6kxC1, q6kxO1, q6kxD1)
	Q6KX_PASS(0, 2, 0, 4, VPSLLW $0, 0, q6kxC2, q6kxO2, q6kxD2)
	Q6KX_PASS(0, 3, 8, 4, VPSRLW $2, 0, q6kxC3, q6kxO3, q6kxD3)
	Q6KX_PASS(1, 0, 16, 0, VPSLLW $4, 0, q6kxC4, q6kxO4, q6kxD4)
	Q6KX_PASS(1, 1, 24, 0, VPSLLW $2, 0, q6kxC5, q6kxO5, q6kxD5)
	Q6KX_PASS(1, 2, 16, 4, VPSLLW $0, 0, q6kxC6, q6kxO6, q6kxD6)
	Q6KX_PASS(1, 3, 24, 4, VPSRLW $2, 0, q6kxC7, q6kxO7, q6kxD7)
	Q6KX_PASS(0, 0, 0, 0, VPSLLW $4, 1, q6kxC8, q6kxO8, q6kxD8)
	Q6KX_PASS(0, 1, 8, 0, VPSLLW $2, 1, q6kxC9, q6kxO9, q6kxD9)
	Q6KX_PASS(0, 2, 0, 4, VPSLLW $0, 1, q6kxC10, q6kxO10, q6kxD10)
	Q6KX_PASS(0, 3, 8, 4, VPSRLW $2, 1, q6kxC11, q6kxO11, q6kxD11)
	Q6KX_PASS(1, 0, 16, 0, VPSLLW $4, 1, q6kxC12, q6kxO12, q6kxD12)
	Q6KX_PASS(1, 1, 24, 0, VPSLLW $2, 1, q6kxC13, q6kxO13, q6kxD13)
	Q6KX_PASS(1, 2, 16, 4, VPSLLW $0, 1, q6kxC14, q6kxO14, q6kxD14)
	Q6KX_PASS(1, 3, 24, 4, VPSRLW $2, 1, q6kxC15, q6kxO15, q6kxD15)
	Q6KX_FINISH(q6kxFinish)
	ADDQ $(52*64), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q6kxBlock
	VZEROUPPER
	RET

// ---- q4_K with AVX-VNNI ----
//
// CPUs with AVX2 and AVX-VNNI (Intel from Alder Lake on) have VPDPBUSD on
// ymm registers (VEX encoded): four products of unsigned and signed bytes
// added to each int32 lane in one instruction, without saturation, in
// place of VPMADDUBSW, VPADDW and the int16 limits. The q4_K kernel then
// sums each sub-block's eight words in int32 (two chains, even and odd
// words), converts once and adds the sum times the float scale d·sc_s of
// its rows to float sums on the stack; the mins are as in the AVX2 kernel.
// The Go assembler encodes VPDPBUSD only in its EVEX (AVX-512) form, so
// VPDPBUSD_Y spells out the VEX form.
//
// Stack area (BX) as in r16GemmQ4KAVX2, except: 0…511 the floats d·sc_s
// (sub-block s, half h at 64s + 32h) and the sums are floats.

// VPDPBUSD_Y adds to ymm register dst (a number) the products of the
// unsigned bytes of ymm src1 with the signed bytes of ymm src2:
// VEX.256.66.0F38.W0 50 /r, VPDPBUSD ymm(dst), ymm(src1), ymm(src2).
#define VPDPBUSD_Y(src2, src1, dst) \
	BYTE $0xC4; BYTE $(((1-((dst)>>3))<<7)|0x40|((1-((src2)>>3))<<5)|0x02); BYTE $(((15-(src1))<<3)|5); BYTE $0x50; BYTE $(0xC0|(((dst)&7)<<3)|((src2)&7))

// r16xByte+32j (VPSHUFB): byte j of each dword, zero-extended.
DATA r16xByte<>+0x00(SB)/8, $0x8080800480808000
DATA r16xByte<>+0x08(SB)/8, $0x8080800c80808008
DATA r16xByte<>+0x10(SB)/8, $0x8080800480808000
DATA r16xByte<>+0x18(SB)/8, $0x8080800c80808008
DATA r16xByte<>+0x20(SB)/8, $0x8080800580808001
DATA r16xByte<>+0x28(SB)/8, $0x8080800d80808009
DATA r16xByte<>+0x30(SB)/8, $0x8080800580808001
DATA r16xByte<>+0x38(SB)/8, $0x8080800d80808009
DATA r16xByte<>+0x40(SB)/8, $0x8080800680808002
DATA r16xByte<>+0x48(SB)/8, $0x8080800e8080800a
DATA r16xByte<>+0x50(SB)/8, $0x8080800680808002
DATA r16xByte<>+0x58(SB)/8, $0x8080800e8080800a
DATA r16xByte<>+0x60(SB)/8, $0x8080800780808003
DATA r16xByte<>+0x68(SB)/8, $0x8080800f8080800b
DATA r16xByte<>+0x70(SB)/8, $0x8080800780808003
DATA r16xByte<>+0x78(SB)/8, $0x8080800f8080800b
GLOBL r16xByte<>(SB), RODATA|NOPTR, $128

// KQV_FSC stores d·(byte k of src's dwords) of half h at off + 64k + 32h
// (k = 0…3).
#define KQV_FSC1(k, src, off, h)                    \
	VPSHUFB   r16xByte<>+(32*(k))(SB), src, Y12 \
	VCVTDQ2PS Y12, Y12                          \
	VMULPS    (1024+32*(h))(BX), Y12, Y12       \
	VMOVUPS   Y12, ((off)+64*(k)+32*(h))(BX)

#define KQV_FSC(src, off, h)    \
	KQV_FSC1(0, src, off, h) \
	KQV_FSC1(1, src, off, h) \
	KQV_FSC1(2, src, off, h) \
	KQV_FSC1(3, src, off, h)

// KQV_SCALES is KQX_SCALES with float scales d·sc (d from KQX_DMIN).
#define KQV_SCALES(h)                        \
	VMOVDQU (64+32*(h))(SI), Y8          \
	VMOVDQU (128+32*(h))(SI), Y9         \
	VMOVDQU (192+32*(h))(SI), Y10        \
	VPBROADCASTD r16x3f<>(SB), Y13       \
	VPBROADCASTD r16x30<>(SB), Y14       \
	VPAND   Y13, Y8, Y11                 \
	KQV_FSC(Y11, 0, h)                   \
	VPAND   Y13, Y9, Y11                 \
	KQX_PAIRS(Y11, 512, h)               \
	VPSRLD  $2, Y8, Y8                   \
	VPAND   Y14, Y8, Y8                  \
	VPAND   Y15, Y10, Y11                \
	VPOR    Y8, Y11, Y11                 \
	KQV_FSC(Y11, 256, h)                 \
	VPSRLD  $2, Y9, Y9                   \
	VPAND   Y14, Y9, Y9                  \
	VPSRLD  $4, Y10, Y10                 \
	VPAND   Y15, Y10, Y10                \
	VPOR    Y9, Y10, Y10                 \
	KQX_PAIRS(Y10, 768, h)

// KQV_SUB adds sub-block s of half h of the column at yp (weights in
// Y0…Y7) to its float sums at sp: three chains (Y8, Y9, Y10 of the first
// column of a loop iteration, Y11, Y12, Y13 of the second, the numbers
// an, bn, cn), so that the VPDPBUSD latency does not hold up the loop;
// Y14 the broadcast.
#define KQV_SUB(s, h, yp, sp, a, an, b, bn, c, cn)  \
	VPXOR   a, a, a                             \
	VPXOR   b, b, b                             \
	VPXOR   c, c, c                             \
	VPBROADCASTD (4+32*(s))(yp), Y14            \
	VPDPBUSD_Y(14, 0, an)                       \
	VPBROADCASTD (4+32*(s)+4)(yp), Y14          \
	VPDPBUSD_Y(14, 1, bn)                       \
	VPBROADCASTD (4+32*(s)+8)(yp), Y14          \
	VPDPBUSD_Y(14, 2, cn)                       \
	VPBROADCASTD (4+32*(s)+12)(yp), Y14         \
	VPDPBUSD_Y(14, 3, an)                       \
	VPBROADCASTD (4+32*(s)+16)(yp), Y14         \
	VPDPBUSD_Y(14, 4, bn)                       \
	VPBROADCASTD (4+32*(s)+20)(yp), Y14         \
	VPDPBUSD_Y(14, 5, cn)                       \
	VPBROADCASTD (4+32*(s)+24)(yp), Y14         \
	VPDPBUSD_Y(14, 6, an)                       \
	VPBROADCASTD (4+32*(s)+28)(yp), Y14         \
	VPDPBUSD_Y(14, 7, bn)                       \
	VPADDD  b, a, a                             \
	VPADDD  c, a, a                             \
	VCVTDQ2PS a, a                              \
	VMOVUPS (32*(h))(sp), b                     \
	VFMADD231PS (64*(s)+32*(h))(BX), a, b       \
	VMOVUPS b, (32*(h))(sp)

// KQV_COLS runs sub-block s of half h over all columns, two at a time.
#define KQV_COLS(s, h, loop, one, done)                     \
	MOVQ DI, R12                                        \
	LEAQ KQX_SUMS(BX), R13                              \
	MOVQ R11, R14                                       \
	SUBQ $2, R14                                        \
	JB   one                                            \
loop:                                                       \
	LEAQ (R12)(R9*1), AX                                \
	LEAQ 64(R13), R8                                    \
	KQV_SUB(s, h, R12, R13, Y8, 8, Y9, 9, Y10, 10)      \
	KQV_SUB(s, h, AX, R8, Y11, 11, Y12, 12, Y13, 13)    \
	LEAQ (R12)(R9*2), R12                               \
	ADDQ $128, R13                                      \
	SUBQ $2, R14                                        \
	JAE  loop                                           \
one:                                                        \
	CMPQ R14, $-1                                       \
	JNE  done                                           \
	KQV_SUB(s, h, R12, R13, Y8, 8, Y9, 9, Y10, 10)      \
done:

#define Q4KV_PASS(j, h, p, s, loop, one, done) \
	Q4KX_LOAD(j, h, p)                     \
	KQV_COLS(s, h, loop, one, done)

// KQV_FINISH is KQX_FINISH for float sums that hold d already.
#define KQV_FINISH(loop)                        \
	MOVQ DI, R12                            \
	MOVQ DX, R8                             \
	LEAQ KQX_SUMS(BX), R13                  \
	MOVQ R11, R14                           \
	VPXOR Y7, Y7, Y7                        \
loop:                                           \
	VPBROADCASTD (260)(R12), Y8             \
	VPMADDWD 512(BX), Y8, Y10               \
	VPMADDWD 544(BX), Y8, Y11               \
	KQX_MIN(1)                              \
	KQX_MIN(2)                              \
	KQX_MIN(3)                              \
	KQX_MIN(4)                              \
	KQX_MIN(5)                              \
	KQX_MIN(6)                              \
	KQX_MIN(7)                              \
	VMOVUPS (R13), Y0                       \
	VMOVUPS 32(R13), Y1                     \
	VMOVDQU Y7, (R13)                       \
	VMOVDQU Y7, 32(R13)                     \
	VCVTDQ2PS Y10, Y10                      \
	VCVTDQ2PS Y11, Y11                      \
	VFNMADD231PS 1088(BX), Y10, Y0          \
	VFNMADD231PS 1120(BX), Y11, Y1          \
	VBROADCASTSS (R12), Y12                 \
	VFMADD213PS (R8), Y12, Y0               \
	VFMADD213PS 32(R8), Y12, Y1             \
	VMOVUPS Y0, (R8)                        \
	VMOVUPS Y1, 32(R8)                      \
	ADDQ R9, R12                            \
	ADDQ R10, R8                            \
	ADDQ $64, R13                           \
	DECQ R14                                \
	JNZ  loop

// func r16GemmQ4KAVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4KAVXVNNI(SB), 0, $5280-64
	R16X_ARGS
	LEAQ 31(SP), BX
	ANDQ $~31, BX
	R16X_ZERO_DST(q4kvZeroed, q4kvZero)
	KQX_ZERO_SUMS(q4kvZeroSums)
	VPBROADCASTD r16x0f<>(SB), Y15

q4kvBlock:
	PREFETCHT0 (2*36*64)(SI)
	PREFETCHT0 (2*36*64+64)(SI)
	PREFETCHT0 (2*36*64+128)(SI)
	PREFETCHT0 (2*36*64+192)(SI)
	KQX_DMIN(0)
	KQX_DMIN(1)
	KQV_SCALES(0)
	KQV_SCALES(1)
	Q4KV_PASS(0, 0, 0, 0, q4kvC0, q4kvO0, q4kvD0)
	Q4KV_PASS(0, 0, 1, 1, q4kvC1, q4kvO1, q4kvD1)
	Q4KV_PASS(1, 0, 0, 2, q4kvC2, q4kvO2, q4kvD2)
	Q4KV_PASS(1, 0, 1, 3, q4kvC3, q4kvO3, q4kvD3)
	Q4KV_PASS(2, 0, 0, 4, q4kvC4, q4kvO4, q4kvD4)
	Q4KV_PASS(2, 0, 1, 5, q4kvC5, q4kvO5, q4kvD5)
	Q4KV_PASS(3, 0, 0, 6, q4kvC6, q4kvO6, q4kvD6)
	Q4KV_PASS(3, 0, 1, 7, q4kvC7, q4kvO7, q4kvD7)
	Q4KV_PASS(0, 1, 0, 0, q4kvC8, q4kvO8, q4kvD8)
	Q4KV_PASS(0, 1, 1, 1, q4kvC9, q4kvO9, q4kvD9)
	Q4KV_PASS(1, 1, 0, 2, q4kvC10, q4kvO10, q4kvD10)
	Q4KV_PASS(1, 1, 1, 3, q4kvC11, q4kvO11, q4kvD11)
	Q4KV_PASS(2, 1, 0, 4, q4kvC12, q4kvO12, q4kvD12)
	Q4KV_PASS(2, 1, 1, 5, q4kvC13, q4kvO13, q4kvD13)
	Q4KV_PASS(3, 1, 0, 6, q4kvC14, q4kvO14, q4kvD14)
	Q4KV_PASS(3, 1, 1, 7, q4kvC15, q4kvO15, q4kvD15)
	KQV_FINISH(q4kvFinish)
	ADDQ $(36*64), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kvBlock
	VZEROUPPER
	RET

// ---- q8_0 and q4_0 ----
//
// The rows' d (fp16, after the words of all blocks) are converted per
// block and half (Y15). Per block, a first pass over the columns writes
// each column's d_y (float) and m·Σy (the column's 32 quants summed by
// VPMADDUBSW of the bytes 1, VPMADDWD by ones and a shuffle-and-add
// network that leaves the total in every lane, shifted left by log2 m)
// to a table on the stack (64 bytes per column: m·Σy at 0, d_y at 32; at
// most r16MaxCols columns); q8_0's AVX2 kernel needs no m·Σy and converts
// d_y itself. Per column and half, the block's int32 sums less m·Σy go to
// float, times the rows' d and d_y into dst.
//
// q8_0 (AVX2): words g = 0…7 are quants 4g…4g+3; Y0…Y7 = |q|, and each
// column's broadcast takes q's sign from the strip (VPSIGNB from memory),
// then VPMADDUBSW and VPMADDWD by ones word by word (no m·Σy).
// q4_0 (AVX2): words g = 0…3 hold nibble bytes 4g…4g+3 (low nibbles:
// quants 4g…, high: 16 + 4g…); Y0…Y3 = low nibbles, Y4…Y7 = high, so that
// Y(i) meets activations 4i…4i+3 as in q8_0; u = q + 8 ≤ 15 sums over all
// eight in int16, less 8·Σy.
// With AVX-VNNI (VPDPBUSD_Y, see above): the weights are unsigned bytes
// u = q + m (q8_0: q XOR 0x80, m = 128; q4_0: the nibbles, m = 8), and
// VPDPBUSD sums u·y in int32 (two chains), less m·Σy.
//
// Registers as in the header, except: R8 the column's table entry, the
// rows' d of the block found through X80_DPTR(SP), BX column b's dst;
// column a uses Y8 (scratch), Y9 (sums), Y10 (d_y), column b Y11, Y12,
// Y13; Y14 int16 ones (AVX2), or the bytes 0x80 while q8_0's weights
// are loaded and then the broadcasts (AVX-VNNI).

#define X80_DPTR 4096

DATA r16x01<>+0(SB)/4, $0x01010101
GLOBL r16x01<>(SB), RODATA|NOPTR, $4
DATA r16x80<>+0(SB)/4, $0x80808080
GLOBL r16x80<>(SB), RODATA|NOPTR, $4

// X80_PREP writes the column table of the block (m = 1 << shift). Uses
// Y8…Y11.
#define X80_PREP(shift, loop)             \
	MOVQ DI, R12                      \
	MOVQ SP, R8                       \
	MOVQ R11, R14                     \
	VPBROADCASTD r16x01<>(SB), Y10    \
	VPBROADCASTD r16xOnes<>(SB), Y11  \
loop:                                     \
	VPBROADCASTW (R12), X9            \
	VCVTPH2PS X9, Y9                  \
	VMOVSS  X9, 32(R8)                \
	VPMADDUBSW 2(R12), Y10, Y8        \
	VPMADDWD Y11, Y8, Y8              \
	VPSHUFD $0x4e, Y8, Y9             \
	VPADDD  Y9, Y8, Y8                \
	VPSHUFD $0xb1, Y8, Y9             \
	VPADDD  Y9, Y8, Y8                \
	VPERM2I128 $0x01, Y8, Y8, Y9      \
	VPADDD  Y9, Y8, Y8                \
	VPSLLD  $(shift), Y8, Y8          \
	VMOVDQU Y8, (R8)                  \
	ADDQ R9, R12                      \
	ADDQ $64, R8                      \
	DECQ R14                          \
	JNZ  loop

// X80_OUT adds acc (int32 sums of half h of a column, less m·Σy) times
// the rows' d (Y15) and the column's d_y (table entry toff(R8)) to its
// outputs at dp.
#define X80_OUT(h, toff, dp, acc, dy)      \
	VCVTDQ2PS acc, acc                 \
	VMULPS  Y15, acc, acc              \
	VBROADCASTSS ((toff)+32)(R8), dy   \
	VFMADD213PS (32*(h))(dp), dy, acc  \
	VMOVUPS acc, (32*(h))(dp)

// Q80X_WORD adds word g (weights w, signs at strip offset off) of the
// column at yp to acc.
#define Q80X_WORD(g, off, w, yp, acc, t) \
	VPBROADCASTD (2+4*(g))(yp), t    \
	VPSIGNB (off)(SI), t, t          \
	VPMADDUBSW t, w, t               \
	VPMADDWD Y14, t, t               \
	VPADDD  t, acc, acc

// Q80X_COL adds half h of the block of the column at yp to its outputs
// at dp (d_y converted here: q8_0's AVX2 kernel has no column table);
// acc, t, dy (xdy its xmm) scratch, an, tn, toff unused.
#define Q80X_COL(h, yp, toff, dp, acc, an, t, tn, dy, xdy) \
	VPBROADCASTD 2(yp), t                    \
	VPSIGNB (32*(h))(SI), t, t               \
	VPMADDUBSW t, Y0, t                      \
	VPMADDWD Y14, t, acc                     \
	Q80X_WORD(1, 64+32*(h), Y1, yp, acc, t)  \
	Q80X_WORD(2, 128+32*(h), Y2, yp, acc, t) \
	Q80X_WORD(3, 192+32*(h), Y3, yp, acc, t) \
	Q80X_WORD(4, 256+32*(h), Y4, yp, acc, t) \
	Q80X_WORD(5, 320+32*(h), Y5, yp, acc, t) \
	Q80X_WORD(6, 384+32*(h), Y6, yp, acc, t) \
	Q80X_WORD(7, 448+32*(h), Y7, yp, acc, t) \
	VPBROADCASTW (yp), xdy                   \
	VCVTPH2PS xdy, dy                        \
	VCVTDQ2PS acc, acc                       \
	VMULPS  Y15, acc, acc                    \
	VFMADD213PS (32*(h))(dp), dy, acc        \
	VMOVUPS acc, (32*(h))(dp)

// Q40X_COL adds half h of the q4_0 block of the column at yp (table
// entry toff(R8)) to its outputs at dp; acc, t, dy scratch.
#define Q40X_COL(h, yp, toff, dp, acc, an, t, tn, dy, xdy) \
	KQX_DOT8(yp, 2, acc, t)               \
	VPMADDWD Y14, acc, acc                \
	VPSUBD  (toff)(R8), acc, acc          \
	X80_OUT(h, toff, dp, acc, dy)

// XV_COL is Q80X_COL with AVX-VNNI (q8_0 and q4_0): a, b (numbers an,
// bn) the two chains, Y14 the broadcasts (t, xt unused).
#define XV_COL(h, yp, toff, dp, a, an, b, bn, t, xt) \
	VPXOR   a, a, a                           \
	VPXOR   b, b, b                           \
	VPBROADCASTD 2(yp), Y14                  \
	VPDPBUSD_Y(14, 0, an)                     \
	VPBROADCASTD 6(yp), Y14                  \
	VPDPBUSD_Y(14, 1, bn)                     \
	VPBROADCASTD 10(yp), Y14                 \
	VPDPBUSD_Y(14, 2, an)                     \
	VPBROADCASTD 14(yp), Y14                 \
	VPDPBUSD_Y(14, 3, bn)                     \
	VPBROADCASTD 18(yp), Y14                 \
	VPDPBUSD_Y(14, 4, an)                     \
	VPBROADCASTD 22(yp), Y14                 \
	VPDPBUSD_Y(14, 5, bn)                     \
	VPBROADCASTD 26(yp), Y14                 \
	VPDPBUSD_Y(14, 6, an)                     \
	VPBROADCASTD 30(yp), Y14                 \
	VPDPBUSD_Y(14, 7, bn)                     \
	VPADDD  b, a, a                           \
	VPSUBD  (toff)(R8), a, a                  \
	X80_OUT(h, toff, dp, a, b)

// X80_COLS runs half h over all columns with col (Q80X_COL, Q40X_COL or
// XV_COL), two at a time.
#define X80_COLS(col, h, loop, one, done)                 \
	MOVQ DI, R12                                      \
	MOVQ DX, R13                                      \
	MOVQ SP, R8                                       \
	MOVQ R11, R14                                     \
	SUBQ $2, R14                                      \
	JB   one                                          \
loop:                                                     \
	LEAQ (R12)(R9*1), AX                              \
	LEAQ (R13)(R10*1), BX                             \
	col(h, R12, 0, R13, Y9, 9, Y8, 8, Y10, X10)       \
	col(h, AX, 64, BX, Y12, 12, Y11, 11, Y13, X13)    \
	LEAQ (R12)(R9*2), R12                             \
	LEAQ (R13)(R10*2), R13                            \
	ADDQ $128, R8                                     \
	SUBQ $2, R14                                      \
	JAE  loop                                         \
one:                                                      \
	CMPQ R14, $-1                                     \
	JNE  done                                         \
	col(h, R12, 0, R13, Y9, 9, Y8, 8, Y10, X10)       \
done:

// X80_SETUP loads the arguments of a q8_0/q4_0 kernel (words per block:
// words), keeps the rows' d pointer at X80_DPTR(SP) and zeroes dst unless
// accumulating.
#define X80_SETUP(words, zdone, zloop)  \
	R16X_ARGS                       \
	IMUL3Q $(64*(words)), CX, R8    \
	ADDQ SI, R8                     \
	MOVQ R8, X80_DPTR(SP)           \
	R16X_ZERO_DST(zdone, zloop)

// X80_D sets Y15 to the rows' d of half h and, after the last half,
// moves on to the next block's.
#define X80_D(h)                   \
	MOVQ X80_DPTR(SP), R8      \
	VCVTPH2PS (16*(h))(R8), Y15

#define X80_NEXT(words, loop)             \
	ADDQ $32, X80_DPTR(SP)            \
	ADDQ $(64*(words)), SI            \
	ADDQ $34, DI                      \
	DECQ CX                           \
	JNZ  loop

// Q80X_ABS sets Y0…Y7 to |q| of half h.
#define Q80X_ABS(h)                 \
	VPABSB (32*(h))(SI), Y0     \
	VPABSB (64+32*(h))(SI), Y1  \
	VPABSB (128+32*(h))(SI), Y2 \
	VPABSB (192+32*(h))(SI), Y3 \
	VPABSB (256+32*(h))(SI), Y4 \
	VPABSB (320+32*(h))(SI), Y5 \
	VPABSB (384+32*(h))(SI), Y6 \
	VPABSB (448+32*(h))(SI), Y7

// Q80V_LOAD sets Y0…Y7 to q XOR 0x80 of half h, Y14 to the bytes 0x80.
#define Q80V_LOAD(h)                       \
	VPBROADCASTD r16x80<>(SB), Y14     \
	VPXOR (32*(h))(SI), Y14, Y0        \
	VPXOR (64+32*(h))(SI), Y14, Y1     \
	VPXOR (128+32*(h))(SI), Y14, Y2    \
	VPXOR (192+32*(h))(SI), Y14, Y3    \
	VPXOR (256+32*(h))(SI), Y14, Y4    \
	VPXOR (320+32*(h))(SI), Y14, Y5    \
	VPXOR (384+32*(h))(SI), Y14, Y6    \
	VPXOR (448+32*(h))(SI), Y14, Y7

// Q40X_LOAD sets Y0…Y3 to the low nibbles of half h, Y4…Y7 to the high
// ones. Uses Y13.
#define Q40X_LOAD(h)                   \
	VPBROADCASTD r16x0f<>(SB), Y13 \
	VMOVDQU (32*(h))(SI), Y4       \
	VMOVDQU (64+32*(h))(SI), Y5    \
	VMOVDQU (128+32*(h))(SI), Y6   \
	VMOVDQU (192+32*(h))(SI), Y7   \
	VPAND   Y13, Y4, Y0            \
	VPAND   Y13, Y5, Y1            \
	VPAND   Y13, Y6, Y2            \
	VPAND   Y13, Y7, Y3            \
	VPSRLW  $4, Y4, Y4             \
	VPSRLW  $4, Y5, Y5             \
	VPSRLW  $4, Y6, Y6             \
	VPSRLW  $4, Y7, Y7             \
	VPAND   Y13, Y4, Y4            \
	VPAND   Y13, Y5, Y5            \
	VPAND   Y13, Y6, Y6            \
	VPAND   Y13, Y7, Y7

#define Q80X_PREFETCH              \
	PREFETCHT0 1024(SI)        \
	PREFETCHT0 1088(SI)        \
	PREFETCHT0 1152(SI)        \
	PREFETCHT0 1216(SI)        \
	PREFETCHT0 1280(SI)        \
	PREFETCHT0 1344(SI)        \
	PREFETCHT0 1408(SI)        \
	PREFETCHT0 1472(SI)        \
	PREFETCHT0 64(R8)

#define Q40X_PREFETCH              \
	PREFETCHT0 512(SI)         \
	PREFETCHT0 576(SI)         \
	PREFETCHT0 640(SI)         \
	PREFETCHT0 704(SI)         \
	PREFETCHT0 64(R8)

// func r16GemmQ8_0AVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ8_0AVX2(SB), 0, $4104-64
	X80_SETUP(8, q80xZeroed, q80xZero)

q80xBlock:
	VPBROADCASTD r16xOnes<>(SB), Y14
	X80_D(0)
	Q80X_PREFETCH
	Q80X_ABS(0)
	X80_COLS(Q80X_COL, 0, q80xC0, q80xO0, q80xD0)
	X80_D(1)
	Q80X_ABS(1)
	X80_COLS(Q80X_COL, 1, q80xC1, q80xO1, q80xD1)
	X80_NEXT(8, q80xBlock)
	VZEROUPPER
	RET

// func r16GemmQ4_0AVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4_0AVX2(SB), 0, $4104-64
	X80_SETUP(4, q40xZeroed, q40xZero)

q40xBlock:
	X80_PREP(3, q40xPrep)
	VPBROADCASTD r16xOnes<>(SB), Y14
	X80_D(0)
	Q40X_PREFETCH
	Q40X_LOAD(0)
	X80_COLS(Q40X_COL, 0, q40xC0, q40xO0, q40xD0)
	X80_D(1)
	Q40X_LOAD(1)
	X80_COLS(Q40X_COL, 1, q40xC1, q40xO1, q40xD1)
	X80_NEXT(4, q40xBlock)
	VZEROUPPER
	RET

// func r16GemmQ8_0AVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ8_0AVXVNNI(SB), 0, $4104-64
	X80_SETUP(8, q80vZeroed, q80vZero)

q80vBlock:
	X80_PREP(7, q80vPrep)
	X80_D(0)
	Q80X_PREFETCH
	Q80V_LOAD(0)
	X80_COLS(XV_COL, 0, q80vC0, q80vO0, q80vD0)
	X80_D(1)
	Q80V_LOAD(1)
	X80_COLS(XV_COL, 1, q80vC1, q80vO1, q80vD1)
	X80_NEXT(8, q80vBlock)
	VZEROUPPER
	RET

// func r16GemmQ4_0AVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ4_0AVXVNNI(SB), 0, $4104-64
	X80_SETUP(4, q40vZeroed, q40vZero)

q40vBlock:
	X80_PREP(3, q40vPrep)
	X80_D(0)
	Q40X_PREFETCH
	Q40X_LOAD(0)
	X80_COLS(XV_COL, 0, q40vC0, q40vO0, q40vD0)
	X80_D(1)
	Q40X_LOAD(1)
	X80_COLS(XV_COL, 1, q40vC1, q40vO1, q40vD1)
	X80_NEXT(4, q40vBlock)
	VZEROUPPER
	RET


// ---- q5_K with AVX-VNNI ----
//
// r16GemmQ5KAVX2's unpacking with r16GemmQ4KAVXVNNI's sums (u ≤ 31 needs
// no int16 limit with VPDPBUSD).

#define Q5KV_PASS(j, h, p, s, sh, loop, one, done) \
	Q5KX_LOAD(j, h, p, sh)                     \
	KQV_COLS(s, h, loop, one, done)

// func r16GemmQ5KAVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ5KAVXVNNI(SB), 0, $5280-64
	R16X_ARGS
	LEAQ 31(SP), BX
	ANDQ $~31, BX
	R16X_ZERO_DST(q5kvZeroed, q5kvZero)
	KQX_ZERO_SUMS(q5kvZeroSums)
	VPBROADCASTD r16x0f<>(SB), Y15

q5kvBlock:
	PREFETCHT0 (2*44*64)(SI)
	PREFETCHT0 (2*44*64+64)(SI)
	PREFETCHT0 (2*44*64+128)(SI)
	PREFETCHT0 (2*44*64+192)(SI)
	KQX_DMIN(0)
	KQX_DMIN(1)
	KQV_SCALES(0)
	KQV_SCALES(1)
	Q5KV_PASS(0, 0, 0, 0, VPSLLW $4, q5kvC0, q5kvO0, q5kvD0)
	Q5KV_PASS(0, 0, 1, 1, VPSLLW $3, q5kvC1, q5kvO1, q5kvD1)
	Q5KV_PASS(1, 0, 0, 2, VPSLLW $2, q5kvC2, q5kvO2, q5kvD2)
	Q5KV_PASS(1, 0, 1, 3, VPSLLW $1, q5kvC3, q5kvO3, q5kvD3)
	Q5KV_PASS(2, 0, 0, 4, VPSLLW $0, q5kvC4, q5kvO4, q5kvD4)
	Q5KV_PASS(2, 0, 1, 5, VPSRLW $1, q5kvC5, q5kvO5, q5kvD5)
	Q5KV_PASS(3, 0, 0, 6, VPSRLW $2, q5kvC6, q5kvO6, q5kvD6)
	Q5KV_PASS(3, 0, 1, 7, VPSRLW $3, q5kvC7, q5kvO7, q5kvD7)
	Q5KV_PASS(0, 1, 0, 0, VPSLLW $4, q5kvC8, q5kvO8, q5kvD8)
	Q5KV_PASS(0, 1, 1, 1, VPSLLW $3, q5kvC9, q5kvO9, q5kvD9)
	Q5KV_PASS(1, 1, 0, 2, VPSLLW $2, q5kvC10, q5kvO10, q5kvD10)
	Q5KV_PASS(1, 1, 1, 3, VPSLLW $1, q5kvC11, q5kvO11, q5kvD11)
	Q5KV_PASS(2, 1, 0, 4, VPSLLW $0, q5kvC12, q5kvO12, q5kvD12)
	Q5KV_PASS(2, 1, 1, 5, VPSRLW $1, q5kvC13, q5kvO13, q5kvD13)
	Q5KV_PASS(3, 1, 0, 6, VPSRLW $2, q5kvC14, q5kvO14, q5kvD14)
	Q5KV_PASS(3, 1, 1, 7, VPSRLW $3, q5kvC15, q5kvO15, q5kvD15)
	KQV_FINISH(q5kvFinish)
	ADDQ $(44*64), SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q5kvBlock
	VZEROUPPER
	RET
