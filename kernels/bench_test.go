package kernels

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/gollm/gollm/quant"
)

// Benchmarks: every implementation of every kernel of this package's own
// families, one thread, on a 4096-element row that stays in L1 (weights
// and activations). SetBytes counts weight bytes; ns/256 is the time per
// 256 weights, ggml's unit of comparison.

var (
	sinkF32 float32
	sinkErr error
)

const benchK = 4096

func BenchmarkDot(b *testing.B) {
	for _, fam := range dotFamilies {
		rng := newRNG(11)
		x := randRow(b, rng, fam.wt, benchK, blockRandom)
		y := randRow(b, rng, fam.yt, benchK, blockRandom)
		for _, impl := range fam.impls() {
			b.Run(fam.wt.String()+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(x)))
				kqMeasure(b, benchK/256, func() {
					sinkF32 = impl.f(benchK, x, y)
				})
			})
		}
	}
}

func BenchmarkQuantize(b *testing.B) {
	for _, fam := range quantizerFamilies {
		x := quantizeInputs(benchK)[1]
		dst := make([]byte, fam.typ.RowSize(benchK))
		for _, impl := range fam.impls() {
			b.Run(fam.typ.String()+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(4 * benchK)
				b.ReportAllocs()
				for b.Loop() {
					impl.f(dst, x)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(benchK/256), "ns/256")
			})
		}
	}
}

// benchHalfOffsets gives, per k-quant type, the byte offsets of its fp16
// scales, so that benchmarks can make large valid matrices from random
// bytes without running a reference quantizer over millions of weights.
var benchHalfOffsets = map[quant.Type][]int{
	quant.Q2K: {80, 82}, quant.Q3K: {108}, quant.Q4K: {0, 2}, quant.Q5K: {0, 2}, quant.Q6K: {208}, quant.IQ4XS: {0},
}

// benchMatrix returns rows×k random valid weights of type wt.
func benchMatrix(b *testing.B, wt quant.Type, rows, k int) []byte {
	rng := newRNG(99)
	offs, ok := benchHalfOffsets[wt]
	if !ok {
		return randRow(b, rng, wt, rows*k, blockRandom)
	}
	w := make([]byte, rows*wt.RowSize(k))
	for i := 0; i < len(w); i += 8 {
		binary.LittleEndian.PutUint64(w[i:], rng.Uint64())
	}
	for off := 0; off < len(w); off += wt.TypeSize() {
		for _, o := range offs {
			putF16(w[off+o:], rng.Float64()*0.01)
		}
	}
	return w
}

// BenchmarkMatMul runs the driver on a 2048×8192 matrix of q4_K, q4_0 and
// q8_0 (whatever kernels are registered) with 1, 4 and 32 activation
// columns on 1 and 2 threads, activation quantization included. ns/256 is
// per 256 weights per column (and cpu-ns/256, on one thread, the same in
// thread CPU time).
func BenchmarkMatMul(b *testing.B) {
	const rows, k = 2048, 8192
	for _, wt := range []quant.Type{quant.Q4K, quant.Q4_0, quant.Q8_0} {
		w := benchMatrix(b, wt, rows, k)
		for _, threads := range []int{1, 2} {
			pool := NewPool(threads)
			for _, cols := range []int{1, 4, 32} {
				x := make([]float32, cols*k)
				rng := newRNG(5)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				dst := make([]float32, rows*cols)
				b.Run(fmt.Sprintf("%v/threads=%d/cols=%d", wt, threads, cols), func(b *testing.B) {
					if err := pool.MatMul(dst, w, wt, rows, k, x, cols); err != nil { // grow the scratch
						b.Fatal(err)
					}
					b.SetBytes(int64(len(w)))
					body := func() {
						if err := pool.MatMul(dst, w, wt, rows, k, x, cols); err != nil {
							b.Fatal(err)
						}
					}
					if threads == 1 { // the caller's thread does all the work: its CPU time counts
						kqMeasure(b, rows*k/256*cols, body)
						return
					}
					b.ReportAllocs()
					for b.Loop() {
						body()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows*k/256*cols), "ns/256")
				})
			}
			pool.Close()
		}
	}
}

func BenchmarkTile(b *testing.B) {
	for _, fam := range dotFamilies {
		if fam.tile == nil {
			continue
		}
		for _, impl := range fam.tile() {
			rng := newRNG(12)
			R, C := impl.rows, impl.cols
			x := randRow(b, rng, fam.wt, R*benchK, blockRandom)
			y := randRow(b, rng, fam.yt, C*benchK, blockRandom)
			dst := make([]float32, R*C)
			b.Run(fmt.Sprintf("%v/%s/%dx%d", fam.wt, impl.name, R, C), func(b *testing.B) {
				b.SetBytes(int64(len(x)))
				// per 256 weights per column: comparable with BenchmarkDot
				kqMeasure(b, R*C*benchK/256, func() {
					impl.f(benchK, x, fam.wt.RowSize(benchK), y, fam.yt.RowSize(benchK), dst, R)
				})
			})
		}
	}
}

// BenchmarkMatMulDispatch measures the pool's per-call cost on a small
// decode-shaped matmul (512×2048 q4_0, one column), where waking the
// workers is a visible share of the work.
func BenchmarkMatMulDispatch(b *testing.B) {
	const rows, k = 512, 2048
	w := benchMatrix(b, quant.Q4_0, rows, k)
	x := make([]float32, k)
	dst := make([]float32, rows)
	for _, threads := range []int{1, 2, 4} {
		pool := NewPool(threads)
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			b.ReportAllocs()
			for b.Loop() {
				if err := pool.MatMul(dst, w, quant.Q4_0, rows, k, x, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
		pool.Close()
	}
}
