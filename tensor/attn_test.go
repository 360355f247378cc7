package tensor

import (
	"fmt"
	"math"
	"testing"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// attnCase is one fused-attention configuration: nq queries at the last nq
// positions of an nkv-token single-sequence cache.
type attnCase struct {
	nkv, nq, window int
	softcap         float32
	kv              quant.Type
	useMask         bool // an explicit additive mask instead of positions
}

const (
	attnDim   = 64
	attnHeads = 4
	attnKV    = 2
)

// attnInputs makes q ([d, heads, nq] then permuted to [d, nq, heads], as a
// model has it after RoPE), the K/V cache tensors and the query positions.
func attnInputs(t *testing.T, g *Graph, c attnCase) (q, k, v *Tensor, pos []int) {
	rng := newRNG(uint64(100 + c.nkv))
	qraw := external(t, quant.F32, randFloats(rng, attnDim*attnHeads*c.nq, 1), attnDim, attnHeads, c.nq)
	q = g.Permute(qraw, 0, 2, 1, 3)
	k = external(t, c.kv, randFloats(rng, attnDim*c.nkv*attnKV, 1), attnDim, c.nkv, attnKV)
	v = external(t, c.kv, randFloats(rng, attnDim*c.nkv*attnKV, 1), attnDim, c.nkv, attnKV)
	for i := 0; i < c.nq; i++ {
		pos = append(pos, c.nkv-c.nq+i)
	}
	return q, k, v, pos
}

func visible(j, p, window int) bool { return j <= p && (window == 0 || p-j < window) }

// attnRef is softmax(q·kᵀ·scale (soft-capped) over the visible keys)·v in
// float64, with q rounded to K's dot-product type as ggml converts it, laid
// out [d, heads, nq].
func attnRef(t *testing.T, q, k, v *Tensor, pos []int, c attnCase, scale float64) []float64 {
	qv, kv, vv := values(t, q), values(t, k), values(t, v)
	nq := len(pos)
	out := make([]float64, attnDim*attnHeads*nq)
	qr := make([]float32, attnDim)
	qq := make([]byte, quant.Q8_0.RowSize(attnDim))
	for h := 0; h < attnHeads; h++ {
		hk := h / (attnHeads / attnKV)
		for i := 0; i < nq; i++ {
			qrow := qv[(h*nq+i)*attnDim : (h*nq+i+1)*attnDim]
			for d := range qr {
				qr[d] = float32(qrow[d])
			}
			switch c.kv {
			case quant.F16:
				for d := range qr {
					qr[d] = float32(roundF16(float64(qr[d])))
				}
			case quant.Q8_0:
				kernels.FromFloat(quant.Q8_0)(qq, qr)
				toF32(qr, qq, quant.Q8_0)
			}
			s := make([]float64, c.nkv)
			mx := math.Inf(-1)
			for j := 0; j < c.nkv; j++ {
				s[j] = math.Inf(-1)
				if !visible(j, pos[i], c.window) {
					continue
				}
				dot := 0.0
				for d := 0; d < attnDim; d++ {
					dot += float64(qr[d]) * kv[(hk*c.nkv+j)*attnDim+d]
				}
				dot *= scale
				if c.softcap != 0 {
					dot = float64(c.softcap) * math.Tanh(dot/float64(c.softcap))
				}
				s[j] = dot
				mx = math.Max(mx, dot)
			}
			sum := 0.0
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				sum += s[j]
			}
			o := out[(i*attnHeads+h)*attnDim : (i*attnHeads+h+1)*attnDim]
			for j := range s {
				if s[j] == 0 {
					continue
				}
				for d := range o {
					o[d] += s[j] / sum * vv[(hk*c.nkv+j)*attnDim+d]
				}
			}
		}
	}
	return out
}

func causalMask(t *testing.T, typ quant.Type, nkv int, pos []int, window int) *Tensor {
	m := make([]float32, nkv*len(pos))
	for i, p := range pos {
		for j := 0; j < nkv; j++ {
			if !visible(j, p, window) {
				m[i*nkv+j] = float32(math.Inf(-1))
			}
		}
	}
	return external(t, typ, m, nkv, len(pos))
}

func TestFlashAttn(t *testing.T) {
	var cases []attnCase
	for _, nkv := range []int{1, 2, 17, 100, 511, 2048} {
		for _, window := range []int{0, 32} {
			cases = append(cases, attnCase{nkv: nkv, nq: min(3, nkv), window: window, kv: quant.F16})
		}
	}
	cases = append(cases,
		attnCase{nkv: 300, nq: 5, window: 0, kv: quant.F16, softcap: 4},
		attnCase{nkv: 300, nq: 5, window: 64, kv: quant.F16, useMask: true},
		attnCase{nkv: 300, nq: 5, window: 0, kv: quant.Q8_0},
		attnCase{nkv: 300, nq: 5, window: 16, kv: quant.F32},
	)
	scale := 1 / math.Sqrt(attnDim)
	for _, c := range cases {
		name := fmt.Sprintf("%v/kv%d/q%d/win%d/cap%g/mask%v", c.kv, c.nkv, c.nq, c.window, c.softcap, c.useMask)
		t.Run(name, func(t *testing.T) {
			var want []float64
			got, out := runThreads(t, func(g *Graph) *Tensor {
				q, k, v, pos := attnInputs(t, g, c)
				want = attnRef(t, q, k, v, pos, c, scale)
				p := AttnParams{Scale: float32(scale), Softcap: c.softcap}
				if c.useMask {
					p.Mask = causalMask(t, quant.F16, c.nkv, pos, c.window)
				} else {
					pv := make([]float32, len(pos))
					for i, x := range pos {
						pv[i] = float32(x)
					}
					p.Pos = external(t, quant.I32, pv, len(pv))
					p.Window = c.window
				}
				return g.FlashAttn(q, k, v, p)
			})
			if out.ne != [4]int{attnDim, attnHeads, c.nq, 1} {
				t.Fatalf("shape %v", out.ne)
			}
			tol := 1e-5 * maxAbs(want)
			checkClose(t, got, want, func(int) float64 { return tol })
		})
	}
}

// TestFlashAttnMatchesUnfused builds softmax(Q·Kᵀ)·V from the graph's own
// mul_mat and soft_max (the path models take without flash attention) on
// the same f16 K/V and checks that the fused op agrees to 1e-5 of the
// output's largest magnitude.
func TestFlashAttnMatchesUnfused(t *testing.T) {
	for _, nkv := range []int{1, 33, 700, 2048} {
		for _, window := range []int{0, 48} {
			c := attnCase{nkv: nkv, nq: min(4, nkv), window: window, kv: quant.F16}
			t.Run(fmt.Sprintf("kv%d/win%d", nkv, window), func(t *testing.T) {
				be := NewCPU(2)
				defer be.Close()
				g := NewGraph()
				q, k, v, pos := attnInputs(t, g, c)
				scale := float32(1 / math.Sqrt(attnDim))
				mask := causalMask(t, quant.F32, c.nkv, pos, c.window)

				fused := g.Output(g.FlashAttn(q, k, v, AttnParams{Scale: scale, Mask: mask}))

				kq := g.MulMat(k, q)                  // [nkv, nq, heads]
				kq = g.SoftMaxExt(kq, mask, scale, 0) // rows over keys
				vt := g.Cpy(g.Transpose(v), g.Input(quant.F32, c.nkv, attnDim, attnKV))
				kqv := g.MulMat(vt, kq) // [d, nq, heads]
				unfused := g.Output(g.Permute(kqv, 0, 2, 1, 3))

				if err := g.Compute(be); err != nil {
					t.Fatal(err)
				}
				want := values(t, unfused)
				tol := 1e-5 * maxAbs(want)
				checkClose(t, values(t, fused), want, func(int) float64 { return tol })
			})
		}
	}
}

// TestRoundToF16Scaled holds the fast f16 rounding of the queries to
// quant's conversion there and back, on random bit patterns and on the
// boundaries of its fast path (the smallest normal binary16, 2¹⁵, the
// rounding to 65504 or Inf, ties).
func TestRoundToF16Scaled(t *testing.T) {
	rng := newRNG(40)
	var xs []float32
	for i := 0; i < 200000; i++ {
		xs = append(xs, math.Float32frombits(rng.Uint32()))
	}
	for _, x := range []float32{0, 6.1035156e-05, 6.1035153e-05, 32768, 32767.99, 65504, 65519.99, 65520, 1 + 1.0/2048, 1 + 3.0/2048,
		float32(math.Inf(1)), float32(math.NaN()), 5.9604645e-08, 2.9802322e-08} {
		xs = append(xs, x, -x, math.Nextafter32(x, 0), math.Nextafter32(x, float32(math.Inf(1))))
	}
	for e := -30; e <= 20; e++ {
		for i := 0; i < 64; i++ {
			xs = append(xs, float32(math.Ldexp(1+float64(i)/64+rng.Float64()/64, e)))
		}
	}
	got := make([]float32, len(xs))
	for _, scale := range []float32{1, 0.125} {
		roundToF16Scaled(got, xs, scale)
		for i, x := range xs {
			want := quant.FP16ToFP32(quant.FP32ToFP16(x)) * scale
			if math.Float32bits(got[i]) != math.Float32bits(want) && !(got[i] != got[i] && want != want) {
				t.Fatalf("f16(%g (%#x))·%g = %g, want %g", x, math.Float32bits(x), scale, got[i], want)
			}
		}
	}
}

// TestFlashAttnShapes covers what the Llama-shaped tests do not: other
// head groupings (one KV head per query head, eight query heads per KV
// head), a value size different from the key size, additive masks with
// finite values, keys hidden from whole tiles (several sequences in one
// cache) and queries that see no key at all (their output is 0), against
// a float64 reference.
func TestFlashAttnShapes(t *testing.T) {
	for _, c := range []struct {
		heads, kvHeads, dk, dv, nq, nkv int
		maskType                        quant.Type
	}{
		{4, 4, 64, 64, 9, 300, quant.F32},
		{8, 1, 32, 48, 5, 700, quant.F16},
		{2, 2, 80, 16, 33, 260, quant.F32},
	} {
		t.Run(fmt.Sprintf("h%d/kv%d/dk%d/dv%d/q%d/n%d/%v", c.heads, c.kvHeads, c.dk, c.dv, c.nq, c.nkv, c.maskType), func(t *testing.T) {
			rng := newRNG(uint64(41 + c.nkv))
			qv := randFloats(rng, c.dk*c.nq*c.heads, 1)
			kv := randFloats(rng, c.dk*c.nkv*c.kvHeads, 1)
			vv := randFloats(rng, c.dv*c.nkv*c.kvHeads, 1)
			// Query i belongs to sequence i%3: sequence s owns the keys j
			// with (j/150)%3 == s; query 4 is hidden from everything.
			mv := make([]float32, c.nkv*c.nq)
			for i := 0; i < c.nq; i++ {
				for j := 0; j < c.nkv; j++ {
					switch {
					case i == 4 || (j/150)%3 != i%3 || rng.IntN(5) == 0:
						mv[i*c.nkv+j] = float32(math.Inf(-1))
					default:
						mv[i*c.nkv+j] = float32(roundF16(-2 * rng.Float64()))
					}
				}
			}
			scale := 1 / math.Sqrt(float64(c.dk))
			want := make([]float64, c.dv*c.heads*c.nq)
			group := c.heads / c.kvHeads
			for i := 0; i < c.nq; i++ {
				for h := 0; h < c.heads; h++ {
					hk := h / group
					s := make([]float64, c.nkv)
					mx := math.Inf(-1)
					for j := range s {
						dot := 0.0
						for d := 0; d < c.dk; d++ {
							qd := roundF16(float64(qv[(h*c.nq+i)*c.dk+d]))
							dot += qd * roundF16(float64(kv[(hk*c.nkv+j)*c.dk+d]))
						}
						s[j] = dot*scale + float64(mv[i*c.nkv+j])
						mx = math.Max(mx, s[j])
					}
					if math.IsInf(mx, -1) {
						continue
					}
					sum := 0.0
					for j := range s {
						s[j] = math.Exp(s[j] - mx)
						sum += s[j]
					}
					o := want[(i*c.heads+h)*c.dv : (i*c.heads+h+1)*c.dv]
					for j := range s {
						for d := range o {
							o[d] += s[j] / sum * roundF16(float64(vv[(hk*c.nkv+j)*c.dv+d]))
						}
					}
				}
			}
			got, out := runThreads(t, func(g *Graph) *Tensor {
				q := g.Permute(external(t, quant.F32, qv, c.dk, c.nq, c.heads), 0, 1, 2, 3)
				k := external(t, quant.F16, kv, c.dk, c.nkv, c.kvHeads)
				v := external(t, quant.F16, vv, c.dv, c.nkv, c.kvHeads)
				mask := external(t, c.maskType, mv, c.nkv, c.nq)
				return g.FlashAttn(q, k, v, AttnParams{Scale: float32(scale), Mask: mask})
			})
			if out.ne != [4]int{c.dv, c.heads, c.nq, 1} {
				t.Fatalf("shape %v", out.ne)
			}
			tol := 1e-5 * maxAbs(want)
			checkClose(t, got, want, func(int) float64 { return tol })
		})
	}
}
