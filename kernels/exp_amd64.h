// Vectorised e^x for the amd64 kernels (attention softmax, SwiGLU), shared
// by the .s files that include it; each file gets its own copy of the
// constant tables (static symbols).
//
// Algorithm: lanes below ln(2⁻¹²⁶) give 0, the others are clamped to at
// most 89 (NaN kept); n = round(x·log₂e), r = x − n·ln2 (ln2 in two
// parts), e^r = 1 + r + r²·P(r) (degree 5, Cephes' coefficients), times 2ⁿ
// with a single rounding. kernels' expf (attn_generic.go) is the Go twin.

DATA expC<>+0(SB)/4, $0xc2aeac4f  // -87.33654: e^x is normal from here on
DATA expC<>+4(SB)/4, $0x42b20000  // 89: upper clamp
DATA expC<>+8(SB)/4, $0x3fb8aa3b  // log₂e
DATA expC<>+12(SB)/4, $0x3f318000 // ln2, high part
DATA expC<>+16(SB)/4, $0xb95e8083 // ln2, low part
DATA expC<>+20(SB)/4, $0x39506967 // P0
DATA expC<>+24(SB)/4, $0x3ab743ce // P1
DATA expC<>+28(SB)/4, $0x3c088908 // P2
DATA expC<>+32(SB)/4, $0x3d2aa9c1 // P3
DATA expC<>+36(SB)/4, $0x3e2aaaaa // P4
DATA expC<>+40(SB)/4, $0x3f000000 // P5
DATA expC<>+44(SB)/4, $0x3f800000 // 1
DATA expC<>+48(SB)/4, $0xff800000 // -Inf
GLOBL expC<>(SB), RODATA|NOPTR, $52

DATA expC8<>+0(SB)/8, $0xc2aeac4fc2aeac4f
DATA expC8<>+8(SB)/8, $0xc2aeac4fc2aeac4f
DATA expC8<>+16(SB)/8, $0xc2aeac4fc2aeac4f
DATA expC8<>+24(SB)/8, $0xc2aeac4fc2aeac4f
// +32: upper clamp 89
DATA expC8<>+32(SB)/8, $0x42b2000042b20000
DATA expC8<>+40(SB)/8, $0x42b2000042b20000
DATA expC8<>+48(SB)/8, $0x42b2000042b20000
DATA expC8<>+56(SB)/8, $0x42b2000042b20000
// +64: log₂e
DATA expC8<>+64(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA expC8<>+72(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA expC8<>+80(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA expC8<>+88(SB)/8, $0x3fb8aa3b3fb8aa3b
// +96: ln2, high part
DATA expC8<>+96(SB)/8, $0x3f3180003f318000
DATA expC8<>+104(SB)/8, $0x3f3180003f318000
DATA expC8<>+112(SB)/8, $0x3f3180003f318000
DATA expC8<>+120(SB)/8, $0x3f3180003f318000
// +128: ln2, low part
DATA expC8<>+128(SB)/8, $0xb95e8083b95e8083
DATA expC8<>+136(SB)/8, $0xb95e8083b95e8083
DATA expC8<>+144(SB)/8, $0xb95e8083b95e8083
DATA expC8<>+152(SB)/8, $0xb95e8083b95e8083
// +160: P0
DATA expC8<>+160(SB)/8, $0x3950696739506967
DATA expC8<>+168(SB)/8, $0x3950696739506967
DATA expC8<>+176(SB)/8, $0x3950696739506967
DATA expC8<>+184(SB)/8, $0x3950696739506967
// +192: P1
DATA expC8<>+192(SB)/8, $0x3ab743ce3ab743ce
DATA expC8<>+200(SB)/8, $0x3ab743ce3ab743ce
DATA expC8<>+208(SB)/8, $0x3ab743ce3ab743ce
DATA expC8<>+216(SB)/8, $0x3ab743ce3ab743ce
// +224: P2
DATA expC8<>+224(SB)/8, $0x3c0889083c088908
DATA expC8<>+232(SB)/8, $0x3c0889083c088908
DATA expC8<>+240(SB)/8, $0x3c0889083c088908
DATA expC8<>+248(SB)/8, $0x3c0889083c088908
// +256: P3
DATA expC8<>+256(SB)/8, $0x3d2aa9c13d2aa9c1
DATA expC8<>+264(SB)/8, $0x3d2aa9c13d2aa9c1
DATA expC8<>+272(SB)/8, $0x3d2aa9c13d2aa9c1
DATA expC8<>+280(SB)/8, $0x3d2aa9c13d2aa9c1
// +288: P4
DATA expC8<>+288(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA expC8<>+296(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA expC8<>+304(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA expC8<>+312(SB)/8, $0x3e2aaaaa3e2aaaaa
// +320: P5
DATA expC8<>+320(SB)/8, $0x3f0000003f000000
DATA expC8<>+328(SB)/8, $0x3f0000003f000000
DATA expC8<>+336(SB)/8, $0x3f0000003f000000
DATA expC8<>+344(SB)/8, $0x3f0000003f000000
// +352: 1
DATA expC8<>+352(SB)/8, $0x3f8000003f800000
DATA expC8<>+360(SB)/8, $0x3f8000003f800000
DATA expC8<>+368(SB)/8, $0x3f8000003f800000
DATA expC8<>+376(SB)/8, $0x3f8000003f800000
// +384: -Inf
DATA expC8<>+384(SB)/8, $0xff800000ff800000
DATA expC8<>+392(SB)/8, $0xff800000ff800000
DATA expC8<>+400(SB)/8, $0xff800000ff800000
DATA expC8<>+408(SB)/8, $0xff800000ff800000
// +416: exponent bias 127 (int32)
DATA expC8<>+416(SB)/8, $0x0000007f0000007f
DATA expC8<>+424(SB)/8, $0x0000007f0000007f
DATA expC8<>+432(SB)/8, $0x0000007f0000007f
DATA expC8<>+440(SB)/8, $0x0000007f0000007f
// +448: tail masks: 8 lanes of ones, then 8 of zeros
DATA expC8<>+448(SB)/8, $0xffffffffffffffff
DATA expC8<>+456(SB)/8, $0xffffffffffffffff
DATA expC8<>+464(SB)/8, $0xffffffffffffffff
DATA expC8<>+472(SB)/8, $0xffffffffffffffff
DATA expC8<>+480(SB)/8, $0x0000000000000000
DATA expC8<>+488(SB)/8, $0x0000000000000000
DATA expC8<>+496(SB)/8, $0x0000000000000000
DATA expC8<>+504(SB)/8, $0x0000000000000000
GLOBL expC8<>(SB), RODATA|NOPTR, $512

// EXP512_CONSTS loads EXP512's constants into Z19…Z30.
#define EXP512_CONSTS \
	VBROADCASTSS expC<>+0(SB), Z30  \
	VBROADCASTSS expC<>+4(SB), Z29  \
	VBROADCASTSS expC<>+8(SB), Z28  \
	VBROADCASTSS expC<>+12(SB), Z27 \
	VBROADCASTSS expC<>+16(SB), Z26 \
	VBROADCASTSS expC<>+20(SB), Z25 \
	VBROADCASTSS expC<>+24(SB), Z24 \
	VBROADCASTSS expC<>+28(SB), Z23 \
	VBROADCASTSS expC<>+32(SB), Z22 \
	VBROADCASTSS expC<>+36(SB), Z21 \
	VBROADCASTSS expC<>+40(SB), Z20 \
	VBROADCASTSS expC<>+44(SB), Z19

// EXP512 sets x = e^(x − Z31) with n, p, r2 as temporaries (constants in
// Z19…Z30, see expShiftSumAVX512): K3 = the lanes not below the lower
// clamp (or NaN); the others are set to 0 by the final zeroing-masked
// VSCALEFPS, so that no lane ever makes a subnormal or underflowing
// result, which would cost a microcode assist.
#define EXP512(x, n, p, r2) \
	VSUBPS       Z31, x, x   \
	VCMPPS       $5, Z30, x, K3 \
	VMAXPS       x, Z30, x   \
	VMINPS       x, Z29, x   \
	VMULPS       Z28, x, n   \
	VRNDSCALEPS  $0, n, n    \
	VFNMADD231PS Z27, n, x   \
	VFNMADD231PS Z26, n, x   \
	VMOVAPS      Z25, p      \
	VFMADD213PS  Z24, x, p   \
	VFMADD213PS  Z23, x, p   \
	VFMADD213PS  Z22, x, p   \
	VFMADD213PS  Z21, x, p   \
	VFMADD213PS  Z20, x, p   \
	VMULPS       x, x, r2    \
	VFMADD213PS  x, r2, p    \
	VADDPS       Z19, p, p   \
	VSCALEFPS.Z  n, p, K3, x

// EXP256 sets x = e^(x − Y15) (Y14 = lower clamp, Y13 = upper clamp, the
// other constants from expC8) with n, p, r2, m as temporaries: m = the
// lanes not below the lower clamp (or NaN), the others end as 0; 2ⁿ is
// applied as 2^(n>>1)·2^(n−n>>1), both normal, so that the product is
// rounded once.
#define EXP256(x, n, p, r2, m) \
	VSUBPS       Y15, x, x                \
	VCMPPS       $5, Y14, x, m            \
	VMAXPS       x, Y14, x                \
	VMINPS       x, Y13, x                \
	VMULPS       expC8<>+64(SB), x, n    \
	VROUNDPS     $0, n, n                 \
	VFNMADD231PS expC8<>+96(SB), n, x    \
	VFNMADD231PS expC8<>+128(SB), n, x   \
	VMOVUPS      expC8<>+160(SB), p      \
	VFMADD213PS  expC8<>+192(SB), x, p   \
	VFMADD213PS  expC8<>+224(SB), x, p   \
	VFMADD213PS  expC8<>+256(SB), x, p   \
	VFMADD213PS  expC8<>+288(SB), x, p   \
	VFMADD213PS  expC8<>+320(SB), x, p   \
	VMULPS       x, x, r2                 \
	VFMADD213PS  x, r2, p                 \
	VADDPS       expC8<>+352(SB), p, p   \
	VCVTPS2DQ    n, n                     \
	VPSRAD       $1, n, r2                \
	VPSUBD       r2, n, n                 \
	VPADDD       expC8<>+416(SB), r2, r2 \
	VPADDD       expC8<>+416(SB), n, n   \
	VPSLLD       $23, r2, r2              \
	VPSLLD       $23, n, n                \
	VMULPS       r2, p, p                 \
	VMULPS       n, p, x                  \
	VANDPS       m, x, x
