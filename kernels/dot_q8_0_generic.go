package kernels

import (
	"fmt"

	"github.com/gollm/gollm/quant"
)

// q8_0 weights · q8_0 activations: per block of 32, d_x·d_y·Σ q_x·q_y.

func init() {
	k := typeKernels{vecDotType: quant.Q8_0, vecDot: dotQ8_0}
	if tileQ8_0Impl != "none" { // a tile of Go dot products would gain nothing
		k.tile, k.tileRows, k.tileCols = tileQ8_0, tileQ8_0Rows, tileQ8_0Cols
	}
	setKernels(quant.Q8_0, k)
	setImpl("dot q8_0·q8_0", dotQ8_0Impl)
	setImpl("tile q8_0·q8_0", tileQ8_0Impl)
}

// DotQ8_0Q8_0 returns the dot product of the q8_0 row x with the q8_0 row
// y. Both hold the same whole number of 34-byte blocks; it panics
// otherwise.
func DotQ8_0Q8_0(x, y []byte) float32 {
	n := checkDotArgs("DotQ8_0Q8_0", x, y, 32, bytesQ8_0, bytesQ8_0)
	return dotQ8_0(n, x, y)
}

// TileQ8_0Q8_0 computes dst[c*dstStride+r] = dot(row r of x, column c of y)
// for the tile shape of this CPU (see Tile), n elements per dot; rows of x
// are xStride bytes apart and columns of y yStride bytes apart.
func TileQ8_0Q8_0(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	checkTileArgs("TileQ8_0Q8_0", n, x, xStride, y, yStride, dst, dstStride, 32, bytesQ8_0, bytesQ8_0, tileQ8_0Rows, tileQ8_0Cols)
	tileQ8_0(n, x, xStride, y, yStride, dst, dstStride)
}

// checkDotArgs validates the arguments of an exported dot product and returns
// its element count.
func checkDotArgs(name string, x, y []byte, bs, xb, yb int) int {
	nb := len(x) / xb
	if len(x)%xb != 0 || len(y) != nb*yb {
		panic(fmt.Sprintf("kernels: %s: %d and %d bytes are not the same whole number of %d- and %d-byte blocks",
			name, len(x), len(y), xb, yb))
	}
	return nb * bs
}

// checkTileArgs validates the arguments of an exported tile kernel.
func checkTileArgs(name string, n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride, bs, xb, yb, rows, cols int) {
	nb := n / bs
	if n < 0 || n%bs != 0 || xStride < nb*xb || yStride < nb*yb || dstStride < rows ||
		len(x) < (rows-1)*xStride+nb*xb || len(y) < (cols-1)*yStride+nb*yb || len(dst) < (cols-1)*dstStride+rows {
		panic(fmt.Sprintf("kernels: %s: a %d×%d tile of %d elements does not fit its buffers", name, rows, cols, n))
	}
}

// blockDotQ8 returns Σ a[i]·b[i] over 32 int8 values.
func blockDotQ8(a, b []byte) int32 {
	a, b = a[:32], b[:32]
	var s int32
	for i := range a {
		s += int32(int8(a[i])) * int32(int8(b[i]))
	}
	return s
}

func dotQ8_0Generic(n int, x, y []byte) float32 {
	var sum float32
	for b := 0; b < n/32; b++ {
		xb := x[bytesQ8_0*b : bytesQ8_0*b+bytesQ8_0]
		yb := y[bytesQ8_0*b : bytesQ8_0*b+bytesQ8_0]
		sum += float32(blockDotQ8(xb[2:], yb[2:])) * (f16At(xb) * f16At(yb))
	}
	return sum
}

// genericTile returns the Go twin of a rows×cols tile: one dot product per
// output.
func genericTile(dot VecDotFunc, rows, cols int) TileFunc {
	return func(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
		for c := 0; c < cols; c++ {
			for r := 0; r < rows; r++ {
				dst[c*dstStride+r] = dot(n, x[r*xStride:], y[c*yStride:])
			}
		}
	}
}
