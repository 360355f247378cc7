//go:build !noasm

package kernels

import "github.com/gollm/gollm/quant"

// The arm64 strip kernels of the row-interleaved layout, for CPUs with the
// dotprod extension (SDOT): q8_0 and q4_0 in repack_arm64.s, q4_K, q5_K
// and q6_K in repack_kquant_arm64.s. Without
// dotprod there is no strip kernel worth using: r16Fast is false, Repack
// declines and the driver keeps the plain layout. The packer (NEON) is in
// repack_arm64.s too.

// r16GemmQ8_0DotProd is the q8_0 core: for c < cols and r < 16,
// dst[c·dstStride + r] gets (accumulate = 0) or adds the dot product of row
// r of the nb blocks of q8_0 words at w (their fp16 scales at sc, 32 bytes
// per block) with the activation column at y + c·yStride. cols ≥ 1,
// nb ≥ 1.
//
//go:noescape
func r16GemmQ8_0DotProd(w, sc *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

// r16DecodeQ4_0 writes the words of nb q4_0 blocks of a strip at src as
// q8_0 words of signed bytes (512 bytes per block) to dst.
//
//go:noescape
func r16DecodeQ4_0(dst, src *byte, nb int)

// r16DecodeQ4KDotProd, r16DecodeQ5KDotProd and r16DecodeQ6KDotProd write
// nb blocks of a strip (words at src; q6_K's fp16 scales at sc) to dst in
// the decoded layout of repack_kquant_arm64.s, r16KQDecoded bytes per
// block. nb ≥ 1.
//
//go:noescape
func r16DecodeQ4KDotProd(dst, src *byte, nb int)

//go:noescape
func r16DecodeQ5KDotProd(dst, src *byte, nb int)

//go:noescape
func r16DecodeQ6KDotProd(dst, src, sc *byte, nb int)

// r16GemmKQ32DotProd (q4_K, q5_K) and r16GemmKQ16DotProd (q6_K) add, for
// c < cols and r < 16, the dot product of row r of the nb decoded blocks at
// buf with the q8_K column at y + c·yStride to dst[c·dstStride + r].
// cols ≥ 1, nb ≥ 1.
//
//go:noescape
func r16GemmKQ32DotProd(buf *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride int)

//go:noescape
func r16GemmKQ16DotProd(buf *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride int)

// r16KQDecoded is the size of one decoded k-quant block.
const r16KQDecoded = 5184

// r16ChunkKQ is the most k-quant blocks decoded at a time: about 20 KiB,
// which stay in the first-level cache while every pair of columns reads
// them. The buffer takes a chunk of decoded q4_0 blocks too.
const r16ChunkKQ = 4

var _ [r16ChunkKQ*r16KQDecoded - r16ChunkQ8*512]struct{} // q4_0's chunk fits

// r16PackNEON writes the strip of the 16 rows at src (srcStride bytes
// apart, nb ≥ 1 blocks of blockBytes each): the dwords words (a multiple of
// 4) from byte dwordOff of each block transposed, then the fp16 scales at
// half0 and half1 (−1: none).
//
//go:noescape
func r16PackNEON(dst, src *byte, srcStride, nb, blockBytes, dwordOff, dwords, half0, half1 int)

// r16Fast says whether this CPU runs the row-interleaved kernels.
var r16Fast = hasDotProd

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
	if hasDotProd && r16AsmTypes[t] {
		impls = append(impls, r16Impl{"dotprod", r16GemmDotProd})
	}
	return impls
}

// r16AsmTypes are the types with an assembly strip kernel.
var r16AsmTypes = map[quant.Type]bool{quant.Q4K: true, quant.Q5K: true, quant.Q6K: true, quant.Q8_0: true, quant.Q4_0: true}

// r16AsmType says whether type t has an assembly strip kernel.
func r16AsmType(t quant.Type) bool { return r16AsmTypes[t] }

// r16AsmName names the strip kernel r16Gemm runs for type t.
func r16AsmName(t quant.Type) string {
	if !r16Fast || !r16AsmTypes[t] {
		return "none (plain tiles)"
	}
	return "dotprod"
}

// r16Pack packs a strip of 16 whole rows (see r16PackGeneric).
func r16Pack(f *r16Format, dst, src []byte, srcStride, nb int) {
	if !hasNEON || nb == 0 || f.dwords%4 != 0 {
		r16PackGeneric(f, dst, src, srcStride, nb, r16Rows)
		return
	}
	r16PackAsm(f, dst, src, srcStride, nb)
}

// r16PackAsm checks the buffers and runs the NEON packer.
func r16PackAsm(f *r16Format, dst, src []byte, srcStride, nb int) {
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
	r16PackNEON(&dst[0], &src[0], srcStride, nb, f.blockBytes, f.dwordOff, f.dwords, h0, h1)
}

// r16Gemm runs the strip kernel of f's type (see r16GemmGeneric).
func r16Gemm(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	if !r16Fast || !r16AsmTypes[f.typ] {
		r16GemmGeneric(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
		return
	}
	r16GemmDotProd(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
}

// r16ChunkQ8 is the most q8_0 blocks (512 bytes of words each) one call of
// the q8_0 core takes: 16 KiB of words, which stay in the first-level
// cache while every pair of columns reads them.
const r16ChunkQ8 = 32

// r16GemmDotProd checks the buffers and runs the dotprod kernel of f's
// type over chunks of blocks.
func r16GemmDotProd(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
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
	words := nb * 64 * f.dwords             // the scales follow the words
	var buf [r16ChunkKQ * r16KQDecoded]byte // decoded blocks (q4_0, k-quants)
	switch f.typ {
	case quant.Q8_0:
		for b0 := 0; b0 < nb; b0 += r16ChunkQ8 {
			n := min(r16ChunkQ8, nb-b0)
			r16GemmQ8_0DotProd(&strip[b0*512], &strip[words+32*b0], n, &y[b0*bytesQ8_0], yStride, cols, &dst[0], dstStride, acc)
			acc = 1
		}
	case quant.Q4_0:
		for b0 := 0; b0 < nb; b0 += r16ChunkQ8 {
			n := min(r16ChunkQ8, nb-b0)
			r16DecodeQ4_0(&buf[0], &strip[b0*256], n)
			r16GemmQ8_0DotProd(&buf[0], &strip[words+32*b0], n, &y[b0*bytesQ8_0], yStride, cols, &dst[0], dstStride, acc)
			acc = 1
		}
	case quant.Q4K, quant.Q5K, quant.Q6K:
		if !accumulate {
			for c := 0; c < cols; c++ {
				clear(dst[c*dstStride : c*dstStride+r16Rows])
			}
		}
		blockWords := 64 * f.dwords
		for b0 := 0; b0 < nb; b0 += r16ChunkKQ {
			n := min(r16ChunkKQ, nb-b0)
			yb := &y[b0*bytesQ8K]
			switch f.typ {
			case quant.Q4K:
				r16DecodeQ4KDotProd(&buf[0], &strip[b0*blockWords], n)
				r16GemmKQ32DotProd(&buf[0], n, yb, yStride, cols, &dst[0], dstStride)
			case quant.Q5K:
				r16DecodeQ5KDotProd(&buf[0], &strip[b0*blockWords], n)
				r16GemmKQ32DotProd(&buf[0], n, yb, yStride, cols, &dst[0], dstStride)
			case quant.Q6K:
				r16DecodeQ6KDotProd(&buf[0], &strip[b0*blockWords], &strip[words+32*b0], n)
				r16GemmKQ16DotProd(&buf[0], n, yb, yStride, cols, &dst[0], dstStride)
			}
		}
	default:
		panic("kernels: no r16 kernel for " + f.typ.String())
	}
}

// r16X2 says whether r16Gemm2 has a two-strip kernel for type t: not on
// arm64, where the drivers run one strip at a time.
func r16X2(quant.Type) bool { return false }

// r16Impl2 names one implementation of a two-strip kernel (for tests).
type r16Impl2 struct {
	name string
	f    func(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool)
}

// r16Impls2 lists the two-strip kernels: the Go twin only.
func r16Impls2(quant.Type) []r16Impl2 { return []r16Impl2{{"go", r16Gemm2Generic}} }

// r16Gemm2 runs the one-strip kernel on each of two strips (see
// r16Gemm2Generic).
func r16Gemm2(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Check2(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride)
	r16Gemm(f, strips, nb, y, yStride, cols, dst, dstStride, accumulate)
	r16Gemm(f, strips[stripStride:], nb, y, yStride, cols, dst[r16Rows:], dstStride, accumulate)
}
