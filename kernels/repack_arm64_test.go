//go:build arm64 && !noasm

package kernels

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// Tests of the arm64 strip kernels (repack_arm64.s, repack_kquant_arm64.s)
// called directly, whatever r16Fast says, so that they run under
// GOLLM_NOASM=1 too: every type over block counts that cross the drivers'
// chunks (4 k-quant blocks, 32 q8_0/q4_0 blocks), against the naive
// reference and the Go twin. TestR16Gemm, TestRepack and
// TestMatMulOnTheFly cover them through r16Impls and the drivers.

// r16DotProdCPU reports whether this CPU runs the dotprod kernels, and logs
// it when it does not.
func r16DotProdCPU(tb testing.TB) bool {
	tb.Helper()
	if !cpuid.CPU.Supports(cpuid.ASIMDDP) {
		tb.Logf("CPU has no dotprod (SDOT): the arm64 strip kernels cannot run here; only the Go twin is tested")
		return false
	}
	return true
}

func TestR16DotProdChunks(t *testing.T) {
	if !r16DotProdCPU(t) {
		if r16Fast {
			t.Fatal("r16Fast is set on a CPU without dotprod")
		}
		return
	}
	for _, f := range r16Formats {
		t.Run(f.typ.String(), func(t *testing.T) {
			rng := newRNG(uint64(f.typ)<<8 | 71)
			nbs := []int{1, 3, 4, 5, 8, 9}
			if f.blockElems == 32 {
				nbs = []int{1, 31, 32, 33, 64, 70}
			}
			for _, nb := range nbs {
				for _, cols := range []int{1, 2, 3, 4} {
					rowBytes := nb * f.blockBytes
					x := r16RandRows(t, rng, f, r16Rows, rowBytes, nb)
					strip := kqUnaligned(rng, f.stripBytes(nb))
					r16PackGeneric(f, strip, x, rowBytes, nb, r16Rows)
					yStride := nb*f.actBytes + rng.IntN(9)
					y := r16RandActs(t, rng, f, cols, yStride, nb)
					dstStride := r16Rows + rng.IntN(3)
					dst := make([]float32, (cols-1)*dstStride+r16Rows)
					for i := range dst {
						dst[i] = 1e30 // overwritten, never read
					}
					r16GemmDotProd(f, strip, nb, y, yStride, cols, dst, dstStride, false)
					twin := make([]float32, len(dst))
					r16GemmGeneric(f, strip, nb, y, yStride, cols, twin, dstStride, false)
					acc := slices.Clone(dst)
					r16GemmDotProd(f, strip, nb, y, yStride, cols, acc, dstStride, true)
					for c := 0; c < cols; c++ {
						for r := 0; r < r16Rows; r++ {
							i := c*dstStride + r
							want, abs := r16Ref(t, f, x[r*rowBytes:], y[c*yStride:], nb)
							what := fmt.Sprintf("nb=%d cols=%d r=%d c=%d", nb, cols, r, c)
							checkDot(t, what+" vs exact", dst[i], want, abs, dotTol)
							checkDot(t, what+" vs go", dst[i], float64(twin[i]), abs, dotTol)
							checkDot(t, what+" accumulated", acc[i], 2*want, 2*abs, dotTol)
						}
					}
				}
			}
		})
	}
}

// TestR16PackNEON checks the NEON packer against the Go one byte for byte,
// with padded row strides, unaligned buffers and nothing written past the
// strip.
func TestR16PackNEON(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.ASIMD) {
		t.Fatal("CPU feature detection reports no NEON (ASIMD)")
	}
	rng := newRNG(75)
	for _, f := range r16Formats {
		for _, nb := range []int{1, 2, 7, 33} {
			stride := nb*f.blockBytes + rng.IntN(3)*f.blockBytes/2 + rng.IntN(5)
			src := r16RandRows(t, rng, f, r16Rows, stride, nb)
			want := make([]byte, f.stripBytes(nb))
			r16PackGeneric(f, want, src, stride, nb, r16Rows)
			got := kqUnaligned(rng, f.stripBytes(nb)+1)
			got[len(got)-1] = 0x5a
			r16PackAsm(f, got[:len(want)], src, stride, nb)
			if !bytes.Equal(got[:len(want)], want) || got[len(want)] != 0x5a {
				t.Fatalf("%v nb=%d: the NEON packer differs from the Go one", f.typ, nb)
			}
		}
	}
}

// TestR16DotProdWired checks that the dotprod kernels are what the drivers
// and the tests of r16Impls use on a CPU that has them.
func TestR16DotProdWired(t *testing.T) {
	if !r16DotProdCPU(t) || noASM {
		t.Logf("dotprod kernels not in use (noasm %v)", noASM)
		if r16Fast {
			t.Fatal("r16Fast is set without the dotprod kernels")
		}
		return
	}
	if !r16Fast {
		t.Fatal("r16Fast is false on a CPU with dotprod")
	}
	names := map[string]string{}
	for _, im := range Implementations() {
		names[im.Kernel] = im.Name
	}
	for _, f := range r16Formats {
		impls := r16Impls(f.typ)
		if len(impls) != 2 || impls[0].name != "go" || impls[1].name != "dotprod" {
			t.Errorf("%v: r16Impls = %d implementations, want go and dotprod", f.typ, len(impls))
		}
		if !r16AsmType(f.typ) || !CanRepack(f.typ, 4*f.blockElems) {
			t.Errorf("%v: no assembly strip kernel registered", f.typ)
		}
		found := false
		for k, v := range names {
			if len(k) > 6 && k[:6] == "strip " && k[6:6+len(f.typ.String())] == f.typ.String() {
				found = true
				if v != "dotprod" {
					t.Errorf("%s: implementation %q, want dotprod", k, v)
				}
			}
		}
		if !found {
			t.Errorf("%v: no strip kernel in Implementations()", f.typ)
		}
	}
}

// r16Sink keeps benchmark results alive.
var r16Sink float32

// BenchmarkR16DotProd measures the dotprod strip kernels, single-threaded,
// on one strip of 16 rows × 4096 weights against 1…64 columns, beside the
// Go twin; bytes count each weight byte once per column. Under qemu the
// figures mean nothing: run it on an arm64 machine.
func BenchmarkR16DotProd(b *testing.B) {
	if !r16DotProdCPU(b) {
		b.Skip("no dotprod")
	}
	const n = 4096
	for _, f := range r16Formats {
		rng := newRNG(72)
		nb := n / f.blockElems
		rowBytes := nb * f.blockBytes
		x := r16RandRows(b, rng, f, r16Rows, rowBytes, nb)
		strip := make([]byte, f.stripBytes(nb))
		r16PackGeneric(f, strip, x, rowBytes, nb, r16Rows)
		const maxCols = 64
		y := r16RandActs(b, rng, f, maxCols, nb*f.actBytes, nb)
		dst := make([]float32, r16Rows*maxCols)
		for _, cols := range []int{1, 2, 8, 64} {
			b.Run(fmt.Sprintf("%v/dotprod/cols=%d", f.typ, cols), func(b *testing.B) {
				b.SetBytes(int64(len(strip) * cols))
				kqMeasure(b, r16Rows*n/256*cols, func() {
					r16GemmDotProd(f, strip, nb, y, nb*f.actBytes, cols, dst, r16Rows, false)
				})
				r16Sink = dst[0]
			})
			if cols > 2 {
				continue
			}
			b.Run(fmt.Sprintf("%v/go/cols=%d", f.typ, cols), func(b *testing.B) {
				b.SetBytes(int64(len(strip) * cols))
				kqMeasure(b, r16Rows*n/256*cols, func() {
					r16GemmGeneric(f, strip, nb, y, nb*f.actBytes, cols, dst, r16Rows, false)
				})
				r16Sink = dst[0]
			})
		}
	}
}
