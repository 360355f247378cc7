//go:build !noasm

#include "textflag.h"

// Strip kernels for q8_0 and q4_0 weights against q8_0 activations on
// arm64 with the dotprod extension, on a strip of 16 rows in the r16
// layout (repack.go): word w of a block is 64 bytes, that word of the 16
// rows, four bytes per row, so that one 128-bit register holds the word of
// four rows (rows 4i…4i+3 in register i of a group of four).
//
// Algorithm: SDOT by element (SDOT Vd.4S, Vn.16B, Vm.4B[l]) multiplies the
// four weight bytes of each of four rows by the same four activation bytes
// (word l of the activation register) and adds each row's four products to
// its int32 lane, which is exactly the r16 word: sixteen rows' sums of one
// column live in four registers and nothing is summed across lanes. The
// quants are signed on both sides, so no bias is needed: q4_0 is decoded
// beforehand (r16DecodeQ4_0) into the q8_0 word layout as signed bytes
// nib − 8, and the q8_0 core below serves both.
//
// The core walks the columns two at a time; for each pair it runs over the
// nb blocks, loading each weight word once for both columns (a word feeds
// eight SDOTs), and keeps the pair's 32 float results in registers until
// the end, where they overwrite dst or are added to it. Per block and
// column: 32 SDOT into four int32 vectors, SCVTF, FMUL by the rows' d
// (FCVTL from the sixteen fp16 scales) and FMLA by the column's d_y. The Go
// driver (repack_arm64.go) hands the core chunks of blocks small enough to
// stay in the first-level cache while every column pair reads them.
//
// Registers of r16GemmQ8_0DotProd:
//	R0 words of block 0, R1 its scales (32 bytes per block), R2 nb,
//	R3 column pair's activations, R4 yStride, R5 columns left,
//	R6 column pair's dst, R7 4·dstStride, R8 accumulate,
//	R9 word pointer, R10 scale pointer, R11, R12 the two columns' blocks,
//	R13 blocks left, R14 scratch, R15 second column's dst
//	V0, V1 column A's 32 quants, V2, V3 column B's,
//	V4…V7, V8…V11 weight words (alternating; V4…V7 then the rows' d),
//	V12, V13 d_y of A and B (lane 0), V14, V15 fp16 row scales,
//	V16…V19, V20…V23 float results of A and B (rows 0…15),
//	V24…V27, V28…V31 int32 sums of A and B.
//
// The assembler lacks SDOT, SCVTF, FCVTL, FMUL, FADD and FMLA (by element)
// on vectors: they are WORDs, each with its instruction in a comment.

// func r16GemmQ8_0DotProd(w, sc *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)
TEXT ·r16GemmQ8_0DotProd(SB), NOSPLIT, $0-72
	MOVD w+0(FP), R0
	MOVD sc+8(FP), R1
	MOVD nb+16(FP), R2
	MOVD y+24(FP), R3
	MOVD yStride+32(FP), R4
	MOVD cols+40(FP), R5
	MOVD dst+48(FP), R6
	MOVD dstStride+56(FP), R7
	LSL  $2, R7
	MOVD accumulate+64(FP), R8
	CMP  $2, R5
	BLT  q80one

q80pair:
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	MOVD R0, R9
	MOVD R1, R10
	MOVD R3, R11
	ADD  R4, R3, R12
	MOVD R2, R13

q80pairBlock:
	FMOVS (R11), F12
	FCVTHS F12, F12
	FMOVS (R12), F13
	FCVTHS F13, F13
	ADD $2, R11, R14
	VLD1 (R14), [V0.B16, V1.B16]
	ADD $2, R12, R14
	VLD1 (R14), [V2.B16, V3.B16]
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f80e098 // SDOT V24.4S, V4.16B, V0.4B[0]
	WORD $0x4f82e09c // SDOT V28.4S, V4.16B, V2.4B[0]
	WORD $0x4f80e0b9 // SDOT V25.4S, V5.16B, V0.4B[0]
	WORD $0x4f82e0bd // SDOT V29.4S, V5.16B, V2.4B[0]
	WORD $0x4f80e0da // SDOT V26.4S, V6.16B, V0.4B[0]
	WORD $0x4f82e0de // SDOT V30.4S, V6.16B, V2.4B[0]
	WORD $0x4f80e0fb // SDOT V27.4S, V7.16B, V0.4B[0]
	WORD $0x4f82e0ff // SDOT V31.4S, V7.16B, V2.4B[0]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa0e118 // SDOT V24.4S, V8.16B, V0.4B[1]
	WORD $0x4fa2e11c // SDOT V28.4S, V8.16B, V2.4B[1]
	WORD $0x4fa0e139 // SDOT V25.4S, V9.16B, V0.4B[1]
	WORD $0x4fa2e13d // SDOT V29.4S, V9.16B, V2.4B[1]
	WORD $0x4fa0e15a // SDOT V26.4S, V10.16B, V0.4B[1]
	WORD $0x4fa2e15e // SDOT V30.4S, V10.16B, V2.4B[1]
	WORD $0x4fa0e17b // SDOT V27.4S, V11.16B, V0.4B[1]
	WORD $0x4fa2e17f // SDOT V31.4S, V11.16B, V2.4B[1]
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f80e898 // SDOT V24.4S, V4.16B, V0.4B[2]
	WORD $0x4f82e89c // SDOT V28.4S, V4.16B, V2.4B[2]
	WORD $0x4f80e8b9 // SDOT V25.4S, V5.16B, V0.4B[2]
	WORD $0x4f82e8bd // SDOT V29.4S, V5.16B, V2.4B[2]
	WORD $0x4f80e8da // SDOT V26.4S, V6.16B, V0.4B[2]
	WORD $0x4f82e8de // SDOT V30.4S, V6.16B, V2.4B[2]
	WORD $0x4f80e8fb // SDOT V27.4S, V7.16B, V0.4B[2]
	WORD $0x4f82e8ff // SDOT V31.4S, V7.16B, V2.4B[2]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa0e918 // SDOT V24.4S, V8.16B, V0.4B[3]
	WORD $0x4fa2e91c // SDOT V28.4S, V8.16B, V2.4B[3]
	WORD $0x4fa0e939 // SDOT V25.4S, V9.16B, V0.4B[3]
	WORD $0x4fa2e93d // SDOT V29.4S, V9.16B, V2.4B[3]
	WORD $0x4fa0e95a // SDOT V26.4S, V10.16B, V0.4B[3]
	WORD $0x4fa2e95e // SDOT V30.4S, V10.16B, V2.4B[3]
	WORD $0x4fa0e97b // SDOT V27.4S, V11.16B, V0.4B[3]
	WORD $0x4fa2e97f // SDOT V31.4S, V11.16B, V2.4B[3]
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f81e098 // SDOT V24.4S, V4.16B, V1.4B[0]
	WORD $0x4f83e09c // SDOT V28.4S, V4.16B, V3.4B[0]
	WORD $0x4f81e0b9 // SDOT V25.4S, V5.16B, V1.4B[0]
	WORD $0x4f83e0bd // SDOT V29.4S, V5.16B, V3.4B[0]
	WORD $0x4f81e0da // SDOT V26.4S, V6.16B, V1.4B[0]
	WORD $0x4f83e0de // SDOT V30.4S, V6.16B, V3.4B[0]
	WORD $0x4f81e0fb // SDOT V27.4S, V7.16B, V1.4B[0]
	WORD $0x4f83e0ff // SDOT V31.4S, V7.16B, V3.4B[0]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa1e118 // SDOT V24.4S, V8.16B, V1.4B[1]
	WORD $0x4fa3e11c // SDOT V28.4S, V8.16B, V3.4B[1]
	WORD $0x4fa1e139 // SDOT V25.4S, V9.16B, V1.4B[1]
	WORD $0x4fa3e13d // SDOT V29.4S, V9.16B, V3.4B[1]
	WORD $0x4fa1e15a // SDOT V26.4S, V10.16B, V1.4B[1]
	WORD $0x4fa3e15e // SDOT V30.4S, V10.16B, V3.4B[1]
	WORD $0x4fa1e17b // SDOT V27.4S, V11.16B, V1.4B[1]
	WORD $0x4fa3e17f // SDOT V31.4S, V11.16B, V3.4B[1]
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f81e898 // SDOT V24.4S, V4.16B, V1.4B[2]
	WORD $0x4f83e89c // SDOT V28.4S, V4.16B, V3.4B[2]
	WORD $0x4f81e8b9 // SDOT V25.4S, V5.16B, V1.4B[2]
	WORD $0x4f83e8bd // SDOT V29.4S, V5.16B, V3.4B[2]
	WORD $0x4f81e8da // SDOT V26.4S, V6.16B, V1.4B[2]
	WORD $0x4f83e8de // SDOT V30.4S, V6.16B, V3.4B[2]
	WORD $0x4f81e8fb // SDOT V27.4S, V7.16B, V1.4B[2]
	WORD $0x4f83e8ff // SDOT V31.4S, V7.16B, V3.4B[2]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa1e918 // SDOT V24.4S, V8.16B, V1.4B[3]
	WORD $0x4fa3e91c // SDOT V28.4S, V8.16B, V3.4B[3]
	WORD $0x4fa1e939 // SDOT V25.4S, V9.16B, V1.4B[3]
	WORD $0x4fa3e93d // SDOT V29.4S, V9.16B, V3.4B[3]
	WORD $0x4fa1e95a // SDOT V26.4S, V10.16B, V1.4B[3]
	WORD $0x4fa3e95e // SDOT V30.4S, V10.16B, V3.4B[3]
	WORD $0x4fa1e97b // SDOT V27.4S, V11.16B, V1.4B[3]
	WORD $0x4fa3e97f // SDOT V31.4S, V11.16B, V3.4B[3]
	VLD1.P 32(R10), [V14.B16, V15.B16]
	WORD $0x0e2179c4 // FCVTL V4.4S, V14.4H
	WORD $0x4e2179c5 // FCVTL2 V5.4S, V14.8H
	WORD $0x0e2179e6 // FCVTL V6.4S, V15.4H
	WORD $0x4e2179e7 // FCVTL2 V7.4S, V15.8H
	WORD $0x4e21db18 // SCVTF V24.4S, V24.4S
	WORD $0x4e21db39 // SCVTF V25.4S, V25.4S
	WORD $0x4e21db5a // SCVTF V26.4S, V26.4S
	WORD $0x4e21db7b // SCVTF V27.4S, V27.4S
	WORD $0x4e21db9c // SCVTF V28.4S, V28.4S
	WORD $0x4e21dbbd // SCVTF V29.4S, V29.4S
	WORD $0x4e21dbde // SCVTF V30.4S, V30.4S
	WORD $0x4e21dbff // SCVTF V31.4S, V31.4S
	WORD $0x6e24df18 // FMUL V24.4S, V24.4S, V4.4S
	WORD $0x6e25df39 // FMUL V25.4S, V25.4S, V5.4S
	WORD $0x6e26df5a // FMUL V26.4S, V26.4S, V6.4S
	WORD $0x6e27df7b // FMUL V27.4S, V27.4S, V7.4S
	WORD $0x6e24df9c // FMUL V28.4S, V28.4S, V4.4S
	WORD $0x6e25dfbd // FMUL V29.4S, V29.4S, V5.4S
	WORD $0x6e26dfde // FMUL V30.4S, V30.4S, V6.4S
	WORD $0x6e27dfff // FMUL V31.4S, V31.4S, V7.4S
	WORD $0x4f8c1310 // FMLA V16.4S, V24.4S, V12.S[0]
	WORD $0x4f8c1331 // FMLA V17.4S, V25.4S, V12.S[0]
	WORD $0x4f8c1352 // FMLA V18.4S, V26.4S, V12.S[0]
	WORD $0x4f8c1373 // FMLA V19.4S, V27.4S, V12.S[0]
	WORD $0x4f8d1394 // FMLA V20.4S, V28.4S, V13.S[0]
	WORD $0x4f8d13b5 // FMLA V21.4S, V29.4S, V13.S[0]
	WORD $0x4f8d13d6 // FMLA V22.4S, V30.4S, V13.S[0]
	WORD $0x4f8d13f7 // FMLA V23.4S, V31.4S, V13.S[0]
	ADD $34, R11
	ADD $34, R12
	SUBS $1, R13
	BNE q80pairBlock
	CBZ R8, q80pairStoreA
	VLD1 (R6), [V24.S4, V25.S4, V26.S4, V27.S4]
	WORD $0x4e38d610 // FADD V16.4S, V16.4S, V24.4S
	WORD $0x4e39d631 // FADD V17.4S, V17.4S, V25.4S
	WORD $0x4e3ad652 // FADD V18.4S, V18.4S, V26.4S
	WORD $0x4e3bd673 // FADD V19.4S, V19.4S, V27.4S
q80pairStoreA:
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R6)
	ADD  R7, R6, R15
	CBZ R8, q80pairStoreB
	VLD1 (R15), [V24.S4, V25.S4, V26.S4, V27.S4]
	WORD $0x4e38d694 // FADD V20.4S, V20.4S, V24.4S
	WORD $0x4e39d6b5 // FADD V21.4S, V21.4S, V25.4S
	WORD $0x4e3ad6d6 // FADD V22.4S, V22.4S, V26.4S
	WORD $0x4e3bd6f7 // FADD V23.4S, V23.4S, V27.4S
q80pairStoreB:
	VST1 [V20.S4, V21.S4, V22.S4, V23.S4], (R15)
	ADD  R4, R3
	ADD  R4, R3
	ADD  R7, R6
	ADD  R7, R6
	SUB  $2, R5
	CMP  $2, R5
	BGE  q80pair

q80one:
	CBZ  R5, q80done
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	MOVD R0, R9
	MOVD R1, R10
	MOVD R3, R11
	MOVD R2, R13

q80oneBlock:
	FMOVS (R11), F12
	FCVTHS F12, F12
	ADD $2, R11, R14
	VLD1 (R14), [V0.B16, V1.B16]
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f80e098 // SDOT V24.4S, V4.16B, V0.4B[0]
	WORD $0x4f80e0b9 // SDOT V25.4S, V5.16B, V0.4B[0]
	WORD $0x4f80e0da // SDOT V26.4S, V6.16B, V0.4B[0]
	WORD $0x4f80e0fb // SDOT V27.4S, V7.16B, V0.4B[0]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa0e118 // SDOT V24.4S, V8.16B, V0.4B[1]
	WORD $0x4fa0e139 // SDOT V25.4S, V9.16B, V0.4B[1]
	WORD $0x4fa0e15a // SDOT V26.4S, V10.16B, V0.4B[1]
	WORD $0x4fa0e17b // SDOT V27.4S, V11.16B, V0.4B[1]
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f80e898 // SDOT V24.4S, V4.16B, V0.4B[2]
	WORD $0x4f80e8b9 // SDOT V25.4S, V5.16B, V0.4B[2]
	WORD $0x4f80e8da // SDOT V26.4S, V6.16B, V0.4B[2]
	WORD $0x4f80e8fb // SDOT V27.4S, V7.16B, V0.4B[2]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa0e918 // SDOT V24.4S, V8.16B, V0.4B[3]
	WORD $0x4fa0e939 // SDOT V25.4S, V9.16B, V0.4B[3]
	WORD $0x4fa0e95a // SDOT V26.4S, V10.16B, V0.4B[3]
	WORD $0x4fa0e97b // SDOT V27.4S, V11.16B, V0.4B[3]
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f81e098 // SDOT V24.4S, V4.16B, V1.4B[0]
	WORD $0x4f81e0b9 // SDOT V25.4S, V5.16B, V1.4B[0]
	WORD $0x4f81e0da // SDOT V26.4S, V6.16B, V1.4B[0]
	WORD $0x4f81e0fb // SDOT V27.4S, V7.16B, V1.4B[0]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa1e118 // SDOT V24.4S, V8.16B, V1.4B[1]
	WORD $0x4fa1e139 // SDOT V25.4S, V9.16B, V1.4B[1]
	WORD $0x4fa1e15a // SDOT V26.4S, V10.16B, V1.4B[1]
	WORD $0x4fa1e17b // SDOT V27.4S, V11.16B, V1.4B[1]
	VLD1.P 64(R9), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4f81e898 // SDOT V24.4S, V4.16B, V1.4B[2]
	WORD $0x4f81e8b9 // SDOT V25.4S, V5.16B, V1.4B[2]
	WORD $0x4f81e8da // SDOT V26.4S, V6.16B, V1.4B[2]
	WORD $0x4f81e8fb // SDOT V27.4S, V7.16B, V1.4B[2]
	VLD1.P 64(R9), [V8.B16, V9.B16, V10.B16, V11.B16]
	WORD $0x4fa1e918 // SDOT V24.4S, V8.16B, V1.4B[3]
	WORD $0x4fa1e939 // SDOT V25.4S, V9.16B, V1.4B[3]
	WORD $0x4fa1e95a // SDOT V26.4S, V10.16B, V1.4B[3]
	WORD $0x4fa1e97b // SDOT V27.4S, V11.16B, V1.4B[3]
	VLD1.P 32(R10), [V14.B16, V15.B16]
	WORD $0x0e2179c4 // FCVTL V4.4S, V14.4H
	WORD $0x4e2179c5 // FCVTL2 V5.4S, V14.8H
	WORD $0x0e2179e6 // FCVTL V6.4S, V15.4H
	WORD $0x4e2179e7 // FCVTL2 V7.4S, V15.8H
	WORD $0x4e21db18 // SCVTF V24.4S, V24.4S
	WORD $0x4e21db39 // SCVTF V25.4S, V25.4S
	WORD $0x4e21db5a // SCVTF V26.4S, V26.4S
	WORD $0x4e21db7b // SCVTF V27.4S, V27.4S
	WORD $0x6e24df18 // FMUL V24.4S, V24.4S, V4.4S
	WORD $0x6e25df39 // FMUL V25.4S, V25.4S, V5.4S
	WORD $0x6e26df5a // FMUL V26.4S, V26.4S, V6.4S
	WORD $0x6e27df7b // FMUL V27.4S, V27.4S, V7.4S
	WORD $0x4f8c1310 // FMLA V16.4S, V24.4S, V12.S[0]
	WORD $0x4f8c1331 // FMLA V17.4S, V25.4S, V12.S[0]
	WORD $0x4f8c1352 // FMLA V18.4S, V26.4S, V12.S[0]
	WORD $0x4f8c1373 // FMLA V19.4S, V27.4S, V12.S[0]
	ADD $34, R11
	SUBS $1, R13
	BNE q80oneBlock
	CBZ R8, q80oneStore
	VLD1 (R6), [V24.S4, V25.S4, V26.S4, V27.S4]
	WORD $0x4e38d610 // FADD V16.4S, V16.4S, V24.4S
	WORD $0x4e39d631 // FADD V17.4S, V17.4S, V25.4S
	WORD $0x4e3ad652 // FADD V18.4S, V18.4S, V26.4S
	WORD $0x4e3bd673 // FADD V19.4S, V19.4S, V27.4S
q80oneStore:
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R6)

q80done:
	RET

// r16DecodeQ4_0 writes nb q4_0 blocks of a strip (words only: 4 per
// block) as q8_0 words of signed bytes: word g of the output is the low
// nibbles of word g less 8 (elements 4g…4g+3), word 4+g the high nibbles
// less 8 (elements 16+4g…).
//
// Registers: R0 low-nibble output, R3 high-nibble output, R1 input,
// R2 blocks left; V0…V3 input word, V4…V7 low nibbles, V16…V19 high
// nibbles, V28 = 0x0f, V29 = 8 in every byte.
//
// func r16DecodeQ4_0(dst, src *byte, nb int)
TEXT ·r16DecodeQ4_0(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD nb+16(FP), R2
	VMOVI $15, V28.B16
	VMOVI $8, V29.B16
	ADD  $256, R0, R3

q40decode:
	VLD1.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VAND V28.B16, V0.B16, V4.B16
	VAND V28.B16, V1.B16, V5.B16
	VAND V28.B16, V2.B16, V6.B16
	VAND V28.B16, V3.B16, V7.B16
	VUSHR $4, V0.B16, V16.B16
	VUSHR $4, V1.B16, V17.B16
	VUSHR $4, V2.B16, V18.B16
	VUSHR $4, V3.B16, V19.B16
	VSUB V29.B16, V4.B16, V4.B16
	VSUB V29.B16, V5.B16, V5.B16
	VSUB V29.B16, V6.B16, V6.B16
	VSUB V29.B16, V7.B16, V7.B16
	VSUB V29.B16, V16.B16, V16.B16
	VSUB V29.B16, V17.B16, V17.B16
	VSUB V29.B16, V18.B16, V18.B16
	VSUB V29.B16, V19.B16, V19.B16
	VST1.P [V4.B16, V5.B16, V6.B16, V7.B16], 64(R0)
	VST1.P [V16.B16, V17.B16, V18.B16, V19.B16], 64(R3)
	VLD1.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VAND V28.B16, V0.B16, V4.B16
	VAND V28.B16, V1.B16, V5.B16
	VAND V28.B16, V2.B16, V6.B16
	VAND V28.B16, V3.B16, V7.B16
	VUSHR $4, V0.B16, V16.B16
	VUSHR $4, V1.B16, V17.B16
	VUSHR $4, V2.B16, V18.B16
	VUSHR $4, V3.B16, V19.B16
	VSUB V29.B16, V4.B16, V4.B16
	VSUB V29.B16, V5.B16, V5.B16
	VSUB V29.B16, V6.B16, V6.B16
	VSUB V29.B16, V7.B16, V7.B16
	VSUB V29.B16, V16.B16, V16.B16
	VSUB V29.B16, V17.B16, V17.B16
	VSUB V29.B16, V18.B16, V18.B16
	VSUB V29.B16, V19.B16, V19.B16
	VST1.P [V4.B16, V5.B16, V6.B16, V7.B16], 64(R0)
	VST1.P [V16.B16, V17.B16, V18.B16, V19.B16], 64(R3)
	VLD1.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VAND V28.B16, V0.B16, V4.B16
	VAND V28.B16, V1.B16, V5.B16
	VAND V28.B16, V2.B16, V6.B16
	VAND V28.B16, V3.B16, V7.B16
	VUSHR $4, V0.B16, V16.B16
	VUSHR $4, V1.B16, V17.B16
	VUSHR $4, V2.B16, V18.B16
	VUSHR $4, V3.B16, V19.B16
	VSUB V29.B16, V4.B16, V4.B16
	VSUB V29.B16, V5.B16, V5.B16
	VSUB V29.B16, V6.B16, V6.B16
	VSUB V29.B16, V7.B16, V7.B16
	VSUB V29.B16, V16.B16, V16.B16
	VSUB V29.B16, V17.B16, V17.B16
	VSUB V29.B16, V18.B16, V18.B16
	VSUB V29.B16, V19.B16, V19.B16
	VST1.P [V4.B16, V5.B16, V6.B16, V7.B16], 64(R0)
	VST1.P [V16.B16, V17.B16, V18.B16, V19.B16], 64(R3)
	VLD1.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VAND V28.B16, V0.B16, V4.B16
	VAND V28.B16, V1.B16, V5.B16
	VAND V28.B16, V2.B16, V6.B16
	VAND V28.B16, V3.B16, V7.B16
	VUSHR $4, V0.B16, V16.B16
	VUSHR $4, V1.B16, V17.B16
	VUSHR $4, V2.B16, V18.B16
	VUSHR $4, V3.B16, V19.B16
	VSUB V29.B16, V4.B16, V4.B16
	VSUB V29.B16, V5.B16, V5.B16
	VSUB V29.B16, V6.B16, V6.B16
	VSUB V29.B16, V7.B16, V7.B16
	VSUB V29.B16, V16.B16, V16.B16
	VSUB V29.B16, V17.B16, V17.B16
	VSUB V29.B16, V18.B16, V18.B16
	VSUB V29.B16, V19.B16, V19.B16
	VST1.P [V4.B16, V5.B16, V6.B16, V7.B16], 64(R0)
	VST1.P [V16.B16, V17.B16, V18.B16, V19.B16], 64(R3)
	MOVD R3, R0
	ADD  $256, R0, R3
	SUBS $1, R2
	BNE  q40decode
	RET

// ---- The r16 packer ----
//
// r16PackNEON writes the strip of the 16 rows at src (srcStride bytes
// apart, nb blocks of blockBytes each): the dwords words from byte dwordOff
// of each block transposed (dwords is a multiple of 4 for every r16
// format), then the fp16 scales at half0 and half1 (−1: none).
//
// Per block and group of four words, sixteen 16-byte loads (one per row,
// post-incremented) give V0…V15 = words 4k…4k+3 of rows 0…15; a 4×4
// transpose of 32-bit elements per quad of rows (TRN1/TRN2 on words into
// V(24+q), V(28+q) and the quad's first two inputs, then on doublewords)
// leaves word 4k+m of rows 4q…4q+3 in V(16+4m+q), so that each output
// word is one 64-byte store. The scales are copied with 16-bit
// moves.
//
// Registers: R0…R15 the rows (at the next word), R19 word output, R20 scale
// output, R21 blocks left, R22 groups left, R23 bytes from a row's last
// word to its next block's first, R24 groups per block, R25 a scale's
// offset from the rows' pointers after the words, R3 (after the words),
// R16, R17 scratch.
//
// func r16PackNEON(dst, src *byte, srcStride, nb, blockBytes, dwordOff, dwords, half0, half1 int)
TEXT ·r16PackNEON(SB), NOSPLIT, $0-72
	MOVD dst+0(FP), R19
	MOVD src+8(FP), R0
	MOVD srcStride+16(FP), R16
	MOVD nb+24(FP), R21
	MOVD dwords+48(FP), R24
	// The scales follow nb·64·dwords bytes of words.
	MUL  R21, R24, R17
	ADD  R17<<6, R19, R20
	// R23 = blockBytes − 4·dwords, the rows' step after their words.
	MOVD blockBytes+32(FP), R23
	SUB  R24<<2, R23
	LSR  $2, R24
	MOVD dwordOff+40(FP), R17
	ADD  R17, R0
	ADD  R16, R0, R1
	ADD  R16, R1, R2
	ADD  R16, R2, R3
	ADD  R16, R3, R4
	ADD  R16, R4, R5
	ADD  R16, R5, R6
	ADD  R16, R6, R7
	ADD  R16, R7, R8
	ADD  R16, R8, R9
	ADD  R16, R9, R10
	ADD  R16, R10, R11
	ADD  R16, R11, R12
	ADD  R16, R12, R13
	ADD  R16, R13, R14
	ADD  R16, R14, R15

packBlock:
	MOVD R24, R22

packGroup:
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R1), [V1.S4]
	VLD1.P 16(R2), [V2.S4]
	VLD1.P 16(R3), [V3.S4]
	VLD1.P 16(R4), [V4.S4]
	VLD1.P 16(R5), [V5.S4]
	VLD1.P 16(R6), [V6.S4]
	VLD1.P 16(R7), [V7.S4]
	VLD1.P 16(R8), [V8.S4]
	VLD1.P 16(R9), [V9.S4]
	VLD1.P 16(R10), [V10.S4]
	VLD1.P 16(R11), [V11.S4]
	VLD1.P 16(R12), [V12.S4]
	VLD1.P 16(R13), [V13.S4]
	VLD1.P 16(R14), [V14.S4]
	VLD1.P 16(R15), [V15.S4]
	VTRN1 V1.S4, V0.S4, V24.S4
	VTRN2 V1.S4, V0.S4, V28.S4
	VTRN1 V3.S4, V2.S4, V0.S4
	VTRN2 V3.S4, V2.S4, V1.S4
	VTRN1 V0.D2, V24.D2, V16.D2
	VTRN1 V1.D2, V28.D2, V20.D2
	VTRN2 V0.D2, V24.D2, V24.D2
	VTRN2 V1.D2, V28.D2, V28.D2
	VTRN1 V5.S4, V4.S4, V25.S4
	VTRN2 V5.S4, V4.S4, V29.S4
	VTRN1 V7.S4, V6.S4, V4.S4
	VTRN2 V7.S4, V6.S4, V5.S4
	VTRN1 V4.D2, V25.D2, V17.D2
	VTRN1 V5.D2, V29.D2, V21.D2
	VTRN2 V4.D2, V25.D2, V25.D2
	VTRN2 V5.D2, V29.D2, V29.D2
	VTRN1 V9.S4, V8.S4, V26.S4
	VTRN2 V9.S4, V8.S4, V30.S4
	VTRN1 V11.S4, V10.S4, V8.S4
	VTRN2 V11.S4, V10.S4, V9.S4
	VTRN1 V8.D2, V26.D2, V18.D2
	VTRN1 V9.D2, V30.D2, V22.D2
	VTRN2 V8.D2, V26.D2, V26.D2
	VTRN2 V9.D2, V30.D2, V30.D2
	VTRN1 V13.S4, V12.S4, V27.S4
	VTRN2 V13.S4, V12.S4, V31.S4
	VTRN1 V15.S4, V14.S4, V12.S4
	VTRN2 V15.S4, V14.S4, V13.S4
	VTRN1 V12.D2, V27.D2, V19.D2
	VTRN1 V13.D2, V31.D2, V23.D2
	VTRN2 V12.D2, V27.D2, V27.D2
	VTRN2 V13.D2, V31.D2, V31.D2
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R19)
	VST1.P [V20.S4, V21.S4, V22.S4, V23.S4], 64(R19)
	VST1.P [V24.S4, V25.S4, V26.S4, V27.S4], 64(R19)
	VST1.P [V28.S4, V29.S4, V30.S4, V31.S4], 64(R19)
	SUBS $1, R22
	BNE  packGroup
	MOVD half0+56(FP), R25
	TBNZ $63, R25, packNext
	MOVD dwordOff+40(FP), R17
	SUB  R17, R25
	MOVD dwords+48(FP), R17
	SUB  R17<<2, R25
	MOVHU (R0)(R25), R17
	MOVH R17, 0(R20)
	MOVHU (R1)(R25), R17
	MOVH R17, 2(R20)
	MOVHU (R2)(R25), R17
	MOVH R17, 4(R20)
	MOVHU (R3)(R25), R17
	MOVH R17, 6(R20)
	MOVHU (R4)(R25), R17
	MOVH R17, 8(R20)
	MOVHU (R5)(R25), R17
	MOVH R17, 10(R20)
	MOVHU (R6)(R25), R17
	MOVH R17, 12(R20)
	MOVHU (R7)(R25), R17
	MOVH R17, 14(R20)
	MOVHU (R8)(R25), R17
	MOVH R17, 16(R20)
	MOVHU (R9)(R25), R17
	MOVH R17, 18(R20)
	MOVHU (R10)(R25), R17
	MOVH R17, 20(R20)
	MOVHU (R11)(R25), R17
	MOVH R17, 22(R20)
	MOVHU (R12)(R25), R17
	MOVH R17, 24(R20)
	MOVHU (R13)(R25), R17
	MOVH R17, 26(R20)
	MOVHU (R14)(R25), R17
	MOVH R17, 28(R20)
	MOVHU (R15)(R25), R17
	MOVH R17, 30(R20)
	ADD  $32, R20
	MOVD half1+64(FP), R25
	TBNZ $63, R25, packNext
	MOVD dwordOff+40(FP), R17
	SUB  R17, R25
	MOVD dwords+48(FP), R17
	SUB  R17<<2, R25
	MOVHU (R0)(R25), R17
	MOVH R17, 0(R20)
	MOVHU (R1)(R25), R17
	MOVH R17, 2(R20)
	MOVHU (R2)(R25), R17
	MOVH R17, 4(R20)
	MOVHU (R3)(R25), R17
	MOVH R17, 6(R20)
	MOVHU (R4)(R25), R17
	MOVH R17, 8(R20)
	MOVHU (R5)(R25), R17
	MOVH R17, 10(R20)
	MOVHU (R6)(R25), R17
	MOVH R17, 12(R20)
	MOVHU (R7)(R25), R17
	MOVH R17, 14(R20)
	MOVHU (R8)(R25), R17
	MOVH R17, 16(R20)
	MOVHU (R9)(R25), R17
	MOVH R17, 18(R20)
	MOVHU (R10)(R25), R17
	MOVH R17, 20(R20)
	MOVHU (R11)(R25), R17
	MOVH R17, 22(R20)
	MOVHU (R12)(R25), R17
	MOVH R17, 24(R20)
	MOVHU (R13)(R25), R17
	MOVH R17, 26(R20)
	MOVHU (R14)(R25), R17
	MOVH R17, 28(R20)
	MOVHU (R15)(R25), R17
	MOVH R17, 30(R20)
	ADD  $32, R20

packNext:
	ADD  R23, R0
	ADD  R23, R1
	ADD  R23, R2
	ADD  R23, R3
	ADD  R23, R4
	ADD  R23, R5
	ADD  R23, R6
	ADD  R23, R7
	ADD  R23, R8
	ADD  R23, R9
	ADD  R23, R10
	ADD  R23, R11
	ADD  R23, R12
	ADD  R23, R13
	ADD  R23, R14
	ADD  R23, R15
	SUBS $1, R21
	BNE  packBlock
	RET
