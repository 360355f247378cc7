package model

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
)

// refCase is one llama.cpp reference case (see the fixtures' README.models.md).
type refCase struct {
	Model       string       `json:"model"`
	NVocab      int          `json:"n_vocab"`
	Tokens      []int32      `json:"tokens"`
	Prompt      *string      `json:"prompt"`
	LogitsFile  string       `json:"logits_file"`
	GreedyIDs   []int32      `json:"greedy_ids"`
	GreedyTop2  [][4]float64 `json:"greedy_top2"`
	StablePrefx struct {
		N int `json:"n"`
	} `json:"greedy_stable_prefix"`
	Noise struct {
		KVF32 struct {
			Max float64 `json:"max_abs_diff_prompt_logits"`
			RMS float64 `json:"rms_diff_prompt_logits"`
		} `json:"kv_cache_f32"`
	} `json:"noise"`
}

// fixturePath finds a fixture file: in testdata (the files the repository
// carries) or in the shared fixture tree next to the repository.
func fixturePath(t *testing.T, dir, name string) string {
	t.Helper()
	for _, p := range []string{
		filepath.Join("testdata", name),
		filepath.Join("..", "..", "shared", "fixtures", "models", dir, name),
	} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("fixture %s/%s is neither in testdata nor in ../../shared/fixtures", dir, name)
	return ""
}

func readCase(t *testing.T, dir, file string, k int) (*refCase, []float32) {
	t.Helper()
	base := strings.TrimSuffix(file, ".gguf")
	p := fixturePath(t, dir, base+".case"+string(rune('0'+k))+".json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var c refCase
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(p), c.LogitsFile))
	if err != nil {
		t.Fatal(err)
	}
	l := make([]float32, len(raw)/4)
	for i := range l {
		l[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return &c, l
}

func argmaxLowest(row []float32) int32 {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return int32(best)
}

// modelCase is one (file, case) check against llama.cpp.
type modelCase struct {
	dir, file string
	cases     int
	float     bool // F32/F16 weights: absolute tolerance 0.05
}

// checkFixture evaluates every case of file and compares logits and greedy
// ids with llama.cpp's.
func checkFixture(t *testing.T, mc modelCase) {
	path := fixturePath(t, mc.dir, mc.file)
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= mc.cases; k++ {
		rc, want := readCase(t, mc.dir, mc.file, k)
		ctx, err := m.NewContext(ContextParams{CtxSize: 256, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ctx.Decode(rc.Tokens, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("case %d: %d logits, want %d", k, len(got), len(want))
		}
		var maxErr, sq float64
		for i := range got {
			d := math.Abs(float64(got[i] - want[i]))
			if math.IsNaN(d) {
				t.Fatalf("case %d: logit %d is NaN", k, i)
			}
			maxErr = max(maxErr, d)
			sq += d * d
		}
		rms := math.Sqrt(sq / float64(len(got)))
		tolMax, tolRMS := 0.05, math.Inf(1)
		if !mc.float {
			tolMax, tolRMS = 2*rc.Noise.KVF32.Max, 2*rc.Noise.KVF32.RMS
		}
		t.Logf("%s case %d: %d tokens, max |Δlogit| %.3g (tol %.3g), rms %.3g (tol %.3g)", mc.file, k, len(rc.Tokens), maxErr, tolMax, rms, tolRMS)
		if maxErr > tolMax || rms > tolRMS {
			t.Errorf("%s case %d: logits differ from llama.cpp: max %.4g (tol %.4g), rms %.4g (tol %.4g)", mc.file, k, maxErr, tolMax, rms, tolRMS)
		}
		// Greedy continuation, one token per step.
		nv := rc.NVocab
		last := got[len(got)-nv:]
		var ids []int32
		for step := 0; step < len(rc.GreedyIDs); step++ {
			id := argmaxLowest(last)
			ids = append(ids, id)
			if step == len(rc.GreedyIDs)-1 {
				break
			}
			if last, err = ctx.Decode([]int32{id}, false); err != nil {
				t.Fatal(err)
			}
		}
		n := rc.StablePrefx.N
		for i := 0; i < n; i++ {
			if ids[i] != rc.GreedyIDs[i] {
				t.Errorf("%s case %d: greedy id %d = %d, llama.cpp %d (stable prefix %d)\n got  %v\n want %v", mc.file, k, i, ids[i], rc.GreedyIDs[i], n, ids, rc.GreedyIDs)
				break
			}
		}
		ctx.Close()
	}
}

func TestLlamaMatchesLlamaCpp(t *testing.T) {
	for _, mc := range []modelCase{
		{"stories260K", "stories260K.gguf", 3, true},
		{"stories260K", "stories260K-q8_0.gguf", 3, false},
		{"tiny-llama", "tiny-llama-f16.gguf", 2, true},
		{"tiny-llama", "tiny-llama-q8_0.gguf", 2, false},
		{"tiny-llama", "tiny-llama-q4_k_m.gguf", 2, false},
		{"tiny-llama", "tiny-llama-q5_k_m.gguf", 2, false},
		{"tiny-llama", "tiny-llama-q6_k.gguf", 2, false},
		{"tiny-llama", "tiny-llama-q4_0.gguf", 2, false},
		{"tiny-llama3rope", "tiny-llama3rope-f16.gguf", 2, true},
		{"tiny-llama3rope", "tiny-llama3rope-q8_0.gguf", 2, false},
		{"tiny-llama3rope", "tiny-llama3rope-q4_k_m.gguf", 2, false},
		{"tiny-llama3rope", "tiny-llama3rope-q5_k_m.gguf", 2, false},
		{"tiny-llama3rope", "tiny-llama3rope-q6_k.gguf", 2, false},
	} {
		t.Run(mc.file, func(t *testing.T) { checkFixture(t, mc) })
	}
}
