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
	tileQ4_0, tileQ4_0Rows, tileQ4_0Cols, tileQ4_0Impl = pickTile(tileQ4_0Impls())
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

// tileQ4_0Impls lists the q4_0·q8_0 tiles this CPU can run. The assembly
// ones compute each output with the assembly dot product.
func tileQ4_0Impls() []tileImpl {
	impls := []tileImpl{{"go", genericTile(dotQ4_0Generic, 4, 4), 4, 4}}
	if hasNEON {
		impls = append(impls, tileImpl{"neon", genericTile(dotQ4_0NEON, 4, 4), 4, 4})
	}
	if hasDotProd {
		impls = append(impls, tileImpl{"dotprod", genericTile(dotQ4_0DotProd, 4, 4), 4, 4})
	}
	return impls
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
