package kernels

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gollm/gollm/quant"
)

// Activation quantizers: f32 → q8_0, q8_1, q8_K, the types the dot products
// take their activations in. They reproduce ggml's CPU quantizers bit for
// bit (x86 flavour for q8_0 and q8_1: multiply by id = 127/amax and round
// half to even; q8_K: ggml's reference, the same on every CPU).

func init() {
	setKernels(quant.Q8_0, typeKernels{fromFloat: quantizeQ8_0})
	setKernels(quant.Q8_1, typeKernels{fromFloat: quantizeQ8_1})
	setKernels(quant.Q8K, typeKernels{fromFloat: quantizeQ8K})
	setImpl("quantize f32→q8_0", quantizeQ8_0Impl)
	setImpl("quantize f32→q8_1", quantizeQ8_1Impl)
	setImpl("quantize f32→q8_K", quantizeQ8KImpl)
}

const (
	bytesQ8_0 = 34  // d f16, qs int8[32]
	bytesQ8_1 = 36  // d f16, s f16, qs int8[32]
	bytesQ8K  = 292 // d f32, qs int8[256], bsums int16[16]
)

// QuantizeRowQ8_0 quantizes src (a multiple of 32 floats) into dst, which
// must hold len(src)/32 blocks of 34 bytes, exactly as ggml's x86 CPU
// quantizer does: per block d = amax/127 stored as fp16, q = round-half-even
// (x·127/amax).
func QuantizeRowQ8_0(dst []byte, src []float32) {
	checkQuantize("QuantizeRowQ8_0", dst, src, 32, bytesQ8_0)
	quantizeQ8_0(dst, src)
}

// QuantizeRowQ8_1 quantizes src (a multiple of 32 floats) into dst (36-byte
// blocks) as ggml's x86 CPU quantizer does: q8_0's d and q, plus
// s = fp16(amax/127 · Σq) computed with the unrounded float32 scale.
func QuantizeRowQ8_1(dst []byte, src []float32) {
	checkQuantize("QuantizeRowQ8_1", dst, src, 32, bytesQ8_1)
	quantizeQ8_1(dst, src)
}

// QuantizeRowQ8K quantizes src (a multiple of 256 floats) into dst
// (292-byte blocks) as ggml's quantize_row_q8_K does: max is the first
// element of largest magnitude with its sign, q = min(127,
// round-half-even(−127/max·x)), d = 1/(−127/max) as float32, and the sums of
// each 16 quants in bsums. An all-zero block is all zero bytes.
func QuantizeRowQ8K(dst []byte, src []float32) {
	checkQuantize("QuantizeRowQ8K", dst, src, 256, bytesQ8K)
	quantizeQ8K(dst, src)
}

func checkQuantize(name string, dst []byte, src []float32, bs, ts int) {
	if len(src)%bs != 0 || len(dst) < len(src)/bs*ts {
		panic(fmt.Sprintf("kernels: %s: %d floats into %d bytes (want a multiple of %d floats and %d bytes per block)",
			name, len(src), len(dst), bs, ts))
	}
}

// absMax32 returns the largest |x| of a block the way a SIMD max of
// absolute values does.
func absMax32(x []float32) float32 {
	var m float32
	for _, v := range x {
		if a := float32(math.Abs(float64(v))); a > m {
			m = a
		}
	}
	return m
}

// quantizeBlock32 writes q = round-half-even(x·id) of 32 floats and returns
// Σq.
func quantizeBlock32(qs []byte, x []float32, id float32) int32 {
	qs = qs[:32]
	x = x[:32]
	var sum int32
	for i, v := range x {
		q := cvtRound32(float32(v * id))
		qs[i] = byte(int8(max(-128, min(127, q))))
		sum += q // wraps as the int32 vector sum does
	}
	return sum
}

// cvtRound32 converts f to int32 as x86's VCVTPS2DQ does: round to nearest
// even; NaN and out-of-range values become the "integer indefinite" −2³¹.
// Only degenerate blocks (a denormal amax, infinities) produce those, and
// the quantizers then saturate them to −128 as ggml's byte packing does.
func cvtRound32(f float32) int32 {
	if !(f > -2147483648 && f < 2147483648) {
		return -1 << 31
	}
	return int32(math.RoundToEven(float64(f)))
}

func quantizeQ8_0Generic(dst []byte, src []float32) {
	for b := 0; b < len(src)/32; b++ {
		x := src[32*b : 32*b+32]
		blk := dst[bytesQ8_0*b : bytesQ8_0*b+bytesQ8_0]
		amax := absMax32(x)
		d := amax / 127
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		binary.LittleEndian.PutUint16(blk, quant.FP32ToFP16(d))
		quantizeBlock32(blk[2:], x, id)
	}
}

func quantizeQ8_1Generic(dst []byte, src []float32) {
	for b := 0; b < len(src)/32; b++ {
		x := src[32*b : 32*b+32]
		blk := dst[bytesQ8_1*b : bytesQ8_1*b+bytesQ8_1]
		amax := absMax32(x)
		d := amax / 127
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		binary.LittleEndian.PutUint16(blk, quant.FP32ToFP16(d))
		sum := quantizeBlock32(blk[4:], x, id)
		binary.LittleEndian.PutUint16(blk[2:], quant.FP32ToFP16(d*float32(sum)))
	}
}

// nearestInt rounds f to the nearest integer, ties to even, as ggml's
// nearest_int does (exact for |f| < 2²²): adding 1.5·2²³ leaves the integer
// in the low mantissa bits.
func nearestInt(f float32) int32 {
	v := float32(f + 12582912)
	return int32(math.Float32bits(v)&0x7fffff) - 0x400000
}

func quantizeQ8KGeneric(dst []byte, src []float32) {
	for b := 0; b < len(src)/256; b++ {
		x := src[256*b : 256*b+256]
		blk := dst[bytesQ8K*b : bytesQ8K*b+bytesQ8K]
		var max, amax float32
		for _, v := range x {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax, max = a, v
			}
		}
		if amax == 0 {
			clear(blk)
			continue
		}
		iscale := -127 / max
		binary.LittleEndian.PutUint32(blk, math.Float32bits(1/iscale))
		qs := blk[4:260]
		for i, v := range x {
			qs[i] = byte(int8(min(nearestInt(float32(iscale*v)), 127)))
		}
		for g := 0; g < 16; g++ {
			var s int16
			for _, q := range qs[16*g : 16*g+16] {
				s += int16(int8(q))
			}
			binary.LittleEndian.PutUint16(blk[260+2*g:], uint16(s))
		}
	}
}
