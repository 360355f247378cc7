package quant

import "testing"

var sinkBytes []byte

// benchTypes are the types whose conversions matter for speed: weight
// formats decoded at load or in fallbacks, activation formats quantized
// once per matrix multiplication.
var benchTypes = []Type{F16, BF16, Q4_0, Q4_1, Q5_0, Q8_0, Q8_1, Q2K, Q3K, Q4K, Q5K, Q6K, Q8K, IQ4NL, IQ4XS}

const benchN = 4096 // one row of a typical 4096-wide model

// BenchmarkDequantize measures to-float of one 4096-element row; bytes/s
// counts the float32 output.
func BenchmarkDequantize(b *testing.B) {
	x := gaussianRows(1, benchN, 1)
	for _, typ := range benchTypes {
		b.Run(typ.String(), func(b *testing.B) {
			q := make([]byte, typ.RowSize(benchN))
			Quantize(typ, q, x)
			y := make([]float32, benchN)
			deq := typ.Traits().Dequantize
			b.SetBytes(4 * benchN)
			for b.Loop() {
				deq(y, q)
			}
			sinkF32 = y[0]
		})
	}
}

// BenchmarkQuantize measures the reference quantizer on one 4096-element
// row; bytes/s counts the float32 input.
func BenchmarkQuantize(b *testing.B) {
	x := gaussianRows(1, benchN, 1)
	for _, typ := range benchTypes {
		b.Run(typ.String(), func(b *testing.B) {
			q := make([]byte, typ.RowSize(benchN))
			quant := typ.Traits().Quantize
			b.SetBytes(4 * benchN)
			for b.Loop() {
				quant(q, x)
			}
			sinkBytes = q
		})
	}
}
