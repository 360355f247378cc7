//go:build !noasm

package kernels

// Assembly in dot_q4k_amd64.s. x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ4KVNNI(x, y *byte, nb int) float32

//go:noescape
func dotQ4KAVX2(x, y *byte, nb int) float32

//go:noescape
func tileQ4KVNNI(x *byte, xStride int, y *byte, yStride int, nb int, dst *float32, dstStride int)

var (
	dotQ4KQ8K, dotQ4KImpl   = pickDotQ4K()
	tileQ4KQ8K, tileQ4KImpl = pickTileQ4K()
)

// pickTileQ4K returns the tile for this CPU. With AVX2 alone there is none:
// the AVX2 dot product beats the Go twin of the tile by far, so the matmul
// driver should use the dot product column by column.
func pickTileQ4K() (TileFunc, string) {
	switch {
	case hasVNNI:
		return tileQ4KQ8KVNNI, "avx512vnni"
	case hasAVX2:
		return nil, "none (avx2 dot)"
	}
	return tileQ4KQ8KGeneric, "go"
}

// tileQ4KQ8KVNNI is the AVX-512 VNNI q4_K·q8_K tile.
func tileQ4KQ8KVNNI(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	nb := kqCheckTile("tile q4_K·q8_K", n, x, xStride, y, yStride, dst, dstStride, Q4KTileRows, Q4KTileCols, kqQ4KBytes)
	if nb == 0 {
		kqZeroTile(dst, dstStride, Q4KTileRows, Q4KTileCols)
		return
	}
	tileQ4KVNNI(&x[0], xStride, &y[0], yStride, nb, &dst[0], dstStride)
}

func pickDotQ4K() (VecDotFunc, string) {
	switch {
	case hasVNNI:
		return dotQ4KQ8KVNNI, "avx512vnni"
	case hasAVX2:
		return dotQ4KQ8KAVX2, "avx2"
	}
	return dotQ4KQ8KGeneric, "go"
}

// dotQ4KQ8KVNNI is the AVX-512 VNNI q4_K·q8_K dot product.
func dotQ4KQ8KVNNI(n int, x, y []byte) float32 {
	nb := kqCheck("dot q4_K·q8_K", n, x, y, kqQ4KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ4KVNNI(&x[0], &y[0], nb)
}

// dotQ4KQ8KAVX2 is the AVX2 q4_K·q8_K dot product.
func dotQ4KQ8KAVX2(n int, x, y []byte) float32 {
	nb := kqCheck("dot q4_K·q8_K", n, x, y, kqQ4KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ4KAVX2(&x[0], &y[0], nb)
}
