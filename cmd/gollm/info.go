package main

// gollm info prints what a GGUF file holds: a summary (architecture, key
// hyperparameters, parameter count, bits per weight, file type as llama.cpp
// names it), every metadata key with its value (long arrays and strings
// abbreviated as llama.cpp does: the first few elements, then "..."), and a
// tensor table. --system prints the CPU features the kernels look at and
// the implementation each kernel uses, like llama.cpp's system_info line.
//
// --json prints one JSON object instead. Its field names are stable:
//
//	system          (with --system)
//	  goos, goarch  string
//	  cpu           string, the CPU's brand name
//	  cpus          int, logical CPUs
//	  features      object: feature name → bool (AVX2, AVX512, …, NOASM)
//	  kernels       array of {kernel, impl}
//	file            (with FILE)
//	  path          string
//	  version       int, GGUF version
//	  size          int, bytes
//	  alignment     int
//	  data_offset   int, file offset of the tensor data
//	  summary       object; a field is left out when the file lacks it:
//	    architecture, name, file_type (int, llama_ftype), file_type_name,
//	    file_type_guessed (bool), parameters, tensor_bytes, bits_per_weight,
//	    context_length, embedding_length, block_count, head_count,
//	    head_count_kv, head_dim, feed_forward_length, rope_freq_base,
//	    vocab_size, expert_count, expert_used_count,
//	    expert_feed_forward_length
//	  metadata      array of {key, type, count, value, truncated} in file
//	                order; type is "u32", "str", "arr[str]", …; count and
//	                truncated only for arrays (value then holds the first
//	                elements unless --full); non-finite floats are the
//	                strings "NaN", "+Inf", "-Inf"
//	  tensors       array of {name, type, dims, elements, bytes, offset};
//	                dims ne[0] first; offset from the start of the data

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/klauspost/cpuid/v2"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/kernels"
)

func init() {
	register(&command{
		name:    "info",
		summary: "show a GGUF file's summary, metadata and tensors (--system: CPU features, kernels)",
		run:     runInfo,
	})
}

// Abbreviation limits, as llama.cpp's model loader prints metadata.
const (
	infoArrayElems = 5  // array elements shown before "..."
	infoStringLen  = 60 // runes of a string shown before "..."
)

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object (field names documented in cmd/gollm/info.go)")
	system := fs.Bool("system", false, "print CPU features and kernel implementations; FILE is then optional")
	full := fs.Bool("full", false, "print arrays and strings in full instead of abbreviated")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gollm info [--json] [--system] [--full] FILE.gguf")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 1:
		return usageErrorf("one FILE expected, got %d arguments", len(pos))
	case len(pos) == 0 && !*system:
		return usageErrorf("missing FILE.gguf (or --system)")
	}
	limit := infoArrayElems
	strLimit := infoStringLen
	if *full {
		limit, strLimit = -1, -1
	}

	var f *gguf.File
	if len(pos) == 1 {
		if f, err = gguf.Open(pos[0]); err != nil {
			return err
		}
		defer f.Close()
	}
	if *asJSON {
		out := infoJSON{}
		if *system {
			out.System = infoSystemReport()
		}
		if f != nil {
			out.File = infoFileReport(f, limit)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if *system {
		infoPrintSystem(stdout, infoSystemReport())
		if f != nil {
			fmt.Fprintln(stdout)
		}
	}
	if f != nil {
		infoPrintFile(stdout, f, infoFileReport(f, limit), limit, strLimit)
	}
	return nil
}

type infoJSON struct {
	System *infoSystemJSON `json:"system,omitempty"`
	File   *infoFileJSON   `json:"file,omitempty"`
}

type infoSystemJSON struct {
	GOOS     string           `json:"goos"`
	GOARCH   string           `json:"goarch"`
	CPU      string           `json:"cpu"`
	CPUs     int              `json:"cpus"`
	Features map[string]bool  `json:"features"`
	Kernels  []infoKernelJSON `json:"kernels"`
}

type infoKernelJSON struct {
	Kernel string `json:"kernel"`
	Impl   string `json:"impl"`
}

type infoFileJSON struct {
	Path       string           `json:"path"`
	Version    uint32           `json:"version"`
	Size       int64            `json:"size"`
	Alignment  int              `json:"alignment"`
	DataOffset int64            `json:"data_offset"`
	Summary    infoSummaryJSON  `json:"summary"`
	Metadata   []infoKVJSON     `json:"metadata"`
	Tensors    []infoTensorJSON `json:"tensors"`
}

type infoSummaryJSON struct {
	Architecture            string  `json:"architecture,omitempty"`
	Name                    string  `json:"name,omitempty"`
	FileType                *uint32 `json:"file_type,omitempty"`
	FileTypeName            string  `json:"file_type_name,omitempty"`
	FileTypeGuessed         bool    `json:"file_type_guessed,omitempty"`
	Parameters              uint64  `json:"parameters,omitempty"`
	TensorBytes             uint64  `json:"tensor_bytes,omitempty"`
	BitsPerWeight           float64 `json:"bits_per_weight,omitempty"`
	ContextLength           uint64  `json:"context_length,omitempty"`
	EmbeddingLength         uint64  `json:"embedding_length,omitempty"`
	BlockCount              uint64  `json:"block_count,omitempty"`
	HeadCount               uint64  `json:"head_count,omitempty"`
	HeadCountKV             uint64  `json:"head_count_kv,omitempty"`
	HeadDim                 uint64  `json:"head_dim,omitempty"`
	FeedForwardLength       uint64  `json:"feed_forward_length,omitempty"`
	RopeFreqBase            float64 `json:"rope_freq_base,omitempty"`
	VocabSize               uint64  `json:"vocab_size,omitempty"`
	ExpertCount             uint64  `json:"expert_count,omitempty"`
	ExpertUsedCount         uint64  `json:"expert_used_count,omitempty"`
	ExpertFeedForwardLength uint64  `json:"expert_feed_forward_length,omitempty"`
}

// infoArchExtras are hyperparameters that only some architectures store
// (sliding windows, soft-capping, partial or scaled rotary embeddings).
var infoArchExtras = []struct{ key, label string }{
	{"rope.dimension_count", "rope dimensions"},
	{"rope.freq_base_swa", "rope freq base (local layers)"},
	{"rope.scaling.type", "rope scaling"},
	{"rope.scaling.factor", "rope scaling factor"},
	{"rope.scaling.original_context_length", "rope original context"},
	{"attention.key_length", "key length"},
	{"attention.value_length", "value length"},
	{"attention.sliding_window", "sliding window"},
	{"attention.sliding_window_pattern", "sliding window pattern"},
	{"attn_logit_softcapping", "attention softcap"},
	{"final_logit_softcapping", "final logit softcap"},
}

type infoKVJSON struct {
	Key       string `json:"key"`
	Type      string `json:"type"`
	Count     *int   `json:"count,omitempty"`
	Value     any    `json:"value"`
	Truncated bool   `json:"truncated,omitempty"`
}

type infoTensorJSON struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Dims     []uint64 `json:"dims"`
	Elements uint64   `json:"elements"`
	Bytes    uint64   `json:"bytes"`
	Offset   uint64   `json:"offset"`
}

// infoFeatureOrder is the order of llama.cpp's system_info line; features
// kernels reports beyond these follow sorted.
var infoFeatureOrder = []string{"AVX2", "AVX512", "AVX512_VNNI", "NEON", "DOTPROD", "NOASM"}

func infoSystemReport() *infoSystemJSON {
	s := &infoSystemJSON{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		CPU: cpuid.CPU.BrandName, CPUs: runtime.NumCPU(),
		Features: kernels.Features(),
		Kernels:  []infoKernelJSON{},
	}
	for _, k := range kernels.Implementations() {
		s.Kernels = append(s.Kernels, infoKernelJSON{k.Kernel, k.Name})
	}
	return s
}

func infoPrintSystem(w io.Writer, s *infoSystemJSON) {
	fmt.Fprintf(w, "system: %s/%s, %d CPUs, %s\n", s.GOOS, s.GOARCH, s.CPUs, infoOr(s.CPU, "unknown CPU"))
	names := slices.Clone(infoFeatureOrder)
	var extra []string
	for k := range s.Features {
		if !slices.Contains(infoFeatureOrder, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	var line strings.Builder
	for _, k := range append(names, extra...) {
		v, ok := s.Features[k]
		if !ok {
			continue
		}
		fmt.Fprintf(&line, "%s = %d | ", k, infoBool01(v))
	}
	fmt.Fprintf(w, "features: %s\n", strings.TrimSuffix(line.String(), " "))
	if len(s.Kernels) == 0 {
		fmt.Fprintln(w, "kernels: none registered")
		return
	}
	fmt.Fprintf(w, "kernels (%d):\n", len(s.Kernels))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range s.Kernels {
		fmt.Fprintf(tw, "  %s\t%s\n", k.Kernel, k.Impl)
	}
	tw.Flush()
}

func infoBool01(b bool) int {
	if b {
		return 1
	}
	return 0
}

func infoOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// infoHyper is one summary hyperparameter: a label, the key after
// "<architecture>.", and where it goes in the JSON summary.
type infoHyper struct {
	label string
	key   string
	field func(*infoSummaryJSON) *uint64
}

var infoHypers = []infoHyper{
	{"context length", "context_length", func(s *infoSummaryJSON) *uint64 { return &s.ContextLength }},
	{"embedding length", "embedding_length", func(s *infoSummaryJSON) *uint64 { return &s.EmbeddingLength }},
	{"block count", "block_count", func(s *infoSummaryJSON) *uint64 { return &s.BlockCount }},
	{"head count", "attention.head_count", func(s *infoSummaryJSON) *uint64 { return &s.HeadCount }},
	{"head count kv", "attention.head_count_kv", func(s *infoSummaryJSON) *uint64 { return &s.HeadCountKV }},
	{"feed forward length", "feed_forward_length", func(s *infoSummaryJSON) *uint64 { return &s.FeedForwardLength }},
	{"expert count", "expert_count", func(s *infoSummaryJSON) *uint64 { return &s.ExpertCount }},
	{"expert used count", "expert_used_count", func(s *infoSummaryJSON) *uint64 { return &s.ExpertUsedCount }},
	{"expert ff length", "expert_feed_forward_length", func(s *infoSummaryJSON) *uint64 { return &s.ExpertFeedForwardLength }},
}

func infoFileReport(f *gguf.File, limit int) *infoFileJSON {
	r := &infoFileJSON{
		Path: f.Path, Version: f.Version, Size: f.Size(), Alignment: f.Alignment, DataOffset: f.DataOffset,
		Metadata: []infoKVJSON{}, Tensors: []infoTensorJSON{},
	}
	s := &r.Summary
	s.Architecture, _ = f.String("general.architecture")
	s.Name, _ = f.String("general.name")
	if ft, ok := f.FileType(); ok {
		base := uint32(ft &^ gguf.FileTypeGuessed)
		s.FileType = &base
		s.FileTypeName = (ft &^ gguf.FileTypeGuessed).String()
		s.FileTypeGuessed = ft&gguf.FileTypeGuessed != 0
	}
	s.Parameters = f.Parameters()
	s.TensorBytes = f.TensorBytes()
	if s.Parameters > 0 {
		s.BitsPerWeight = float64(s.TensorBytes) * 8 / float64(s.Parameters)
	}
	if s.Architecture != "" {
		for _, h := range infoHypers {
			if v, err := f.Uint64(s.Architecture + "." + h.key); err == nil {
				*h.field(s) = v
			}
		}
		if v, err := f.Float64(s.Architecture + ".rope.freq_base"); err == nil {
			s.RopeFreqBase = v
		}
		if v, err := f.Uint64(s.Architecture + ".attention.key_length"); err == nil {
			s.HeadDim = v
		} else if s.HeadCount > 0 && s.EmbeddingLength%s.HeadCount == 0 {
			s.HeadDim = s.EmbeddingLength / s.HeadCount
		}
		if v, err := f.Uint64(s.Architecture + ".vocab_size"); err == nil {
			s.VocabSize = v
		}
	}
	if s.VocabSize == 0 {
		if a, err := f.Array("tokenizer.ggml.tokens"); err == nil {
			s.VocabSize = uint64(a.Len())
		}
	}
	for _, kv := range f.KV {
		e := infoKVJSON{Key: kv.Key, Type: infoTypeName(kv.Value)}
		if a, ok := kv.Value.V.(gguf.Array); ok {
			n := a.Len()
			e.Count = &n
			e.Value, e.Truncated = infoJSONArray(a, limit)
		} else {
			e.Value = infoJSONScalar(kv.Value.V)
		}
		r.Metadata = append(r.Metadata, e)
	}
	for _, t := range f.Tensors {
		dims := t.Dims
		if dims == nil {
			dims = []uint64{}
		}
		r.Tensors = append(r.Tensors, infoTensorJSON{t.Name, t.Type.String(), dims, t.Elements(), t.Size, t.Offset})
	}
	return r
}

// infoTypeName names a value's type as llama.cpp's loader does: "u32",
// "arr[str]".
func infoTypeName(v gguf.Value) string {
	if a, ok := v.V.(gguf.Array); ok {
		return "arr[" + a.Type.String() + "]"
	}
	return v.Type.String()
}

// infoJSONScalar makes a scalar JSON-safe: non-finite floats become strings.
func infoJSONScalar(v any) any {
	switch x := v.(type) {
	case float32:
		return infoJSONFloat(float64(x))
	case float64:
		return infoJSONFloat(x)
	}
	return v
}

func infoJSONFloat(x float64) any {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "+Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	}
	return x
}

// infoJSONArray returns the first limit elements of a (all if limit < 0) as a
// JSON-safe slice, and whether some were left out.
func infoJSONArray(a gguf.Array, limit int) ([]any, bool) {
	n := a.Len()
	if limit >= 0 && n > limit {
		n = limit
	}
	out := make([]any, n)
	for i := range out {
		out[i] = infoElem(a, i)
		switch x := out[i].(type) {
		case gguf.Array:
			out[i], _ = infoJSONArray(x, limit)
		default:
			out[i] = infoJSONScalar(x)
		}
	}
	return out, n < a.Len()
}

// infoElem returns element i of a.
func infoElem(a gguf.Array, i int) any {
	switch v := a.Values.(type) {
	case []uint8:
		return v[i]
	case []int8:
		return v[i]
	case []uint16:
		return v[i]
	case []int16:
		return v[i]
	case []uint32:
		return v[i]
	case []int32:
		return v[i]
	case []float32:
		return v[i]
	case []bool:
		return v[i]
	case []string:
		return v[i]
	case []uint64:
		return v[i]
	case []int64:
		return v[i]
	case []float64:
		return v[i]
	case []gguf.Array:
		return v[i]
	}
	return nil
}

// infoFormatValue renders a value for the text listing: strings quoted and cut
// after strLimit runes, arrays cut after limit elements (negative: no
// limit).
func infoFormatValue(v any, limit, strLimit int) string {
	switch x := v.(type) {
	case string:
		return infoQuoteCut(x, strLimit)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case gguf.Array:
		var b strings.Builder
		b.WriteByte('[')
		n := x.Len()
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if limit >= 0 && i == limit {
				b.WriteString("...")
				break
			}
			b.WriteString(infoFormatValue(infoElem(x, i), limit, strLimit))
		}
		b.WriteByte(']')
		return b.String()
	}
	return fmt.Sprint(v)
}

// infoQuoteCut quotes s, keeping the first limit runes (all if limit < 0).
func infoQuoteCut(s string, limit int) string {
	if limit < 0 || utf8.RuneCountInString(s) <= limit {
		return strconv.Quote(s)
	}
	i, n := 0, 0
	for i = range s {
		if n == limit {
			break
		}
		n++
	}
	return strconv.Quote(s[:i]) + "..."
}

func infoPrintFile(w io.Writer, f *gguf.File, r *infoFileJSON, limit, strLimit int) {
	s := &r.Summary
	fmt.Fprintf(w, "file: %s\n", r.Path)
	data := fmt.Sprintf("data at offset %d", r.DataOffset)
	if len(r.Tensors) == 0 {
		data = "no tensor data"
	}
	fmt.Fprintf(w, "format: GGUF v%d, %s, alignment %d, %s, %d keys, %d tensors\n",
		r.Version, infoHumanBytes(uint64(r.Size)), r.Alignment, data, len(r.Metadata), len(r.Tensors))

	fmt.Fprintln(w, "\nsummary:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label, value string) { fmt.Fprintf(tw, "  %s:\t%s\n", label, value) }
	row("architecture", infoOr(s.Architecture, "(none)"))
	if s.Name != "" {
		row("name", s.Name)
	}
	if s.FileType != nil {
		ft := gguf.FileType(*s.FileType)
		if s.FileTypeGuessed {
			ft |= gguf.FileTypeGuessed
		}
		row("file type", fmt.Sprintf("%s (%d)", ft, *s.FileType))
	}
	if s.Parameters > 0 {
		row("parameters", fmt.Sprintf("%s (%d)", infoHumanCount(s.Parameters), s.Parameters))
		row("tensor data", fmt.Sprintf("%s (%.2f bits per weight)", infoHumanBytes(s.TensorBytes), s.BitsPerWeight))
	}
	if s.Architecture != "" {
		for _, h := range infoHypers {
			key := s.Architecture + "." + h.key
			if v := *h.field(s); v != 0 {
				row(h.label, strconv.FormatUint(v, 10))
			} else if raw, ok := f.Get(key); ok {
				row(h.label, infoFormatValue(raw.V, limit, strLimit)) // e.g. per-layer arrays
			}
			if h.key == "attention.head_count_kv" && s.HeadDim != 0 {
				row("head dim", strconv.FormatUint(s.HeadDim, 10))
			}
		}
		if s.RopeFreqBase != 0 {
			row("rope freq base", strconv.FormatFloat(s.RopeFreqBase, 'f', -1, 64))
		} else if s.Parameters > 0 {
			row("rope freq base", "10000 (not stored; llama.cpp's default)")
		}
		// Settings only some architectures have, shown when present.
		for _, h := range infoArchExtras {
			if raw, ok := f.Get(s.Architecture + "." + h.key); ok {
				row(h.label, infoFormatValue(raw.V, limit, strLimit))
			}
		}
	}
	if s.VocabSize != 0 {
		row("vocab size", strconv.FormatUint(s.VocabSize, 10))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nmetadata (%d keys):\n", len(f.KV))
	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i, kv := range f.KV {
		t := infoTypeName(kv.Value)
		if a, ok := kv.Value.V.(gguf.Array); ok {
			t = fmt.Sprintf("arr[%s,%d]", a.Type, a.Len())
		}
		fmt.Fprintf(tw, "  %d:\t%s\t%s\t= %s\n", i, kv.Key, t, infoFormatValue(kv.Value.V, limit, strLimit))
	}
	tw.Flush()

	if len(r.Tensors) == 0 {
		fmt.Fprintln(w, "\ntensors: none")
		return
	}
	fmt.Fprintf(w, "\ntensors (%d, offsets from the data section at %d):\n", len(r.Tensors), r.DataOffset)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  #\tname\ttype\tshape\tbytes\toffset\n")
	for i, t := range r.Tensors {
		shape := make([]string, len(t.Dims))
		for j, d := range t.Dims {
			shape[j] = strconv.FormatUint(d, 10)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t[%s]\t%d\t%d\n", i, t.Name, t.Type, strings.Join(shape, ", "), t.Bytes, t.Offset)
	}
	tw.Flush()
}

// infoHumanCount prints a parameter count as llama.cpp does ("292.35 K").
func infoHumanCount(n uint64) string {
	x := float64(n)
	switch {
	case x >= 1e12:
		return fmt.Sprintf("%.2f T", x/1e12)
	case x >= 1e9:
		return fmt.Sprintf("%.2f B", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2f M", x/1e6)
	}
	return fmt.Sprintf("%.2f K", x/1e3)
}

// infoHumanBytes prints a size in binary units ("1.21 MiB").
func infoHumanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	x, u := float64(n), 0
	for x >= unit && u < 4 {
		x /= unit
		u++
	}
	return fmt.Sprintf("%.2f %ciB", x, "KMGT"[u-1])
}
