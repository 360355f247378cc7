//go:build noasm || !amd64

package kernels

var (
	dotF32     VecDotFunc = dotF32Generic
	dotF32Impl            = "go"
)

func dotF32Impls() []dotImpl { return []dotImpl{{"go", dotF32Generic}} }
