//go:build !noasm

package kernels

import (
	"github.com/gollm/gollm/quant"
	"github.com/klauspost/cpuid/v2"
)

// AMX-INT8 strip kernels (repack_amx_amd64.s): for q8_0, TDPBSSD on the
// r16 words of a block, which are an AMX B tile as they lie; for q4_K and
// q5_K, TDPBSUD on a chunk's words unpacked to the low and the high
// nibbles' weights; for q6_K (tested, not wired: see r16AMXKernels),
// TDPBSUD per 16-weight sub-block.

// r16GemmQ8_0AMX is r16GemmQ8_0VNNI for groups×16 columns (groups ≥ 1,
// nb ≥ 1, 15·yStride < 2³¹) on a CPU with AMX-TILE and AMX-INT8 whose
// OS has granted this process the tile data state (hasAMX). Its outputs
// are bit for bit those of r16GemmQ8_0VNNI.
//
//go:noescape
func r16GemmQ8_0AMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)

// r16GemmQ4KAMX is r16GemmQ4KVNNI for groups×16 columns (groups ≥ 1,
// nb ≥ 1) on a CPU where hasAMX. Its outputs are bit for bit those of
// r16GemmQ4KVNNI.
//
//go:noescape
func r16GemmQ4KAMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)

// r16GemmQ5KAMX is r16GemmQ5KVNNI for groups×16 columns (groups ≥ 1,
// nb ≥ 1) on a CPU where hasAMX. Its outputs are bit for bit those of
// r16GemmQ5KVNNI.
//
//go:noescape
func r16GemmQ5KAMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)

// r16GemmQ6KAMX is r16GemmQ6KVNNI for groups×16 columns (groups ≥ 1,
// nb ≥ 1) on a CPU where hasAMX. Its outputs are bit for bit those of
// r16GemmQ6KVNNI.
//
//go:noescape
func r16GemmQ6KAMX(w *byte, nb int, y *byte, yStride, groups int, dst *float32, dstStride, accumulate int)

// amxCols is the number of activation columns one AMX tile takes: the AMX
// kernel runs groups of that many, the rest go to the VNNI kernels.
const amxCols = 16

// hasAMX says whether the AMX-INT8 kernel runs: the CPU has AVX-512 VNNI
// (the kernel's float work and the kernel for the other columns),
// AMX-TILE and AMX-INT8, and the OS let this process use the tile data
// (amxRequest, once at init).
var hasAMX = hasVNNI && cpuid.CPU.Supports(cpuid.AMXTILE, cpuid.AMXINT8) && amxRequest()

// r16AMX says whether r16Gemm and r16Gemm2 run the AMX kernels (for the
// r16AMXTypes; hasAMX, unless r16Force is set at link time).
var r16AMX = hasAMX && r16Force == "" && r16KernelLevel == r16LevelAVX512

// r16AMXTypes are the types whose AMX strip kernel r16Gemm runs.
var r16AMXTypes = map[quant.Type]bool{quant.Q8_0: true, quant.Q4K: true, quant.Q5K: true}

// r16AMXKernels are the types with an AMX strip kernel (r16GemmAMX takes
// them; tests and benchmarks run them all). q6_K's is not wired: its
// sub-blocks of 16 weights take 16 TDPBSUD of K = 16 and 16 C tiles per
// super-block, and it measured no faster than the VNNI kernel (1.60
// against 1.47…1.63 cpu-ns per 256 weights per column at 16…64 columns,
// BenchmarkR16).
var r16AMXKernels = map[quant.Type]bool{quant.Q8_0: true, quant.Q4K: true, quant.Q5K: true, quant.Q6K: true}

// r16AMXFit says whether the AMX kernel of type t can take columns
// yStride bytes apart (the q8_0 kernel's gather offsets are 32-bit).
func r16AMXFit(t quant.Type, yStride int) bool {
	return t != quant.Q8_0 || 15*yStride < 1<<31
}

// r16GemmAMX is r16GemmVNNI for the r16AMXKernels types with the AMX kernel for
// whole groups of 16 columns and the VNNI kernel for the rest.
func r16GemmAMX(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Check(f, strip, nb, y, yStride, cols, dst, dstStride)
	if !r16AMXKernels[f.typ] {
		panic("kernels: no AMX r16 kernel for " + f.typ.String())
	}
	g := cols / amxCols
	if g == 0 || nb == 0 || !r16AMXFit(f.typ, yStride) {
		r16GemmVNNI(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
		return
	}
	acc := 0
	if accumulate {
		acc = 1
	}
	switch f.typ {
	case quant.Q4K:
		r16GemmQ4KAMX(&strip[0], nb, &y[0], yStride, g, &dst[0], dstStride, acc)
	case quant.Q5K:
		r16GemmQ5KAMX(&strip[0], nb, &y[0], yStride, g, &dst[0], dstStride, acc)
	case quant.Q6K:
		r16GemmQ6KAMX(&strip[0], nb, &y[0], yStride, g, &dst[0], dstStride, acc)
	default:
		r16GemmQ8_0AMX(&strip[0], nb, &y[0], yStride, g, &dst[0], dstStride, acc)
	}
	if n := g * amxCols; n < cols {
		r16GemmVNNI(f, strip, nb, y[n*yStride:], yStride, cols-n, dst[n*dstStride:], dstStride, accumulate)
	}
}

// r16Gemm2AMX is r16Gemm2VNNI for q8_0 with the AMX kernel on each strip
// for whole groups of 16 columns and the two-strip VNNI kernel for the
// rest.
func r16Gemm2AMX(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Check2(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride)
	g := cols / amxCols
	if g == 0 || nb == 0 || !r16AMXFit(f.typ, yStride) {
		r16Gemm2VNNI(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride, accumulate)
		return
	}
	n := g * amxCols
	r16GemmAMX(f, strips, nb, y, yStride, n, dst, dstStride, accumulate)
	r16GemmAMX(f, strips[stripStride:], nb, y, yStride, n, dst[r16Rows:], dstStride, accumulate)
	if n < cols {
		r16Gemm2VNNI(f, strips, stripStride, nb, y[n*yStride:], yStride, cols-n, dst[n*dstStride:], dstStride, accumulate)
	}
}
