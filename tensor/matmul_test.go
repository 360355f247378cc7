package tensor

import (
	"math"
	"testing"

	"github.com/gollm/gollm/quant"
)

// weightTypes are the weight types mul_mat is checked with, and a row
// length each can use.
var weightTypes = []struct {
	typ quant.Type
	k   int
}{
	{quant.F32, 37}, {quant.F16, 37}, {quant.BF16, 37},
	{quant.Q8_0, 96}, {quant.Q4_0, 96}, {quant.Q4_1, 96}, {quant.Q5_0, 96}, {quant.Q5_1, 96}, {quant.IQ4NL, 96},
	{quant.Q2K, 256}, {quant.Q3K, 256}, {quant.Q4K, 512}, {quant.Q5K, 256}, {quant.Q6K, 256}, {quant.IQ4XS, 256},
	{quant.Q8_1, 64}, // no kernels: the Go fallback driver
}

// quantized makes an external tensor of type typ from random floats (rows
// of ne[0]) and returns it with its dequantized values.
func quantized(t *testing.T, rng interface{ NormFloat64() float64 }, typ quant.Type, ne ...int) (*Tensor, []float64) {
	t.Helper()
	n := 1
	for _, v := range ne {
		n *= v
	}
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(rng.NormFloat64())
	}
	var probe Tensor
	if err := probe.init(typ, ne); err != nil {
		t.Fatal(err)
	}
	data := alignedBytes(probe.Bytes())
	if err := quant.Quantize(typ, data, vals); err != nil {
		t.Fatal(err)
	}
	x, err := New(typ, data, ne...)
	if err != nil {
		t.Fatal(err)
	}
	deq := make([]float32, n)
	if err := quant.Dequantize(typ, deq, data); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, n)
	for i, v := range deq {
		out[i] = float64(v)
	}
	return x, out
}

// actErrBound bounds |x̃_i - x_i| for activations converted for weights of
// type wt: 0 for f32, half an ulp of f16/bf16, and for 8-bit activation
// types half a quantization step (amax/254, amax over the 256 values around
// i, which covers q8_0's 32 and q8_K's 256) plus the rounding of the scale
// to f16.
func actErrBound(wt quant.Type, x []float64) []float64 {
	at, _ := driver.actType(wt, len(x))
	e := make([]float64, len(x))
	for i, v := range x {
		switch {
		case wt == quant.F16:
			e[i] = math.Abs(v) * 0x1p-11
		case wt == quant.BF16:
			e[i] = math.Abs(v) * 0x1p-8
		case at == quant.F32:
			e[i] = 0
		default:
			b0 := i / 256 * 256
			amax := 0.0
			for _, w := range x[b0:min(b0+256, len(x))] {
				amax = math.Max(amax, math.Abs(w))
			}
			e[i] = amax/254 + amax*0x1p-11
		}
	}
	return e
}

// refMatMul is Σ_l w[l]·x[l] with its error bound given the activation
// error bounds ex.
func refDot(w, x, ex []float64) (dot, bound float64) {
	abs := 0.0
	for l := range w {
		dot += w[l] * x[l]
		abs += math.Abs(w[l] * x[l])
		bound += math.Abs(w[l]) * ex[l]
	}
	return dot, bound + 2e-6*abs + 1e-30
}

func TestMulMat(t *testing.T) {
	shapes := []struct {
		name           string
		m, n           int
		a2, b2         int // batch sizes: a's dimension 2 broadcast over b's
		permB, padRows bool
	}{
		{"matvec", 35, 1, 1, 1, false, false},
		{"batch", 21, 7, 1, 1, false, false},
		{"broadcast-permuted-b", 9, 5, 2, 6, true, false},
		{"strided-weights", 19, 3, 1, 1, false, true},
	}
	for _, wt := range weightTypes {
		for _, sh := range shapes {
			t.Run(wt.typ.String()+"/"+sh.name, func(t *testing.T) {
				k := wt.k
				var want, bound []float64
				got, out := runThreads(t, func(g *Graph) *Tensor {
					rng := newRNG(10)
					rows := sh.m
					if sh.padRows {
						rows = sh.m + 2
					}
					aFull, av := quantized(t, rng, wt.typ, k, rows, sh.a2)
					a := aFull
					if sh.padRows { // every other row of a larger matrix
						a = g.View3D(aFull, k, sh.m/2+1, sh.a2, 2*aFull.nb[1], aFull.nb[2], 0)
					}
					var b *Tensor
					var bv []float64
					if sh.permB {
						b, bv = permuted(t, g, rng, [4]int{k, sh.n, sh.b2, 1})
					} else {
						b, bv = padded(t, g, rng, [4]int{k, sh.n, sh.b2, 1})
					}
					m := a.ne[1]
					want, bound = want[:0], bound[:0]
					for i2 := 0; i2 < sh.b2; i2++ {
						for j := 0; j < sh.n; j++ {
							x := bv[(i2*sh.n+j)*k : (i2*sh.n+j+1)*k]
							ex := actErrBound(wt.typ, x)
							a2 := i2 / (sh.b2 / sh.a2)
							for i := 0; i < m; i++ {
								r := i
								if sh.padRows {
									r = 2 * i
								}
								w := av[(a2*rows+r)*k : (a2*rows+r+1)*k]
								d, e := refDot(w, x, ex)
								want = append(want, d)
								bound = append(bound, e)
							}
						}
					}
					return g.MulMat(a, b)
				})
				if out.ne[1] != sh.n || out.ne[2] != sh.b2 || len(got) != len(want) {
					t.Fatalf("result shape %v", out.ne)
				}
				checkClose(t, got, want, func(i int) float64 { return bound[i] })
			})
		}
	}
}

func TestMulMatID(t *testing.T) {
	for _, typ := range []quant.Type{quant.F32, quant.Q8_0, quant.Q4K} {
		for _, shared := range []bool{true, false} {
			name := typ.String() + "/per-slot"
			if shared {
				name = typ.String() + "/shared-input"
			}
			t.Run(name, func(t *testing.T) {
				const m, nexp, nused, ntok = 21, 5, 2, 4
				k := 256
				nb := nused
				if shared {
					nb = 1
				}
				var want, bound []float64
				got, out := runThreads(t, func(g *Graph) *Tensor {
					rng := newRNG(11)
					as, av := quantized(t, rng, typ, k, m, nexp)
					b, bv := permuted(t, g, rng, [4]int{k, nb, ntok, 1})
					ids := make([]float32, nused*ntok)
					for tok := 0; tok < ntok; tok++ {
						p := rng.Perm(nexp)
						for e := 0; e < nused; e++ {
							ids[tok*nused+e] = float32(p[e])
						}
					}
					ids[1] = 4 // expert 4 used by token 0, others maybe unused
					ids[0] = 0
					idsT := external(t, quant.I32, ids, nused, ntok)
					want, bound = want[:0], bound[:0]
					for tok := 0; tok < ntok; tok++ {
						for e := 0; e < nused; e++ {
							x := bv[(tok*nb+e%nb)*k : (tok*nb+e%nb+1)*k]
							ex := actErrBound(typ, x)
							ex2 := int(ids[tok*nused+e])
							for i := 0; i < m; i++ {
								w := av[(ex2*m+i)*k : (ex2*m+i+1)*k]
								d, eb := refDot(w, x, ex)
								want = append(want, d)
								bound = append(bound, eb)
							}
						}
					}
					return g.MulMatID(as, b, idsT)
				})
				if out.ne != [4]int{m, nused, ntok, 1} {
					t.Fatalf("shape %v", out.ne)
				}
				checkClose(t, got, want, func(i int) float64 { return bound[i] })
			})
		}
	}
}

func TestGetRows(t *testing.T) {
	for _, typ := range []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4K, quant.Q6K} {
		t.Run(typ.String(), func(t *testing.T) {
			const n, rows, planes = 256, 9, 2
			var want []float64
			got, out := runThreads(t, func(g *Graph) *Tensor {
				rng := newRNG(12)
				a, av := quantized(t, rng, typ, n, rows, planes)
				// idx [3, planes]: plane p's indices pick rows of a's plane p
				idxv := []float32{8, 0, 3, 5, 5, 1}
				idx := external(t, quant.I32, idxv, 3, planes)
				want = want[:0]
				for p := 0; p < planes; p++ {
					for i := 0; i < 3; i++ {
						r := int(idxv[p*3+i])
						want = append(want, av[(p*rows+r)*n:(p*rows+r+1)*n]...)
					}
				}
				return g.GetRows(a, idx)
			})
			if out.ne != [4]int{n, 3, planes, 1} {
				t.Fatalf("shape %v", out.ne)
			}
			checkClose(t, got, want, func(int) float64 { return 0 })
		})
	}
}

func TestCpy(t *testing.T) {
	t.Run("f32-to-f16-transposed-view", func(t *testing.T) {
		// Copy a [5, 7] matrix into the transpose view of a persistent
		// [7, 9] f16 buffer (columns 2..6), as a transposed V cache is
		// written.
		var want []float64
		var cache *Tensor
		runThreads(t, func(g *Graph) *Tensor {
			rng := newRNG(13)
			src, sv := permuted(t, g, rng, [4]int{5, 7, 1, 1})
			cache = external(t, quant.F16, make([]float32, 7*9), 7, 9)
			// rows 2..6 of the cache, transposed: view(i, j) = cache[j, 2+i]
			view := g.Transpose(g.View2D(cache, 7, 5, cache.nb[1], 2*cache.nb[1]))
			want = make([]float64, 7*9)
			for j := 0; j < 7; j++ {
				for i := 0; i < 5; i++ {
					want[(2+i)*7+j] = roundF16(at4(sv, [4]int{5, 7, 1, 1}, i, j, 0, 0))
				}
			}
			return g.Cpy(src, view)
		})
		checkClose(t, values(t, cache), want, func(int) float64 { return 0 })
	})
	t.Run("f32-to-q8_0-rows", func(t *testing.T) {
		var sv []float64
		var cache *Tensor
		runThreads(t, func(g *Graph) *Tensor {
			rng := newRNG(14)
			var src *Tensor
			src, sv = padded(t, g, rng, [4]int{64, 3, 1, 1})
			cache = external(t, quant.Q8_0, make([]float32, 64*5), 64, 5)
			return g.Cpy(src, g.View2D(cache, 64, 3, cache.nb[1], cache.nb[1]))
		})
		got := values(t, cache)[64 : 4*64]
		checkClose(t, got, sv, func(i int) float64 {
			b0 := i / 32 * 32
			amax := 0.0
			for _, v := range sv[b0 : b0+32] {
				amax = math.Max(amax, math.Abs(v))
			}
			return amax/254 + amax*0x1p-11
		})
	})
	t.Run("f16-to-f32-cont", func(t *testing.T) {
		var want []float64
		got, _ := runThreads(t, func(g *Graph) *Tensor {
			rng := newRNG(15)
			raw := randFloats(rng, 6*4*3, 1)
			h := external(t, quant.F16, raw, 6, 4, 3)
			p := g.Permute(h, 2, 0, 1, 3) // [4, 3, 6]
			want = values(t, p)
			return g.Cpy(p, g.Input(quant.F32, 4, 3, 6))
		})
		checkClose(t, got, want, func(int) float64 { return 0 })
	})
	t.Run("cont-permuted", func(t *testing.T) {
		var want []float64
		got, out := runThreads(t, func(g *Graph) *Tensor {
			rng := newRNG(16)
			p, pv := permuted(t, g, rng, [4]int{7, 3, 5, 2})
			want = pv
			return g.Cont(p)
		})
		if !out.IsContiguous() {
			t.Fatal("Cont result is not contiguous")
		}
		checkClose(t, got, want, func(int) float64 { return 0 })
	})
}

func TestSetRows(t *testing.T) {
	for _, typ := range []quant.Type{quant.F32, quant.F16, quant.Q8_0} {
		t.Run(typ.String(), func(t *testing.T) {
			const n, rows, heads = 64, 6, 2
			var sv []float64
			var dst *Tensor
			idxv := []float32{4, 1, 5}
			runThreads(t, func(g *Graph) *Tensor {
				rng := newRNG(17)
				var src *Tensor
				src, sv = padded(t, g, rng, [4]int{n, 3, heads, 1})
				dst = external(t, typ, make([]float32, n*rows*heads), n, rows, heads)
				idx := external(t, quant.I32, idxv, 3)
				return g.SetRows(dst, src, idx)
			})
			dv := values(t, dst)
			for h := 0; h < heads; h++ {
				for i, r := range idxv {
					got := dv[(h*rows+int(r))*n : (h*rows+int(r)+1)*n]
					want := sv[(h*3+i)*n : (h*3+i+1)*n]
					checkClose(t, got, want, func(j int) float64 {
						switch typ {
						case quant.F16:
							return math.Abs(want[j]) * 0x1p-11
						case quant.Q8_0:
							amax := 0.0
							for _, v := range want[j/32*32 : j/32*32+32] {
								amax = math.Max(amax, math.Abs(v))
							}
							return amax/254 + amax*0x1p-11
						}
						return 0
					})
				}
			}
			// rows not written stay zero
			for h := 0; h < heads; h++ {
				for _, r := range []int{0, 2, 3} {
					for _, v := range dv[(h*rows+r)*n : (h*rows+r+1)*n] {
						if v != 0 {
							t.Fatalf("row %d of head %d was written", r, h)
						}
					}
				}
			}
		})
	}
}
