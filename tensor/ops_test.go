package tensor

import (
	"fmt"
	"math"
	"testing"

	"github.com/gollm/gollm/quant"
)

// Each op is checked against a naive float64 implementation written from
// the op's definition, on random inputs of odd sizes, including views with
// padded rows or permuted dimensions, with 1, 2 and 4 threads (which must
// agree bit for bit).

// padded returns an external F32 tensor of logical shape ne whose rows are
// padded (row stride ne0+3 floats), viewed in g, with its logical values.
func padded(t *testing.T, g *Graph, rng interface{ NormFloat64() float64 }, ne [4]int) (*Tensor, []float64) {
	t.Helper()
	pad := ne[0] + 3
	raw := make([]float32, pad*ne[1]*ne[2]*ne[3])
	for i := range raw {
		raw[i] = float32(rng.NormFloat64())
	}
	x := external(t, quant.F32, raw, pad, ne[1], ne[2], ne[3])
	v := g.View4D(x, ne[0], ne[1], ne[2], ne[3], x.nb[1], x.nb[2], x.nb[3], 0)
	return v, values(t, v)
}

// permuted returns a tensor of logical shape ne that is a permuted view
// (dimensions 1 and 2 swapped in memory) of an external F32 tensor.
func permuted(t *testing.T, g *Graph, rng interface{ NormFloat64() float64 }, ne [4]int) (*Tensor, []float64) {
	t.Helper()
	raw := make([]float32, ne[0]*ne[1]*ne[2]*ne[3])
	for i := range raw {
		raw[i] = float32(rng.NormFloat64())
	}
	x := external(t, quant.F32, raw, ne[0], ne[2], ne[1], ne[3])
	v := g.Permute(x, 0, 2, 1, 3)
	return v, values(t, v)
}

func TestBinaryOps(t *testing.T) {
	ops := []struct {
		op Op
		f  func(a, b float64) float64
	}{
		{OpAdd, func(a, b float64) float64 { return a + b }},
		{OpSub, func(a, b float64) float64 { return a - b }},
		{OpMul, func(a, b float64) float64 { return a * b }},
		{OpDiv, func(a, b float64) float64 { return a / b }},
	}
	shapes := []struct {
		name string
		a, b [4]int
		perm bool
	}{
		{"same", [4]int{37, 5, 3, 1}, [4]int{37, 5, 3, 1}, false},
		{"row-bias", [4]int{37, 5, 3, 1}, [4]int{37, 1, 1, 1}, false},
		{"per-head", [4]int{16, 4, 6, 2}, [4]int{16, 1, 6, 1}, true},
		{"repeat-inner", [4]int{12, 3, 2, 1}, [4]int{4, 3, 1, 1}, false},
		{"scalar", [4]int{9, 7, 1, 1}, [4]int{1, 1, 1, 1}, true},
		// One long row, as in decoding: workers split it by columns.
		{"one-row", [4]int{300, 1, 1, 1}, [4]int{300, 1, 1, 1}, false},
		{"one-row-bias", [4]int{300, 1, 1, 1}, [4]int{300, 1, 1, 1}, true},
	}
	for _, o := range ops {
		for _, sh := range shapes {
			t.Run(o.op.String()+"/"+sh.name, func(t *testing.T) {
				rng := newRNG(1)
				var want []float64
				got, _ := runThreads(t, func(g *Graph) *Tensor {
					rng = newRNG(1)
					var a *Tensor
					var av []float64
					if sh.perm {
						a, av = permuted(t, g, rng, sh.a)
					} else {
						a, av = padded(t, g, rng, sh.a)
					}
					bv32 := randFloats(rng, sh.b[0]*sh.b[1]*sh.b[2]*sh.b[3], 1)
					for i := range bv32 {
						if math.Abs(float64(bv32[i])) < 0.1 {
							bv32[i] += 0.5 // keep division well-conditioned
						}
					}
					b := external(t, quant.F32, bv32, sh.b[:]...)
					bv := values(t, b)
					want = want[:0]
					ne := sh.a
					for i3 := 0; i3 < ne[3]; i3++ {
						for i2 := 0; i2 < ne[2]; i2++ {
							for i1 := 0; i1 < ne[1]; i1++ {
								for i0 := 0; i0 < ne[0]; i0++ {
									x := at4(av, ne, i0, i1, i2, i3)
									y := at4(bv, sh.b, i0%sh.b[0], i1%sh.b[1], i2%sh.b[2], i3%sh.b[3])
									want = append(want, float64(float32(o.f(x, y))))
								}
							}
						}
					}
					return g.binary(o.op, a, b)
				})
				checkClose(t, got, want, relTol(want, 0, 0))
			})
		}
	}
}

func TestUnaryOps(t *testing.T) {
	gelu := func(x float64) float64 {
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*x*(1+0.044715*x*x)))
	}
	cases := []struct {
		name  string
		build func(g *Graph, a *Tensor) *Tensor
		f     func(x float64) float64
		rel   float64
		abs   float64
	}{
		{"scale", func(g *Graph, a *Tensor) *Tensor { return g.Scale(a, 0.37) }, func(x float64) float64 { return x * float64(float32(0.37)) }, 1e-7, 0},
		{"scale_bias", func(g *Graph, a *Tensor) *Tensor { return g.ScaleBias(a, -1.5, 0.25) }, func(x float64) float64 { return -1.5*x + 0.25 }, 1e-6, 1e-7},
		{"silu", func(g *Graph, a *Tensor) *Tensor { return g.Silu(a) }, func(x float64) float64 { return x / (1 + math.Exp(-x)) }, 1e-6, 1e-7},
		// the tanh GELU goes through binary16 input and output, as ggml's table does
		{"gelu", func(g *Graph, a *Tensor) *Tensor { return g.Gelu(a) }, gelu, 2e-3, 2e-3},
		{"gelu_erf", func(g *Graph, a *Tensor) *Tensor { return g.GeluErf(a) }, func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, 1e-6, 1e-7},
		{"tanh", func(g *Graph, a *Tensor) *Tensor { return g.Tanh(a) }, math.Tanh, 1e-6, 1e-7},
		{"softcap", func(g *Graph, a *Tensor) *Tensor { return g.Softcap(a, 1.5) }, func(x float64) float64 { return 1.5 * math.Tanh(x/1.5) }, 1e-6, 1e-7},
	}
	for _, tc := range cases {
		for _, ne := range [][4]int{{33, 5, 3, 1}, {300, 1, 1, 1}} {
			for _, perm := range []bool{false, true} {
				name := fmt.Sprintf("%s/%dx%d", tc.name, ne[0], ne[1]*ne[2])
				if perm {
					name += "/permuted"
				}
				t.Run(name, func(t *testing.T) {
					var want []float64
					got, _ := runThreads(t, func(g *Graph) *Tensor {
						rng := newRNG(2)
						var a *Tensor
						var av []float64
						if perm {
							a, av = permuted(t, g, rng, ne)
						} else {
							a, av = padded(t, g, rng, ne)
						}
						for i := range av {
							av[i] *= 4 // reach the tails (|x| ≥ 10 for gelu)
						}
						a = g.Scale(a, 4)
						want = make([]float64, len(av))
						for i, x := range av {
							want[i] = tc.f(x)
						}
						return tc.build(g, a)
					})
					checkClose(t, got, want, relTol(want, tc.rel, tc.abs))
				})
			}
		}
	}
}

func TestGLU(t *testing.T) {
	gelu := func(x float64) float64 {
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*x*(1+0.044715*x*x)))
	}
	cases := []struct {
		op   Op
		f    func(x float64) float64
		rel  float64
		abs  float64
		make func(g *Graph, a, b *Tensor) *Tensor
	}{
		{OpSwiGLU, func(x float64) float64 { return x / (1 + math.Exp(-x)) }, 2e-6, 1e-7, (*Graph).SwiGLU},
		{OpGeGLU, gelu, 2e-3, 2e-3, (*Graph).GeGLU},
		{OpGeGLUErf, func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, 2e-6, 1e-7, (*Graph).GeGLUErf},
	}
	// Shapes: several rows (split by rows between workers), and one long
	// row as in decoding (split by columns).
	for _, tc := range cases {
		for _, shape := range [][2]int{{45, 7}, {300, 1}} {
			for _, split := range []bool{false, true} {
				name := fmt.Sprintf("%v/%dx%d", tc.op, shape[0], shape[1])
				if split {
					name += "/split"
				}
				t.Run(name, func(t *testing.T) {
					var want []float64
					n, rows := shape[0], shape[1]
					got, _ := runThreads(t, func(g *Graph) *Tensor {
						rng := newRNG(3)
						if split {
							a, av := padded(t, g, rng, [4]int{2 * n, rows, 1, 1})
							want = want[:0]
							for r := 0; r < rows; r++ {
								for i := 0; i < n; i++ {
									x, y := av[r*2*n+i], av[r*2*n+n+i]
									want = append(want, tc.f(x)*y)
								}
							}
							return tc.make(g, a, nil)
						}
						a, av := padded(t, g, rng, [4]int{n, rows, 1, 1})
						b, bv := padded(t, g, rng, [4]int{n, rows, 1, 1})
						want = make([]float64, len(av))
						for i := range av {
							want[i] = tc.f(av[i]) * bv[i]
						}
						return tc.make(g, a, b)
					})
					checkClose(t, got, want, relTol(want, tc.rel, tc.abs))
				})
			}
		}
	}
}

func TestNorms(t *testing.T) {
	for _, rms := range []bool{true, false} {
		for _, n := range []int{1, 7, 64, 301} {
			name := "norm"
			if rms {
				name = "rms_norm"
			}
			t.Run(name+"/"+itoa(n), func(t *testing.T) {
				var want []float64
				const eps = 1e-5
				got, _ := runThreads(t, func(g *Graph) *Tensor {
					rng := newRNG(4)
					ne := [4]int{n, 3, 5, 1}
					a, av := permuted(t, g, rng, ne)
					want = want[:0]
					for r := 0; r < len(av)/n; r++ {
						x := av[r*n : (r+1)*n]
						mean := 0.0
						if !rms {
							for _, v := range x {
								mean += v
							}
							mean /= float64(n)
						}
						ss := 0.0
						for _, v := range x {
							ss += (v - mean) * (v - mean)
						}
						s := 1 / math.Sqrt(ss/float64(n)+eps)
						for _, v := range x {
							want = append(want, (v-mean)*s)
						}
					}
					if rms {
						return g.RMSNorm(a, eps)
					}
					return g.Norm(a, eps)
				})
				checkClose(t, got, want, relTol(want, 1e-5, 1e-6))
			})
		}
	}
}

func TestRope(t *testing.T) {
	cases := []struct {
		name string
		p    RopeParams
		ff   bool
		head int
		maxP int
	}{
		{"normal", RopeParams{Dims: 64, Mode: RopeNormal, FreqBase: 10000}, false, 64, 100},
		{"neox", RopeParams{Dims: 64, Mode: RopeNeoX, FreqBase: 1e6}, false, 64, 100},
		{"neox-partial", RopeParams{Dims: 48, Mode: RopeNeoX, FreqBase: 10000}, false, 64, 100},
		{"normal-partial-odd-heads", RopeParams{Dims: 8, Mode: RopeNormal, FreqBase: 10000}, false, 10, 50},
		{"freq-factors", RopeParams{Dims: 64, Mode: RopeNormal, FreqBase: 500000}, true, 64, 100},
		{"linear-scaling", RopeParams{Dims: 32, Mode: RopeNeoX, FreqBase: 10000, FreqScale: 0.125}, false, 32, 100},
		{"yarn", RopeParams{Dims: 64, Mode: RopeNeoX, FreqBase: 10000, FreqScale: 0.25, ExtFactor: 1, AttnFactor: 1, BetaFast: 32, BetaSlow: 1, OrigCtx: 4096}, false, 64, 100},
		{"long-positions", RopeParams{Dims: 64, Mode: RopeNormal, FreqBase: 10000}, false, 64, 4000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const nHead, nTok = 3, 5
			var want, xs []float64
			got, _ := runThreads(t, func(g *Graph) *Tensor {
				rng := newRNG(5)
				x, xv := padded(t, g, rng, [4]int{tc.head, nHead, nTok, 1})
				xs = xv
				posv := make([]float32, nTok)
				for i := range posv {
					posv[i] = float32(rng.IntN(tc.maxP))
				}
				pos := external(t, quant.I32, posv, nTok)
				var ff *Tensor
				var ffv []float64
				if tc.ff {
					f := make([]float32, tc.p.Dims/2)
					for i := range f {
						f[i] = 1 + float32(i%5)
					}
					ff = external(t, quant.F32, f, len(f))
					ffv = values(t, ff)
				}
				want = ropeRef(xv, tc.head, nHead, nTok, posv, ffv, tc.p)
				return g.Rope(x, pos, ff, tc.p)
			})
			// θ is built by repeated float32 multiplication (as in ggml):
			// its relative error grows with the dimension index.
			tol := 1e-6 + float64(tc.maxP)*float64(tc.p.Dims)*1.2e-7
			checkClose(t, got, want, func(i int) float64 { return tol * (maxAbs(xs) + 1) })
		})
	}
}

// ropeRef is rotary embedding from its definition, in float64.
func ropeRef(x []float64, head, nHead, nTok int, pos []float32, ff []float64, p RopeParams) []float64 {
	fs, af := float64(p.FreqScale), float64(p.AttnFactor)
	if fs == 0 {
		fs = 1
	}
	if af == 0 {
		af = 1
	}
	out := append([]float64(nil), x...)
	var lowC, highC float64
	if p.ExtFactor != 0 {
		corr := func(beta float64) float64 {
			return float64(p.Dims) * math.Log(float64(p.OrigCtx)/(beta*2*math.Pi)) / (2 * math.Log(float64(p.FreqBase)))
		}
		lowC = math.Max(0, math.Floor(corr(float64(p.BetaFast))))
		highC = math.Min(float64(p.Dims-1), math.Ceil(corr(float64(p.BetaSlow))))
	}
	for tk := 0; tk < nTok; tk++ {
		for h := 0; h < nHead; h++ {
			row := out[(tk*nHead+h)*head : (tk*nHead+h+1)*head]
			src := append([]float64(nil), row...)
			for i := 0; i < p.Dims/2; i++ {
				theta := float64(pos[tk]) * math.Pow(float64(p.FreqBase), -2*float64(i)/float64(p.Dims))
				if ff != nil {
					theta /= ff[i]
				}
				th, ms := fs*theta, af
				if p.ExtFactor != 0 {
					y := (float64(i) - lowC) / math.Max(0.001, highC-lowC)
					mix := (1 - math.Min(1, math.Max(0, y))) * float64(p.ExtFactor)
					th = th*(1-mix) + theta*mix
					ms *= 1 + 0.1*math.Log(1/fs)
				}
				c, s := math.Cos(th)*ms, math.Sin(th)*ms
				a, b := 2*i, 2*i+1
				if p.Mode == RopeNeoX {
					a, b = i, i+p.Dims/2
				}
				row[a] = src[a]*c - src[b]*s
				row[b] = src[a]*s + src[b]*c
			}
		}
	}
	return out
}

func TestSoftMax(t *testing.T) {
	cases := []struct {
		name    string
		mask    quant.Type // 0: none
		scale   float32
		softcap float32
	}{
		{"plain", 0, 1, 0},
		{"scaled-f32-mask", quant.F32, 0.125, 0},
		{"f16-mask-softcap", quant.F16, 0.5, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const n, rows, heads = 37, 6, 4
			var want []float64
			got, _ := runThreads(t, func(g *Graph) *Tensor {
				rng := newRNG(6)
				a, av := permuted(t, g, rng, [4]int{n, rows, heads, 1})
				for i := range av {
					av[i] *= 3
				}
				a = g.Scale(a, 3)
				var mask *Tensor
				mv := make([]float64, n*(rows+2))
				if tc.mask != 0 {
					m := make([]float32, n*(rows+2))
					for r := 0; r < rows+2; r++ {
						for i := 0; i < n; i++ {
							if i > r+20 { // causal-like: hide later keys
								m[r*n+i] = float32(math.Inf(-1))
							} else if i%7 == 3 {
								m[r*n+i] = -1.5
							}
						}
					}
					mask = external(t, tc.mask, m, n, rows+2)
					mv = values(t, mask)
				}
				want = want[:0]
				for h := 0; h < heads; h++ {
					for r := 0; r < rows; r++ {
						x := make([]float64, n)
						mx := math.Inf(-1)
						for i := range x {
							v := av[(h*rows+r)*n+i]
							if tc.softcap != 0 {
								v = float64(tc.softcap) * math.Tanh(v/float64(tc.softcap))
							}
							x[i] = v*float64(tc.scale) + mv[r*n+i]
							mx = math.Max(mx, x[i])
						}
						sum := 0.0
						for i := range x {
							x[i] = math.Exp(x[i] - mx)
							sum += x[i]
						}
						for i := range x {
							want = append(want, x[i]/sum)
						}
					}
				}
				return g.SoftMaxExt(a, mask, tc.scale, tc.softcap)
			})
			checkClose(t, got, want, relTol(want, 2e-6, 1e-9))
		})
	}
}

func TestArgmaxTopK(t *testing.T) {
	vals := []float32{
		1, 5, 3, 5, -2, 0, 4, // tie at 1 and 3
		-1, -1, -1, -1, -1, -1, -1, // all equal
		0.5, 9, 2, 8, 7, 9.5, -3,
	}
	const n, rows = 7, 3
	t.Run("argmax", func(t *testing.T) {
		got, _ := runThreads(t, func(g *Graph) *Tensor {
			return g.Argmax(external(t, quant.F32, vals, n, rows))
		})
		// ggml: the last of equal maxima wins
		checkClose(t, got, []float64{3, 6, 5}, func(int) float64 { return 0 })
	})
	t.Run("top_k", func(t *testing.T) {
		got, _ := runThreads(t, func(g *Graph) *Tensor {
			return g.TopK(external(t, quant.F32, vals, n, rows), 3)
		})
		want := []float64{1, 3, 6, 0, 1, 2, 5, 1, 3}
		checkClose(t, got, want, func(int) float64 { return 0 })
	})
	t.Run("top_k/random", func(t *testing.T) {
		rng := newRNG(7)
		const n, rows, k = 200, 9, 8
		v := randFloats(rng, n*rows, 1)
		got, _ := runThreads(t, func(g *Graph) *Tensor { return g.TopK(external(t, quant.F32, v, n, rows), k) })
		for r := 0; r < rows; r++ {
			// naive: k passes of "largest not yet taken, lowest index on ties"
			taken := map[int]bool{}
			for j := 0; j < k; j++ {
				best := -1
				for i := 0; i < n; i++ {
					if !taken[i] && (best < 0 || v[r*n+i] > v[r*n+best]) {
						best = i
					}
				}
				taken[best] = true
				if int(got[r*k+j]) != best {
					t.Fatalf("row %d rank %d: got %v, want %d", r, j, got[r*k+j], best)
				}
			}
		}
	})
}

func TestConcat(t *testing.T) {
	for dim := 0; dim < 3; dim++ {
		t.Run(itoa(dim), func(t *testing.T) {
			neA := [4]int{5, 3, 2, 1}
			neB := neA
			neB[dim] = 4
			var want []float64
			got, out := runThreads(t, func(g *Graph) *Tensor {
				rng := newRNG(8)
				a, av := padded(t, g, rng, neA)
				b, bv := permuted(t, g, rng, neB)
				ne := neA
				ne[dim] += neB[dim]
				want = want[:0]
				for i3 := 0; i3 < ne[3]; i3++ {
					for i2 := 0; i2 < ne[2]; i2++ {
						for i1 := 0; i1 < ne[1]; i1++ {
							for i0 := 0; i0 < ne[0]; i0++ {
								idx := [4]int{i0, i1, i2, i3}
								if idx[dim] < neA[dim] {
									want = append(want, at4(av, neA, idx[0], idx[1], idx[2], idx[3]))
								} else {
									idx[dim] -= neA[dim]
									want = append(want, at4(bv, neB, idx[0], idx[1], idx[2], idx[3]))
								}
							}
						}
					}
				}
				return g.Concat(a, b, dim)
			})
			if out.ne[dim] != neA[dim]+neB[dim] {
				t.Fatalf("shape %v", out.ne)
			}
			checkClose(t, got, want, func(int) float64 { return 0 })
		})
	}
}

func TestSumRows(t *testing.T) {
	var want []float64
	got, _ := runThreads(t, func(g *Graph) *Tensor {
		rng := newRNG(9)
		a, av := permuted(t, g, rng, [4]int{53, 4, 3, 1})
		want = want[:0]
		for r := 0; r < len(av)/53; r++ {
			s := 0.0
			for _, v := range av[r*53 : (r+1)*53] {
				s += v
			}
			want = append(want, s)
		}
		return g.SumRows(a)
	})
	checkClose(t, got, want, relTol(want, 1e-6, 1e-6))
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
