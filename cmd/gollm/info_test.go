package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// writeInfoModel writes a small model whose every summary figure is known:
// 68352 parameters in 72096 bytes of tensor data (q4_K 256x10: 1440 bytes,
// f32 256: 1024, q8_0 256x256: 69632), so 8.44 bits per weight.
func writeInfoModel(t *testing.T, withFileType bool) string {
	t.Helper()
	tokens := make([]string, 10)
	for i := range tokens {
		tokens[i] = string(rune('a' + i))
	}
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "general.name", Value: gguf.String("info test")},
		{Key: "llama.context_length", Value: gguf.Uint32(4096)},
		{Key: "llama.embedding_length", Value: gguf.Uint32(256)},
		{Key: "llama.block_count", Value: gguf.Uint32(1)},
		{Key: "llama.feed_forward_length", Value: gguf.Uint32(688)},
		{Key: "llama.attention.head_count", Value: gguf.Uint32(8)},
		{Key: "llama.attention.head_count_kv", Value: gguf.Uint32(2)},
		{Key: "llama.rope.freq_base", Value: gguf.Float32(500000)},
		{Key: "llama.expert_count", Value: gguf.Uint32(4)},
		{Key: "llama.expert_used_count", Value: gguf.Uint32(2)},
		{Key: "test.nan", Value: gguf.Float32(float32(math.NaN()))},
		{Key: "test.long", Value: gguf.String(strings.Repeat("x", 100))},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Strings(tokens)},
	}
	if withFileType {
		kv = append(kv, gguf.KV{Key: "general.file_type", Value: gguf.Uint32(15)})
	}
	infos := []gguf.TensorInfo{
		gguf.TensorInfoOf("token_embd.weight", quant.Q4K, 256, 10),
		gguf.TensorInfoOf("output_norm.weight", quant.F32, 256),
		gguf.TensorInfoOf("blk.0.attn_q.weight", quant.Q8_0, 256, 256),
	}
	if !withFileType {
		infos = []gguf.TensorInfo{gguf.TensorInfoOf("a", quant.F32, 4), gguf.TensorInfoOf("b", quant.F32, 4), gguf.TensorInfoOf("c", quant.F16, 4)}
	}
	data := make([][]byte, len(infos))
	for i, ti := range infos {
		n := ti.Type.RowSize(int(ti.Dims[0]))
		for _, d := range ti.Dims[1:] {
			n *= int(d)
		}
		data[i] = make([]byte, n)
	}
	path := filepath.Join(t.TempDir(), "model.gguf")
	if err := gguf.WriteFile(path, kv, infos, data); err != nil {
		t.Fatal(err)
	}
	return path
}

var spaces = regexp.MustCompile(`[ \t]+`)

// runGollm runs the CLI in-process and returns the exit code, stdout and
// stderr, with runs of blanks collapsed in stdout.
func runGollm(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, spaces.ReplaceAllString(stdout.String(), " "), stderr.String()
}

func TestInfoText(t *testing.T) {
	path := writeInfoModel(t, true)
	code, out, errOut := runGollm("info", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"format: GGUF v3, ",
		" alignment 32, data at offset ",
		" 15 keys, 3 tensors\n",
		" architecture: llama\n",
		" name: info test\n",
		" file type: Q4_K - Medium (15)\n",
		" parameters: 68.35 K (68352)\n",
		" tensor data: 70.41 KiB (8.44 bits per weight)\n",
		" context length: 4096\n",
		" embedding length: 256\n",
		" block count: 1\n",
		" head count: 8\n",
		" head count kv: 2\n",
		" head dim: 32\n",
		" feed forward length: 688\n",
		" expert count: 4\n",
		" expert used count: 2\n",
		" rope freq base: 500000\n",
		" vocab size: 10\n",
		` tokenizer.ggml.tokens arr[str,10] = ["a", "b", "c", "d", "e", ...]` + "\n",
		` test.long str = "` + strings.Repeat("x", 60) + `"...` + "\n",
		" test.nan f32 = NaN\n",
		" llama.rope.freq_base f32 = 500000\n",
		"tensors (3, offsets from the data section at ",
		" 0 token_embd.weight q4_K [256, 10] 1440 0\n",
		" 1 output_norm.weight f32 [256] 1024 1440\n",
		" 2 blk.0.attn_q.weight q8_0 [256, 256] 69632 2464\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}

	code, out, _ = runGollm("info", "--full", path)
	if code != 0 || !strings.Contains(out, `"f", "g", "h", "i", "j"]`) || !strings.Contains(out, strings.Repeat("x", 100)+`"`) {
		t.Errorf("--full does not print arrays and strings in full:\n%s", out)
	}
}

func TestInfoGuessedFileType(t *testing.T) {
	// Without general.file_type llama.cpp guesses from the commonest tensor
	// type; its model description then reads "(guessed) all F32".
	code, out, errOut := runGollm("info", writeInfoModel(t, false))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, " file type: (guessed) all F32 (0)\n") {
		t.Errorf("no guessed file type in:\n%s", out)
	}
}

func TestInfoJSON(t *testing.T) {
	path := writeInfoModel(t, true)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"info", "--json", path, "--system"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got struct {
		System struct {
			Features map[string]bool `json:"features"`
			Kernels  []struct {
				Kernel string `json:"kernel"`
				Impl   string `json:"impl"`
			} `json:"kernels"`
			CPUs int `json:"cpus"`
		} `json:"system"`
		File struct {
			Version    int   `json:"version"`
			Size       int64 `json:"size"`
			DataOffset int64 `json:"data_offset"`
			Summary    map[string]any
			Metadata   []struct {
				Key       string `json:"key"`
				Type      string `json:"type"`
				Count     *int   `json:"count"`
				Value     any    `json:"value"`
				Truncated bool   `json:"truncated"`
			} `json:"metadata"`
			Tensors []struct {
				Name     string   `json:"name"`
				Type     string   `json:"type"`
				Dims     []uint64 `json:"dims"`
				Elements uint64   `json:"elements"`
				Bytes    uint64   `json:"bytes"`
				Offset   uint64   `json:"offset"`
			} `json:"tensors"`
		} `json:"file"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if _, ok := got.System.Features["AVX2"]; !ok || got.System.CPUs < 1 {
		t.Errorf("system: %+v", got.System)
	}
	wantSummary := map[string]any{
		"architecture": "llama", "file_type": 15.0, "file_type_name": "Q4_K - Medium",
		"parameters": 68352.0, "tensor_bytes": 72096.0, "context_length": 4096.0, "head_dim": 32.0,
		"rope_freq_base": 500000.0, "vocab_size": 10.0, "expert_count": 4.0, "expert_used_count": 2.0,
	}
	for k, v := range wantSummary {
		if got.File.Summary[k] != v {
			t.Errorf("summary %s = %v, want %v", k, got.File.Summary[k], v)
		}
	}
	if bpw := got.File.Summary["bits_per_weight"].(float64); math.Abs(bpw-72096*8.0/68352) > 1e-9 {
		t.Errorf("bits_per_weight %v", bpw)
	}
	if got.File.Version != 3 || got.File.DataOffset%32 != 0 || len(got.File.Metadata) != 15 || len(got.File.Tensors) != 3 {
		t.Errorf("file: version %d, data offset %d, %d keys, %d tensors", got.File.Version, got.File.DataOffset, len(got.File.Metadata), len(got.File.Tensors))
	}
	for _, m := range got.File.Metadata {
		switch m.Key {
		case "test.nan":
			if m.Value != "NaN" || m.Type != "f32" {
				t.Errorf("NaN key: %+v", m)
			}
		case "tokenizer.ggml.tokens":
			if m.Type != "arr[str]" || m.Count == nil || *m.Count != 10 || !m.Truncated || len(m.Value.([]any)) != 5 {
				t.Errorf("tokens: %+v", m)
			}
		case "llama.context_length":
			if m.Value != 4096.0 || m.Type != "u32" || m.Count != nil {
				t.Errorf("context length: %+v", m)
			}
		}
	}
	q := got.File.Tensors[2]
	if q.Name != "blk.0.attn_q.weight" || q.Type != "q8_0" || len(q.Dims) != 2 || q.Elements != 65536 || q.Bytes != 69632 || q.Offset != 2464 {
		t.Errorf("tensor 2: %+v", q)
	}
}

func TestInfoVocabOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vocab.gguf")
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "llama.vocab_size", Value: gguf.Uint32(32000)},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Strings([]string{"<unk>", "<s>"})},
	}
	if err := gguf.WriteFile(path, kv, nil, nil); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runGollm("info", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{" no tensor data, 3 keys, 0 tensors\n", " vocab size: 32000\n", "\ntensors: none\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "parameters") || strings.Contains(out, "file type") {
		t.Errorf("parameters or file type shown for a file without tensors:\n%s", out)
	}
}

func TestInfoSystem(t *testing.T) {
	code, out, errOut := runGollm("info", "--system")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !regexp.MustCompile(`(?m)^features: AVX2 = [01] \| AVX512 = [01] \| AVX512_VNNI = [01] \| NEON = [01] \| DOTPROD = [01] \| NOASM = [01] \|`).MatchString(out) {
		t.Errorf("no llama.cpp-style feature line in:\n%s", out)
	}
	if !strings.Contains(out, "system: ") || !strings.Contains(out, "kernels") {
		t.Errorf("output:\n%s", out)
	}
}

func TestInfoErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.gguf")
	// One tensor whose name is 2^40 bytes long.
	header := "GGUF\x03\x00\x00\x00" + "\x01\x00\x00\x00\x00\x00\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00" + "\x00\x00\x00\x00\x00\x01\x00\x00"
	if err := os.WriteFile(corrupt, append([]byte(header), make([]byte, 40)...), 0o644); err != nil {
		t.Fatal(err)
	}
	badMagic := filepath.Join(dir, "text.gguf")
	if err := os.WriteFile(badMagic, []byte("this is not a model file at all, just text"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"info"}, 2, "gollm info: missing FILE.gguf"},
		{[]string{"info", "--bogus", "x.gguf"}, 2, "gollm info: flag provided but not defined: -bogus"},
		{[]string{"info", "a.gguf", "b.gguf"}, 2, "gollm info: one FILE expected, got 2 arguments"},
		{[]string{"info", filepath.Join(dir, "missing.gguf")}, 1, "no such file or directory"},
		{[]string{"info", dir}, 1, "not a regular file"},
		{[]string{"info", badMagic}, 1, `malformed file: bad magic "this"`},
		{[]string{"info", "--json", corrupt}, 1, `malformed file: tensor #0 name: string length 1099511627776`},
	}
	for _, c := range cases {
		code, out, errOut := runGollm(c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, code, c.code)
		}
		last := strings.TrimSpace(errOut)
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		if !strings.Contains(last, c.want) || !strings.HasPrefix(last, "gollm info: ") {
			t.Errorf("%v: last stderr line %q, want it to contain %q", c.args, last, c.want)
		}
		if out != "" && c.code != 0 {
			t.Errorf("%v: stdout %q on error", c.args, out)
		}
	}
}
