package tokenizer

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The vocabularies of llama.cpp's tokenizer tests, with the expected token
// ids made by the Hugging Face tokenizers (.inp/.out, add_special and
// parse_special off) and by libllama (.special.json, both on).
var vocabNames = []string{
	"bert-bge", "deepseek-coder", "deepseek-llm", "falcon", "gpt-2", "llama-bpe",
	"llama-spm", "mpt", "phi-3", "qwen2", "refact", "starcoder",
}

var (
	vocabMu    sync.Mutex
	vocabCache = map[string]*Tokenizer{}
)

// loadVocab loads testdata/ggml-vocab-<name>.gguf once per test binary.
func loadVocab(t testing.TB, name string) *Tokenizer {
	t.Helper()
	vocabMu.Lock()
	defer vocabMu.Unlock()
	if tk, ok := vocabCache[name]; ok {
		return tk
	}
	tk, err := LoadFile(filepath.Join("testdata", "ggml-vocab-"+name+".gguf"))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	vocabCache[name] = tk
	return tk
}

type vocabCase struct {
	text string
	ids  []int32
}

// readCases parses the .inp/.out pair of a vocabulary.
func readCases(t testing.TB, name string) []vocabCase {
	t.Helper()
	base := filepath.Join("testdata", "ggml-vocab-"+name+".gguf")
	inp, err := os.ReadFile(base + ".inp")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(base + ".out")
	if err != nil {
		t.Fatal(err)
	}
	texts := strings.Split(string(inp), "\n__ggml_vocab_test__\n")
	if texts[len(texts)-1] != "" {
		t.Fatalf("%s.inp does not end with the separator", name)
	}
	texts = texts[:len(texts)-1]
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%s: %d inputs, %d outputs", name, len(texts), len(lines))
	}
	cases := make([]vocabCase, len(texts))
	for i, line := range lines {
		cases[i].text = texts[i]
		cases[i].ids = []int32{}
		for _, f := range strings.Fields(line) {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("%s.out line %d: %v", name, i+1, err)
			}
			cases[i].ids = append(cases[i].ids, int32(v))
		}
	}
	return cases
}

type specialCase struct {
	Case         string   `json:"case"`
	Text         string   `json:"text"`
	AddSpecial   bool     `json:"add_special"`
	ParseSpecial bool     `json:"parse_special"`
	IDs          []int32  `json:"ids"`
	PiecesHex    []string `json:"pieces_hex"`
	Detokenized  *string  `json:"detokenized"`
}

func readSpecial(t testing.TB, name string) []specialCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ggml-vocab-"+name+".special.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []specialCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s.special.json has no cases", name)
	}
	return cases
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestVocabFixtures checks every .inp/.out case of every vocabulary.
func TestVocabFixtures(t *testing.T) {
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			tk := loadVocab(t, name)
			cases := readCases(t, name)
			if len(cases) != 46 {
				t.Errorf("%d cases, want 46", len(cases))
			}
			pass := 0
			for i, c := range cases {
				got := tk.Encode(c.text, false, false)
				if !equalIDs(got, c.ids) {
					t.Errorf("case %d %q:\n got %v\nwant %v", i, c.text, got, c.ids)
					continue
				}
				pass++
			}
			t.Logf("%s: %d/%d", name, pass, len(cases))
		})
	}
}

// TestSpecialFixtures checks the libllama tokenizations with special tokens,
// the pieces and the detokenized text.
func TestSpecialFixtures(t *testing.T) {
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			tk := loadVocab(t, name)
			for _, c := range readSpecial(t, name) {
				got := tk.Encode(c.Text, c.AddSpecial, c.ParseSpecial)
				if !equalIDs(got, c.IDs) {
					t.Errorf("%s %q:\n got %v\nwant %v", c.Case, c.Text, got, c.IDs)
					continue
				}
				if len(c.PiecesHex) != len(c.IDs) {
					t.Fatalf("%s: %d pieces for %d ids", c.Case, len(c.PiecesHex), len(c.IDs))
				}
				for i, id := range c.IDs {
					if p := hex.EncodeToString(tk.Piece(id, true)); p != c.PiecesHex[i] {
						t.Errorf("%s: piece of %d = %s, want %s", c.Case, id, p, c.PiecesHex[i])
					}
				}
				if c.Detokenized == nil {
					continue
				}
				if d := tk.Detokenize(c.IDs, false, true); d != *c.Detokenized {
					t.Errorf("%s: detokenized %q, want %q", c.Case, d, *c.Detokenized)
				}
				// Where llama.cpp gives the input back, so must we.
				if *c.Detokenized == c.Text {
					if d := tk.Detokenize(tk.Encode(c.Text, c.AddSpecial, c.ParseSpecial), false, true); d != c.Text {
						t.Errorf("%s: round trip %q, want %q", c.Case, d, c.Text)
					}
				}
			}
		})
	}
}
