package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/quant"
)

func storiesModel(t *testing.T) *model.Model {
	t.Helper()
	m, err := model.New(storiesVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestModelDesc compares with llama.cpp's llama_model_desc of the same
// file (fixtures' case JSON: stories260K has no general.file_type).
func TestModelDesc(t *testing.T) {
	m := storiesModel(t)
	if got, want := ModelDesc(m.File, m.HP), "llama ?B (guessed) all F32"; got != want {
		t.Errorf("desc %q, llama.cpp %q", got, want)
	}
	for _, tc := range []struct {
		hp   model.HParams
		want string
	}{
		{model.HParams{Arch: "llama", NLayer: 16}, "1B"},
		{model.HParams{Arch: "llama", NLayer: 28}, "3B"},
		{model.HParams{Arch: "llama", NLayer: 32, NVocab: 128256}, "8B"},
		{model.HParams{Arch: "llama", NLayer: 32, NVocab: 32000}, "7B"},
		{model.HParams{Arch: "llama", NLayer: 80, NHead: 64, NHeadKV: 8}, "70B"},
		{model.HParams{Arch: "llama", NLayer: 32, NExpert: 8}, "8x7B"},
		{model.HParams{Arch: "llama", NLayer: 5}, "?B"},
		{model.HParams{Arch: "qwen2", NLayer: 28}, "?B"},
	} {
		if got := SizeClass(&tc.hp); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.hp, got, tc.want)
		}
	}
}

// TestRun runs pp, tg and pp+tg tests on stories260K and checks the
// bookkeeping: one sample per repetition, speeds from the token counts.
func TestRun(t *testing.T) {
	m := storiesModel(t)
	info := ModelInfoOf(m, "stories260K.gguf")
	if info.Size != m.File.TensorBytes() || info.NVocab != 512 || !info.AddBOS || info.WeightBytes != info.Size-512*64*4+64*4 {
		t.Errorf("model info %+v", info)
	}
	for _, tc := range []Test{
		{NPrompt: 48, NBatch: 16, NUBatch: 8, Threads: 1, Reps: 3, Warmup: true},
		{NGen: 6, NBatch: 2048, NUBatch: 512, Threads: 2, Reps: 2},
		{NPrompt: 8, NGen: 4, NBatch: 2048, NUBatch: 512, Threads: 1, Reps: 1, Warmup: true, TypeK: quant.F16},
		{NPrompt: 16, NDepth: 40, NBatch: 8, NUBatch: 8, Threads: 2, Reps: 2, Warmup: true},
		{NGen: 3, NDepth: 100, NBatch: 64, NUBatch: 32, Threads: 1, Reps: 2},
	} {
		r, err := Run(m, info, tc)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name(), err)
		}
		if len(r.SamplesNS) != tc.Reps {
			t.Fatalf("%s: %d samples, want %d", tc.Name(), len(r.SamplesNS), tc.Reps)
		}
		for i, ts := range r.SamplesTS() {
			want := 1e9 * float64(tc.NPrompt+tc.NGen) / float64(r.SamplesNS[i])
			if math.Abs(ts-want) > 1e-9*want {
				t.Errorf("%s: sample %d: %v t/s, want %v", tc.Name(), i, ts, want)
			}
		}
	}
	if _, err := Run(m, info, Test{NBatch: 1, NUBatch: 1, Reps: 1}); err == nil {
		t.Error("empty test: no error")
	}
	if _, err := Run(m, info, Test{NGen: 1, NDepth: -1, NBatch: 1, NUBatch: 1, Reps: 1}); err == nil {
		t.Error("negative depth: no error")
	}
	// The context is sized for depth + test tokens.
	if _, err := Run(m, info, Test{NGen: 12, NDepth: 500, NBatch: 512, NUBatch: 512, Threads: 1, Reps: 1}); err != nil {
		t.Errorf("depth 500 + 12: %v", err)
	}
}

// TestTestName: llama-bench's test names, with the depth suffix.
func TestTestName(t *testing.T) {
	for _, tc := range []struct {
		t    Test
		want string
	}{
		{Test{NPrompt: 512}, "pp512"},
		{Test{NGen: 128}, "tg128"},
		{Test{NPrompt: 512, NGen: 128}, "pp512+tg128"},
		{Test{NPrompt: 512, NDepth: 4096}, "pp512 @ d4096"},
		{Test{NGen: 128, NDepth: 512}, "tg128 @ d512"},
	} {
		if got := tc.t.Name(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestStats(t *testing.T) {
	r := &Result{Test: Test{NPrompt: 100}, SamplesNS: []uint64{1e9, 2e9, 4e9}}
	if r.AvgNS() != 7e9/3 {
		t.Errorf("AvgNS %v", r.AvgNS())
	}
	// t/s: 100, 50, 25: mean 58.33, sample sd sqrt(((41.67)²+(8.33)²+(33.33)²)/2) = 38.19
	if math.Abs(r.AvgTS()-175.0/3) > 1e-9 || math.Abs(r.StdevTS()-38.188130791298669) > 1e-9 {
		t.Errorf("AvgTS %v StdevTS %v", r.AvgTS(), r.StdevTS())
	}
	if (&Result{SamplesNS: []uint64{5}}).StdevNS() != 0 {
		t.Error("one sample: stdev not 0")
	}
}

// fixedResult is a result with known numbers for the printer tests.
func fixedResult() *Result {
	return &Result{
		Test:      Test{NPrompt: 512, NBatch: 2048, NUBatch: 512, Threads: 16, TypeK: quant.F16, TypeV: quant.F16, Reps: 2},
		Model:     ModelInfo{Filename: `m "7B".gguf`, Desc: "llama 7B Q4_0", Size: 3825065984, Params: 6738415616},
		CPUInfo:   "Test CPU",
		Backends:  "CPU",
		TestTime:  time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		SamplesNS: []uint64{7447109230, 7447109230},
	}
}

// TestMarkdown checks the table layout against llama-bench's README table
// (same columns, widths and alignment).
func TestMarkdown(t *testing.T) {
	var buf bytes.Buffer
	p := NewPrinter(&buf, FormatMarkdown, TableOptions{})
	p.Header()
	p.Print(fixedResult())
	want := "" +
		"| model                          |       size |     params | backend    | threads |            test |                  t/s |\n" +
		"| ------------------------------ | ---------: | ---------: | ---------- | ------: | --------------: | -------------------: |\n" +
		"| llama 7B Q4_0                  |   3.56 GiB |     6.74 B | CPU        |      16 |           pp512 |         68.75 ± 0.00 |\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	p = NewPrinter(&buf, FormatMarkdown, TableOptions{NUBatch: true, TypeK: true})
	p.Header()
	if !strings.Contains(buf.String(), "| n_ubatch | type_k |") || !strings.Contains(buf.String(), "| -------: | -----: |") {
		t.Errorf("optional columns: %s", buf.String())
	}
}

// TestJSONAndCSV checks that the records carry llama-bench's fields, in
// its order, with its JSON types, and parse as JSON and CSV.
func TestJSONAndCSV(t *testing.T) {
	var buf bytes.Buffer
	p := NewPrinter(&buf, FormatJSON, TableOptions{})
	p.Header()
	p.Print(fixedResult())
	p.Print(fixedResult())
	p.Footer()
	var recs []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &recs); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	for _, f := range append(Fields, "samples_ns", "samples_ts") {
		if _, ok := r[f]; !ok {
			t.Errorf("JSON lacks %s", f)
		}
	}
	checks := map[string]any{
		"model_filename": `m "7B".gguf`, "model_type": "llama 7B Q4_0", "model_size": 3825065984.0,
		"n_prompt": 512.0, "n_gen": 0.0, "n_threads": 16.0, "type_k": "f16", "no_kv_offload": false,
		"avg_ns": 7447109230.0, "stddev_ns": 0.0, "test_time": "2025-01-02T03:04:05Z", "backends": "CPU",
	}
	for k, v := range checks {
		if r[k] != v {
			t.Errorf("JSON %s = %#v, want %#v", k, r[k], v)
		}
	}
	if ts, _ := r["avg_ts"].(float64); math.Abs(ts-68.751509) > 1e-6 {
		t.Errorf("avg_ts %v", r["avg_ts"])
	}
	// Field order as llama-bench writes it.
	last := -1
	for _, f := range Fields {
		i := strings.Index(buf.String(), `"`+f+`":`)
		if i < last {
			t.Errorf("field %s out of order", f)
		}
		last = i
	}

	buf.Reset()
	p = NewPrinter(&buf, FormatJSONL, TableOptions{})
	p.Header()
	p.Print(fixedResult())
	p.Footer()
	var one map[string]any
	if err := json.Unmarshal(buf.Bytes(), &one); err != nil || one["n_prompt"] != 512.0 {
		t.Errorf("JSONL: %v, %s", err, buf.String())
	}

	buf.Reset()
	p = NewPrinter(&buf, FormatCSV, TableOptions{})
	p.Header()
	p.Print(fixedResult())
	p.Footer()
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(Fields, ",") || len(rows[1]) != len(Fields) {
		t.Fatalf("CSV rows %v", rows)
	}
	if rows[1][5] != `m "7B".gguf` || rows[1][38] != "68.751509" {
		t.Errorf("CSV values %v", rows[1])
	}
	if _, err := ParseFormat("sql"); err == nil {
		t.Error("ParseFormat(sql): no error")
	}
}

func TestWeightBytesPerToken(t *testing.T) {
	f, err := gguf.Parse(embedded.Stories260K) // untied: token_embd [64, 512] F32
	if err != nil {
		t.Fatal(err)
	}
	if got, want := WeightBytesPerToken(f), f.TensorBytes()-511*64*4; got != want {
		t.Errorf("%d, want %d", got, want)
	}
}

func TestBandwidth(t *testing.T) {
	a := make([]uint64, 1003)
	var want uint64
	for i := range a {
		a[i] = uint64(i * i)
		want += a[i]
	}
	if got := sumWords(a); got != want {
		t.Errorf("sumWords %d, want %d", got, want)
	}
	bw := MeasureBandwidth(2, 1<<20, 1)
	if bw.Threads != 2 || bw.Bytes != 1<<20 || !(bw.Copy > 0) || !(bw.Read > 0) {
		t.Errorf("%+v", bw)
	}
}

var sinkWords uint64

// BenchmarkSumWords measures the bandwidth probe's read loop on a 64 MiB
// array (bytes/s: bytes read).
func BenchmarkSumWords(b *testing.B) {
	a := make([]uint64, 8<<20)
	for i := range a {
		a[i] = uint64(i)
	}
	b.SetBytes(8 << 23)
	for b.Loop() {
		sinkWords += sumWords(a)
	}
}
