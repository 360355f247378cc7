package server

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gollm/gollm/chat"
	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/server/store"
)

// ModelDetails is Ollama's summary of a model (in /api/tags, /api/ps and
// /api/show).
type ModelDetails struct {
	ParentModel       string   `json:"parent_model"`
	Format            string   `json:"format"`
	Family            string   `json:"family"`
	Families          []string `json:"families"`
	ParameterSize     string   `json:"parameter_size"`
	QuantizationLevel string   `json:"quantization_level"`
}

// ShowResponse is the answer of /api/show.
type ShowResponse struct {
	License      string         `json:"license,omitempty"`
	Modelfile    string         `json:"modelfile"`
	Parameters   string         `json:"parameters,omitempty"`
	Template     string         `json:"template"`
	System       string         `json:"system,omitempty"`
	Details      ModelDetails   `json:"details"`
	ModelInfo    map[string]any `json:"model_info"`
	Capabilities []string       `json:"capabilities"`
	ModifiedAt   time.Time      `json:"modified_at"`
}

// modelMeta is what the server reads from a model's GGUF metadata without
// loading its weights.
type modelMeta struct {
	kv           []gguf.KV
	bigKeys      []string // keys of values left out of kv
	arch         string
	params       uint64
	trainCtx     int
	vocab        int
	chatTemplate string
	details      ModelDetails
	capabilities []string
}

// readMeta parses a model's GGUF header. Unless all is set, it keeps only
// the metadata a non-verbose /api/show reports (no vocabularies).
func readMeta(ref *store.Model, all bool) (*modelMeta, error) {
	var f *gguf.File
	var err error
	if ref.Data != nil {
		f, err = gguf.Parse(ref.Data)
	} else {
		f, err = gguf.Open(ref.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading model %s: %w", ref.Name, err)
	}
	defer f.Close()
	meta := &modelMeta{params: f.Parameters()}
	for _, kv := range f.KV {
		if all || !bigValue(kv) {
			meta.kv = append(meta.kv, kv)
		} else if kv.Key != "tokenizer.chat_template" {
			meta.bigKeys = append(meta.bigKeys, kv.Key)
		}
	}
	meta.arch, _ = f.Architecture()
	if n, err := f.ArchUint32("context_length"); err == nil {
		meta.trainCtx = int(n)
	}
	meta.chatTemplate, _ = f.String("tokenizer.chat_template")
	if a, err := f.Array("tokenizer.ggml.tokens"); err == nil {
		meta.vocab = a.Len()
	}
	meta.details = ModelDetails{
		Format: "gguf", Family: meta.arch, Families: []string{meta.arch},
		ParameterSize: humanNumber(meta.params),
	}
	if ft, ok := f.FileType(); ok {
		meta.details.QuantizationLevel = quantName(ft &^ gguf.FileTypeGuessed)
	}
	switch meta.arch {
	case "bert", "nomic-bert", "jina-bert-v2", "nomic-bert-moe", "modern-bert", "neo-bert", "t5encoder":
		meta.capabilities = []string{"embedding"}
	default:
		meta.capabilities = []string{"completion"}
		if meta.chatTemplate != "" {
			// As Ollama does, from what the template renders.
			if t, err := chat.New(meta.chatTemplate); err == nil {
				c := t.Caps()
				if c.Tools {
					meta.capabilities = append(meta.capabilities, "tools")
				}
				if c.Thinking {
					meta.capabilities = append(meta.capabilities, "thinking")
				}
			}
		}
		if _, ok := f.ArchGet("pooling_type"); ok {
			meta.capabilities = append(meta.capabilities, "embedding")
		}
	}
	return meta, nil
}

// bigValue reports whether a metadata value is one /api/show leaves out
// unless verbose: vocabularies and other long arrays, and the template
// (reported on its own).
func bigValue(kv gguf.KV) bool {
	if kv.Key == "tokenizer.chat_template" {
		return true
	}
	a, ok := kv.Value.V.(gguf.Array)
	return ok && (a.Len() > bigArrayLen || strings.HasPrefix(kv.Key, "tokenizer.ggml."))
}

// meta returns a model's metadata, read once per model version.
func (s *Server) meta(ref *store.Model) (*modelMeta, error) {
	s.mu.Lock()
	m, ok := s.details[ref.Digest]
	s.mu.Unlock()
	if ok {
		return m, nil
	}
	m, err := readMeta(ref, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.details[ref.Digest] = m
	s.ctxTrain[ref.Digest] = m.trainCtx
	s.mu.Unlock()
	return m, nil
}

// humanNumber formats a parameter count as Ollama does ("8.0B", "494.03M").
func humanNumber(n uint64) string {
	trim := func(f float64) string {
		return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(f, 'f', 2, 64), "0"), ".")
	}
	switch {
	case n >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + "B"
	case n >= 1e6:
		return trim(float64(n)/1e6) + "M"
	case n >= 1e3:
		return trim(float64(n)/1e3) + "K"
	}
	return strconv.FormatUint(n, 10)
}

// quantNames are Ollama's names of llama.cpp file types.
var quantNames = map[gguf.FileType]string{
	gguf.FileTypeAllF32: "F32", gguf.FileTypeF16: "F16", gguf.FileTypeBF16: "BF16",
	gguf.FileTypeQ4_0: "Q4_0", gguf.FileTypeQ4_1: "Q4_1", gguf.FileTypeQ5_0: "Q5_0", gguf.FileTypeQ5_1: "Q5_1",
	gguf.FileTypeQ8_0: "Q8_0", gguf.FileTypeQ2K: "Q2_K", gguf.FileTypeQ2KS: "Q2_K_S",
	gguf.FileTypeQ3KS: "Q3_K_S", gguf.FileTypeQ3KM: "Q3_K_M", gguf.FileTypeQ3KL: "Q3_K_L",
	gguf.FileTypeQ4KS: "Q4_K_S", gguf.FileTypeQ4KM: "Q4_K_M", gguf.FileTypeQ5KS: "Q5_K_S",
	gguf.FileTypeQ5KM: "Q5_K_M", gguf.FileTypeQ6K: "Q6_K",
	gguf.FileTypeIQ2XXS: "IQ2_XXS", gguf.FileTypeIQ2XS: "IQ2_XS", gguf.FileTypeIQ2S: "IQ2_S", gguf.FileTypeIQ2M: "IQ2_M",
	gguf.FileTypeIQ3XXS: "IQ3_XXS", gguf.FileTypeIQ3XS: "IQ3_XS", gguf.FileTypeIQ3S: "IQ3_S", gguf.FileTypeIQ3M: "IQ3_M",
	gguf.FileTypeIQ1S: "IQ1_S", gguf.FileTypeIQ1M: "IQ1_M", gguf.FileTypeIQ4NL: "IQ4_NL", gguf.FileTypeIQ4XS: "IQ4_XS",
	gguf.FileTypeTQ1_0: "TQ1_0", gguf.FileTypeTQ2_0: "TQ2_0", gguf.FileTypeMXFP4MoE: "MXFP4",
	gguf.FileTypeNVFP4: "NVFP4", gguf.FileTypeQ1_0: "Q1_0",
}

func quantName(ft gguf.FileType) string {
	if n, ok := quantNames[ft]; ok {
		return n
	}
	return ft.String()
}

// bigArrayLen is the length above which arrays are left out of model_info
// unless verbose is asked for (vocabularies, merges).
const bigArrayLen = 256

// modelInfo converts GGUF metadata to JSON values for /api/show.
func modelInfo(meta *modelMeta, verbose bool) map[string]any {
	out := make(map[string]any, len(meta.kv)+1)
	for _, k := range meta.bigKeys {
		out[k] = nil // left out, as Ollama leaves them out
	}
	for _, kv := range meta.kv {
		if kv.Key == "tokenizer.chat_template" {
			continue // shown as the template
		}
		if !verbose && bigValue(kv) {
			out[kv.Key] = nil
			continue
		}
		out[kv.Key] = jsonValue(kv.Value.V)
	}
	out["general.parameter_count"] = meta.params
	return out
}

// jsonValue turns a GGUF value into something encoding/json can write
// (non-finite floats become null).
func jsonValue(v any) any {
	switch x := v.(type) {
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
		return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32))
	case float64:
		return finite(x)
	case gguf.Array:
		switch vs := x.Values.(type) {
		case []float32:
			out := make([]any, len(vs))
			for i, f := range vs {
				out[i] = jsonValue(f)
			}
			return out
		case []float64:
			out := make([]any, len(vs))
			for i, f := range vs {
				out[i] = finite(f)
			}
			return out
		case []gguf.Array:
			out := make([]any, len(vs))
			for i, a := range vs {
				out[i] = jsonValue(a)
			}
			return out
		case []uint8:
			out := make([]uint16, len(vs)) // not base64, as []byte would be
			for i, b := range vs {
				out[i] = uint16(b)
			}
			return out
		}
		return x.Values
	}
	return v
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// templateOf returns the template /api/show reports: Ollama's template
// layer, else the GGUF chat template, else Ollama's pass-through.
func templateOf(ref *store.Model, meta *modelMeta) string {
	switch {
	case ref.Template != "":
		return ref.Template
	case meta.chatTemplate != "":
		return meta.chatTemplate
	}
	return "{{ .Prompt }}"
}

// parametersText renders a params layer as Ollama's "parameters" text.
func parametersText(params map[string]any) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vals, ok := params[k].([]any)
		if !ok {
			vals = []any{params[k]}
		}
		for _, v := range vals {
			if s, ok := v.(string); ok {
				v = strconv.Quote(s)
			}
			fmt.Fprintf(&b, "%-30s %v\n", k, v)
		}
	}
	return b.String()
}

// modelfile renders an Ollama-style Modelfile describing the model.
func modelfile(ref *store.Model, tmpl string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Modelfile generated by gollm\n# To build a new Modelfile based on this, replace FROM with:\n# FROM %s\n\n", ref.Name)
	from := ref.Path
	if from == "" {
		from = ref.Name
	}
	fmt.Fprintf(&b, "FROM %s\nTEMPLATE \"\"\"%s\"\"\"\n", from, tmpl)
	if ref.System != "" {
		fmt.Fprintf(&b, "SYSTEM \"\"\"%s\"\"\"\n", ref.System)
	}
	for _, line := range strings.Split(strings.TrimSpace(parametersText(ref.Params)), "\n") {
		if line != "" {
			k, v, _ := strings.Cut(line, " ")
			fmt.Fprintf(&b, "PARAMETER %s %s\n", k, strings.TrimSpace(v))
		}
	}
	if ref.License != "" {
		fmt.Fprintf(&b, "LICENSE \"\"\"%s\"\"\"\n", ref.License)
	}
	return b.String()
}

func showResponse(ref *store.Model, meta *modelMeta, verbose bool) *ShowResponse {
	tmpl := templateOf(ref, meta)
	return &ShowResponse{
		License: ref.License, Modelfile: modelfile(ref, tmpl), Parameters: parametersText(ref.Params),
		Template: tmpl, System: ref.System, Details: meta.details, ModelInfo: modelInfo(meta, verbose),
		Capabilities: meta.capabilities, ModifiedAt: ref.ModifiedAt,
	}
}

// Show describes a model as /api/show does, reading only its metadata (no
// server needed; `gollm show` uses it).
func Show(st *store.Store, name string, verbose bool) (*ShowResponse, error) {
	ref, err := st.Resolve(name)
	if err != nil {
		return nil, err
	}
	meta, err := readMeta(ref, verbose)
	if err != nil {
		return nil, err
	}
	return showResponse(ref, meta, verbose), nil
}
