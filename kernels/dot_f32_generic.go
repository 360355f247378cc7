package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/gollm/gollm/quant"
)

// f32 weights · f32 activations.

func init() {
	setKernels(quant.F32, typeKernels{vecDotType: quant.F32, vecDot: dotF32})
	setImpl("dot f32·f32", dotF32Impl)
}

// DotF32F32 returns Σ x[i]·y[i] over len(x) elements; it panics when the
// lengths differ.
func DotF32F32(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels: DotF32F32: lengths %d and %d differ", len(x), len(y)))
	}
	return dotF32(len(x), F32Bytes(x), F32Bytes(y))
}

// F32Bytes returns the bytes of x, without copying: how f32 activations
// and f32 weights are passed to a VecDotFunc (little-endian machines
// only, which are all gollm runs on).
func F32Bytes(x []float32) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
}

// f32At reads the little-endian float32 at b[0:4].
func f32At(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// dotF32Generic sums in 8 float32 lanes, as the 256-bit kernels do.
func dotF32Generic(n int, x, y []byte) float32 {
	x, y = x[:4*n], y[:4*n]
	var s [8]float32
	i := 0
	for ; i+8 <= n; i += 8 {
		xb, yb := x[4*i:4*i+32], y[4*i:4*i+32]
		for l := range s {
			s[l] += f32At(xb[4*l:]) * f32At(yb[4*l:])
		}
	}
	for ; i < n; i++ {
		s[0] += f32At(x[4*i:]) * f32At(y[4*i:])
	}
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}
