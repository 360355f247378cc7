//go:build !noasm

package kernels

// Assembly in dot_q4k_arm64.s. x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ4KNEON(x, y *byte, nb int) float32

//go:noescape
func dotQ4KDotProd(x, y *byte, nb int) float32

var (
	dotQ4KQ8K, dotQ4KImpl   = pickDotQ4K()
	tileQ4KQ8K, tileQ4KImpl = pickTileQ4K()
)

// pickTileQ4K returns the tile for this CPU. With NEON there is none: the
// assembly dot product beats the Go twin of the tile by far, so the matmul
// driver should use the dot product column by column.
func pickTileQ4K() (TileFunc, string) {
	switch {
	case hasDotProd:
		return nil, "none (dotprod dot)"
	case hasNEON:
		return nil, "none (neon dot)"
	}
	return tileQ4KQ8KGeneric, "go"
}

func pickDotQ4K() (VecDotFunc, string) {
	switch {
	case hasDotProd:
		return dotQ4KQ8KDotProd, "dotprod"
	case hasNEON:
		return dotQ4KQ8KNEON, "neon"
	}
	return dotQ4KQ8KGeneric, "go"
}

// dotQ4KQ8KDotProd is the dotprod (SDOT) q4_K·q8_K dot product.
func dotQ4KQ8KDotProd(n int, x, y []byte) float32 {
	nb := kqCheck("dot q4_K·q8_K", n, x, y, kqQ4KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ4KDotProd(&x[0], &y[0], nb)
}

// dotQ4KQ8KNEON is the NEON q4_K·q8_K dot product.
func dotQ4KQ8KNEON(n int, x, y []byte) float32 {
	nb := kqCheck("dot q4_K·q8_K", n, x, y, kqQ4KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ4KNEON(&x[0], &y[0], nb)
}
