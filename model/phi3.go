package model

import (
	"fmt"

	"github.com/gollm/gollm/tensor"
)

// The phi3 architecture: Phi-3 and Phi-3.5 (mini, medium) and Phi-4-mini.
// Pre-norm blocks with RMS norm; q, k and v come from one fused attn_qkv
// projection and the FFN's gate and up from one fused ffn_up ([gate; up]
// rows, SwiGLU). NEOX rotary embeddings may cover only part of each head
// (rope.dimension_count < head size). Long-context models carry LongRoPE
// frequency factors, rope_factors_short and rope_factors_long: the long
// ones apply when the context exceeds the original training context. q is
// scaled by 1/√head size before attention. (llama.cpp ignores phi3's
// sliding window, and so does this.)

func init() { Register("phi3", newPhi3) }

type phi3 struct {
	hp                       *HParams
	tokEmbd, outNorm, output *tensor.Tensor
	ropeShort, ropeLong      *tensor.Tensor
	attn                     []attnLayer
	ffn                      []ffnLayer
}

func newPhi3(m *Model) (Arch, error) {
	hp := m.HP
	b := &binder{m: m}
	a := &phi3{hp: hp}
	a.tokEmbd, a.outNorm, a.output = b.bindOutput(hp)
	a.ropeShort = b.opt("rope_factors_short.weight", hp.NRot/2)
	a.ropeLong = b.opt("rope_factors_long.weight", hp.NRot/2)
	for l := 0; l < hp.NLayer; l++ {
		a.attn = append(a.attn, b.bindAttn(l, hp)) // fused attn_qkv
		p := fmt.Sprintf("blk.%d.", l)
		a.ffn = append(a.ffn, ffnLayer{
			norm:   b.req(p+"ffn_norm.weight", hp.NEmbd),
			up:     b.req(p+"ffn_up.weight", hp.NEmbd, 2*hp.NFF),
			upGate: true,
			down:   b.req(p+"ffn_down.weight", hp.NFF, hp.NEmbd),
		})
	}
	return a, b.err
}

// ropeFactors picks the LongRoPE factors for a context of nCtx positions,
// as llama.cpp does: the long factors once the context exceeds the
// original training context.
func (a *phi3) ropeFactors(nCtx int) *tensor.Tensor {
	if nCtx > a.hp.RopeOrigCtx && a.ropeLong != nil {
		return a.ropeLong
	}
	return a.ropeShort
}

func (a *phi3) Forward(g *tensor.Graph, b *Batch) *tensor.Tensor {
	hp := a.hp
	opts := attnOptions{
		rope:      ropeParams(hp, tensor.RopeNeoX, 0),
		ropeFreqs: a.ropeFactors(b.KV.Size),
		qScale:    invSqrt32(hp.HeadDimK),
	}
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
