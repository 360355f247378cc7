package tokenizer

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// A small backtracking regular-expression matcher (ordered alternation,
// greedy quantifiers, negative look-ahead: the ECMAScript semantics of
// std::regex) serves as the oracle for the hand-written pre-tokenizers. It
// is exponential in the worst case and only fit for short test strings.

// rx tries to match at i and calls k with every possible end, in priority
// order, until k accepts.
type rx func(s []rune, i int, k func(int) bool) bool

func cls(pred func(rune) bool) rx {
	return func(s []rune, i int, k func(int) bool) bool {
		return i < len(s) && pred(s[i]) && k(i+1)
	}
}

func lit(c rune) rx { return cls(func(r rune) bool { return r == c }) }

func seq(rs ...rx) rx {
	if len(rs) == 0 {
		return func(s []rune, i int, k func(int) bool) bool { return k(i) }
	}
	return func(s []rune, i int, k func(int) bool) bool {
		return rs[0](s, i, func(j int) bool { return seq(rs[1:]...)(s, j, k) })
	}
}

func alt(rs ...rx) rx {
	return func(s []rune, i int, k func(int) bool) bool {
		for _, r := range rs {
			if r(s, i, k) {
				return true
			}
		}
		return false
	}
}

func opt(r rx) rx {
	return func(s []rune, i int, k func(int) bool) bool { return r(s, i, k) || k(i) }
}

func star(r rx) rx {
	var self rx
	self = func(s []rune, i int, k func(int) bool) bool {
		return r(s, i, func(j int) bool { return j > i && self(s, j, k) }) || k(i)
	}
	return self
}

func plus(r rx) rx { return seq(r, star(r)) }

// upTo is r{1,n}, greedy.
func upTo(r rx, n int) rx {
	if n == 1 {
		return r
	}
	return seq(r, opt(upTo(r, n-1)))
}

func notAhead(r rx) rx {
	return func(s []rune, i int, k func(int) bool) bool {
		return !r(s, i, func(int) bool { return true }) && k(i)
	}
}

func atEnd() rx {
	return func(s []rune, i int, k func(int) bool) bool { return i == len(s) && k(i) }
}

// rxSplit splits s as llama.cpp's regex_iterator loop does: matches and the
// text between them become pieces.
func rxSplit(r rx, s []rune) [][]rune {
	var out [][]rune
	gap := 0
	for i := 0; i < len(s); {
		end := -1
		r(s, i, func(j int) bool { end = j; return true })
		if end <= i {
			i++
			continue
		}
		if i > gap {
			out = append(out, s[gap:i])
		}
		out = append(out, s[i:end])
		gap, i = end, end
	}
	if gap < len(s) {
		out = append(out, s[gap:])
	}
	return out
}

func rxSplitAll(rs []rx, s []rune) [][]rune {
	frags := [][]rune{s}
	for _, r := range rs {
		var next [][]rune
		for _, f := range frags {
			next = append(next, rxSplit(r, f)...)
		}
		frags = next
	}
	return frags
}

var (
	rxWS     = cls(isWhitespace)
	rxL      = cls(isLetter)
	rxN      = cls(isNumber)
	rxP      = cls(isPunct)
	rxNotLNW = cls(func(c rune) bool { return !isLetter(c) && !isNumber(c) && !isWhitespace(c) })
	rxNonWS  = cls(func(c rune) bool { return !isWhitespace(c) })
	rxCRLF   = cls(isCRLF)
)

func rxWord(w string) rx {
	var rs []rx
	for _, c := range w {
		rs = append(rs, lit(c))
	}
	return seq(rs...)
}

// contractions is 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive.
func contractions(fold bool) rx {
	var alts []rx
	for _, w := range []string{"s", "t", "re", "ve", "m", "ll", "d"} {
		var rs []rx
		rs = append(rs, lit('\''))
		for _, c := range w {
			if fold {
				u := c - 'a' + 'A'
				rs = append(rs, cls(func(r rune) bool { return r == c || r == u }))
			} else {
				rs = append(rs, lit(c))
			}
		}
		alts = append(alts, seq(rs...))
	}
	return alt(alts...)
}

var (
	rxGPT2 = alt(contractions(false), seq(opt(lit(' ')), plus(rxL)), seq(opt(lit(' ')), plus(rxN)),
		seq(opt(lit(' ')), plus(rxNotLNW)), seq(plus(rxWS), notAhead(rxNonWS)))
	rxLlama3 = func(digits int) rx {
		return alt(contractions(true),
			seq(opt(cls(func(c rune) bool { return c != '\r' && c != '\n' && !isLetter(c) && !isNumber(c) })), plus(rxL)),
			upTo(rxN, digits),
			seq(opt(lit(' ')), plus(rxNotLNW), star(rxCRLF)),
			seq(star(rxWS), plus(rxCRLF)),
			seq(plus(rxWS), notAhead(rxNonWS)),
			plus(rxWS))
	}
	rxDigit3 = seq(cls(isASCIIDigit), cls(isASCIIDigit), cls(isASCIIDigit))
)

func isASCIIDigit(c rune) bool { return c >= '0' && c <= '9' }

// oracles holds the expressions of each pre-tokenizer, transcribed from
// llama.cpp.
var oracles = map[string][]rx{
	"gpt-2":          {rxGPT2},
	"llama-bpe":      {rxLlama3(3)},
	"qwen2":          {rxLlama3(1)},
	"starcoder":      {rxN, rxGPT2},
	"falcon":         {plus(cls(isFalconPunct)), rxGPT2, rxDigit3},
	"default":        {plus(cls(isDefaultPunct)), rxGPT2, plus(rxN), rxDigit3},
	"deepseek-coder": {rxCRLF, seq(opt(rxWS), plus(rxL)), seq(opt(rxWS), plus(rxP)), plus(cls(isDeepseekCJK)), rxN},
	"bloom":          {seq(opt(lit(' ')), plus(cls(isBloomWordChar)))},
	"viking":         {seq(opt(lit(' ')), plus(cls(isBloomWordChar))), rxN},
	"deepseek-llm": {rxCRLF, seq(opt(rxWS), plus(cls(isDeepseekLetter))), seq(opt(rxWS), plus(cls(isDeepseekPunct))),
		seq(plus(rxWS), atEnd()), plus(cls(isDeepseekCJK)), plus(rxN)},
}

// testAlphabet covers every class the expressions distinguish.
var testAlphabet = []rune{' ', ' ', ' ', '\t', '\n', '\r', 'a', 'Z', 's', 't', 'S', 'T', 'r', 'e', 'v', 'l', 'L',
	'm', 'd', 'D', '\'', '\'', 'é', 'ж', 'Ω', 'ǅ', '中', 'カ', '가', 'ก', '1', '2', '3', '٣', '²', 'Ⅻ', '.', ',', '!',
	'?', '$', '+', '<', '~', '`', '|', '^', '(', '😀', '\u00a0', '\u3000', '\u2028', '\u0085', '\u200d', '\u0301',
	0, '￥', '！', '。', '‘', '…', '，', '।', '،', '\u0b95', 'µ', 'ℏ', 'Ｋ', 0xE000, 0x0378}

func randomText(r *rand.Rand, maxLen int) []rune {
	s := make([]rune, r.IntN(maxLen+1))
	for i := range s {
		s[i] = testAlphabet[r.IntN(len(testAlphabet))]
	}
	return s
}

// TestPreTokenizersAgainstRegex compares each pre-tokenizer with its
// expressions on random strings.
func TestPreTokenizersAgainstRegex(t *testing.T) {
	initUnicode()
	r := rand.New(rand.NewPCG(7, 8))
	for name, rs := range oracles {
		t.Run(name, func(t *testing.T) {
			pre := preTokenizers[name].split
			for n := 0; n < 3000; n++ {
				s := randomText(r, 24)
				want := rxSplitAll(rs, s)
				text := string(s)
				lens, _ := pre.run(text, nil, nil)
				var got [][]rune
				off := 0
				for _, l := range lens {
					got = append(got, []rune(text[off:off+l]))
					off += l
				}
				if !slices.EqualFunc(got, want, slices.Equal) {
					t.Fatalf("%q:\n got %q\nwant %q", text, runesList(got), runesList(want))
				}
			}
		})
	}
}

func runesList(rs [][]rune) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// TestPreTokenizerExamples pins a few splits by hand.
func TestPreTokenizerExamples(t *testing.T) {
	initUnicode()
	tests := []struct {
		pre  string
		text string
		want []string
	}{
		{"gpt-2", "Hello world", []string{"Hello", " world"}},
		{"gpt-2", "I'll  go", []string{"I", "'ll", " ", " go"}},
		{"gpt-2", "a   ", []string{"a", "   "}},
		{"llama-bpe", "12345 abc", []string{"123", "45", " abc"}},
		{"llama-bpe", "x\n\n  y", []string{"x", "\n\n", " ", " y"}},
		{"llama-bpe", "WE'VE", []string{"WE", "'VE"}},
		{"qwen2", "12345", []string{"1", "2", "3", "4", "5"}},
		{"starcoder", "ab12", []string{"ab", "1", "2"}},
		{"falcon", "1234+=x", []string{"123", "4", "+=", "x"}},
		{"deepseek-coder", "a\nb中文1", []string{"a", "\n", "b", "中文", "1"}},
		{"deepseek-llm", "Hi there  ", []string{"Hi", " there", "  "}},
	}
	for _, tc := range tests {
		lens, _ := preTokenizers[tc.pre].split.run(tc.text, nil, nil)
		var got []string
		off := 0
		for _, l := range lens {
			got = append(got, tc.text[off:off+l])
			off += l
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: got %q, want %q", tc.pre, tc.text, got, tc.want)
		}
	}
}
