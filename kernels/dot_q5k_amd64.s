//go:build !noasm

#include "textflag.h"

// q5_K · q8_K dot products (see dotQ5KQ8KGeneric for the arithmetic).
//
// A q5_K block (176 bytes) holds d, dmin (float16) @0, twelve bytes of 6-bit
// sub-block scales and mins @4 (as q4_K), 32 bytes of fifth bits qh @16 and
// 128 bytes of nibbles @48; chunk j of 32 bytes holds sub-block 2j in its
// low nibbles and 2j+1 in its high nibbles, and bit 2j (2j+1) of qh[l] is
// the fifth bit of the weight in low (high) nibble l.
// A q8_K block (292 bytes) holds d (float32) @0, 256 int8 @4, 16 int16
// bsums @260. Per block the kernels compute in integers
//
//	sumi = Σⱼ scⱼ·Σ_{i∈j} qᵢ·yᵢ       summ = Σⱼ mnⱼ·(bsums[2j]+bsums[2j+1])
//
// and accumulate d·dy·sumi and −dmin·dy·summ in float32 lanes that are
// added up once at the end.
//
// Scales and mins are unpacked with 64-bit integer code into two words,
// [sc0..3 mn0..3] and [sc4..7 mn4..7], that are widened to sixteen int16
// lanes (sc0..3 in words 0..3, mn0..3 in 4..7, sc4..7 in 8..11, mn4..7 in
// 12..15) and then permuted into the scale vectors each kernel needs.
//
// Both kernels run one block per loop iteration. Arguments: x, y point at
// the first blocks, nb ≥ 1 is the number of blocks.

// Word indices into the widened scales for the AVX-512 kernel (see there).
DATA q5kIdxA<>+0x00(SB)/8, $0x0000000000000000
DATA q5kIdxA<>+0x08(SB)/8, $0x0002000200020002
DATA q5kIdxA<>+0x10(SB)/8, $0x0000000000000000
DATA q5kIdxA<>+0x18(SB)/8, $0x0002000200020002
DATA q5kIdxA<>+0x20(SB)/8, $0x0001000100010001
DATA q5kIdxA<>+0x28(SB)/8, $0x0003000300030003
DATA q5kIdxA<>+0x30(SB)/8, $0x0001000100010001
DATA q5kIdxA<>+0x38(SB)/8, $0x0003000300030003
GLOBL q5kIdxA<>(SB), RODATA|NOPTR, $64

DATA q5kIdxB<>+0x00(SB)/8, $0x0008000800080008
DATA q5kIdxB<>+0x08(SB)/8, $0x000a000a000a000a
DATA q5kIdxB<>+0x10(SB)/8, $0x0008000800080008
DATA q5kIdxB<>+0x18(SB)/8, $0x000a000a000a000a
DATA q5kIdxB<>+0x20(SB)/8, $0x0009000900090009
DATA q5kIdxB<>+0x28(SB)/8, $0x000b000b000b000b
DATA q5kIdxB<>+0x30(SB)/8, $0x0009000900090009
DATA q5kIdxB<>+0x38(SB)/8, $0x000b000b000b000b
GLOBL q5kIdxB<>(SB), RODATA|NOPTR, $64

// Mins, each repeated twice: mn0 mn0 mn1 mn1 … mn7 mn7.
DATA q5kIdxM<>+0x00(SB)/8, $0x0005000500040004
DATA q5kIdxM<>+0x08(SB)/8, $0x0007000700060006
DATA q5kIdxM<>+0x10(SB)/8, $0x000d000d000c000c
DATA q5kIdxM<>+0x18(SB)/8, $0x000f000f000e000e
GLOBL q5kIdxM<>(SB), RODATA|NOPTR, $32

// Fifth-bit masks of chunk j = 0..3 for the AVX-512 kernel: bit 2j in
// the low 32 bytes, bit 2j+1 in the high 32 bytes.
DATA q5kBits<>+0x00(SB)/8, $0x0101010101010101
DATA q5kBits<>+0x08(SB)/8, $0x0101010101010101
DATA q5kBits<>+0x10(SB)/8, $0x0101010101010101
DATA q5kBits<>+0x18(SB)/8, $0x0101010101010101
DATA q5kBits<>+0x20(SB)/8, $0x0202020202020202
DATA q5kBits<>+0x28(SB)/8, $0x0202020202020202
DATA q5kBits<>+0x30(SB)/8, $0x0202020202020202
DATA q5kBits<>+0x38(SB)/8, $0x0202020202020202
DATA q5kBits<>+0x40(SB)/8, $0x0404040404040404
DATA q5kBits<>+0x48(SB)/8, $0x0404040404040404
DATA q5kBits<>+0x50(SB)/8, $0x0404040404040404
DATA q5kBits<>+0x58(SB)/8, $0x0404040404040404
DATA q5kBits<>+0x60(SB)/8, $0x0808080808080808
DATA q5kBits<>+0x68(SB)/8, $0x0808080808080808
DATA q5kBits<>+0x70(SB)/8, $0x0808080808080808
DATA q5kBits<>+0x78(SB)/8, $0x0808080808080808
DATA q5kBits<>+0x80(SB)/8, $0x1010101010101010
DATA q5kBits<>+0x88(SB)/8, $0x1010101010101010
DATA q5kBits<>+0x90(SB)/8, $0x1010101010101010
DATA q5kBits<>+0x98(SB)/8, $0x1010101010101010
DATA q5kBits<>+0xa0(SB)/8, $0x2020202020202020
DATA q5kBits<>+0xa8(SB)/8, $0x2020202020202020
DATA q5kBits<>+0xb0(SB)/8, $0x2020202020202020
DATA q5kBits<>+0xb8(SB)/8, $0x2020202020202020
DATA q5kBits<>+0xc0(SB)/8, $0x4040404040404040
DATA q5kBits<>+0xc8(SB)/8, $0x4040404040404040
DATA q5kBits<>+0xd0(SB)/8, $0x4040404040404040
DATA q5kBits<>+0xd8(SB)/8, $0x4040404040404040
DATA q5kBits<>+0xe0(SB)/8, $0x8080808080808080
DATA q5kBits<>+0xe8(SB)/8, $0x8080808080808080
DATA q5kBits<>+0xf0(SB)/8, $0x8080808080808080
DATA q5kBits<>+0xf8(SB)/8, $0x8080808080808080
GLOBL q5kBits<>(SB), RODATA|NOPTR, $256

// Shuffles for the AVX2 kernel: with the scales as words [sc0..3 mn0..3]
// in both 128-bit lanes (and [sc4..7 mn4..7] in both lanes of a second
// register), q5kShufK broadcasts word k to all sixteen words.
DATA q5kShuf<>+0x00(SB)/8, $0x0100010001000100
DATA q5kShuf<>+0x08(SB)/8, $0x0100010001000100
DATA q5kShuf<>+0x10(SB)/8, $0x0100010001000100
DATA q5kShuf<>+0x18(SB)/8, $0x0100010001000100
DATA q5kShuf<>+0x20(SB)/8, $0x0302030203020302
DATA q5kShuf<>+0x28(SB)/8, $0x0302030203020302
DATA q5kShuf<>+0x30(SB)/8, $0x0302030203020302
DATA q5kShuf<>+0x38(SB)/8, $0x0302030203020302
DATA q5kShuf<>+0x40(SB)/8, $0x0504050405040504
DATA q5kShuf<>+0x48(SB)/8, $0x0504050405040504
DATA q5kShuf<>+0x50(SB)/8, $0x0504050405040504
DATA q5kShuf<>+0x58(SB)/8, $0x0504050405040504
DATA q5kShuf<>+0x60(SB)/8, $0x0706070607060706
DATA q5kShuf<>+0x68(SB)/8, $0x0706070607060706
DATA q5kShuf<>+0x70(SB)/8, $0x0706070607060706
DATA q5kShuf<>+0x78(SB)/8, $0x0706070607060706
// Mins of four sub-blocks, each repeated twice (words 4,4,5,5,6,6,7,7).
DATA q5kShuf<>+0x80(SB)/8, $0x0b0a0b0a09080908
DATA q5kShuf<>+0x88(SB)/8, $0x0f0e0f0e0d0c0d0c
DATA q5kShuf<>+0x90(SB)/8, $0x0b0a0b0a09080908
DATA q5kShuf<>+0x98(SB)/8, $0x0f0e0f0e0d0c0d0c
GLOBL q5kShuf<>(SB), RODATA|NOPTR, $160

// q5kScalesGP unpacks the scales of the block at SI into BX = [sc0..3 mn0..3]
// and DX = [sc4..7 mn4..7]; R8 = 0x3f3f…, R9 = 0x0303…; clobbers AX, R10, R11.
#define q5kScalesGP \
	MOVQ 4(SI), AX            \
	MOVL 12(SI), DX           \
	MOVQ AX, BX               \
	ANDQ R8, BX               \
	MOVQ AX, R10              \
	SHRQ $6, R10              \
	ANDQ R9, R10              \
	SHLQ $4, R10              \
	MOVL DX, R11              \
	SHRL $4, R11              \
	ANDL $0x0f0f0f0f, R11     \
	SHLQ $32, R11             \
	ANDL $0x0f0f0f0f, DX      \
	ORQ  R11, DX              \
	ORQ  R10, DX

// func dotQ5KVNNI(x, y *byte, nb int) float32
//
// AVX-512 VNNI. Chunk j (32 bytes) is broadcast to both halves of a zmm;
// the upper half is shifted right by 4 under mask K1 and both are masked
// with 0x0f, so the register holds sub-block 2j then 2j+1, in the order of
// the 64 activations at y.qs[64j]. qh, broadcast to both halves, is tested
// against bit 2j (low half) and 2j+1 (high half) with VPTESTMB, and 16 is
// added to the bytes whose bit is set. VPDPBUSD into a zeroed register
// gives sixteen dword sums of four products (|sum| ≤ 4·31·128, so they fit
// in int16); two VPACKSSDW fold the four product registers into two word
// vectors, which VPMADDWD/VPDPWSSD multiply by the matching scales (word
// permutations of the scales, q5kIdxA/B) and sum into sixteen dwords.
//
// Registers:
//	SI x, DI y, CX blocks left, R8/R9 masks, AX BX DX R10 R11 scale scratch
//	Z0  float acc of d·dy·sumi          Y1  float acc of −dmin·dy·summ
//	Z2..Z5 products of chunks 0..3      Z6..Z9 unpacked nibbles of chunks 0..3
//	Z10 Z11 packed products             Z12 Z13 their scale words
//	Y14 widened scales                  Y15 mins repeated per bsums pair
//	Y16 summ                            Z17 sumi
//	Z18 d·dy broadcast                  Y19 dmin·dy broadcast
//	X20 X21 float16 scales              K1 upper 32 words, K2..K5 fifth bits
//	Z22 qh in both halves               Z23 0x10 bytes
//	Z24..Z27 bit masks of chunks 0..3 (q5kBits)
//	Z28 q5kIdxM (ymm) Z29 q5kIdxB Z30 q5kIdxA Z31 0x0f bytes
TEXT ·dotQ5KVNNI(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVQ $0x3f3f3f3f3f3f3f3f, R8
	MOVQ $0x0303030303030303, R9
	MOVL $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z31
	MOVL $0xffff0000, AX
	KMOVD AX, K1
	VMOVDQU64 q5kIdxA<>(SB), Z30
	VMOVDQU64 q5kIdxB<>(SB), Z29
	VMOVDQU64 q5kIdxM<>(SB), Y28
	MOVL $0x10101010, AX
	VPBROADCASTD AX, Z23
	VMOVDQU64 q5kBits<>+0x00(SB), Z24
	VMOVDQU64 q5kBits<>+0x40(SB), Z25
	VMOVDQU64 q5kBits<>+0x80(SB), Z26
	VMOVDQU64 q5kBits<>+0xc0(SB), Z27
	VPXORD Z0, Z0, Z0
	VPXORD Y1, Y1, Y1

q5kVNNILoop:
	// Nibbles of sub-blocks 2j (low half) and 2j+1 (high half).
	VBROADCASTI64X4 48(SI), Z6
	VBROADCASTI64X4 80(SI), Z7
	VBROADCASTI64X4 112(SI), Z8
	VBROADCASTI64X4 144(SI), Z9
	VBROADCASTI64X4 16(SI), Z22
	VPSRLW $4, Z6, K1, Z6
	VPSRLW $4, Z7, K1, Z7
	VPSRLW $4, Z8, K1, Z8
	VPSRLW $4, Z9, K1, Z9
	VPTESTMB Z24, Z22, K2
	VPTESTMB Z25, Z22, K3
	VPTESTMB Z26, Z22, K4
	VPTESTMB Z27, Z22, K5
	VPANDD Z31, Z6, Z6
	VPANDD Z31, Z7, Z7
	VPANDD Z31, Z8, Z8
	VPANDD Z31, Z9, Z9
	VPADDB Z23, Z6, K2, Z6
	VPADDB Z23, Z7, K3, Z7
	VPADDB Z23, Z8, K4, Z8
	VPADDB Z23, Z9, K5, Z9

	// Dword sums of four products.
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPDPBUSD 4(DI), Z6, Z2
	VPDPBUSD 68(DI), Z7, Z3
	VPDPBUSD 132(DI), Z8, Z4
	VPDPBUSD 196(DI), Z9, Z5

	// Scales and mins.
	q5kScalesGP
	VMOVQ BX, X14
	VPINSRQ $1, DX, X14, X14
	VPMOVZXBW X14, Y14
	VPERMW Z14, Z30, Z12
	VPERMW Z14, Z29, Z13
	VPERMW Y14, Y28, Y15

	// Per 128-bit lane i, Z10 holds words of chunk 0 then chunk 1: lanes
	// 0,1 are sub-blocks 0 and 2, lanes 2,3 sub-blocks 1 and 3 (q5kIdxA);
	// Z11 the same for chunks 2 and 3 (q5kIdxB).
	VPACKSSDW Z3, Z2, Z10
	VPACKSSDW Z5, Z4, Z11
	VPMADDWD Z12, Z10, Z17
	VPDPWSSD Z13, Z11, Z17
	VPMADDWD 260(DI), Y15, Y16

	// Float scales: X20 = [d·dy, dmin·dy].
	VMOVD (SI), X20
	VCVTPH2PS X20, X20
	VMULPS.BCST (DI), X20, X20
	VBROADCASTSS X20, Z18
	VMOVSHDUP X20, X21
	VBROADCASTSS X21, Y19

	VCVTDQ2PS Z17, Z17
	VCVTDQ2PS Y16, Y16
	VFMADD231PS Z18, Z17, Z0
	VFNMADD231PS Y19, Y16, Y1

	ADDQ $176, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q5kVNNILoop

	VEXTRACTF64X4 $1, Z0, Y2
	VADDPS Y2, Y0, Y0
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VMOVHLPS X0, X2, X2
	VADDPS X2, X0, X0
	VMOVSHDUP X0, X2
	VADDSS X2, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ5KAVX2(x, y *byte, nb int) float32
//
// AVX2. Chunk j (32 bytes) is split into low and high nibbles, and bits
// 2j and 2j+1 of qh are shifted to bit 4 of each and or-ed in; VPMADDUBSW
// multiplies each with its 32 activations into sixteen words (|w| ≤
// 2·31·128), and VPMADDWD with the sub-block's scale broadcast to all words
// turns them into eight dwords that are summed into Y2.
//
// Registers:
//	SI x, DI y, CX blocks left, R8/R9 masks, AX BX DX R10 R11 scale scratch
//	Y0  float acc of d·dy·sumi          Y1  float acc of −dmin·dy·summ
//	Y2  sumi                            Y3 Y4 low and high nibbles
//	Y5 Y6 products                      Y7 [sc0..3 mn0..3] words in both lanes
//	Y8  [sc4..7 mn4..7] in both lanes   Y9 scratch (mins, scales)
//	Y10 summ                            Y11 d·dy   Y12 dmin·dy
//	X11 X12 also float16 scales         Y13 0x10 bytes
//	Y14 qh                              Y15 0x0f bytes
TEXT ·dotQ5KAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVQ $0x3f3f3f3f3f3f3f3f, R8
	MOVQ $0x0303030303030303, R9
	MOVL $0x0f0f0f0f, AX
	VMOVQ AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x10101010, AX
	VMOVQ AX, X13
	VPBROADCASTD X13, Y13
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1

q5kAVX2Loop:
	q5kScalesGP
	VMOVQ BX, X7
	VPMOVZXBW X7, X7
	VINSERTI128 $1, X7, Y7, Y7
	VMOVQ DX, X8
	VPMOVZXBW X8, X8
	VINSERTI128 $1, X8, Y8, Y8

	// Mins: lane 0 gets mn0..3 and lane 1 mn4..7, each word twice, to
	// multiply the sixteen bsums.
	VPERM2I128 $0x30, Y8, Y7, Y9
	VPSHUFB q5kShuf<>+0x80(SB), Y9, Y9
	VPMADDWD 260(DI), Y9, Y10

// Y5 and Y6 hold qh shifted so that the fifth bits of the low and high
// nibbles are at bit 4.
#define q5kAVX2Chunk(off, yoff, sreg, slo, shi) \
	VMOVDQU off(SI), Y3                         \
	VPSRLW  $4, Y3, Y4                          \
	VPAND   Y15, Y3, Y3                         \
	VPAND   Y15, Y4, Y4                         \
	VPAND   Y13, Y5, Y5                         \
	VPOR    Y5, Y3, Y3                          \
	VPAND   Y13, Y6, Y6                         \
	VPOR    Y6, Y4, Y4                          \
	VPMADDUBSW yoff(DI), Y3, Y5                 \
	VPMADDUBSW yoff+32(DI), Y4, Y6              \
	VPSHUFB q5kShuf<>+slo(SB), sreg, Y9         \
	VPMADDWD Y9, Y5, Y5                         \
	VPSHUFB q5kShuf<>+shi(SB), sreg, Y9         \
	VPMADDWD Y9, Y6, Y6                         \
	VPADDD  Y5, Y2, Y2                          \
	VPADDD  Y6, Y2, Y2

	// Fifth bits: bit 2j (2j+1) of qh moves to bit 4 for the low (high)
	// nibbles of chunk j; word shifts keep each byte's bit 4 within it.
	VMOVDQU 16(SI), Y14
	VPXOR Y2, Y2, Y2
	VPSLLW $4, Y14, Y5
	VPSLLW $3, Y14, Y6
	q5kAVX2Chunk(48, 4, Y7, 0x00, 0x20)
	VPSLLW $2, Y14, Y5
	VPSLLW $1, Y14, Y6
	q5kAVX2Chunk(80, 68, Y7, 0x40, 0x60)
	VMOVDQU Y14, Y5
	VPSRLW $1, Y14, Y6
	q5kAVX2Chunk(112, 132, Y8, 0x00, 0x20)
	VPSRLW $2, Y14, Y5
	VPSRLW $3, Y14, Y6
	q5kAVX2Chunk(144, 196, Y8, 0x40, 0x60)

	// Float scales: d·dy and dmin·dy broadcast.
	VMOVD (SI), X11
	VCVTPH2PS X11, X11
	VBROADCASTSS (DI), X9
	VMULPS X9, X11, X11
	VMOVSHDUP X11, X12
	VBROADCASTSS X11, Y11
	VBROADCASTSS X12, Y12

	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y10, Y10
	VFMADD231PS Y11, Y2, Y0
	VFNMADD231PS Y12, Y10, Y1

	ADDQ $176, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q5kAVX2Loop

	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VMOVHLPS X0, X2, X2
	VADDPS X2, X0, X0
	VMOVSHDUP X0, X2
	VADDSS X2, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
