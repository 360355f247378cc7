//go:build amd64 && !noasm

package kernels

import (
	"testing"

	"github.com/gollm/gollm/quant"
)

func kqArchDotPaths(tb testing.TB, t quant.Type) []kqDotPath   { return nil }
func kqArchTilePaths(tb testing.TB, t quant.Type) []kqTilePath { return nil }
