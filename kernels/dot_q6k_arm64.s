//go:build !noasm

#include "textflag.h"

// q6_K · q8_K dot products for arm64.
//
// Algorithm, per super-block of 256 (the Go twin is dotQ6KQ8KGeneric): with
// u = q+32 the unsigned 6-bit weight and group g of 16 elements scaled by
// the int8 scales[g],
//
//	d·dy·(Σ_g scales[g]·Σᵢ uᵢ·yᵢ − 32·Σ_g scales[g]·bsums[g])
//
// summed exactly in int32 and converted to float32 once per super-block, as
// the twin does.
//   - Scales: SXTL/SXTL2 widen the sixteen int8 scales to int16 (V21, V22)
//     and to four vectors of four int32 (V24…V27).
//   - Offset term: SMULL/SMLAL/SMLAL2 of the int16 scales with the sixteen
//     int16 bsums, ADDV; it is subtracted times 32 at the end.
//   - Weight term, per half of 128 elements (64 ql bytes in V0…V3, 32 qh
//     bytes in V4, V5): each 16-byte vector of weights is exactly one group.
//     AND 0x0f or USHR 4 takes the low four bits from ql; SHL 4, SHL 2,
//     nothing or USHR 2 brings qh's bit pair 0-1, 2-3, 4-5 or 6-7 to bits
//     4-5, and BIT with 0x30 inserts it. The four-lane int32 sums of a
//     group come from
//       neon:    SMULL/SMLAL2 into int16 lanes (two products of at most
//                63·128 per lane), then SADDLP to int32;
//       dotprod: SDOT straight into int32 lanes;
//     and MUL/MLA (by element) with the group's scale adds them to V10
//     (even groups) and V11 (odd); ADD and ADDV give one int32.
//   - FCVTHS converts d (read with MOVHU: it ends the block, and a wider
//     load would read past it); FMULS/FADDS add the super-block's float32
//     result to F8.
//
// Registers: R0 = x block, R1 = y block, R2 = blocks left, R3 = ql,
// R4 = activations, R5 = qh, R6 = d, R12 = offset term, R13 = scaled sum;
// V0…V3 = ql, V4, V5 = qh, V6, V7 = weights of two groups, V8 = result
// (F8), V10, V11 = scaled sums, V12, V13 = shifted qh, V14, V15 = group
// sums, V16…V19 = activations, V20 = scale bytes, V21, V22 = int16 scales,
// V23 = offset products, V24…V27 = int32 scales, V28, V29 = bsums,
// F12, F13 = float temporaries, V30 = 0x30 and V31 = 0x0f in every byte.
//
// The assembler lacks SXTL, SMULL, SMLAL, SADDLP, SDOT and MUL/MLA on
// vectors: they are WORDs, each with its instruction in a comment.

// BLOCK_START widens the scales of the block at R0, computes the offset
// term into R12 and points R3, R5, R4 at ql, qh and the activations.
#define BLOCK_START \
	ADD    $192, R0, R5                                      \
	VLD1   (R5), [V20.B16]                                   \
	ADD    $260, R1, R6                                      \
	VLD1   (R6), [V28.H8, V29.H8]                            \
	WORD   $0x0f08a695 /* SXTL V21.8H, V20.8B */             \
	WORD   $0x4f08a696 /* SXTL2 V22.8H, V20.16B */           \
	WORD   $0x0e7cc2b7 /* SMULL V23.4S, V21.4H, V28.4H */    \
	WORD   $0x4e7c82b7 /* SMLAL2 V23.4S, V21.8H, V28.8H */   \
	WORD   $0x0e7d82d7 /* SMLAL V23.4S, V22.4H, V29.4H */    \
	WORD   $0x4e7d82d7 /* SMLAL2 V23.4S, V22.8H, V29.8H */   \
	WORD   $0x0f10a6b8 /* SXTL V24.4S, V21.4H */             \
	WORD   $0x4f10a6b9 /* SXTL2 V25.4S, V21.8H */            \
	WORD   $0x0f10a6da /* SXTL V26.4S, V22.4H */             \
	WORD   $0x4f10a6db /* SXTL2 V27.4S, V22.8H */            \
	VADDV  V23.S4, V23                                       \
	VMOV   V23.S[0], R12                                     \
	MOVD   R0, R3                                            \
	ADD    $128, R0, R5                                      \
	ADD    $4, R1, R4

// HALF_LOAD loads the 64 ql and 32 qh bytes of the next half block.
#define HALF_LOAD \
	VLD1.P 64(R3), [V0.B16, V1.B16, V2.B16, V3.B16]          \
	VLD1.P 32(R5), [V4.B16, V5.B16]

// ACT_LOAD loads the next 64 activations.
#define ACT_LOAD \
	VLD1.P 64(R4), [V16.B16, V17.B16, V18.B16, V19.B16]

// W0…W3 make the weights of the groups of ql bytes V0, V1 (W0, W2) or
// V2, V3 (W1, W3), low (W0, W1) or high (W2, W3) nibbles, with qh bit pairs
// 0-1, 2-3, 4-5, 6-7, in V6, V7.
#define W0 \
	VAND   V31.B16, V0.B16, V6.B16                           \
	VAND   V31.B16, V1.B16, V7.B16                           \
	VSHL   $4, V4.B16, V12.B16                               \
	VSHL   $4, V5.B16, V13.B16                               \
	VBIT   V30.B16, V12.B16, V6.B16                          \
	VBIT   V30.B16, V13.B16, V7.B16
#define W1 \
	VAND   V31.B16, V2.B16, V6.B16                           \
	VAND   V31.B16, V3.B16, V7.B16                           \
	VSHL   $2, V4.B16, V12.B16                               \
	VSHL   $2, V5.B16, V13.B16                               \
	VBIT   V30.B16, V12.B16, V6.B16                          \
	VBIT   V30.B16, V13.B16, V7.B16
#define W2 \
	VUSHR  $4, V0.B16, V6.B16                                \
	VUSHR  $4, V1.B16, V7.B16                                \
	VBIT   V30.B16, V4.B16, V6.B16                           \
	VBIT   V30.B16, V5.B16, V7.B16
#define W3 \
	VUSHR  $4, V2.B16, V6.B16                                \
	VUSHR  $4, V3.B16, V7.B16                                \
	VUSHR  $2, V4.B16, V12.B16                               \
	VUSHR  $2, V5.B16, V13.B16                               \
	VBIT   V30.B16, V12.B16, V6.B16                          \
	VBIT   V30.B16, V13.B16, V7.B16

// SUMS_NEON_A and SUMS_NEON_B leave the sums of the groups in V6, V7 with
// activations V16, V17 (A) or V18, V19 (B) in V14, V15.
#define SUMS_NEON_A \
	WORD   $0x0e30c0ce /* SMULL V14.8H, V6.8B, V16.8B */     \
	WORD   $0x0e31c0ef /* SMULL V15.8H, V7.8B, V17.8B */     \
	WORD   $0x4e3080ce /* SMLAL2 V14.8H, V6.16B, V16.16B */  \
	WORD   $0x4e3180ef /* SMLAL2 V15.8H, V7.16B, V17.16B */  \
	WORD   $0x4e6029ce /* SADDLP V14.4S, V14.8H */           \
	WORD   $0x4e6029ef /* SADDLP V15.4S, V15.8H */
#define SUMS_NEON_B \
	WORD   $0x0e32c0ce /* SMULL V14.8H, V6.8B, V18.8B */     \
	WORD   $0x0e33c0ef /* SMULL V15.8H, V7.8B, V19.8B */     \
	WORD   $0x4e3280ce /* SMLAL2 V14.8H, V6.16B, V18.16B */  \
	WORD   $0x4e3380ef /* SMLAL2 V15.8H, V7.16B, V19.16B */  \
	WORD   $0x4e6029ce /* SADDLP V14.4S, V14.8H */           \
	WORD   $0x4e6029ef /* SADDLP V15.4S, V15.8H */

// SUMS_DOTPROD_A and SUMS_DOTPROD_B are the same with SDOT.
#define SUMS_DOTPROD_A \
	VEOR   V14.B16, V14.B16, V14.B16                         \
	VEOR   V15.B16, V15.B16, V15.B16                         \
	WORD   $0x4e9094ce /* SDOT V14.4S, V6.16B, V16.16B */    \
	WORD   $0x4e9194ef /* SDOT V15.4S, V7.16B, V17.16B */
#define SUMS_DOTPROD_B \
	VEOR   V14.B16, V14.B16, V14.B16                         \
	VEOR   V15.B16, V15.B16, V15.B16                         \
	WORD   $0x4e9294ce /* SDOT V14.4S, V6.16B, V18.16B */    \
	WORD   $0x4e9394ef /* SDOT V15.4S, V7.16B, V19.16B */

// SCALEg multiplies the sums of groups g, g+1 (V14, V15) by their scales
// into V10, V11 (SCALE0 starts them, the others add).
#define SCALE0 \
	WORD   $0x4f9881ca /* MUL V10.4S, V14.4S, V24.S[0] */    \
	WORD   $0x4fb881eb /* MUL V11.4S, V15.4S, V24.S[1] */
#define SCALE2 \
	WORD   $0x6f9809ca /* MLA V10.4S, V14.4S, V24.S[2] */    \
	WORD   $0x6fb809eb /* MLA V11.4S, V15.4S, V24.S[3] */
#define SCALE4 \
	WORD   $0x6f9901ca /* MLA V10.4S, V14.4S, V25.S[0] */    \
	WORD   $0x6fb901eb /* MLA V11.4S, V15.4S, V25.S[1] */
#define SCALE6 \
	WORD   $0x6f9909ca /* MLA V10.4S, V14.4S, V25.S[2] */    \
	WORD   $0x6fb909eb /* MLA V11.4S, V15.4S, V25.S[3] */
#define SCALE8 \
	WORD   $0x6f9a01ca /* MLA V10.4S, V14.4S, V26.S[0] */    \
	WORD   $0x6fba01eb /* MLA V11.4S, V15.4S, V26.S[1] */
#define SCALE10 \
	WORD   $0x6f9a09ca /* MLA V10.4S, V14.4S, V26.S[2] */    \
	WORD   $0x6fba09eb /* MLA V11.4S, V15.4S, V26.S[3] */
#define SCALE12 \
	WORD   $0x6f9b01ca /* MLA V10.4S, V14.4S, V27.S[0] */    \
	WORD   $0x6fbb01eb /* MLA V11.4S, V15.4S, V27.S[1] */
#define SCALE14 \
	WORD   $0x6f9b09ca /* MLA V10.4S, V14.4S, V27.S[2] */    \
	WORD   $0x6fbb09eb /* MLA V11.4S, V15.4S, V27.S[3] */

// BLOCK_END adds d·dy·(sumi − 32·offset) to F8 and steps to the next block.
#define BLOCK_END \
	VADD    V11.S4, V10.S4, V10.S4                           \
	VADDV   V10.S4, V10                                      \
	VMOV    V10.S[0], R13                                    \
	SUBW    R12<<5, R13, R13                                 \
	MOVHU   208(R0), R6                                      \
	FMOVS   R6, F12                                          \
	FCVTHS  F12, F12                                         \
	FMOVS   (R1), F13                                        \
	FMULS   F13, F12, F12                                    \
	SCVTFWS R13, F13                                         \
	FMULS   F13, F12, F12                                    \
	FADDS   F12, F8, F8                                      \
	ADD     $210, R0                                         \
	ADD     $292, R1

// func dotQ6KNEON(x, y *byte, nb int) float32
TEXT ·dotQ6KNEON(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  y+8(FP), R1
	MOVD  nb+16(FP), R2
	VMOVI $15, V31.B16
	VMOVI $48, V30.B16
	FMOVS ZR, F8

neonloop:
	BLOCK_START
	HALF_LOAD
	ACT_LOAD
	W0
	SUMS_NEON_A
	SCALE0
	W1
	SUMS_NEON_B
	SCALE2
	ACT_LOAD
	W2
	SUMS_NEON_A
	SCALE4
	W3
	SUMS_NEON_B
	SCALE6
	HALF_LOAD
	ACT_LOAD
	W0
	SUMS_NEON_A
	SCALE8
	W1
	SUMS_NEON_B
	SCALE10
	ACT_LOAD
	W2
	SUMS_NEON_A
	SCALE12
	W3
	SUMS_NEON_B
	SCALE14
	BLOCK_END
	SUBS  $1, R2
	BNE   neonloop

	FMOVS F8, ret+24(FP)
	RET

// func dotQ6KDotProd(x, y *byte, nb int) float32
TEXT ·dotQ6KDotProd(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  y+8(FP), R1
	MOVD  nb+16(FP), R2
	VMOVI $15, V31.B16
	VMOVI $48, V30.B16
	FMOVS ZR, F8

sdotloop:
	BLOCK_START
	HALF_LOAD
	ACT_LOAD
	W0
	SUMS_DOTPROD_A
	SCALE0
	W1
	SUMS_DOTPROD_B
	SCALE2
	ACT_LOAD
	W2
	SUMS_DOTPROD_A
	SCALE4
	W3
	SUMS_DOTPROD_B
	SCALE6
	HALF_LOAD
	ACT_LOAD
	W0
	SUMS_DOTPROD_A
	SCALE8
	W1
	SUMS_DOTPROD_B
	SCALE10
	ACT_LOAD
	W2
	SUMS_DOTPROD_A
	SCALE12
	W3
	SUMS_DOTPROD_B
	SCALE14
	BLOCK_END
	SUBS  $1, R2
	BNE   sdotloop

	FMOVS F8, ret+24(FP)
	RET
