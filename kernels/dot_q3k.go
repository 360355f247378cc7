package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

func init() {
	setKernels(quant.Q3K, typeKernels{vecDotType: quant.Q8K, vecDot: dotQ3KQ8K})
	setImpl("dot q3_K·q8_K", "go")
}

// DotQ3KQ8K returns the dot product of a q3_K weight row x with a q8_K
// activation row y of the same length; the length in elements is
// len(x)/110·256. It panics if the lengths do not describe whole blocks of
// the same element count.
func DotQ3KQ8K(x, y []byte) float32 {
	return dotQ3KQ8K(len(x)/kqQ3KBytes*kqBlock, x, y)
}

// q3KScales unpacks the twelve bytes of 6-bit q3_K scales into sixteen
// signed scales (stored value − 32).
func q3KScales(s []byte) (sc [16]int32) {
	a0 := binary.LittleEndian.Uint32(s[0:])
	a1 := binary.LittleEndian.Uint32(s[4:])
	a2 := binary.LittleEndian.Uint32(s[8:])
	const k1, k2 = 0x03030303, 0x0f0f0f0f
	w := [4]uint32{
		a0&k2 | (a2&k1)<<4,
		a1&k2 | (a2>>2&k1)<<4,
		a0>>4&k2 | (a2>>4&k1)<<4,
		a1>>4&k2 | (a2>>6&k1)<<4,
	}
	for i := 0; i < 16; i++ {
		sc[i] = int32(w[i/4]>>(8*(i%4))&0xff) - 32
	}
	return sc
}

// dotQ3KQ8K is the q3_K·q8_K dot product. Group g of 16 elements has the
// signed scale sc[g]; the 3-bit weight is the 2-bit q minus 4 where its
// hmask bit is clear: d·dy·Σ_g sc[g]·Σᵢ (qᵢ − 4·¬hᵢ)·yᵢ.
func dotQ3KQ8K(n int, x, y []byte) float32 {
	nb := kqCheck("dot q3_K·q8_K", n, x, y, kqQ3KBytes, kqQ8KBytes)
	var sum float32
	for i := 0; i < nb; i++ {
		xb := x[i*kqQ3KBytes : i*kqQ3KBytes+kqQ3KBytes]
		yb := y[i*kqQ8KBytes : i*kqQ8KBytes+kqQ8KBytes]
		dy := math.Float32frombits(binary.LittleEndian.Uint32(yb))
		d := kqHalf(xb[108:]) * dy
		sc := q3KScales(xb[96:108])
		hm := (*[32]byte)(xb[0:])
		var sumi int32
		for h := 0; h < 2; h++ {
			qs := (*[32]byte)(xb[32+32*h:])
			a := (*[128]byte)(yb[kqQ8KQsOff+128*h:])
			for s := 0; s < 4; s++ {
				shift := 2 * s
				bit := uint(4*h + s)
				var s0, s1 int32
				for l := 0; l < 16; l++ {
					q0 := int32(qs[l]>>shift&3) - int32(^hm[l]>>bit&1)<<2
					q1 := int32(qs[16+l]>>shift&3) - int32(^hm[16+l]>>bit&1)<<2
					s0 += q0 * int32(int8(a[32*s+l]))
					s1 += q1 * int32(int8(a[32*s+16+l]))
				}
				g := 8*h + 2*s
				sumi += sc[g]*s0 + sc[g+1]*s1
			}
		}
		sum += d * float32(sumi)
	}
	return sum
}
