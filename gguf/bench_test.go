package gguf

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchSink keeps benchmark results alive.
var benchSink *File

// vocabKV returns metadata the size of llama-bpe's vocabulary: 128256 tokens
// with scores and types, and 280147 merges.
func vocabKV() []KV {
	const nTokens, nMerges = 128256, 280147
	tokens := make([]string, nTokens)
	scores := make([]float32, nTokens)
	types := make([]int32, nTokens)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("Ġtok%x", i*2654435761%(1<<20))
		scores[i] = float32(-i)
		types[i] = 1
	}
	merges := make([]string, nMerges)
	for i := range merges {
		merges[i] = fmt.Sprintf("Ġm%x %x", i%4096, i/4096)
	}
	return []KV{
		{"general.architecture", String("llama")},
		{"llama.block_count", Uint32(32)},
		{"tokenizer.ggml.model", String("gpt2")},
		{"tokenizer.ggml.tokens", Strings(tokens)},
		{"tokenizer.ggml.scores", Float32s(scores)},
		{"tokenizer.ggml.token_type", Int32s(types)},
		{"tokenizer.ggml.merges", Strings(merges)},
	}
}

// BenchmarkOpenVocab opens and parses a vocabulary-sized file (metadata
// only) and reports MB/s of file.
func BenchmarkOpenVocab(b *testing.B) {
	path := filepath.Join(b.TempDir(), "vocab.gguf")
	if err := WriteFile(path, vocabKV(), nil, nil); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		f, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = f
		f.Close()
	}
}

// BenchmarkMarshalVocab encodes the same metadata.
func BenchmarkMarshalVocab(b *testing.B) {
	kv := vocabKV()
	out, err := Marshal(kv, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(kv, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
