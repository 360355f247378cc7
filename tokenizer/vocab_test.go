package tokenizer

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gollm/gollm/gguf"
)

// TestSpecialTokenIDs checks the special tokens against the table of the
// fixtures' README (what llama.cpp reports for each vocabulary).
func TestSpecialTokenIDs(t *testing.T) {
	tests := []struct {
		name           string
		kind           Kind
		vocab          int
		bos, eos, eot  int32
		addBOS, addEOS bool
	}{
		{"bert-bge", KindWPM, 30522, 101, NoToken, NoToken, true, false},
		{"deepseek-coder", KindBPE, 32256, 32013, 32014, 32014, true, false},
		{"deepseek-llm", KindBPE, 102400, 100000, 100001, 100001, true, false},
		{"falcon", KindBPE, 65024, 11, 11, 11, false, false},
		{"gpt-2", KindBPE, 50257, 50256, 50256, 50256, false, false},
		{"llama-bpe", KindBPE, 128256, 128000, 128001, 128009, true, false},
		{"llama-spm", KindSPM, 32000, 1, 2, NoToken, true, false},
		{"mpt", KindBPE, 50432, 0, 0, 0, false, false},
		{"phi-3", KindSPM, 32064, 1, 32000, 32007, true, false},
		{"qwen2", KindBPE, 151936, 151643, 151645, 151645, false, false},
		{"refact", KindBPE, 49216, 0, 0, 0, false, false},
		{"starcoder", KindBPE, 49152, 0, 0, 0, false, false},
	}
	for _, tc := range tests {
		tk := loadVocab(t, tc.name)
		if tk.Kind() != tc.kind || tk.VocabSize() != tc.vocab {
			t.Errorf("%s: kind %v, %d tokens; want %v, %d", tc.name, tk.Kind(), tk.VocabSize(), tc.kind, tc.vocab)
		}
		if tk.BOS() != tc.bos || tk.EOS() != tc.eos || tk.EOT() != tc.eot {
			t.Errorf("%s: BOS/EOS/EOT %d/%d/%d, want %d/%d/%d", tc.name, tk.BOS(), tk.EOS(), tk.EOT(), tc.bos, tc.eos, tc.eot)
		}
		if tk.AddBOS() != tc.addBOS || tk.AddEOS() != tc.addEOS {
			t.Errorf("%s: add BOS/EOS %v/%v, want %v/%v", tc.name, tk.AddBOS(), tk.AddEOS(), tc.addBOS, tc.addEOS)
		}
		for _, id := range []int32{tc.eos, tc.eot} {
			if id != NoToken && !tk.IsEOG(id) {
				t.Errorf("%s: EOS/EOT %d is not end-of-generation", tc.name, id)
			}
		}
		if tk.IsEOG(NoToken) {
			t.Errorf("%s: NoToken is end-of-generation", tc.name)
		}
	}
}

// TestEOG checks end-of-generation sets that llama.cpp derives from token
// texts.
func TestEOG(t *testing.T) {
	tests := []struct {
		name  string
		texts []string // must be EOG
		not   []string // must not be EOG
	}{
		{"llama-bpe", []string{"<|end_of_text|>", "<|eot_id|>", "<|eom_id|>"}, []string{"<|begin_of_text|>", "<|start_header_id|>"}},
		// The regular token "</s>" is promoted to control and EOG (README).
		{"qwen2", []string{"<|endoftext|>", "<|im_end|>", "</s>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"}, []string{"<|im_start|>", "<think>"}},
		{"phi-3", []string{"<|endoftext|>", "<|end|>", "</s>"}, []string{"<s>", "<|user|>", "<|assistant|>"}},
		{"gpt-2", []string{"<|endoftext|>"}, []string{"Hello"}},
	}
	for _, tc := range tests {
		tk := loadVocab(t, tc.name)
		for _, s := range tc.texts {
			id, ok := tk.TokenID(s)
			if !ok || !tk.IsEOG(id) || !tk.IsControl(id) {
				t.Errorf("%s: %q (%d, found %v) should be a control EOG token", tc.name, s, id, ok)
			}
		}
		for _, s := range tc.not {
			if id, ok := tk.TokenID(s); !ok || tk.IsEOG(id) {
				t.Errorf("%s: %q (%d, found %v) should exist and not be EOG", tc.name, s, id, ok)
			}
		}
		if eog := tk.EOG(); !slices.IsSorted(eog) || len(eog) < len(tc.texts) {
			t.Errorf("%s: EOG() = %v", tc.name, eog)
		}
	}
}

// TestParseSpecial checks that control tokens are only recognised when
// asked, while user-defined tokens always are.
func TestParseSpecial(t *testing.T) {
	tk := loadVocab(t, "qwen2")
	imStart, _ := tk.TokenID("<|im_start|>")
	think, _ := tk.TokenID("<think>")
	if got := tk.Encode("<|im_start|>", false, true); !slices.Equal(got, []int32{imStart}) {
		t.Errorf("parse_special: %v, want [%d]", got, imStart)
	}
	if got := tk.Encode("<|im_start|>", false, false); len(got) < 3 || slices.Contains(got, imStart) {
		t.Errorf("no parse_special: %v should be the text's pieces", got)
	}
	if got := tk.Encode("a<think>b", false, false); !slices.Contains(got, think) {
		t.Errorf("user-defined <think> not matched without parse_special: %v", got)
	}
	// Phi-3's RSTRIP swallows the whitespace after <|end|>, not before it.
	p := loadVocab(t, "phi-3")
	end, _ := p.TokenID("<|end|>")
	got := p.Encode("Hi <|end|> \n x", false, true)
	want := append(p.Encode("Hi ", false, false), end)
	want = append(want, p.Encode("x", false, false)...)
	if !slices.Equal(got, want) {
		t.Errorf("phi-3 RSTRIP: %v, want %v", got, want)
	}
}

// TestStreamDecoder feeds the tokens of multi-byte text one at a time: no
// output may split a character, and the concatenation must be the text.
func TestStreamDecoder(t *testing.T) {
	text := "Hello 🦙🚀 wörld, 我想在apple工作 😶\u200d🌫️ ✅"
	for _, name := range []string{"gpt-2", "llama-bpe", "llama-spm", "qwen2"} {
		tk := loadVocab(t, name)
		ids := tk.Encode(text, false, false)
		d := tk.NewStreamDecoder(false)
		var all strings.Builder
		held := false
		for _, id := range ids {
			s := d.Add(id)
			if !utf8.ValidString(s) {
				t.Errorf("%s: chunk %q is not valid UTF-8", name, s)
			}
			held = held || d.Pending()
			all.WriteString(s)
		}
		all.WriteString(d.Flush())
		want := text
		if tk.addSpacePrefix {
			want = " " + text
		}
		if all.String() != want {
			t.Errorf("%s: streamed %q, want %q", name, all.String(), want)
		}
		if name == "gpt-2" && !held {
			t.Errorf("%s: emoji split across tokens were never held back", name)
		}
	}
	// Invalid and truncated sequences come out as U+FFFD.
	tk := loadVocab(t, "llama-spm")
	d := tk.NewStreamDecoder(false)
	var out string
	for _, b := range []byte{0xF0, 0x9F, 'a', 0xE4, 0xB8} {
		out += d.Add(tk.byteToken[b])
	}
	if out != "\uFFFD\uFFFDa" || !d.Pending() {
		t.Errorf("stream of broken bytes: %q (pending %v)", out, d.Pending())
	}
	if s := d.Flush(); s != "\uFFFD\uFFFD" {
		t.Errorf("flush: %q", s)
	}
}

// TestPieces checks llama_token_to_piece semantics for each token kind.
func TestPieces(t *testing.T) {
	spm := loadVocab(t, "llama-spm")
	bpe := loadVocab(t, "llama-bpe")
	tests := []struct {
		tk      *Tokenizer
		text    string
		special bool
		want    string
	}{
		{spm, "▁Hello", false, " Hello"},
		{spm, "<0x0A>", false, "\n"},
		{spm, "<s>", false, ""},
		{spm, "<s>", true, "<s>"},
		{spm, "<unk>", false, ""},
		{bpe, "ĠHello", false, " Hello"},
		{bpe, "Ċ", false, "\n"},
		{bpe, "<|eot_id|>", false, ""},
		{bpe, "<|eot_id|>", true, "<|eot_id|>"},
	}
	for _, tc := range tests {
		id, ok := tc.tk.TokenID(tc.text)
		if !ok {
			t.Fatalf("no token %q", tc.text)
		}
		if got := string(tc.tk.Piece(id, tc.special)); got != tc.want {
			t.Errorf("%s piece of %q (special %v) = %q, want %q", tc.tk.Model(), tc.text, tc.special, got, tc.want)
		}
	}
	if p := spm.Piece(-1, true); len(p) != 0 {
		t.Errorf("piece of -1: %q", p)
	}
	if p := spm.Piece(int32(spm.VocabSize()), true); len(p) != 0 {
		t.Errorf("piece past the vocabulary: %q", p)
	}
}

// TestDetokenizeCleanup checks llama.cpp's space clean-up and BOS handling.
func TestDetokenizeCleanup(t *testing.T) {
	gpt2 := loadVocab(t, "gpt-2")
	ids := gpt2.Encode("Hello , world ! It 's a ' test ' .", false, false)
	if got, want := gpt2.Detokenize(ids, false, false), "Hello, world! It's a'test '."; got != want {
		t.Errorf("gpt-2 clean-up: %q, want %q", got, want)
	}
	qwen := loadVocab(t, "qwen2") // no clean-up
	text := "Hello , world ! It 's"
	if got := qwen.Detokenize(qwen.Encode(text, false, false), false, false); got != text {
		t.Errorf("qwen2: %q, want %q", got, text)
	}
	spm := loadVocab(t, "llama-spm")
	ids = spm.Encode("Hi there", true, false)
	// llama.cpp keeps the space prefix when it drops the BOS.
	if got := spm.Detokenize(ids, true, false); got != " Hi there" {
		t.Errorf("spm remove_special: %q", got)
	}
	if got := spm.Detokenize(ids, false, true); got != "<s> Hi there" {
		t.Errorf("spm keep specials: %q", got)
	}
	if got := spm.Detokenize(spm.Encode("Hi there", false, false), false, false); got != "Hi there" {
		t.Errorf("spm space prefix: %q", got)
	}
	if got := spm.Decode(ids); got != " Hi there" {
		t.Errorf("spm Decode: %q", got)
	}
}

// TestSPMWordSplitEquivalence checks that tokenizing SentencePiece text word
// by word gives what the whole-text merge loop gives.
func TestSPMWordSplitEquivalence(t *testing.T) {
	for _, name := range []string{"llama-spm", "phi-3"} {
		tk := loadVocab(t, name)
		if !tk.spmSplit {
			t.Fatalf("%s: expected the word split to be enabled", name)
		}
		texts := []string{}
		for _, c := range readCases(t, name) {
			texts = append(texts, c.text)
		}
		r := rand.New(rand.NewPCG(9, 10))
		for i := 0; i < 300; i++ {
			texts = append(texts, string(randomText(r, 40)))
		}
		st := tk.getState()
		for _, s := range texts {
			a := tk.Encode(s, true, false)
			b := []int32{tk.BOS()}
			if s != "" {
				b = tk.spmMerge(st, []byte("\u2581"+strings.ReplaceAll(s, " ", "\u2581")), b)
			}
			if !slices.Equal(a, b) {
				t.Errorf("%s %q: split %v, whole %v", name, s, a, b)
			}
		}
	}
}

// TestInvalidUTF8 checks that broken input never panics and that
// SentencePiece keeps every byte.
func TestInvalidUTF8(t *testing.T) {
	inputs := []string{"\xff", "a\xc3", "\xe2\x96", "\xed\xa0\x80x", "\xf4\x90\x80\x80", "\xc0\x80", "x\x80\x80y", "\xf8\x88\x80\x80\x80"}
	for _, name := range vocabNames {
		tk := loadVocab(t, name)
		for _, s := range inputs {
			ids := tk.Encode(s, true, true)
			for _, id := range ids {
				if id < 0 || int(id) >= tk.VocabSize() {
					t.Errorf("%s %q: id %d out of range", name, s, id)
				}
			}
			if tk.Kind() == KindSPM {
				var b []byte
				for _, id := range ids {
					b = tk.AppendPiece(b, id, false)
				}
				if !bytes.Equal(b, []byte(" "+s)) {
					t.Errorf("%s %q: pieces give %q", name, s, b)
				}
			}
		}
	}
}

// TestLoadErrors checks that malformed vocabularies are refused with an
// error.
func TestLoadErrors(t *testing.T) {
	base := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "tokenizer.ggml.model", Value: gguf.String("gpt2")},
		{Key: "tokenizer.ggml.pre", Value: gguf.String("gpt-2")},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Strings([]string{"a", "b", "ab"})},
		{Key: "tokenizer.ggml.merges", Value: gguf.Strings([]string{"a b"})},
	}
	with := func(kvs ...gguf.KV) []gguf.KV {
		out := append([]gguf.KV(nil), base...)
		for _, kv := range kvs {
			replaced := false
			for i := range out {
				if out[i].Key == kv.Key {
					out[i], replaced = kv, true
				}
			}
			if !replaced {
				out = append(out, kv)
			}
		}
		return out
	}
	tests := []struct {
		name string
		kvs  []gguf.KV
		ok   bool
	}{
		{"valid", base, true},
		{"no model", []gguf.KV{{Key: "general.architecture", Value: gguf.String("llama")}}, false},
		{"unknown model", with(gguf.KV{Key: "tokenizer.ggml.model", Value: gguf.String("nonesuch")}), false},
		{"unknown pre", with(gguf.KV{Key: "tokenizer.ggml.pre", Value: gguf.String("nonesuch")}), false},
		{"no merges", base[:4], false},
		{"duplicate token", with(gguf.KV{Key: "tokenizer.ggml.tokens", Value: gguf.Strings([]string{"a", "a"})}), false},
		{"short scores", with(gguf.KV{Key: "tokenizer.ggml.scores", Value: gguf.Float32s([]float32{0})}), false},
		{"short types", with(gguf.KV{Key: "tokenizer.ggml.token_type", Value: gguf.Int32s([]int32{1, 1})}), false},
		{"bad type array", with(gguf.KV{Key: "tokenizer.ggml.token_type", Value: gguf.Strings([]string{"x", "y", "z"})}), false},
		{"tokens not strings", with(gguf.KV{Key: "tokenizer.ggml.tokens", Value: gguf.Int32s([]int32{1})}), false},
		{"add_bos without bos", with(gguf.KV{Key: "tokenizer.ggml.add_bos_token", Value: gguf.Bool(true)}), false},
		{"bos out of range ignored", with(gguf.KV{Key: "tokenizer.ggml.bos_token_id", Value: gguf.Uint32(99)}), true},
		{"bad bool", with(gguf.KV{Key: "tokenizer.ggml.add_bos_token", Value: gguf.Uint32(1)}), false},
	}
	for _, tc := range tests {
		f := buildGGUF(t, tc.kvs)
		tk, err := Load(f)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err = %v", tc.name, err)
			continue
		}
		if err == nil {
			if got := tk.Encode("ab", false, false); !slices.Equal(got, []int32{2}) {
				t.Errorf("%s: Encode(ab) = %v", tc.name, got)
			}
		}
	}
	if _, err := Load(buildGGUF(t, []gguf.KV{{Key: "tokenizer.ggml.model", Value: gguf.String("none")}})); !errors.Is(err, ErrNoVocab) {
		t.Errorf("model none: %v, want ErrNoVocab", err)
	}
}

// buildGGUF makes an in-memory GGUF file with the given metadata.
func buildGGUF(t testing.TB, kvs []gguf.KV) *gguf.File {
	t.Helper()
	data, err := gguf.Marshal(kvs, nil, nil)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	f, err := gguf.Parse(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

// TestConcurrentEncode checks that concurrent calls (sharing the pooled
// states and their caches) agree with sequential ones.
func TestConcurrentEncode(t *testing.T) {
	tk := loadVocab(t, "llama-bpe")
	cases := readCases(t, "llama-bpe")
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for n := 0; n < 20; n++ {
				for _, c := range cases {
					if got := tk.Encode(c.text, false, false); !slices.Equal(got, c.ids) {
						done <- errors.New("mismatch on " + c.text)
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestTokenTypes checks the stored types and the attributes derived from
// them.
func TestTokenTypes(t *testing.T) {
	tk := loadVocab(t, "llama-spm")
	tests := []struct {
		text string
		typ  TokenType
		attr Attr
	}{
		{"<unk>", TypeUnknown, AttrUnknown},
		{"<s>", TypeControl, AttrControl},
		{"<0x0A>", TypeByte, AttrByte},
		{"▁Hello", TypeNormal, AttrNormal},
	}
	for _, tc := range tests {
		id, _ := tk.TokenID(tc.text)
		if tk.TokenType(id) != tc.typ || tk.TokenAttr(id) != tc.attr {
			t.Errorf("%q: type %d attr %#x, want %d %#x", tc.text, tk.TokenType(id), tk.TokenAttr(id), tc.typ, tc.attr)
		}
	}
	if tk.TokenType(-1) != -1 || tk.TokenAttr(1<<30) != 0 || tk.TokenText(-5) != "" {
		t.Error("invalid ids should give -1, 0 and \"\"")
	}
	// Phi-3 gets RSTRIP on its chat markers but not on BOS.
	p := loadVocab(t, "phi-3")
	user, _ := p.TokenID("<|user|>")
	bos, _ := p.TokenID("<s>")
	if p.TokenAttr(user)&AttrRStrip == 0 || p.TokenAttr(bos)&AttrRStrip != 0 {
		t.Errorf("phi-3 RSTRIP: <|user|> %#x, <s> %#x", p.TokenAttr(user), p.TokenAttr(bos))
	}
}
