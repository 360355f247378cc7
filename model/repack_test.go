package model

import (
	"math"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// matMulWeightNames are the GGUF names of the weights llama.cpp's graphs
// use as matrices of matrix products (the output projection apart).
var matMulWeightNames = []string{
	"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_qkv.weight", "attn_output.weight",
	"ffn_gate.weight", "ffn_up.weight", "ffn_down.weight",
	"ffn_gate_inp.weight", "ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_down_exps.weight",
}

// wantRepacked reports whether the weight called name should have a
// repacked copy: it is the matrix of a product (by its GGUF name; the
// token embeddings only when the output projection is tied to them) and
// this CPU has a repacked kernel for its type.
func wantRepacked(m *Model, name string) bool {
	w := m.weights[name]
	if !kernels.CanRepack(w.Type(), w.Ne(0)) {
		return false
	}
	switch name {
	case "output.weight":
		return true
	case "token_embd.weight":
		return !m.has("output.weight")
	}
	for _, s := range matMulWeightNames {
		if strings.HasPrefix(name, "blk.") && strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}

func openModel(t *testing.T, dir, file string, opts ...Option) *Model {
	t.Helper()
	f, err := gguf.Open(fixturePath(t, dir, file))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := New(f, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRepackWeights checks which weights New repacks: exactly the
// matrices of the products with a repacked kernel here (untied and tied
// output projections, a fused qkv, MoE experts and router, an f16 weight
// that stays plain), RepackWeights' figures, that a second call changes
// nothing, and that WithRepack(false) leaves every weight plain until
// RepackWeights is called.
func TestRepackWeights(t *testing.T) {
	for _, tc := range []struct{ dir, file string }{
		{"tiny-llama", "tiny-llama-q4_k_m.gguf"},
		{"tiny-qwen2", "tiny-qwen2-q8_0.gguf"},
		{"tiny-qwen3moe", "tiny-qwen3moe-q4_k_m.gguf"},
		{"tiny-phi3", "tiny-phi3-q4_k_m.gguf"},
		{"tiny-gemma3", "tiny-gemma3-q4_k_m.gguf"},
		{"stories260K", "stories260K-q8_0.gguf"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			check := func(m *Model, repack bool) {
				t.Helper()
				wantN, wantBytes := 0, int64(0)
				for name, w := range m.weights {
					want := repack && wantRepacked(m, name)
					got := w.RepackedBytes()
					if want != (got > 0) {
						t.Errorf("%s (%v %v): repacked bytes %d, want repacked: %v", name, w.Type(), w.Shape(), got, want)
					}
					if want {
						wantN++
						wantBytes += int64(got)
						if got < len(w.Data()) {
							t.Errorf("%s: %d repacked bytes for %d plain bytes", name, got, len(w.Data()))
						}
					}
				}
				if repack && kernels.CanRepack(quant.Q8_0, 256) && wantN == 0 {
					t.Error("no weight was repacked")
				}
				if !repack {
					return
				}
				for range 2 { // the figures of the one repacking
					n, b, err := m.RepackWeights()
					if err != nil || n != wantN || b != wantBytes {
						t.Errorf("RepackWeights = %d weights, %d bytes, %v; want %d, %d", n, b, err, wantN, wantBytes)
					}
				}
			}
			check(openModel(t, tc.dir, tc.file), true)
			plain := openModel(t, tc.dir, tc.file, WithRepack(false))
			check(plain, false)
			if _, _, err := plain.RepackWeights(); err != nil {
				t.Fatal(err)
			}
			check(plain, true) // now as New would have left it
		})
	}
}

// TestRepackMatchesLlamaCpp compares the prompt logits of repacked and
// plain weights with llama.cpp's (the tolerance of the fixture tests:
// twice llama.cpp's own noise), for dense and MoE models of the types the
// repacked kernels cover.
func TestRepackMatchesLlamaCpp(t *testing.T) {
	for _, tc := range []struct{ dir, file string }{
		{"tiny-llama", "tiny-llama-q4_k_m.gguf"},
		{"tiny-llama", "tiny-llama-q8_0.gguf"},
		{"tiny-gemma3", "tiny-gemma3-q4_k_m.gguf"},
		{"tiny-qwen3moe", "tiny-qwen3moe-q4_k_m.gguf"},
		{"tiny-qwen3moe", "tiny-qwen3moe-q8_0.gguf"},
	} {
		for _, repack := range []bool{true, false} {
			name := tc.file + "/plain"
			if repack {
				name = tc.file + "/repacked"
			}
			t.Run(name, func(t *testing.T) {
				m := openModel(t, tc.dir, tc.file, WithRepack(repack))
				rc, want := readCase(t, tc.dir, tc.file, 1)
				ctx, err := m.NewContext(ContextParams{CtxSize: 256, Threads: 2})
				if err != nil {
					t.Fatal(err)
				}
				defer ctx.Close()
				got, err := ctx.Decode(rc.Tokens, true)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%d logits, want %d", len(got), len(want))
				}
				var maxErr, sq float64
				for i := range got {
					d := math.Abs(float64(got[i] - want[i]))
					if math.IsNaN(d) {
						t.Fatalf("logit %d is NaN", i)
					}
					maxErr = max(maxErr, d)
					sq += d * d
				}
				rms := math.Sqrt(sq / float64(len(got)))
				tolMax, tolRMS := 2*rc.Noise.KVF32.Max, 2*rc.Noise.KVF32.RMS
				t.Logf("max |Δlogit| %.3g (tol %.3g), rms %.3g (tol %.3g)", maxErr, tolMax, rms, tolRMS)
				if maxErr > tolMax || rms > tolRMS {
					t.Errorf("logits differ from llama.cpp: max %.4g (tol %.4g), rms %.4g (tol %.4g)", maxErr, tolMax, rms, tolRMS)
				}
			})
		}
	}
}
