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
	llama
	ropeShort, ropeLong *tensor.Tensor
}

func newPhi3(m *Model) (Arch, error) {
	hp := m.HP
	b := &binder{m: m}
	a := &phi3{llama: llama{hp: hp}}
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
	rope, freqs := a.keyRope(0, b.KV.Size)
	return a.decode(g, b, attnOptions{rope: rope, ropeFreqs: freqs, qScale: invSqrt32(a.hp.HeadDimK)}, nil)
}

// keyRope is the rotary embedding of every layer (Context.Shift); long-rope
// factors depend on the cache size.
func (a *phi3) keyRope(_, ctxSize int) (tensor.RopeParams, *tensor.Tensor) {
	return ropeParams(a.hp, tensor.RopeNeoX, 0), a.ropeFactors(ctxSize)
}
