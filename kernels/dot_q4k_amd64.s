//go:build !noasm

#include "textflag.h"

// q4_K · q8_K dot products (see dotQ4KQ8KGeneric for the arithmetic).
//
// A q4_K block (144 bytes) holds d, dmin (float16) @0, twelve bytes of 6-bit
// sub-block scales and mins @4 and 128 bytes of nibbles @16; chunk j of 32
// bytes holds sub-block 2j in its low nibbles and 2j+1 in its high nibbles.
// A q8_K block (292 bytes) holds d (float32) @0, 256 int8 @4, 16 int16
// bsums @260. Per block the kernels compute in integers
//
//	sumi = Σⱼ scⱼ·Σ_{i∈j} nibᵢ·yᵢ      summ = Σⱼ mnⱼ·(bsums[2j]+bsums[2j+1])
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
DATA q4kIdxA<>+0x00(SB)/8, $0x0000000000000000
DATA q4kIdxA<>+0x08(SB)/8, $0x0002000200020002
DATA q4kIdxA<>+0x10(SB)/8, $0x0000000000000000
DATA q4kIdxA<>+0x18(SB)/8, $0x0002000200020002
DATA q4kIdxA<>+0x20(SB)/8, $0x0001000100010001
DATA q4kIdxA<>+0x28(SB)/8, $0x0003000300030003
DATA q4kIdxA<>+0x30(SB)/8, $0x0001000100010001
DATA q4kIdxA<>+0x38(SB)/8, $0x0003000300030003
GLOBL q4kIdxA<>(SB), RODATA|NOPTR, $64

DATA q4kIdxB<>+0x00(SB)/8, $0x0008000800080008
DATA q4kIdxB<>+0x08(SB)/8, $0x000a000a000a000a
DATA q4kIdxB<>+0x10(SB)/8, $0x0008000800080008
DATA q4kIdxB<>+0x18(SB)/8, $0x000a000a000a000a
DATA q4kIdxB<>+0x20(SB)/8, $0x0009000900090009
DATA q4kIdxB<>+0x28(SB)/8, $0x000b000b000b000b
DATA q4kIdxB<>+0x30(SB)/8, $0x0009000900090009
DATA q4kIdxB<>+0x38(SB)/8, $0x000b000b000b000b
GLOBL q4kIdxB<>(SB), RODATA|NOPTR, $64

// Mins, each repeated twice: mn0 mn0 mn1 mn1 … mn7 mn7.
DATA q4kIdxM<>+0x00(SB)/8, $0x0005000500040004
DATA q4kIdxM<>+0x08(SB)/8, $0x0007000700060006
DATA q4kIdxM<>+0x10(SB)/8, $0x000d000d000c000c
DATA q4kIdxM<>+0x18(SB)/8, $0x000f000f000e000e
GLOBL q4kIdxM<>(SB), RODATA|NOPTR, $32

// Shuffles for the AVX2 kernel: with the scales as words [sc0..3 mn0..3]
// in both 128-bit lanes (and [sc4..7 mn4..7] in both lanes of a second
// register), q4kShufK broadcasts word k to all sixteen words.
DATA q4kShuf<>+0x00(SB)/8, $0x0100010001000100
DATA q4kShuf<>+0x08(SB)/8, $0x0100010001000100
DATA q4kShuf<>+0x10(SB)/8, $0x0100010001000100
DATA q4kShuf<>+0x18(SB)/8, $0x0100010001000100
DATA q4kShuf<>+0x20(SB)/8, $0x0302030203020302
DATA q4kShuf<>+0x28(SB)/8, $0x0302030203020302
DATA q4kShuf<>+0x30(SB)/8, $0x0302030203020302
DATA q4kShuf<>+0x38(SB)/8, $0x0302030203020302
DATA q4kShuf<>+0x40(SB)/8, $0x0504050405040504
DATA q4kShuf<>+0x48(SB)/8, $0x0504050405040504
DATA q4kShuf<>+0x50(SB)/8, $0x0504050405040504
DATA q4kShuf<>+0x58(SB)/8, $0x0504050405040504
DATA q4kShuf<>+0x60(SB)/8, $0x0706070607060706
DATA q4kShuf<>+0x68(SB)/8, $0x0706070607060706
DATA q4kShuf<>+0x70(SB)/8, $0x0706070607060706
DATA q4kShuf<>+0x78(SB)/8, $0x0706070607060706
// Mins of four sub-blocks, each repeated twice (words 4,4,5,5,6,6,7,7).
DATA q4kShuf<>+0x80(SB)/8, $0x0b0a0b0a09080908
DATA q4kShuf<>+0x88(SB)/8, $0x0f0e0f0e0d0c0d0c
DATA q4kShuf<>+0x90(SB)/8, $0x0b0a0b0a09080908
DATA q4kShuf<>+0x98(SB)/8, $0x0f0e0f0e0d0c0d0c
GLOBL q4kShuf<>(SB), RODATA|NOPTR, $160

// q4kScalesGP unpacks the scales of the block at SI into BX = [sc0..3 mn0..3]
// and DX = [sc4..7 mn4..7]; R8 = 0x3f3f…, R9 = 0x0303…; clobbers AX, R10, R11.
#define q4kScalesGP \
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

// func dotQ4KVNNI(x, y *byte, nb int) float32
//
// AVX-512 VNNI. Chunk j (32 bytes) is broadcast to both halves of a zmm;
// the upper half is shifted right by 4 under mask K1 and both are masked
// with 0x0f, so the register holds sub-block 2j then 2j+1, in the order of
// the 64 activations at y.qs[64j]. VPDPBUSD into a zeroed register gives
// sixteen dword sums of four products (|sum| ≤ 4·15·128, so they fit in
// int16); two VPACKSSDW fold the four product registers into two word
// vectors, which VPMADDWD/VPDPWSSD multiply by the matching scales (word
// permutations of the scales, q4kIdxA/B) and sum into sixteen dwords.
//
// Registers:
//	SI x, DI y, CX blocks left, R8/R9 masks, AX BX DX R10 R11 scale scratch
//	Z0  float acc of d·dy·sumi          Y1  float acc of −dmin·dy·summ
//	Z2..Z5 products of chunks 0..3      Z6..Z9 unpacked nibbles of chunks 0..3
//	Z10 Z11 packed products             Z12 Z13 their scale words
//	Y14 widened scales                  Y15 mins repeated per bsums pair
//	Y16 summ                            Z17 sumi
//	Z18 d·dy broadcast                  Y19 dmin·dy broadcast
//	X20 X21 float16 scales              K1 upper 32 words
//	Z28 q4kIdxM (ymm) Z29 q4kIdxB Z30 q4kIdxA Z31 0x0f bytes
TEXT ·dotQ4KVNNI(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVQ $0x3f3f3f3f3f3f3f3f, R8
	MOVQ $0x0303030303030303, R9
	MOVL $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z31
	MOVL $0xffff0000, AX
	KMOVD AX, K1
	VMOVDQU64 q4kIdxA<>(SB), Z30
	VMOVDQU64 q4kIdxB<>(SB), Z29
	VMOVDQU64 q4kIdxM<>(SB), Y28
	VPXORD Z0, Z0, Z0
	VPXORD Y1, Y1, Y1

q4kVNNILoop:
	// Nibbles of sub-blocks 2j (low half) and 2j+1 (high half).
	VBROADCASTI64X4 16(SI), Z6
	VBROADCASTI64X4 48(SI), Z7
	VBROADCASTI64X4 80(SI), Z8
	VBROADCASTI64X4 112(SI), Z9
	VPSRLW $4, Z6, K1, Z6
	VPSRLW $4, Z7, K1, Z7
	VPSRLW $4, Z8, K1, Z8
	VPSRLW $4, Z9, K1, Z9
	VPANDD Z31, Z6, Z6
	VPANDD Z31, Z7, Z7
	VPANDD Z31, Z8, Z8
	VPANDD Z31, Z9, Z9

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
	q4kScalesGP
	VMOVQ BX, X14
	VPINSRQ $1, DX, X14, X14
	VPMOVZXBW X14, Y14
	VPERMW Z14, Z30, Z12
	VPERMW Z14, Z29, Z13
	VPERMW Y14, Y28, Y15

	// Per 128-bit lane i, Z10 holds words of chunk 0 then chunk 1: lanes
	// 0,1 are sub-blocks 0 and 2, lanes 2,3 sub-blocks 1 and 3 (q4kIdxA);
	// Z11 the same for chunks 2 and 3 (q4kIdxB).
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

	ADDQ $144, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kVNNILoop

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

// func dotQ4KAVX2(x, y *byte, nb int) float32
//
// AVX2. Chunk j (32 bytes) is split into low and high nibbles; VPMADDUBSW
// multiplies each with its 32 activations into sixteen words (|w| ≤
// 2·15·128), and VPMADDWD with the sub-block's scale broadcast to all words
// turns them into eight dwords that are summed into Y2.
//
// Registers:
//	SI x, DI y, CX blocks left, R8/R9 masks, AX BX DX R10 R11 scale scratch
//	Y0  float acc of d·dy·sumi          Y1  float acc of −dmin·dy·summ
//	Y2  sumi                            Y3 Y4 low and high nibbles
//	Y5 Y6 products                      Y7 [sc0..3 mn0..3] words in both lanes
//	Y8  [sc4..7 mn4..7] in both lanes   Y9 scratch (mins, scales)
//	Y10 summ                            Y11 d·dy   Y12 dmin·dy
//	X13 float16 scales                  Y15 0x0f bytes
TEXT ·dotQ4KAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVQ $0x3f3f3f3f3f3f3f3f, R8
	MOVQ $0x0303030303030303, R9
	MOVL $0x0f0f0f0f, AX
	VMOVQ AX, X15
	VPBROADCASTD X15, Y15
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1

q4kAVX2Loop:
	q4kScalesGP
	VMOVQ BX, X7
	VPMOVZXBW X7, X7
	VINSERTI128 $1, X7, Y7, Y7
	VMOVQ DX, X8
	VPMOVZXBW X8, X8
	VINSERTI128 $1, X8, Y8, Y8

	// Mins: lane 0 gets mn0..3 and lane 1 mn4..7, each word twice, to
	// multiply the sixteen bsums.
	VPERM2I128 $0x30, Y8, Y7, Y9
	VPSHUFB q4kShuf<>+0x80(SB), Y9, Y9
	VPMADDWD 260(DI), Y9, Y10

#define q4kAVX2Chunk(off, yoff, sreg, slo, shi) \
	VMOVDQU off(SI), Y3                         \
	VPSRLW  $4, Y3, Y4                          \
	VPAND   Y15, Y3, Y3                         \
	VPAND   Y15, Y4, Y4                         \
	VPMADDUBSW yoff(DI), Y3, Y5                 \
	VPMADDUBSW yoff+32(DI), Y4, Y6              \
	VPSHUFB q4kShuf<>+slo(SB), sreg, Y9         \
	VPMADDWD Y9, Y5, Y5                         \
	VPSHUFB q4kShuf<>+shi(SB), sreg, Y9         \
	VPMADDWD Y9, Y6, Y6                         \
	VPADDD  Y5, Y2, Y2                          \
	VPADDD  Y6, Y2, Y2

	VPXOR Y2, Y2, Y2
	q4kAVX2Chunk(16, 4, Y7, 0x00, 0x20)
	q4kAVX2Chunk(48, 68, Y7, 0x40, 0x60)
	q4kAVX2Chunk(80, 132, Y8, 0x00, 0x20)
	q4kAVX2Chunk(112, 196, Y8, 0x40, 0x60)

	// Float scales: d·dy and dmin·dy broadcast.
	VMOVD (SI), X13
	VCVTPH2PS X13, X13
	VBROADCASTSS (DI), X9
	VMULPS X9, X13, X13
	VBROADCASTSS X13, Y11
	VMOVSHDUP X13, X13
	VBROADCASTSS X13, Y12

	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y10, Y10
	VFMADD231PS Y11, Y2, Y0
	VFNMADD231PS Y12, Y10, Y1

	ADDQ $144, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kAVX2Loop

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
