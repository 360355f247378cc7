package model

import (
	"fmt"

	"github.com/gollm/gollm/tensor"
)

// The llama architecture: Llama 1/2/3/3.x, Mistral, TinyLlama, SmolLM and
// the llama2.c models. Pre-norm decoder blocks with RMS norm, rotary
// embeddings on adjacent pairs, grouped-query attention and a SwiGLU
// feed-forward network; Llama 3.1's rope scaling arrives as the
// rope_freqs.weight frequency factors.
//
// The same decoder, with other attention options or feed-forward blocks,
// is qwen2, qwen3, qwen3moe and phi3: their files embed llama and state
// only what differs.

func init() { Register("llama", newLlama) }

type llama struct {
	hp        *HParams
	tokEmbd   *tensor.Tensor
	outNorm   *tensor.Tensor
	output    *tensor.Tensor
	ropeFreqs *tensor.Tensor
	attn      []attnLayer
	ffn       []ffnLayer
}

func newLlama(m *Model) (Arch, error) {
	hp := m.HP
	if hp.NExpert > 0 {
		return nil, fmt.Errorf("model: llama: mixture-of-experts llama files (%d experts) are not supported", hp.NExpert)
	}
	b := &binder{m: m}
	a := &llama{hp: hp}
	a.tokEmbd, a.outNorm, a.output = b.bindOutput(hp)
	a.ropeFreqs = b.opt("rope_freqs.weight", hp.NRot/2)
	for l := 0; l < hp.NLayer; l++ {
		a.attn = append(a.attn, b.bindAttn(l, hp))
		a.ffn = append(a.ffn, b.bindFFN(l, hp))
	}
	return a, b.err
}

func (a *llama) Forward(g *tensor.Graph, b *Batch) *tensor.Tensor {
	rope, freqs := a.keyRope(0, b.KV.Size)
	return a.decode(g, b, attnOptions{rope: rope, ropeFreqs: freqs}, nil)
}

// keyRope is the rotary embedding of every layer (Context.Shift).
func (a *llama) keyRope(int, int) (tensor.RopeParams, *tensor.Tensor) {
	return ropeParams(a.hp, tensor.RopeNormal, 0), a.ropeFreqs
}

// decode builds the decoder: token embeddings; per layer, attention and a
// feed-forward block, each on the RMS-normalised residual stream and added
// back to it; the final norm and the output projection. ffn computes layer
// l's feed-forward block from its normalised input (nil: the SwiGLU FFN).
func (a *llama) decode(g *tensor.Graph, b *Batch, opts attnOptions, ffn func(l int, h *tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	hp := a.hp
	x := g.GetRows(a.tokEmbd, b.Tokens)
	for l := range a.attn {
		h := rmsNorm(g, x, a.attn[l].norm, hp.NormRMSEps)
		h = attention(g, b, l, &a.attn[l], h, opts)
		if l == len(a.attn)-1 {
			// Only the rows that need logits go through the last FFN.
			h = selectOutputs(g, b, h)
			x = selectOutputs(g, b, x)
		}
		x = g.Add(h, x)
		h = rmsNorm(g, x, a.ffn[l].norm, hp.NormRMSEps)
		if ffn != nil {
			h = ffn(l, h)
		} else {
			h = gatedFFN(g, &a.ffn[l], h, false)
		}
		x = g.Add(h, x)
	}
	x = rmsNorm(g, x, a.outNorm, hp.NormRMSEps)
	if b.Embed {
		return x
	}
	return g.MulMat(a.output, x)
}
