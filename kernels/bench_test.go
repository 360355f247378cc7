package kernels

import (
	"testing"
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
				b.ReportAllocs()
				for b.Loop() {
					sinkF32 = impl.f(benchK, x, y)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(benchK/256), "ns/256")
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
