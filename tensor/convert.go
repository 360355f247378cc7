package tensor

import (
	"fmt"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// Row conversions between element types: quant's dequantizers, and for
// the other direction kernels' activation quantizers (ggml's CPU from_float,
// which is what ggml uses to store a KV cache row) or else quant's
// reference quantizers.

// canDequantize reports whether rows of typ can be converted to float32.
func canDequantize(typ quant.Type) bool {
	return typ.Known() && typ.Traits().Dequantize != nil
}

// toF32 converts the len(dst) elements of the dense row src (of type typ)
// to float32.
func toF32(dst []float32, src []byte, typ quant.Type) {
	if typ == quant.F32 {
		copy(dst, f32s(src))
		return
	}
	typ.Traits().Dequantize(dst, src)
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
				h[i] = quant.FP32ToFP16(v)
			}
		}
	case quant.BF16:
		return func(dst []byte, src []float32) {
			h := u16s(dst)[:len(src)]
			for i, v := range src {
				h[i] = quant.FP32ToBF16(v)
			}
		}
	}
	if f := kernels.FromFloat(typ); f != nil {
		return f
	}
	if !typ.Known() {
		return nil
	}
	return typ.Traits().Quantize
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
