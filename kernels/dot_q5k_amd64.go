//go:build !noasm

package kernels

var (
	dotQ5KQ8K, dotQ5KImpl   = dotQ5KQ8KGeneric, "go"
	tileQ5KQ8K, tileQ5KImpl = tileQ5KQ8KGeneric, "go"
)
