//go:build !noasm

package kernels

// The assembly f16·f32 dot products of dot_f16_amd64.s (AVX2+FMA+F16C;
// AVX-512F with 512-bit vectors).

//go:noescape
func dotF16AVX2(n int, x, y []byte) float32

//go:noescape
func dotF16AVX512(n int, x, y []byte) float32

var dotF16, dotF16Impl = pickDot(dotF16Impls())

// dotF16Impls lists the f16·f32 dot products this CPU can run.
func dotF16Impls() []dotImpl {
	impls := []dotImpl{{"go", dotF16Generic}}
	if hasAVX2 {
		impls = append(impls, dotImpl{"avx2", dotF16AVX2})
	}
	if hasAVX2 && hasAVX512 {
		impls = append(impls, dotImpl{"avx512", dotF16AVX512})
	}
	return impls
}
