package kernels

import (
	"encoding/binary"
	"math"

	"github.com/gollm/gollm/quant"
)

// Block sizes in bytes of the k-quant formats this family of files handles,
// and of their activation format q8_K (d float32 @0, qs int8[256] @4,
// bsums int16[16] @260).
const (
	kqBlock       = 256 // elements per super-block
	kqQ2KBytes    = 84
	kqQ3KBytes    = 110
	kqQ4KBytes    = 144
	kqQ5KBytes    = 176
	kqQ6KBytes    = 210
	kqIq4XSBytes  = 136
	kqQ8KBytes    = 292
	kqQ8KQsOff    = 4
	kqQ8KBsumsOff = 260
)

// Q4KTileRows and Q4KTileCols are the shape of the q4_K·q8_K tile.
const (
	Q4KTileRows = 4
	Q4KTileCols = 8
)

func init() {
	k := typeKernels{vecDotType: quant.Q8K, vecDot: dotQ4KQ8K}
	if tileQ4KQ8K != nil {
		k.tile, k.tileRows, k.tileCols = tileQ4KQ8K, Q4KTileRows, Q4KTileCols
	}
	setKernels(quant.Q4K, k)
	setImpl("dot q4_K·q8_K", dotQ4KImpl)
	setImpl("tile q4_K·q8_K", tileQ4KImpl)
}

// DotQ4KQ8K returns the dot product of a q4_K weight row x with a q8_K
// activation row y of the same length; the length in elements is
// len(x)/144·256. It panics if the lengths do not describe whole blocks of
// the same element count.
func DotQ4KQ8K(x, y []byte) float32 {
	return dotQ4KQ8K(len(x)/kqQ4KBytes*kqBlock, x, y)
}

// TileQ4KQ8K computes Q4KTileRows×Q4KTileCols dot products of n elements:
// dst[c*dstStride+r] = dot(x[r*xStride:], y[c*yStride:]). Strides are in
// bytes for x and y and in elements for dst. It uses the fastest tile this
// CPU has (the Go twin where the kernel table has none).
func TileQ4KQ8K(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	if tileQ4KQ8K == nil {
		tileQ4KQ8KGeneric(n, x, xStride, y, yStride, dst, dstStride)
		return
	}
	tileQ4KQ8K(n, x, xStride, y, yStride, dst, dstStride)
}

// kqCheck panics with a clear message when x and y cannot hold n elements of
// a format with xb and yb bytes per 256-element block.
func kqCheck(name string, n int, x, y []byte, xb, yb int) int {
	if n < 0 || n%kqBlock != 0 {
		panic("kernels: " + name + ": n is not a multiple of 256")
	}
	nb := n / kqBlock
	if len(x) < nb*xb || len(y) < nb*yb {
		panic("kernels: " + name + ": row shorter than n elements")
	}
	return nb
}

// kqCheckTile panics with a clear message when a tile's rows or columns do
// not fit in x, y or dst.
func kqCheckTile(name string, n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride, rows, cols, xb int) int {
	if n < 0 || n%kqBlock != 0 {
		panic("kernels: " + name + ": n is not a multiple of 256")
	}
	nb := n / kqBlock
	if xStride < 0 || yStride < 0 || dstStride < 0 ||
		len(x) < (rows-1)*xStride+nb*xb || len(y) < (cols-1)*yStride+nb*kqQ8KBytes ||
		len(dst) < (cols-1)*dstStride+rows {
		panic("kernels: " + name + ": tile does not fit its buffers")
	}
	return nb
}

// kqDot32 returns Σ q[i]·int8(a[i]) over 32 unsigned weights q and 32
// activations a.
func kqDot32(q, a *[32]byte) int32 {
	var s0, s1 int32
	for i := 0; i < 32; i += 2 {
		s0 += int32(q[i]) * int32(int8(a[i]))
		s1 += int32(q[i+1]) * int32(int8(a[i+1]))
	}
	return s0 + s1
}

// kqDot16 returns Σ q[i]·int8(a[i]) over 16 unsigned weights q and 16
// activations a.
func kqDot16(q, a *[16]byte) int32 {
	var s0, s1 int32
	for i := 0; i < 16; i += 2 {
		s0 += int32(q[i]) * int32(int8(a[i]))
		s1 += int32(q[i+1]) * int32(int8(a[i+1]))
	}
	return s0 + s1
}

// kqZeroTile clears the rows×cols results of a tile of zero elements.
func kqZeroTile(dst []float32, dstStride, rows, cols int) {
	for c := 0; c < cols; c++ {
		clear(dst[c*dstStride : c*dstStride+rows])
	}
}

// kqHalf converts the little-endian IEEE binary16 at b to float32.
func kqHalf(b []byte) float32 {
	h := uint32(b[0]) | uint32(b[1])<<8
	sign := (h >> 15) << 31
	exp := (h >> 10) & 0x1f
	mant := h & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	default: // zero or subnormal: mant·2⁻²⁴
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
}

// kqScaleMins unpacks the 12-byte 6-bit scale field of q4_K and q5_K into
// two words: lo holds the bytes sc0…sc3, mn0…mn3 and hi the bytes sc4…sc7,
// mn4…mn7 (sc = sub-block scale, mn = sub-block min).
func kqScaleMins(s []byte) (lo, hi uint64) {
	a := binary.LittleEndian.Uint64(s[0:8])
	b := uint64(binary.LittleEndian.Uint32(s[8:12]))
	lo = a & 0x3f3f3f3f3f3f3f3f
	hi = (b & 0x0f0f0f0f) | (b>>4&0x0f0f0f0f)<<32 | (a>>6&0x0303030303030303)<<4
	return lo, hi
}

// kqScalesMins returns the eight sub-block scales and mins of a q4_K or q5_K
// block as int32.
func kqScalesMins(s []byte) (sc, mn [8]int32) {
	lo, hi := kqScaleMins(s)
	for j := 0; j < 4; j++ {
		sc[j] = int32(lo >> (8 * j) & 0xff)
		mn[j] = int32(lo >> (8 * (j + 4)) & 0xff)
		sc[j+4] = int32(hi >> (8 * j) & 0xff)
		mn[j+4] = int32(hi >> (8 * (j + 4)) & 0xff)
	}
	return sc, mn
}

// kqBsumPairs returns the sums of q8_K's bsums over each 32-element
// sub-block (bsums[2j]+bsums[2j+1]).
func kqBsumPairs(yb []byte) (p [8]int32) {
	bs := yb[kqQ8KBsumsOff : kqQ8KBsumsOff+32]
	for j := 0; j < 8; j++ {
		p[j] = int32(int16(binary.LittleEndian.Uint16(bs[4*j:]))) + int32(int16(binary.LittleEndian.Uint16(bs[4*j+2:])))
	}
	return p
}

// dotQ4KQ8KGeneric is the Go twin of the q4_K·q8_K kernels. Per block it
// sums in integers, as the assembly does:
//
//	d·dy·Σⱼ scⱼ·Σᵢ nibᵢ·yᵢ − dmin·dy·Σⱼ mnⱼ·(bsums[2j]+bsums[2j+1])
func dotQ4KQ8KGeneric(n int, x, y []byte) float32 {
	nb := kqCheck("dot q4_K·q8_K", n, x, y, kqQ4KBytes, kqQ8KBytes)
	var sum float32
	for i := 0; i < nb; i++ {
		xb := x[i*kqQ4KBytes : i*kqQ4KBytes+kqQ4KBytes]
		yb := y[i*kqQ8KBytes : i*kqQ8KBytes+kqQ8KBytes]
		sum += q4KBlockDot(xb, yb)
	}
	return sum
}

// q4KBlockDot returns one q4_K block's dot product with one q8_K block.
func q4KBlockDot(xb, yb []byte) float32 {
	dy := math.Float32frombits(binary.LittleEndian.Uint32(yb))
	d := kqHalf(xb[0:]) * dy
	dmin := kqHalf(xb[2:]) * dy
	sc, mn := kqScalesMins(xb[4:16])
	bp := kqBsumPairs(yb)
	var sumMin int32
	for j := 0; j < 8; j++ {
		sumMin += mn[j] * bp[j]
	}
	var sumi int32
	for j := 0; j < 4; j++ {
		q := (*[32]byte)(xb[16+32*j:])
		a := (*[64]byte)(yb[kqQ8KQsOff+64*j:])
		var s0, s1 int32
		for l := 0; l < 32; l++ {
			s0 += int32(q[l]&15) * int32(int8(a[l]))
			s1 += int32(q[l]>>4) * int32(int8(a[32+l]))
		}
		sumi += sc[2*j]*s0 + sc[2*j+1]*s1
	}
	return d*float32(sumi) - dmin*float32(sumMin)
}

// tileQ4KQ8KGeneric is the Go twin of the q4_K·q8_K tile: each weight block
// is decoded once into bytes and then multiplied with all columns.
func tileQ4KQ8KGeneric(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	const rows, cols = Q4KTileRows, Q4KTileCols
	nb := kqCheckTile("tile q4_K·q8_K", n, x, xStride, y, yStride, dst, dstStride, rows, cols, kqQ4KBytes)
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
			xb := x[r*xStride+i*kqQ4KBytes : r*xStride+i*kqQ4KBytes+kqQ4KBytes]
			d, dmin := kqHalf(xb[0:]), kqHalf(xb[2:])
			sc, mn := kqScalesMins(xb[4:16])
			for j := 0; j < 4; j++ {
				qs := (*[32]byte)(xb[16+32*j:])
				for l := 0; l < 32; l++ {
					q[64*j+l] = qs[l] & 15
					q[64*j+32+l] = qs[l] >> 4
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
