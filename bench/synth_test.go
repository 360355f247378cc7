package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quantize"
)

// sizeCell formats a model size as llama-bench's table does.
func sizeCell(size, params uint64) (string, string) {
	r := &Result{Model: ModelInfo{Size: size, Params: params}}
	return mdValue(r, "size", nil), mdValue(r, "params", nil)
}

// TestShapeSizes checks the shapes and mixes against the sizes llama-bench
// reports for the real models' llama-quantize files (published llama-bench
// tables of Llama 3.2 1B/3B and Llama 3.1 8B): the same tensor shapes with
// the same per-tensor types give the same bytes.
func TestShapeSizes(t *testing.T) {
	tests := []struct {
		shape  string
		ft     gguf.FileType
		size   string
		params string
	}{
		{"llama-1b", gguf.FileTypeQ4KM, "762.81 MiB", "1.24 B"},
		{"llama-1b", gguf.FileTypeQ8_0, "1.22 GiB", "1.24 B"},
		{"llama-3b", gguf.FileTypeQ4KM, "1.87 GiB", "3.21 B"},
		{"llama-8b", gguf.FileTypeQ4_0, "4.33 GiB", "8.03 B"},
		{"llama-8b", gguf.FileTypeQ4KM, "4.58 GiB", "8.03 B"},
		{"llama-8b", gguf.FileTypeQ8_0, "7.95 GiB", "8.03 B"},
		{"llama-8b", gguf.FileTypeF16, "14.96 GiB", "8.03 B"},
	}
	for _, tc := range tests {
		s, err := ShapeNamed(tc.shape)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Plan(tc.ft, s.NVocab)
		if err != nil {
			t.Fatal(err)
		}
		var size, params uint64
		for _, tp := range p.Tensors {
			n := uint64(1)
			for _, d := range tp.Dims {
				n *= d
			}
			params += n
			size += n / tp.Dims[0] * uint64(tp.To.RowSize(int(tp.Dims[0])))
		}
		gotSize, gotParams := sizeCell(size, params)
		if gotSize != tc.size || gotParams != tc.params {
			t.Errorf("%s %v: %s, %s; llama-bench reports %s, %s", tc.shape, tc.ft, gotSize, gotParams, tc.size, tc.params)
		}
	}
	if _, err := ShapeNamed("llama-70b"); err == nil {
		t.Error("unknown shape: no error")
	}
}

// tinyShape is a two-layer Llama 3 style model for the stories260K
// vocabulary (512 tokens).
var tinyShape = Shape{Name: "tiny", ModelName: "tiny", NLayer: 2, NEmbd: 256, NFF: 512, NHead: 4, NHeadKV: 2,
	CtxTrain: 1024, RopeBase: 500000, NormEps: 1e-5, Tied: true,
	Rope: Llama3Rope{Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OrigCtx: 64}}

func storiesVocab(t testing.TB) *gguf.File {
	t.Helper()
	f, err := gguf.Parse(embedded.Stories260K)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func makeBytes(t testing.TB, opt MakeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Make(&buf, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMakeLoadsAndRuns makes the tiny model in several mixes and checks
// that it is what llama-quantize would have written (types of the plan,
// metadata layout, tokenizer copied), that its weights have the intended
// statistics, and that gollm evaluates it to finite logits of moderate
// size.
func TestMakeLoadsAndRuns(t *testing.T) {
	vocab := storiesVocab(t)
	for _, ft := range []gguf.FileType{gguf.FileTypeQ4KM, gguf.FileTypeQ8_0, gguf.FileTypeF16} {
		t.Run(ft.String(), func(t *testing.T) {
			b := makeBytes(t, MakeOptions{Shape: tinyShape, FileType: ft, Vocab: vocab, Seed: 7, Threads: 2})
			f, err := gguf.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := tinyShape.Plan(ft, 512)
			if err != nil {
				t.Fatal(err)
			}
			for i, tp := range plan.Tensors {
				if got := f.Tensors[i]; got.Name != tp.Name || got.Type != tp.To {
					t.Errorf("tensor %d: %s %v, plan %s %v", i, got.Name, got.Type, tp.Name, tp.To)
				}
			}
			n := len(f.KV)
			if f.KV[n-2].Key != quantize.KeyQuantizationVersion || f.KV[n-1].Key != gguf.KeyFileType {
				t.Errorf("last keys %s, %s", f.KV[n-2].Key, f.KV[n-1].Key)
			}
			if got, _ := f.FileType(); got != ft {
				t.Errorf("file type %v", got)
			}
			for _, kv := range vocab.KV {
				if strings.HasPrefix(kv.Key, "tokenizer.") && !f.Has(kv.Key) {
					t.Errorf("tokenizer key %s not copied", kv.Key)
				}
			}
			checkWeightStats(t, f, "blk.0.attn_q.weight", 1/16.0)
			checkWeightStats(t, f, "blk.1.ffn_down.weight", 1/math.Sqrt(512))

			m, err := model.New(f)
			if err != nil {
				t.Fatal(err)
			}
			if d := ModelDesc(f, m.HP); d != "llama ?B "+ft.String() {
				t.Errorf("desc %q", d)
			}
			ctx, err := m.NewContext(model.ContextParams{CtxSize: 32, Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer ctx.Close()
			logits, err := ctx.Decode([]int32{1, 300, 42, 7, 511, 100}, true)
			if err != nil {
				t.Fatal(err)
			}
			var sum, sum2 float64
			for _, v := range logits {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatal("non-finite logit")
				}
				sum += float64(v)
				sum2 += float64(v) * float64(v)
			}
			mean := sum / float64(len(logits))
			sd := math.Sqrt(sum2/float64(len(logits)) - mean*mean)
			if sd < 0.1 || sd > 10 {
				t.Errorf("logit standard deviation %.3f, want about 1", sd)
			}
		})
	}
}

// checkWeightStats dequantizes a matrix and checks mean ≈ 0 and standard
// deviation ≈ want (the synthetic weights' 1/sqrt(row length)).
func checkWeightStats(t *testing.T, f *gguf.File, name string, want float64) {
	t.Helper()
	ti, ok := f.Tensor(name)
	if !ok {
		t.Fatalf("no tensor %s", name)
	}
	x := make([]float32, ti.Elements())
	if err := quant.Dequantize(ti.Type, x, f.TensorData(ti)); err != nil {
		t.Fatal(err)
	}
	var sum, sum2 float64
	for _, v := range x {
		sum += float64(v)
		sum2 += float64(v) * float64(v)
	}
	mean := sum / float64(len(x))
	sd := math.Sqrt(sum2/float64(len(x)) - mean*mean)
	if math.Abs(mean) > 0.05*want || math.Abs(sd-want) > 0.08*want {
		t.Errorf("%s (%v): mean %.5f sd %.5f, want 0 and %.5f", name, ti.Type, mean, sd, want)
	}
}

// TestMakeDeterministic checks that the output depends on the seed and the
// pool setting but not on the thread count, and that unpooled weights make
// a valid model too.
func TestMakeDeterministic(t *testing.T) {
	vocab := storiesVocab(t)
	opt := MakeOptions{Shape: tinyShape, FileType: gguf.FileTypeQ4KM, Vocab: vocab, Seed: 3, Threads: 1, PoolBlocks: 64}
	a := makeBytes(t, opt)
	opt.Threads = 3
	if b := makeBytes(t, opt); !bytes.Equal(a, b) {
		t.Error("1 and 3 threads give different files")
	}
	opt.Seed = 4
	if b := makeBytes(t, opt); bytes.Equal(a, b) {
		t.Error("seeds 3 and 4 give the same file")
	}
	opt.PoolBlocks = -1
	u := makeBytes(t, opt)
	f, err := gguf.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	checkWeightStats(t, f, "blk.1.attn_v.weight", 1/16.0)
	if _, err := model.New(f); err != nil {
		t.Fatal(err)
	}
}

// TestRopeFreqs checks rope_freqs against Llama 3.1's scaling: divisor 1
// for the fastest rotations, the full factor for the slowest, a monotonic
// blend between.
func TestRopeFreqs(t *testing.T) {
	s, _ := ShapeNamed("llama-8b")
	r := s.ropeFreqs()
	if len(r) != 64 || r[0] != 1 || r[63] != 8 {
		t.Fatalf("%d values, first %v last %v; want 64 from 1 to 8", len(r), r[0], r[len(r)-1])
	}
	for i := 1; i < len(r); i++ {
		if r[i] < r[i-1] {
			t.Fatalf("not monotonic at %d: %v < %v", i, r[i], r[i-1])
		}
	}
}

func TestMakeErrors(t *testing.T) {
	vocab := storiesVocab(t)
	llama1b, _ := ShapeNamed("llama-1b")
	bad := tinyShape
	bad.NHead = 3
	tests := []struct {
		name string
		opt  MakeOptions
		want string
	}{
		{"no vocabulary", MakeOptions{Shape: tinyShape, FileType: gguf.FileTypeQ8_0}, "vocabulary file is needed"},
		{"vocabulary size", MakeOptions{Shape: llama1b, FileType: gguf.FileTypeQ8_0, Vocab: vocab}, "has 128256 tokens, the vocabulary 512"},
		{"bad heads", MakeOptions{Shape: bad, FileType: gguf.FileTypeQ8_0, Vocab: vocab}, "heads do not divide"},
		{"unsupported mix", MakeOptions{Shape: tinyShape, FileType: gguf.FileTypeIQ2XXS, Vocab: vocab}, "unsupported"},
	}
	for _, tc := range tests {
		_, err := Make(&bytes.Buffer{}, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

var sinkMake int

// BenchmarkMake measures making the tiny model (bytes/s of output).
func BenchmarkMake(b *testing.B) {
	vocab := storiesVocab(b)
	opt := MakeOptions{Shape: tinyShape, FileType: gguf.FileTypeQ4KM, Vocab: vocab, Seed: 1}
	n := len(makeBytes(b, opt))
	b.SetBytes(int64(n))
	for b.Loop() {
		var buf bytes.Buffer
		if _, err := Make(&buf, opt); err != nil {
			b.Fatal(err)
		}
		sinkMake = buf.Len()
	}
}
