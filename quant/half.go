package quant

import (
	"encoding/binary"
	"math"
)

// fp16Table maps every binary16 bit pattern to its float32 value, as ggml's
// CPU backend does. 256 KiB; one load per conversion.
var fp16Table [1 << 16]float32

func init() {
	for h := range fp16Table {
		fp16Table[h] = fp16ToFP32Slow(uint16(h))
	}
}

// fp16ToFP32Slow decodes one binary16 value field by field. It fills the
// table; FP16ToFP32 is the fast path.
func fp16ToFP32Slow(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f && mant == 0:
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0x1f: // NaN: the payload moves to the top of the mantissa, quieted as x86 does
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	default: // subnormal: mant·2⁻²⁴, exact in float32
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(v))
	}
}

// FP16ToFP32 converts an IEEE binary16 value (its bit pattern) to float32.
// Exact for every input; a NaN stays NaN with its payload, made quiet (as
// ggml's conversion and x86's VCVTPH2PS do).
func FP16ToFP32(h uint16) float32 { return fp16Table[h] }

// FP32ToFP16 converts f to IEEE binary16 with round-to-nearest-even, the
// way ggml's portable GGML_FP32_TO_FP16 does: overflow gives ±Inf,
// underflow rounds into the subnormals, any NaN becomes the quiet NaN
// 0x7e00 with f's sign. Small enough to be inlined.
func FP32ToFP16(f float32) uint16 {
	// The float32 adder does the rounding: scaling |f| by 2^112·2^-110 makes
	// out-of-range values infinite, then adding a power of two chosen from
	// f's exponent (fp16Magic) leaves exactly the bits binary16 keeps,
	// rounded to nearest even, at the bottom of the result.
	w := math.Float32bits(f)
	base := fp16Magic[uint8(w>>23)] + float32(math.Float32frombits(w&0x7fffffff)*0x1p112)*0x1p-110
	bits := math.Float32bits(base)
	h := uint16(bits>>13)&0x7c00 + uint16(bits)&0x0fff
	if w<<1 > 0xff000000 { // NaN
		h = 0x7e00
	}
	return uint16(w>>16)&0x8000 | h
}

// fp16Magic[e] is the power of two FP32ToFP16 adds for a float32 of biased
// exponent e: 2^(max(e, 113) − 127 + 13 + 2) as ggml's bias arithmetic
// gives it, so that the binary16 mantissa lands in bits 0…9 (bits 10…14
// then hold the binary16 exponent).
var fp16Magic = func() (t [256]float32) {
	for e := range t {
		bias := max(uint32(e)<<24, 0x71000000)
		t[e] = math.Float32frombits(bias>>1 + 0x07800000)
	}
	return t
}()

// BF16ToFP32 converts a bfloat16 value (its bit pattern) to float32. Exact.
func BF16ToFP32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// FP32ToBF16 converts f to bfloat16 the way ggml does: round to nearest
// even on the top 16 bits; a NaN keeps its sign and top payload bits and is
// forced quiet.
func FP32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// DequantizeF32 copies len(dst) little-endian float32 values from src.
func DequantizeF32(dst []float32, src []byte) {
	checkDequant("DequantizeF32", len(dst), len(src), 1, 4)
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// QuantizeF32 stores src as little-endian float32 values in dst.
func QuantizeF32(dst []byte, src []float32) {
	checkQuant("QuantizeF32", len(dst), len(src), 1, 4)
	dst = dst[:4*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

// DequantizeF16 converts len(dst) little-endian binary16 values from src.
func DequantizeF16(dst []float32, src []byte) {
	checkDequant("DequantizeF16", len(dst), len(src), 1, 2)
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = fp16Table[binary.LittleEndian.Uint16(src[2*i:])]
	}
}

// QuantizeF16 stores src as little-endian binary16 values in dst
// (FP32ToFP16 for each element, as ggml_quantize_chunk does).
func QuantizeF16(dst []byte, src []float32) {
	checkQuant("QuantizeF16", len(dst), len(src), 1, 2)
	dst = dst[:2*len(src)]
	for i, f := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], FP32ToFP16(f))
	}
}

// DequantizeBF16 converts len(dst) little-endian bfloat16 values from src.
func DequantizeBF16(dst []float32, src []byte) {
	checkDequant("DequantizeBF16", len(dst), len(src), 1, 2)
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

// QuantizeBF16 stores src as little-endian bfloat16 values in dst
// (FP32ToBF16 for each element, as ggml_fp32_to_bf16_row_ref does).
func QuantizeBF16(dst []byte, src []float32) {
	checkQuant("QuantizeBF16", len(dst), len(src), 1, 2)
	dst = dst[:2*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], FP32ToBF16(v))
	}
}

// FP16ToFP32Row converts len(dst) binary16 values (bit patterns) from src
// to float32; src must hold at least len(dst).
func FP16ToFP32Row(dst []float32, src []uint16) {
	src = src[:len(dst)]
	for i, h := range src {
		dst[i] = fp16Table[h]
	}
}

// FP32ToFP16Row converts len(dst) float32 values from src to binary16 as
// FP32ToFP16 does; src must hold at least len(dst).
func FP32ToFP16Row(dst []uint16, src []float32) {
	src = src[:len(dst)]
	for i, f := range src {
		dst[i] = FP32ToFP16(f)
	}
}

// BF16ToFP32Row converts len(dst) bfloat16 values (bit patterns) from src
// to float32; src must hold at least len(dst).
func BF16ToFP32Row(dst []float32, src []uint16) {
	src = src[:len(dst)]
	for i, h := range src {
		dst[i] = math.Float32frombits(uint32(h) << 16)
	}
}

// FP32ToBF16Row converts len(dst) float32 values from src to bfloat16 as
// FP32ToBF16 does; src must hold at least len(dst).
func FP32ToBF16Row(dst []uint16, src []float32) {
	src = src[:len(dst)]
	for i, f := range src {
		dst[i] = FP32ToBF16(f)
	}
}
