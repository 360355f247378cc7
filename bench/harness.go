package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/quant"
)

// Test is one llama-bench test instance: prompt processing when NPrompt >
// 0, text generation when NGen > 0 (both: the prompt, then the
// generation, timed together).
type Test struct {
	NPrompt int // tokens of the prompt batch (pp)
	NGen    int // tokens generated one at a time (tg)
	// NDepth is how many tokens are already in the KV cache when the test
	// starts (llama-bench -d): filled once, untimed, and kept while each
	// repetition's own tokens are dropped again.
	NDepth  int
	NBatch  int // logical batch: tokens per Decode call (llama-bench -b)
	NUBatch int // physical batch: tokens per graph evaluation (-ub)
	Threads int
	TypeK   quant.Type // KV cache type (gollm has one type for K and V)
	TypeV   quant.Type
	Reps    int  // timed repetitions
	Warmup  bool // run once untimed first (a full prompt, or one generated token)
	Seed    uint64
}

// Name is the test's name in llama-bench's table: "pp512", "tg128" or
// "pp512+tg128", followed by " @ d4096" for a test at depth 4096.
func (t Test) Name() string {
	var name string
	switch {
	case t.NGen == 0:
		name = fmt.Sprintf("pp%d", t.NPrompt)
	case t.NPrompt == 0:
		name = fmt.Sprintf("tg%d", t.NGen)
	default:
		name = fmt.Sprintf("pp%d+tg%d", t.NPrompt, t.NGen)
	}
	if t.NDepth > 0 {
		name += fmt.Sprintf(" @ d%d", t.NDepth)
	}
	return name
}

// ModelInfo describes the model under test the way llama-bench reports
// it.
type ModelInfo struct {
	Filename string
	Desc     string // llama_model_desc, e.g. "llama 1B Q4_K - Medium"
	Size     uint64 // bytes of all tensors
	Params   uint64 // elements of all tensors
	// WeightBytes is how many bytes of weights one generated token reads
	// (WeightBytesPerToken).
	WeightBytes uint64
	NVocab      int
	AddBOS      bool
	BOS         int32
}

// ModelInfoOf describes m, loaded from filename.
func ModelInfoOf(m *model.Model, filename string) ModelInfo {
	return ModelInfo{
		Filename:    filename,
		Desc:        ModelDesc(m.File, m.HP),
		Size:        m.File.TensorBytes(),
		Params:      m.File.Parameters(),
		WeightBytes: WeightBytesPerToken(m.File),
		NVocab:      m.HP.NVocab,
		AddBOS:      m.Tok.AddBOS(),
		BOS:         m.Tok.BOS(),
	}
}

// ModelDesc is llama.cpp's llama_model_desc: architecture, size class and
// file type, e.g. "llama 1B Q4_K - Medium" or "qwen2 ?B Q8_0".
func ModelDesc(f *gguf.File, hp *model.HParams) string {
	ft, _ := f.FileType()
	return fmt.Sprintf("%s %s %v", hp.Arch, SizeClass(hp), ft)
}

// SizeClass is the size llama.cpp's loader assigns a model (LLM_TYPE_*),
// as far as gollm knows the tables: the llama family by layer count,
// "?B" otherwise.
func SizeClass(hp *model.HParams) string {
	if hp.Arch != "llama" {
		return "?B"
	}
	if hp.NExpert == 8 {
		switch hp.NLayer {
		case 32:
			return "8x7B"
		case 56:
			return "8x22B"
		}
		return "?B"
	}
	switch hp.NLayer {
	case 16, 22:
		return "1B"
	case 26, 28:
		return "3B"
	case 30:
		return "256M"
	case 32:
		switch {
		case hp.NVocab == 49152:
			return "3B"
		case hp.NVocab < 40000:
			return "7B"
		}
		return "8B"
	case 36:
		return "8B"
	case 40:
		return "13B"
	case 48:
		return "34B"
	case 60:
		return "30B"
	case 80:
		if hp.NHead == hp.NHeadKV {
			return "65B"
		}
		return "70B"
	}
	return "?B"
}

// Result is one finished test with its timings.
type Result struct {
	Test
	Model     ModelInfo
	CPUInfo   string
	Backends  string
	TestTime  time.Time
	SamplesNS []uint64
}

// AvgNS is the mean time of a repetition, in nanoseconds.
func (r *Result) AvgNS() float64 { return mean(toFloats(r.SamplesNS)) }

// StdevNS is the sample standard deviation of the repetition times.
func (r *Result) StdevNS() float64 { return stdev(toFloats(r.SamplesNS)) }

// SamplesTS are the speeds of the repetitions in tokens per second.
func (r *Result) SamplesTS() []float64 {
	ts := make([]float64, len(r.SamplesNS))
	for i, ns := range r.SamplesNS {
		ts[i] = 1e9 * float64(r.NPrompt+r.NGen) / float64(ns)
	}
	return ts
}

// AvgTS is the mean speed in tokens per second (of the per-repetition
// speeds, as llama-bench averages them).
func (r *Result) AvgTS() float64 { return mean(r.SamplesTS()) }

// StdevTS is the sample standard deviation of the speeds.
func (r *Result) StdevTS() float64 { return stdev(r.SamplesTS()) }

func toFloats(v []uint64) []float64 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return f
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// stdev is the sample standard deviation (n−1), 0 for fewer than two
// values.
func stdev(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	m := mean(v)
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(v)-1))
}

// CPUInfo is the processor's brand name, as llama-bench's cpu_info.
func CPUInfo() string { return strings.TrimSpace(cpuid.CPU.BrandName) }

// BuildCommit is the VCS revision gollm was built from (first 8 hex
// digits, "+dirty" when modified), or "unknown".
func BuildCommit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	rev = rev[:min(8, len(rev))]
	if dirty {
		rev += "+dirty"
	}
	return rev
}

// Run measures t on m: for each repetition the cache cut back to the
// depth (first filled with NDepth random tokens, untimed), the prompt as
// batches of NBatch random tokens (the first one BOS when the vocabulary
// adds it and the cache is empty) and NGen single random tokens, timed
// from the first Decode to the last. A warm-up run precedes them when
// t.Warmup is set: the full prompt for pp tests, one token for tg.
func Run(m *model.Model, info ModelInfo, t Test) (*Result, error) {
	if t.NPrompt < 0 || t.NGen < 0 || t.NPrompt+t.NGen == 0 {
		return nil, fmt.Errorf("bench: test needs prompt or generation tokens (p=%d, n=%d)", t.NPrompt, t.NGen)
	}
	if t.NDepth < 0 {
		return nil, fmt.Errorf("bench: depth must not be negative (d=%d)", t.NDepth)
	}
	if t.NBatch <= 0 || t.NUBatch <= 0 || t.Reps <= 0 || t.Threads < 0 {
		return nil, fmt.Errorf("bench: batch sizes, repetitions must be positive and threads not negative")
	}
	ctx, err := m.NewContext(model.ContextParams{
		CtxSize: t.NDepth + t.NPrompt + t.NGen, BatchSize: t.NUBatch, Threads: t.Threads, KVType: t.TypeK,
	})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer ctx.Close()
	r := &Result{Test: t, Model: info, CPUInfo: CPUInfo(), Backends: "CPU", TestTime: time.Now().UTC()}
	rng := rand.New(rand.NewPCG(t.Seed, 0x62656e6368))
	tokens := make([]int32, max(t.NBatch, 1))
	random := func() int32 { return int32(rng.IntN(info.NVocab)) }

	prompt := func(n int) error {
		first := ctx.Pos() == 0
		for done := 0; done < n; {
			k := min(n-done, t.NBatch)
			for i := range k {
				tokens[i] = random()
			}
			if done == 0 && first && info.AddBOS {
				tokens[0] = info.BOS
			}
			if _, err := ctx.Decode(tokens[:k], false); err != nil {
				return err
			}
			done += k
		}
		return nil
	}
	gen := func(n int) error {
		tok := random()
		if info.AddBOS && ctx.Pos() == 0 {
			tok = info.BOS
		}
		for range n {
			tokens[0] = tok
			if _, err := ctx.Decode(tokens[:1], false); err != nil {
				return err
			}
			tok = random()
		}
		return nil
	}
	if t.NDepth > 0 {
		if err := prompt(t.NDepth); err != nil {
			return nil, fmt.Errorf("bench: depth %d: %w", t.NDepth, err)
		}
	}
	if t.Warmup {
		ctx.Truncate(t.NDepth)
		if t.NPrompt > 0 {
			if err := prompt(t.NPrompt); err != nil {
				return nil, fmt.Errorf("bench: prompt warm-up: %w", err)
			}
		}
		if t.NGen > 0 {
			if err := gen(1); err != nil {
				return nil, fmt.Errorf("bench: generation warm-up: %w", err)
			}
		}
	}
	for range t.Reps {
		ctx.Truncate(t.NDepth)
		start := time.Now()
		if t.NPrompt > 0 {
			if err := prompt(t.NPrompt); err != nil {
				return nil, fmt.Errorf("bench: %s: %w", t.Name(), err)
			}
		}
		if t.NGen > 0 {
			if err := gen(t.NGen); err != nil {
				return nil, fmt.Errorf("bench: %s: %w", t.Name(), err)
			}
		}
		r.SamplesNS = append(r.SamplesNS, uint64(time.Since(start).Nanoseconds()))
	}
	return r, nil
}

// WeightBytesPerToken is how many bytes of weights generating one token
// reads: every tensor once, except that only one row of token_embd is read
// when the model has a separate output matrix.
func WeightBytesPerToken(f *gguf.File) uint64 {
	total := f.TensorBytes()
	_, untied := f.Tensor("output.weight")
	if te, ok := f.Tensor("token_embd.weight"); ok && untied && len(te.Dims) >= 2 && te.Dims[1] > 0 {
		total -= te.Size - te.Size/te.Dims[1]
	}
	return total
}
