package kernels

import (
	"encoding/binary"
	"fmt"

	"github.com/gollm/gollm/quant"
)

// f16 weights · f32 activations. ggml pairs f16 weights with f16
// activations; gollm keeps the activations in f32: no conversion per op,
// one F16C conversion per weight instead of two per product, and the
// products are those of ggml's whenever the activations are f16 values.

func init() {
	setKernels(quant.F16, typeKernels{vecDotType: quant.F32, vecDot: dotF16})
	setImpl("dot f16·f32", dotF16Impl)
}

// DotF16F32 returns Σ x[i]·y[i] where x holds len(y) binary16 values
// (2·len(y) bytes); it panics otherwise.
func DotF16F32(x []byte, y []float32) float32 {
	if len(x) != 2*len(y) {
		panic(fmt.Sprintf("kernels: DotF16F32: %d bytes of f16 for %d floats", len(x), len(y)))
	}
	return dotF16(len(y), x, F32Bytes(y))
}

// dotF16Generic sums in 8 float32 lanes, as the 256-bit kernels do.
func dotF16Generic(n int, x, y []byte) float32 {
	x, y = x[:2*n], y[:4*n]
	var s [8]float32
	i := 0
	for ; i+8 <= n; i += 8 {
		xb, yb := x[2*i:2*i+16], y[4*i:4*i+32]
		for l := range s {
			s[l] += quant.FP16ToFP32(binary.LittleEndian.Uint16(xb[2*l:])) * f32At(yb[4*l:])
		}
	}
	for ; i < n; i++ {
		s[0] += quant.FP16ToFP32(binary.LittleEndian.Uint16(x[2*i:])) * f32At(y[4*i:])
	}
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}
