//go:build !noasm

package kernels

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gollm/gollm/quant"
)

// Tests of the AVX2 side of the r16 kernels that the shared tables
// (TestR16Gemm over r16Impls) do not reach on a CPU with AVX-512: the
// assembly packers, and the drivers (Repack, MatMulRowsRepacked and the
// on-the-fly path of MatMulRows) running the AVX2 kernel and packer.

// TestR16PackAsm checks every assembly packer against the Go packer
// (itself checked against the layout in TestR16Pack), byte for byte, on
// padded row strides and unaligned buffers, leaving nothing written past
// the strip.
func TestR16PackAsm(t *testing.T) {
	impls := r16PackImpls()
	if len(impls) == 0 {
		t.Skip("platform: this amd64 CPU has no AVX2, so no assembly packer to compare")
	}
	for _, f := range r16Formats {
		for _, impl := range impls {
			t.Run(f.typ.String()+"/"+impl.name, func(t *testing.T) {
				rng := newRNG(uint64(f.typ)<<8 | 67)
				for _, nb := range []int{1, 2, 3, 7, 16} {
					stride := nb*f.blockBytes + rng.IntN(3)*f.blockBytes + rng.IntN(7)
					src := r16RandRows(t, rng, f, r16Rows, stride, nb)
					want := make([]byte, f.stripBytes(nb))
					r16PackGeneric(f, want, src, stride, nb, r16Rows)
					got := kqUnaligned(rng, f.stripBytes(nb)+8)
					for i := range got {
						got[i] = 0xa5
					}
					r16PackWith(impl.level, f, got, src, stride, nb)
					if !bytes.Equal(got[:len(want)], want) {
						t.Fatalf("nb=%d stride=%d: the strip differs from the Go packer's", nb, stride)
					}
					for i, v := range got[len(want):] {
						if v != 0xa5 {
							t.Fatalf("nb=%d: wrote byte %d past the strip", nb, len(want)+i)
						}
					}
				}
			})
		}
	}
}

// TestR16AVX2Driver runs TestRepack and TestMatMulOnTheFly (both against
// the exact reference) with the AVX2 strip kernels and packer in place of
// whatever this CPU would pick, and again with the AVX-VNNI kernels where
// the CPU has them.
func TestR16AVX2Driver(t *testing.T) {
	if !hasAVX2 {
		t.Skip("platform: this amd64 CPU has no AVX2")
	}
	for _, f := range r16Formats {
		if !r16AVX2Types[f.typ] {
			t.Errorf("%v: no AVX2 strip kernel, but r16Fast on AVX2 assumes every format has one", f.typ)
		}
	}
	oldKernel, oldPack, oldFast := r16KernelLevel, r16PackLevel, r16Fast
	defer func() { r16KernelLevel, r16PackLevel, r16Fast = oldKernel, oldPack, oldFast }()
	levels := []struct {
		name  string
		level r16Level
	}{{"avx2", r16LevelAVX2}}
	if hasAVXVNNI {
		levels = append(levels, struct {
			name  string
			level r16Level
		}{"avx-vnni", r16LevelAVXVNNI})
	}
	for _, l := range levels {
		r16KernelLevel, r16PackLevel, r16Fast = l.level, r16LevelAVX2, true
		t.Run(l.name+"/Repack", TestRepack)
		t.Run(l.name+"/OnTheFly", TestMatMulOnTheFly)
	}
}

// BenchmarkR16AVX2 compares, single-threaded on one strip of 16 rows ×
// 4096 weights, the AVX2 strip kernel (weights packed beforehand, and
// packed by the AVX2 packer inside the loop as the driver does on the
// fly) with the single-column AVX2 dot product called per row and
// column, the path AVX2-only CPUs took before (and, where the CPU has
// AVX-VNNI, the kernels using it). Bytes count each weight byte once
// per column; ns/256 and cpu-ns/256 are per 256 weights per column.
func BenchmarkR16AVX2(b *testing.B) {
	if !hasAVX2 {
		b.Skip("no AVX2 on this CPU")
	}
	dots := map[quant.Type]VecDotFunc{
		quant.Q4K: dotQ4KQ8KAVX2, quant.Q5K: dotQ5KQ8KAVX2, quant.Q6K: dotQ6KQ8KAVX2,
		quant.Q8_0: dotQ8_0AVX2, quant.Q4_0: dotQ4_0AVX2,
	}
	const n = 4096
	for _, f := range r16Formats {
		rng := newRNG(68)
		nb := n / f.blockElems
		rowBytes := nb * f.blockBytes
		x := r16RandRows(b, rng, f, r16Rows, rowBytes, nb)
		strip := make([]byte, f.stripBytes(nb))
		r16PackWith(r16LevelAVX2, f, strip, x, rowBytes, nb)
		const maxCols = 64
		colBytes := nb * f.actBytes
		y := r16RandActs(b, rng, f, maxCols, colBytes, nb)
		dst := make([]float32, r16Rows*maxCols)
		for _, cols := range []int{1, 2, 4, 8, 16, 32, 64} {
			b.Run(fmt.Sprintf("%v/dot/cols=%d", f.typ, cols), func(b *testing.B) {
				b.SetBytes(int64(len(x) * cols))
				dot := dots[f.typ]
				kqMeasure(b, r16Rows*n/256*cols, func() {
					for c := 0; c < cols; c++ {
						for r := 0; r < r16Rows; r++ {
							dst[c*r16Rows+r] = dot(n, x[r*rowBytes:(r+1)*rowBytes], y[c*colBytes:])
						}
					}
				})
			})
			b.Run(fmt.Sprintf("%v/r16-packed/cols=%d", f.typ, cols), func(b *testing.B) {
				b.SetBytes(int64(len(x) * cols))
				kqMeasure(b, r16Rows*n/256*cols, func() {
					r16GemmAVX2(f, strip, nb, y, colBytes, cols, dst, r16Rows, false)
				})
			})
			if hasAVXVNNI && r16AVXVNNITypes[f.typ] {
				b.Run(fmt.Sprintf("%v/r16-avxvnni/cols=%d", f.typ, cols), func(b *testing.B) {
					b.SetBytes(int64(len(x) * cols))
					kqMeasure(b, r16Rows*n/256*cols, func() {
						r16GemmAVXVNNI(f, strip, nb, y, colBytes, cols, dst, r16Rows, false)
					})
				})
			}
			b.Run(fmt.Sprintf("%v/r16-pack+gemm/cols=%d", f.typ, cols), func(b *testing.B) {
				b.SetBytes(int64(len(x) * cols))
				kqMeasure(b, r16Rows*n/256*cols, func() {
					r16PackWith(r16LevelAVX2, f, strip, x, rowBytes, nb)
					r16GemmAVX2(f, strip, nb, y, colBytes, cols, dst, r16Rows, false)
				})
			})
		}
	}
}

// BenchmarkR16PackAsm measures the assembly packers on one strip of 16
// rows × 4096 weights; ns/256 is per 256 weights.
func BenchmarkR16PackAsm(b *testing.B) {
	const n = 4096
	for _, f := range r16Formats {
		rng := newRNG(66)
		nb := n / f.blockElems
		rowBytes := nb * f.blockBytes
		x := r16RandRows(b, rng, f, r16Rows, rowBytes, nb)
		strip := make([]byte, f.stripBytes(nb))
		for _, impl := range r16PackImpls() {
			b.Run(f.typ.String()+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(x)))
				kqMeasure(b, r16Rows*n/256, func() { r16PackWith(impl.level, f, strip, x, rowBytes, nb) })
			})
		}
	}
}

// BenchmarkMatMulAVX2 measures the matmul driver, single-threaded, as an
// AVX2-only CPU runs it, on a 2048×2048 matrix (activation quantization
// included) with 1…5, 32 and 64 columns: "dot" is the path such CPUs
// took before the AVX2 strip kernels (no tile: the AVX2 dot product per
// row and column), "onthefly" MatMulRows repacking on the fly and
// "repacked" MatMulRowsRepacked on weights repacked at load time, both
// with the AVX2 kernels and packer. ns/256 and cpu-ns/256 are per 256
// weights per column.
func BenchmarkMatMulAVX2(b *testing.B) {
	if !hasAVX2 {
		b.Skip("no AVX2 on this CPU")
	}
	oldKernel, oldPack, oldFast := r16KernelLevel, r16PackLevel, r16Fast
	r16KernelLevel, r16PackLevel, r16Fast = r16LevelAVX2, r16LevelAVX2, true
	defer func() { r16KernelLevel, r16PackLevel, r16Fast = oldKernel, oldPack, oldFast }()
	dots := map[quant.Type]VecDotFunc{
		quant.Q4K: dotQ4KQ8KAVX2, quant.Q5K: dotQ5KQ8KAVX2, quant.Q6K: dotQ6KQ8KAVX2,
		quant.Q8_0: dotQ8_0AVX2, quant.Q4_0: dotQ4_0AVX2,
	}
	const rows, k = 2048, 2048
	for _, f := range r16Formats {
		wt := f.typ
		w := benchMatrix(b, wt, rows, k)
		m, ok := Repack(wt, w, rows, k)
		if !ok {
			b.Fatalf("%v: Repack declined", wt)
		}
		rowBytes := wt.RowSize(k)
		for _, cols := range []int{1, 2, 3, 4, 5, 32, 64} {
			x := make([]float32, cols*k)
			rng := newRNG(5)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			colBytes := ActivationRowSize(wt, k)
			xq := make([]byte, cols*colBytes)
			dst := make([]float32, rows*cols)
			quantize := func() {
				if err := QuantizeActivations(wt, xq, x, k, cols); err != nil {
					b.Fatal(err)
				}
			}
			b.Run(fmt.Sprintf("%v/dot/cols=%d", wt, cols), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				dot := dots[wt]
				kqMeasure(b, rows*k/256*cols, func() {
					quantize()
					for r := 0; r < rows; r++ {
						for c := 0; c < cols; c++ {
							dst[c*rows+r] = dot(k, w[r*rowBytes:(r+1)*rowBytes], xq[c*colBytes:])
						}
					}
				})
			})
			b.Run(fmt.Sprintf("%v/onthefly/cols=%d", wt, cols), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				kqMeasure(b, rows*k/256*cols, func() {
					quantize()
					if err := MatMulRows(dst, rows, w, wt, k, 0, rows, xq, cols); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run(fmt.Sprintf("%v/repacked/cols=%d", wt, cols), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				kqMeasure(b, rows*k/256*cols, func() {
					quantize()
					if err := MatMulRowsRepacked(dst, rows, m, 0, rows, xq, cols); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// TestRowGrainAVX512 checks that q8_0 and q4_0 go two strips at a time
// where the CPU runs the AVX-512 VNNI kernels, and one at a time at the
// AVX2 and AVX-VNNI levels.
func TestRowGrainAVX512(t *testing.T) {
	want := 16
	if hasVNNI && r16KernelLevel == r16LevelAVX512 {
		want = 32
	}
	for _, wt := range []quant.Type{quant.Q8_0, quant.Q4_0} {
		if got := RowGrain(wt); got != want {
			t.Errorf("RowGrain(%v) = %d at kernel level %d, want %d", wt, got, r16KernelLevel, want)
		}
	}
}
