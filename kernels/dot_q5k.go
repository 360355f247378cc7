package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

// Q5KTileRows and Q5KTileCols are the shape of the q5_K·q8_K tile.
const (
	Q5KTileRows = 4
	Q5KTileCols = 8
)

func init() {
	k := typeKernels{vecDotType: quant.Q8K, vecDot: dotQ5KQ8K}
	if tileQ5KQ8K != nil {
		k.tile, k.tileRows, k.tileCols = tileQ5KQ8K, Q5KTileRows, Q5KTileCols
	}
	setKernels(quant.Q5K, k)
	setImpl("dot q5_K·q8_K", dotQ5KImpl)
	setImpl("tile q5_K·q8_K", tileQ5KImpl)
}

// DotQ5KQ8K returns the dot product of a q5_K weight row x with a q8_K
// activation row y of the same length; the length in elements is
// len(x)/176·256. It panics if the lengths do not describe whole blocks of
// the same element count.
func DotQ5KQ8K(x, y []byte) float32 {
	return dotQ5KQ8K(len(x)/kqQ5KBytes*kqBlock, x, y)
}

// TileQ5KQ8K computes Q5KTileRows×Q5KTileCols dot products of n elements:
// dst[c*dstStride+r] = dot(x[r*xStride:], y[c*yStride:]). Strides are in
// bytes for x and y and in elements for dst. It uses the fastest tile this
// CPU has (the Go twin where the kernel table has none).
func TileQ5KQ8K(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	if tileQ5KQ8K == nil {
		tileQ5KQ8KGeneric(n, x, xStride, y, yStride, dst, dstStride)
		return
	}
	tileQ5KQ8K(n, x, xStride, y, yStride, dst, dstStride)
}

// dotQ5KQ8KGeneric is the Go twin of the q5_K·q8_K kernels: as q4_K, with
// the fifth bit of each weight taken from qh.
func dotQ5KQ8KGeneric(n int, x, y []byte) float32 {
	nb := kqCheck("dot q5_K·q8_K", n, x, y, kqQ5KBytes, kqQ8KBytes)
	var sum float32
	for i := 0; i < nb; i++ {
		xb := x[i*kqQ5KBytes : i*kqQ5KBytes+kqQ5KBytes]
		yb := y[i*kqQ8KBytes : i*kqQ8KBytes+kqQ8KBytes]
		sum += q5KBlockDot(xb, yb)
	}
	return sum
}

// q5KBlockDot returns one q5_K block's dot product with one q8_K block.
func q5KBlockDot(xb, yb []byte) float32 {
	dy := math.Float32frombits(binary.LittleEndian.Uint32(yb))
	d := kqHalf(xb[0:]) * dy
	dmin := kqHalf(xb[2:]) * dy
	sc, mn := kqScalesMins(xb[4:16])
	bp := kqBsumPairs(yb)
	var sumMin int32
	for j := 0; j < 8; j++ {
		sumMin += mn[j] * bp[j]
	}
	qh := (*[32]byte)(xb[16:])
	var sumi int32
	for j := 0; j < 4; j++ {
		q := (*[32]byte)(xb[48+32*j:])
		a := (*[64]byte)(yb[kqQ8KQsOff+64*j:])
		var s0, s1 int32
		for l := 0; l < 32; l++ {
			h := qh[l] >> (2 * j)
			s0 += int32(q[l]&15|(h&1)<<4) * int32(int8(a[l]))
			s1 += int32(q[l]>>4|(h&2)<<3) * int32(int8(a[32+l]))
		}
		sumi += sc[2*j]*s0 + sc[2*j+1]*s1
	}
	return d*float32(sumi) - dmin*float32(sumMin)
}

// tileQ5KQ8KGeneric is the Go twin of the q5_K·q8_K tile.
func tileQ5KQ8KGeneric(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	const rows, cols = Q5KTileRows, Q5KTileCols
	nb := kqCheckTile("tile q5_K·q8_K", n, x, xStride, y, yStride, dst, dstStride, rows, cols, kqQ5KBytes)
	var acc [cols][rows]float32
	var q [kqBlock]byte
	var bp [cols][8]int32
	var dy [cols]float32
	for i := 0; i < nb; i++ {
		for c := 0; c < cols; c++ {
			yb := y[c*yStride+i*kqQ8KBytes:]
			dy[c] = math.Float32frombits(binary.LittleEndian.Uint32(yb))
			bp[c] = kqBsumPairs(yb)
		}
		for r := 0; r < rows; r++ {
			xb := x[r*xStride+i*kqQ5KBytes : r*xStride+i*kqQ5KBytes+kqQ5KBytes]
			d, dmin := kqHalf(xb[0:]), kqHalf(xb[2:])
			sc, mn := kqScalesMins(xb[4:16])
			qh := (*[32]byte)(xb[16:])
			for j := 0; j < 4; j++ {
				qs := (*[32]byte)(xb[48+32*j:])
				for l := 0; l < 32; l++ {
					h := qh[l] >> (2 * j)
					q[64*j+l] = qs[l]&15 | (h&1)<<4
					q[64*j+32+l] = qs[l]>>4 | (h&2)<<3
				}
			}
			for c := 0; c < cols; c++ {
				a := y[c*yStride+i*kqQ8KBytes+kqQ8KQsOff:]
				var sumi, sumMin int32
				for j := 0; j < 8; j++ {
					sumi += sc[j] * kqDot32((*[32]byte)(q[32*j:]), (*[32]byte)(a[32*j:]))
					sumMin += mn[j] * bp[c][j]
				}
				acc[c][r] += d*dy[c]*float32(sumi) - dmin*dy[c]*float32(sumMin)
			}
		}
	}
	for c := 0; c < cols; c++ {
		copy(dst[c*dstStride:c*dstStride+rows], acc[c][:])
	}
}
