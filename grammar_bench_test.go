package gollm_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
)

var benchModel = flag.String("model", "", "GGUF file for the end-to-end benchmarks (e.g. one made by `gollm bench --make llama-1b`)")

// BenchmarkGrammarOverhead generates the same number of tokens with and
// without a JSON-schema constraint and reports tokens per second of each
// and the constrained rate as a fraction of the free one. Run with
// -model=FILE (the acceptance figure uses the synthetic Llama-3.2-1B, whose
// vocabulary has 128256 tokens).
func BenchmarkGrammarOverhead(b *testing.B) {
	if *benchModel == "" {
		b.Skip("no -model=FILE given (make one with: gollm bench --make llama-1b --type Q4_K_M -o FILE)")
	}
	m, err := gollm.Load(*benchModel, gollm.WithContextSize(512))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	g, err := grammar.CompileJSONSchema([]byte(petSchema), nil)
	if err != nil {
		b.Fatal(err)
	}
	const n = 48
	run := func(gr *grammar.Grammar) (int, time.Duration) {
		var st gollm.Stats
		p := gollm.DefaultSamplerParams()
		p.Seed = 1
		for _, err := range m.Generate(context.Background(), "Once upon a time", gollm.GenerateOptions{
			Sampler: p, Grammar: gr, MaxTokens: n, IgnoreEOS: gr == nil, Stats: &st,
		}) {
			if err != nil {
				b.Fatal(err)
			}
		}
		return st.GeneratedTokens, st.GenerateDuration
	}
	run(g) // warm-up: builds the token filter's caches
	var freeTok, gramTok int
	var freeDur, gramDur time.Duration
	for b.Loop() {
		t, d := run(nil)
		freeTok, freeDur = freeTok+t, freeDur+d
		t, d = run(g)
		gramTok, gramDur = gramTok+t, gramDur+d
	}
	free := float64(freeTok) / freeDur.Seconds()
	gram := float64(gramTok) / gramDur.Seconds()
	b.ReportMetric(free, "free-tok/s")
	b.ReportMetric(gram, "grammar-tok/s")
	b.ReportMetric(gram/free, "ratio")
}
