//go:build noasm || !(amd64 || arm64)

package kernels

// Without assembly the Go twins serve.
var (
	dotQ4KQ8K, dotQ4KImpl   = dotQ4KQ8KGeneric, "go"
	tileQ4KQ8K, tileQ4KImpl = tileQ4KQ8KGeneric, "go"
)
