package grammar

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// syntheticVocab makes a byte-level BPE-like vocabulary of n pieces, shaped
// like Llama 3's (measured on its 128000 pieces: 6.5 bytes on average, 76%
// ASCII, 45% with a leading space, 56% letters only, 1% with a '"', 1%
// not valid UTF-8): the 256 single bytes, JSON and code punctuation runs,
// numbers, ASCII words with and without a leading space or capital,
// non-ASCII words and characters (some cut inside a character), and word
// merges. The last piece is empty (a control token).
func syntheticVocab(n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	seen := map[string]bool{}
	var out [][]byte
	add := func(s string) {
		if len(out) < n-1 && s != "" && !seen[s] {
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
		"lo", "ma", "ne", "on", "or", "ra", "re", "ri", "se", "st", "ta", "te", "th", "to", "un", "ve",
		"ing", "tion", "str", "ch", "ou", "ly", "ed", "pr", "qu", "sh"}
	word := func() string {
		var w strings.Builder
		for k := 1 + rng.IntN(3); k > 0; k-- {
			w.WriteString(syll[rng.IntN(len(syll))])
		}
		return w.String()
	}
	punct := []byte("{}[]()\"':;,.!?-_=+*/\\<>#@$%&|~` \n\t")
	chars := [][]rune{
		[]rune("éèàüñçøßöäåáíóú"),                // accents inside latin words
		[]rune("абвгдежзийклмнопрстуфхцчшщыэюя"), // Cyrillic words
		[]rune("日本語中文字人大年一国会事出時行見月後前生"),          // CJK runs
		[]rune("あいうえおかきくけこさしすせそカタナ한국어"),
		[]rune("😀🚀🙏€→…"),
	}
	for tries := 0; len(out) < n-1 && tries < 100*n; tries++ {
		var s string
		switch k := rng.IntN(100); {
		case k < 62: // ASCII words
			s = word()
			switch rng.IntN(10) {
			case 0, 1, 2, 3, 4:
				s = " " + s
			case 5:
				s = " " + strings.ToUpper(s[:1]) + s[1:]
			case 6:
				s = strings.ToUpper(s[:1]) + s[1:]
			case 7:
				s += word()
			}
		case k < 69: // punctuation and code runs
			var b []byte
			for j := 2 + rng.IntN(3); j > 0; j-- {
				c := punct[rng.IntN(len(punct))]
				if c == '"' && rng.IntN(3) > 0 {
					c = '.'
				}
				b = append(b, c)
			}
			s = string(b)
		case k < 94: // non-ASCII
			set := chars[rng.IntN(len(chars))]
			var b strings.Builder
			if rng.IntN(2) == 0 {
				b.WriteByte(' ')
			}
			if &set[0] == &chars[0][0] {
				w := []byte(word())
				i := rng.IntN(len(w))
				b.Write(w[:i])
				b.WriteRune(set[rng.IntN(len(set))])
				b.Write(w[i:])
			} else {
				for j := 1 + rng.IntN(3); j > 0; j-- {
					b.WriteRune(set[rng.IntN(len(set))])
				}
			}
			s = b.String()
			if rng.IntN(25) == 0 { // cut inside a character
				s = s[:len(s)-1]
			}
		default: // merges
			s = word() + string(punct[rng.IntN(len(punct))]) + word()
			if rng.IntN(2) == 0 {
				s = " " + s
			}
		}
		add(s)
	}
	if len(out) < n-1 {
		panic("syntheticVocab: cannot make enough distinct pieces")
	}
	return append(out, nil)
}
