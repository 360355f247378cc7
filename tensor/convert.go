package tensor

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// Row conversions between element types. Plain float types are handled
// here; block formats use quant's dequantizers and kernels' (or quant's)
// quantizers, except q8_0, which the KV cache needs both ways and which is
// small enough to carry here as well.

// canDequantize reports whether rows of typ can be converted to float32.
func canDequantize(typ quant.Type) bool {
	switch typ {
	case quant.F32, quant.F16, quant.BF16, quant.Q8_0:
		return true
	}
	return typ.Known() && typ.Traits().Dequantize != nil
}

// toF32 converts the len(dst) elements of the dense row src (of type typ)
// to float32.
func toF32(dst []float32, src []byte, typ quant.Type) {
	switch typ {
	case quant.F32:
		copy(dst, f32s(src))
	case quant.F16:
		h := u16s(src)[:len(dst)]
		for i, v := range h {
			dst[i] = fp16Table[v]
		}
	case quant.BF16:
		h := u16s(src)[:len(dst)]
		for i, v := range h {
			dst[i] = bf16ToFP32(v)
		}
	case quant.Q8_0:
		if f := typ.Traits().Dequantize; f != nil {
			f(dst, src)
			return
		}
		dequantQ8_0(dst, src)
	default:
		typ.Traits().Dequantize(dst, src)
	}
}

// fromFloatFunc returns the converter f32 → typ for dense rows, or nil.
func fromFloatFunc(typ quant.Type) func(dst []byte, src []float32) {
	switch typ {
	case quant.F32:
		return func(dst []byte, src []float32) { copy(f32s(dst), src) }
	case quant.F16:
		return func(dst []byte, src []float32) {
			h := u16s(dst)[:len(src)]
			for i, v := range src {
				h[i] = fp32ToFP16(v)
			}
		}
	case quant.BF16:
		return func(dst []byte, src []float32) {
			h := u16s(dst)[:len(src)]
			for i, v := range src {
				h[i] = fp32ToBF16(v)
			}
		}
	}
	if f := kernels.FromFloat(typ); f != nil {
		return f
	}
	if !typ.Known() {
		return nil
	}
	if f := typ.Traits().Quantize; f != nil {
		return f
	}
	if typ == quant.Q8_0 {
		return quantizeQ8_0
	}
	return nil
}

// checkConvert validates a Cpy from src to dst.
func checkConvert(src, dst *Tensor) error {
	plain := func(t quant.Type) bool { return t == quant.F32 || t == quant.F16 || t == quant.BF16 }
	switch {
	case src.typ == dst.typ && src.typ.BlockSize() == 1:
		return nil
	case plain(src.typ) && plain(dst.typ):
		return nil
	}
	// One side is block-quantized: convert whole rows.
	if src.ne[0] != dst.ne[0] || !src.rowsContiguous() || !dst.rowsContiguous() {
		return fmt.Errorf("tensor: cpy %v → %v needs dense rows of equal length (%v, %v)", src.typ, dst.typ, src.ne, dst.ne)
	}
	switch {
	case src.typ == dst.typ:
		return nil
	case src.typ == quant.F32 && fromFloatFunc(dst.typ) != nil:
		return nil
	case dst.typ == quant.F32 && canDequantize(src.typ):
		return nil
	}
	return fmt.Errorf("tensor: cpy %v → %v is not supported", src.typ, dst.typ)
}

// q8_0: blocks of 32 int8 with an f16 scale.

const qk8_0 = 32

// quantizeQ8_0 is ggml's x86 CPU q8_0 quantizer: d = amax/127, q =
// round-half-even(x·127/amax).
func quantizeQ8_0(dst []byte, src []float32) {
	for b := 0; b < len(src)/qk8_0; b++ {
		x := src[b*qk8_0 : (b+1)*qk8_0]
		blk := dst[b*34 : (b+1)*34]
		var amax float32
		for _, v := range x {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax = a
			}
		}
		d := amax / 127
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		*(*uint16)(unsafe.Pointer(&blk[0])) = fp32ToFP16(d)
		for i, v := range x {
			blk[2+i] = byte(int8(math.RoundToEven(float64(v * id))))
		}
	}
}

func dequantQ8_0(dst []float32, src []byte) {
	for b := 0; b < len(dst)/qk8_0; b++ {
		blk := src[b*34 : (b+1)*34]
		d := fp16ToFP32(*(*uint16)(unsafe.Pointer(&blk[0])))
		y := dst[b*qk8_0 : (b+1)*qk8_0]
		for i := range y {
			y[i] = float32(int8(blk[2+i])) * d
		}
	}
}
