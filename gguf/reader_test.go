package gguf

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

// The expected values below were read from the fixture files with an
// independent reader (Python's struct module), and agree with the fixtures'
// READMEs (models/README.models.md, tokenizer/README.md).

type wantTensor struct {
	name   string
	typ    quant.Type
	dims   []uint64
	offset uint64
}

type wantFile struct {
	file        string
	size        int64
	nKV         int
	nTensors    int
	dataOffset  int64
	uint32s     map[string]uint32
	float32s    map[string]float32
	strs        map[string]string
	bools       map[string]bool
	strArrays   map[string][3]string // first, second, last
	arrayLens   map[string]int
	tensors     []wantTensor
	dataSHA256  map[string]string // tensor name → hex sha256 of its data
	firstKey    string
	fileType    FileType
	fileTypeStr string
}

var fixtureFiles = []wantFile{
	{
		file: "stories260K-q8_0.gguf", size: 379168, nKV: 21, nTensors: 48, dataOffset: 14240,
		firstKey: "tokenizer.ggml.tokens",
		uint32s: map[string]uint32{
			"llama.context_length": 128, "llama.embedding_length": 64, "llama.feed_forward_length": 172,
			"llama.attention.head_count": 8, "llama.attention.head_count_kv": 4, "llama.block_count": 5,
			"llama.rope.dimension_count": 8, "general.quantization_version": 2, "general.file_type": 7,
			"tokenizer.ggml.seperator_token_id": 4294967295, "tokenizer.ggml.bos_token_id": 1,
		},
		float32s:  map[string]float32{"llama.attention.layer_norm_rms_epsilon": 1e-5},
		strs:      map[string]string{"general.architecture": "llama", "tokenizer.ggml.model": "llama", "general.name": "llama"},
		strArrays: map[string][3]string{"tokenizer.ggml.tokens": {"<unk>", "<s>", "\u200a"}},
		arrayLens: map[string]int{"tokenizer.ggml.tokens": 512, "tokenizer.ggml.scores": 512, "tokenizer.ggml.token_type": 512},
		tensors: []wantTensor{
			{"output.weight", quant.Q8_0, []uint64{64, 512}, 0},
			{"output_norm.weight", quant.F32, []uint64{64}, 34816},
			{"token_embd.weight", quant.Q8_0, []uint64{64, 512}, 35072},
			{"blk.0.ffn_down.weight", quant.F16, []uint64{172, 64}, 83200},
			{"blk.4.ffn_up.weight", quant.Q8_0, []uint64{64, 172}, 353216},
		},
		dataSHA256: map[string]string{
			"blk.0.ffn_down.weight": "5994405942b5b7a8c51f3a3deb001e358c0dd296fec551cb745dece0d08a96f5",
		},
		fileType: FileTypeQ8_0, fileTypeStr: "Q8_0",
	},
	{
		file: "tiny-qwen3moe-q4_k_m.gguf", size: 2424960, nKV: 28, nTensors: 27, dataOffset: 13440,
		firstKey: "general.architecture",
		uint32s: map[string]uint32{
			"qwen3moe.block_count": 2, "qwen3moe.context_length": 40960, "qwen3moe.embedding_length": 256,
			"qwen3moe.feed_forward_length": 512, "qwen3moe.attention.head_count": 4,
			"qwen3moe.attention.head_count_kv": 2, "qwen3moe.expert_count": 8, "qwen3moe.expert_used_count": 2,
			"qwen3moe.attention.key_length": 64, "qwen3moe.expert_feed_forward_length": 256,
			"general.file_type": 15,
		},
		float32s: map[string]float32{"qwen3moe.rope.freq_base": 1e6, "qwen3moe.attention.layer_norm_rms_epsilon": 1e-6},
		strs: map[string]string{
			"general.architecture": "qwen3moe", "general.type": "model",
			"general.name": "gollm fixture tiny-qwen3moe (random weights)", "tokenizer.ggml.pre": "default",
		},
		bools:     map[string]bool{"tokenizer.ggml.add_bos_token": true, "tokenizer.ggml.add_eos_token": false},
		strArrays: map[string][3]string{"tokenizer.ggml.tokens": {"<unk>", "<s>", "\u200a"}},
		arrayLens: map[string]int{"tokenizer.ggml.tokens": 512},
		tensors: []wantTensor{
			{"output.weight", quant.Q6K, []uint64{256, 512}, 0},
			{"token_embd.weight", quant.Q4K, []uint64{256, 512}, 108544},
			{"blk.0.attn_k.weight", quant.Q8_0, []uint64{256, 128}, 182272},
			{"blk.0.attn_output.weight", quant.Q5K, []uint64{256, 256}, 218368},
			{"blk.0.ffn_down_exps.weight", quant.Q4K, []uint64{256, 256, 8}, 335360},
			{"blk.1.ffn_down_exps.weight", quant.Q6K, []uint64{256, 256, 8}, 1382400},
			{"blk.1.ffn_up_exps.weight", quant.Q4K, []uint64{256, 256, 8}, 2116608},
		},
		dataSHA256: map[string]string{
			"blk.0.ffn_down_exps.weight": "63cb3dc8cacd136a34b86d3220ef4ead03b026f67438b70a4911c1478dba01b5",
		},
		fileType: FileTypeQ4KM, fileTypeStr: "Q4_K - Medium",
	},
	{
		file: "ggml-vocab-llama-spm.gguf", size: 723869, nKV: 22, nTensors: 0, dataOffset: 723872,
		firstKey: "general.architecture",
		uint32s: map[string]uint32{
			"llama.block_count": 32, "llama.context_length": 4096, "llama.vocab_size": 32000,
			"tokenizer.ggml.eos_token_id": 2, "general.file_type": 1,
		},
		strs:      map[string]string{"general.name": "llama-spm", "tokenizer.ggml.model": "llama"},
		bools:     map[string]bool{"tokenizer.ggml.add_bos_token": true},
		strArrays: map[string][3]string{"tokenizer.ggml.tokens": {"<unk>", "<s>", "给"}},
		arrayLens: map[string]int{"tokenizer.ggml.tokens": 32000, "tokenizer.ggml.scores": 32000},
		fileType:  FileTypeF16, fileTypeStr: "F16",
	},
}

func TestOpenFixtures(t *testing.T) {
	for _, w := range fixtureFiles {
		t.Run(w.file, func(t *testing.T) {
			f, err := Open(filepath.Join("testdata", w.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Version != 3 || f.Size() != w.size || len(f.KV) != w.nKV || len(f.Tensors) != w.nTensors ||
				f.DataOffset != w.dataOffset || f.Alignment != 32 {
				t.Errorf("version %d size %d kv %d tensors %d data offset %d alignment %d; want 3 %d %d %d %d 32",
					f.Version, f.Size(), len(f.KV), len(f.Tensors), f.DataOffset, f.Alignment, w.size, w.nKV, w.nTensors, w.dataOffset)
			}
			if f.KV[0].Key != w.firstKey {
				t.Errorf("first key %q, want %q", f.KV[0].Key, w.firstKey)
			}
			for k, want := range w.uint32s {
				if got, err := f.Uint32(k); err != nil || got != want {
					t.Errorf("%s = %d, %v; want %d", k, got, err, want)
				}
			}
			for k, want := range w.float32s {
				if got, err := f.Float32(k); err != nil || got != want {
					t.Errorf("%s = %g, %v; want %g", k, got, err, want)
				}
			}
			for k, want := range w.strs {
				if got, err := f.String(k); err != nil || got != want {
					t.Errorf("%s = %q, %v; want %q", k, got, err, want)
				}
			}
			for k, want := range w.bools {
				if got, err := f.Bool(k); err != nil || got != want {
					t.Errorf("%s = %v, %v; want %v", k, got, err, want)
				}
			}
			for k, want := range w.strArrays {
				s, err := f.Strings(k)
				if err != nil || len(s) < 2 || [3]string{s[0], s[1], s[len(s)-1]} != want {
					t.Errorf("%s: %v (len %d), want first, second, last %q", k, err, len(s), want)
				}
			}
			for k, want := range w.arrayLens {
				if a, err := f.Array(k); err != nil || a.Len() != want {
					t.Errorf("%s: %d elements, %v; want %d", k, a.Len(), err, want)
				}
			}
			for _, wt := range w.tensors {
				ti, ok := f.Tensor(wt.name)
				if !ok {
					t.Errorf("tensor %q missing", wt.name)
					continue
				}
				if ti.Type != wt.typ || !reflect.DeepEqual(ti.Dims, wt.dims) || ti.Offset != wt.offset {
					t.Errorf("tensor %q: %v %v @%d, want %v %v @%d", wt.name, ti.Type, ti.Dims, ti.Offset, wt.typ, wt.dims, wt.offset)
				}
				want := uint64(wt.typ.RowSize(int(wt.dims[0])))
				for _, d := range wt.dims[1:] {
					want *= d
				}
				if ti.Size != want || uint64(len(f.TensorData(ti))) != want {
					t.Errorf("tensor %q: size %d, data %d bytes; want %d", wt.name, ti.Size, len(f.TensorData(ti)), want)
				}
			}
			for name, want := range w.dataSHA256 {
				ti, _ := f.Tensor(name)
				sum := sha256.Sum256(f.TensorData(ti))
				if got := hex.EncodeToString(sum[:]); got != want {
					t.Errorf("tensor %q: data sha256 %s, want %s", name, got, want)
				}
			}
			if ft, ok := f.FileType(); !ok || ft != w.fileType || ft.String() != w.fileTypeStr {
				t.Errorf("file type %d %q (ok %v), want %d %q", ft, ft, ok, w.fileType, w.fileTypeStr)
			}
		})
	}
}

func TestStoriesF32Value(t *testing.T) {
	f, err := Open("testdata/stories260K-q8_0.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ti, _ := f.Tensor("output_norm.weight")
	data := f.TensorData(ti)
	want := []float32{2.4583089351654053, 1.3673226833343506, 1.7504382133483887, 1.1078318357467651}
	for i, w := range want {
		got := math.Float32frombits(uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24)
		if got != w {
			t.Errorf("output_norm.weight[%d] = %g, want %g", i, got, w)
		}
	}
	// Metadata outlives Close; tensor data does not.
	f.Close()
	if f.TensorData(ti) != nil {
		t.Error("TensorData after Close is not nil")
	}
	if s, err := f.Strings("tokenizer.ggml.tokens"); err != nil || s[1] != "<s>" {
		t.Errorf("tokens after Close: %v %v", s[:2], err)
	}
}

func TestAccessors(t *testing.T) {
	f, err := Open("testdata/tiny-qwen3moe-q4_k_m.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, err := f.ArchUint32("embedding_length"); err != nil || v != 256 {
		t.Errorf("ArchUint32(embedding_length) = %d, %v", v, err)
	}
	if v, err := f.ArchFloat32("rope.freq_base"); err != nil || v != 1e6 {
		t.Errorf("ArchFloat32(rope.freq_base) = %g, %v", v, err)
	}
	if _, ok := f.ArchGet("expert_count"); !ok {
		t.Error("ArchGet(expert_count) missing")
	}
	if v, err := f.Int("qwen3moe.block_count"); err != nil || v != 2 {
		t.Errorf("Int = %d, %v", v, err)
	}
	if v, err := f.Uint64("qwen3moe.block_count"); err != nil || v != 2 {
		t.Errorf("Uint64 = %d, %v", v, err)
	}
	if v, err := f.Float64("qwen3moe.rope.freq_base"); err != nil || v != 1e6 {
		t.Errorf("Float64 = %g, %v", v, err)
	}
	if v, err := f.Int32s("tokenizer.ggml.token_type"); err != nil || len(v) != 512 || v[0] != 2 || v[3] != 6 {
		t.Errorf("Int32s(token_type) = %v, %v", v[:4], err)
	}
	if v, err := f.Uint32s("tokenizer.ggml.token_type"); err != nil || v[1] != 3 {
		t.Errorf("Uint32s(token_type) = %v, %v", v[:4], err)
	}
	if v, err := f.Float32s("tokenizer.ggml.scores"); err != nil || v[511] != -252 {
		t.Errorf("Float32s(scores)[511] = %v, %v", v[511], err)
	}
	errs := []struct {
		name string
		err  error
		want string
	}{
		{"string as u32", second(f.Uint32("general.architecture")), `key "general.architecture": want u32, file has str`},
		{"u32 as string", second(f.String("qwen3moe.block_count")), `key "qwen3moe.block_count": want str, file has u32`},
		{"u32 as bool", second(f.Bool("qwen3moe.block_count")), `want bool, file has u32`},
		{"f32 as u32", second(f.Uint32("qwen3moe.rope.freq_base")), `want u32, file has f32`},
		{"u32 as f32", second(f.Float32("qwen3moe.block_count")), `want f32, file has u32`},
		{"array as string", second(f.String("tokenizer.ggml.tokens")), `want str, file has arr[str]`},
		{"strings as f32s", second(f.Float32s("tokenizer.ggml.tokens")), `want arr[f32], file has arr[str]`},
		{"f32s as i32s", second(f.Int32s("tokenizer.ggml.scores")), `want arr[i32], file has arr[f32]`},
		{"i32s as bools", second(f.Bools("tokenizer.ggml.token_type")), `want arr[bool], file has arr[i32]`},
		{"scalar as array", second(f.Array("qwen3moe.block_count")), `want arr, file has u32`},
		{"missing", second(f.Uint32("no.such.key")), `key not found: "no.such.key"`},
		{"missing arch key", second(f.ArchUint32("no_such")), `"qwen3moe.no_such"`},
	}
	for _, e := range errs {
		if e.err == nil || !strings.Contains(e.err.Error(), e.want) {
			t.Errorf("%s: error %v, want it to contain %q", e.name, e.err, e.want)
		}
	}
	if !errors.Is(second(f.Uint32("no.such.key")), ErrNotFound) {
		t.Error("missing key error does not wrap ErrNotFound")
	}
}

func second[T any](_ T, err error) error { return err }

func TestIntegerRange(t *testing.T) {
	data, err := Marshal([]KV{
		{"big", Uint64(1 << 40)}, {"neg", Int32(-5)}, {"arch.x", Uint8(7)}, {"general.architecture", String("arch")},
		{"u64s", ArrayOf(Array{TypeUint64, []uint64{1, 1 << 63}})},
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Uint32("big"); err == nil || !strings.Contains(err.Error(), "out of range for u32") {
		t.Errorf("Uint32(1<<40): %v", err)
	}
	if _, err := f.Uint32("neg"); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Uint32(-5): %v", err)
	}
	if v, err := f.Int32("neg"); err != nil || v != -5 {
		t.Errorf("Int32(-5) = %d, %v", v, err)
	}
	if v, err := f.ArchUint32("x"); err != nil || v != 7 {
		t.Errorf("ArchUint32(x) from u8 = %d, %v", v, err)
	}
	if _, err := f.Uint32s("u64s"); err == nil {
		t.Error("Uint32s of a u64 array holding 1<<63: no error")
	}
}

// TestTruncatedHeaderRegion cuts a real file at every byte up to the end of
// its tensor infos (and a few places in the data): each must give an error,
// never a panic.
func TestTruncatedHeaderRegion(t *testing.T) {
	data, err := os.ReadFile("testdata/stories260K-q8_0.gguf")
	if err != nil {
		t.Fatal(err)
	}
	const infosEnd = 14229 // end of the tensor infos, from the Python reader
	cuts := make([]int, 0, infosEnd+8)
	for n := 0; n <= infosEnd; n++ {
		cuts = append(cuts, n)
	}
	cuts = append(cuts, 14240, 20000, len(data)-17) // the last 16 bytes are padding
	for _, n := range cuts {
		if _, err := Parse(data[:n:n]); err == nil {
			t.Fatalf("Parse of the first %d bytes: no error", n)
		} else if !errors.Is(err, ErrFormat) {
			t.Fatalf("Parse of the first %d bytes: %v does not wrap ErrFormat", n, err)
		}
	}
	// Like llama.cpp, gollm does not insist on the padding after the last
	// tensor.
	if _, err := Parse(data[:len(data)-16]); err != nil {
		t.Fatal(err)
	}
}

// TestAllSharedFixtures opens every GGUF of the shared fixture set, which CI
// places next to the clone, and checks that rewriting each reproduces it
// byte for byte.
func TestAllSharedFixtures(t *testing.T) {
	const dir = "../../shared/fixtures"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("fixtures directory ../../shared/fixtures not present")
	}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".gguf") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no .gguf files under %s", dir)
	}
	for _, p := range paths {
		f, err := Open(p)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(f.KV) == 0 {
			t.Errorf("%s: no metadata", p)
		}
		data := make([][]byte, len(f.Tensors))
		for i := range f.Tensors {
			data[i] = f.TensorData(&f.Tensors[i])
		}
		out, err := Marshal(f.KV, f.Tensors, data)
		if err != nil {
			t.Errorf("%s: rewrite: %v", p, err)
		} else if orig, _ := os.ReadFile(p); string(out) != string(orig) {
			t.Errorf("%s: rewrite differs from the original (%d vs %d bytes)", p, len(out), len(orig))
		}
		f.Close()
	}
	t.Logf("opened and rewrote %d fixture files", len(paths))
}
