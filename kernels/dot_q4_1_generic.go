package kernels

import "github.com/gollm/gollm/quant"

// q4_1 weights · q8_1 activations: per block of 32,
// d_x·d_y·Σ nib·q_y + m_x·s_y (s_y = d_y·Σq_y as stored fp16, the way ggml
// computes it).

const bytesQ4_1 = 20 // d f16, m f16, qs [16]byte (layout A)

func init() {
	setKernels(quant.Q4_1, typeKernels{vecDotType: quant.Q8_1, vecDot: dotQ4_1})
	setImpl("dot q4_1·q8_1", "go")
}

var dotQ4_1 VecDotFunc = dotQ4_1Generic

func dotQ4_1Impls() []dotImpl { return []dotImpl{{"go", dotQ4_1Generic}} }

// DotQ4_1Q8_1 returns the dot product of the q4_1 row x with the q8_1 row
// y, which hold the same number of blocks of 32; it panics otherwise.
func DotQ4_1Q8_1(x, y []byte) float32 {
	n := checkDotArgs("DotQ4_1Q8_1", x, y, 32, bytesQ4_1, bytesQ8_1)
	return dotQ4_1(n, x, y)
}

func dotQ4_1Generic(n int, x, y []byte) float32 {
	var sum float32
	for b := 0; b < n/32; b++ {
		xb := x[bytesQ4_1*b : bytesQ4_1*b+bytesQ4_1]
		yb := y[bytesQ8_1*b : bytesQ8_1*b+bytesQ8_1]
		sum += float32(blockDotNibbles(xb[4:], yb[4:], 0))*(f16At(xb)*f16At(yb)) + f16At(xb[2:])*f16At(yb[2:])
	}
	return sum
}
