//go:build noasm || !(amd64 || arm64)

package kernels

// Without assembly the Go twins serve.
var (
	dotQ5KQ8K, dotQ5KImpl   = dotQ5KQ8KGeneric, "go"
	tileQ5KQ8K, tileQ5KImpl = tileQ5KQ8KGeneric, "go"
)
