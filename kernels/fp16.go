package kernels

import (
	"encoding/binary"
	"math"
)

// Scalar half-precision conversions for the Go twins and the quantizers.
// The assembly kernels convert with F16C (VCVTPH2PS, VCVTPS2PH) instead.

// f16ToF32 converts the IEEE binary16 bit pattern h to float32, exactly.
// It rebiases the exponent of normal numbers and lets a float32 multiply
// scale subnormals; no table, so it costs no cache.
func f16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	em := uint32(h & 0x7fff)
	switch {
	case em >= 0x7c00: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | (em&0x3ff)<<13)
	case em >= 0x0400: // normal
		return math.Float32frombits(sign | (em<<13 + (127-15)<<23))
	default: // zero or subnormal: em·2⁻²⁴
		return math.Float32frombits(sign | math.Float32bits(float32(em)*(1.0/(1<<24))))
	}
}

// f16At reads the little-endian binary16 at b[0:2] as float32.
func f16At(b []byte) float32 { return f16ToF32(binary.LittleEndian.Uint16(b)) }

// f32ToF16 converts f to IEEE binary16 rounding to nearest even, as x86's
// VCVTPS2PH with rounding mode 0 does (ggml's GGML_CPU_FP32_TO_FP16 on
// F16C machines): too large → ±Inf, tiny → subnormal or ±0, NaN → quiet NaN.
func f32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b >> 23 & 0xff)
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 31 {
		return sign | 0x7c00
	}
	if e <= 0 { // binary16 subnormal (or zero)
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		r := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && r&1 == 1 {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && r&1 == 1 {
		r++ // a carry into the exponent is the correct rounding, up to Inf
	}
	return sign | uint16(r)
}
