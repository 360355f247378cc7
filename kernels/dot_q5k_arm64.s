//go:build !noasm

#include "textflag.h"

// q5_K · q8_K dot products for arm64.
//
// Algorithm, per super-block of 256 (the Go twin is dotQ5KQ8KGeneric): as
// q4_K (dot_q4k_arm64.s), with 5-bit weights
//
//	d·dy·Σⱼ scⱼ·Σᵢ qᵢ·yᵢ − dmin·dy·Σⱼ mnⱼ·(bsums[2j]+bsums[2j+1])
//
// with both sums over the eight 32-element sub-blocks j computed exactly in
// int32 and converted to float32 once per super-block, as the twin does.
//   - Scales, mins and the min term: as q4_K (unpacked in general
//     registers, zero-extended to int32; SADDLP of the bsums, MUL/MLA, ADDV).
//   - Weight term, per pair of sub-blocks 2j, 2j+1 (32 bytes of nibbles
//     against 64 activations): AND 0x0f and USHR 4 split the nibbles; the
//     fifth bits are bits 2j and 2j+1 of the 32 qh bytes, kept in V10, V11
//     and shifted right by two after each pair: SHL 4 and SHL 3 bring them
//     to bit 4, and BIT with 0x10 inserts that bit into the nibbles
//     (weights 0…31). The four-lane int32 sums of the two sub-blocks come
//     from
//       neon:    SMULL/SMLAL/SMLAL2 into int16 lanes (four products of
//                at most 31·128 per lane), then SADDLP to int32;
//       dotprod: SDOT straight into int32 lanes;
//     and MUL/MLA (by element) with the sub-block's scale adds them to V18
//     (even sub-blocks) and V19 (odd); ADD and ADDV give one int32.
//   - FCVTHS converts d and dmin; FMULS/FSUBS/FADDS add the super-block's
//     float32 result to F8.
//
// Registers: R0 = x block, R1 = y block, R2 = blocks left, R3 = nibbles,
// R4 = activations, R5…R11 = scale unpacking, R12 = min sum, R13 = scaled
// sum; V0, V1 = nibble bytes (then high nibbles), V2…V5 = activations,
// V6, V7 = low nibbles, V8 = result (F8), V10, V11 = qh, V12, V13 = shifted
// qh, V16, V17 = sub-block sums, V18, V19 = scaled sums, V20, V21 = scale
// and min bytes, V22, V23 = scales, V24, V25 = bsums, V26, V27 = mins,
// F24…F27 = float temporaries, V30 = 0x10 and V31 = 0x0f in every byte.
//
// The assembler lacks SMULL, SMLAL, SADDLP, SDOT and MUL/MLA on vectors:
// they are WORDs, each with its instruction in a comment.

// BLOCK_START unpacks the scales and mins of the block at R0, computes the
// min term into R12, loads qh into V10, V11 and points R3, R4 at the
// nibbles and activations.
#define BLOCK_START \
	MOVD   4(R0), R5                                      \
	MOVWU  12(R0), R6                                     \
	AND    $0x3f3f3f3f3f3f3f3f, R5, R7                    \
	ANDW   $0x0f0f0f0f, R6, R8                            \
	LSR    $4, R6, R9                                     \
	ANDW   $0x0f0f0f0f, R9, R9                            \
	ORR    R9<<32, R8, R8                                 \
	LSR    $6, R5, R9                                     \
	AND    $0x0303030303030303, R9, R9                    \
	ORR    R9<<4, R8, R8                                  \
	MOVWU  R7, R9                                         \
	ORR    R8<<32, R9, R9                                 \
	LSR    $32, R7, R10                                   \
	AND    $0xffffffff00000000, R8, R11                   \
	ORR    R11, R10, R10                                  \
	FMOVD  R9, F20                                        \
	FMOVD  R10, F21                                       \
	ADD    $260, R1, R11                                  \
	VLD1   (R11), [V24.H8, V25.H8]                        \
	VUXTL  V20.B8, V20.H8                                 \
	VUXTL  V21.B8, V21.H8                                 \
	VUXTL  V20.H4, V22.S4                                 \
	VUXTL2 V20.H8, V23.S4                                 \
	VUXTL  V21.H4, V26.S4                                 \
	VUXTL2 V21.H8, V27.S4                                 \
	WORD   $0x4e602b18 /* SADDLP V24.4S, V24.8H */        \
	WORD   $0x4e602b39 /* SADDLP V25.4S, V25.8H */        \
	WORD   $0x4eba9f18 /* MUL V24.4S, V24.4S, V26.4S */   \
	WORD   $0x4ebb9738 /* MLA V24.4S, V25.4S, V27.4S */   \
	VADDV  V24.S4, V24                                    \
	VMOV   V24.S[0], R12                                  \
	ADD    $16, R0, R3                                    \
	VLD1.P 32(R3), [V10.B16, V11.B16]                     \
	ADD    $4, R1, R4

// NIBBLES loads the next 32 nibble bytes and 64 activations and makes
// the 5-bit weights: sub-block 2j to V6, V7, sub-block 2j+1 to V0, V1;
// activations to V2…V5. It shifts qh for the next pair.
#define NIBBLES \
	VLD1.P 32(R3), [V0.B16, V1.B16]                       \
	VLD1.P 64(R4), [V2.B16, V3.B16, V4.B16, V5.B16]       \
	VAND   V31.B16, V0.B16, V6.B16                        \
	VAND   V31.B16, V1.B16, V7.B16                        \
	VUSHR  $4, V0.B16, V0.B16                             \
	VUSHR  $4, V1.B16, V1.B16                             \
	VSHL   $4, V10.B16, V12.B16                           \
	VSHL   $4, V11.B16, V13.B16                           \
	VBIT   V30.B16, V12.B16, V6.B16                       \
	VBIT   V30.B16, V13.B16, V7.B16                       \
	VSHL   $3, V10.B16, V12.B16                           \
	VSHL   $3, V11.B16, V13.B16                           \
	VBIT   V30.B16, V12.B16, V0.B16                       \
	VBIT   V30.B16, V13.B16, V1.B16                       \
	VUSHR  $2, V10.B16, V10.B16                           \
	VUSHR  $2, V11.B16, V11.B16

// SUMS_NEON leaves the sums of the two sub-blocks in V16 and V17 (four
// int32 lanes each).
#define SUMS_NEON \
	WORD   $0x0e22c0d0 /* SMULL V16.8H, V6.8B, V2.8B */    \
	WORD   $0x0e24c011 /* SMULL V17.8H, V0.8B, V4.8B */    \
	WORD   $0x4e2280d0 /* SMLAL2 V16.8H, V6.16B, V2.16B */ \
	WORD   $0x4e248011 /* SMLAL2 V17.8H, V0.16B, V4.16B */ \
	WORD   $0x0e2380f0 /* SMLAL V16.8H, V7.8B, V3.8B */    \
	WORD   $0x0e258031 /* SMLAL V17.8H, V1.8B, V5.8B */    \
	WORD   $0x4e2380f0 /* SMLAL2 V16.8H, V7.16B, V3.16B */ \
	WORD   $0x4e258031 /* SMLAL2 V17.8H, V1.16B, V5.16B */ \
	WORD   $0x4e602a10 /* SADDLP V16.4S, V16.8H */         \
	WORD   $0x4e602a31 /* SADDLP V17.4S, V17.8H */

// SUMS_DOTPROD is SUMS_NEON with SDOT.
#define SUMS_DOTPROD \
	VEOR   V16.B16, V16.B16, V16.B16                      \
	VEOR   V17.B16, V17.B16, V17.B16                      \
	WORD   $0x4e8294d0 /* SDOT V16.4S, V6.16B, V2.16B */  \
	WORD   $0x4e849411 /* SDOT V17.4S, V0.16B, V4.16B */  \
	WORD   $0x4e8394f0 /* SDOT V16.4S, V7.16B, V3.16B */  \
	WORD   $0x4e859431 /* SDOT V17.4S, V1.16B, V5.16B */

// SCALE0…SCALE3 multiply the sums of sub-blocks 2j, 2j+1 by their scales
// into V18, V19.
#define SCALE0 \
	WORD   $0x4f968212 /* MUL V18.4S, V16.4S, V22.S[0] */ \
	WORD   $0x4fb68233 /* MUL V19.4S, V17.4S, V22.S[1] */
#define SCALE1 \
	WORD   $0x6f960a12 /* MLA V18.4S, V16.4S, V22.S[2] */ \
	WORD   $0x6fb60a33 /* MLA V19.4S, V17.4S, V22.S[3] */
#define SCALE2 \
	WORD   $0x6f970212 /* MLA V18.4S, V16.4S, V23.S[0] */ \
	WORD   $0x6fb70233 /* MLA V19.4S, V17.4S, V23.S[1] */
#define SCALE3 \
	WORD   $0x6f970a12 /* MLA V18.4S, V16.4S, V23.S[2] */ \
	WORD   $0x6fb70a33 /* MLA V19.4S, V17.4S, V23.S[3] */

// BLOCK_END adds d·dy·sumi − dmin·dy·summin to F8 and steps to the next
// block.
#define BLOCK_END \
	VADD    V19.S4, V18.S4, V18.S4                        \
	VADDV   V18.S4, V18                                   \
	VMOV    V18.S[0], R13                                 \
	FMOVS   (R1), F24                                     \
	FMOVS   (R0), F25                                     \
	FMOVS   2(R0), F26                                    \
	FCVTHS  F25, F25                                      \
	FCVTHS  F26, F26                                      \
	FMULS   F24, F25, F25                                 \
	FMULS   F24, F26, F26                                 \
	SCVTFWS R13, F27                                      \
	FMULS   F27, F25, F25                                 \
	SCVTFWS R12, F27                                      \
	FMULS   F27, F26, F26                                 \
	FSUBS   F26, F25, F25                                 \
	FADDS   F25, F8, F8                                   \
	ADD     $176, R0                                      \
	ADD     $292, R1

// func dotQ5KNEON(x, y *byte, nb int) float32
TEXT ·dotQ5KNEON(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  y+8(FP), R1
	MOVD  nb+16(FP), R2
	VMOVI $15, V31.B16
	VMOVI $16, V30.B16
	FMOVS ZR, F8

neonloop:
	BLOCK_START
	NIBBLES
	SUMS_NEON
	SCALE0
	NIBBLES
	SUMS_NEON
	SCALE1
	NIBBLES
	SUMS_NEON
	SCALE2
	NIBBLES
	SUMS_NEON
	SCALE3
	BLOCK_END
	SUBS  $1, R2
	BNE   neonloop

	FMOVS F8, ret+24(FP)
	RET

// func dotQ5KDotProd(x, y *byte, nb int) float32
TEXT ·dotQ5KDotProd(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  y+8(FP), R1
	MOVD  nb+16(FP), R2
	VMOVI $15, V31.B16
	VMOVI $16, V30.B16
	FMOVS ZR, F8

sdotloop:
	BLOCK_START
	NIBBLES
	SUMS_DOTPROD
	SCALE0
	NIBBLES
	SUMS_DOTPROD
	SCALE1
	NIBBLES
	SUMS_DOTPROD
	SCALE2
	NIBBLES
	SUMS_DOTPROD
	SCALE3
	BLOCK_END
	SUBS  $1, R2
	BNE   sdotloop

	FMOVS F8, ret+24(FP)
	RET
