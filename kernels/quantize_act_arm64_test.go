//go:build arm64 && !noasm

package kernels

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/gollm/gollm/quant"
	"github.com/klauspost/cpuid/v2"
)

// Tests of the NEON activation quantizers (quantize_act_arm64.s) called
// directly, so that they run under GOLLM_NOASM=1 too: byte for byte
// against the Go twins on inputs the shared tests leave out (NaNs with
// payloads, signalling NaNs, infinities, subnormals, scales whose inverse
// overflows, ±max ties), each value alone in a block of ordinary values
// and blocks made only of them.

// neonQuantizers are the NEON quantizers with their twins.
var neonQuantizers = []struct {
	typ        quant.Type
	neon, twin FromFloatFunc
}{
	{quant.Q8_0, quantizeQ8_0NEON, quantizeQ8_0Generic},
	{quant.Q8_1, quantizeQ8_1NEON, quantizeQ8_1Generic},
	{quant.Q8K, quantizeQ8KNEON, quantizeQ8KGeneric},
}

// quantizeSpecials are values whose quantization depends on how a kernel
// rounds, compares and converts.
var quantizeSpecials = []float32{
	math.Float32frombits(0x7fc12345), // quiet NaN with a payload
	math.Float32frombits(0xffc00001), // negative quiet NaN
	math.Float32frombits(0x7f800001), // signalling NaN
	float32(math.Inf(1)), float32(math.Inf(-1)),
	1e-45, -1e-45, 1e-40, 1.2e-38, 3e-37, -3e-37, // subnormal and tiny: 127/amax overflows
	3.4e38, -3.4e38, 65504, 65520, 1e-5, 6e-8, // fp16 edges of d
	float32(math.Copysign(0, -1)), 0.5, -0.5, 2.5, 127, -127,
}

func TestQuantizeNEONSpecials(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.ASIMD) {
		t.Fatal("CPU feature detection reports no NEON (ASIMD)")
	}
	rng := newRNG(73)
	for _, q := range neonQuantizers {
		bs, ts := q.typ.BlockSize(), q.typ.TypeSize()
		var inputs [][]float32
		for _, s := range quantizeSpecials {
			for _, pos := range []int{0, 1, bs / 2, bs - 1} {
				x := make([]float32, bs)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				x[pos] = s
				inputs = append(inputs, x)
				y := make([]float32, bs) // alone among zeros
				y[pos] = s
				inputs = append(inputs, y)
			}
			z := make([]float32, bs) // s and −s, −s first
			for i := range z {
				z[i] = s * float32(2*((i+1)%2)-1)
			}
			inputs = append(inputs, z)
		}
		mixed := make([]float32, 5*bs) // specials at random places
		for i := range mixed {
			mixed[i] = quantizeSpecials[rng.IntN(len(quantizeSpecials))]
		}
		inputs = append(inputs, mixed)
		for i, x := range inputs {
			got := embed(rng, make([]byte, len(x)/bs*ts))
			want := make([]byte, len(got))
			q.neon(got, x)
			q.twin(want, x)
			if !bytes.Equal(got, want) {
				diffBlocks(t, fmt.Sprintf("%v input %d", q.typ, i), q.typ, got, want)
				t.Fatalf("%v input %d: NEON and Go differ", q.typ, i)
			}
		}
	}
}

// quantizeSink keeps benchmark results alive.
var quantizeSink byte

// BenchmarkQuantizeNEON measures the NEON quantizers against their twins
// on 4096 floats; bytes are the input's. Under qemu the figures mean
// nothing: run it on an arm64 machine.
func BenchmarkQuantizeNEON(b *testing.B) {
	const n = 4096
	x := make([]float32, n)
	rng := newRNG(74)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for _, q := range neonQuantizers {
		dst := make([]byte, n/q.typ.BlockSize()*q.typ.TypeSize())
		for _, impl := range []struct {
			name string
			f    FromFloatFunc
		}{{"neon", q.neon}, {"go", q.twin}} {
			b.Run(fmt.Sprintf("%v/%s", q.typ, impl.name), func(b *testing.B) {
				b.SetBytes(4 * n)
				for b.Loop() {
					impl.f(dst, x)
				}
				quantizeSink = dst[len(dst)-1]
			})
		}
	}
}
