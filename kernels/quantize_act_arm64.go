//go:build !noasm

package kernels

// The NEON activation quantizers of quantize_act_arm64.s. They take what
// the checked entry points pass: len(src) a multiple of the block size and
// dst long enough.

//go:noescape
func quantizeQ8_0NEON(dst []byte, src []float32)

//go:noescape
func quantizeQ8_1NEON(dst []byte, src []float32)

//go:noescape
func quantizeQ8KNEON(dst []byte, src []float32)

var (
	quantizeQ8_0, quantizeQ8_0Impl = pickFromFloat(quantizeQ8_0Impls())
	quantizeQ8_1, quantizeQ8_1Impl = pickFromFloat(quantizeQ8_1Impls())
	quantizeQ8K, quantizeQ8KImpl   = pickFromFloat(quantizeQ8KImpls())
)

func quantizeQ8_0Impls() []fromFloatImpl {
	return withNEON(fromFloatImpl{"go", quantizeQ8_0Generic}, quantizeQ8_0NEON)
}

func quantizeQ8_1Impls() []fromFloatImpl {
	return withNEON(fromFloatImpl{"go", quantizeQ8_1Generic}, quantizeQ8_1NEON)
}

func quantizeQ8KImpls() []fromFloatImpl {
	return withNEON(fromFloatImpl{"go", quantizeQ8KGeneric}, quantizeQ8KNEON)
}

// withNEON lists the Go twin and, where the CPU has NEON, the assembly.
func withNEON(twin fromFloatImpl, neon FromFloatFunc) []fromFloatImpl {
	impls := []fromFloatImpl{twin}
	if hasNEON {
		impls = append(impls, fromFloatImpl{"neon", neon})
	}
	return impls
}
