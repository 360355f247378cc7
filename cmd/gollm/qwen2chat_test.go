package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// writeTinyQwen2 writes a one-layer random qwen2 model that carries the
// real Qwen2 vocabulary and chat template of ggml-vocab-qwen2.gguf (the
// tokenizer fixtures), so that a chat prompt goes through the real
// template and tokenizer end to end.
func writeTinyQwen2(t *testing.T) string {
	t.Helper()
	voc, err := gguf.Open(filepath.Join("..", "..", "tokenizer", "testdata", "ggml-vocab-qwen2.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer voc.Close()
	const (
		nEmbd, nHead, nHeadKV, nFF = 32, 2, 1, 64
		hd                         = nEmbd / nHead
	)
	toks, err := voc.Strings("tokenizer.ggml.tokens")
	if err != nil {
		t.Fatal(err)
	}
	nVocab := len(toks)
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("qwen2")},
		{Key: "general.name", Value: gguf.String("tiny qwen2 with the real Qwen2 vocabulary")},
		{Key: "qwen2.block_count", Value: gguf.Uint32(1)},
		{Key: "qwen2.context_length", Value: gguf.Uint32(512)},
		{Key: "qwen2.embedding_length", Value: gguf.Uint32(nEmbd)},
		{Key: "qwen2.feed_forward_length", Value: gguf.Uint32(nFF)},
		{Key: "qwen2.attention.head_count", Value: gguf.Uint32(nHead)},
		{Key: "qwen2.attention.head_count_kv", Value: gguf.Uint32(nHeadKV)},
		{Key: "qwen2.rope.freq_base", Value: gguf.Float32(1e6)},
		{Key: "qwen2.attention.layer_norm_rms_epsilon", Value: gguf.Float32(1e-6)},
	}
	for _, e := range voc.KV {
		if strings.HasPrefix(e.Key, "tokenizer.") {
			kv = append(kv, e)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var infos []gguf.TensorInfo
	var data [][]byte
	add := func(name string, typ quant.Type, dims ...uint64) {
		n := 1
		for _, d := range dims {
			n *= int(d)
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 0.1)
		}
		if strings.HasSuffix(name, "norm.weight") {
			for i := range x {
				x[i] = 1
			}
		}
		b := make([]byte, typ.RowSize(n))
		if err := quant.Quantize(typ, b, x); err != nil {
			t.Fatal(err)
		}
		infos = append(infos, gguf.TensorInfoOf(name, typ, dims...))
		data = append(data, b)
	}
	add("token_embd.weight", quant.Q8_0, nEmbd, uint64(nVocab))
	add("output_norm.weight", quant.F32, nEmbd)
	add("blk.0.attn_norm.weight", quant.F32, nEmbd)
	add("blk.0.attn_q.weight", quant.F16, nEmbd, nEmbd)
	add("blk.0.attn_k.weight", quant.F16, nEmbd, hd*nHeadKV)
	add("blk.0.attn_v.weight", quant.F16, nEmbd, hd*nHeadKV)
	add("blk.0.attn_q.bias", quant.F32, nEmbd)
	add("blk.0.attn_k.bias", quant.F32, hd*nHeadKV)
	add("blk.0.attn_v.bias", quant.F32, hd*nHeadKV)
	add("blk.0.attn_output.weight", quant.F16, nEmbd, nEmbd)
	add("blk.0.ffn_norm.weight", quant.F32, nEmbd)
	add("blk.0.ffn_gate.weight", quant.F16, nEmbd, nFF)
	add("blk.0.ffn_up.weight", quant.F16, nEmbd, nFF)
	add("blk.0.ffn_down.weight", quant.F16, nFF, nEmbd)
	p := filepath.Join(t.TempDir(), "tiny-qwen2-vocab.gguf")
	if err := gguf.WriteFile(p, kv, infos, data); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGenerateChatQwen2 checks that `generate --chat` renders the Qwen
// template and tokenizes it with the real Qwen2 vocabulary: the prompt
// tokens must be llama.cpp's for the ChatML text (the "chat" case of
// ggml-vocab-qwen2.special.json) followed by the template's empty thinking
// block when thinking is off.
func TestGenerateChatQwen2(t *testing.T) {
	p := writeTinyQwen2(t)
	code, _, errOut := runCLI(t, "generate", "-m", p, "--chat", "--verbose", "-n", "3", "--temp", "0", "Hi")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`prompt tokens: \[([0-9 ]*)\]`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no prompt tokens in --verbose output:\n%s", errOut)
	}
	// llama.cpp: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
	want := "151644 872 198 13048 151645 198 151644 77091 198"
	if got := m[1]; !strings.HasPrefix(got, want) {
		t.Errorf("prompt tokens\n got [%s]\nwant [%s ...]", got, want)
	}
	if !strings.Contains(errOut, fmt.Sprintf("%q", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")) {
		t.Errorf("chat prompt not shown or not ChatML:\n%s", errOut)
	}
}
