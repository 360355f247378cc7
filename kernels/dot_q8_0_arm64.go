//go:build !noasm

package kernels

// The arm64 q8_0·q8_0 dot products of dot_q8_0_arm64.s: plain NEON
// (SMULL, SADALP) and dotprod (SDOT). x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ8_0NEONAsm(x, y *byte, nb int) float32

//go:noescape
func dotQ8_0DotProdAsm(x, y *byte, nb int) float32

var (
	dotQ8_0, dotQ8_0Impl                               = pickDot(dotQ8_0Impls())
	tileQ8_0, tileQ8_0Rows, tileQ8_0Cols, tileQ8_0Impl = genericTile(dotQ8_0, 4, 4), 4, 4, "none"
)

// dotQ8_0Impls lists the q8_0·q8_0 dot products this CPU can run.
func dotQ8_0Impls() []dotImpl {
	impls := []dotImpl{{"go", dotQ8_0Generic}}
	if hasNEON {
		impls = append(impls, dotImpl{"neon", dotQ8_0NEON})
	}
	if hasDotProd {
		impls = append(impls, dotImpl{"dotprod", dotQ8_0DotProd})
	}
	return impls
}

// tileQ8_0Impls lists the q8_0 tiles this CPU can run: on arm64 only the
// Go twin. There is no arm64 tile; tileQ8_0 above is a tile of the chosen
// dot product under the name "none", which keeps the exported tile working
// while the kernel table registers no tile and the matmul driver calls the
// assembly dot product directly.
func tileQ8_0Impls() []tileImpl {
	return []tileImpl{{"go", genericTile(dotQ8_0Generic, 4, 4), 4, 4}}
}

// q8Blocks returns the number of 32-element blocks of n, panicking with a
// clear message when x and y do not hold them (the assembly reads exactly
// nb·xb and nb·yb bytes).
func q8Blocks(name string, n int, x, y []byte, xb, yb int) int {
	if n < 0 || n%32 != 0 {
		panic("kernels: " + name + ": n is not a multiple of 32")
	}
	nb := n / 32
	if len(x) < nb*xb || len(y) < nb*yb {
		panic("kernels: " + name + ": row shorter than n elements")
	}
	return nb
}

// dotQ8_0NEON is the NEON q8_0·q8_0 dot product.
func dotQ8_0NEON(n int, x, y []byte) float32 {
	nb := q8Blocks("dot q8_0·q8_0", n, x, y, bytesQ8_0, bytesQ8_0)
	if nb == 0 {
		return 0
	}
	return dotQ8_0NEONAsm(&x[0], &y[0], nb)
}

// dotQ8_0DotProd is the dotprod (SDOT) q8_0·q8_0 dot product.
func dotQ8_0DotProd(n int, x, y []byte) float32 {
	nb := q8Blocks("dot q8_0·q8_0", n, x, y, bytesQ8_0, bytesQ8_0)
	if nb == 0 {
		return 0
	}
	return dotQ8_0DotProdAsm(&x[0], &y[0], nb)
}
