//go:build noasm || !(amd64 || arm64)

package kernels

import "github.com/gollm/gollm/quant"

// Without the amd64 or arm64 assembly there is no row-interleaved kernel worth
// using: Repack declines and the driver keeps the plain layout. The Go
// twins still run for tests.

var r16Fast = false

type r16Impl struct {
	name string
	f    func(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool)
}

func r16Impls(quant.Type) []r16Impl { return []r16Impl{{"go", r16GemmGeneric}} }

func r16Pack(f *r16Format, dst, src []byte, srcStride, nb int) {
	r16PackGeneric(f, dst, src, srcStride, nb, r16Rows)
}

func r16Gemm(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16GemmGeneric(f, strip, nb, y, yStride, cols, dst, dstStride, accumulate)
}

func r16AsmType(quant.Type) bool { return false }

func r16AsmName(quant.Type) string { return "none (plain tiles)" }

type r16Impl2 struct {
	name string
	f    func(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool)
}

func r16X2(quant.Type) bool { return false }

func r16Impls2(quant.Type) []r16Impl2 { return []r16Impl2{{"go", r16Gemm2Generic}} }

func r16Gemm2(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Gemm2Generic(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride, accumulate)
}
