package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"unsafe"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// toyModel is a two-layer llama-style model with random weights, built the
// way gollm's model package builds real ones: weights are external tensors
// (here from Go slices; in a model, views into the mmapped GGUF file), the
// KV cache is a persistent backend buffer, and every step rebuilds the
// graph in a reused Graph.
type toyModel struct {
	vocab, embd, heads, kvHeads, headDim, ff, ctx int

	tokEmbd, outNorm, output *tensor.Tensor
	layers                   []toyLayer
	cacheBufs                []tensor.Buffer
	g                        *tensor.Graph
	pos                      int // tokens in the cache
}

type toyLayer struct {
	attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down *tensor.Tensor
	kCache, vCache                                    *tensor.Tensor // f16 [kvHeads·headDim, ctx]
}

// f32Tensor wraps vals as an external F32 tensor (a stand-in for a GGUF
// tensor view).
func f32Tensor(vals []float32, ne ...int) *tensor.Tensor {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(vals))), 4*len(vals))
	t, err := tensor.New(quant.F32, b, ne...)
	if err != nil {
		panic(err)
	}
	return t
}

func newToyModel(be tensor.Backend) (*toyModel, error) {
	m := &toyModel{vocab: 32, embd: 64, heads: 4, kvHeads: 2, headDim: 16, ff: 96, ctx: 32, g: tensor.NewGraph()}
	rng := rand.New(rand.NewPCG(1, 2))
	randn := func(n int, scale float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * scale)
		}
		return v
	}
	ones := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	// Random embeddings, and an output matrix whose row t is the embedding
	// of t-1: with small layer weights the model predicts "next token =
	// current + 1", which makes the example's output easy to check.
	embd := randn(m.vocab*m.embd, 1)
	out := make([]float32, len(embd))
	for t := 0; t < m.vocab; t++ {
		copy(out[t*m.embd:(t+1)*m.embd], embd[((t+m.vocab-1)%m.vocab)*m.embd:])
	}
	m.tokEmbd = f32Tensor(embd, m.embd, m.vocab)
	m.output = f32Tensor(out, m.embd, m.vocab)
	m.outNorm = f32Tensor(ones(m.embd), m.embd)
	kvDim := m.kvHeads * m.headDim
	for l := 0; l < 2; l++ {
		L := toyLayer{
			attnNorm: f32Tensor(ones(m.embd), m.embd),
			wq:       f32Tensor(randn(m.embd*m.embd, 0.02), m.embd, m.embd),
			wk:       f32Tensor(randn(m.embd*kvDim, 0.02), m.embd, kvDim),
			wv:       f32Tensor(randn(m.embd*kvDim, 0.02), m.embd, kvDim),
			wo:       f32Tensor(randn(m.embd*m.embd, 0.02), m.embd, m.embd),
			ffnNorm:  f32Tensor(ones(m.embd), m.embd),
			gate:     f32Tensor(randn(m.embd*m.ff, 0.02), m.embd, m.ff),
			up:       f32Tensor(randn(m.embd*m.ff, 0.02), m.embd, m.ff),
			down:     f32Tensor(randn(m.ff*m.embd, 0.02), m.ff, m.embd),
		}
		for _, c := range []**tensor.Tensor{&L.kCache, &L.vCache} {
			t, buf, err := tensor.Alloc(be, quant.F16, kvDim, m.ctx)
			if err != nil {
				return nil, err
			}
			*c = t
			m.cacheBufs = append(m.cacheBufs, buf)
		}
		m.layers = append(m.layers, L)
	}
	return m, nil
}

// step evaluates tokens at positions m.pos… and returns the argmax of the
// last token's logits.
func (m *toyModel) step(be tensor.Backend, tokens []int32) (int32, error) {
	n := len(tokens)
	if m.pos+n > m.ctx {
		return 0, fmt.Errorf("context full")
	}
	g := m.g
	g.Reset()
	tok := g.Input(quant.I32, n)
	pos := g.Input(quant.I32, n)
	tv, _ := tok.I32()
	pv, _ := pos.I32()
	copy(tv, tokens)
	for i := range pv {
		pv[i] = int32(m.pos + i)
	}
	const eps = 1e-5
	rope := tensor.RopeParams{Dims: m.headDim, Mode: tensor.RopeNormal, FreqBase: 10000}
	attn := tensor.AttnParams{Scale: float32(1 / math.Sqrt(float64(m.headDim))), Pos: pos}
	kvDim, nkv := m.kvHeads*m.headDim, m.pos+n

	x := g.GetRows(m.tokEmbd, tok) // [embd, n]
	for _, L := range m.layers {
		h := g.Mul(g.RMSNorm(x, eps), L.attnNorm)
		q := g.Rope(g.Reshape(g.MulMat(L.wq, h), m.headDim, m.heads, n), pos, nil, rope)
		k := g.Rope(g.Reshape(g.MulMat(L.wk, h), m.headDim, m.kvHeads, n), pos, nil, rope)
		v := g.MulMat(L.wv, h)
		// Store this step's keys and values in cache rows pos…pos+n-1.
		rowBytes := L.kCache.Nb(1)
		g.Cpy(k, g.View2D(L.kCache, kvDim, n, rowBytes, m.pos*rowBytes))
		g.Cpy(v, g.View2D(L.vCache, kvDim, n, rowBytes, m.pos*rowBytes))
		// Attend over the whole cache so far: [headDim, nkv, kvHeads] views.
		ks := g.View3D(L.kCache, m.headDim, nkv, m.kvHeads, rowBytes, 2*m.headDim, 0)
		vs := g.View3D(L.vCache, m.headDim, nkv, m.kvHeads, rowBytes, 2*m.headDim, 0)
		a := g.FlashAttn(g.Permute(q, 0, 2, 1, 3), ks, vs, attn) // [headDim, heads, n]
		x = g.Add(x, g.MulMat(L.wo, g.Reshape(a, m.embd, n)))
		h = g.Mul(g.RMSNorm(x, eps), L.ffnNorm)
		x = g.Add(x, g.MulMat(L.down, g.SwiGLU(g.MulMat(L.gate, h), g.MulMat(L.up, h))))
	}
	last := g.View2D(x, m.embd, 1, x.Nb(1), (n-1)*x.Nb(1))
	logits := g.MulMat(m.output, g.Mul(g.RMSNorm(last, eps), m.outNorm))
	next := g.Output(g.Argmax(logits))
	if err := g.Compute(be); err != nil {
		return 0, err
	}
	m.pos += n
	ids, err := next.I32()
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// Example builds a two-layer toy transformer whose per-token graph is
// rebuilt every step in one reused Graph, with a KV cache in persistent
// backend buffers, and generates greedily from a prompt.
func Example() {
	be, err := tensor.DefaultBackend()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer be.Close()
	m, err := newToyModel(be)
	if err != nil {
		fmt.Println(err)
		return
	}
	next, err := m.step(be, []int32{3, 4, 5, 6}) // the prompt, as one batch
	var out []int32
	for i := 0; i < 6 && err == nil; i++ {
		out = append(out, next)
		next, err = m.step(be, []int32{next}) // then one token per step
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out)
	// Output: [7 8 9 10 11 12]
}
