package tokenizer

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gollm/gollm/gguf"
)

var benchSink []int32

var benchWords = strings.Fields(`the of and to a in is it you that he was for on are with as I his they be at
one have this from or had by hot word but what some we can out other were all there when up use your how said
an each she which do their time if will way about many then them write would like so these her long make thing
see him two has look more day could go come did number sound no most people my over know water than call first
who may down side been now find any new work part take get place made live where after back little only round man
year came show every good me give our under name very through just form sentence great think say help low line
differ turn cause much mean before move right boy old too same tell does set three want air well also play small
end put home read hand port large spell add even land here must big high such follow act why ask men change went
light kind off need house picture try us again animal point mother world near build self earth father don't it's
we're they've I'll she'd isn't won't model token GGUF llama quantized inference matrix kernel`)

// englishText returns about size bytes of deterministic English-like prose:
// sentences of common words with punctuation, numbers and paragraphs.
func englishText(size int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.Grow(size + 256)
	for b.Len() < size {
		n := 5 + r.IntN(14)
		for i := 0; i < n; i++ {
			w := benchWords[r.IntN(len(benchWords))]
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			switch r.IntN(20) {
			case 0:
				b.WriteByte(',')
			case 1:
				b.WriteString(" " + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10))))
			}
		}
		switch r.IntN(10) {
		case 0:
			b.WriteString("?")
		case 1:
			b.WriteString("!")
		default:
			b.WriteString(".")
		}
		if r.IntN(8) == 0 {
			b.WriteString("\n\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// cjkText returns about size bytes of Chinese, Japanese, Korean and emoji
// text: the non-ASCII fixture inputs and random ideographs, kana, hangul and
// emoji.
func cjkText(tb testing.TB, size int) string {
	var seeds []string
	for _, c := range readCases(tb, "llama-bpe") {
		if utf8.RuneCountInString(c.text) < len(c.text) {
			seeds = append(seeds, c.text)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	ranges := [][2]rune{{0x4E00, 0x9FA5}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0xAC00, 0xD7A3}, {0x1F600, 0x1F64F}, {0x1F300, 0x1F5FF}}
	var b strings.Builder
	b.Grow(size + 256)
	for b.Len() < size {
		if r.IntN(4) == 0 {
			b.WriteString(seeds[r.IntN(len(seeds))])
			continue
		}
		rg := ranges[r.IntN(len(ranges))]
		for i := 2 + r.IntN(12); i > 0; i-- {
			b.WriteRune(rg[0] + rune(r.IntN(int(rg[1]-rg[0]+1))))
		}
		switch r.IntN(6) {
		case 0:
			b.WriteString("。")
		case 1:
			b.WriteString("、")
		case 2:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func benchEncode(b *testing.B, vocab, text string) {
	tk := loadVocab(b, vocab)
	tk.Encode(text, false, false) // warm the word cache, as a long-running process would be
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	tokens := 0
	for i := 0; i < b.N; i++ {
		benchSink = tk.Encode(text, false, false)
		tokens += len(benchSink)
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkEncodeEnglish1MB(b *testing.B) {
	text := englishText(1 << 20)
	for _, v := range []string{"llama-bpe", "gpt-2", "qwen2", "llama-spm"} {
		b.Run(v, func(b *testing.B) { benchEncode(b, v, text) })
	}
}

func BenchmarkEncodeCJK100KB(b *testing.B) {
	text := cjkText(b, 100<<10)
	for _, v := range []string{"llama-bpe", "gpt-2", "qwen2", "llama-spm"} {
		b.Run(v, func(b *testing.B) { benchEncode(b, v, text) })
	}
}

// BenchmarkEncodeEnglishCold measures the first pass over a text, with an
// empty word cache.
func BenchmarkEncodeEnglishCold(b *testing.B) {
	text := englishText(1 << 20)
	for _, v := range []string{"llama-bpe", "gpt-2"} {
		b.Run(v, func(b *testing.B) {
			tk := loadVocab(b, v)
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				tk.putState(&encodeState{cache: make(map[string]uint64)})
				benchSink = tk.Encode(text, false, false)
			}
		})
	}
}

// BenchmarkLoad measures reading a vocabulary from an open GGUF file
// (metadata parsing excluded).
func BenchmarkLoad(b *testing.B) {
	for _, v := range []string{"llama-bpe", "qwen2", "llama-spm"} {
		b.Run(v, func(b *testing.B) {
			f, err := gguf.Open(filepath.Join("testdata", "ggml-vocab-"+v+".gguf"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			for i := 0; i < b.N; i++ {
				tk, err := Load(f)
				if err != nil {
					b.Fatal(err)
				}
				benchSink = []int32{int32(tk.VocabSize())}
			}
		})
	}
}

// BenchmarkOpenAndLoad includes opening the file and parsing its metadata.
func BenchmarkOpenAndLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		tk, err := LoadFile(filepath.Join("testdata", "ggml-vocab-llama-bpe.gguf"))
		if err != nil {
			b.Fatal(err)
		}
		benchSink = []int32{int32(tk.VocabSize())}
	}
}

// BenchmarkEncodeParseSpecial measures the special-token pass on text that
// contains chat markers (Llama 3 has 256 special tokens).
func BenchmarkEncodeParseSpecial(b *testing.B) {
	turn := "<|start_header_id|>user<|end_header_id|>\n\n" + englishText(2000) + "<|eot_id|>"
	text := strings.Repeat(turn, (1<<20)/len(turn))
	tk := loadVocab(b, "llama-bpe")
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		benchSink = tk.Encode(text, true, true)
	}
}

// BenchmarkEncodeLongWord encodes 256 KB without any split point: one huge
// pre-tokenizer word (BPE), one space-less SentencePiece run, one WordPiece
// word. The merge loops are O(n log n), the greedy WordPiece match O(n).
func BenchmarkEncodeLongWord(b *testing.B) {
	const n = 256 << 10
	letters := strings.Repeat("abcdefghij", n/10)
	cjk := strings.Repeat("我想在工作天", n/18)
	for _, tc := range []struct{ vocab, name, text string }{
		{"llama-bpe", "letters", letters},
		{"gpt-2", "letters", letters},
		{"llama-spm", "letters", letters},
		{"llama-spm", "cjk", cjk},
		{"bert-bge", "letters", letters},
	} {
		b.Run(tc.vocab+"/"+tc.name, func(b *testing.B) {
			tk := loadVocab(b, tc.vocab)
			b.SetBytes(int64(len(tc.text)))
			for i := 0; i < b.N; i++ {
				benchSink = tk.Encode(tc.text, false, false)
			}
		})
	}
}
