//go:build noasm || !amd64

package kernels

var (
	dotF16     VecDotFunc = dotF16Generic
	dotF16Impl            = "go"
)

func dotF16Impls() []dotImpl { return []dotImpl{{"go", dotF16Generic}} }
