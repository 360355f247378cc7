package model

import "github.com/gollm/gollm/tensor"

// The qwen2 architecture: Qwen 1.5, Qwen 2 and Qwen 2.5. The llama block
// (RMS pre-norms, grouped-query attention, SwiGLU FFN) with biases on the
// q, k and v projections and NEOX rotary embeddings (i rotates with
// i + n_rot/2); small models tie the output projection to the embeddings.

func init() { Register("qwen2", newQwen2) }

type qwen2 struct {
	hp                       *HParams
	tokEmbd, outNorm, output *tensor.Tensor
	attn                     []attnLayer
	ffn                      []ffnLayer
}

func newQwen2(m *Model) (Arch, error) {
	hp := m.HP
	b := &binder{m: m}
	a := &qwen2{hp: hp}
	a.tokEmbd, a.outNorm, a.output = b.bindOutput(hp)
	for l := 0; l < hp.NLayer; l++ {
		a.attn = append(a.attn, b.bindAttn(l, hp)) // binds the q/k/v biases
		a.ffn = append(a.ffn, b.bindFFN(l, hp))
	}
	return a, b.err
}

func (a *qwen2) Forward(g *tensor.Graph, b *Batch) *tensor.Tensor {
	hp := a.hp
	opts := attnOptions{rope: ropeParams(hp, tensor.RopeNeoX, 0)}
	x := g.GetRows(a.tokEmbd, b.Tokens)
	for l := range a.attn {
		h := rmsNorm(g, x, a.attn[l].norm, hp.NormRMSEps)
		h = attention(g, b, l, &a.attn[l], h, opts)
		if l == len(a.attn)-1 {
			h = selectOutputs(g, b, h)
			x = selectOutputs(g, b, x)
		}
		x = g.Add(h, x)
		h = rmsNorm(g, x, a.ffn[l].norm, hp.NormRMSEps)
		h = gatedFFN(g, &a.ffn[l], h, false)
		x = g.Add(h, x)
	}
	x = rmsNorm(g, x, a.outNorm, hp.NormRMSEps)
	if b.Embed {
		return x
	}
	return g.MulMat(a.output, x)
}
