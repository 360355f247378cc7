package model

import "github.com/gollm/gollm/tensor"

// The qwen2 architecture: Qwen 1.5, Qwen 2 and Qwen 2.5. The llama block
// (RMS pre-norms, grouped-query attention, SwiGLU FFN) with biases on the
// q, k and v projections and NEOX rotary embeddings (i rotates with
// i + n_rot/2); small models tie the output projection to the embeddings.

func init() { Register("qwen2", newQwen2) }

type qwen2 struct{ llama }

func newQwen2(m *Model) (Arch, error) {
	hp := m.HP
	b := &binder{m: m}
	a := &qwen2{llama{hp: hp}}
	a.tokEmbd, a.outNorm, a.output = b.bindOutput(hp)
	for l := 0; l < hp.NLayer; l++ {
		a.attn = append(a.attn, b.bindAttn(l, hp)) // binds the q/k/v biases
		a.ffn = append(a.ffn, b.bindFFN(l, hp))
	}
	return a, b.err
}

func (a *qwen2) Forward(g *tensor.Graph, b *Batch) *tensor.Tensor {
	rope, _ := a.keyRope(0, b.KV.Size)
	return a.decode(g, b, attnOptions{rope: rope}, nil)
}

// keyRope is the rotary embedding of every layer (Context.Shift).
func (a *qwen2) keyRope(int, int) (tensor.RopeParams, *tensor.Tensor) {
	return ropeParams(a.hp, tensor.RopeNeoX, 0), nil
}
