package kernels

import (
	"encoding/binary"

	"github.com/gollm/gollm/quant"
)

// q5_1 weights · q8_1 activations: per block of 32,
// d_x·d_y·Σ q·q_y + m_x·s_y with q = nib | (bit i of qh)<<4.

const bytesQ5_1 = 24 // d f16, m f16, qh u32, qs [16]byte (layout A)

func init() {
	setKernels(quant.Q5_1, typeKernels{vecDotType: quant.Q8_1, vecDot: dotQ5_1})
	setImpl("dot q5_1·q8_1", "go")
}

var dotQ5_1 VecDotFunc = dotQ5_1Generic

func dotQ5_1Impls() []dotImpl { return []dotImpl{{"go", dotQ5_1Generic}} }

// DotQ5_1Q8_1 returns the dot product of the q5_1 row x with the q8_1 row
// y, which hold the same number of blocks of 32; it panics otherwise.
func DotQ5_1Q8_1(x, y []byte) float32 {
	n := checkDotArgs("DotQ5_1Q8_1", x, y, 32, bytesQ5_1, bytesQ8_1)
	return dotQ5_1(n, x, y)
}

func dotQ5_1Generic(n int, x, y []byte) float32 {
	var sum float32
	for b := 0; b < n/32; b++ {
		xb := x[bytesQ5_1*b : bytesQ5_1*b+bytesQ5_1]
		yb := y[bytesQ8_1*b : bytesQ8_1*b+bytesQ8_1]
		s := blockDot5(xb[8:], binary.LittleEndian.Uint32(xb[4:]), yb[4:], 0)
		sum += float32(s)*(f16At(xb)*f16At(yb)) + f16At(xb[2:])*f16At(yb[2:])
	}
	return sum
}
