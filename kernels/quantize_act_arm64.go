//go:build !noasm

package kernels

var (
	quantizeQ8_0, quantizeQ8_0Impl = pickFromFloat(quantizeQ8_0Impls())
	quantizeQ8_1, quantizeQ8_1Impl = pickFromFloat(quantizeQ8_1Impls())
	quantizeQ8K, quantizeQ8KImpl   = pickFromFloat(quantizeQ8KImpls())
)

func quantizeQ8_0Impls() []fromFloatImpl { return []fromFloatImpl{{"go", quantizeQ8_0Generic}} }
func quantizeQ8_1Impls() []fromFloatImpl { return []fromFloatImpl{{"go", quantizeQ8_1Generic}} }
func quantizeQ8KImpls() []fromFloatImpl  { return []fromFloatImpl{{"go", quantizeQ8KGeneric}} }
