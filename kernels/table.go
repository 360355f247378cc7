package kernels

import (
	"fmt"

	"github.com/gollm/gollm/quant"
)

// VecDotFunc computes the dot product of n elements: x is a weight row of
// some type t, y an activation row of t's VecDotType, both n elements long
// (n a multiple of both block sizes).
type VecDotFunc func(n int, x, y []byte) float32

// TileFunc computes a tile of Rows×Cols dot products of n elements at once:
// dst[c*dstStride+r] = dot(x[r*xStride:], y[c*yStride:]) for r < Rows,
// c < Cols. Decoding each weight block once for several activation columns is
// what makes prompt processing compute-bound instead of decode-bound.
type TileFunc func(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)

// FromFloatFunc quantizes len(src) floats (a multiple of the block size)
// into dst.
type FromFloatFunc func(dst []byte, src []float32)

// typeKernels is one row of the kernel table: what the CPU needs to compute
// with one element type.
type typeKernels struct {
	vecDotType quant.Type    // activation type the dot product wants
	vecDot     VecDotFunc    // weight row · activation row
	tile       TileFunc      // optional multi-row × multi-column tile
	tileRows   int           // rows of tile
	tileCols   int           // columns of tile
	fromFloat  FromFloatFunc // set for activation types: f32 → this type
}

// table holds the kernels of every type gollm can compute with, indexed by
// quant.Type. Each type family fills its row from an init function in its
// generic file; the variables it stores were chosen for this CPU during
// package variable initialization, which precedes every init.
var table [64]typeKernels

// setKernels fills the row of t with the non-zero fields of k, so that two
// families can share a row (q8_0 is a weight type, with a dot product and a
// tile, and an activation type, with a quantizer). The dot product and its
// activation type go together, as do a tile and its shape.
func setKernels(t quant.Type, k typeKernels) {
	if int(t) >= len(table) {
		panic(fmt.Sprintf("kernels: type %v out of table", t))
	}
	row := &table[t]
	if k.vecDot != nil {
		row.vecDotType, row.vecDot = k.vecDotType, k.vecDot
	}
	if k.tile != nil {
		if k.tileRows <= 0 || k.tileCols <= 0 {
			panic(fmt.Sprintf("kernels: type %v: tile without a shape", t))
		}
		row.tile, row.tileRows, row.tileCols = k.tile, k.tileRows, k.tileCols
	}
	if k.fromFloat != nil {
		row.fromFloat = k.fromFloat
	}
}

// dotImpl, tileImpl and fromFloatImpl name one implementation of a kernel.
// Each family lists every implementation this CPU can run (the Go twin
// first), so that tests and benchmarks exercise all of them explicitly.
type (
	dotImpl struct {
		name string
		f    VecDotFunc
	}
	tileImpl struct {
		name       string
		f          TileFunc
		rows, cols int
	}
	fromFloatImpl struct {
		name string
		f    FromFloatFunc
	}
)

// VecDotType returns the activation type that weights of type t are
// multiplied with, and false when gollm has no dot product for t.
func VecDotType(t quant.Type) (quant.Type, bool) {
	if int(t) >= len(table) || table[t].vecDot == nil {
		return 0, false
	}
	return table[t].vecDotType, true
}

// VecDot returns the dot-product kernel for weights of type t, or nil.
func VecDot(t quant.Type) VecDotFunc {
	if int(t) >= len(table) {
		return nil
	}
	return table[t].vecDot
}

// Tile returns the tile kernel for weights of type t and its shape, or nil.
func Tile(t quant.Type) (f TileFunc, rows, cols int) {
	if int(t) >= len(table) {
		return nil, 0, 0
	}
	k := &table[t]
	return k.tile, k.tileRows, k.tileCols
}

// FromFloat returns the activation quantizer f32 → t, or nil.
func FromFloat(t quant.Type) FromFloatFunc {
	if int(t) >= len(table) {
		return nil
	}
	return table[t].fromFloat
}

// pickDot returns the last (fastest) of a family's implementations.
func pickDot(impls []dotImpl) (VecDotFunc, string) {
	best := impls[len(impls)-1]
	return best.f, best.name
}

// pickTile returns the last (fastest) of a family's tiles and its shape.
func pickTile(impls []tileImpl) (TileFunc, int, int, string) {
	best := impls[len(impls)-1]
	return best.f, best.rows, best.cols, best.name
}

// pickTileOrDots returns the fastest assembly tile of a family, or, when
// this CPU has none, a tile of the family's best dot product under the
// name "none" (the exported tile functions still work; the kernel table
// then registers no tile and the driver calls the dot product directly).
func pickTileOrDots(impls []tileImpl, dot VecDotFunc) (TileFunc, int, int, string) {
	if len(impls) == 1 {
		r, c := impls[0].rows, impls[0].cols
		return genericTile(dot, r, c), r, c, "none"
	}
	return pickTile(impls)
}

// pickFromFloat returns the last (fastest) of a family's quantizers.
func pickFromFloat(impls []fromFloatImpl) (FromFloatFunc, string) {
	best := impls[len(impls)-1]
	return best.f, best.name
}
