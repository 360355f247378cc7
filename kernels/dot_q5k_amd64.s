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

// ---- Tile: 4 rows × 8 columns, AVX-512 VNNI ----

// Vector unpacking of the 12 scale bytes s (loaded as 16 bytes, qwords
// q0 = s[0..7], q1 = s[8..15]): VPSHUFD gives [s0..3 s4..7 s8..11
// s8..11], VPSRLVD by [0 0 0 4] and a mask of [0x3f×8, 0x0f×8] give
// [sc0..3 mn0..3 | low nibbles of s8..11, high nibbles of s8..11]; the top
// two bits of s[0..7] come from q0>>2 moved to the high qword, masked with
// 0x30 and or-ed in.
DATA q5kTShift<>+0x00(SB)/8, $0
DATA q5kTShift<>+0x08(SB)/8, $0x0000000400000000
GLOBL q5kTShift<>(SB), RODATA|NOPTR, $16
DATA q5kTMaskLo<>+0x00(SB)/8, $0x3f3f3f3f3f3f3f3f
DATA q5kTMaskLo<>+0x08(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q5kTMaskLo<>(SB), RODATA|NOPTR, $16
DATA q5kTMaskHi<>+0x00(SB)/8, $0
DATA q5kTMaskHi<>+0x08(SB)/8, $0x3030303030303030
GLOBL q5kTMaskHi<>(SB), RODATA|NOPTR, $16

// Scale words for the packed products of chunk k (see tileQ5KVNNI): lanes
// 0,1 repeat the word of sc(2k), lanes 2,3 that of sc(2k+1); sc0..3 are
// words 0..3 and sc4..7 words 8..11 of the widened scales.
DATA q5kTIdx<>+0x00(SB)/8, $0x0000000000000000
DATA q5kTIdx<>+0x08(SB)/8, $0x0000000000000000
DATA q5kTIdx<>+0x10(SB)/8, $0x0000000000000000
DATA q5kTIdx<>+0x18(SB)/8, $0x0000000000000000
DATA q5kTIdx<>+0x20(SB)/8, $0x0001000100010001
DATA q5kTIdx<>+0x28(SB)/8, $0x0001000100010001
DATA q5kTIdx<>+0x30(SB)/8, $0x0001000100010001
DATA q5kTIdx<>+0x38(SB)/8, $0x0001000100010001
DATA q5kTIdx<>+0x40(SB)/8, $0x0002000200020002
DATA q5kTIdx<>+0x48(SB)/8, $0x0002000200020002
DATA q5kTIdx<>+0x50(SB)/8, $0x0002000200020002
DATA q5kTIdx<>+0x58(SB)/8, $0x0002000200020002
DATA q5kTIdx<>+0x60(SB)/8, $0x0003000300030003
DATA q5kTIdx<>+0x68(SB)/8, $0x0003000300030003
DATA q5kTIdx<>+0x70(SB)/8, $0x0003000300030003
DATA q5kTIdx<>+0x78(SB)/8, $0x0003000300030003
DATA q5kTIdx<>+0x80(SB)/8, $0x0008000800080008
DATA q5kTIdx<>+0x88(SB)/8, $0x0008000800080008
DATA q5kTIdx<>+0x90(SB)/8, $0x0008000800080008
DATA q5kTIdx<>+0x98(SB)/8, $0x0008000800080008
DATA q5kTIdx<>+0xa0(SB)/8, $0x0009000900090009
DATA q5kTIdx<>+0xa8(SB)/8, $0x0009000900090009
DATA q5kTIdx<>+0xb0(SB)/8, $0x0009000900090009
DATA q5kTIdx<>+0xb8(SB)/8, $0x0009000900090009
DATA q5kTIdx<>+0xc0(SB)/8, $0x000a000a000a000a
DATA q5kTIdx<>+0xc8(SB)/8, $0x000a000a000a000a
DATA q5kTIdx<>+0xd0(SB)/8, $0x000a000a000a000a
DATA q5kTIdx<>+0xd8(SB)/8, $0x000a000a000a000a
DATA q5kTIdx<>+0xe0(SB)/8, $0x000b000b000b000b
DATA q5kTIdx<>+0xe8(SB)/8, $0x000b000b000b000b
DATA q5kTIdx<>+0xf0(SB)/8, $0x000b000b000b000b
DATA q5kTIdx<>+0xf8(SB)/8, $0x000b000b000b000b
// Mins as dwords (odd words zeroed by mask): 128-bit lane i holds
// mn(2i), mn(2i+1), mn(2i), mn(2i+1); mn0..3 are words 4..7, mn4..7
// words 12..15.
DATA q5kTIdx<>+0x100(SB)/8, $0x0000000500000004
DATA q5kTIdx<>+0x108(SB)/8, $0x0000000500000004
DATA q5kTIdx<>+0x110(SB)/8, $0x0000000700000006
DATA q5kTIdx<>+0x118(SB)/8, $0x0000000700000006
DATA q5kTIdx<>+0x120(SB)/8, $0x0000000d0000000c
DATA q5kTIdx<>+0x128(SB)/8, $0x0000000d0000000c
DATA q5kTIdx<>+0x130(SB)/8, $0x0000000f0000000e
DATA q5kTIdx<>+0x138(SB)/8, $0x0000000f0000000e
// Qword interleave of two ymm: [a0 b0 a1 b1 a2 b2 a3 b3].
DATA q5kTIdx<>+0x140(SB)/8, $0
DATA q5kTIdx<>+0x148(SB)/8, $8
DATA q5kTIdx<>+0x150(SB)/8, $1
DATA q5kTIdx<>+0x158(SB)/8, $9
DATA q5kTIdx<>+0x160(SB)/8, $2
DATA q5kTIdx<>+0x168(SB)/8, $10
DATA q5kTIdx<>+0x170(SB)/8, $3
DATA q5kTIdx<>+0x178(SB)/8, $11
// Sixteen words of 1.
DATA q5kTIdx<>+0x180(SB)/8, $0x0001000100010001
DATA q5kTIdx<>+0x188(SB)/8, $0x0001000100010001
DATA q5kTIdx<>+0x190(SB)/8, $0x0001000100010001
DATA q5kTIdx<>+0x198(SB)/8, $0x0001000100010001
GLOBL q5kTIdx<>(SB), RODATA|NOPTR, $416

// q5kTileCopy copies the 256 quants of the column at a to the aligned
// buffer at 256c(R12), so that the products read whole cache lines.
#define q5kTileCopy(c, a) \
	VMOVDQU64 4 a, Z26                              \
	VMOVDQU64 68 a, Z27                             \
	VMOVDQU64 132 a, Z28                            \
	VMOVDQU64 196 a, Z29                            \
	VMOVDQA64 Z26, (256*(c))(R12)                     \
	VMOVDQA64 Z27, (256*(c)+64)(R12)                  \
	VMOVDQA64 Z28, (256*(c)+128)(R12)                 \
	VMOVDQA64 Z29, (256*(c)+192)(R12)

// q5kTileCols prepares column pair p (columns c0, c1 at addresses a0, a1)
// of the block: at 64p(SP) the dy factors [dy0 dy0 dy1 dy1]×4 and at
// 256+64p(SP) their bsums pairs times dy in the same lane order.
#define q5kTileCols(p, a0, a1) \
	q5kTileCopy(2*p, a0)                             \
	q5kTileCopy(2*p+1, a1)                           \
	VBROADCASTSS a0, Z26                            \
	VBROADCASTSS a1, Z27                            \
	VBLENDMPS Z27, Z26, K6, Z26                     \
	VMOVUPS Z26, (2048+64*p)(R12)                         \
	VPMADDWD 260 a0, Y31, Y27                       \
	VPMADDWD 260 a1, Y31, Y28                       \
	VMOVDQU64 Z30, Z29                              \
	VPERMI2Q Z28, Z27, Z29                          \
	VCVTDQ2PS Z29, Z29                              \
	VMULPS Z26, Z29, Z29                            \
	VMOVUPS Z29, (2304+64*p)(R12)

// q5kTileRow decodes the block of the row at address a: 5-bit weights of
// chunks 0..3 in Z16..Z19 (fifth bits as in dotQ5KVNNI), their scale words in Z20..Z23, mins·dmin in Z24 and d
// in Z25. Uses Z26..Z31; Z29 becomes 0x0f bytes.
#define q5kTileRow(a) \
	VMOVDQU64 4 a, X30                                \
	VPSHUFD $0xa4, X30, X31                         \
	VPSRLVD q5kTShift<>(SB), X31, X31               \
	VPANDD q5kTMaskLo<>(SB), X31, X31               \
	VPSLLDQ $8, X30, X30                            \
	VPSRLQ $2, X30, X30                             \
	VPTERNLOGD $0xf8, q5kTMaskHi<>(SB), X30, X31    \
	VPMOVZXBW X31, Y31                              \
	VMOVDQU64 q5kTIdx<>+0x00(SB), Z20               \
	VMOVDQU64 q5kTIdx<>+0x40(SB), Z21               \
	VMOVDQU64 q5kTIdx<>+0x80(SB), Z22               \
	VMOVDQU64 q5kTIdx<>+0xc0(SB), Z23               \
	VMOVDQU64 q5kTIdx<>+0x100(SB), Z24              \
	VPERMW Z31, Z20, Z20                            \
	VPERMW Z31, Z21, Z21                            \
	VPERMW Z31, Z22, Z22                            \
	VPERMW Z31, Z23, Z23                            \
	VPERMW.Z Z31, Z24, K2, Z24                      \
	VPBROADCASTD 0 a, Z30                           \
	VCVTPH2PS Y30, Z30                              \
	VSHUFPS $0x00, Z30, Z30, Z25                    \
	VSHUFPS $0x55, Z30, Z30, Z30                    \
	VCVTDQ2PS Z24, Z24                              \
	VMULPS Z30, Z24, Z24                            \
	VBROADCASTI64X4 48 a, Z16                       \
	VBROADCASTI64X4 80 a, Z17                       \
	VBROADCASTI64X4 112 a, Z18                      \
	VBROADCASTI64X4 144 a, Z19                      \
	VBROADCASTI64X4 16 a, Z30                       \
	MOVL $0x0f0f0f0f, AX                            \
	VPBROADCASTD AX, Z29                            \
	MOVL $0x10101010, AX                            \
	VPBROADCASTD AX, Z31                            \
	VPSRLW $4, Z16, K1, Z16                         \
	VPSRLW $4, Z17, K1, Z17                         \
	VPSRLW $4, Z18, K1, Z18                         \
	VPSRLW $4, Z19, K1, Z19                         \
	VPANDD Z29, Z16, Z16                            \
	VPANDD Z29, Z17, Z17                            \
	VPANDD Z29, Z18, Z18                            \
	VPANDD Z29, Z19, Z19                            \
	VPTESTMB q5kBits<>+0x00(SB), Z30, K3            \
	VPADDB Z31, Z16, K3, Z16                        \
	VPTESTMB q5kBits<>+0x40(SB), Z30, K3            \
	VPADDB Z31, Z17, K3, Z17                        \
	VPTESTMB q5kBits<>+0x80(SB), Z30, K3            \
	VPADDB Z31, Z18, K3, Z18                        \
	VPTESTMB q5kBits<>+0xc0(SB), Z30, K3            \
	VPADDB Z31, Z19, K3, Z19

// q5kTileProducts leaves the packed VPDPBUSD products of chunk k (weights w)
// for the columns at a0 and a1 in Z26.
#define q5kTileProducts(k, w, p) \
	VPXORD Z26, Z26, Z26                            \
	VPXORD Z27, Z27, Z27                            \
	VPDPBUSD (512*p+64*k)(R12), w, Z26              \
	VPDPBUSD (512*p+256+64*k)(R12), w, Z27          \
	VPACKSSDW Z27, Z26, Z26

// q5kTilePair accumulates row r × column pair p (quants in the buffer) into acc.
#define q5kTilePair(acc, p) \
	q5kTileProducts(0, Z16, p)                 \
	VPMADDWD Z20, Z26, Z28                          \
	q5kTileProducts(1, Z17, p)                 \
	VPDPWSSD Z21, Z26, Z28                          \
	q5kTileProducts(2, Z18, p)                 \
	VPDPWSSD Z22, Z26, Z28                          \
	q5kTileProducts(3, Z19, p)                 \
	VPDPWSSD Z23, Z26, Z28                          \
	VCVTDQ2PS Z28, Z28                              \
	VMULPS Z25, Z28, Z28                            \
	VFMADD231PS (2048+64*p)(R12), Z28, acc                \
	VFNMADD231PS (2304+64*p)(R12), Z24, acc

#define q5kTileRowPairs(a0, a1, a2, a3) \
	q5kTilePair(a0, 0)                              \
	q5kTilePair(a1, 1)                              \
	q5kTilePair(a2, 2)                              \
	q5kTilePair(a3, 3)

// q5kTileStore writes the two column sums of acc (row r, pair p) to
// dst[(2p)·stride + r] and dst[(2p+1)·stride + r]; DX = &dst[2p·stride],
// BX = 4·stride.
#define q5kTileStore(acc, yacc, xacc, r) \
	VEXTRACTF64X4 $1, acc, Y26                      \
	VADDPS Y26, yacc, yacc                          \
	VEXTRACTF32X4 $1, yacc, X26                      \
	VADDPS X26, xacc, xacc                          \
	VHADDPS xacc, xacc, xacc                        \
	VMOVSS xacc, (4*r)(DX)                          \
	VEXTRACTPS $1, xacc, (4*r)(DX)(BX*1)

// func tileQ5KVNNI(x *byte, xStride int, y *byte, yStride int, nb int, dst *float32, dstStride int)
//
// AVX-512 VNNI tile of 4 rows × 8 columns, built as tileQ4KVNNI (see the
// q4_K file for the full description). Per block, each row's weights are
// decoded once (as in dotQ5KVNNI) and each column's dy and bsums
// prepared once; then for every row and pair of columns (c0, c1) the four
// chunks' VPDPBUSD products of both columns are packed together
// (VPACKSSDW), so that 128-bit lane i of the packed words holds four words
// of c0 then four of c1, all of one sub-block; VPMADDWD/VPDPWSSD with that
// sub-block's scale sum them into dwords [c0 c0 c1 c1] per lane. One
// float accumulator per row and column pair takes sumi·d·[dy0 dy0 dy1 dy1]
// and −(mins·dmin)·(bsums pairs·dy) in the same lane order.
//
// Registers:
//	SI x block, R10 xStride, R11 3·xStride (rows at SI + r·xStride)
//	DI y block of columns 0-3, R13 of columns 4-7, R8 yStride, R9 3·yStride
//	CX blocks left, AX scratch, DX BX dst pointer and 4·dstStride
//	Z0..Z15 accumulators, row r pair p in Z(4r+p)
//	Z16..Z19 5-bit weights of chunks 0..3, Z20..Z23 their scale words
//	Z24 mins·dmin, Z25 d, Z26..Z31 scratch (Z29 0x0f bytes in a row)
//	K1 upper 32 words, K2 even words, K3 fifth bits, K6 dwords 2,3 of each lane
//	R12 64-byte aligned scratch: 0..2047 quants of columns 0..7, 2048..2303
//	dy factors of pairs 0..3, 2304..2559 their bsums terms
TEXT ·tileQ5KVNNI(SB), 0, $2624-56
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
	MOVL $0xffff0000, AX
	KMOVD AX, K1
	MOVL $0x55555555, AX
	KMOVD AX, K2
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

q5kTileLoop:
	VMOVDQU64 q5kTIdx<>+0x140(SB), Z30
	VMOVDQU64 q5kTIdx<>+0x180(SB), Y31
	q5kTileCols(0, (DI), (DI)(R8*1))
	q5kTileCols(1, (DI)(R8*2), (DI)(R9*1))
	q5kTileCols(2, (R13), (R13)(R8*1))
	q5kTileCols(3, (R13)(R8*2), (R13)(R9*1))

	q5kTileRow((SI))
	q5kTileRowPairs(Z0, Z1, Z2, Z3)
	q5kTileRow((SI)(R10*1))
	q5kTileRowPairs(Z4, Z5, Z6, Z7)
	q5kTileRow((SI)(R10*2))
	q5kTileRowPairs(Z8, Z9, Z10, Z11)
	q5kTileRow((SI)(R11*1))
	q5kTileRowPairs(Z12, Z13, Z14, Z15)

	ADDQ $176, SI
	ADDQ $292, DI
	ADDQ $292, R13
	DECQ CX
	JNZ  q5kTileLoop

	MOVQ dst+40(FP), DX
	MOVQ dstStride+48(FP), BX
	SHLQ $2, BX
	q5kTileStore(Z0, Y0, X0, 0)
	q5kTileStore(Z4, Y4, X4, 1)
	q5kTileStore(Z8, Y8, X8, 2)
	q5kTileStore(Z12, Y12, X12, 3)
	LEAQ (DX)(BX*2), DX
	q5kTileStore(Z1, Y1, X1, 0)
	q5kTileStore(Z5, Y5, X5, 1)
	q5kTileStore(Z9, Y9, X9, 2)
	q5kTileStore(Z13, Y13, X13, 3)
	LEAQ (DX)(BX*2), DX
	q5kTileStore(Z2, Y2, X2, 0)
	q5kTileStore(Z6, Y6, X6, 1)
	q5kTileStore(Z10, Y10, X10, 2)
	q5kTileStore(Z14, Y14, X14, 3)
	LEAQ (DX)(BX*2), DX
	q5kTileStore(Z3, Y3, X3, 0)
	q5kTileStore(Z7, Y7, X7, 1)
	q5kTileStore(Z11, Y11, X11, 2)
	q5kTileStore(Z15, Y15, X15, 3)
	VZEROUPPER
	RET
