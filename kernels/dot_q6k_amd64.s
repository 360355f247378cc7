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

// ---- Tile: 4 rows × 8 columns, AVX-512 VNNI ----

// Scale words for the packed products of weights 64k..64k+63 (see
// tileQ6KVNNI): 128-bit lane i repeats scale 4k+i eight times.
DATA q6kTIdx<>+0x00(SB)/8, $0x0000000000000000
DATA q6kTIdx<>+0x08(SB)/8, $0x0000000000000000
DATA q6kTIdx<>+0x10(SB)/8, $0x0001000100010001
DATA q6kTIdx<>+0x18(SB)/8, $0x0001000100010001
DATA q6kTIdx<>+0x20(SB)/8, $0x0002000200020002
DATA q6kTIdx<>+0x28(SB)/8, $0x0002000200020002
DATA q6kTIdx<>+0x30(SB)/8, $0x0003000300030003
DATA q6kTIdx<>+0x38(SB)/8, $0x0003000300030003
DATA q6kTIdx<>+0x40(SB)/8, $0x0004000400040004
DATA q6kTIdx<>+0x48(SB)/8, $0x0004000400040004
DATA q6kTIdx<>+0x50(SB)/8, $0x0005000500050005
DATA q6kTIdx<>+0x58(SB)/8, $0x0005000500050005
DATA q6kTIdx<>+0x60(SB)/8, $0x0006000600060006
DATA q6kTIdx<>+0x68(SB)/8, $0x0006000600060006
DATA q6kTIdx<>+0x70(SB)/8, $0x0007000700070007
DATA q6kTIdx<>+0x78(SB)/8, $0x0007000700070007
DATA q6kTIdx<>+0x80(SB)/8, $0x0008000800080008
DATA q6kTIdx<>+0x88(SB)/8, $0x0008000800080008
DATA q6kTIdx<>+0x90(SB)/8, $0x0009000900090009
DATA q6kTIdx<>+0x98(SB)/8, $0x0009000900090009
DATA q6kTIdx<>+0xa0(SB)/8, $0x000a000a000a000a
DATA q6kTIdx<>+0xa8(SB)/8, $0x000a000a000a000a
DATA q6kTIdx<>+0xb0(SB)/8, $0x000b000b000b000b
DATA q6kTIdx<>+0xb8(SB)/8, $0x000b000b000b000b
DATA q6kTIdx<>+0xc0(SB)/8, $0x000c000c000c000c
DATA q6kTIdx<>+0xc8(SB)/8, $0x000c000c000c000c
DATA q6kTIdx<>+0xd0(SB)/8, $0x000d000d000d000d
DATA q6kTIdx<>+0xd8(SB)/8, $0x000d000d000d000d
DATA q6kTIdx<>+0xe0(SB)/8, $0x000e000e000e000e
DATA q6kTIdx<>+0xe8(SB)/8, $0x000e000e000e000e
DATA q6kTIdx<>+0xf0(SB)/8, $0x000f000f000f000f
DATA q6kTIdx<>+0xf8(SB)/8, $0x000f000f000f000f
// Scales for the bsums term: lane i holds scales 4i..4i+3 twice.
DATA q6kTIdx<>+0x100(SB)/8, $0x0003000200010000
DATA q6kTIdx<>+0x108(SB)/8, $0x0003000200010000
DATA q6kTIdx<>+0x110(SB)/8, $0x0007000600050004
DATA q6kTIdx<>+0x118(SB)/8, $0x0007000600050004
DATA q6kTIdx<>+0x120(SB)/8, $0x000b000a00090008
DATA q6kTIdx<>+0x128(SB)/8, $0x000b000a00090008
DATA q6kTIdx<>+0x130(SB)/8, $0x000f000e000d000c
DATA q6kTIdx<>+0x138(SB)/8, $0x000f000e000d000c
// Qword interleave of two ymm: [a0 b0 a1 b1 a2 b2 a3 b3].
DATA q6kTIdx<>+0x140(SB)/8, $0
DATA q6kTIdx<>+0x148(SB)/8, $8
DATA q6kTIdx<>+0x150(SB)/8, $1
DATA q6kTIdx<>+0x158(SB)/8, $9
DATA q6kTIdx<>+0x160(SB)/8, $2
DATA q6kTIdx<>+0x168(SB)/8, $10
DATA q6kTIdx<>+0x170(SB)/8, $3
DATA q6kTIdx<>+0x178(SB)/8, $11
GLOBL q6kTIdx<>(SB), RODATA|NOPTR, $384

// Thirty-two words of −32.
DATA q6kTM32<>+0x00(SB)/8, $0xffe0ffe0ffe0ffe0
DATA q6kTM32<>+0x08(SB)/8, $0xffe0ffe0ffe0ffe0
DATA q6kTM32<>+0x10(SB)/8, $0xffe0ffe0ffe0ffe0
DATA q6kTM32<>+0x18(SB)/8, $0xffe0ffe0ffe0ffe0
DATA q6kTM32<>+0x20(SB)/8, $0xffe0ffe0ffe0ffe0
DATA q6kTM32<>+0x28(SB)/8, $0xffe0ffe0ffe0ffe0
DATA q6kTM32<>+0x30(SB)/8, $0xffe0ffe0ffe0ffe0
DATA q6kTM32<>+0x38(SB)/8, $0xffe0ffe0ffe0ffe0
GLOBL q6kTM32<>(SB), RODATA|NOPTR, $64

// q6kTileCopy copies the 256 quants of the column at a to the aligned
// buffer at 256c(R12), so that the products read whole cache lines.
#define q6kTileCopy(c, a) \
	VMOVDQU64 4 a, Z26                              \
	VMOVDQU64 68 a, Z27                             \
	VMOVDQU64 132 a, Z28                            \
	VMOVDQU64 196 a, Z29                            \
	VMOVDQA64 Z26, (256*(c))(R12)                     \
	VMOVDQA64 Z27, (256*(c)+64)(R12)                  \
	VMOVDQA64 Z28, (256*(c)+128)(R12)                 \
	VMOVDQA64 Z29, (256*(c)+192)(R12)

// q6kTileCols prepares column pair p (columns c0, c1 at addresses a0, a1)
// of the block: at 64p(SP) the dy factors [dy0 dy0 dy1 dy1]×4 and at
// 256+64p(SP) the bsums of both, lane i holding c0's bsums 4i..4i+3 then
// c1's. Z30 holds the qword interleave.
#define q6kTileCols(p, a0, a1) \
	q6kTileCopy(2*p, a0)                             \
	q6kTileCopy(2*p+1, a1)                           \
	VBROADCASTSS a0, Z26                            \
	VBROADCASTSS a1, Z27                            \
	VBLENDMPS Z27, Z26, K6, Z26                     \
	VMOVUPS Z26, (2048+64*p)(R12)                         \
	VMOVDQU64 260 a0, Y27                             \
	VMOVDQU64 260 a1, Y28                             \
	VMOVDQU64 Z30, Z29                              \
	VPERMI2Q Z28, Z27, Z29                          \
	VMOVDQU64 Z29, (2304+64*p)(R12)

// q6kTileRow decodes the block of the row at address a (as dotQ6KVNNI):
// unsigned weights 64k..64k+63 in Z16+k, their scale words in Z20+k,
// −32·scales for the bsums term in Z24 and d in Z25. Uses Z26..Z31.
#define q6kTileRow(a) \
	VMOVDQU64 0 a, Z30                              \
	VMOVDQU64 64 a, Z31                             \
	VBROADCASTI64X4 128 a, Z26                      \
	VBROADCASTI64X4 160 a, Z27                      \
	MOVL $0x0f0f0f0f, AX                            \
	VPBROADCASTD AX, Z29                            \
	MOVL $0x30303030, AX                            \
	VPBROADCASTD AX, Z28                            \
	VPSRLW $4, Z30, Z17                             \
	VPSRLW $4, Z31, Z19                             \
	VPANDD Z29, Z30, Z16                            \
	VPANDD Z29, Z31, Z18                            \
	VPANDD Z29, Z17, Z17                            \
	VPANDD Z29, Z19, Z19                            \
	VPSLLVW q6kShl<>(SB), Z26, Z30                  \
	VPSLLVW q6kShl<>(SB), Z27, Z31                  \
	VPTERNLOGD $0xf8, Z28, Z30, Z16                 \
	VPTERNLOGD $0xf8, Z28, Z31, Z18                 \
	VPSRLVW q6kShr<>(SB), Z26, Z30                  \
	VPSRLVW q6kShr<>(SB), Z27, Z31                  \
	VPTERNLOGD $0xf8, Z28, Z30, Z17                 \
	VPTERNLOGD $0xf8, Z28, Z31, Z19                 \
	VPMOVSXBW 192 a, Y31                            \
	VMOVDQU64 q6kTIdx<>+0x00(SB), Z20               \
	VMOVDQU64 q6kTIdx<>+0x40(SB), Z21               \
	VMOVDQU64 q6kTIdx<>+0x80(SB), Z22               \
	VMOVDQU64 q6kTIdx<>+0xc0(SB), Z23               \
	VMOVDQU64 q6kTIdx<>+0x100(SB), Z24              \
	VPERMW Z31, Z20, Z20                            \
	VPERMW Z31, Z21, Z21                            \
	VPERMW Z31, Z22, Z22                            \
	VPERMW Z31, Z23, Z23                            \
	VPERMW Z31, Z24, Z24                            \
	VPMULLW q6kTM32<>(SB), Z24, Z24                 \
	VPBROADCASTW 208 a, Y30                         \
	VCVTPH2PS Y30, Z25

// q6kTileProducts leaves the packed VPDPBUSD products of weights
// 64k..64k+63 (in w) for the columns at a0 and a1 in Z26.
#define q6kTileProducts(k, w, p) \
	VPXORD Z26, Z26, Z26                            \
	VPXORD Z27, Z27, Z27                            \
	VPDPBUSD (512*p+64*k)(R12), w, Z26              \
	VPDPBUSD (512*p+256+64*k)(R12), w, Z27          \
	VPACKSSDW Z27, Z26, Z26

// q6kTilePair accumulates row r × column pair p (quants in the buffer) into acc.
#define q6kTilePair(acc, p) \
	q6kTileProducts(0, Z16, p)                 \
	VPMADDWD Z20, Z26, Z28                          \
	q6kTileProducts(1, Z17, p)                 \
	VPDPWSSD Z21, Z26, Z28                          \
	q6kTileProducts(2, Z18, p)                 \
	VPDPWSSD Z22, Z26, Z28                          \
	q6kTileProducts(3, Z19, p)                 \
	VPDPWSSD Z23, Z26, Z28                          \
	VPDPWSSD (2304+64*p)(R12), Z24, Z28               \
	VCVTDQ2PS Z28, Z28                              \
	VMULPS Z25, Z28, Z28                            \
	VFMADD231PS (2048+64*p)(R12), Z28, acc

#define q6kTileRowPairs(a0, a1, a2, a3) \
	q6kTilePair(a0, 0)                              \
	q6kTilePair(a1, 1)                              \
	q6kTilePair(a2, 2)                              \
	q6kTilePair(a3, 3)

// q6kTileStore writes the two column sums of acc (row r, pair p) to
// dst[(2p)·stride + r] and dst[(2p+1)·stride + r]; DX = &dst[2p·stride],
// BX = 4·stride.
#define q6kTileStore(acc, yacc, xacc, r) \
	VEXTRACTF64X4 $1, acc, Y26                      \
	VADDPS Y26, yacc, yacc                          \
	VEXTRACTF32X4 $1, yacc, X26                     \
	VADDPS X26, xacc, xacc                          \
	VHADDPS xacc, xacc, xacc                        \
	VMOVSS xacc, (4*r)(DX)                          \
	VEXTRACTPS $1, xacc, (4*r)(DX)(BX*1)

// func tileQ6KVNNI(x *byte, xStride int, y *byte, yStride int, nb int, dst *float32, dstStride int)
//
// AVX-512 VNNI tile of 4 rows × 8 columns, built as tileQ4KVNNI. Per block,
// each row's weights are decoded once (as in dotQ6KVNNI) and each column's
// dy and bsums prepared once; for every row and pair of columns (c0, c1)
// the four VPDPBUSD products of both columns are packed together
// (VPACKSSDW), so that 128-bit lane i of the packed words holds four words
// of c0 then four of c1, all of group 4k+i; VPMADDWD/VPDPWSSD with that
// group's scale sum them into dwords [c0 c0 c1 c1] per lane, and one more
// VPDPWSSD adds −32·scales·bsums of both columns in the same order. One
// float accumulator per row and column pair takes sumi·d·[dy0 dy0 dy1 dy1].
//
// Registers:
//	SI x block, R10 xStride, R11 3·xStride (rows at SI + r·xStride)
//	DI y block of columns 0-3, R13 of columns 4-7, R8 yStride, R9 3·yStride
//	CX blocks left, AX scratch, DX BX dst pointer and 4·dstStride
//	Z0..Z15 accumulators, row r pair p in Z(4r+p)
//	Z16..Z19 weights 0-63 … 192-255, Z20..Z23 their scale words
//	Z24 −32·scales (bsums term), Z25 d, Z26..Z31 scratch
//	K6 dwords 2,3 of each lane
//	R12 64-byte aligned scratch: 0..2047 quants of columns 0..7, 2048..2303
//	dy factors of pairs 0..3, 2304..2559 their bsums
TEXT ·tileQ6KVNNI(SB), 0, $2624-56
	MOVQ x+0(FP), SI
	MOVQ xStride+8(FP), R10
	MOVQ y+16(FP), DI
	MOVQ yStride+24(FP), R8
	MOVQ nb+32(FP), CX
	LEAQ (R10)(R10*2), R11
	LEAQ (R8)(R8*2), R9
	LEAQ (DI)(R8*4), R13
	LEAQ 63(SP), R12
	ANDQ $~63, R12
	MOVL $0xcccc, AX
	KMOVW AX, K6
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

q6kTileLoop:
	VMOVDQU64 q6kTIdx<>+0x140(SB), Z30
	q6kTileCols(0, (DI), (DI)(R8*1))
	q6kTileCols(1, (DI)(R8*2), (DI)(R9*1))
	q6kTileCols(2, (R13), (R13)(R8*1))
	q6kTileCols(3, (R13)(R8*2), (R13)(R9*1))

	q6kTileRow((SI))
	q6kTileRowPairs(Z0, Z1, Z2, Z3)
	q6kTileRow((SI)(R10*1))
	q6kTileRowPairs(Z4, Z5, Z6, Z7)
	q6kTileRow((SI)(R10*2))
	q6kTileRowPairs(Z8, Z9, Z10, Z11)
	q6kTileRow((SI)(R11*1))
	q6kTileRowPairs(Z12, Z13, Z14, Z15)

	ADDQ $210, SI
	ADDQ $292, DI
	ADDQ $292, R13
	DECQ CX
	JNZ  q6kTileLoop

	MOVQ dst+40(FP), DX
	MOVQ dstStride+48(FP), BX
	SHLQ $2, BX
	q6kTileStore(Z0, Y0, X0, 0)
	q6kTileStore(Z4, Y4, X4, 1)
	q6kTileStore(Z8, Y8, X8, 2)
	q6kTileStore(Z12, Y12, X12, 3)
	LEAQ (DX)(BX*2), DX
	q6kTileStore(Z1, Y1, X1, 0)
	q6kTileStore(Z5, Y5, X5, 1)
	q6kTileStore(Z9, Y9, X9, 2)
	q6kTileStore(Z13, Y13, X13, 3)
	LEAQ (DX)(BX*2), DX
	q6kTileStore(Z2, Y2, X2, 0)
	q6kTileStore(Z6, Y6, X6, 1)
	q6kTileStore(Z10, Y10, X10, 2)
	q6kTileStore(Z14, Y14, X14, 3)
	LEAQ (DX)(BX*2), DX
	q6kTileStore(Z3, Y3, X3, 0)
	q6kTileStore(Z7, Y7, X7, 1)
	q6kTileStore(Z11, Y11, X11, 2)
	q6kTileStore(Z15, Y15, X15, 3)
	VZEROUPPER
	RET
