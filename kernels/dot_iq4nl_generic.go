package kernels

import "github.com/gollm/gollm/quant"

// iq4_nl weights · q8_0 activations: per block of 32,
// d_x·d_y·Σ kv[nib]·q_y with ggml's non-linear table kv.

const bytesIQ4NL = 18 // d f16, qs [16]byte (layout A)

// iq4nlValues is ggml's kvalues_iq4nl: the int8 value of each nibble.
var iq4nlValues = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

func init() {
	setKernels(quant.IQ4NL, typeKernels{vecDotType: quant.Q8_0, vecDot: dotIQ4NL})
	setImpl("dot iq4_nl·q8_0", "go")
}

var dotIQ4NL VecDotFunc = dotIQ4NLGeneric

func dotIQ4NLImpls() []dotImpl { return []dotImpl{{"go", dotIQ4NLGeneric}} }

// DotIQ4NLQ8_0 returns the dot product of the iq4_nl row x with the q8_0
// row y, which hold the same number of blocks of 32; it panics otherwise.
func DotIQ4NLQ8_0(x, y []byte) float32 {
	n := checkDotArgs("DotIQ4NLQ8_0", x, y, 32, bytesIQ4NL, bytesQ8_0)
	return dotIQ4NL(n, x, y)
}

func dotIQ4NLGeneric(n int, x, y []byte) float32 {
	var sum float32
	for b := 0; b < n/32; b++ {
		xb := x[bytesIQ4NL*b : bytesIQ4NL*b+bytesIQ4NL]
		yb := y[bytesQ8_0*b : bytesQ8_0*b+bytesQ8_0]
		qs, q8 := xb[2:18], yb[2:34]
		var s int32
		for j, q := range qs {
			s += int32(iq4nlValues[q&15])*int32(int8(q8[j])) + int32(iq4nlValues[q>>4])*int32(int8(q8[j+16]))
		}
		sum += float32(s) * (f16At(xb) * f16At(yb))
	}
	return sum
}
