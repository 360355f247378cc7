//go:build !noasm

#include "textflag.h"

// q4_0 · q8_0 dot products for arm64.
//
// Algorithm, per block of 32 (x: d float16, 16 bytes of nibbles, element j
// in the low nibble of byte j and element j+16 in the high one; y: d
// float16, 32 int8): AND 0x0f and USHR 4 split the nibbles and SUB 8 makes
// them signed (−8…7); the 32 products are summed exactly in four int32
// lanes, converted to float32 and scaled by d_x·d_y with one FMLA (by
// element) into a float32 accumulator of four lanes; two accumulators take
// even and odd blocks, and their eight lanes are added at the end.
//   neon:    SMULL/SMLAL/SMLAL2 into int16 lanes (four products of at most
//            8·128 per lane), then SADDLP to int32;
//   dotprod: SDOT adds groups of four products straight into int32 lanes.
// The scales: FMOVS loads the four bytes at each block start, FCVTHS
// converts their low half (d) to float32, FMULS multiplies d_x by d_y.
//
// Registers: R0 = x block, R1 = y block, R2 = blocks left, R3, R4 = quants
// of x, y; F0 = d_x·d_y, F1 = d_y; V2 = nibbles, V4, V5 = y quants,
// V6, V7 = signed weights of elements 0…15, 16…31; V16 = int16 or int32
// sums; V6 = block sums as float32; V28, V29 = accumulators (even, odd
// blocks); V30 = 8 and V31 = 0x0f in every byte.
//
// The assembler lacks SMULL, SMLAL, SADDLP, SDOT, SCVTF, FMLA (by
// element), FADD and FADDP on vectors: they are WORDs, each with its
// instruction in a comment.

// LOAD reads the block at R0, R1 into F0 (d_x·d_y), V6, V7 (signed
// weights) and V4, V5 and steps R0, R1 to the next block.
#define LOAD \
	FMOVS  (R0), F0                                        \
	FMOVS  (R1), F1                                        \
	ADD    $2, R0, R3                                      \
	ADD    $2, R1, R4                                      \
	VLD1   (R3), [V2.B16]                                  \
	VLD1   (R4), [V4.B16, V5.B16]                          \
	FCVTHS F0, F0                                          \
	FCVTHS F1, F1                                          \
	FMULS  F1, F0, F0                                      \
	ADD    $18, R0                                         \
	ADD    $34, R1                                         \
	VAND   V31.B16, V2.B16, V6.B16                         \
	VUSHR  $4, V2.B16, V7.B16                              \
	VSUB   V30.B16, V6.B16, V6.B16                         \
	VSUB   V30.B16, V7.B16, V7.B16

// SUMS_NEON leaves Σ x·y of the loaded block in V6 as four float32 lanes.
#define SUMS_NEON \
	WORD   $0x0e24c0d0 /* SMULL V16.8H, V6.8B, V4.8B */    \
	WORD   $0x4e2480d0 /* SMLAL2 V16.8H, V6.16B, V4.16B */ \
	WORD   $0x0e2580f0 /* SMLAL V16.8H, V7.8B, V5.8B */    \
	WORD   $0x4e2580f0 /* SMLAL2 V16.8H, V7.16B, V5.16B */ \
	WORD   $0x4e602a06 /* SADDLP V6.4S, V16.8H */          \
	WORD   $0x4e21d8c6 /* SCVTF V6.4S, V6.4S */

// SUMS_DOTPROD is SUMS_NEON with SDOT.
#define SUMS_DOTPROD \
	VEOR   V16.B16, V16.B16, V16.B16                       \
	WORD   $0x4e8494d0 /* SDOT V16.4S, V6.16B, V4.16B */   \
	WORD   $0x4e8594f0 /* SDOT V16.4S, V7.16B, V5.16B */   \
	WORD   $0x4e21da06 /* SCVTF V6.4S, V16.4S */

// ACC_EVEN and ACC_ODD add V6·F0 to V28 and V29.
#define ACC_EVEN WORD $0x4f8010dc /* FMLA V28.4S, V6.4S, V0.S[0] */
#define ACC_ODD  WORD $0x4f8010dd /* FMLA V29.4S, V6.4S, V0.S[0] */

// HSUM adds the lanes of V28 and V29 into F0.
#define HSUM \
	WORD   $0x4e3dd79c /* FADD V28.4S, V28.4S, V29.4S */   \
	WORD   $0x6e3cd79c /* FADDP V28.4S, V28.4S, V28.4S */  \
	WORD   $0x7e30db80 /* FADDP S0, V28.2S */

// func dotQ4_0NEONAsm(x, y *byte, nb int) float32
TEXT ·dotQ4_0NEONAsm(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  y+8(FP), R1
	MOVD  nb+16(FP), R2
	VMOVI $15, V31.B16
	VMOVI $8, V30.B16
	VEOR  V28.B16, V28.B16, V28.B16
	VEOR  V29.B16, V29.B16, V29.B16
	CMP   $2, R2
	BLT   neontail

neonloop:
	LOAD
	SUMS_NEON
	ACC_EVEN
	LOAD
	SUMS_NEON
	ACC_ODD
	SUB   $2, R2
	CMP   $2, R2
	BGE   neonloop

neontail:
	CBZ   R2, neondone
	LOAD
	SUMS_NEON
	ACC_EVEN

neondone:
	HSUM
	FMOVS F0, ret+24(FP)
	RET

// func dotQ4_0DotProdAsm(x, y *byte, nb int) float32
TEXT ·dotQ4_0DotProdAsm(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  y+8(FP), R1
	MOVD  nb+16(FP), R2
	VMOVI $15, V31.B16
	VMOVI $8, V30.B16
	VEOR  V28.B16, V28.B16, V28.B16
	VEOR  V29.B16, V29.B16, V29.B16
	CMP   $2, R2
	BLT   sdottail

sdotloop:
	LOAD
	SUMS_DOTPROD
	ACC_EVEN
	LOAD
	SUMS_DOTPROD
	ACC_ODD
	SUB   $2, R2
	CMP   $2, R2
	BGE   sdotloop

sdottail:
	CBZ   R2, sdotdone
	LOAD
	SUMS_DOTPROD
	ACC_EVEN

sdotdone:
	HSUM
	FMOVS F0, ret+24(FP)
	RET
