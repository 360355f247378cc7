//go:build !noasm

package kernels

// The AVX2 activation quantizers of quantize_act_amd64.s.

//go:noescape
func quantizeQ8_0AVX2(dst []byte, src []float32)

//go:noescape
func quantizeQ8_1AVX2(dst []byte, src []float32)

//go:noescape
func quantizeQ8KAVX2(dst []byte, src []float32)

var (
	quantizeQ8_0, quantizeQ8_0Impl = pickFromFloat(quantizeQ8_0Impls())
	quantizeQ8_1, quantizeQ8_1Impl = pickFromFloat(quantizeQ8_1Impls())
	quantizeQ8K, quantizeQ8KImpl   = pickFromFloat(quantizeQ8KImpls())
)

func quantizeQ8_0Impls() []fromFloatImpl {
	return withAVX2(fromFloatImpl{"go", quantizeQ8_0Generic}, quantizeQ8_0AVX2)
}

func quantizeQ8_1Impls() []fromFloatImpl {
	return withAVX2(fromFloatImpl{"go", quantizeQ8_1Generic}, quantizeQ8_1AVX2)
}

func quantizeQ8KImpls() []fromFloatImpl {
	return withAVX2(fromFloatImpl{"go", quantizeQ8KGeneric}, quantizeQ8KAVX2)
}

func withAVX2(twin fromFloatImpl, avx2 FromFloatFunc) []fromFloatImpl {
	impls := []fromFloatImpl{twin}
	if hasAVX2 {
		impls = append(impls, fromFloatImpl{"avx2", avx2})
	}
	return impls
}
