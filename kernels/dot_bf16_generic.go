package kernels

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gollm/gollm/quant"
)

// bf16 weights · f32 activations (ggml pairs bf16 with bf16; f32
// activations need no conversion and give the same products for bf16
// values). A bf16 is the top half of a float32, so widening is a shift.

func init() {
	setKernels(quant.BF16, typeKernels{vecDotType: quant.F32, vecDot: dotBF16})
	setImpl("dot bf16·f32", "go")
}

var dotBF16 VecDotFunc = dotBF16Generic

// DotBF16F32 returns Σ x[i]·y[i] where x holds len(y) bfloat16 values
// (2·len(y) bytes); it panics otherwise.
func DotBF16F32(x []byte, y []float32) float32 {
	if len(x) != 2*len(y) {
		panic(fmt.Sprintf("kernels: DotBF16F32: %d bytes of bf16 for %d floats", len(x), len(y)))
	}
	return dotBF16(len(y), x, F32Bytes(y))
}

func dotBF16Impls() []dotImpl { return []dotImpl{{"go", dotBF16Generic}} }

// dotBF16Generic sums in 8 float32 lanes.
func dotBF16Generic(n int, x, y []byte) float32 {
	x, y = x[:2*n], y[:4*n]
	var s [8]float32
	i := 0
	for ; i+8 <= n; i += 8 {
		xb, yb := x[2*i:2*i+16], y[4*i:4*i+32]
		for l := range s {
			s[l] += math.Float32frombits(uint32(binary.LittleEndian.Uint16(xb[2*l:]))<<16) * f32At(yb[4*l:])
		}
	}
	for ; i < n; i++ {
		s[0] += math.Float32frombits(uint32(binary.LittleEndian.Uint16(x[2*i:]))<<16) * f32At(y[4*i:])
	}
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}
