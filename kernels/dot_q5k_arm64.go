//go:build !noasm

package kernels

// Assembly in dot_q5k_arm64.s. x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ5KNEON(x, y *byte, nb int) float32

//go:noescape
func dotQ5KDotProd(x, y *byte, nb int) float32

var (
	dotQ5KQ8K, dotQ5KImpl   = pickDotQ5K()
	tileQ5KQ8K, tileQ5KImpl = pickTileQ5K()
)

// pickTileQ5K returns the tile for this CPU. With NEON there is none: the
// assembly dot product beats the Go twin of the tile by far, so the matmul
// driver should use the dot product column by column.
func pickTileQ5K() (TileFunc, string) {
	switch {
	case hasDotProd:
		return nil, "none (dotprod dot)"
	case hasNEON:
		return nil, "none (neon dot)"
	}
	return tileQ5KQ8KGeneric, "go"
}

func pickDotQ5K() (VecDotFunc, string) {
	switch {
	case hasDotProd:
		return dotQ5KQ8KDotProd, "dotprod"
	case hasNEON:
		return dotQ5KQ8KNEON, "neon"
	}
	return dotQ5KQ8KGeneric, "go"
}

// dotQ5KQ8KDotProd is the dotprod (SDOT) q5_K·q8_K dot product.
func dotQ5KQ8KDotProd(n int, x, y []byte) float32 {
	nb := kqCheck("dot q5_K·q8_K", n, x, y, kqQ5KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ5KDotProd(&x[0], &y[0], nb)
}

// dotQ5KQ8KNEON is the NEON q5_K·q8_K dot product.
func dotQ5KQ8KNEON(n int, x, y []byte) float32 {
	nb := kqCheck("dot q5_K·q8_K", n, x, y, kqQ5KBytes, kqQ8KBytes)
	if nb == 0 {
		return 0
	}
	return dotQ5KNEON(&x[0], &y[0], nb)
}
