//go:build !noasm

package kernels

// Assembly in dot_q6k_arm64.s. x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ6KNEON(x, y *byte, nb int) float32

//go:noescape
func dotQ6KDotProd(x, y *byte, nb int) float32

var (
	dotQ6KQ8K, dotQ6KImpl   = pickDotQ6K()
	tileQ6KQ8K, tileQ6KImpl = pickTileQ6K()
)

// pickTileQ6K returns the tile for this CPU. With NEON there is none: the
// assembly dot product beats the Go twin of the tile by far, so the matmul
// driver should use the dot product column by column.
func pickTileQ6K() (TileFunc, string) {
	switch {
	case hasDotProd:
		return nil, "none (dotprod dot)"
	case hasNEON:
		return nil, "none (neon dot)"
	}
	return tileQ6KQ8KGeneric, "go"
}

func pickDotQ6K() (VecDotFunc, string) {
	switch {
	case hasDotProd:
		return dotQ6KQ8KDotProd, "dotprod"
	case hasNEON:
		return dotQ6KQ8KNEON, "neon"
	}
	return dotQ6KQ8KGeneric, "go"
}

// dotQ6KQ8KDotProd is the dotprod (SDOT) q6_K·q8_K dot product.
func dotQ6KQ8KDotProd(n int, x, y []byte) float32 {
	nb := kqCheck("dot q6_K·q8_K", n, x, y, kqQ6KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ6KDotProd(&x[0], &y[0], nb)
}

// dotQ6KQ8KNEON is the NEON q6_K·q8_K dot product.
func dotQ6KQ8KNEON(n int, x, y []byte) float32 {
	nb := kqCheck("dot q6_K·q8_K", n, x, y, kqQ6KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ6KNEON(&x[0], &y[0], nb)
}
