//go:build !noasm

package kernels

var (
	dotQ6KQ8K, dotQ6KImpl   = dotQ6KQ8KGeneric, "go"
	tileQ6KQ8K, tileQ6KImpl = tileQ6KQ8KGeneric, "go"
)
