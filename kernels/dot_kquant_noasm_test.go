//go:build noasm || !amd64

package kernels

import (
	"testing"

	"github.com/gollm/gollm/quant"
)

// Without assembly the Go twins are the only implementations.
func kqArchDotPaths(tb testing.TB, t quant.Type) []kqDotPath   { return nil }
func kqArchTilePaths(tb testing.TB, t quant.Type) []kqTilePath { return nil }
