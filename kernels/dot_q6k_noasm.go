//go:build noasm || !(amd64 || arm64)

package kernels

// Without assembly the Go twins serve.
var (
	dotQ6KQ8K, dotQ6KImpl   = dotQ6KQ8KGeneric, "go"
	tileQ6KQ8K, tileQ6KImpl = tileQ6KQ8KGeneric, "go"
)
