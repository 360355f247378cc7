package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

// Q6KTileRows and Q6KTileCols are the shape of the q6_K·q8_K tile.
const (
	Q6KTileRows = 4
	Q6KTileCols = 8
)

func init() {
	k := typeKernels{vecDotType: quant.Q8K, vecDot: dotQ6KQ8K}
	if tileQ6KQ8K != nil {
		k.tile, k.tileRows, k.tileCols = tileQ6KQ8K, Q6KTileRows, Q6KTileCols
	}
	setKernels(quant.Q6K, k)
	setImpl("dot q6_K·q8_K", dotQ6KImpl)
	setImpl("tile q6_K·q8_K", tileQ6KImpl)
}

// DotQ6KQ8K returns the dot product of a q6_K weight row x with a q8_K
// activation row y of the same length; the length in elements is
// len(x)/210·256. It panics if the lengths do not describe whole blocks of
// the same element count.
func DotQ6KQ8K(x, y []byte) float32 {
	return dotQ6KQ8K(len(x)/kqQ6KBytes*kqBlock, x, y)
}

// TileQ6KQ8K computes Q6KTileRows×Q6KTileCols dot products of n elements:
// dst[c*dstStride+r] = dot(x[r*xStride:], y[c*yStride:]). Strides are in
// bytes for x and y and in elements for dst. It uses the fastest tile this
// CPU has (the Go twin where the kernel table has none).
func TileQ6KQ8K(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	if tileQ6KQ8K == nil {
		tileQ6KQ8KGeneric(n, x, xStride, y, yStride, dst, dstStride)
		return
	}
	tileQ6KQ8K(n, x, xStride, y, yStride, dst, dstStride)
}

// q6KUnpack writes the 256 unsigned 6-bit weights u = q+32 of a q6_K block
// in element order. Group g of 16 elements has scale scales[g].
func q6KUnpack(q *[kqBlock]byte, xb []byte) {
	for h := 0; h < 2; h++ {
		ql := (*[64]byte)(xb[64*h:])
		qh := (*[32]byte)(xb[128+32*h:])
		o := q[128*h : 128*h+128]
		for l := 0; l < 32; l++ {
			b := qh[l]
			o[l] = ql[l]&15 | (b&3)<<4
			o[l+32] = ql[l+32]&15 | (b>>2&3)<<4
			o[l+64] = ql[l]>>4 | (b>>4&3)<<4
			o[l+96] = ql[l+32]>>4 | (b>>6&3)<<4
		}
	}
}

// q6KBsumTerm returns Σ_g scales[g]·bsums[g], the correction for the +32
// offset of the unsigned weights.
func q6KBsumTerm(sc []byte, yb []byte) int32 {
	bs := yb[kqQ8KBsumsOff : kqQ8KBsumsOff+32]
	var s int32
	for g := 0; g < 16; g++ {
		s += int32(int8(sc[g])) * int32(int16(binary.LittleEndian.Uint16(bs[2*g:])))
	}
	return s
}

// dotQ6KQ8KGeneric is the Go twin of the q6_K·q8_K kernels. With u = q+32
// the unsigned 6-bit weight and group g of 16 elements scaled by scales[g]:
//
//	d·dy·(Σ_g scales[g]·Σᵢ uᵢ·yᵢ − 32·Σ_g scales[g]·bsums[g])
func dotQ6KQ8KGeneric(n int, x, y []byte) float32 {
	nb := kqCheck("dot q6_K·q8_K", n, x, y, kqQ6KBytes, kqQ8KBytes)
	var sum float32
	for i := 0; i < nb; i++ {
		xb := x[i*kqQ6KBytes : i*kqQ6KBytes+kqQ6KBytes]
		yb := y[i*kqQ8KBytes : i*kqQ8KBytes+kqQ8KBytes]
		sum += q6KBlockDot(xb, yb)
	}
	return sum
}

// q6KBlockDot returns one q6_K block's dot product with one q8_K block.
func q6KBlockDot(xb, yb []byte) float32 {
	dy := math.Float32frombits(binary.LittleEndian.Uint32(yb))
	d := kqHalf(xb[208:]) * dy
	sc := (*[16]byte)(xb[192:])
	var sumi int32
	for h := 0; h < 2; h++ {
		ql := (*[64]byte)(xb[64*h:])
		qh := (*[32]byte)(xb[128+32*h:])
		a := (*[128]byte)(yb[kqQ8KQsOff+128*h:])
		for k := 0; k < 2; k++ { // l in [16k, 16k+16): groups 8h+k, +2, +4, +6
			var s0, s1, s2, s3 int32
			for l := 16 * k; l < 16*k+16; l++ {
				b := qh[l]
				s0 += int32(ql[l]&15|(b&3)<<4) * int32(int8(a[l]))
				s1 += int32(ql[l+32]&15|(b>>2&3)<<4) * int32(int8(a[l+32]))
				s2 += int32(ql[l]>>4|(b>>4&3)<<4) * int32(int8(a[l+64]))
				s3 += int32(ql[l+32]>>4|(b>>6&3)<<4) * int32(int8(a[l+96]))
			}
			g := 8*h + k
			sumi += int32(int8(sc[g]))*s0 + int32(int8(sc[g+2]))*s1 +
				int32(int8(sc[g+4]))*s2 + int32(int8(sc[g+6]))*s3
		}
	}
	sumi -= 32 * q6KBsumTerm(sc[:], yb)
	return d * float32(sumi)
}

// tileQ6KQ8KGeneric is the Go twin of the q6_K·q8_K tile.
func tileQ6KQ8KGeneric(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	const rows, cols = Q6KTileRows, Q6KTileCols
	nb := kqCheckTile("tile q6_K·q8_K", n, x, xStride, y, yStride, dst, dstStride, rows, cols, kqQ6KBytes)
	var acc [cols][rows]float32
	var q [kqBlock]byte
	for i := 0; i < nb; i++ {
		for r := 0; r < rows; r++ {
			xb := x[r*xStride+i*kqQ6KBytes : r*xStride+i*kqQ6KBytes+kqQ6KBytes]
			d := kqHalf(xb[208:])
			sc := (*[16]byte)(xb[192:])
			q6KUnpack(&q, xb)
			for c := 0; c < cols; c++ {
				yb := y[c*yStride+i*kqQ8KBytes:]
				dy := math.Float32frombits(binary.LittleEndian.Uint32(yb))
				a := yb[kqQ8KQsOff:]
				var sumi int32
				for g := 0; g < 16; g++ {
					sumi += int32(int8(sc[g])) * kqDot16((*[16]byte)(q[16*g:]), (*[16]byte)(a[16*g:]))
				}
				sumi -= 32 * q6KBsumTerm(sc[:], yb)
				acc[c][r] += d * dy * float32(sumi)
			}
		}
	}
	for c := 0; c < cols; c++ {
		copy(dst[c*dstStride:c*dstStride+rows], acc[c][:])
	}
}
