package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

func init() {
	setKernels(quant.Q2K, typeKernels{vecDotType: quant.Q8K, vecDot: dotQ2KQ8K})
	setImpl("dot q2_K·q8_K", "go")
}

// DotQ2KQ8K returns the dot product of a q2_K weight row x with a q8_K
// activation row y of the same length; the length in elements is
// len(x)/84·256. It panics if the lengths do not describe whole blocks of
// the same element count.
func DotQ2KQ8K(x, y []byte) float32 {
	return dotQ2KQ8K(len(x)/kqQ2KBytes*kqBlock, x, y)
}

// dotQ2KQ8K is the q2_K·q8_K dot product. Group g of 16 elements has the
// scale byte sc = scales[g]; with q the 2-bit weight:
//
//	dy·(d·Σ_g (sc&15)·Σᵢ qᵢ·yᵢ − dmin·Σ_g (sc>>4)·bsums[g])
func dotQ2KQ8K(n int, x, y []byte) float32 {
	nb := kqCheck("dot q2_K·q8_K", n, x, y, kqQ2KBytes, kqQ8KBytes)
	var sum float32
	for i := 0; i < nb; i++ {
		xb := x[i*kqQ2KBytes : i*kqQ2KBytes+kqQ2KBytes]
		yb := y[i*kqQ8KBytes : i*kqQ8KBytes+kqQ8KBytes]
		dy := math.Float32frombits(binary.LittleEndian.Uint32(yb))
		d := kqHalf(xb[80:]) * dy
		dmin := kqHalf(xb[82:]) * dy
		sc := (*[16]byte)(xb[0:])
		bs := yb[kqQ8KBsumsOff : kqQ8KBsumsOff+32]
		var sumMin int32
		for g := 0; g < 16; g++ {
			sumMin += int32(sc[g]>>4) * int32(int16(binary.LittleEndian.Uint16(bs[2*g:])))
		}
		var sumi int32
		for h := 0; h < 2; h++ {
			qs := (*[32]byte)(xb[16+32*h:])
			a := (*[128]byte)(yb[kqQ8KQsOff+128*h:])
			for s := 0; s < 4; s++ {
				shift := 2 * s
				var s0, s1 int32
				for l := 0; l < 16; l++ {
					s0 += int32(qs[l]>>shift&3) * int32(int8(a[32*s+l]))
					s1 += int32(qs[16+l]>>shift&3) * int32(int8(a[32*s+16+l]))
				}
				g := 8*h + 2*s
				sumi += int32(sc[g]&15)*s0 + int32(sc[g+1]&15)*s1
			}
		}
		sum += d*float32(sumi) - dmin*float32(sumMin)
	}
	return sum
}
