package model

import (
	"math"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// TestQ8KVCache runs tiny-llama (F16 weights) with a q8_0 KV cache: the
// logits must stay close to llama.cpp's (made with an f16 cache) and greedy
// decoding must agree through the case's stable prefix.
func TestQ8KVCache(t *testing.T) {
	f, err := gguf.Open(fixturePath(t, "tiny-llama", "tiny-llama-f16.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	rc, want := readCase(t, "tiny-llama", "tiny-llama-f16.gguf", 2)
	ctx, err := m.NewContext(ContextParams{CtxSize: 256, KVType: quant.Q8_0})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	got, err := ctx.Decode(rc.Tokens, true)
	if err != nil {
		t.Fatal(err)
	}
	var maxErr float64
	for i := range got {
		maxErr = max(maxErr, math.Abs(float64(got[i]-want[i])))
	}
	t.Logf("q8_0 KV cache: max |Δlogit| %.4g over %d tokens", maxErr, len(rc.Tokens))
	// q8_0 keys and values carry about 8 bits: more rounding than f16,
	// still far below the logits' spread (std ≈ 3).
	if maxErr > 0.25 {
		t.Errorf("q8_0 KV cache moves the logits by %.3g", maxErr)
	}
	last := got[len(got)-rc.NVocab:]
	for i := 0; i < rc.StablePrefx.N; i++ {
		id := argmaxLowest(last)
		if id != rc.GreedyIDs[i] {
			t.Fatalf("greedy id %d = %d, llama.cpp (f16 cache) %d", i, id, rc.GreedyIDs[i])
		}
		if last, err = ctx.Decode([]int32{id}, false); err != nil {
			t.Fatal(err)
		}
	}
}
