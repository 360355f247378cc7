//go:build noasm || !(amd64 || arm64)

package kernels

var (
	quantizeQ8_0 FromFloatFunc = quantizeQ8_0Generic
	quantizeQ8_1 FromFloatFunc = quantizeQ8_1Generic
	quantizeQ8K  FromFloatFunc = quantizeQ8KGeneric

	quantizeQ8_0Impl = "go"
	quantizeQ8_1Impl = "go"
	quantizeQ8KImpl  = "go"
)

func quantizeQ8_0Impls() []fromFloatImpl { return []fromFloatImpl{{"go", quantizeQ8_0Generic}} }
func quantizeQ8_1Impls() []fromFloatImpl { return []fromFloatImpl{{"go", quantizeQ8_1Generic}} }
func quantizeQ8KImpls() []fromFloatImpl  { return []fromFloatImpl{{"go", quantizeQ8KGeneric}} }
