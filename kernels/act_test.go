package kernels

import (
	"fmt"
	"math"
	"testing"
)

// siluRef is silu in float64 with the standard library's exp: the outside
// reference the kernels are held to.
func siluRef(v float32) float64 {
	x := float64(v)
	return x / (1 + math.Exp(-x))
}

// actInputs returns n inputs: normal values of several scales, the
// boundaries of the exp clamps, zeros, infinities and NaN.
func actInputs(n int, seed uint64) []float32 {
	rng := newRNG(seed)
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 87.3, -87.3, 88, -88, 89, -89, 90, -90, 200, -200,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30, math.MaxFloat32, -math.MaxFloat32}
	x := make([]float32, n)
	for i := range x {
		switch i % 5 {
		case 0:
			x[i] = special[rng.IntN(len(special))]
		case 1:
			x[i] = float32(rng.NormFloat64() * 20)
		default:
			x[i] = float32(rng.NormFloat64() * 3)
		}
	}
	return x
}

// TestActivationsReference holds every implementation to float64 silu:
// within 4 ulp of the rounded reference (the exp polynomial's error plus
// three roundings), exactly 0, ±Inf or NaN where the reference is. For
// v below −88 e^−v is clamped at e^89, so silu is v·e^−89 instead of
// v·e^v: both far below any value a model can tell from 0.
func TestActivationsReference(t *testing.T) {
	x := actInputs(4099, 1)
	g := actInputs(4099, 2)
	for _, impl := range actImpls() {
		for _, kind := range []string{"silu", "swiglu"} {
			t.Run(impl.name+"/"+kind, func(t *testing.T) {
				dst := make([]float32, len(x))
				if kind == "silu" {
					impl.silu(dst, x)
				} else {
					impl.swiglu(dst, x, g)
				}
				for i, v := range x {
					want := siluRef(v)
					if kind == "swiglu" {
						want = float64(float32(want)) * float64(g[i])
					}
					got := dst[i]
					switch {
					case math.IsNaN(want) || math.IsInf(float64(v), -1):
						// −Inf/(1+Inf) is NaN in the reference; the
						// clamp makes it −Inf here. Either way not a
						// number a layer can use; only check NaN in,
						// NaN out.
						if math.IsNaN(float64(v)) && !math.IsNaN(float64(got)) {
							t.Fatalf("%s(%g): %g, want NaN", kind, v, got)
						}
					case v < -88:
						if math.Abs(float64(got)) > 1e-30*math.Max(1, math.Abs(float64(g[i]))) && !math.IsInf(float64(g[i]), 0) {
							t.Fatalf("%s(%g) = %g, want ≈ 0", kind, v, got)
						}
					default:
						if d := ulpDiff(got, float32(want)); d > 4 && math.Abs(want) > 1e-37 {
							t.Fatalf("%s(%g)·%g = %g, want %g (%d ulp)", kind, v, g[i], got, want, d)
						}
					}
				}
			})
		}
	}
}

// TestActivationsTwin: every assembly kernel equals the Go twin bit for bit
// (same polynomial, same roundings) on ragged lengths at unaligned offsets,
// in place or not.
func TestActivationsTwin(t *testing.T) {
	x := actInputs(300, 3)
	g := actInputs(300, 4)
	for _, impl := range actImpls()[1:] {
		for n := 1; n <= 70; n++ {
			for _, off := range []int{0, 1, 3, 7} {
				t.Run(fmt.Sprintf("%s/n=%d/off=%d", impl.name, n, off), func(t *testing.T) {
					want := make([]float32, n)
					swigluGeneric(want, x[off:off+n], g[off:off+n])
					got := make([]float32, n+off+1)
					got[n+off] = 42 // guard: nothing written past n
					impl.swiglu(got[off:off+n], x[off:off+n], g[off:off+n])
					checkSame(t, "swiglu", got[off:off+n], want)
					if got[n+off] != 42 {
						t.Fatalf("swiglu wrote past the end")
					}
					siluGeneric(want, x[off:off+n])
					inPlace := append([]float32(nil), x[off:off+n]...)
					impl.silu(inPlace, inPlace)
					checkSame(t, "silu in place", inPlace, want)
				})
			}
		}
	}
}

func checkSame(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
			t.Fatalf("%s[%d] = %g (%#x), Go twin %g (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestSwiGLUShort: the exported kernels refuse inputs shorter than dst and
// do nothing for an empty dst.
func TestSwiGLUShort(t *testing.T) {
	SwiGLU(nil, nil, nil)
	SiLU(nil, nil)
	for name, f := range map[string]func(){
		"swiglu x": func() { SwiGLU(make([]float32, 4), make([]float32, 3), make([]float32, 4)) },
		"swiglu g": func() { SwiGLU(make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"silu":     func() { SiLU(make([]float32, 4), make([]float32, 3)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on a short input", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkSwiGLU measures each implementation on a feed-forward row of
// 8192 (Llama-3.2-1B's n_ff); bytes count the two inputs and the output.
func BenchmarkSwiGLU(b *testing.B) {
	const n = 8192
	x, g := actInputs(n, 5), actInputs(n, 6)
	for i := range x {
		x[i] = float32(math.Mod(float64(x[i]), 10)) // keep off the special values
	}
	dst := make([]float32, n)
	for _, impl := range actImpls() {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(3 * 4 * n)
			for b.Loop() {
				impl.swiglu(dst, x, g)
			}
			sinkF32 = dst[n-1]
		})
	}
}
