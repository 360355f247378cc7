package kernels

import (
	"encoding/binary"

	"github.com/gollm/gollm/quant"
)

// q5_0 weights · q8_0 activations: per block of 32,
// d_x·d_y·Σ (q − 16)·q_y with q = nib | (bit i of qh)<<4.

const bytesQ5_0 = 22 // d f16, qh u32, qs [16]byte (layout A)

func init() {
	setKernels(quant.Q5_0, typeKernels{vecDotType: quant.Q8_0, vecDot: dotQ5_0})
	setImpl("dot q5_0·q8_0", "go")
}

var dotQ5_0 VecDotFunc = dotQ5_0Generic

func dotQ5_0Impls() []dotImpl { return []dotImpl{{"go", dotQ5_0Generic}} }

// DotQ5_0Q8_0 returns the dot product of the q5_0 row x with the q8_0 row
// y, which hold the same number of blocks of 32; it panics otherwise.
func DotQ5_0Q8_0(x, y []byte) float32 {
	n := checkDotArgs("DotQ5_0Q8_0", x, y, 32, bytesQ5_0, bytesQ8_0)
	return dotQ5_0(n, x, y)
}

// blockDot5 returns Σ (q − off)·y over the 32 five-bit values of qs (layout
// A nibbles) and qh (bit i = bit 4 of element i).
func blockDot5(qs []byte, qh uint32, y []byte, off int32) int32 {
	qs, y = qs[:16], y[:32]
	var s int32
	for j, q := range qs {
		lo := int32(q&15) | int32(qh>>j&1)<<4
		hi := int32(q>>4) | int32(qh>>(j+16)&1)<<4
		s += (lo-off)*int32(int8(y[j])) + (hi-off)*int32(int8(y[j+16]))
	}
	return s
}

func dotQ5_0Generic(n int, x, y []byte) float32 {
	var sum float32
	for b := 0; b < n/32; b++ {
		xb := x[bytesQ5_0*b : bytesQ5_0*b+bytesQ5_0]
		yb := y[bytesQ8_0*b : bytesQ8_0*b+bytesQ8_0]
		s := blockDot5(xb[6:], binary.LittleEndian.Uint32(xb[2:]), yb[2:], 16)
		sum += float32(s) * (f16At(xb) * f16At(yb))
	}
	return sum
}
