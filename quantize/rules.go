package quantize

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// ModelInfo holds the hyperparameters the mix rules look at.
type ModelInfo struct {
	Arch    string // general.architecture
	NLayer  int    // <arch>.block_count
	NHead   int    // <arch>.attention.head_count (of layer 0)
	NHeadKV int    // <arch>.attention.head_count_kv (of layer 0; default NHead)
	NExpert int    // <arch>.expert_count (0: dense)
}

// ModelInfoOf reads the hyperparameters the mix rules need from f.
func ModelInfoOf(f *gguf.File) (ModelInfo, error) {
	var m ModelInfo
	arch, err := f.Architecture()
	if err != nil {
		return m, fmt.Errorf("quantize: %w", err)
	}
	m.Arch = arch
	if m.NLayer, err = archInt(f, "block_count", -1); err != nil {
		return m, err
	}
	if m.NHead, err = archInt(f, "attention.head_count", 0); err != nil {
		return m, err
	}
	if m.NHeadKV, err = archInt(f, "attention.head_count_kv", m.NHead); err != nil {
		return m, err
	}
	if m.NExpert, err = archInt(f, "expert_count", 0); err != nil {
		return m, err
	}
	return m, nil
}

// archInt reads "<arch>.key" as an int: a scalar, or the first element of a
// per-layer array. def < 0 makes the key required.
func archInt(f *gguf.File, key string, def int) (int, error) {
	arch, _ := f.Architecture()
	full := arch + "." + key
	v, ok := f.Get(full)
	if !ok {
		if def < 0 {
			return 0, fmt.Errorf("quantize: missing key %s", full)
		}
		return def, nil
	}
	if v.Type == gguf.TypeArray {
		vals, err := f.Int32s(full)
		if err != nil {
			return 0, fmt.Errorf("quantize: %w", err)
		}
		if len(vals) == 0 {
			return def, nil
		}
		return int(vals[0]), nil
	}
	n, err := f.Int(full)
	if err != nil {
		return 0, fmt.Errorf("quantize: %w", err)
	}
	if n < 0 {
		return 0, fmt.Errorf("quantize: %s is negative (%d)", full, n)
	}
	return n, nil
}

// gqa is llama.cpp's n_gqa(): query heads per key/value head (0 without
// KV heads).
func (m ModelInfo) gqa() int {
	if m.NHeadKV == 0 {
		return 0
	}
	return m.NHead / m.NHeadKV
}

// is70B reports whether llama.cpp classifies the model as LLM_TYPE_70B, the
// one size the rules single out: an 80-layer llama with grouped-query
// attention.
func (m ModelInfo) is70B() bool {
	return m.Arch == "llama" && m.NLayer == 80 && m.NHead != m.NHeadKV
}

// TensorTypeRule forces the type of the tensors whose name matches Pattern
// (llama-quantize --tensor-type NAME=TYPE; the first matching rule wins).
type TensorTypeRule struct {
	Pattern *regexp.Regexp
	Type    quant.Type
}

// ParseTensorTypeRule parses llama-quantize's "PATTERN=TYPE" form, e.g.
// "ffn_down=f16" or "attn_v=q8_0" (TYPE is a ggml type name).
func ParseTensorTypeRule(s string) (TensorTypeRule, error) {
	pat, typ, ok := strings.Cut(s, "=")
	if !ok || pat == "" || typ == "" {
		return TensorTypeRule{}, fmt.Errorf("quantize: bad tensor type rule %q (want PATTERN=TYPE)", s)
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return TensorTypeRule{}, fmt.Errorf("quantize: tensor type rule %q: %w", s, err)
	}
	t, err := quant.ParseType(typ)
	if err != nil {
		return TensorTypeRule{}, fmt.Errorf("quantize: tensor type rule %q: %w", s, err)
	}
	return TensorTypeRule{Pattern: re, Type: t}, nil
}

// Options configure a plan or a rewrite. The zero value (with a FileType)
// behaves like llama-quantize without flags.
type Options struct {
	FileType gguf.FileType
	// Threads converting rows; 0: runtime.NumCPU().
	Threads int
	// Pure disables the mix rules: every quantizable tensor gets the file
	// type's default type (fall-backs still apply) (--pure).
	Pure bool
	// AllowRequantize lets quantized source tensors be converted again
	// (--allow-requantize).
	AllowRequantize bool
	// LeaveOutput keeps output.weight as it is (--leave-output-tensor).
	LeaveOutput bool
	// OutputType and TokenEmbdType, when set, force the type of
	// output.weight and token_embd.weight (--output-tensor-type,
	// --token-embedding-type).
	OutputType    *quant.Type
	TokenEmbdType *quant.Type
	// TensorTypes force the type of matching tensors (--tensor-type).
	TensorTypes []TensorTypeRule
	// Progress, when set, is called as conversion advances.
	Progress func(Progress)
}

// TensorPlan is the decision for one tensor.
type TensorPlan struct {
	Name     string
	Dims     []uint64
	From     quant.Type // type in the source
	To       quant.Type // type in the output
	Fallback bool       // To differs from the rules' choice because a row does not tile its blocks
}

// Plan is the output layout of a quantization: every tensor in output order
// with its new type.
type Plan struct {
	FileType  gguf.FileType
	Tensors   []TensorPlan
	Fallbacks int // tensors that needed a fall-back type
}

// ErrUnsupported is wrapped by errors about file types or tensor types
// gollm cannot produce.
var ErrUnsupported = errors.New("quantize: unsupported")

// NewPlan decides the type of every tensor for a quantization of a model
// with hyperparameters m and tensors ts (names, source types, dims) to
// opt.FileType, with llama-quantize's rules; the plan lists the tensors in
// llama.cpp's output order (SortTensors).
func NewPlan(m ModelInfo, ts []gguf.TensorInfo, opt Options) (*Plan, error) {
	def, ok := DefaultType(opt.FileType)
	if !ok {
		return nil, fmt.Errorf("%w file type %v", ErrUnsupported, opt.FileType)
	}
	order := SortTensors(ts)
	s := &state{info: m, opt: &opt, def: def, tied: true}
	for _, t := range order {
		cat := categoryOf(t.Name)
		if isAttnV(cat) {
			s.nAttnV++
		}
		if cat == catOutput {
			s.tied = false
		}
	}
	s.nFFN = m.NLayer
	p := &Plan{FileType: opt.FileType, Tensors: make([]TensorPlan, 0, len(order))}
	for _, t := range order {
		to, fb, err := s.typeFor(t)
		if err != nil {
			return nil, fmt.Errorf("quantize: tensor %q: %w", t.Name, err)
		}
		if to != t.Type {
			if tr := to.Traits(); tr.Quantize == nil {
				return nil, fmt.Errorf("quantize: tensor %q: %w target type %v", t.Name, ErrUnsupported, to)
			}
		}
		if fb {
			p.Fallbacks++
		}
		p.Tensors = append(p.Tensors, TensorPlan{Name: t.Name, Dims: t.Dims, From: t.Type, To: to, Fallback: fb})
	}
	return p, nil
}

// SortTensors returns ts in the order llama.cpp's model loader keeps its
// weights and llama-quantize writes them: tensors outside the blocks first,
// then block by block ("blk.N." ascending), each group sorted by name
// (bytewise).
func SortTensors(ts []gguf.TensorInfo) []gguf.TensorInfo {
	out := slices.Clone(ts)
	slices.SortStableFunc(out, func(a, b gguf.TensorInfo) int {
		la, lb := blockIndex(a.Name), blockIndex(b.Name)
		if la != lb {
			if la < lb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// blockIndex is the N of a "blk.N." name as sscanf("blk.%d.") reads it,
// or -1 for names outside the blocks.
func blockIndex(name string) int {
	n, ok := parseBlock(name)
	if !ok {
		return -1
	}
	return n
}

// parseBlock reads the (optionally signed) integer after "blk.".
func parseBlock(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "blk.")
	if !ok {
		return 0, false
	}
	end := 0
	if end < len(rest) && (rest[end] == '-' || rest[end] == '+') {
		end++
	}
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(rest[:end])
	return n, err == nil
}

// category is llama.cpp's broad tensor category for the mix rules.
type category int

const (
	catOther category = iota
	catTokenEmbd
	catAttnQ
	catAttnV
	catAttnK
	catAttnQKV
	catAttnKVB
	catAttnOutput
	catFFNUp
	catFFNGate
	catFFNDown
	catOutput
)

// categoryOf classifies a tensor by name, first match wins, in llama.cpp's
// order.
func categoryOf(name string) category {
	switch {
	case name == "output.weight":
		return catOutput
	case name == "token_embd.weight" || name == "per_layer_token_embd.weight":
		return catTokenEmbd
	case strings.Contains(name, "attn_qkv.weight"):
		return catAttnQKV
	case strings.Contains(name, "attn_kv_b.weight"):
		return catAttnKVB
	case strings.Contains(name, "attn_v.weight"):
		return catAttnV
	case strings.Contains(name, "attn_k.weight"):
		return catAttnK
	case strings.Contains(name, "attn_q.weight"):
		return catAttnQ
	case strings.Contains(name, "attn_output.weight"):
		return catAttnOutput
	case strings.Contains(name, "ffn_up"):
		return catFFNUp
	case strings.Contains(name, "ffn_gate"):
		return catFFNGate
	case strings.Contains(name, "ffn_down"):
		return catFFNDown
	}
	return catOther
}

// isAttnV reports the categories treated like attn_v (the most sensitive
// to quantization).
func isAttnV(c category) bool { return c == catAttnV || c == catAttnQKV || c == catAttnKVB }

// nDims is ggml_n_dims: the dimension count without trailing ones (at
// least 1).
func nDims(dims []uint64) int {
	n := len(dims)
	for n > 1 && dims[n-1] == 1 {
		n--
	}
	return max(n, 1)
}

// notQuantized are name fragments of weight tensors llama.cpp never
// quantizes (tiny, positional, routing or multimodal tensors).
var notQuantized = []string{
	"_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
	"per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight",
	"indexer.k_proj.weight", "indexer.q_proj.weight",
	"time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
	"time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
	"time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
	"time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
	"attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_",
	".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
}

// allowsQuantization is llama.cpp's tensor_allows_quantization: 2-D and 3-D
// weights whose name ends in "weight", except norms, routers and the
// listed small tensors.
func (s *state) allowsQuantization(t gguf.TensorInfo) bool {
	if nDims(t.Dims) < 2 || !strings.HasSuffix(t.Name, "weight") {
		return false
	}
	if s.opt.LeaveOutput && t.Name == "output.weight" {
		return false
	}
	if t.Name == "position_embd.weight" || t.Name == "token_types.weight" {
		return false
	}
	for _, frag := range notQuantized {
		if strings.Contains(t.Name, frag) {
			return false
		}
	}
	return true
}

// state carries the counters the rules advance tensor by tensor.
type state struct {
	info ModelInfo
	opt  *Options
	def  quant.Type
	tied bool // no output.weight: token_embd doubles as the output matrix

	nAttnV, iAttnV                   int
	nFFN, iFFNDown, iFFNGate, iFFNUp int
}

// typeFor is llama_tensor_get_type: the output type of t and whether a
// fall-back was needed.
func (s *state) typeFor(t gguf.TensorInfo) (quant.Type, bool, error) {
	if !s.allowsQuantization(t) {
		return t.Type, false, nil
	}
	cat := categoryOf(t.Name)
	if s.opt.TokenEmbdType != nil && cat == catTokenEmbd {
		return *s.opt.TokenEmbdType, false, nil
	}
	if s.opt.OutputType != nil && cat == catOutput {
		return *s.opt.OutputType, false, nil
	}
	nt := s.def
	if !s.def.Traits().Quantized {
		return nt, false, nil
	}
	manual := false
	for _, r := range s.opt.TensorTypes {
		if r.Pattern.MatchString(t.Name) {
			nt, manual = r.Type, true
			break
		}
	}
	if !manual && !s.opt.Pure {
		var err error
		if nt, err = s.mixType(nt, t, cat); err != nil {
			return 0, false, err
		}
	}
	return fallback(nt, t.Dims[0])
}

// useMoreBits selects the layers that get more bits in the medium mixes:
// the first and last eighth, and every third layer between.
func useMoreBits(i, n int) bool {
	return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2
}

// layerInfo is the layer of an FFN tensor: the running counter for dense
// models, the block index in the name for mixture-of-experts models (whose
// expert tensors need not come in layer order).
func (s *state) layerInfo(counter int, name string) (int, int, error) {
	n := s.nFFN
	if s.info.NExpert > 1 {
		i, ok := parseBlock(name)
		if !ok {
			return 0, 0, fmt.Errorf("cannot determine the layer of %s", name)
		}
		if i < 0 || i >= n {
			return 0, 0, fmt.Errorf("bad layer %d for tensor %s (must be in [0, %d))", i, name, n)
		}
		return i, n, nil
	}
	return counter, n, nil
}

// mixType is llama_tensor_get_type_impl for the file types gollm offers
// (the branches for importance-matrix mixes, ternary and MXFP4 types are
// left out, as those file types are refused up front).
func (s *state) mixType(nt quant.Type, t gguf.TensorInfo, cat category) (quant.Type, error) {
	ft := s.opt.FileType
	m := s.info
	falcon := m.Arch == "falcon"
	switch {
	case cat == catOutput || (s.tied && cat == catTokenEmbd):
		// Tied embeddings are quantized like the output matrix they are.
		switch {
		case falcon || t.Dims[0]%uint64(nt.BlockSize()) != 0:
			nt = quant.Q8_0
		case nt != quant.Q8_0:
			nt = quant.Q6K
		}
	case cat == catTokenEmbd:
		// Only the importance-matrix and ternary mixes change it.
	case isAttnV(cat):
		switch {
		case ft == gguf.FileTypeQ2K:
			nt = quant.Q3K
			if m.gqa() >= 4 {
				nt = quant.Q4K
			}
		case ft == gguf.FileTypeQ3KM:
			nt = quant.Q4K
			if s.iAttnV < 2 {
				nt = quant.Q5K
			}
		case ft == gguf.FileTypeQ3KL:
			nt = quant.Q5K
		case (ft == gguf.FileTypeIQ4NL || ft == gguf.FileTypeIQ4XS) && m.gqa() >= 4:
			nt = quant.Q5K
		case (ft == gguf.FileTypeQ4KM || ft == gguf.FileTypeQ5KM) && useMoreBits(s.iAttnV, s.nAttnV):
			nt = quant.Q6K
		case ft == gguf.FileTypeQ4KS && s.iAttnV < 4:
			nt = quant.Q5K
		}
		if m.is70B() && (nt == quant.Q3K || nt == quant.Q4K) {
			// 8 query heads share each value head: more bits are cheap.
			nt = quant.Q5K
		}
		if m.NExpert == 8 {
			nt = quant.Q8_0
		}
		s.iAttnV++
	case cat == catAttnK:
		if m.NExpert == 8 {
			nt = quant.Q8_0
		}
	case cat == catFFNDown:
		i, n, err := s.layerInfo(s.iFFNDown, t.Name)
		if err != nil {
			return 0, err
		}
		switch {
		case ft == gguf.FileTypeQ2K:
			nt = quant.Q3K
		case ft == gguf.FileTypeQ3KM:
			switch {
			case i < n/16:
				nt = quant.Q5K
			case !falcon || useMoreBits(i, n):
				nt = quant.Q4K
			default:
				nt = quant.Q3K
			}
		case ft == gguf.FileTypeQ3KL:
			nt = quant.Q5K
			if falcon {
				nt = quant.Q4K
			}
		case ft == gguf.FileTypeQ4KM:
			if falcon {
				switch {
				case i < n/16:
					nt = quant.Q6K
				case useMoreBits(i, n):
					nt = quant.Q5K
				default:
					nt = quant.Q4K
				}
			} else if useMoreBits(i, n) {
				nt = quant.Q6K
			}
		case i < n/8 && (ft == gguf.FileTypeIQ4NL || ft == gguf.FileTypeIQ4XS):
			nt = quant.Q5K // (without an importance matrix, which gollm never has)
		case ft == gguf.FileTypeQ5KM && useMoreBits(i, n):
			nt = quant.Q6K
		case ft == gguf.FileTypeQ4KS && !falcon && i < n/8:
			nt = quant.Q5K
		}
		s.iFFNDown++
	case cat == catAttnOutput:
		switch {
		case falcon:
			if ft == gguf.FileTypeQ3KL {
				nt = quant.Q4K
			}
		case m.NExpert == 8:
			switch ft {
			case gguf.FileTypeQ2K, gguf.FileTypeQ3KS, gguf.FileTypeQ3KM, gguf.FileTypeIQ4NL,
				gguf.FileTypeQ4KS, gguf.FileTypeQ4KM, gguf.FileTypeIQ4XS:
				nt = quant.Q5K
			}
		default:
			switch ft {
			case gguf.FileTypeQ2K:
				nt = quant.Q3K
			case gguf.FileTypeQ3KM:
				nt = quant.Q4K
			case gguf.FileTypeQ3KL:
				nt = quant.Q5K
			}
		}
	case cat == catAttnQKV:
		switch ft {
		case gguf.FileTypeQ3KM, gguf.FileTypeQ3KL:
			nt = quant.Q4K
		case gguf.FileTypeQ4KM:
			nt = quant.Q5K
		case gguf.FileTypeQ5KM:
			nt = quant.Q6K
		}
	case cat == catFFNGate:
		if _, _, err := s.layerInfo(s.iFFNGate, t.Name); err != nil {
			return 0, err
		}
		s.iFFNGate++
	case cat == catFFNUp:
		if _, _, err := s.layerInfo(s.iFFNUp, t.Name); err != nil {
			return 0, err
		}
		s.iFFNUp++
	}
	return nt, nil
}

// fallback is tensor_type_fallback: a type whose blocks tile a row of ncols
// elements, when t's do not (F16 when no fall-back tiles it either).
func fallback(t quant.Type, ncols uint64) (quant.Type, bool, error) {
	if ncols%uint64(t.BlockSize()) == 0 {
		return t, false, nil
	}
	var r quant.Type
	switch t {
	case quant.IQ1S, quant.IQ1M, quant.IQ2XXS, quant.IQ2XS, quant.IQ2S, quant.IQ3XXS, quant.IQ3S, quant.IQ4XS:
		r = quant.IQ4NL
	case quant.Q2K, quant.Q3K, quant.TQ1_0, quant.TQ2_0:
		r = quant.Q4_0
	case quant.Q4K:
		r = quant.Q5_0
	case quant.Q5K:
		r = quant.Q5_1
	case quant.Q6K:
		r = quant.Q8_0
	default:
		return 0, false, fmt.Errorf("row length %d is not a multiple of %d and no fall-back type is defined for %v",
			ncols, t.BlockSize(), t)
	}
	if ncols%uint64(r.BlockSize()) != 0 {
		r = quant.F16
	}
	return r, true, nil
}
