package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/gguf"
)

// moeSink keeps benchmark results alive.
var moeSink float32

// expertBytes returns the bytes of one expert's gate, up and down weights
// in layer l and the bytes of all experts' weights in that layer.
func expertBytes(a *qwen3, l int) (perExpert, full int) {
	f := &a.ffn[l]
	full = f.gateExps.Bytes() + f.upExps.Bytes() + f.downExps.Bytes()
	return full / a.hp.NExpert, full
}

// touchedExpertBytes counts the expert weight bytes the last Forward read:
// for every layer, the distinct experts its traced ids select, times one
// expert's size. It also returns the size of all expert tensors and fails t
// on an id outside the experts.
func touchedExpertBytes(tb testing.TB, a *qwen3) (touched, full int) {
	tb.Helper()
	if len(a.expertIDs) != len(a.ffn) {
		tb.Fatalf("traced %d layers' expert ids, want %d", len(a.expertIDs), len(a.ffn))
	}
	seen := make([]bool, a.hp.NExpert)
	for l, t := range a.expertIDs {
		ids, err := t.I32()
		if err != nil {
			tb.Fatal(err)
		}
		clear(seen)
		per, all := expertBytes(a, l)
		full += all
		for _, id := range ids {
			if id < 0 || int(id) >= a.hp.NExpert {
				tb.Fatalf("layer %d: expert id %d outside 0..%d", l, id, a.hp.NExpert-1)
			}
			if !seen[id] {
				seen[id] = true
				touched += per
			}
		}
	}
	return touched, full
}

// openMoE loads a tiny-qwen3moe fixture from testdata (or the shared
// fixture tree) and returns the model, its architecture and a closer.
func openMoE(tb testing.TB, file string) (*Model, *qwen3, func()) {
	tb.Helper()
	path := ""
	for _, p := range []string{
		filepath.Join("testdata", file),
		filepath.Join("..", "..", "shared", "fixtures", "models", "tiny-qwen3moe", file),
	} {
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		tb.Skipf("fixture %s is neither in testdata nor in ../../shared/fixtures", file)
	}
	f, err := gguf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := New(f)
	if err != nil {
		f.Close()
		tb.Fatal(err)
	}
	return m, m.Arch.(*qwen3), func() { f.Close() }
}

// TestMoEReadsOnlySelectedExperts decodes tokens one at a time and checks
// that each token's layers select expert_used_count distinct experts of
// expert_count (2 of 8 in the fixture), i.e. a quarter of the expert
// weights per decoded token.
func TestMoEReadsOnlySelectedExperts(t *testing.T) {
	m, a, done := openMoE(t, "tiny-qwen3moe-f16.gguf")
	defer done()
	a.traceExperts = true
	ctx, err := m.NewContext(ContextParams{CtxSize: 64, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	for i, tok := range []int32{508, 430, 361, 72} {
		if _, err := ctx.Decode([]int32{tok}, false); err != nil {
			t.Fatal(err)
		}
		touched, full := touchedExpertBytes(t, a)
		if 4*touched != full {
			t.Errorf("token %d: %d of %d expert bytes touched, want a quarter (2 of 8 experts per layer)", i, touched, full)
		}
	}
}

// BenchmarkMoEDecode decodes one token per iteration through the
// tiny-qwen3moe model and reports, from the expert ids the router chose,
// the bytes of expert weights read per decoded token next to the size of
// all expert tensors. SetBytes counts the touched expert bytes, so MB/s is
// the expert-weight read rate.
func BenchmarkMoEDecode(b *testing.B) {
	for _, file := range []string{"tiny-qwen3moe-f16.gguf", "tiny-qwen3moe-q4_k_m.gguf"} {
		b.Run(file, func(b *testing.B) {
			m, a, done := openMoE(b, file)
			defer done()
			a.traceExperts = true
			ctx, err := m.NewContext(ContextParams{CtxSize: 256, Threads: 2})
			if err != nil {
				b.Fatal(err)
			}
			defer ctx.Close()
			prompt := []int32{508, 430, 361, 72, 460, 99, 276}
			logits, err := ctx.Decode(prompt, false)
			if err != nil {
				b.Fatal(err)
			}
			tok := argmaxLowest(logits)
			touched, full := 0, 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if ctx.Pos() == ctx.Size() {
					ctx.Truncate(len(prompt))
				}
				if logits, err = ctx.Decode([]int32{tok}, false); err != nil {
					b.Fatal(err)
				}
				tok = argmaxLowest(logits)
				t, f := touchedExpertBytes(b, a)
				touched += t
				full = f
				if i == 0 {
					b.SetBytes(int64(t))
				}
			}
			b.StopTimer()
			moeSink = logits[0]
			perTok := float64(touched) / float64(b.N)
			b.ReportMetric(perTok, "expertB/tok")
			b.ReportMetric(float64(full), "expertB-all")
			b.ReportMetric(perTok/float64(full), "expert-frac")
		})
	}
}
