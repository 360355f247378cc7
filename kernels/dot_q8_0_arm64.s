//go:build !noasm

#include "textflag.h"

// q8_0 · q8_0 dot products for arm64.
//
// Algorithm, per block of 32 (d float16, then 32 int8 quants): the 32
// products are summed exactly in four int32 lanes, converted to float32 and
// scaled by d_x·d_y with one FMLA (by element) into a float32 accumulator of
// four lanes; two accumulators take even and odd blocks, and their eight
// lanes are added at the end.
//   neon:    SMULL/SMULL2 make int16 products of 8 bytes each (|x·y| ≤ 128²
//            fits; two of them might not, so each product vector is added
//            pairwise into int32 straight away with SADDLP/SADALP).
//   dotprod: SDOT adds groups of four products straight into int32 lanes.
// The scales: FMOVS loads the four bytes at the block start, FCVTHS converts
// their low half (d) to float32, FMULS multiplies d_x by d_y.
//
// Registers: R0 = x block, R1 = y block, R2 = blocks left, R3, R4 = quants
// of x, y; F0 = d_x·d_y, F1 = d_y; V2, V3 = x quants, V4, V5 = y quants;
// V6 = block sums (int32, then float32); V7, V16, V17 = products (neon);
// V30, V31 = accumulators (even, odd blocks).
//
// The assembler lacks SMULL, SADDLP, SADALP, SDOT, SCVTF, FMLA (by
// element), FADD and FADDP on vectors: they are WORDs, each with its
// instruction in a comment.

// LOAD reads the block at R0, R1 into F0 (d_x·d_y), V2, V3 and V4, V5 and
// steps R0, R1 to the next block.
#define LOAD \
	FMOVS  (R0), F0                \
	FMOVS  (R1), F1                \
	ADD    $2, R0, R3              \
	ADD    $2, R1, R4              \
	VLD1   (R3), [V2.B16, V3.B16]  \
	VLD1   (R4), [V4.B16, V5.B16]  \
	FCVTHS F0, F0                  \
	FCVTHS F1, F1                  \
	FMULS  F1, F0, F0              \
	ADD    $34, R0                 \
	ADD    $34, R1

// SUMS_NEON leaves Σ x·y of the loaded block in V6 as four float32 lanes.
#define SUMS_NEON \
	WORD $0x0e24c046 /* SMULL V6.8H, V2.8B, V4.8B */       \
	WORD $0x4e24c047 /* SMULL2 V7.8H, V2.16B, V4.16B */    \
	WORD $0x0e25c070 /* SMULL V16.8H, V3.8B, V5.8B */      \
	WORD $0x4e25c071 /* SMULL2 V17.8H, V3.16B, V5.16B */   \
	WORD $0x4e6028c6 /* SADDLP V6.4S, V6.8H */             \
	WORD $0x4e6068e6 /* SADALP V6.4S, V7.8H */             \
	WORD $0x4e606a06 /* SADALP V6.4S, V16.8H */            \
	WORD $0x4e606a26 /* SADALP V6.4S, V17.8H */            \
	WORD $0x4e21d8c6 /* SCVTF V6.4S, V6.4S */

// SUMS_DOTPROD is SUMS_NEON with SDOT.
#define SUMS_DOTPROD \
	VEOR V6.B16, V6.B16, V6.B16                            \
	WORD $0x4e849446 /* SDOT V6.4S, V2.16B, V4.16B */      \
	WORD $0x4e859466 /* SDOT V6.4S, V3.16B, V5.16B */      \
	WORD $0x4e21d8c6 /* SCVTF V6.4S, V6.4S */

// ACC_EVEN and ACC_ODD add V6·F0 to V30 and V31.
#define ACC_EVEN WORD $0x4f8010de /* FMLA V30.4S, V6.4S, V0.S[0] */
#define ACC_ODD  WORD $0x4f8010df /* FMLA V31.4S, V6.4S, V0.S[0] */

// HSUM adds the lanes of V30 and V31 into F0.
#define HSUM \
	WORD $0x4e3fd7de /* FADD V30.4S, V30.4S, V31.4S */     \
	WORD $0x6e3ed7de /* FADDP V30.4S, V30.4S, V30.4S */    \
	WORD $0x7e30dbc0 /* FADDP S0, V30.2S */

// func dotQ8_0NEONAsm(x, y *byte, nb int) float32
TEXT ·dotQ8_0NEONAsm(SB), NOSPLIT, $0-28
	MOVD x+0(FP), R0
	MOVD y+8(FP), R1
	MOVD nb+16(FP), R2
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	CMP  $2, R2
	BLT  neontail

neonloop:
	LOAD
	SUMS_NEON
	ACC_EVEN
	LOAD
	SUMS_NEON
	ACC_ODD
	SUB  $2, R2
	CMP  $2, R2
	BGE  neonloop

neontail:
	CBZ  R2, neondone
	LOAD
	SUMS_NEON
	ACC_EVEN

neondone:
	HSUM
	FMOVS F0, ret+24(FP)
	RET

// func dotQ8_0DotProdAsm(x, y *byte, nb int) float32
TEXT ·dotQ8_0DotProdAsm(SB), NOSPLIT, $0-28
	MOVD x+0(FP), R0
	MOVD y+8(FP), R1
	MOVD nb+16(FP), R2
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	CMP  $2, R2
	BLT  sdottail

sdotloop:
	LOAD
	SUMS_DOTPROD
	ACC_EVEN
	LOAD
	SUMS_DOTPROD
	ACC_ODD
	SUB  $2, R2
	CMP  $2, R2
	BGE  sdotloop

sdottail:
	CBZ  R2, sdotdone
	LOAD
	SUMS_DOTPROD
	ACC_EVEN

sdotdone:
	HSUM
	FMOVS F0, ret+24(FP)
	RET
