package model

import (
	"fmt"

	"github.com/gollm/gollm/tensor"
)

// The qwen3 and qwen3moe architectures: Qwen 3 dense and mixture-of-experts
// models. Pre-norm blocks with RMS norm, NEOX rotary embeddings and an
// explicit head size (key_length, so n_head·head_dim may differ from
// n_embd); q and k each get a per-head RMS norm before the rotation. The
// dense model has a SwiGLU FFN; qwen3moe routes every token to the
// expert_used_count most probable of expert_count SwiGLU experts
// (softmax router, chosen probabilities renormalised to sum 1).

func init() {
	Register("qwen3", func(m *Model) (Arch, error) { return newQwen3(m, false) })
	Register("qwen3moe", func(m *Model) (Arch, error) { return newQwen3(m, true) })
}

type qwen3 struct {
	llama
	moe bool

	// traceExperts makes Forward keep each layer's expert choice in
	// expertIDs (readable after Compute); for measurements only.
	traceExperts bool
	expertIDs    []*tensor.Tensor
	noRenorm     bool // tests: keep the raw router probabilities
}

func newQwen3(m *Model, moe bool) (Arch, error) {
	hp := m.HP
	if !moe && hp.NExpert > 0 {
		return nil, fmt.Errorf("model: qwen3: %d experts in a dense qwen3 file", hp.NExpert)
	}
	b := &binder{m: m}
	a := &qwen3{llama: llama{hp: hp}, moe: moe}
	a.tokEmbd, a.outNorm, a.output = b.bindOutput(hp)
	for l := 0; l < hp.NLayer; l++ {
		at := b.bindAttn(l, hp)
		b.bindQKNorm(l, hp, &at)
		a.attn = append(a.attn, at)
		if moe {
			a.ffn = append(a.ffn, b.bindMoE(l, hp))
		} else {
			a.ffn = append(a.ffn, b.bindFFN(l, hp))
		}
	}
	return a, b.err
}

// keyRope is the rotary embedding of every layer (Context.Shift).
func (a *qwen3) keyRope(int, int) (tensor.RopeParams, *tensor.Tensor) {
	return ropeParams(a.hp, tensor.RopeNeoX, 0), nil
}

func (a *qwen3) Forward(g *tensor.Graph, b *Batch) *tensor.Tensor {
	hp := a.hp
	rope, _ := a.keyRope(0, b.KV.Size)
	opts := attnOptions{rope: rope, eps: hp.NormRMSEps}
	if !a.moe {
		return a.decode(g, b, opts, nil)
	}
	if a.traceExperts {
		a.expertIDs = a.expertIDs[:0]
	}
	return a.decode(g, b, opts, func(l int, h *tensor.Tensor) *tensor.Tensor {
		var ids *tensor.Tensor
		h = moeFFN(g, &a.ffn[l], h, hp.NExpertUsed, !a.noRenorm, &ids)
		if a.traceExperts {
			a.expertIDs = append(a.expertIDs, g.Output(ids))
		}
		return h
	})
}
