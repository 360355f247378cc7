// Shared macros of the amd64 tile kernels (dot_q8_0_amd64.s,
// dot_q4_0_amd64.s): the 4×4 tile frame for 32-element blocks with 2-byte
// fp16 scales at each block start.
//
// Register plan (AVX-512VL + VNNI on 256-bit vectors):
//   SI, R8, R9, R10   = the 4 weight rows; AX = byte offset of the block
//   DI, R11, R12, R13 = the 4 activation columns; DX = their byte offset
//   CX = blocks left; BX, R14 = scratch for gathering fp16 scales
//   Y0…Y15  = accumulators, acc(r, c) = Y(4c + r)
//   Y16…Y19 = weight rows as unsigned bytes
//   Y20…Y23 = activation columns (int8)
//   Y24…Y27 = per-column integer corrections
//   Y28     = scratch; Y29…Y31 = constants
//   0(SP)…63(SP) = the 16 scales d_x(r)·d_y(c), float32, at 4·(4c + r)

// TILE_SCALES stores the 16 products d_x(r)·d_y(c) of the current block to
// 0(SP): the 8 fp16 scales are gathered into one XMM through BX (4 per
// 64-bit word), widened by VCVTPH2PS to [dx0…3 dy0…3], the two halves
// spread to [dx|dx] and [dy|dy], and VPERMILPS with constant selectors
// makes [dy0×4|dy1×4] and [dy2×4|dy3×4] for two multiplies. Clobbers
// Y20…Y23.
#define TILE_SCALES \
	MOVWLZX      (SI)(AX*1), BX        \
	MOVWLZX      (R8)(AX*1), R14       \
	SHLL         $16, R14              \
	ORL          R14, BX               \
	MOVWLZX      (R9)(AX*1), R14       \
	SHLQ         $32, R14              \
	ORQ          R14, BX               \
	MOVWLZX      (R10)(AX*1), R14      \
	SHLQ         $48, R14              \
	ORQ          R14, BX               \
	VMOVQ        BX, X20               \
	MOVWLZX      (DI)(DX*1), BX        \
	MOVWLZX      (R11)(DX*1), R14      \
	SHLL         $16, R14              \
	ORL          R14, BX               \
	MOVWLZX      (R12)(DX*1), R14      \
	SHLQ         $32, R14              \
	ORQ          R14, BX               \
	MOVWLZX      (R13)(DX*1), R14      \
	SHLQ         $48, R14              \
	ORQ          R14, BX               \
	VPINSRQ      $1, BX, X20, X20      \
	VCVTPH2PS    X20, Y20              \
	VINSERTF32X4 $1, X20, Y20, Y21     \
	VSHUFF32X4   $3, Y20, Y20, Y22     \
	VPERMILPS    tileSel01<>(SB), Y22, Y23 \
	VMULPS       Y21, Y23, Y23         \
	VMOVUPS      Y23, 0(SP)            \
	VPERMILPS    tileSel23<>(SB), Y22, Y23 \
	VMULPS       Y21, Y23, Y23         \
	VMOVUPS      Y23, 32(SP)

// TILE_LOADY loads the 4 activation columns (quants at DX+2) into
// Y20…Y23 and sets Y24…Y27 = −m·(sums of 4 quants) per int32 lane, where
// Y30 holds the bytes m: the correction that turns Σ u·y, with u = q + m
// the unsigned form of the weights, into Σ q·y. Y31 must be zero.
#define TILE_LOADY \
	VMOVDQU32 2(DI)(DX*1), Y20  \
	VMOVDQU32 2(R11)(DX*1), Y21 \
	VMOVDQU32 2(R12)(DX*1), Y22 \
	VMOVDQU32 2(R13)(DX*1), Y23 \
	VPXORD    Y28, Y28, Y28     \
	VPDPBUSD  Y20, Y30, Y28     \
	VPSUBD    Y28, Y31, Y24     \
	VPXORD    Y28, Y28, Y28     \
	VPDPBUSD  Y21, Y30, Y28     \
	VPSUBD    Y28, Y31, Y25     \
	VPXORD    Y28, Y28, Y28     \
	VPDPBUSD  Y22, Y30, Y28     \
	VPSUBD    Y28, Y31, Y26     \
	VPXORD    Y28, Y28, Y28     \
	VPDPBUSD  Y23, Y30, Y28     \
	VPSUBD    Y28, Y31, Y27

// TILE_PAIR adds row xr · column yc of the block to acc: integer dot from
// the column's correction, to float32, times the scale at soff(SP).
#define TILE_PAIR(xr, yc, nc, soff, acc) \
	VMOVDQA32        nc, Y28            \
	VPDPBUSD         yc, xr, Y28        \
	VCVTDQ2PS        Y28, Y28           \
	VFMADD231PS.BCST soff(SP), Y28, acc

#define TILE_PAIRS \
	TILE_PAIR(Y16, Y20, Y24, 0, Y0)   \
	TILE_PAIR(Y17, Y20, Y24, 4, Y1)   \
	TILE_PAIR(Y18, Y20, Y24, 8, Y2)   \
	TILE_PAIR(Y19, Y20, Y24, 12, Y3)  \
	TILE_PAIR(Y16, Y21, Y25, 16, Y4)  \
	TILE_PAIR(Y17, Y21, Y25, 20, Y5)  \
	TILE_PAIR(Y18, Y21, Y25, 24, Y6)  \
	TILE_PAIR(Y19, Y21, Y25, 28, Y7)  \
	TILE_PAIR(Y16, Y22, Y26, 32, Y8)  \
	TILE_PAIR(Y17, Y22, Y26, 36, Y9)  \
	TILE_PAIR(Y18, Y22, Y26, 40, Y10) \
	TILE_PAIR(Y19, Y22, Y26, 44, Y11) \
	TILE_PAIR(Y16, Y23, Y27, 48, Y12) \
	TILE_PAIR(Y17, Y23, Y27, 52, Y13) \
	TILE_PAIR(Y18, Y23, Y27, 56, Y14) \
	TILE_PAIR(Y19, Y23, Y27, 60, Y15)

// TILE_SETUP loads the arguments (func(n int, x []byte, xStride int,
// y []byte, yStride int, dst []float32, dstStride int)) into the row and
// column pointers and zeroes the accumulators.
#define TILE_SETUP \
	MOVQ   n+0(FP), CX               \
	SHRQ   $5, CX                    \
	MOVQ   x_base+8(FP), SI          \
	MOVQ   xStride+32(FP), BX        \
	LEAQ   (SI)(BX*1), R8            \
	LEAQ   (SI)(BX*2), R9            \
	LEAQ   (R8)(BX*2), R10           \
	MOVQ   y_base+40(FP), DI         \
	MOVQ   yStride+64(FP), BX        \
	LEAQ   (DI)(BX*1), R11           \
	LEAQ   (DI)(BX*2), R12           \
	LEAQ   (R11)(BX*2), R13          \
	XORQ   AX, AX                    \
	XORQ   DX, DX                    \
	VPXORD Y31, Y31, Y31             \
	VMOVDQA32 Y31, Y0                \
	VMOVDQA32 Y31, Y1                \
	VMOVDQA32 Y31, Y2                \
	VMOVDQA32 Y31, Y3                \
	VMOVDQA32 Y31, Y4                \
	VMOVDQA32 Y31, Y5                \
	VMOVDQA32 Y31, Y6                \
	VMOVDQA32 Y31, Y7                \
	VMOVDQA32 Y31, Y8                \
	VMOVDQA32 Y31, Y9                \
	VMOVDQA32 Y31, Y10               \
	VMOVDQA32 Y31, Y11               \
	VMOVDQA32 Y31, Y12               \
	VMOVDQA32 Y31, Y13               \
	VMOVDQA32 Y31, Y14               \
	VMOVDQA32 Y31, Y15

// TILE_STORE_COL adds up the lanes of the 4 accumulators a0…a3 of one
// column and stores the 4 sums (rows 0…3, contiguous) at (BX).
#define TILE_STORE_COL(a0, a1, a2, a3, x0) \
	VHADDPS      a1, a0, a0 \
	VHADDPS      a3, a2, a2 \
	VHADDPS      a2, a0, a0 \
	VEXTRACTF128 $1, a0, X1 \
	VADDPS       X1, x0, x0 \
	VMOVUPS      x0, (BX)

// TILE_STORE writes the 16 results to dst[c·dstStride + r].
#define TILE_STORE \
	MOVQ dst_base+72(FP), BX        \
	MOVQ dstStride+96(FP), DX       \
	SHLQ $2, DX                     \
	TILE_STORE_COL(Y0, Y1, Y2, Y3, X0)  \
	ADDQ DX, BX                     \
	TILE_STORE_COL(Y4, Y5, Y6, Y7, X4)  \
	ADDQ DX, BX                     \
	TILE_STORE_COL(Y8, Y9, Y10, Y11, X8) \
	ADDQ DX, BX                     \
	TILE_STORE_COL(Y12, Y13, Y14, Y15, X12)

// The VPERMILPS selectors of TILE_SCALES.
DATA tileSel01<>+0(SB)/4, $0
DATA tileSel01<>+4(SB)/4, $0
DATA tileSel01<>+8(SB)/4, $0
DATA tileSel01<>+12(SB)/4, $0
DATA tileSel01<>+16(SB)/4, $1
DATA tileSel01<>+20(SB)/4, $1
DATA tileSel01<>+24(SB)/4, $1
DATA tileSel01<>+28(SB)/4, $1
GLOBL tileSel01<>(SB), RODATA|NOPTR, $32
DATA tileSel23<>+0(SB)/4, $2
DATA tileSel23<>+4(SB)/4, $2
DATA tileSel23<>+8(SB)/4, $2
DATA tileSel23<>+12(SB)/4, $2
DATA tileSel23<>+16(SB)/4, $3
DATA tileSel23<>+20(SB)/4, $3
DATA tileSel23<>+24(SB)/4, $3
DATA tileSel23<>+28(SB)/4, $3
GLOBL tileSel23<>(SB), RODATA|NOPTR, $32
