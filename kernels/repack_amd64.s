//go:build !noasm

#include "textflag.h"

// The r16 packer: sixteen rows' blocks transposed by 32-bit words (see
// repack.go for the layout).
//
// Per block, four words at a time: Z0…Z3 get, in 128-bit lane l, the four
// words of rows 4l, 4l+1, 4l+2, 4l+3 (masked loads, so that a last group of
// fewer than four words reads nothing past the block, and VINSERTI32X4);
// a 4×4 transpose inside each lane (VPUNPCKLDQ/HDQ, VPUNPCKLQDQ/HQDQ) then
// leaves word m of rows 4l…4l+3 in lane l of output m, i.e. word m of all
// sixteen rows in row order. The fp16 scales are copied with 16-bit moves.
//
// Registers:
//	SI row 0 of the block, R11 row 8, BX row stride, R8 = 3·BX, R9 = 5·BX,
//	R10 = 7·BX (row r at base + r·BX for the base of its half)
//	AX, R14 current word group of rows 0 and 8, DI word output, R12 scale
//	output, CX blocks left, DX groups left, R13 scratch
//	K1 = the words of the current group, K2 = the words of the last group
//	Z0…Z3 rows, Z4…Z7 unpacked pairs, X8 scratch

// PACK_LOAD loads word group (AX, R14) into Z0…Z3 under K1.
#define PACK_LOAD \
	VMOVDQU32.Z (AX), K1, X0                \
	VMOVDQU32.Z (AX)(BX*1), K1, X1          \
	VMOVDQU32.Z (AX)(BX*2), K1, X2          \
	VMOVDQU32.Z (AX)(R8*1), K1, X3          \
	VMOVDQU32.Z (AX)(BX*4), K1, X8          \
	VINSERTI32X4 $1, X8, Z0, Z0             \
	VMOVDQU32.Z (AX)(R9*1), K1, X8          \
	VINSERTI32X4 $1, X8, Z1, Z1             \
	VMOVDQU32.Z (AX)(R8*2), K1, X8          \
	VINSERTI32X4 $1, X8, Z2, Z2             \
	VMOVDQU32.Z (AX)(R10*1), K1, X8         \
	VINSERTI32X4 $1, X8, Z3, Z3             \
	VMOVDQU32.Z (R14), K1, X8               \
	VINSERTI32X4 $2, X8, Z0, Z0             \
	VMOVDQU32.Z (R14)(BX*1), K1, X8         \
	VINSERTI32X4 $2, X8, Z1, Z1             \
	VMOVDQU32.Z (R14)(BX*2), K1, X8         \
	VINSERTI32X4 $2, X8, Z2, Z2             \
	VMOVDQU32.Z (R14)(R8*1), K1, X8         \
	VINSERTI32X4 $2, X8, Z3, Z3             \
	VMOVDQU32.Z (R14)(BX*4), K1, X8         \
	VINSERTI32X4 $3, X8, Z0, Z0             \
	VMOVDQU32.Z (R14)(R9*1), K1, X8         \
	VINSERTI32X4 $3, X8, Z1, Z1             \
	VMOVDQU32.Z (R14)(R8*2), K1, X8         \
	VINSERTI32X4 $3, X8, Z2, Z2             \
	VMOVDQU32.Z (R14)(R10*1), K1, X8        \
	VINSERTI32X4 $3, X8, Z3, Z3             \
	VPUNPCKLDQ  Z1, Z0, Z4                  \
	VPUNPCKHDQ  Z1, Z0, Z5                  \
	VPUNPCKLDQ  Z3, Z2, Z6                  \
	VPUNPCKHDQ  Z3, Z2, Z7                  \
	VPUNPCKLQDQ Z6, Z4, Z0                  \
	VPUNPCKHQDQ Z6, Z4, Z1                  \
	VPUNPCKLQDQ Z7, Z5, Z2                  \
	VPUNPCKHQDQ Z7, Z5, Z3

// PACK_HALF copies the fp16 scale at offset R13 of the sixteen rows to
// 16-bit slots at (R12).
#define PACK_HALF \
	LEAQ    (SI)(R13*1), AX          \
	LEAQ    (R11)(R13*1), R13        \
	MOVWLZX (AX), DX                 \
	MOVW    DX, 0(R12)               \
	MOVWLZX (AX)(BX*1), DX           \
	MOVW    DX, 2(R12)               \
	MOVWLZX (AX)(BX*2), DX           \
	MOVW    DX, 4(R12)               \
	MOVWLZX (AX)(R8*1), DX           \
	MOVW    DX, 6(R12)               \
	MOVWLZX (AX)(BX*4), DX           \
	MOVW    DX, 8(R12)               \
	MOVWLZX (AX)(R9*1), DX           \
	MOVW    DX, 10(R12)              \
	MOVWLZX (AX)(R8*2), DX           \
	MOVW    DX, 12(R12)              \
	MOVWLZX (AX)(R10*1), DX          \
	MOVW    DX, 14(R12)              \
	MOVWLZX (R13), DX                \
	MOVW    DX, 16(R12)              \
	MOVWLZX (R13)(BX*1), DX          \
	MOVW    DX, 18(R12)              \
	MOVWLZX (R13)(BX*2), DX          \
	MOVW    DX, 20(R12)              \
	MOVWLZX (R13)(R8*1), DX          \
	MOVW    DX, 22(R12)              \
	MOVWLZX (R13)(BX*4), DX          \
	MOVW    DX, 24(R12)              \
	MOVWLZX (R13)(R9*1), DX          \
	MOVW    DX, 26(R12)              \
	MOVWLZX (R13)(R8*2), DX          \
	MOVW    DX, 28(R12)              \
	MOVWLZX (R13)(R10*1), DX         \
	MOVW    DX, 30(R12)              \
	ADDQ    $32, R12

// func r16PackAVX512(dst, src *byte, srcStride, nb, blockBytes, dwordOff, dwords, half0, half1 int)
TEXT ·r16PackAVX512(SB), NOSPLIT, $0-72
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
	// K2 = the words of the last group (all four when dwords%4 == 0).
	MOVQ dwords+48(FP), CX
	ANDQ $3, CX
	JNZ  packTailMask
	MOVQ $4, CX
packTailMask:
	MOVQ $1, DX
	SHLQ CX, DX
	DECQ DX
	KMOVW DX, K2
	MOVQ nb+24(FP), CX

packBlock:
	MOVQ dwordOff+40(FP), AX
	LEAQ (R11)(AX*1), R14
	ADDQ SI, AX
	MOVQ dwords+48(FP), DX
	ADDQ $3, DX
	SHRQ $2, DX

packGroup:
	MOVL $15, R13
	KMOVW R13, K1
	CMPQ DX, $1
	JNE  packFull
	KMOVW K2, K1
packFull:
	PACK_LOAD
	CMPQ DX, $1
	JEQ  packLast
	VMOVDQU32 Z0, 0(DI)
	VMOVDQU32 Z1, 64(DI)
	VMOVDQU32 Z2, 128(DI)
	VMOVDQU32 Z3, 192(DI)
	ADDQ $256, DI
	ADDQ $16, AX
	ADDQ $16, R14
	DECQ DX
	JMP  packGroup

packLast:
	// Store as many outputs as the last group has words (1…4).
	VMOVDQU32 Z0, 0(DI)
	ADDQ $64, DI
	KMOVW K2, R13
	CMPQ R13, $1
	JEQ  packHalves
	VMOVDQU32 Z1, 0(DI)
	ADDQ $64, DI
	CMPQ R13, $3
	JEQ  packHalves
	VMOVDQU32 Z2, 0(DI)
	ADDQ $64, DI
	CMPQ R13, $7
	JEQ  packHalves
	VMOVDQU32 Z3, 0(DI)
	ADDQ $64, DI

packHalves:
	MOVQ half0+56(FP), R13
	TESTQ R13, R13
	JS   packNext
	PACK_HALF
	MOVQ half1+64(FP), R13
	TESTQ R13, R13
	JS   packNext
	PACK_HALF

packNext:
	MOVQ blockBytes+32(FP), AX
	ADDQ AX, SI
	ADDQ AX, R11
	DECQ CX
	JNZ  packBlock
	VZEROUPPER
	RET
