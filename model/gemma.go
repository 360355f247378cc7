package model

import (
	"math"

	"github.com/gollm/gollm/tensor"
)

// The gemma2 and gemma3 architectures: Gemma 2 and the Gemma 3 text
// models. The embeddings are scaled by √n_embd; every block normalises its
// input (RMS norm, weights stored as 1+w by the converter) and also the
// outputs of attention and FFN before their residual adds; the FFN is
// GELU(tanh)-gated; q is scaled by 1/√head size (1/√(n_embd/n_head) for the
// 27B models) before attention; NEOX rotary embeddings. Layers alternate
// between sliding-window (local) and global attention: with the period n
// of sliding_window_pattern (default 2 for Gemma 2, 6 for Gemma 3) layer l
// is local when l mod n < n-1.
//
// Gemma 2 soft-caps the attention scores (c·tanh(s/c), c =
// attn_logit_softcapping, default 50) and the output logits
// (final_logit_softcapping, default 30). Gemma 3 has no soft-capping but
// per-head q/k RMS norms, and its local layers rotate with their own base
// (rope.freq_base_swa, default 10000) and no position scaling, while global
// layers use rope.freq_base and the file's scaling.

func init() {
	Register("gemma2", func(m *Model) (Arch, error) { return newGemma(m, 2) })
	Register("gemma3", func(m *Model) (Arch, error) { return newGemma(m, 3) })
}

type gemma struct {
	hp                       *HParams
	version                  int
	tokEmbd, outNorm, output *tensor.Tensor
	attn                     []attnLayer
	ffn                      []ffnLayer

	local             []bool  // sliding-window layers
	embdScale         float32 // √n_embd
	qScale            float32
	attnSoftcap       float32 // 0: none
	finalSoftcap      float32 // 0: none
	baseSWA, scaleSWA float32 // rope base and position scale of local layers
}

func newGemma(m *Model, version int) (Arch, error) {
	hp := m.HP
	b := &binder{m: m}
	a := &gemma{hp: hp, version: version}
	a.tokEmbd, a.outNorm, a.output = b.bindOutput(hp)
	for l := 0; l < hp.NLayer; l++ {
		at := b.bindAttn(l, hp)
		f := b.bindFFN(l, hp)
		if version == 3 {
			b.bindQKNorm(l, hp, &at)
		}
		b.bindPostNorms(l, hp, &at, &f)
		a.attn = append(a.attn, at)
		a.ffn = append(a.ffn, f)
	}
	a.embdScale = float32(math.Sqrt(float64(hp.NEmbd)))
	// The 27B models scale q by their query_pre_attn_scalar, n_embd/n_head;
	// llama.cpp recognises them by their layer count.
	a.qScale = invSqrt32(hp.HeadDimK)
	if (version == 2 && hp.NLayer == 46) || (version == 3 && hp.NLayer == 62) {
		a.qScale = invSqrt32(hp.NEmbd / hp.NHead)
	}
	has := func(k string) bool { return m.File.Has(hp.Arch + "." + k) }
	switch version {
	case 2:
		a.local = slidingLayers(hp, 2)
		a.attnSoftcap, a.finalSoftcap = hp.AttnSoftcap, hp.FinalSoftcap
		if !has("attn_logit_softcapping") {
			a.attnSoftcap = 50
		}
		if !has("final_logit_softcapping") {
			a.finalSoftcap = 30
		}
		a.baseSWA, a.scaleSWA = hp.RopeFreqBaseSWA, hp.RopeFreqScale
	case 3:
		a.local = slidingLayers(hp, 6)
		a.baseSWA, a.scaleSWA = 10000, 1
		if has("rope.freq_base_swa") {
			a.baseSWA = hp.RopeFreqBaseSWA
		}
	}
	return a, b.err
}

// keyRope is layer l's rotary embedding (Context.Shift): sliding-window
// layers have their own base and scale.
func (a *gemma) keyRope(l, _ int) (tensor.RopeParams, *tensor.Tensor) {
	if a.local[l] {
		p := ropeParams(a.hp, tensor.RopeNeoX, a.baseSWA)
		p.FreqScale = a.scaleSWA
		return p, nil
	}
	return ropeParams(a.hp, tensor.RopeNeoX, 0), nil
}

func (a *gemma) Forward(g *tensor.Graph, b *Batch) *tensor.Tensor {
	hp := a.hp
	global := attnOptions{
		eps:     hp.NormRMSEps,
		qScale:  a.qScale,
		softcap: a.attnSoftcap,
	}
	local := global
	local.window = hp.SlidingWindow

	x := g.Scale(g.GetRows(a.tokEmbd, b.Tokens), a.embdScale)
	for l := range a.attn {
		opts := global
		if a.local[l] {
			opts = local
		}
		opts.rope, _ = a.keyRope(l, b.KV.Size)
		h := rmsNorm(g, x, a.attn[l].norm, hp.NormRMSEps)
		h = attention(g, b, l, &a.attn[l], h, opts)
		if l == len(a.attn)-1 {
			h = selectOutputs(g, b, h)
			x = selectOutputs(g, b, x)
		}
		h = rmsNorm(g, h, a.attn[l].postNorm, hp.NormRMSEps)
		x = g.Add(h, x)
		h = rmsNorm(g, x, a.ffn[l].norm, hp.NormRMSEps)
		h = gatedFFN(g, &a.ffn[l], h, true)
		h = rmsNorm(g, h, a.ffn[l].postNorm, hp.NormRMSEps)
		x = g.Add(h, x)
	}
	x = rmsNorm(g, x, a.outNorm, hp.NormRMSEps)
	if b.Embed {
		return x
	}
	logits := g.MulMat(a.output, x)
	if a.finalSoftcap != 0 {
		logits = g.Softcap(logits, a.finalSoftcap)
	}
	return logits
}
