package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// TestShiftRotatesKeys: after a shift, the cache holds at each new
// position the key and value that evaluating the token there gives. Layer
// 0 is where this can be checked exactly: its keys and values depend on the
// token alone, not on the tokens before it (later layers see the dropped
// tokens through attention, so there llama.cpp's shift, like this one, is
// an approximation). Re-evaluating the kept tokens at their new positions,
// the path the fixture tests hold to llama.cpp's logits, gives the
// reference; values must match bit for bit, keys within their second
// rounding to the cache type (f16: 2e-3 of the largest key, measured one
// f16 step; q8_0: 1.5 quantization steps of the largest, 1.5/127, since
// both caches round to half a step and the shifted one rounds once more).
func TestShiftRotatesKeys(t *testing.T) {
	files := []string{
		"stories260K.gguf", "tiny-llama-f16.gguf", "tiny-llama3rope-f16.gguf", "tiny-qwen2-f16.gguf",
		"tiny-qwen3-f16.gguf", "tiny-qwen3moe-q8_0.gguf", "tiny-phi3-f16.gguf", "tiny-gemma2-f16.gguf",
		"tiny-gemma3-q4_k_m.gguf",
	}
	for _, file := range files {
		for _, kvType := range []quant.Type{quant.F16, quant.Q8_0} {
			m := openModel(t, "testdata", file)
			if kvType == quant.Q8_0 && m.HP.HeadDimK%32 != 0 {
				continue // no q8_0 cache for heads of fewer than 32
			}
			t.Run(fmt.Sprintf("%s/%v", file, kvType), func(t *testing.T) {
				nv := m.HP.NVocab
				rng := rand.New(rand.NewPCG(7, uint64(len(file))))
				const n, keep, discard = 90, 5, 40
				toks := make([]int32, n)
				for i := range toks {
					toks[i] = int32(1 + rng.IntN(nv-1))
				}
				newCtx := func() *Context {
					c, err := m.NewContext(ContextParams{CtxSize: 128, Threads: 2, KVType: kvType})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { c.Close() })
					return c
				}
				a := newCtx()
				kept := append(append([]int32(nil), toks[:keep]...), toks[keep+discard:]...)
				if _, err := a.Decode(kept, false); err != nil {
					t.Fatal(err)
				}
				b := newCtx()
				if _, err := b.Decode(toks, false); err != nil {
					t.Fatal(err)
				}
				if err := b.Shift(keep, discard); err != nil {
					t.Fatal(err)
				}
				if b.Pos() != n-discard {
					t.Fatalf("position %d after the shift, want %d", b.Pos(), n-discard)
				}
				rows := n - discard
				wantV, gotV := cacheRows(t, a.kv.V[0], rows), cacheRows(t, b.kv.V[0], rows)
				for i := range wantV {
					if math.Float32bits(wantV[i]) != math.Float32bits(gotV[i]) {
						t.Fatalf("value %d (position %d): %g, want %g", i, i/(len(wantV)/rows), gotV[i], wantV[i])
					}
				}
				wantK, gotK := cacheRows(t, a.kv.K[0], rows), cacheRows(t, b.kv.K[0], rows)
				var big, maxErr float64
				for i := range wantK {
					big = max(big, math.Abs(float64(wantK[i])))
					maxErr = max(maxErr, math.Abs(float64(gotK[i]-wantK[i])))
				}
				tol := 2e-3
				if kvType == quant.Q8_0 {
					tol = 1.5 / 127
				}
				t.Logf("layer 0 keys: max |Δ| %.3g of max |k| %.3g", maxErr, big)
				if !(maxErr <= tol*big) || big == 0 {
					t.Errorf("layer 0 keys: max |Δ| %.3g > %.3g × max |k| %.3g", maxErr, tol, big)
				}
				// And the shifted context goes on decoding.
				if _, err := b.Decode(toks[:3], false); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// cacheRows returns the first rows of a cache tensor as float32s.
func cacheRows(t *testing.T, c *tensor.Tensor, rows int) []float32 {
	t.Helper()
	n := rows * c.Ne(0)
	out := make([]float32, n)
	if err := quant.Dequantize(c.Type(), out, c.Data()[:rows*c.Nb(1)]); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestShiftBadInput: out-of-range shifts are errors and leave the position.
func TestShiftBadInput(t *testing.T) {
	m := openModel(t, "testdata", "stories260K.gguf")
	c, err := m.NewContext(ContextParams{CtxSize: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Decode([]int32{1, 2, 3, 4, 5, 6}, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range [][2]int{{-1, 2}, {2, 0}, {4, 3}, {0, 7}} {
		if err := c.Shift(tc[0], tc[1]); err == nil || errors.Is(err, ErrNoKeyShift) {
			t.Errorf("Shift(%d, %d): %v, want a range error", tc[0], tc[1], err)
		}
		if c.Pos() != 6 {
			t.Fatalf("Shift(%d, %d) moved the position to %d", tc[0], tc[1], c.Pos())
		}
	}
	// Dropping everything after keep needs no graph.
	if err := c.Shift(2, 4); err != nil || c.Pos() != 2 {
		t.Errorf("Shift(2, 4): %v, position %d", err, c.Pos())
	}
}
