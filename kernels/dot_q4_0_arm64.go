//go:build !noasm

package kernels

// The arm64 q4_0·q8_0 dot products of dot_q4_0_arm64.s: plain NEON
// (SMULL, SMLAL, SADDLP) and dotprod (SDOT). x and y point at nb ≥ 1 whole
// blocks.
//
//go:noescape
func dotQ4_0NEONAsm(x, y *byte, nb int) float32

//go:noescape
func dotQ4_0DotProdAsm(x, y *byte, nb int) float32

var (
	dotQ4_0, dotQ4_0Impl                               = pickDot(dotQ4_0Impls())
	tileQ4_0, tileQ4_0Rows, tileQ4_0Cols, tileQ4_0Impl = genericTile(dotQ4_0, 4, 4), 4, 4, "none"
)

// dotQ4_0Impls lists the q4_0·q8_0 dot products this CPU can run.
func dotQ4_0Impls() []dotImpl {
	impls := []dotImpl{{"go", dotQ4_0Generic}}
	if hasNEON {
		impls = append(impls, dotImpl{"neon", dotQ4_0NEON})
	}
	if hasDotProd {
		impls = append(impls, dotImpl{"dotprod", dotQ4_0DotProd})
	}
	return impls
}

// tileQ4_0Impls lists the q4_0 tiles this CPU can run: on arm64 only the
// Go twin. There is no arm64 tile; tileQ4_0 above is a tile of the chosen
// dot product under the name "none", which keeps the exported tile working
// while the kernel table registers no tile and the matmul driver calls the
// assembly dot product directly.
func tileQ4_0Impls() []tileImpl {
	return []tileImpl{{"go", genericTile(dotQ4_0Generic, 4, 4), 4, 4}}
}

// dotQ4_0NEON is the NEON q4_0·q8_0 dot product.
func dotQ4_0NEON(n int, x, y []byte) float32 {
	nb := q8Blocks("dot q4_0·q8_0", n, x, y, bytesQ4_0, bytesQ8_0)
	if nb == 0 {
		return 0
	}
	return dotQ4_0NEONAsm(&x[0], &y[0], nb)
}

// dotQ4_0DotProd is the dotprod (SDOT) q4_0·q8_0 dot product.
func dotQ4_0DotProd(n int, x, y []byte) float32 {
	nb := q8Blocks("dot q4_0·q8_0", n, x, y, bytesQ4_0, bytesQ8_0)
	if nb == 0 {
		return 0
	}
	return dotQ4_0DotProdAsm(&x[0], &y[0], nb)
}
