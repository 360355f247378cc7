package grammar

import (
	"os"
	"sync"
	"testing"
)

// benchVocabSize is Llama 3's vocabulary size.
const benchVocabSize = 128256

var (
	benchOnce   sync.Once
	benchPieces [][]byte
	benchJSON   *Grammar
	benchFilter *TokenFilter
	benchEOG    int

	sinkBits []uint64
	sinkBool bool
)

func benchSetup(b *testing.B) {
	benchOnce.Do(func() {
		src, err := os.ReadFile("testdata/json.gbnf")
		if err != nil {
			panic(err)
		}
		benchJSON = MustParse(string(src))
		benchPieces = syntheticVocab(benchVocabSize, 99)
		benchEOG = len(benchPieces) - 1
		benchFilter, err = NewTokenFilter(benchJSON, benchPieces, []int{benchEOG})
		if err != nil {
			panic(err)
		}
	})
}

// benchPositions are prefixes of a JSON document at which the mask is
// measured.
var benchPositions = []struct{ name, prefix string }{
	{"start", ``},
	{"key", `{"na`},
	{"value", `{"name": `},
	{"string", `{"name": "Jo`},
	{"number", `{"n": 12`},
	{"after-value", `{"a": [1, 2], "b": true`},
}

// BenchmarkMask measures a whole-vocabulary mask by the trie walk (the
// per-position cache off), with the lazy DFA already built for the
// position: the steady state of a long generation.
func BenchmarkMask(b *testing.B) {
	benchSetup(b)
	for _, pos := range benchPositions {
		b.Run(pos.name, func(b *testing.B) {
			st := benchJSON.NewState()
			if err := st.AdvanceString(pos.prefix); err != nil {
				b.Fatal(err)
			}
			bits := make([]uint64, benchFilter.MaskWords())
			benchFilter.MaskUncached(st, bits) // warm the transitions
			allowed := 0
			for id := range benchPieces {
				if bit(bits, id) {
					allowed++
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				benchFilter.MaskUncached(st, bits)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchVocabSize, "ns/token")
			b.ReportMetric(float64(allowed), "allowed")
			sinkBits = bits
		})
	}
}

// BenchmarkMaskCached measures Mask at a position whose mask is cached.
func BenchmarkMaskCached(b *testing.B) {
	benchSetup(b)
	st := benchJSON.NewState()
	if err := st.AdvanceString(`{"name": "Jo`); err != nil {
		b.Fatal(err)
	}
	bits := make([]uint64, benchFilter.MaskWords())
	benchFilter.Mask(st, bits)
	b.ReportAllocs()
	for b.Loop() {
		benchFilter.Mask(st, bits)
	}
	sinkBits = bits
}

// BenchmarkMaskCold measures the first mask of a fresh State, which builds
// the lazy DFA for every trie prefix it meets.
func BenchmarkMaskCold(b *testing.B) {
	benchSetup(b)
	bits := make([]uint64, benchFilter.MaskWords())
	b.ReportAllocs()
	for b.Loop() {
		st := benchJSON.NewState()
		st.AdvanceString(`{"name": "Jo`)
		benchFilter.MaskUncached(st, bits)
	}
	sinkBits = bits
}

// BenchmarkAllowed measures checking one sampled token (llama.cpp's
// try-the-pick-first path).
func BenchmarkAllowed(b *testing.B) {
	benchSetup(b)
	st := benchJSON.NewState()
	if err := st.AdvanceString(`{"name": "Jo`); err != nil {
		b.Fatal(err)
	}
	id := -1
	for i, p := range benchPieces {
		if string(p) == "hn" || string(p) == "an" {
			id = i
			break
		}
	}
	benchFilter.Allowed(st, id)
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = benchFilter.Allowed(st, id)
	}
}

// tokenize splits text into vocabulary pieces by greedy longest match.
func tokenize(text string, pieces [][]byte) []int {
	byPiece := map[string]int{}
	maxLen := 0
	for id, p := range pieces {
		if len(p) > 0 {
			byPiece[string(p)] = id
			maxLen = max(maxLen, len(p))
		}
	}
	var ids []int
	for i := 0; i < len(text); {
		for n := min(maxLen, len(text)-i); n > 0; n-- {
			if id, ok := byPiece[text[i:i+n]]; ok {
				ids = append(ids, id)
				i += n
				break
			}
		}
	}
	return ids
}

// BenchmarkGenerate measures the grammar's share of a generation step,
// Mask then Accept, averaged over the tokens of a JSON document, with the
// caches warm (the document is generated again and again).
func BenchmarkGenerate(b *testing.B) {
	benchSetup(b)
	doc := `{"name": "Ada Lovelace", "born": 1815, "tags": ["math", "poetry", "日本"], ` +
		`"works": [{"title": "Notes", "year": 1843, "pages": 65.5}], "alive": false, "spouse": null}`
	ids := tokenize(doc, benchPieces)
	st := benchJSON.NewState()
	bits := make([]uint64, benchFilter.MaskWords())
	run := func(mask bool) {
		st.Reset()
		for _, id := range ids {
			if mask {
				benchFilter.Mask(st, bits)
			} else if !benchFilter.Allowed(st, id) {
				b.Fatal("token refused")
			}
			if err := benchFilter.Accept(st, id); err != nil {
				b.Fatal(err)
			}
		}
		if !st.CanEnd() {
			b.Fatal("document incomplete")
		}
	}
	for _, mode := range []struct {
		name string
		mask bool
	}{{"mask+accept", true}, {"allowed+accept", false}} {
		b.Run(mode.name, func(b *testing.B) {
			run(mode.mask)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run(mode.mask)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ids)), "ns/step")
			b.ReportMetric(float64(len(ids)), "tokens")
		})
	}
	sinkBits = bits
}

// BenchmarkNewTokenFilter measures building the vocabulary trie.
func BenchmarkNewTokenFilter(b *testing.B) {
	benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		f, err := NewTokenFilter(benchJSON, benchPieces, []int{benchEOG})
		if err != nil {
			b.Fatal(err)
		}
		sinkBool = f != nil
	}
}

// BenchmarkCompileSchema measures compiling a JSON Schema to a Grammar.
func BenchmarkCompileSchema(b *testing.B) {
	schema := []byte(`{"type":"object","properties":{"name":{"type":"string","maxLength":40},` +
		`"age":{"type":"integer","minimum":0,"maximum":150},"email":{"type":"string","pattern":"^[a-z.]+@[a-z]+\\.com$"},` +
		`"tags":{"type":"array","items":{"enum":["a","b","c"]},"maxItems":5},"born":{"type":"string","format":"date"}},` +
		`"required":["name","age"]}`)
	b.ReportAllocs()
	for b.Loop() {
		g, err := CompileJSONSchema(schema, nil)
		if err != nil {
			b.Fatal(err)
		}
		sinkBool = g != nil
	}
}
