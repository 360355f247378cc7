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
	// rope.scaling.attn_factor (LongRoPE's magnitude correction) multiplies
	// the rotation for every scaling type, as llama.cpp folds it into its
	// attention factor.
	if hp.RopeScalingAttnF != 0 {
		p.AttnFactor *= hp.RopeScalingAttnF
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
	// qScale, when non-zero, multiplies q after the rotary embedding (in
	// F32, before q meets the cache's keys) and the attention then uses
	// scale 1 unless scale is set: llama.cpp's phi3 and gemma graphs scale
	// q this way instead of the scores.
	qScale float32
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
	if o.qScale != 0 {
		q = g.Scale(q, o.qScale)
		if scale == 0 {
			scale = 1
		}
	}
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

// bindOutput binds the token embeddings, the final norm and the output
// projection; a file without output.weight ties it to token_embd.
func (b *binder) bindOutput(hp *HParams) (tokEmbd, outNorm, output *tensor.Tensor) {
	tokEmbd = b.req("token_embd.weight", hp.NEmbd, hp.NVocab)
	outNorm = b.req("output_norm.weight", hp.NEmbd)
	output = b.opt("output.weight", hp.NEmbd, hp.NVocab)
	if output == nil {
		output = tokEmbd
	}
	return tokEmbd, outNorm, output
}

// bindQKNorm binds blk.<l>.attn_q_norm and attn_k_norm, the per-head RMS
// norm weights of q and k (qwen3, gemma3).
func (b *binder) bindQKNorm(l int, hp *HParams, a *attnLayer) {
	p := fmt.Sprintf("blk.%d.", l)
	a.qNorm = b.req(p+"attn_q_norm.weight", hp.HeadDimK)
	a.kNorm = b.req(p+"attn_k_norm.weight", hp.HeadDimK)
}

// bindPostNorms binds the gemma-style norms applied to the attention and
// FFN outputs before their residual adds.
func (b *binder) bindPostNorms(l int, hp *HParams, a *attnLayer, f *ffnLayer) {
	p := fmt.Sprintf("blk.%d.", l)
	a.postNorm = b.req(p+"post_attention_norm.weight", hp.NEmbd)
	f.postNorm = b.req(p+"post_ffw_norm.weight", hp.NEmbd)
}

// bindMoE binds a mixture-of-experts FFN: the router ffn_gate_inp and the
// 3-D expert tensors ffn_{gate,up,down}_exps.
func (b *binder) bindMoE(l int, hp *HParams) ffnLayer {
	p := fmt.Sprintf("blk.%d.", l)
	if b.err == nil && (hp.NExpert <= 0 || hp.NExpertUsed <= 0) {
		b.err = fmt.Errorf("model: %s: expert_count %d and expert_used_count %d must be positive", hp.Arch, hp.NExpert, hp.NExpertUsed)
		return ffnLayer{}
	}
	nff := hp.NFFExpert
	if nff == 0 {
		nff = hp.NFF / hp.NExpertUsed
	}
	f := ffnLayer{}
	f.norm = b.req(p+"ffn_norm.weight", hp.NEmbd)
	f.gateInp = b.req(p+"ffn_gate_inp.weight", hp.NEmbd, hp.NExpert)
	f.gateExps = b.req(p+"ffn_gate_exps.weight", hp.NEmbd, nff, hp.NExpert)
	f.upExps = b.req(p+"ffn_up_exps.weight", hp.NEmbd, nff, hp.NExpert)
	f.downExps = b.req(p+"ffn_down_exps.weight", nff, hp.NEmbd, hp.NExpert)
	return f
}

// slidingLayers returns which layers use sliding-window attention. A
// per-layer pattern from the file wins; otherwise llama.cpp's period rule
// applies with the file's sliding_window_pattern or def: with period n,
// layer l is local when l mod n < n-1 (n = 2: even layers local; n = 6:
// five local layers, then one global). No window means no local layers.
func slidingLayers(hp *HParams, def int) []bool {
	local := make([]bool, hp.NLayer)
	if hp.SlidingWindow <= 0 {
		return local
	}
	if len(hp.SlidingWindowLayers) == hp.NLayer {
		copy(local, hp.SlidingWindowLayers)
		return local
	}
	n := hp.SlidingWindowPattern
	if n == 0 {
		n = def
	}
	for l := range local {
		local[l] = n == 0 || l%n < n-1
	}
	return local
}

// moeFFN is the mixture-of-experts FFN as llama.cpp builds it with softmax
// gating: router probabilities softmax(gate_inp·x), the nUsed most
// probable experts per token, their probabilities renormalised to sum 1
// when norm is set, each selected expert's down(silu(gate·x) ⊙ up·x)
// weighted by its probability, and the weighted outputs summed in
// selection order. The expert products go through MulMatID, which reads
// only the selected experts' weights. ids, when non-nil, receives the I32
// expert choice [nUsed, n_tokens] tensor.
func moeFFN(g *tensor.Graph, f *ffnLayer, x *tensor.Tensor, nUsed int, norm bool, ids **tensor.Tensor) *tensor.Tensor {
	nEmbd, n := x.Ne(0), x.Ne(1)
	nExpert := f.gateInp.Ne(1)
	probs := g.SoftMax(g.MulMat(f.gateInp, x)) // [n_expert, n]
	sel := g.TopK(probs, nUsed)                // [n_used, n]
	if ids != nil {
		*ids = sel
	}
	w := g.GetRows(g.Reshape(probs, 1, nExpert, n), sel) // [1, n_used, n]
	if norm {
		w2 := g.Reshape(w, nUsed, n)
		w = g.Reshape(g.Div(w2, g.SumRows(w2)), 1, nUsed, n)
	}
	xe := g.Reshape(x, nEmbd, 1, n)
	h := g.SwiGLU(g.MulMatID(f.gateExps, xe, sel), g.MulMatID(f.upExps, xe, sel)) // [n_ff, n_used, n]
	e := g.Mul(g.MulMatID(f.downExps, h, sel), w)                                 // [n_embd, n_used, n]
	out := g.View2D(e, nEmbd, n, e.Nb(2), 0)
	for i := 1; i < nUsed; i++ {
		out = g.Add(out, g.View2D(e, nEmbd, n, e.Nb(2), i*e.Nb(1)))
	}
	if nUsed == 1 {
		out = g.Cont(out)
	}
	return out
}

// invSqrt32 is 1/sqrtf(n) computed in float32 as llama.cpp's graphs do.
func invSqrt32(n int) float32 {
	s := float32(math.Sqrt(float64(n))) // correctly rounded, as sqrtf
	return 1 / s
}
