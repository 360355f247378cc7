package model

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/tensor"
)

// This file holds the pieces of transformer blocks that several
// architectures share, so that each architecture's file states only what
// differs.

// ropeParams returns the rotary embedding settings for hp, with llama.cpp's
// defaults for the YaRN parameters. base overrides the frequency base when
// non-zero (gemma3's local layers).
func ropeParams(hp *HParams, mode tensor.RopeMode, base float32) tensor.RopeParams {
	p := tensor.RopeParams{
		Dims:       hp.NRot,
		Mode:       mode,
		FreqBase:   hp.RopeFreqBase,
		FreqScale:  hp.RopeFreqScale,
		AttnFactor: 1,
		BetaFast:   hp.YaRNBetaFast,
		BetaSlow:   hp.YaRNBetaSlow,
		OrigCtx:    hp.RopeOrigCtx,
	}
	if base != 0 {
		p.FreqBase = base
	}
	if hp.RopeScalingType == RopeScalingYaRN {
		p.ExtFactor = hp.YaRNExtFactor
		if p.ExtFactor < 0 {
			p.ExtFactor = 1
		}
		p.AttnFactor = hp.YaRNAttnFactor
	}
	return p
}

// attnLayer holds one layer's attention weights. Biases and norms are nil
// when the architecture has none.
type attnLayer struct {
	norm                   *tensor.Tensor
	wq, wk, wv, wo         *tensor.Tensor
	wqkv                   *tensor.Tensor // fused [q; k; v] projection (phi3)
	bq, bk, bv, bo         *tensor.Tensor
	qNorm, kNorm           *tensor.Tensor // per-head RMS norms (qwen3, gemma3)
	postNorm               *tensor.Tensor // gemma2/3 post-attention norm
	nHead, nHeadKV, hd, hv int
}

// ffnLayer holds one layer's feed-forward weights.
type ffnLayer struct {
	norm             *tensor.Tensor
	gate, up, down   *tensor.Tensor
	upGate           bool           // up holds [gate; up] (phi3)
	postNorm         *tensor.Tensor // gemma2/3 post-FFN norm
	gateInp          *tensor.Tensor // MoE router [n_embd, n_expert]
	gateExps, upExps *tensor.Tensor // MoE experts [n_embd, n_ff_exp, n_expert]
	downExps         *tensor.Tensor // [n_ff_exp, n_embd, n_expert]
}

// binder collects the first error while binding a layer's weights.
type binder struct {
	m   *Model
	err error
}

func (b *binder) req(name string, ne ...int) *tensor.Tensor {
	if b.err != nil {
		return nil
	}
	t, err := b.m.Weight(name, ne...)
	if err != nil {
		b.err = err
	}
	return t
}

func (b *binder) opt(name string, ne ...int) *tensor.Tensor {
	if b.err != nil {
		return nil
	}
	t, err := b.m.OptionalWeight(name, ne...)
	if err != nil {
		b.err = err
	}
	return t
}

// bindAttn binds blk.<l>.attn_* with the usual separate q, k, v.
func (b *binder) bindAttn(l int, hp *HParams) attnLayer {
	p := fmt.Sprintf("blk.%d.", l)
	nq, nk, nv := hp.HeadDimK*hp.NHead, hp.HeadDimK*hp.NHeadKV, hp.HeadDimV*hp.NHeadKV
	a := attnLayer{nHead: hp.NHead, nHeadKV: hp.NHeadKV, hd: hp.HeadDimK, hv: hp.HeadDimV}
	a.norm = b.req(p+"attn_norm.weight", hp.NEmbd)
	if b.m.has(p + "attn_qkv.weight") {
		a.wqkv = b.req(p+"attn_qkv.weight", hp.NEmbd, nq+nk+nv)
	} else {
		a.wq = b.req(p+"attn_q.weight", hp.NEmbd, nq)
		a.wk = b.req(p+"attn_k.weight", hp.NEmbd, nk)
		a.wv = b.req(p+"attn_v.weight", hp.NEmbd, nv)
	}
	a.wo = b.req(p+"attn_output.weight", hp.HeadDimV*hp.NHead, hp.NEmbd)
	a.bq = b.opt(p+"attn_q.bias", nq)
	a.bk = b.opt(p+"attn_k.bias", nk)
	a.bv = b.opt(p+"attn_v.bias", nv)
	a.bo = b.opt(p+"attn_output.bias", hp.NEmbd)
	return a
}

// bindFFN binds blk.<l>.ffn_* for a dense gated FFN (gate, up, down).
func (b *binder) bindFFN(l int, hp *HParams) ffnLayer {
	p := fmt.Sprintf("blk.%d.", l)
	f := ffnLayer{}
	f.norm = b.req(p+"ffn_norm.weight", hp.NEmbd)
	f.gate = b.req(p+"ffn_gate.weight", hp.NEmbd, hp.NFF)
	f.up = b.req(p+"ffn_up.weight", hp.NEmbd, hp.NFF)
	f.down = b.req(p+"ffn_down.weight", hp.NFF, hp.NEmbd)
	return f
}

func (m *Model) has(name string) bool {
	_, ok := m.File.Tensor(name)
	return ok
}

// norm is RMS norm followed by the weight (nil weight: no multiply).
func rmsNorm(g *tensor.Graph, x, w *tensor.Tensor, eps float32) *tensor.Tensor {
	x = g.RMSNorm(x, eps)
	if w != nil {
		x = g.Mul(x, w)
	}
	return x
}

// linear is w·x (+ bias).
func linear(g *tensor.Graph, w, bias, x *tensor.Tensor) *tensor.Tensor {
	y := g.MulMat(w, x)
	if bias != nil {
		y = g.Add(y, bias)
	}
	return y
}

// attnOptions vary the attention block between architectures.
type attnOptions struct {
	rope       tensor.RopeParams
	ropeFreqs  *tensor.Tensor // per-dimension frequency factors (Llama 3.1)
	eps        float32        // for the q/k norms
	scale      float32        // 0: 1/√head size
	softcap    float32
	window     int // sliding window (0: none)
	qkNormMode int // 0 none; 1 per-head RMS norm on q and k
}

// attention computes the self-attention of layer l for the normalised input
// x ([n_embd, n_tokens]), storing this batch's keys and values in the cache,
// and returns the output projection ([n_embd, n_tokens]).
func attention(g *tensor.Graph, b *Batch, l int, a *attnLayer, x *tensor.Tensor, o attnOptions) *tensor.Tensor {
	n := b.NTokens
	var q, k, v *tensor.Tensor
	if a.wqkv != nil {
		qkv := g.MulMat(a.wqkv, x)
		nq, nk := a.hd*a.nHead, a.hd*a.nHeadKV
		rs := qkv.Nb(1)
		es := qkv.Nb(0)
		q = g.View3D(qkv, a.hd, a.nHead, n, a.hd*es, rs, 0)
		k = g.View3D(qkv, a.hd, a.nHeadKV, n, a.hd*es, rs, nq*es)
		v = g.View3D(qkv, a.hv, a.nHeadKV, n, a.hv*es, rs, (nq+nk)*es)
		v = g.Cont(v)
	} else {
		q = g.Reshape(linear(g, a.wq, a.bq, x), a.hd, a.nHead, n)
		k = g.Reshape(linear(g, a.wk, a.bk, x), a.hd, a.nHeadKV, n)
		v = g.Reshape(linear(g, a.wv, a.bv, x), a.hv, a.nHeadKV, n)
	}
	if a.qNorm != nil {
		q = rmsNorm(g, q, a.qNorm, o.eps)
	}
	if a.kNorm != nil {
		k = rmsNorm(g, k, a.kNorm, o.eps)
	}
	q = g.Rope(q, b.Pos, o.ropeFreqs, o.rope)
	k = g.Rope(k, b.Pos, o.ropeFreqs, o.rope)
	b.KV.Store(g, l, b, k, v)
	scale := o.scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(a.hd)))
	}
	nkv := b.NKV()
	att := g.FlashAttn(g.Permute(q, 0, 2, 1, 3), b.KV.Keys(g, l, nkv), b.KV.Values(g, l, nkv), tensor.AttnParams{
		Scale:   scale,
		Softcap: o.softcap,
		Pos:     b.Pos,
		Window:  o.window,
	})
	att = g.Reshape(att, a.hv*a.nHead, n)
	return linear(g, a.wo, a.bo, att)
}

// gatedFFN is down(act(gate·x) ⊙ up·x) with act SiLU or GELU.
func gatedFFN(g *tensor.Graph, f *ffnLayer, x *tensor.Tensor, gelu bool) *tensor.Tensor {
	var h *tensor.Tensor
	switch {
	case f.upGate:
		gu := g.MulMat(f.up, x)
		if gelu {
			h = g.GeGLU(gu, nil)
		} else {
			h = g.SwiGLU(gu, nil)
		}
	case gelu:
		h = g.GeGLU(g.MulMat(f.gate, x), g.MulMat(f.up, x))
	default:
		h = g.SwiGLU(g.MulMat(f.gate, x), g.MulMat(f.up, x))
	}
	return g.MulMat(f.down, h)
}

// selectOutputs keeps the rows of x ([n_embd, n_tokens]) that need logits.
func selectOutputs(g *tensor.Graph, b *Batch, x *tensor.Tensor) *tensor.Tensor {
	if b.Outputs.Ne(0) == b.NTokens {
		return x
	}
	return g.GetRows(x, b.Outputs)
}
