package kernels

import "github.com/gollm/gollm/quant"

// q4_0 weights · q8_0 activations: per block of 32,
// d_x·d_y·Σ (nib − 8)·q_y.

const bytesQ4_0 = 18 // d f16, qs [16]byte (element j low nibble, j+16 high)

func init() {
	k := typeKernels{vecDotType: quant.Q8_0, vecDot: dotQ4_0}
	if tileQ4_0Impl != "none" { // a tile of Go dot products would gain nothing
		k.tile, k.tileRows, k.tileCols = tileQ4_0, tileQ4_0Rows, tileQ4_0Cols
	}
	setKernels(quant.Q4_0, k)
	setImpl("dot q4_0·q8_0", dotQ4_0Impl)
	setImpl("tile q4_0·q8_0", tileQ4_0Impl)
}

// DotQ4_0Q8_0 returns the dot product of the q4_0 row x with the q8_0 row
// y, which hold the same number of blocks of 32; it panics otherwise.
func DotQ4_0Q8_0(x, y []byte) float32 {
	n := checkDotArgs("DotQ4_0Q8_0", x, y, 32, bytesQ4_0, bytesQ8_0)
	return dotQ4_0(n, x, y)
}

// TileQ4_0Q8_0 is the q4_0·q8_0 tile of this CPU's shape (see Tile); the
// arguments are those of TileQ8_0Q8_0.
func TileQ4_0Q8_0(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	checkTileArgs("TileQ4_0Q8_0", n, x, xStride, y, yStride, dst, dstStride, 32, bytesQ4_0, bytesQ8_0, tileQ4_0Rows, tileQ4_0Cols)
	tileQ4_0(n, x, xStride, y, yStride, dst, dstStride)
}

// blockDotNibbles returns Σ (nib − off)·y over the 32 nibbles of qs (layout
// A) and the 32 int8 of y.
func blockDotNibbles(qs, y []byte, off int32) int32 {
	qs, y = qs[:16], y[:32]
	var s int32
	for j, q := range qs {
		s += (int32(q&15)-off)*int32(int8(y[j])) + (int32(q>>4)-off)*int32(int8(y[j+16]))
	}
	return s
}

func dotQ4_0Generic(n int, x, y []byte) float32 {
	var sum float32
	for b := 0; b < n/32; b++ {
		xb := x[bytesQ4_0*b : bytesQ4_0*b+bytesQ4_0]
		yb := y[bytesQ8_0*b : bytesQ8_0*b+bytesQ8_0]
		sum += float32(blockDotNibbles(xb[2:], yb[2:], 8)) * (f16At(xb) * f16At(yb))
	}
	return sum
}
