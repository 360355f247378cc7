package grammar

import (
	"math/rand/v2"
	"strconv"
	"unicode/utf8"
)

// syntheticVocab makes a byte-level BPE-like vocabulary of n pieces: the 256
// single bytes (including bytes that are not valid UTF-8 on their own),
// JSON punctuation runs, numbers, whitespace runs, words with and without a
// leading space, multi-byte characters and pieces of them, and merges of
// all of these. The last piece is empty (a control token).
func syntheticVocab(n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	seen := map[string]bool{}
	var out [][]byte
	add := func(s string) {
		if len(out) < n-1 && !seen[s] {
			seen[s] = true
			out = append(out, []byte(s))
		}
	}
	for b := 0; b < 256; b++ {
		add(string([]byte{byte(b)}))
	}
	for _, s := range []string{"{", "}", "{\"", "\"}", "\":", "\",", "\",\"", "\":\"", "[", "]", "[{",
		"}]", "},{", "\":[", "\"],", " \"", "\n", "\n  ", "\n    ", "  ", "    ", "true", "false", "null",
		" true", " false", " null", "\\n", "\\\"", "\\u00", ".", "-", "e+", "E-", ",\n", ": ", ", ", "} ", "\"\n"} {
		add(s)
	}
	for i := 0; i < 1000; i++ {
		add(strconv.Itoa(i))
	}
	syll := []string{"a", "an", "ar", "be", "ca", "de", "el", "en", "er", "es", "in", "is", "ka", "le",
		"lo", "ma", "ne", "on", "or", "ra", "re", "ri", "se", "st", "ta", "te", "th", "to", "un", "ve"}
	word := func() string {
		w := ""
		for k := 1 + rng.IntN(4); k > 0; k-- {
			w += syll[rng.IntN(len(syll))]
		}
		return w
	}
	multi := []rune("éèàüñçøßαβγδжщ日本語中文字あいうえおカタナ한국😀🚀🙏€")
	for len(out) < n*3/10 {
		w := word()
		switch rng.IntN(6) {
		case 0:
			w = " " + w
		case 1:
			w = "\"" + w
		case 2:
			w = " " + string(w[0]-32) + w[1:]
		case 3:
			w += "\""
		}
		add(w)
	}
	for len(out) < n*4/10 {
		r := multi[rng.IntN(len(multi))]
		s := string(r)
		switch rng.IntN(4) {
		case 0: // a piece of a multi-byte character
			s = s[:1+rng.IntN(len(s))]
		case 1:
			s += string(multi[rng.IntN(len(multi))])
		case 2:
			s = " " + s
		}
		add(s)
	}
	// Merges: BPE vocabularies are mostly concatenations of shorter pieces.
	for len(out) < n-1 {
		a := out[rng.IntN(len(out))]
		b := out[rng.IntN(len(out))]
		if len(a)+len(b) > 24 || !utf8.Valid(a) && rng.IntN(4) > 0 {
			continue
		}
		add(string(a) + string(b))
	}
	return append(out, nil)
}
