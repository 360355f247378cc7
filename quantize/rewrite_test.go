package quantize

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// mixFiles are the mixes llama.cpp's fixtures were quantized to, with the
// file name suffix llama-quantize's output got.
var mixFiles = []struct {
	mix    string
	suffix string
}{
	{"Q8_0", "q8_0"},
	{"Q4_K_M", "q4_k_m"},
	{"Q5_K_M", "q5_k_m"},
	{"Q6_K", "q6_k"},
	{"Q4_0", "q4_0"},
}

// rewriteBytes quantizes the file at path to mix in memory.
func rewriteBytes(t *testing.T, path string, opt Options) []byte {
	t.Helper()
	src, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var buf bytes.Buffer
	if _, err := Rewrite(&buf, src, opt); err != nil {
		t.Fatalf("Rewrite %s: %v", path, err)
	}
	return buf.Bytes()
}

// compareWithReference checks got against llama-quantize's file at ref: the
// whole file byte for byte, and on a difference which keys, tensor types
// and tensor bytes differ.
func compareWithReference(t *testing.T, got []byte, ref string) {
	t.Helper()
	want, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	t.Errorf("%s: output differs from llama-quantize's (%d vs %d bytes)", filepath.Base(ref), len(got), len(want))
	g, err := gguf.Parse(got)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	w, err := gguf.Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.KV) != len(w.KV) {
		t.Errorf("%d metadata keys, want %d", len(g.KV), len(w.KV))
	}
	for i := range min(len(g.KV), len(w.KV)) {
		if g.KV[i].Key != w.KV[i].Key || g.KV[i].Value.Type != w.KV[i].Value.Type {
			t.Errorf("key %d: %s (%v), want %s (%v)", i, g.KV[i].Key, g.KV[i].Value.Type, w.KV[i].Key, w.KV[i].Value.Type)
		}
	}
	if len(g.Tensors) != len(w.Tensors) {
		t.Fatalf("%d tensors, want %d", len(g.Tensors), len(w.Tensors))
	}
	for i := range g.Tensors {
		gt, wt := &g.Tensors[i], &w.Tensors[i]
		switch {
		case gt.Name != wt.Name:
			t.Errorf("tensor %d: %s, want %s", i, gt.Name, wt.Name)
		case gt.Type != wt.Type:
			t.Errorf("tensor %s: type %v, want %v", gt.Name, gt.Type, wt.Type)
		case !bytes.Equal(g.TensorData(gt), w.TensorData(wt)):
			t.Errorf("tensor %s (%v): data differs", gt.Name, gt.Type)
		}
	}
}

// TestRewriteTinyLlama quantizes llama.cpp's F16 tiny-llama to the five
// mixes of the fixtures and compares with llama-quantize's files.
func TestRewriteTinyLlama(t *testing.T) {
	for _, m := range mixFiles {
		t.Run(m.mix, func(t *testing.T) {
			ft, err := ParseFileType(m.mix)
			if err != nil {
				t.Fatal(err)
			}
			got := rewriteBytes(t, "testdata/tiny-llama-f16.gguf", Options{FileType: ft})
			compareWithReference(t, got, "testdata/tiny-llama-"+m.suffix+".gguf")
		})
	}
}

// fixturesDir holds llama.cpp's reference models when the shared fixtures
// are checked out next to the repository.
const fixturesDir = "../../shared/fixtures/models"

// TestRewriteAllArchitectures does the same for every architecture's F16
// file in the shared fixtures, and reproduces stories260K-q8_0.gguf (made
// with --tensor-type ffn_down=f16 because its 172-wide rows fit no
// quantized type).
func TestRewriteAllArchitectures(t *testing.T) {
	if _, err := os.Stat(fixturesDir); err != nil {
		t.Skipf("shared fixtures not found at %s: %v", fixturesDir, err)
	}
	f16s, err := filepath.Glob(filepath.Join(fixturesDir, "*", "*-f16.gguf"))
	if err != nil || len(f16s) == 0 {
		t.Fatalf("no F16 models under %s (%v)", fixturesDir, err)
	}
	for _, f16 := range f16s {
		base := strings.TrimSuffix(f16, "-f16.gguf")
		for _, m := range mixFiles {
			ref := base + "-" + m.suffix + ".gguf"
			if _, err := os.Stat(ref); err != nil {
				continue
			}
			t.Run(filepath.Base(ref), func(t *testing.T) {
				ft, _ := ParseFileType(m.mix)
				compareWithReference(t, rewriteBytes(t, f16, Options{FileType: ft}), ref)
			})
		}
	}
	t.Run("stories260K-q8_0.gguf", func(t *testing.T) {
		rule, err := ParseTensorTypeRule("ffn_down=f16")
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(fixturesDir, "stories260K")
		got := rewriteBytes(t, filepath.Join(dir, "stories260K.gguf"),
			Options{FileType: gguf.FileTypeQ8_0, TensorTypes: []TensorTypeRule{rule}})
		compareWithReference(t, got, filepath.Join(dir, "stories260K-q8_0.gguf"))
	})
}

// smallModel is an in-memory llama-shaped GGUF with one matrix of the
// given row length and a norm.
func smallModel(t *testing.T, typ quant.Type, rowLen int) *gguf.File {
	t.Helper()
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "llama.block_count", Value: gguf.Uint32(1)},
		{Key: "llama.attention.head_count", Value: gguf.Uint32(2)},
		{Key: "split.count", Value: gguf.Uint16(1)},
		{Key: "general.file_type", Value: gguf.Uint32(0)},
	}
	x := make([]float32, rowLen*4)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	w := make([]byte, typ.RowSize(rowLen)*4)
	if err := quant.Quantize(typ, w, x); err != nil {
		t.Fatal(err)
	}
	norm := make([]byte, 4*rowLen)
	tensors := []gguf.TensorInfo{
		gguf.TensorInfoOf("blk.0.ffn_down.weight", typ, uint64(rowLen), 4),
		gguf.TensorInfoOf("blk.0.ffn_norm.weight", quant.F32, uint64(rowLen)),
	}
	b, err := gguf.Marshal(kv, tensors, [][]byte{w, norm})
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRewriteErrors checks that impossible conversions fail with a message
// naming the tensor, as llama-quantize refuses them.
func TestRewriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		typ     quant.Type
		rowLen  int
		opt     Options
		wantErr string
	}{
		{"no fall-back for q8_0", quant.F32, 172, Options{FileType: gguf.FileTypeQ8_0}, `"blk.0.ffn_down.weight": row length 172`},
		{"requantize refused", quant.Q8_0, 256, Options{FileType: gguf.FileTypeQ4_0}, "requantizing from type q8_0 is disabled"},
		{"unsupported mix", quant.F32, 256, Options{FileType: gguf.FileTypeIQ2XXS}, "unsupported file type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Rewrite(&bytes.Buffer{}, smallModel(t, tc.typ, tc.rowLen), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestRewriteMetadata checks the keys of a rewrite: split keys dropped,
// quantization version and file type appended, and a requantization when
// allowed.
func TestRewriteMetadata(t *testing.T) {
	var buf bytes.Buffer
	res, err := Rewrite(&buf, smallModel(t, quant.Q8_0, 256),
		Options{FileType: gguf.FileTypeQ4KM, AllowRequantize: true, Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range f.KV {
		keys = append(keys, kv.Key)
	}
	want := "general.architecture llama.block_count llama.attention.head_count general.quantization_version general.file_type"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("keys %s, want %s", got, want)
	}
	if ft, _ := f.FileType(); ft != gguf.FileTypeQ4KM {
		t.Errorf("file type %v", ft)
	}
	// One layer: use_more_bits holds for layer 0 of 1, so ffn_down is q6_K.
	if d, _ := f.Tensor("blk.0.ffn_down.weight"); d.Type != quant.Q6K {
		t.Errorf("ffn_down type %v, want q6_K", d.Type)
	}
	if res.BytesOut != int64(f.TensorBytes()) {
		t.Errorf("BytesOut %d, file has %d", res.BytesOut, f.TensorBytes())
	}
}

// TestRewriteFile checks the file variant and that a failed rewrite leaves
// nothing behind.
func TestRewriteFile(t *testing.T) {
	src, err := gguf.Open("testdata/tiny-llama-f16.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "q8.gguf")
	var calls int
	var last Progress
	opt := Options{FileType: gguf.FileTypeQ8_0, Progress: func(p Progress) { calls++; last = p }}
	res, err := RewriteFile(out, src, opt)
	if err != nil {
		t.Fatal(err)
	}
	compareWithReference(t, mustRead(t, out), "testdata/tiny-llama-q8_0.gguf")
	if calls < len(res.Plan.Tensors) || last.Index != last.Count-1 || last.BytesOut != res.BytesOut {
		t.Errorf("progress: %d calls, last %+v, result %+v", calls, last, res)
	}
	if _, err := RewriteFile(filepath.Join(dir, "bad.gguf"), src, Options{FileType: gguf.FileTypeIQ1S}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %v, want ErrUnsupported", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries after a failed rewrite, want 1", len(ents))
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
