//go:build !noasm

package kernels

// Assembly in dot_q5k_amd64.s. x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ5KVNNI(x, y *byte, nb int) float32

//go:noescape
func dotQ5KAVX2(x, y *byte, nb int) float32

//go:noescape
func tileQ5KVNNI(x *byte, xStride int, y *byte, yStride int, nb int, dst *float32, dstStride int)

var (
	dotQ5KQ8K, dotQ5KImpl   = pickDotQ5K()
	tileQ5KQ8K, tileQ5KImpl = pickTileQ5K()
)

// pickTileQ5K returns the tile for this CPU. With AVX2 alone there is none:
// the AVX2 dot product beats the Go twin of the tile by far, so the matmul
// driver should use the dot product column by column.
func pickTileQ5K() (TileFunc, string) {
	switch {
	case hasVNNI:
		return tileQ5KQ8KVNNI, "avx512vnni"
	case hasAVX2:
		return nil, "none (avx2 dot)"
	}
	return tileQ5KQ8KGeneric, "go"
}

// tileQ5KQ8KVNNI is the AVX-512 VNNI q5_K·q8_K tile.
func tileQ5KQ8KVNNI(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int) {
	nb := kqCheckTile("tile q5_K·q8_K", n, x, xStride, y, yStride, dst, dstStride, Q5KTileRows, Q5KTileCols, kqQ5KBytes)
	if nb == 0 {
		kqZeroTile(dst, dstStride, Q5KTileRows, Q5KTileCols)
		return
	}
	tileQ5KVNNI(&x[0], xStride, &y[0], yStride, nb, &dst[0], dstStride)
}

func pickDotQ5K() (VecDotFunc, string) {
	switch {
	case hasVNNI:
		return dotQ5KQ8KVNNI, "avx512vnni"
	case hasAVX2:
		return dotQ5KQ8KAVX2, "avx2"
	}
	return dotQ5KQ8KGeneric, "go"
}

// dotQ5KQ8KVNNI is the AVX-512 VNNI q5_K·q8_K dot product.
func dotQ5KQ8KVNNI(n int, x, y []byte) float32 {
	nb := kqCheck("dot q5_K·q8_K", n, x, y, kqQ5KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ5KVNNI(&x[0], &y[0], nb)
}

// dotQ5KQ8KAVX2 is the AVX2 q5_K·q8_K dot product.
func dotQ5KQ8KAVX2(n int, x, y []byte) float32 {
	nb := kqCheck("dot q5_K·q8_K", n, x, y, kqQ5KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ5KAVX2(&x[0], &y[0], nb)
}
