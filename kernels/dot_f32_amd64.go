//go:build !noasm

package kernels

// The assembly f32·f32 dot products of dot_f32_amd64.s
// (AVX2+FMA; AVX-512F with 512-bit vectors).

//go:noescape
func dotF32AVX2(n int, x, y []byte) float32

//go:noescape
func dotF32AVX512(n int, x, y []byte) float32

var (
	dotF32, dotF32Impl = pickDot(dotF32Impls())
)

// dotF32Impls lists the f32·f32 dot products this CPU can run.
func dotF32Impls() []dotImpl {
	impls := []dotImpl{{"go", dotF32Generic}}
	if hasAVX2 {
		impls = append(impls, dotImpl{"avx2", dotF32AVX2})
	}
	if hasAVX512 {
		impls = append(impls, dotImpl{"avx512", dotF32AVX512})
	}
	return impls
}
