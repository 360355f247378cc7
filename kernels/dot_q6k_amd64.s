//go:build !noasm

#include "textflag.h"

// q6_K · q8_K dot products (see dotQ6KQ8KGeneric for the arithmetic).
//
// A q6_K block (210 bytes) holds ql[128] @0, qh[64] @128, sixteen int8
// scales @192 and d (float16) @208. Half n (128 weights) uses ql[64n..+63]
// and qh[32n..+31]; for l < 32 its unsigned 6-bit weights u = q+32 are
//
//	u[l]    = ql[l]&15    | (qh[l]&3)<<4        u[l+64] = ql[l]>>4    | (qh[l]>>4&3)<<4
//	u[l+32] = ql[l+32]&15 | (qh[l]>>2&3)<<4     u[l+96] = ql[l+32]>>4 | (qh[l]>>6)<<4
//
// and group g of 16 weights (in element order) has scale scales[g]. A q8_K
// block (292 bytes) holds d (float32) @0, 256 int8 @4, 16 int16 bsums @260
// (the sum of each group of 16). Per block the kernels compute in integers
//
//	sumi = Σ_g scales[g]·Σ_{i∈g} uᵢ·yᵢ − 32·Σ_g scales[g]·bsums[g]
//
// and accumulate d·dy·sumi in float32 lanes that are added up at the end.
// Both kernels run one block per loop iteration. Arguments: x, y point at
// the first blocks, nb ≥ 1 is the number of blocks.

// Word indices into the sixteen scales for the AVX-512 kernel: 128-bit lane
// i of the first packed product vector holds groups i and 4+i, of the
// second groups 8+i and 12+i.
DATA q6kIdxA<>+0x00(SB)/8, $0x0000000000000000
DATA q6kIdxA<>+0x08(SB)/8, $0x0004000400040004
DATA q6kIdxA<>+0x10(SB)/8, $0x0001000100010001
DATA q6kIdxA<>+0x18(SB)/8, $0x0005000500050005
DATA q6kIdxA<>+0x20(SB)/8, $0x0002000200020002
DATA q6kIdxA<>+0x28(SB)/8, $0x0006000600060006
DATA q6kIdxA<>+0x30(SB)/8, $0x0003000300030003
DATA q6kIdxA<>+0x38(SB)/8, $0x0007000700070007
GLOBL q6kIdxA<>(SB), RODATA|NOPTR, $64

DATA q6kIdxB<>+0x00(SB)/8, $0x0008000800080008
DATA q6kIdxB<>+0x08(SB)/8, $0x000c000c000c000c
DATA q6kIdxB<>+0x10(SB)/8, $0x0009000900090009
DATA q6kIdxB<>+0x18(SB)/8, $0x000d000d000d000d
DATA q6kIdxB<>+0x20(SB)/8, $0x000a000a000a000a
DATA q6kIdxB<>+0x28(SB)/8, $0x000e000e000e000e
DATA q6kIdxB<>+0x30(SB)/8, $0x000b000b000b000b
DATA q6kIdxB<>+0x38(SB)/8, $0x000f000f000f000f
GLOBL q6kIdxB<>(SB), RODATA|NOPTR, $64

// Word shift counts for qh: [4 | 2] to place the bits of u[l], u[l+32] at
// bits 4,5, and [0 | 2] (right) for u[l+64], u[l+96].
DATA q6kShl<>+0x00(SB)/8, $0x0004000400040004
DATA q6kShl<>+0x08(SB)/8, $0x0004000400040004
DATA q6kShl<>+0x10(SB)/8, $0x0004000400040004
DATA q6kShl<>+0x18(SB)/8, $0x0004000400040004
DATA q6kShl<>+0x20(SB)/8, $0x0002000200020002
DATA q6kShl<>+0x28(SB)/8, $0x0002000200020002
DATA q6kShl<>+0x30(SB)/8, $0x0002000200020002
DATA q6kShl<>+0x38(SB)/8, $0x0002000200020002
GLOBL q6kShl<>(SB), RODATA|NOPTR, $64

DATA q6kShr<>+0x00(SB)/8, $0
DATA q6kShr<>+0x08(SB)/8, $0
DATA q6kShr<>+0x10(SB)/8, $0
DATA q6kShr<>+0x18(SB)/8, $0
DATA q6kShr<>+0x20(SB)/8, $0x0002000200020002
DATA q6kShr<>+0x28(SB)/8, $0x0002000200020002
DATA q6kShr<>+0x30(SB)/8, $0x0002000200020002
DATA q6kShr<>+0x38(SB)/8, $0x0002000200020002
GLOBL q6kShr<>(SB), RODATA|NOPTR, $64

// VPSHUFB controls for the AVX2 kernel: control k repeats scale byte 2k
// eight times and then byte 2k+1 eight times.
DATA q6kShuf<>+0x00(SB)/8, $0x0000000000000000
DATA q6kShuf<>+0x08(SB)/8, $0x0101010101010101
DATA q6kShuf<>+0x10(SB)/8, $0x0202020202020202
DATA q6kShuf<>+0x18(SB)/8, $0x0303030303030303
DATA q6kShuf<>+0x20(SB)/8, $0x0404040404040404
DATA q6kShuf<>+0x28(SB)/8, $0x0505050505050505
DATA q6kShuf<>+0x30(SB)/8, $0x0606060606060606
DATA q6kShuf<>+0x38(SB)/8, $0x0707070707070707
DATA q6kShuf<>+0x40(SB)/8, $0x0808080808080808
DATA q6kShuf<>+0x48(SB)/8, $0x0909090909090909
DATA q6kShuf<>+0x50(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA q6kShuf<>+0x58(SB)/8, $0x0b0b0b0b0b0b0b0b
DATA q6kShuf<>+0x60(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA q6kShuf<>+0x68(SB)/8, $0x0d0d0d0d0d0d0d0d
DATA q6kShuf<>+0x70(SB)/8, $0x0e0e0e0e0e0e0e0e
DATA q6kShuf<>+0x78(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q6kShuf<>(SB), RODATA|NOPTR, $128

// func dotQ6KVNNI(x, y *byte, nb int) float32
//
// AVX-512 VNNI. Half n loads ql[64n..+63] whole: its low nibbles are u[l]
// then u[l+32], its high nibbles u[l+64] then u[l+96], each in the order of
// 64 activations. qh, broadcast to both 256-bit halves and shifted per half
// (VPSLLVW/VPSRLVW), supplies bits 4,5 through VPTERNLOGD (a | b&0x30).
// VPDPBUSD into a zeroed register gives sixteen dword sums of four products
// (|sum| ≤ 4·63·128 < 2¹⁵), one 128-bit lane per group; two VPACKSSDW fold
// the four product registers into two word vectors that VPMADDWD/VPDPWSSD
// multiply by their groups' scales (VPERMW of the sign-extended scales).
//
// Registers:
//	SI x, DI y, CX blocks left, AX float16 scratch
//	Z0  float acc of d·dy·sumi
//	Z2..Z5 products of weights 0-63, 64-127, 128-191, 192-255
//	Z6..Z9 unsigned weights for them    Z10 Z11 qh of halves 0, 1
//	Z12 Z13 packed products             Z14 Z15 their scale words
//	Y16 scales as words                 Z17 sumi  Z19 bsums term
//	Z18 d·dy broadcast                  X20 float scratch
//	Z21 ql of half 0  Z22 ql of half 1  Z23 Z24 shifted qh
//	Z25 q6kShr Z26 q6kShl Z27 0x30 bytes
//	Z29 q6kIdxB Z30 q6kIdxA Z31 0x0f bytes
TEXT ·dotQ6KVNNI(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVL $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z31
	MOVL $0x30303030, AX
	VPBROADCASTD AX, Z27
	VMOVDQU64 q6kIdxA<>(SB), Z30
	VMOVDQU64 q6kIdxB<>(SB), Z29
	VMOVDQU64 q6kShl<>(SB), Z26
	VMOVDQU64 q6kShr<>(SB), Z25
	VPXORD Z0, Z0, Z0

q6kVNNILoop:
	VMOVDQU64 0(SI), Z21
	VMOVDQU64 64(SI), Z22
	VBROADCASTI64X4 128(SI), Z10
	VBROADCASTI64X4 160(SI), Z11

	// Low nibbles | qh bits for weights 0-63 (Z6) and 128-191 (Z8).
	VPSLLVW Z26, Z10, Z23
	VPSLLVW Z26, Z11, Z24
	VPANDD Z31, Z21, Z6
	VPANDD Z31, Z22, Z8
	VPTERNLOGD $0xf8, Z27, Z23, Z6
	VPTERNLOGD $0xf8, Z27, Z24, Z8

	// High nibbles | qh bits for weights 64-127 (Z7) and 192-255 (Z9).
	VPSRLVW Z25, Z10, Z23
	VPSRLVW Z25, Z11, Z24
	VPSRLW $4, Z21, Z7
	VPSRLW $4, Z22, Z9
	VPANDD Z31, Z7, Z7
	VPANDD Z31, Z9, Z9
	VPTERNLOGD $0xf8, Z27, Z23, Z7
	VPTERNLOGD $0xf8, Z27, Z24, Z9

	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPDPBUSD 4(DI), Z6, Z2
	VPDPBUSD 68(DI), Z7, Z3
	VPDPBUSD 132(DI), Z8, Z4
	VPDPBUSD 196(DI), Z9, Z5

	VPMOVSXBW 192(SI), Y16
	VPERMW Z16, Z30, Z14
	VPERMW Z16, Z29, Z15
	VPACKSSDW Z3, Z2, Z12
	VPACKSSDW Z5, Z4, Z13
	VPMADDWD Z14, Z12, Z17
	VPDPWSSD Z15, Z13, Z17

	// sumi −= 32·Σ_g scales[g]·bsums[g]
	VPMADDWD 260(DI), Y16, Y19
	VPSLLD $5, Z19, Z19
	VPSUBD Z19, Z17, Z17

	MOVWLZX 208(SI), AX
	VMOVD AX, X20
	VCVTPH2PS X20, X20
	VMULSS (DI), X20, X20
	VBROADCASTSS X20, Z18
	VCVTDQ2PS Z17, Z17
	VFMADD231PS Z18, Z17, Z0

	ADDQ $210, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q6kVNNILoop

	VEXTRACTF64X4 $1, Z0, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VMOVHLPS X0, X2, X2
	VADDPS X2, X0, X0
	VMOVSHDUP X0, X2
	VADDSS X2, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ6KAVX2(x, y *byte, nb int) float32
//
// AVX2. Each 32 weights (two groups) are built in a ymm from a nibble of
// ql and two bits of qh, multiplied with their activations by VPMADDUBSW
// into sixteen words (|w| ≤ 2·63·128), and by VPMADDWD with the two groups'
// scales (VPSHUFB + VPMOVSXBW of the scale bytes) into eight dwords that are
// summed into Y2.
//
// Registers:
//	SI x, DI y, CX blocks left, AX float16 scratch
//	Y0  float acc of d·dy·sumi          Y2 sumi
//	Y3 Y4 ql[0..31], ql[32..63] of the half   Y5 qh of the half
//	Y6 weights  Y7 shifted qh  Y8 product  Y9 scale words
//	X10 scale bytes  Y11 scales as words, then the bsums term
//	Y12 d·dy  Y14 0x30 bytes  Y15 0x0f bytes
TEXT ·dotQ6KAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x30303030, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	VPXOR Y0, Y0, Y0

q6kAVX2Loop:
	VMOVDQU 192(SI), X10
	VPXOR Y2, Y2, Y2

// q6kAVX2Weights builds 32 weights in Y6 from the nibbles in the low four
// bits of src and the qh bits at bits 4,5 of Y7.
#define q6kAVX2Weights(src) \
	VPAND Y15, src, Y6       \
	VPAND Y14, Y7, Y7        \
	VPOR  Y7, Y6, Y6

// q6kAVX2Dot multiplies the weights in Y6 with the activations at yoff and
// with the scales of their two groups (VPSHUFB control at q6kShuf+shuf)
// and adds the eight dword sums to Y2.
#define q6kAVX2Dot(yoff, shuf)               \
	VPMADDUBSW yoff(DI), Y6, Y8              \
	VPSHUFB q6kShuf<>+shuf(SB), X10, X9      \
	VPMOVSXBW X9, Y9                         \
	VPMADDWD Y9, Y8, Y8                      \
	VPADDD Y8, Y2, Y2

// q6kAVX2Half does half h: ql at qloff, qh at qhoff, activations at yoff,
// scale controls from shuf.
#define q6kAVX2Half(qloff, qhoff, yoff, shuf) \
	VMOVDQU qloff(SI), Y3                     \
	VMOVDQU qloff+32(SI), Y4                  \
	VMOVDQU qhoff(SI), Y5                     \
	VPSLLW $4, Y5, Y7                         \
	q6kAVX2Weights(Y3)                        \
	q6kAVX2Dot(yoff, shuf)                    \
	VPSLLW $2, Y5, Y7                         \
	q6kAVX2Weights(Y4)                        \
	q6kAVX2Dot(yoff+32, shuf+0x10)            \
	VMOVDQA Y5, Y7                            \
	VPSRLW $4, Y3, Y3                         \
	q6kAVX2Weights(Y3)                        \
	q6kAVX2Dot(yoff+64, shuf+0x20)            \
	VPSRLW $2, Y5, Y7                         \
	VPSRLW $4, Y4, Y4                         \
	q6kAVX2Weights(Y4)                        \
	q6kAVX2Dot(yoff+96, shuf+0x30)

	q6kAVX2Half(0, 128, 4, 0x00)
	q6kAVX2Half(64, 160, 132, 0x40)

	// sumi −= 32·Σ_g scales[g]·bsums[g]
	VPMOVSXBW X10, Y11
	VPMADDWD 260(DI), Y11, Y11
	VPSLLD $5, Y11, Y11
	VPSUBD Y11, Y2, Y2

	MOVWLZX 208(SI), AX
	VMOVD AX, X12
	VCVTPH2PS X12, X12
	VMULSS (DI), X12, X12
	VBROADCASTSS X12, Y12
	VCVTDQ2PS Y2, Y2
	VFMADD231PS Y12, Y2, Y0

	ADDQ $210, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q6kAVX2Loop

	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VMOVHLPS X0, X2, X2
	VADDPS X2, X0, X0
	VMOVSHDUP X0, X2
	VADDSS X2, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
