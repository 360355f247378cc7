package model

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/tensor"
)

// TestArchsMatchLlamaCpp checks every architecture beyond llama against
// llama.cpp's logits and greedy continuations for every quantization of its
// tiny fixture model: case 1 (7 tokens) and case 2 (40 tokens, longer than
// both gemma sliding windows). testdata carries the F16, Q8_0 and Q4_K_M
// files; Q5_K_M and Q6_K run from the shared fixture tree when present.
func TestArchsMatchLlamaCpp(t *testing.T) {
	archs := []string{"qwen2", "qwen3", "qwen3moe", "phi3", "gemma2", "gemma3"}
	quants := []string{"f16", "q8_0", "q4_k_m", "q5_k_m", "q6_k"}
	for _, arch := range archs {
		for _, q := range quants {
			mc := modelCase{
				dir:   "tiny-" + arch,
				file:  "tiny-" + arch + "-" + q + ".gguf",
				cases: 2,
				float: q == "f16",
			}
			t.Run(arch+"/"+q, func(t *testing.T) { checkFixture(t, mc) })
		}
	}
}

// TestArchitectureOfFixtures checks that each fixture binds to its own
// architecture with the hyperparameters the fixture README lists.
func TestArchitectureOfFixtures(t *testing.T) {
	for _, tc := range []struct {
		arch                          string
		nHead, nHeadKV, headDim, nRot int
		window                        int
		local                         []bool
	}{
		{"qwen2", 4, 2, 64, 64, 0, nil},
		{"qwen3", 8, 2, 64, 64, 0, nil},
		{"qwen3moe", 4, 2, 64, 64, 0, nil},
		{"phi3", 4, 2, 64, 48, 0, nil},
		{"gemma2", 4, 2, 64, 64, 16, []bool{true, false}},
		{"gemma3", 4, 1, 64, 64, 8, []bool{true, false}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			dir, file := "tiny-"+tc.arch, "tiny-"+tc.arch+"-f16.gguf"
			f, err := gguf.Open(fixturePath(t, dir, file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := New(f)
			if err != nil {
				t.Fatal(err)
			}
			hp := m.HP
			if hp.Arch != tc.arch || hp.NHead != tc.nHead || hp.NHeadKV != tc.nHeadKV || hp.HeadDimK != tc.headDim || hp.NRot != tc.nRot || hp.SlidingWindow != tc.window {
				t.Errorf("hparams %s: heads %d/%d, head dim %d, rope dims %d, window %d; want %s %d/%d, %d, %d, %d",
					hp.Arch, hp.NHead, hp.NHeadKV, hp.HeadDimK, hp.NRot, hp.SlidingWindow, tc.arch, tc.nHead, tc.nHeadKV, tc.headDim, tc.nRot, tc.window)
			}
			if g, ok := m.Arch.(*gemma); ok {
				if len(g.local) != len(tc.local) || g.local[0] != tc.local[0] || g.local[1] != tc.local[1] {
					t.Errorf("sliding layers %v, want %v", g.local, tc.local)
				}
			}
		})
	}
}

func TestSlidingLayers(t *testing.T) {
	for _, tc := range []struct {
		name           string
		window, layers int
		pattern        int
		perLayer       []bool
		def            int
		want           string // one letter per layer: L local, G global
	}{
		{"gemma2 default", 4096, 6, 0, nil, 2, "LGLGLG"},
		{"gemma3 default", 1024, 13, 0, nil, 6, "LLLLLGLLLLLGL"},
		{"pattern key", 8, 4, 2, nil, 6, "LGLG"},
		{"pattern 1: all global", 8, 3, 1, nil, 6, "GGG"},
		{"per-layer array", 8, 3, 0, []bool{false, true, true}, 6, "GLL"},
		{"no window", 0, 4, 2, nil, 2, "GGGG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hp := &HParams{NLayer: tc.layers, SlidingWindow: tc.window, SlidingWindowPattern: tc.pattern, SlidingWindowLayers: tc.perLayer}
			var got strings.Builder
			for _, local := range slidingLayers(hp, tc.def) {
				if local {
					got.WriteByte('L')
				} else {
					got.WriteByte('G')
				}
			}
			if got.String() != tc.want {
				t.Errorf("got %s, want %s", got.String(), tc.want)
			}
		})
	}
}

// TestUnsupportedArchitecture checks that a file of an unknown architecture
// fails at load with an error naming it and the supported ones.
func TestUnsupportedArchitecture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mamba9.gguf")
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("mamba9")},
		{Key: "mamba9.context_length", Value: gguf.Uint32(64)},
		{Key: "mamba9.embedding_length", Value: gguf.Uint32(8)},
		{Key: "mamba9.block_count", Value: gguf.Uint32(1)},
		{Key: "mamba9.attention.head_count", Value: gguf.Uint32(2)},
		{Key: "mamba9.vocab_size", Value: gguf.Uint32(4)},
	}
	if err := gguf.WriteFile(path, kv, nil, nil); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = New(f)
	if err == nil {
		t.Fatal("New accepted architecture mamba9")
	}
	if !errors.Is(err, errUnsupportedArch) {
		t.Errorf("error %v does not wrap errUnsupportedArch", err)
	}
	want := `unsupported architecture "mamba9" (supported: ` + strings.Join(Architectures(), ", ") + ")"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
	for _, a := range []string{"gemma2", "gemma3", "llama", "phi3", "qwen2", "qwen3", "qwen3moe"} {
		if !strings.Contains(err.Error(), a) {
			t.Errorf("error %q does not list %s", err, a)
		}
	}
}

// maxLogitErr evaluates case k of an F16 fixture after mutate has altered
// the bound architecture and returns the largest logit difference from
// llama.cpp's.
func maxLogitErr(t *testing.T, arch string, k int, mutate func(Arch)) float64 {
	t.Helper()
	dir, file := "tiny-"+arch, "tiny-"+arch+"-f16.gguf"
	f, err := gguf.Open(fixturePath(t, dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	mutate(m.Arch)
	rc, want := readCase(t, dir, file, k)
	ctx, err := m.NewContext(ContextParams{CtxSize: 256, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	got, err := ctx.Decode(rc.Tokens, true)
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i := range got {
		worst = max(worst, math.Abs(float64(got[i]-want[i])))
	}
	return worst
}

// TestFeaturesMatter checks that the fixtures notice each architecture
// feature: switched off, the model must miss llama.cpp's logits by far more
// than the F16 tolerance (0.05). This guards the matching tests against
// passing without exercising the feature (e.g. a 40-token case that never
// leaves the sliding window).
func TestFeaturesMatter(t *testing.T) {
	for _, tc := range []struct {
		name, arch string
		mutate     func(Arch)
	}{
		{"gemma2 sliding window ignored", "gemma2", func(a Arch) { clear(a.(*gemma).local) }},
		{"gemma3 sliding window ignored", "gemma3", func(a Arch) { clear(a.(*gemma).local) }},
		{"gemma2 attention softcap off", "gemma2", func(a Arch) { a.(*gemma).attnSoftcap = 0 }},
		{"gemma3 local rope base = global", "gemma3", func(a Arch) { a.(*gemma).baseSWA = a.(*gemma).hp.RopeFreqBase }},
		{"gemma3 local rope scaled like global", "gemma3", func(a Arch) { a.(*gemma).scaleSWA = a.(*gemma).hp.RopeFreqScale }},
		{"gemma3 q/k norms off", "gemma3", func(a Arch) {
			for i := range a.(*gemma).attn {
				a.(*gemma).attn[i].qNorm, a.(*gemma).attn[i].kNorm = nil, nil
			}
		}},
		{"qwen2 q/v biases off", "qwen2", func(a Arch) {
			for i := range a.(*qwen2).attn {
				a.(*qwen2).attn[i].bq, a.(*qwen2).attn[i].bv = nil, nil
			}
		}},
		{"qwen3 q/k norms off", "qwen3", func(a Arch) {
			for i := range a.(*qwen3).attn {
				a.(*qwen3).attn[i].qNorm, a.(*qwen3).attn[i].kNorm = nil, nil
			}
		}},
		{"qwen3moe weights not renormalised", "qwen3moe", func(a Arch) { a.(*qwen3).noRenorm = true }},
		{"phi3 full-head rope", "phi3", func(a Arch) { a.(*phi3).hp.NRot = a.(*phi3).hp.HeadDimK }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := maxLogitErr(t, tc.arch, 2, tc.mutate)
			t.Logf("%s: max |Δlogit| %.3g on the 40-token case", tc.name, err)
			if err < 0.5 {
				t.Errorf("%s: logits still within %.3g of llama.cpp; the fixture does not exercise the feature", tc.name, err)
			}
		})
	}
}

// TestMissingTensor checks that a file lacking one of its architecture's
// tensors fails at load with an error naming the tensor.
func TestMissingTensor(t *testing.T) {
	for _, tc := range []struct{ arch, drop, want string }{
		{"qwen2", "blk.1.ffn_gate.weight", "blk.1.ffn_gate.weight"},
		{"qwen3", "blk.0.attn_k_norm.weight", "blk.0.attn_k_norm.weight"},
		{"qwen3moe", "blk.1.ffn_up_exps.weight", "blk.1.ffn_up_exps.weight"},
		{"phi3", "blk.0.ffn_up.weight", "blk.0.ffn_up.weight"},
		{"gemma2", "blk.1.post_ffw_norm.weight", "blk.1.post_ffw_norm.weight"},
		{"gemma3", "blk.0.attn_q_norm.weight", "blk.0.attn_q_norm.weight"},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			src, err := gguf.Open(fixturePath(t, "tiny-"+tc.arch, "tiny-"+tc.arch+"-q4_k_m.gguf"))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var infos []gguf.TensorInfo
			var data [][]byte
			for i := range src.Tensors {
				ti := src.Tensors[i]
				if ti.Name == tc.drop {
					continue
				}
				infos = append(infos, gguf.TensorInfoOf(ti.Name, ti.Type, ti.Dims...))
				data = append(data, src.TensorData(&src.Tensors[i]))
			}
			if len(infos) != len(src.Tensors)-1 {
				t.Fatalf("fixture has no tensor %s", tc.drop)
			}
			path := filepath.Join(t.TempDir(), "dropped.gguf")
			if err := gguf.WriteFile(path, src.KV, infos, data); err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = New(f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New without %s: error %v, want one naming %s", tc.drop, err, tc.want)
			}
		})
	}
}

// TestLongRoPE checks phi3's LongRoPE choices against llama.cpp's rules:
// the long factors once the context exceeds the original training context
// (the short ones up to it), and rope.scaling.attn_factor scaling the
// rotation.
func TestLongRoPE(t *testing.T) {
	short, long := &tensor.Tensor{}, &tensor.Tensor{}
	a := &phi3{llama: llama{hp: &HParams{RopeOrigCtx: 4096}}, ropeShort: short, ropeLong: long}
	for _, tc := range []struct {
		nCtx int
		want *tensor.Tensor
	}{{256, short}, {4096, short}, {4097, long}, {131072, long}} {
		if got := a.ropeFactors(tc.nCtx); got != tc.want {
			t.Errorf("n_ctx %d: got the %s factors", tc.nCtx, map[bool]string{true: "short", false: "long"}[got == short])
		}
	}
	hp := &HParams{NRot: 96, RopeFreqBase: 10000, RopeFreqScale: 1, RopeScalingType: RopeScalingLongRoPE, RopeScalingAttnF: 1.1902381}
	if p := ropeParams(hp, tensor.RopeNeoX, 0); p.AttnFactor != 1.1902381 || p.ExtFactor != 0 {
		t.Errorf("LongRoPE rope params: attn factor %g, ext factor %g; want 1.1902381, 0", p.AttnFactor, p.ExtFactor)
	}
}

// TestSlidingPatternArray checks that a per-layer sliding_window_pattern
// array (true: sliding) is read and wins over the period rule.
func TestSlidingPatternArray(t *testing.T) {
	src, err := gguf.Open(fixturePath(t, "tiny-gemma3", "tiny-gemma3-q4_k_m.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	kv := make([]gguf.KV, 0, len(src.KV))
	for _, e := range src.KV {
		if e.Key == "gemma3.attention.sliding_window_pattern" {
			e.Value = gguf.Bools([]bool{false, true})
		}
		kv = append(kv, e)
	}
	var infos []gguf.TensorInfo
	var data [][]byte
	for i := range src.Tensors {
		ti := &src.Tensors[i]
		infos = append(infos, gguf.TensorInfoOf(ti.Name, ti.Type, ti.Dims...))
		data = append(data, src.TensorData(ti))
	}
	path := filepath.Join(t.TempDir(), "pattern.gguf")
	if err := gguf.WriteFile(path, kv, infos, data); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Arch.(*gemma).local; len(got) != 2 || got[0] || !got[1] {
		t.Errorf("sliding layers %v, want [false true]", got)
	}
}
