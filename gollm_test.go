package gollm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/embedded"
)

func loadStories(t testing.TB, opts ...gollm.Option) *gollm.Model {
	t.Helper()
	m, err := gollm.LoadBytes(embedded.Name, embedded.Stories260K, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// collect runs a generation and returns its text and stats.
func collect(t *testing.T, m *gollm.Model, prompt string, opts gollm.GenerateOptions) (string, gollm.Stats) {
	t.Helper()
	var st gollm.Stats
	opts.Stats = &st
	var sb strings.Builder
	for tok, err := range m.Generate(context.Background(), prompt, opts) {
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString(tok.Text)
	}
	return sb.String(), st
}

// The greedy continuation of "Once upon a time" that llama.cpp produced
// (fixtures/models/stories260K/stories260K.case1.json, greedy_text).
const storiesGreedy = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said"

func TestGenerateGreedyMatchesLlamaCpp(t *testing.T) {
	m := loadStories(t)
	text, st := collect(t, m, "Once upon a time", gollm.GenerateOptions{MaxTokens: 64, IgnoreEOS: true})
	if text != storiesGreedy {
		t.Errorf("greedy text:\n got %q\nwant %q", text, storiesGreedy)
	}
	if st.PromptTokens != 5 || st.GeneratedTokens != 64 || st.StopReason != "length" {
		t.Errorf("stats = %+v, want 5 prompt tokens, 64 generated, stop length", st)
	}
	// Same prompt again: the cached prefix is reused.
	_, st = collect(t, m, "Once upon a time", gollm.GenerateOptions{MaxTokens: 4})
	if st.PromptEvaluated != 1 {
		t.Errorf("second run evaluated %d prompt tokens, want 1 (prefix reuse)", st.PromptEvaluated)
	}
}

func TestStopStrings(t *testing.T) {
	m := loadStories(t)
	text, st := collect(t, m, "Once upon a time", gollm.GenerateOptions{MaxTokens: 64, Stop: []string{"Lily."}})
	if want := ", there was a little girl named "; text != want || st.StopReason != "stop" {
		t.Errorf("text %q (stop %q), want %q (stop)", text, st.StopReason, want)
	}
	// A stop string that never appears changes nothing.
	text, _ = collect(t, m, "Once upon a time", gollm.GenerateOptions{MaxTokens: 64, IgnoreEOS: true, Stop: []string{"zebra"}})
	if text != storiesGreedy {
		t.Errorf("held-back text was lost: %q", text)
	}
}

func TestSeededSamplingIsDeterministic(t *testing.T) {
	m := loadStories(t)
	p := gollm.DefaultSamplerParams()
	p.Seed = 1234
	a, _ := collect(t, m, "Once upon a time", gollm.GenerateOptions{MaxTokens: 40, Sampler: p})
	b, _ := collect(t, m, "Once upon a time", gollm.GenerateOptions{MaxTokens: 40, Sampler: p})
	if a != b {
		t.Errorf("same seed, different text:\n%q\n%q", a, b)
	}
}

func TestContextShift(t *testing.T) {
	m := loadStories(t, gollm.WithContextSize(32))
	text, st := collect(t, m, "Once upon a time", gollm.GenerateOptions{MaxTokens: 200, IgnoreEOS: true, ContextShift: true})
	if st.GeneratedTokens != 200 || st.ContextShifts == 0 {
		t.Errorf("generated %d tokens with %d context shifts, want 200 and at least one shift", st.GeneratedTokens, st.ContextShifts)
	}
	if len(text) < 200 {
		t.Errorf("only %d bytes of text for 200 tokens", len(text))
	}
}

func TestStopAtFullContext(t *testing.T) {
	m := loadStories(t, gollm.WithContextSize(32))
	_, st := collect(t, m, "Once upon a time", gollm.GenerateOptions{IgnoreEOS: true})
	if st.StopReason != "context" || st.PromptTokens+st.GeneratedTokens != 33 {
		t.Errorf("stats %+v: want a stop at the full context (5 prompt + 28 generated tokens)", st)
	}
}

func TestPromptLongerThanContext(t *testing.T) {
	m := loadStories(t, gollm.WithContextSize(8))
	for _, err := range m.Generate(context.Background(), strings.Repeat("Once upon a time ", 10), gollm.GenerateOptions{}) {
		if err == nil || !strings.Contains(err.Error(), "context") {
			t.Fatalf("err = %v, want a context-size error", err)
		}
		return
	}
	t.Fatal("no error for a prompt longer than the context")
}

func TestCancelAndBusy(t *testing.T) {
	m := loadStories(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var gotErr error
	for tok, err := range m.Generate(ctx, "Once upon a time", gollm.GenerateOptions{IgnoreEOS: true}) {
		if err != nil {
			gotErr = err
			break
		}
		if n++; n == 3 {
			// A second generation while this one runs is refused.
			for _, err := range m.Generate(context.Background(), "x", gollm.GenerateOptions{}) {
				if !errors.Is(err, gollm.ErrBusy) {
					t.Errorf("concurrent generation: err = %v, want ErrBusy", err)
				}
				break
			}
			cancel()
		}
		_ = tok
	}
	if !errors.Is(gotErr, context.Canceled) || n != 3 {
		t.Errorf("after cancel: %d tokens, err %v; want 3 tokens then context.Canceled", n, gotErr)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := gollm.Load("testdata/does-not-exist.gguf"); err == nil {
		t.Error("Load of a missing file succeeded")
	}
	if _, err := gollm.LoadBytes("empty", nil); err == nil {
		t.Error("LoadBytes of no data succeeded")
	}
	if _, err := gollm.LoadBytes(embedded.Name, embedded.Stories260K, gollm.WithKVCacheType("q3")); err == nil {
		t.Error("bad KV cache type accepted")
	}
}
