//go:build !noasm

package kernels

import (
	"github.com/gollm/gollm/quant"
	"github.com/klauspost/cpuid/v2"
)

// Assembly in repack_amd64.s (the AVX-512 packer, q8_0 and q4_0),
// repack_amx_amd64.s (q8_0, q4_K and q5_K with AMX-INT8; q6_K unwired),
// repack_kquant_amd64.s (q4_K, q5_K, q6_K) and repack_avx2_amd64.s (the
// AVX2 packer and kernels, and the AVX-VNNI kernels).

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

// The AVX2 strip kernels of repack_avx2_amd64.s, same contract; they
// take at most r16MaxCols columns (their per-column tables are on the
// stack).
//
//go:noescape
func r16GemmQ4KAVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ5KAVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ6KAVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ8_0AVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ4_0AVX2(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

// The AVX-VNNI strip kernels (VEX VPDPBUSD on ymm registers), same
// contract: q4_K, q5_K, q8_0 and q4_0, at most r16MaxCols columns.
//
//go:noescape
func r16GemmQ4KAVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ5KAVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ8_0AVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ4_0AVXVNNI(w *byte, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

// hasAVXVNNI says whether the CPU has AVX-VNNI (VPDPBUSD on ymm registers
// without AVX-512: Intel from Alder Lake on).
var hasAVXVNNI = hasAVX2 && cpuid.CPU.Supports(cpuid.AVXVNNI)

// r16Fast says whether this CPU runs the row-interleaved kernels: AVX-512
// VNNI, or AVX2 where every repackable type has an AVX2 kernel (Repack
// and CanRepack take all of r16Formats when r16Fast is set).
var r16Fast = hasVNNI || hasAVX2 && r16AVX2All()

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
	if hasAVX2 && r16AVX2Types[t] {
		impls = append(impls, r16Impl{"avx2", r16GemmAVX2})
	}
	if hasAVXVNNI && r16AVXVNNITypes[t] {
		impls = append(impls, r16Impl{"avx-vnni", r16GemmAVXVNNI})
	}
	if hasVNNI && r16AsmTypes[t] {
		impls = append(impls, r16Impl{"avx512vnni", r16GemmVNNI})
	}
	if hasAMX && r16AMXKernels[t] {
		impls = append(impls, r16Impl{"amx-int8", r16GemmAMX})
	}
	return impls
}

// r16AsmTypes are the types with an AVX-512 VNNI strip kernel.
var r16AsmTypes = map[quant.Type]bool{quant.Q4K: true, quant.Q5K: true, quant.Q6K: true, quant.Q8_0: true, quant.Q4_0: true}

// r16AVX2Types are the types with an AVX2 strip kernel.
var r16AVX2Types = map[quant.Type]bool{quant.Q4K: true, quant.Q5K: true, quant.Q6K: true, quant.Q8_0: true, quant.Q4_0: true}

// r16AVXVNNITypes are the types with an AVX-VNNI strip kernel (the others
// run their AVX2 kernel at that level).
var r16AVXVNNITypes = map[quant.Type]bool{quant.Q4K: true, quant.Q5K: true, quant.Q8_0: true, quant.Q4_0: true}

// r16AVX2All says whether every repackable type has an AVX2 kernel.
func r16AVX2All() bool {
	for _, f := range r16Formats {
		if !r16AVX2Types[f.typ] {
			return false
		}
	}
	return true
}

// r16Level names an assembly level of the r16 kernels and packers.
type r16Level int

const (
	r16LevelNone    r16Level = iota // the Go twins
	r16LevelAVX2                    // repack_avx2_amd64.s
	r16LevelAVXVNNI                 // the same with AVX-VNNI where there is a kernel
	r16LevelAVX512                  // AVX-512 (VNNI for the strip kernels)
)

// r16KernelLevel is the strip kernel r16Gemm runs for a type with one
// (r16AsmType): AVX-512 VNNI where the CPU has it (and for q8_0, q4_K, q5_K
// at this level, AMX-INT8 for whole groups of 16 columns where r16AMX), else
// AVX-VNNI, else AVX2. r16PackLevel is the packer r16Pack runs. Tests switch them; the
// calls stay direct, so that the drivers' stack buffers do not escape.
var (
	r16KernelLevel = func() r16Level {
		switch {
		case hasVNNI && (r16Force == "" || r16Force == "noamx"):
			return r16LevelAVX512
		case hasAVXVNNI && r16Force != "avx2":
			return r16LevelAVXVNNI
		}
		return r16LevelAVX2
	}()
	r16PackLevel = func() r16Level {
		switch {
		case hasAVX512 && (r16Force == "" || r16Force == "noamx"):
			return r16LevelAVX512
		case hasAVX2:
			return r16LevelAVX2
		}
		return r16LevelNone
	}()
)

// r16Force, when set at link time (go build
// -ldflags=-X=github.com/gollm/gollm/kernels.r16Force=avx2), makes the
// r16 kernels and packer run at the AVX2 level on a CPU with AVX-512, to
// measure what AVX2-only CPUs get from them; "noamx" keeps the AVX-512
// level but leaves AMX off (the AVX-512 VNNI kernels for q8_0, q4_K, q5_K
// on a CPU with AMX-INT8); any other value picks the AVX-VNNI kernels where the
// CPU has them, as on Intel's desktop CPUs.
// The other kernels keep their own choices. It is for measurements only.
var r16Force string

// r16AsmType says whether type t has an assembly strip kernel on this
// CPU (that r16Gemm runs).
func r16AsmType(t quant.Type) bool {
	if r16KernelLevel == r16LevelAVX512 {
		return r16AsmTypes[t]
	}
	return hasAVX2 && r16AVX2Types[t]
}

// r16AsmName names the strip kernel r16Gemm runs for type t.
func r16AsmName(t quant.Type) string {
	switch {
	case !r16Fast || !r16AsmType(t):
		return "none (plain tiles)"
	case r16AMX && r16AMXTypes[t]:
		return "amx-int8"
	case r16KernelLevel == r16LevelAVX512:
		return "avx512vnni"
	case r16KernelLevel == r16LevelAVXVNNI && r16AVXVNNITypes[t]:
		return "avx-vnni"
	}
	return "avx2"
}

// r16PackAVX2 is r16PackAVX512 on AVX2 for words regions of whole groups
// of four words (dwords % 4 = 0).
//
//go:noescape
func r16PackAVX2(dst, src *byte, srcStride, nb, blockBytes, dwordOff, dwords, half0, half1 int)

// r16PackImpl names one assembly packer (for tests and benchmarks).
type r16PackImpl struct {
	name  string
	level r16Level
}

// r16PackImpls lists the assembly packers this CPU runs.
func r16PackImpls() []r16PackImpl {
	var impls []r16PackImpl
	if hasAVX2 {
		impls = append(impls, r16PackImpl{"avx2", r16LevelAVX2})
	}
	if hasAVX512 {
		impls = append(impls, r16PackImpl{"avx512", r16LevelAVX512})
	}
	return impls
}

// r16Pack packs a strip of 16 whole rows (see r16PackGeneric).
func r16Pack(f *r16Format, dst, src []byte, srcStride, nb int) {
	r16PackWith(r16PackLevel, f, dst, src, srcStride, nb)
}

// r16PackWith is r16Pack with the packer of the given level (the AVX2
// packer takes words regions of whole groups of four words, as every r16
// format has; others go to the Go packer).
func r16PackWith(level r16Level, f *r16Format, dst, src []byte, srcStride, nb int) {
	if level == r16LevelNone || nb == 0 || level == r16LevelAVX2 && f.dwords%4 != 0 {
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
	if level == r16LevelAVX512 {
		r16PackAVX512(&dst[0], &src[0], srcStride, nb, f.blockBytes, f.dwordOff, f.dwords, h0, h1)
	} else {
		r16PackAVX2(&dst[0], &src[0], srcStride, nb, f.blockBytes, f.dwordOff, f.dwords, h0, h1)
	}
}

// r16Gemm runs the strip kernel of f's type (see r16GemmGeneric): for
// the r16AMXTypes with AMX (r16AMX), the AMX kernel for whole groups of 16
// columns and the VNNI kernel for the rest.
func r16Gemm(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	if !r16Fast || !r16AsmType(f.typ) {
		r16GemmGeneric(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
		return
	}
	switch r16KernelLevel {
	case r16LevelAVX512:
		if r16AMX && r16AMXTypes[f.typ] {
			r16GemmAMX(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
			return
		}
		r16GemmVNNI(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
	case r16LevelAVXVNNI:
		r16GemmX86(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate, true)
	default:
		r16GemmX86(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate, false)
	}
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

// r16GemmAVX2 checks the buffers and calls the AVX2 kernel of f's type.
func r16GemmAVX2(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16GemmX86(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate, false)
}

// r16GemmAVXVNNI is r16GemmAVX2 with the AVX-VNNI kernels where there is
// one (r16AVXVNNITypes).
func r16GemmAVXVNNI(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16GemmX86(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate, true)
}

// r16GemmX86 checks the buffers and calls the AVX2 kernel of f's type, or
// with avxVNNI its AVX-VNNI kernel where there is one.
func r16GemmX86(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate, avxVNNI bool) {
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
	if (f.typ == quant.Q8_0 || f.typ == quant.Q4_0) && cols > r16MaxCols {
		for c0 := 0; c0 < cols; c0 += r16MaxCols {
			n := min(r16MaxCols, cols-c0)
			r16GemmX86(f, strip, nb, y[c0*yStride:], yStride, n, dst[c0*dstStride:], dstStride, accumulate, avxVNNI)
		}
		return
	}
	switch f.typ {
	case quant.Q8_0:
		if avxVNNI {
			r16GemmQ8_0AVXVNNI(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
		} else {
			r16GemmQ8_0AVX2(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
		}
	case quant.Q4_0:
		if avxVNNI {
			r16GemmQ4_0AVXVNNI(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
		} else {
			r16GemmQ4_0AVX2(&strip[0], nb, &y[0], yStride, cols, &dst[0], dstStride, acc)
		}
	case quant.Q4K, quant.Q5K, quant.Q6K:
		for c0 := 0; c0 < cols; c0 += r16MaxCols {
			n := min(r16MaxCols, cols-c0)
			w, yc, dc := &strip[0], &y[c0*yStride], &dst[c0*dstStride]
			switch f.typ {
			case quant.Q4K:
				if avxVNNI {
					r16GemmQ4KAVXVNNI(w, nb, yc, yStride, n, dc, dstStride, acc)
				} else {
					r16GemmQ4KAVX2(w, nb, yc, yStride, n, dc, dstStride, acc)
				}
			case quant.Q5K:
				if avxVNNI {
					r16GemmQ5KAVXVNNI(w, nb, yc, yStride, n, dc, dstStride, acc)
				} else {
					r16GemmQ5KAVX2(w, nb, yc, yStride, n, dc, dstStride, acc)
				}
			default:
				r16GemmQ6KAVX2(w, nb, yc, yStride, n, dc, dstStride, acc)
			}
		}
	default:
		panic("kernels: no AVX2 r16 kernel for " + f.typ.String())
	}
}

// The two-strip kernels of repack_amd64.s: for c < cols and r < 32,
// dst[c·dstStride + r] gets (accumulate = 0) or adds the dot product of
// row r mod 16 of strip r/16 (strip 0 at w, strip 1 at w + stripStride,
// nb blocks each) with the activation column at y + c·yStride.
// 1 ≤ cols ≤ r16MaxCols (the column table is on the stack), nb ≥ 1.
//
//go:noescape
func r16GemmQ8_0x2VNNI(w *byte, stripStride, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

//go:noescape
func r16GemmQ4_0x2VNNI(w *byte, stripStride, nb int, y *byte, yStride, cols int, dst *float32, dstStride, accumulate int)

// r16X2 says whether r16Gemm2 has a two-strip kernel for type t on this
// CPU (q8_0 and q4_0 with AVX-512 VNNI); the drivers run two strips at a
// time only then.
func r16X2(t quant.Type) bool {
	return r16Fast && r16KernelLevel == r16LevelAVX512 && (t == quant.Q8_0 || t == quant.Q4_0)
}

// r16Impl2 names one implementation of a two-strip kernel (for tests
// and benchmarks).
type r16Impl2 struct {
	name string
	f    func(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool)
}

// r16Impls2 lists the two-strip kernels of type t this CPU runs, the Go
// twin first.
func r16Impls2(t quant.Type) []r16Impl2 {
	impls := []r16Impl2{{"go", r16Gemm2Generic}}
	if hasVNNI && (t == quant.Q8_0 || t == quant.Q4_0) {
		impls = append(impls, r16Impl2{"avx512vnni", r16Gemm2VNNI})
	}
	if hasAMX && t == quant.Q8_0 {
		impls = append(impls, r16Impl2{"amx-int8", r16Gemm2AMX})
	}
	return impls
}

// r16Gemm2 runs the two-strip kernel of f's type (see r16Gemm2Generic),
// or the one-strip kernel on each strip where there is none; for q8_0
// with AMX (r16AMX), the AMX kernel on each strip for whole groups of 16
// columns and the two-strip VNNI kernel for the rest.
func r16Gemm2(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	if !r16X2(f.typ) {
		r16Check2(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride)
		r16Gemm(f, strips, nb, y, yStride, cols, dst, dstStride, accumulate)
		r16Gemm(f, strips[stripStride:], nb, y, yStride, cols, dst[r16Rows:], dstStride, accumulate)
		return
	}
	if r16AMX && f.typ == quant.Q8_0 {
		r16Gemm2AMX(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride, accumulate)
		return
	}
	r16Gemm2VNNI(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride, accumulate)
}

// r16Gemm2VNNI checks the buffers and calls the two-strip kernel of f's
// type.
func r16Gemm2VNNI(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Check2(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride)
	if cols == 0 {
		return
	}
	if nb == 0 {
		if !accumulate {
			for c := 0; c < cols; c++ {
				clear(dst[c*dstStride : c*dstStride+2*r16Rows])
			}
		}
		return
	}
	acc := 0
	if accumulate {
		acc = 1
	}
	for c0 := 0; c0 < cols; c0 += r16MaxCols {
		n := min(r16MaxCols, cols-c0)
		switch f.typ {
		case quant.Q8_0:
			r16GemmQ8_0x2VNNI(&strips[0], stripStride, nb, &y[c0*yStride], yStride, n, &dst[c0*dstStride], dstStride, acc)
		case quant.Q4_0:
			r16GemmQ4_0x2VNNI(&strips[0], stripStride, nb, &y[c0*yStride], yStride, n, &dst[c0*dstStride], dstStride, acc)
		default:
			panic("kernels: no two-strip r16 kernel for " + f.typ.String())
		}
	}
}
