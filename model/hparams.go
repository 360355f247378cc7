package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/gollm/gollm/gguf"
)

// RopeScaling is how positions are scaled before the rotary embedding.
type RopeScaling string

// The rope scaling types of GGUF's <arch>.rope.scaling.type.
const (
	RopeScalingNone     RopeScaling = "none"
	RopeScalingLinear   RopeScaling = "linear"
	RopeScalingYaRN     RopeScaling = "yarn"
	RopeScalingLongRoPE RopeScaling = "longrope"
)

// HParams are the hyperparameters every architecture reads from GGUF
// metadata, with llama.cpp's defaults for keys a file leaves out.
type HParams struct {
	Arch       string
	Name       string
	CtxTrain   int // <arch>.context_length
	NEmbd      int // <arch>.embedding_length
	NLayer     int // <arch>.block_count
	NFF        int // <arch>.feed_forward_length (first layer's when per layer)
	NHead      int // <arch>.attention.head_count
	NHeadKV    int // <arch>.attention.head_count_kv (default NHead)
	HeadDimK   int // <arch>.attention.key_length (default NEmbd/NHead)
	HeadDimV   int // <arch>.attention.value_length (default NEmbd/NHead)
	NRot       int // <arch>.rope.dimension_count (default HeadDimK)
	NVocab     int // <arch>.vocab_size, else the tokenizer's token count
	NormRMSEps float32
	NormEps    float32

	RopeFreqBase     float32 // default 10000
	RopeFreqBaseSWA  float32 // sliding-window layers (gemma3), default RopeFreqBase
	RopeFreqScale    float32 // 1/scaling factor
	RopeScalingType  RopeScaling
	RopeOrigCtx      int     // <arch>.rope.scaling.original_context_length
	YaRNExtFactor    float32 // -1 = derive
	YaRNAttnFactor   float32
	YaRNBetaFast     float32
	YaRNBetaSlow     float32
	RopeScalingAttnF float32 // <arch>.rope.scaling.attn_factor (default 1)

	NExpert     int // <arch>.expert_count
	NExpertUsed int // <arch>.expert_used_count
	NFFExpert   int // <arch>.expert_feed_forward_length

	SlidingWindow        int     // <arch>.attention.sliding_window (0: none)
	SlidingWindowPattern int     // <arch>.attention.sliding_window_pattern (a period)
	SlidingWindowLayers  []bool  // the same key given per layer (true: sliding)
	AttnSoftcap          float32 // <arch>.attn_logit_softcapping (0: off)
	FinalSoftcap         float32 // <arch>.final_logit_softcapping (0: off)
}

// ReadHParams reads the common hyperparameters of f's architecture.
func ReadHParams(f *gguf.File) (*HParams, error) {
	arch, err := f.Architecture()
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	h := &HParams{Arch: arch}
	h.Name, _ = f.String("general.name")
	r := hreader{f: f, arch: arch}
	h.CtxTrain = r.int("context_length", -1)
	h.NEmbd = r.int("embedding_length", -1)
	h.NLayer = r.int("block_count", -1)
	h.NFF = r.intOrFirst("feed_forward_length", 0)
	h.NHead = r.intOrFirst("attention.head_count", -1)
	h.NHeadKV = r.intOrFirst("attention.head_count_kv", h.NHead)
	if r.err == nil && (h.NHead <= 0 || h.NEmbd <= 0 || h.NLayer <= 0) {
		r.err = fmt.Errorf("model: %s: head_count %d, embedding_length %d and block_count %d must be positive", arch, h.NHead, h.NEmbd, h.NLayer)
	}
	if r.err != nil {
		return nil, r.err
	}
	h.HeadDimK = r.int("attention.key_length", h.NEmbd/h.NHead)
	h.HeadDimV = r.int("attention.value_length", h.NEmbd/h.NHead)
	h.NRot = r.int("rope.dimension_count", h.HeadDimK)
	h.NVocab = r.int("vocab_size", 0)
	if h.NVocab == 0 {
		if toks, err := f.Array("tokenizer.ggml.tokens"); err == nil {
			h.NVocab = toks.Len()
		}
	}
	h.NormRMSEps = r.float("attention.layer_norm_rms_epsilon", 1e-5)
	h.NormEps = r.float("attention.layer_norm_epsilon", 1e-5)
	h.RopeFreqBase = r.float("rope.freq_base", 10000)
	h.RopeFreqBaseSWA = r.float("rope.freq_base_swa", h.RopeFreqBase)
	h.RopeScalingType = RopeScaling(r.str("rope.scaling.type", ""))
	factor := r.float("rope.scaling.factor", 0)
	if factor == 0 {
		factor = r.float("rope.scale_linear", 0)
	}
	h.RopeFreqScale = 1
	if factor != 0 {
		h.RopeFreqScale = 1 / factor
	}
	if h.RopeScalingType == "" {
		h.RopeScalingType = RopeScalingLinear
		if factor == 0 {
			h.RopeScalingType = RopeScalingNone
		}
	}
	h.RopeOrigCtx = r.int("rope.scaling.original_context_length", h.CtxTrain)
	h.RopeScalingAttnF = r.float("rope.scaling.attn_factor", 1)
	h.YaRNExtFactor = r.float("rope.scaling.yarn_ext_factor", -1)
	h.YaRNAttnFactor = r.float("rope.scaling.yarn_attn_factor", 1)
	h.YaRNBetaFast = r.float("rope.scaling.yarn_beta_fast", 32)
	h.YaRNBetaSlow = r.float("rope.scaling.yarn_beta_slow", 1)
	h.NExpert = r.int("expert_count", 0)
	h.NExpertUsed = r.int("expert_used_count", 0)
	h.NFFExpert = r.int("expert_feed_forward_length", 0)
	h.SlidingWindow = r.int("attention.sliding_window", 0)
	if _, err := f.Array(r.key("attention.sliding_window_pattern")); err == nil {
		h.SlidingWindowLayers = r.boolsOrInts("attention.sliding_window_pattern")
	} else {
		h.SlidingWindowPattern = r.int("attention.sliding_window_pattern", 0)
	}
	h.AttnSoftcap = r.float("attn_logit_softcapping", 0)
	h.FinalSoftcap = r.float("final_logit_softcapping", 0)
	if r.err != nil {
		return nil, r.err
	}
	return h, h.validate()
}

func (h *HParams) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("model: %s: "+format, append([]any{h.Arch}, a...)...)
	}
	switch {
	case h.NHeadKV <= 0 || h.NHead%h.NHeadKV != 0:
		return bad("head_count %d is not a multiple of head_count_kv %d", h.NHead, h.NHeadKV)
	case h.HeadDimK <= 0 || h.HeadDimV <= 0:
		return bad("head dimensions %d/%d must be positive", h.HeadDimK, h.HeadDimV)
	case h.NRot < 0 || h.NRot > h.HeadDimK || h.NRot%2 != 0:
		return bad("rope.dimension_count %d must be even and at most the head dimension %d", h.NRot, h.HeadDimK)
	case h.NExpertUsed > h.NExpert:
		return bad("expert_used_count %d exceeds expert_count %d", h.NExpertUsed, h.NExpert)
	case h.NVocab <= 0:
		return bad("vocabulary size unknown (no vocab_size key and no tokenizer.ggml.tokens)")
	case h.RopeFreqBase <= 0 || math.IsNaN(float64(h.RopeFreqBase)):
		return bad("rope.freq_base %g must be positive", h.RopeFreqBase)
	}
	switch h.RopeScalingType {
	case RopeScalingNone, RopeScalingLinear, RopeScalingYaRN, RopeScalingLongRoPE:
	default:
		return bad("unknown rope.scaling.type %q", h.RopeScalingType)
	}
	return nil
}

// hreader reads <arch>.<key> values, remembering the first error.
type hreader struct {
	f    *gguf.File
	arch string
	err  error
}

func (r *hreader) key(k string) string { return r.arch + "." + k }

// int reads an integer key; def < 0 makes the key required.
func (r *hreader) int(k string, def int) int {
	if r.err != nil {
		return 0
	}
	if !r.f.Has(r.key(k)) {
		if def < 0 {
			r.err = fmt.Errorf("model: %s: missing required key %q", r.arch, r.key(k))
			return 0
		}
		return def
	}
	v, err := r.f.Int(r.key(k))
	if err != nil {
		r.err = fmt.Errorf("model: %w", err)
	} else if v < 0 {
		r.err = fmt.Errorf("model: key %q: negative value %d", r.key(k), v)
	}
	return v
}

// intOrFirst reads an integer key that may also be a per-layer array (then
// the first layer's value; llama.cpp allows per-layer head counts).
func (r *hreader) intOrFirst(k string, def int) int {
	if r.err != nil {
		return 0
	}
	if a, err := r.f.Array(r.key(k)); err == nil {
		v, err := r.f.Int32s(r.key(k))
		if err != nil || len(v) == 0 || a.Len() == 0 {
			r.err = fmt.Errorf("model: key %q: want an integer or an integer array", r.key(k))
			return 0
		}
		return int(v[0])
	}
	return r.int(k, def)
}

// boolsOrInts reads a per-layer array of booleans (or of integers, non-zero
// meaning true).
func (r *hreader) boolsOrInts(k string) []bool {
	if r.err != nil {
		return nil
	}
	if v, err := r.f.Bools(r.key(k)); err == nil {
		return v
	}
	v, err := r.f.Int32s(r.key(k))
	if err != nil {
		r.err = fmt.Errorf("model: key %q: want an integer, or a boolean or integer array", r.key(k))
		return nil
	}
	out := make([]bool, len(v))
	for i, x := range v {
		out[i] = x != 0
	}
	return out
}

func (r *hreader) float(k string, def float32) float32 {
	if r.err != nil || !r.f.Has(r.key(k)) {
		return def
	}
	v, err := r.f.Float32(r.key(k))
	if err != nil {
		r.err = fmt.Errorf("model: %w", err)
	}
	return v
}

func (r *hreader) str(k string, def string) string {
	if r.err != nil || !r.f.Has(r.key(k)) {
		return def
	}
	v, err := r.f.String(r.key(k))
	if err != nil {
		r.err = fmt.Errorf("model: %w", err)
	}
	return v
}

// errUnsupportedArch is wrapped by Load's error for an unknown architecture.
var errUnsupportedArch = errors.New("unsupported architecture")
