package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is an output format of llama-bench.
type Format string

// The formats Printer writes.
const (
	FormatMarkdown Format = "md"
	FormatJSON     Format = "json"
	FormatJSONL    Format = "jsonl"
	FormatCSV      Format = "csv"
)

// ParseFormat returns the format named s ("md", "json", "jsonl", "csv").
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatMarkdown, FormatJSON, FormatJSONL, FormatCSV:
		return f, nil
	}
	return "", fmt.Errorf("bench: unknown output format %q (want md, json, jsonl or csv)", s)
}

// Fields are llama-bench's record fields, in its order; JSON records add
// samples_ns and samples_ts.
var Fields = []string{
	"build_commit", "build_number", "cpu_info", "gpu_info", "backends",
	"model_filename", "model_type", "model_size", "model_n_params", "n_batch",
	"n_ubatch", "n_threads", "cpu_mask", "cpu_strict", "poll",
	"type_k", "type_v", "n_gpu_layers", "n_cpu_moe", "split_mode",
	"main_gpu", "no_kv_offload", "flash_attn", "devices", "tensor_split",
	"tensor_buft_overrides", "load_mode", "embeddings",
	"no_op_offload", "no_host", "fit_target", "fit_min_ctx",
	"n_prompt", "n_gen", "n_depth",
	"test_time", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts",
}

type fieldKind int

const (
	kindString fieldKind = iota
	kindBool
	kindInt
	kindFloat
)

// fieldKinds are the JSON types of the non-string fields.
var fieldKinds = map[string]fieldKind{
	"build_number": kindInt, "n_batch": kindInt, "n_ubatch": kindInt, "n_threads": kindInt,
	"poll": kindInt, "model_size": kindInt, "model_n_params": kindInt, "n_gpu_layers": kindInt,
	"main_gpu": kindInt, "n_prompt": kindInt, "n_gen": kindInt, "n_depth": kindInt,
	"avg_ns": kindInt, "stddev_ns": kindInt, "no_op_offload": kindInt, "n_cpu_moe": kindInt,
	"fit_target": kindInt, "fit_min_ctx": kindInt, "flash_attn": kindInt,
	"no_kv_offload": kindBool, "cpu_strict": kindBool, "embeddings": kindBool, "no_host": kindBool,
	"avg_ts": kindFloat, "stddev_ts": kindFloat,
}

// BuildNumber is what gollm reports as llama-bench's build_number (gollm
// has no build counter).
const BuildNumber = 0

// Values returns r's values for Fields, formatted as llama-bench formats
// them (integers in decimal, booleans 0/1, speeds with six decimals).
// Fields that describe GPU offload hold their CPU-only values.
func (r *Result) Values() []string {
	i := strconv.Itoa
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	return []string{
		BuildCommit(), i(BuildNumber), r.CPUInfo, "", r.Backends,
		r.Model.Filename, r.Model.Desc, u(r.Model.Size), u(r.Model.Params), i(r.NBatch),
		i(r.NUBatch), i(r.Threads), "0x0", "0", "50",
		r.TypeK.String(), r.TypeV.String(), "0", "0", "layer",
		"0", "0", "1", "auto", "0.00",
		"none", "mmap", "0",
		"0", "0", "0", "0",
		i(r.NPrompt), i(r.NGen), i(r.NDepth),
		r.TestTime.Format("2006-01-02T15:04:05Z"), u(uint64(r.AvgNS())), u(uint64(r.StdevNS())),
		strconv.FormatFloat(r.AvgTS(), 'f', 6, 64), strconv.FormatFloat(r.StdevTS(), 'f', 6, 64),
	}
}

// Printer writes results in one of llama-bench's formats: Header before
// the first result, Print for each, Footer at the end.
type Printer struct {
	w      io.Writer
	format Format
	fields []string // markdown columns
	n      int
}

// TableOptions say which optional columns the markdown table shows:
// llama-bench adds a column for a parameter that has more than one value
// or a non-default one.
type TableOptions struct {
	NBatch, NUBatch, TypeK, TypeV bool
}

// NewPrinter returns a printer of format f writing to w.
func NewPrinter(w io.Writer, f Format, opt TableOptions) *Printer {
	p := &Printer{w: w, format: f}
	if f == FormatMarkdown {
		p.fields = []string{"model", "size", "params", "backend", "n_threads"}
		if opt.NBatch {
			p.fields = append(p.fields, "n_batch")
		}
		if opt.NUBatch {
			p.fields = append(p.fields, "n_ubatch")
		}
		if opt.TypeK {
			p.fields = append(p.fields, "type_k")
		}
		if opt.TypeV {
			p.fields = append(p.fields, "type_v")
		}
		p.fields = append(p.fields, "test", "t/s")
	}
	return p
}

// mdWidth is llama-bench's column width (negative: left-aligned).
func mdWidth(field string) int {
	switch field {
	case "model":
		return -30
	case "t/s":
		return 20
	case "size", "params":
		return 10
	case "n_threads", "n_batch":
		return 7
	case "n_ubatch":
		return 8
	case "type_k", "type_v":
		return 6
	case "test":
		return 15
	}
	w := max(len(field), 10)
	if _, ok := fieldKinds[field]; !ok {
		return -w
	}
	return w
}

func mdName(field string) string {
	if field == "n_threads" {
		return "threads"
	}
	return field
}

// pad aligns s in a column of |width| characters (runes, so that "±"
// counts as one).
func pad(s string, width int) string {
	n := len([]rune(s))
	if w := max(width, -width); n < w {
		if width < 0 {
			return s + strings.Repeat(" ", w-n)
		}
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// Header writes what comes before the first result.
func (p *Printer) Header() {
	switch p.format {
	case FormatMarkdown:
		var b strings.Builder
		b.WriteString("|")
		for _, f := range p.fields {
			fmt.Fprintf(&b, " %s |", pad(mdName(f), mdWidth(f)))
		}
		b.WriteString("\n|")
		for _, f := range p.fields {
			w := mdWidth(f)
			end := "-"
			if w > 0 {
				end = ":"
			}
			fmt.Fprintf(&b, " %s%s |", strings.Repeat("-", max(w, -w)-1), end)
		}
		b.WriteString("\n")
		io.WriteString(p.w, b.String())
	case FormatJSON:
		io.WriteString(p.w, "[\n")
	case FormatCSV:
		fmt.Fprintln(p.w, strings.Join(Fields, ","))
	}
}

// Print writes one result.
func (p *Printer) Print(r *Result) {
	defer func() { p.n++ }()
	values := r.Values()
	switch p.format {
	case FormatMarkdown:
		var b strings.Builder
		b.WriteString("|")
		for _, f := range p.fields {
			fmt.Fprintf(&b, " %s |", pad(mdValue(r, f, values), mdWidth(f)))
		}
		b.WriteString("\n")
		io.WriteString(p.w, b.String())
	case FormatCSV:
		q := make([]string, len(values))
		for i, v := range values {
			q[i] = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		fmt.Fprintln(p.w, strings.Join(q, ","))
	case FormatJSON:
		if p.n > 0 {
			io.WriteString(p.w, ",\n")
		}
		var b strings.Builder
		b.WriteString("  {\n")
		for i, f := range Fields {
			fmt.Fprintf(&b, "    %q: %s,\n", f, jsonValue(f, values[i]))
		}
		fmt.Fprintf(&b, "    \"samples_ns\": [ %s ],\n", joinUints(r.SamplesNS))
		fmt.Fprintf(&b, "    \"samples_ts\": [ %s ]\n", joinFloats(r.SamplesTS()))
		b.WriteString("  }")
		io.WriteString(p.w, b.String())
	case FormatJSONL:
		var b strings.Builder
		b.WriteString("{")
		for i, f := range Fields {
			fmt.Fprintf(&b, "%q: %s, ", f, jsonValue(f, values[i]))
		}
		fmt.Fprintf(&b, "\"samples_ns\": [ %s ],", joinUints(r.SamplesNS))
		fmt.Fprintf(&b, "\"samples_ts\": [ %s ]", joinFloats(r.SamplesTS()))
		b.WriteString("}\n")
		io.WriteString(p.w, b.String())
	}
}

// Footer writes what comes after the last result.
func (p *Printer) Footer() {
	switch p.format {
	case FormatMarkdown:
		fmt.Fprintf(p.w, "\nbuild: %s (%d)\n", BuildCommit(), BuildNumber)
	case FormatJSON:
		io.WriteString(p.w, "\n]\n")
	}
}

// mdValue is the table cell of field f.
func mdValue(r *Result, f string, values []string) string {
	switch f {
	case "model":
		return r.Model.Desc
	case "size":
		if r.Model.Size < 1<<30 {
			return fmt.Sprintf("%.2f MiB", float64(r.Model.Size)/(1<<20))
		}
		return fmt.Sprintf("%.2f GiB", float64(r.Model.Size)/(1<<30))
	case "params":
		if r.Model.Params < 1e9 {
			return fmt.Sprintf("%.2f M", float64(r.Model.Params)/1e6)
		}
		return fmt.Sprintf("%.2f B", float64(r.Model.Params)/1e9)
	case "backend":
		return r.Backends
	case "test":
		return r.Name()
	case "t/s":
		return fmt.Sprintf("%.2f ± %.2f", r.AvgTS(), r.StdevTS())
	}
	for i, name := range Fields {
		if name == f {
			return values[i]
		}
	}
	return ""
}

// jsonValue formats a field value as llama-bench's JSON does: strings
// quoted and escaped, booleans true/false, numbers as they are.
func jsonValue(field, v string) string {
	switch fieldKinds[field] {
	case kindBool:
		if v == "0" {
			return "false"
		}
		return "true"
	case kindInt, kindFloat:
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(v) {
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c <= 0x1f:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func joinUints(v []uint64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatUint(x, 10)
	}
	return strings.Join(s, ", ")
}

// joinFloats writes speeds with six significant digits, as C++ streams
// do by default.
func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', 6, 64)
	}
	return strings.Join(s, ", ")
}
