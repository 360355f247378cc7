//go:build !noasm

package kernels

// Assembly in dot_q5k_amd64.s. x and y point at nb ≥ 1 whole blocks.
//
//go:noescape
func dotQ5KVNNI(x, y *byte, nb int) float32

//go:noescape
func dotQ5KAVX2(x, y *byte, nb int) float32

var (
	dotQ5KQ8K, dotQ5KImpl   = pickDotQ5K()
	tileQ5KQ8K, tileQ5KImpl = tileQ5KQ8KGeneric, "go"
)

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
