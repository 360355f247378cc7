package tokenizer

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncode runs the byte-level BPE, SentencePiece and WordPiece encoders
// on arbitrary bytes. Nothing may panic or produce an out-of-range id; for
// valid UTF-8 the pieces must give the text back (after SentencePiece's
// space prefix), as with llama.cpp. (On invalid UTF-8 llama.cpp's
// SentencePiece can swallow the "▁" standing for a space into byte tokens,
// and byte-level BPE sees U+FFFD, so neither gives the input back.)
func FuzzEncode(f *testing.F) {
	for _, c := range readCases(f, "llama-bpe") {
		f.Add(c.text)
	}
	f.Add("\xff\xfe<|eot_id|>\xc3")
	f.Add("<s>[INST] \xed\xa0\x80 [/INST]</s>")
	vocabs := []*Tokenizer{
		loadVocab(f, "llama-bpe"), loadVocab(f, "gpt-2"), loadVocab(f, "qwen2"),
		loadVocab(f, "deepseek-llm"), loadVocab(f, "falcon"),
		loadVocab(f, "llama-spm"), loadVocab(f, "phi-3"), loadVocab(f, "bert-bge"),
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range vocabs {
			for _, special := range []bool{false, true} {
				ids := tk.Encode(s, special, special)
				for _, id := range ids {
					if id < 0 || int(id) >= tk.VocabSize() {
						t.Fatalf("%s %q: id %d out of range", tk.Pre(), s, id)
					}
				}
				if special || tk.Kind() == KindWPM || !utf8.ValidString(s) || !hasAllBytes(tk, s) {
					continue
				}
				var b []byte
				for _, id := range ids {
					b = tk.AppendPiece(b, id, true)
				}
				want := s
				if tk.Kind() == KindSPM && s != "" {
					want = " " + s
				}
				if !bytes.Equal(b, []byte(want)) {
					t.Fatalf("%s/%s %q: pieces give %q", tk.Model(), tk.Pre(), s, b)
				}
				// Streaming the same tokens yields the same text.
				d := tk.NewStreamDecoder(true)
				var sb strings.Builder
				for _, id := range ids {
					sb.WriteString(d.Add(id))
				}
				sb.WriteString(d.Flush())
				if got := sb.String(); got != toValidUTF8(b) {
					t.Fatalf("%s %q: streamed %q, want %q", tk.Model(), s, got, toValidUTF8(b))
				}
			}
		}
	})
}

// hasAllBytes reports whether a byte-level vocabulary has a token for every
// byte of s (Falcon's lacks some control characters, which llama.cpp then
// drops).
func hasAllBytes(tk *Tokenizer, s string) bool {
	if tk.Kind() != KindBPE {
		return true
	}
	for i := 0; i < len(s); i++ {
		if id := tk.byteSym[s[i]]; id < 0 || int(id) >= tk.VocabSize() {
			return false
		}
	}
	return true
}
