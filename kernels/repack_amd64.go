//go:build !noasm

package kernels

import "github.com/gollm/gollm/quant"

// Assembly in repack_amd64.s (the packer, q8_0 and q4_0) and
// repack_kquant_amd64.s (q4_K, q5_K, q6_K).

// r16PackAVX512 writes the strip of the 16 rows at src (srcStride bytes
// apart, nb blocks of blockBytes each): the dwords words from byte dwordOff
// of each block transposed, then the fp16 scales at half0 and half1 (−1:
// none).
//
//go:noescape
func r16PackAVX512(dst, src *byte, srcStride, nb, blockBytes, dwordOff, dwords, half0, half1 int)

// The strip kernels: for c < cols and r < 16, dst[c·dstStride + r] gets
// (accumulate = 0) or adds the dot product of row r of the strip at w (nb
// blocks) with the activation column at y + c·yStride. cols ≥ 1, nb ≥ 1.
//
//go:noescape
func r16GemmQ4KVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ5KVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ8_0VNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ4_0VNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

// r16GemmQ6KVNNI takes at most r16MaxCols columns.
//
//go:noescape
func r16GemmQ6KVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

// r16Fast says whether this CPU runs the row-interleaved kernels.
var r16Fast = hasVNNI

// r16Impl names one implementation of a strip kernel (for tests and
// benchmarks).
type r16Impl struct {
	name string
	f    func(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool)
}

// r16Impls lists the strip kernels of type t this CPU runs, the Go twin
// first.
func r16Impls(t quant.Type) []r16Impl {
	impls := []r16Impl{{"go", r16GemmGeneric}}
	if hasVNNI && r16AsmTypes[t] {
		impls = append(impls, r16Impl{"avx512vnni", r16GemmVNNI})
	}
	return impls
}

// r16AsmTypes are the types with an assembly strip kernel.
var r16AsmTypes = map[quant.Type]bool{quant.Q4K: true, quant.Q5K: true, quant.Q6K: true, quant.Q8_0: true, quant.Q4_0: true}

// r16AsmType says whether type t has an assembly strip kernel.
func r16AsmType(t quant.Type) bool { return r16AsmTypes[t] }

// r16Pack packs a strip of 16 whole rows (see r16PackGeneric).
func r16Pack(f *r16Format, dst, src []byte, srcStride, nb int) {
	if !hasAVX512 || nb == 0 {
		r16PackGeneric(f, dst, src, srcStride, nb, r16Rows)
		return
	}
	if len(dst) < f.stripBytes(nb) || srcStride < nb*f.blockBytes || len(src) < (r16Rows-1)*srcStride+nb*f.blockBytes {
		panic("kernels: r16 pack: strip does not fit its buffers")
	}
	h0, h1 := -1, -1
	if len(f.halves) > 0 {
		h0 = f.halves[0]
	}
	if len(f.halves) > 1 {
		h1 = f.halves[1]
	}
	r16PackAVX512(&dst[0], &src[0], srcStride, nb, f.blockBytes, f.dwordOff, f.dwords, h0, h1)
}

// r16Gemm runs the strip kernel of f's type (see r16GemmGeneric).
func r16Gemm(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	if !r16Fast || !r16AsmTypes[f.typ] {
		r16GemmGeneric(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
		return
	}
	r16GemmVNNI(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
}

// r16GemmVNNI checks the buffers and calls the assembly kernel of f's type.
func r16GemmVNNI(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Check(f, strip, nb, y, yStride, cols, dst, dstStride)
	if cols == 0 {
		return
	}
	if nb == 0 {
		if !accumulate {
			for c := 0; c < cols; c++ {
				clear(dst[c*dstStride : c*dstStride+r16Rows])
			}
		}
		return
	}
	acc := 0
	if accumulate {
		acc = 1
	}
	switch f.typ {
	case quant.Q4K:
		r16GemmQ4KVNNI(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
	case quant.Q5K:
		r16GemmQ5KVNNI(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
	case quant.Q8_0:
		r16GemmQ8_0VNNI(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
	case quant.Q4_0:
		r16GemmQ4_0VNNI(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
	case quant.Q6K:
		for c0 := 0; c0 < cols; c0 += r16MaxCols {
			n := min(r16MaxCols, cols-c0)
			r16GemmQ6KVNNI(&strip[0], nb, &y[c0*yStride], yStride, n, &dst[c0*dstStride], dstStride, acc)
		}
	default:
		panic("kernels: no r16 kernel for " + f.typ.String())
	}
}
