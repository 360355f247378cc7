package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

func init() {
	setKernels(quant.IQ4XS, typeKernels{vecDotType: quant.Q8K, vecDot: dotIQ4XSQ8K})
	setImpl("dot iq4_xs·q8_K", "go")
}

// iq4xsValues is the non-linear 4-bit codebook of iq4_nl and iq4_xs.
var iq4xsValues = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// DotIQ4XSQ8K returns the dot product of an iq4_xs weight row x with a q8_K
// activation row y of the same length; the length in elements is
// len(x)/136·256. It panics if the lengths do not describe whole blocks of
// the same element count.
func DotIQ4XSQ8K(x, y []byte) float32 {
	return dotIQ4XSQ8K(len(x)/kqIq4XSBytes*kqBlock, x, y)
}

// dotIQ4XSQ8K is the iq4_xs·q8_K dot product: sub-block ib of 32 elements
// has the 6-bit scale ls (stored value − 32) and weights kv[nib]:
// d·dy·Σ_ib ls·Σᵢ kv[nibᵢ]·yᵢ.
func dotIQ4XSQ8K(n int, x, y []byte) float32 {
	nb := kqCheck("dot iq4_xs·q8_K", n, x, y, kqIq4XSBytes, kqQ8KBytes)
	var sum float32
	for i := 0; i < nb; i++ {
		xb := x[i*kqIq4XSBytes : i*kqIq4XSBytes+kqIq4XSBytes]
		yb := y[i*kqQ8KBytes : i*kqQ8KBytes+kqQ8KBytes]
		dy := math.Float32frombits(binary.LittleEndian.Uint32(yb))
		d := kqHalf(xb[0:]) * dy
		sh := uint32(binary.LittleEndian.Uint16(xb[2:]))
		var sumi int32
		for ib := 0; ib < 8; ib++ {
			ls := int32(xb[4+ib/2]>>(4*(ib%2))&15|byte(sh>>(2*ib)&3)<<4) - 32
			qs := (*[16]byte)(xb[8+16*ib:])
			a := (*[32]byte)(yb[kqQ8KQsOff+32*ib:])
			var s int32
			for j := 0; j < 16; j++ {
				s += int32(iq4xsValues[qs[j]&15]) * int32(int8(a[j]))
				s += int32(iq4xsValues[qs[j]>>4]) * int32(int8(a[j+16]))
			}
			sumi += ls * s
		}
		sum += d * float32(sumi)
	}
	return sum
}
