//go:build !noasm

package kernels

// Assembly in dot_q6k_amd64.s. x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ6KVNNI(x, y *byte, nb int) float32

//go:noescape
func dotQ6KAVX2(x, y *byte, nb int) float32

//go:noescape
func tileQ6KVNNI(x *byte, xStride int, y *byte, yStride int, nb int, dst *float32, dstStride int)

var (
	dotQ6KQ8K, dotQ6KImpl   = pickDotQ6K()
	tileQ6KQ8K, tileQ6KImpl = pickTileQ6K()
)

// pickTileQ6K returns the tile for this CPU. With AVX2 alone there is none:
// the AVX2 dot product beats the Go twin of the tile by far, so the matmul
// driver should use the dot product column by column.
func pickTileQ6K() (TileFunc, string) {
	switch {
	case hasVNNI:
		return tileQ6KQ8KVNNI, "avx512vnni"
	case hasAVX2:
		return nil, "none (avx2 dot)"
	}
	return tileQ6KQ8KGeneric, "go"
}

// tileQ6KQ8KVNNI is the AVX-512 VNNI q6_K·q8_K tile.
func tileQ6KQ8KVNNI(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	nb := kqCheckTile("tile q6_K·q8_K", n, x, xStride, y, yStride, dst, dstStride, Q6KTileRows, Q6KTileCols, kqQ6KBytes)
	if nb == 0 {
		kqZeroTile(dst, dstStride, Q6KTileRows, Q6KTileCols)
		return
	}
	tileQ6KVNNI(&x[0], xStride, &y[0], yStride, nb, &dst[0], dstStride)
}

func pickDotQ6K() (VecDotFunc, string) {
	switch {
	case hasVNNI:
		return dotQ6KQ8KVNNI, "avx512vnni"
	case hasAVX2:
		return dotQ6KQ8KAVX2, "avx2"
	}
	return dotQ6KQ8KGeneric, "go"
}

// dotQ6KQ8KVNNI is the AVX-512 VNNI q6_K·q8_K dot product.
func dotQ6KQ8KVNNI(n int, x, y []byte) float32 {
	nb := kqCheck("dot q6_K·q8_K", n, x, y, kqQ6KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ6KVNNI(&x[0], &y[0], nb)
}

// dotQ6KQ8KAVX2 is the AVX2 q6_K·q8_K dot product.
func dotQ6KQ8KAVX2(n int, x, y []byte) float32 {
	nb := kqCheck("dot q6_K·q8_K", n, x, y, kqQ6KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ6KAVX2(&x[0], &y[0], nb)
}
