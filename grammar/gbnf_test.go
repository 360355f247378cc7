package grammar

import (
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// matches reports whether st, reset, accepts text as a complete string.
func matches(st *State, text string) bool {
	st.Reset()
	return st.AdvanceString(text) == nil && st.CanEnd()
}

func mustParse(t testing.TB, src string) *Grammar {
	t.Helper()
	g, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return g
}

// checkStrings asserts that g accepts every string of good and none of bad,
// and that every prefix of a good string is accepted as a prefix.
func checkStrings(t *testing.T, g *Grammar, good, bad []string) {
	t.Helper()
	st := g.NewState()
	for _, s := range good {
		if !matches(st, s) {
			t.Errorf("rejected %q", s)
			continue
		}
		for i := 0; i <= len(s); i++ {
			st.Reset()
			if !st.Accepts([]byte(s[:i])) {
				t.Errorf("prefix %q of %q rejected", s[:i], s)
				break
			}
		}
	}
	for _, s := range bad {
		if matches(st, s) {
			t.Errorf("accepted %q", s)
		}
	}
}

func TestFixtureGrammars(t *testing.T) {
	tests := []struct {
		name      string
		good, bad []string
	}{
		{"arithmetic",
			[]string{"1+2=3\n", "(a +b)*c= 42\n", "x=y\nz=1\n", "foo_1 = 7\n"},
			[]string{"1+2=3", "=3\n", "1++2=3\n", "A=1\n", ""}},
		{"c",
			[]string{"", "int main(){return 0;}", "int f(int x){x = x+1;return x;}",
				"float g(){while(a<b){a = a+1;}}", "char h(){// note\n/* a * b */}"},
			[]string{"int main(){return 0}", "main(){}", "int 1x(){}", "int f(){return 0;", "int f(){a=1;}"}},
		{"chess",
			[]string{"1. e4 e5\n2. Nf3 Nc6\n", "1. O-O-O exd5+\n2. Qxf7# a1=Q\n12. Rb1 h8=N\n"},
			[]string{"1. e4 e5\n", "1. e9 e5\n2. a3 a4\n", "1. Ke4 e5 \n2. a3 a4\n", "0. e4 e5\n2. a3 a4\n"}},
		{"english",
			[]string{"Hello, world! 123", "a\tb\nc", `[x]\{y}`},
			[]string{"hello  world", " x", "café", "", "x "}},
		{"japanese",
			[]string{"こんにちは 世界", "カタカナ、ひらがな。", "日本語"},
			[]string{"abc", "こんにちは  世界", "", "日本 "}},
		{"json",
			[]string{`{}`, `{"a": [1, 2.5e3, true, null], "b": {"c": "d\n\u00e9"}}`,
				"{\n  \"x\": -0.5,\n  \"y\": []\n}", `{"k":"日本 \" \\"}`},
			[]string{`[1]`, `{"a":01x}`, `{"a" 1}`, `{"a":1,}`, `{'a':1}`, `{"a":"\q"}`, "{\"a\":\"\x01\"}"}},
		{"json_arr",
			[]string{"[\n{\"a\": 1},\n\"x\"]", "[\n]", "[\n1,\n2]"},
			[]string{`[1]`, "[\n1]\n", "{}"}},
		{"list",
			[]string{"- apple\n- banana\n", "- x y z\n"},
			[]string{"- \n", "apple\n", "- a\r\n", "", "- a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := os.ReadFile("testdata/" + tt.name + ".gbnf")
			if err != nil {
				t.Fatal(err)
			}
			g := mustParse(t, string(src))
			checkStrings(t, g, tt.good, tt.bad)
			// The printed form parses back to a grammar with the same
			// strings.
			g2 := mustParse(t, g.String())
			checkStrings(t, g2, tt.good, tt.bad)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		msg       string
	}{
		{`root ::= foo`, 1, 10, `undefined rule "foo"`},
		{`foo ::= "a"`, 1, 1, `missing start rule "root"`},
		{`root ::= "abc`, 1, 10, "unterminated string literal"},
		{"root ::= \"ab\nc\"", 1, 10, "unterminated string literal"},
		{`root ::= [abc`, 1, 10, "unterminated character class"},
		{"root ::= \"a\"\nx ::= [a-", 2, 7, "unterminated character class"},
		{`root ::= *`, 1, 10, "repetition operator without a preceding item"},
		{`root ::= "" +`, 1, 13, "repetition operator without a preceding item"},
		{`root ::= "a"{3,2}`, 1, 13, "maximum below its minimum"},
		{`root ::= "a"{x}`, 1, 14, "expected a number"},
		{`root ::= "a"{2`, 1, 15, "expected ',' or '}'"},
		{`root ::= "a"{2,3`, 1, 17, "expected '}'"},
		{`root ::= "a"{100001}`, 1, 14, "larger than"},
		{`root ::= ("a"`, 1, 14, "expected ')' to close the group at 1:10"},
		{`root ::= "a")`, 1, 13, "unexpected ')'"},
		{`root "a"`, 1, 6, "expected ::="},
		{`::= "a"`, 1, 1, "expected a rule name"},
		{`root ::= "\q"`, 1, 11, `unknown escape sequence \q`},
		{`root ::= "\x4"`, 1, 11, "needs 2 hex digits"},
		{`root ::= "\uD800"`, 1, 11, "not a Unicode scalar value"},
		{`root ::= "\U00110000"`, 1, 11, "not a Unicode scalar value"},
		{`root ::= [z-a]`, 1, 11, "reversed"},
		{`root ::= []`, 1, 10, "empty character class"},
		{"root ::= \"a\"\nroot ::= \"b\"", 2, 1, `rule "root" is already defined at 1:1`},
		{`root ::= root "a" | "b"`, 1, 1, `left recursion: rule "root"`},
		{"root ::= x\nx ::= y \"a\"\ny ::= \"\" | x", 2, 1, "left recursion"},
		{`root ::= ("a"?)*`, 1, 16, `left recursion: the group or repetition in rule "root"`},
		{"root ::= x\nx ::= \"a\" x", 1, 1, `rule "root" can never finish`},
		{`root ::= <[12]>`, 1, 10, "token references"},
		{`root ::= "a" $`, 1, 14, `unexpected '$'`},
		{`root ::= "日本" foo`, 1, 15, `undefined rule "foo"`},
		{"\n\n  root ::= \"a\" | b\n", 3, 18, `undefined rule "b"`},
		{"root ::= \"\xff\"", 1, 11, "invalid UTF-8"},
		{`root ::= "a"{1000}{1000}`, 1, 19, "grammar too large"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", tt.src, err)
			continue
		}
		if se.Line != tt.line || se.Column != tt.col || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) = %q, want %d:%d ...%s...", tt.src, err, tt.line, tt.col, tt.msg)
		}
	}
}

func TestGrammarMatching(t *testing.T) {
	tests := []struct {
		src       string
		good, bad []string
	}{
		{`root ::= "a"{2,3}`, []string{"aa", "aaa"}, []string{"a", "aaaa", ""}},
		{`root ::= "ab"{2}`, []string{"abab"}, []string{"ab", "aab", "ababab"}},
		{`root ::= [a-c]{2,}`, []string{"ab", "cccc"}, []string{"a", "abd"}},
		{`root ::= "x"? "y"* "z"+`, []string{"z", "xz", "yyz", "xyzz"}, []string{"x", "xy", "zx", ""}},
		{`root ::= "a"{0}`, []string{""}, []string{"a"}},
		{`root ::= "a" |`, []string{"a", ""}, []string{"aa"}},
		{`root ::= "a" | "ab" | "abc"`, []string{"a", "ab", "abc"}, []string{"b", "abcd"}},
		{"root ::= # leading comment\n  \"a\" # trailing\nx ::= \"unused\"", []string{"a"}, []string{"unused"}},
		{"root ::= (\n  \"a\"\n  | \"b\"\n)", []string{"a", "b"}, []string{"ab"}},
		{"root ::= x |\n  y\nx ::= \"x\"\ny ::= \"y\"", []string{"x", "y"}, []string{"xy"}},
		{"root ::= x\r\nx ::= \"y\"\r\n", []string{"y"}, []string{"x"}},
		{`root ::= "\x41\u00e9\U0001F600\t\"\\\n\r"`, []string{"Aé😀\t\"\\\n\r"}, []string{"A"}},
		{`root ::= [\]\-\\\[]+`, []string{`]-\[`}, []string{"a"}},
		{`root ::= [a-]`, []string{"a", "-"}, []string{"b"}},
		{`root ::= [^a]`, []string{"b", "é", "😀", "\n"}, []string{"a", "", "bb"}},
		{`root ::= .`, []string{"a", "\n", "日", "😀"}, []string{"", "ab"}},
		{`root ::= [^\x00-\x7F]+`, []string{"é日😀"}, []string{"a", "éa"}},
		{`root ::= [ぁ-ゟ]`, []string{"あ", "ゟ"}, []string{"ァ", "ぁぁ"}},
		{`root ::= [\U0001F600-\U0001F64F]`, []string{"😀", "🙏"}, []string{"🚀", "a"}},
		{"root ::= my_rule\nmy_rule ::= \"ok\"", []string{"ok"}, []string{"my_rule"}},
		{"root ::= \"{\" ws \"}\"\nws ::= [ ]{0,2}", []string{"{}", "{ }", "{  }"}, []string{"{   }"}},
		{`root ::= ([a-z] [0-9])+`, []string{"a1", "a1b2"}, []string{"a", "a1b", "1a"}},
		{"root ::= \"(\" root \")\" | \"x\"", []string{"x", "(x)", "(((x)))"}, []string{"(x", "((x)", "()"}},
		{"root ::= a b\na ::= \"x\"*\nb ::= \"x\" \"y\"", []string{"xy", "xxxy"}, []string{"y", "xx"}},
		{"root ::= ( \"a\" | \"b\" ){1, 2}", []string{"a", "ab", "bb"}, []string{"", "aba"}},
		{`root ::= "a"* "a"* "b"`, []string{"b", "aab", "aaaab"}, []string{"aa", "ba"}},
		{"root ::= x | x\nx ::= \"q\"", []string{"q"}, []string{"qq"}},
		// An alternative that can never finish is dropped, so its prefixes
		// are rejected too.
		{"root ::= \"a\" loop | \"b\"\nloop ::= \"c\" loop", []string{"b"}, []string{"a", "ac"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			checkStrings(t, mustParse(t, tt.src), tt.good, tt.bad)
		})
	}
}

func TestParseWithRoot(t *testing.T) {
	g, err := ParseWithRoot("start ::= \"s\" other\nother ::= \"o\"", "start")
	if err != nil {
		t.Fatal(err)
	}
	checkStrings(t, g, []string{"so"}, []string{"o", "s"})
	if _, err := ParseWithRoot(`a ::= "x"`, "b"); err == nil || !strings.Contains(err.Error(), `missing start rule "b"`) {
		t.Errorf("ParseWithRoot with a missing root: %v", err)
	}
}

// TestUTF8 checks byte-level matching of multi-byte characters: tokens may
// split a character anywhere, and invalid UTF-8 never matches.
func TestUTF8(t *testing.T) {
	g := mustParse(t, `root ::= .+`)
	st := g.NewState()
	for _, bad := range []string{"\xff", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80",
		"\xf0\x80\x80\x80", "\xf4\x90\x80\x80", "\x80", "a\xe6\x97"} {
		if matches(st, bad) {
			t.Errorf(".+ accepted invalid UTF-8 %q", bad)
		}
	}
	// Every split of a multi-byte string, fed in pieces, gives the same
	// answer, and a split inside a character is a live prefix that cannot
	// end.
	jp := mustParse(t, `root ::= [ぁ-ゟ]+ "!"`)
	st = jp.NewState()
	text := "ひらがな!"
	for cut := 0; cut <= len(text); cut++ {
		st.Reset()
		if err := st.AdvanceString(text[:cut]); err != nil {
			t.Fatalf("first part %q: %v", text[:cut], err)
		}
		if want := cut == len(text); st.CanEnd() != want {
			t.Errorf("CanEnd after %q = %v", text[:cut], st.CanEnd())
		}
		if err := st.AdvanceString(text[cut:]); err != nil || !st.CanEnd() {
			t.Errorf("split at %d: %v", cut, err)
		}
	}
	// A lead byte of a character outside the class is refused at once when
	// no character of the class starts with it.
	st.Reset()
	if st.Accepts([]byte("\xe4")) { // U+4000..U+4FFF: no hiragana
		t.Error("accepted a lead byte that cannot start a hiragana")
	}
	if !st.Accepts([]byte("\xe3\x81")) {
		t.Error("refused a prefix of a hiragana")
	}
	if st.Accepts([]byte("\xe3\x80")) { // U+3000..U+303F: below ぁ (U+3041)
		t.Error("accepted a prefix that cannot complete to a hiragana")
	}
}

func TestAdvanceErrors(t *testing.T) {
	g := mustParse(t, `root ::= "abc"`)
	st := g.NewState()
	err := st.AdvanceString("abx")
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "byte 2") {
		t.Errorf("Advance(abx) = %v", err)
	}
	// The state is unchanged by a rejected input.
	if err := st.AdvanceString("abc"); err != nil || !st.CanEnd() || !st.Done() {
		t.Errorf("after a rejected input: %v", err)
	}
	if st.Grammar() != g || st.NumStacks() != 1 {
		t.Errorf("Grammar() or NumStacks() = %d wrong", st.NumStacks())
	}
	c := st.Clone()
	if !c.CanEnd() || c.Accepts([]byte("x")) {
		t.Error("clone differs")
	}
	st.Reset()
	if st.CanEnd() || !st.Accepts([]byte("a")) {
		t.Error("Reset did not go back to the start")
	}
	if !c.CanEnd() {
		t.Error("Reset of the original changed the clone")
	}
}

// TestCacheRebase runs a long generation through a grammar whose positions
// never repeat, so that the caches outgrow their limits and are rebuilt.
func TestCacheRebase(t *testing.T) {
	g := mustParse(t, "root ::= item*\nitem ::= \"(\" item* \")\"")
	st := g.NewState()
	depth := 0
	rng := rand.New(rand.NewPCG(1, 2))
	var text strings.Builder
	for i := 0; i < 3*maxCachedSets; i++ {
		c := "("
		if depth > 0 && rng.IntN(3) == 0 {
			c = ")"
			depth--
		} else {
			depth++
		}
		if err := st.AdvanceString(c); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		text.WriteString(c)
	}
	if st.CanEnd() != (depth == 0) {
		t.Errorf("CanEnd = %v at depth %d", st.CanEnd(), depth)
	}
	if err := st.AdvanceString(strings.Repeat(")", depth)); err != nil || !st.CanEnd() {
		t.Errorf("closing: %v", err)
	}
	if len(st.e.setOff) > 2*maxCachedSets {
		t.Errorf("cache grew to %d sets", len(st.e.setOff))
	}
	st.Reset()
	if !st.Accepts([]byte("(()")) || st.Accepts([]byte(")")) {
		t.Error("initial state broken after rebase")
	}
}

// naive is an obviously-correct reference recognizer over the parsed rules
// (code points, memoized derivations). It handles grammars without left
// recursion.
type naive struct {
	rules []*ruleDef
	text  []rune
	memo  map[[3]int]int8 // rule, start, end -> 1 yes, 2 no, 3 in progress
}

func (n *naive) derives(r, i, j int) bool {
	k := [3]int{r, i, j}
	switch n.memo[k] {
	case 1:
		return true
	case 2, 3:
		return false
	}
	n.memo[k] = 3
	ok := false
	for _, alt := range n.rules[r].alts {
		if n.seq(alt, i, j) {
			ok = true
			break
		}
	}
	n.memo[k] = 2
	if ok {
		n.memo[k] = 1
	}
	return ok
}

func (n *naive) seq(alt []symbol, i, j int) bool {
	if len(alt) == 0 {
		return i == j
	}
	s := alt[0]
	if !s.isRef {
		return i < j && s.set.contains(n.text[i]) && n.seq(alt[1:], i+1, j)
	}
	for m := i; m <= j; m++ {
		if n.derives(s.ref, i, m) && n.seq(alt[1:], m, j) {
			return true
		}
	}
	return false
}

func naiveMatch(rules []*ruleDef, root int, text string) bool {
	n := &naive{rules: rules, text: []rune(text), memo: map[[3]int]int8{}}
	return n.derives(root, 0, len(n.text))
}

// randomGrammar writes a small random GBNF grammar over a few characters.
func randomGrammar(rng *rand.Rand) string {
	atoms := []string{`"a"`, `"b"`, `"é"`, `"日"`, `[ab]`, `[^a]`, `"ab"`, `[a-é]`, `.`, `""`}
	nrules := 1 + rng.IntN(3)
	name := func(i int) string { return []string{"root", "r1", "r2"}[i] }
	var b strings.Builder
	var item func(depth int) string
	item = func(depth int) string {
		var s string
		switch k := rng.IntN(10); {
		case k < 5 || depth > 2:
			s = atoms[rng.IntN(len(atoms))]
		case k < 8:
			s = name(rng.IntN(nrules))
		default:
			s = "(" + item(depth+1) + " " + item(depth+1) + " | " + item(depth+1) + ")"
		}
		switch rng.IntN(8) {
		case 0:
			s += "*"
		case 1:
			s += "+"
		case 2:
			s += "?"
		case 3:
			s += []string{"{2}", "{0,2}", "{1,}"}[rng.IntN(3)]
		}
		return s
	}
	for r := 0; r < nrules; r++ {
		b.WriteString(name(r) + " ::=")
		for a := 0; a < 1+rng.IntN(3); a++ {
			if a > 0 {
				b.WriteString(" |")
			}
			for k := 0; k < rng.IntN(4); k++ {
				b.WriteString(" " + item(0))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestAgainstNaive compares the matcher with the naive recognizer on random
// grammars and strings.
func TestAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := []string{"a", "b", "é", "日", "c"}
	grammars, checked, positives := 0, 0, 0
	for grammars < 400 {
		src := randomGrammar(rng)
		g, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): not a SyntaxError: %v", src, err)
			}
			continue // left recursion or a root that never ends
		}
		grammars++
		st := g.NewState()
		for k := 0; k < 60; k++ {
			var s strings.Builder
			for i := rng.IntN(6); i > 0; i-- {
				s.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			text := s.String()
			want := naiveMatch(g.rules, g.root, text)
			if want {
				positives++
			}
			if got := matches(st, text); got != want {
				t.Fatalf("grammar:\n%s\n%q: matcher %v, reference %v", src, text, got, want)
			}
			checked++
		}
	}
	t.Logf("%d grammars, %d strings, %d matching", grammars, checked, positives)
	if positives < checked/20 {
		t.Errorf("only %d of %d strings match: the test is too weak", positives, checked)
	}
}

// TestPrefixAgainstNaive checks Accepts on prefixes: a prefix is accepted
// exactly when the reference matches some extension of it (searched
// exhaustively up to two more characters over a grammar whose strings are
// short).
func TestPrefixAgainstNaive(t *testing.T) {
	src := "root ::= \"a\" x | \"b\" \"é\"?\nx ::= \"日\" | \"a\" \"b\""
	g := mustParse(t, src)
	alphabet := []string{"a", "b", "é", "日"}
	var all []string
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		all = append(all, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+c, n-1)
		}
	}
	gen("", 5)
	st := g.NewState()
	for _, p := range all {
		want := false
		for _, s := range all {
			if strings.HasPrefix(s, p) && naiveMatch(g.rules, g.root, s) {
				want = true
				break
			}
		}
		for cut := len(p); cut >= 0; cut-- { // byte prefixes inside characters too
			if !utf8.ValidString(p[:cut]) && cut < len(p) {
				st.Reset()
				if got := st.Accepts([]byte(p[:cut])); want && !got {
					t.Errorf("byte prefix %q of live %q refused", p[:cut], p)
				}
			}
		}
		st.Reset()
		if got := st.Accepts([]byte(p)); got != want {
			t.Errorf("Accepts(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestTooAmbiguous: a grammar whose positions need more than maxStacks
// stacks refuses the input with an error that says why, instead of
// slowing to a crawl.
func TestTooAmbiguous(t *testing.T) {
	g := mustParse(t, `root ::= (((("a"{0,20}){0,20}){0,20}){0,20})`)
	st := g.NewState()
	err := st.AdvanceString(strings.Repeat("a", 60))
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "too ambiguous") {
		t.Fatalf("got %v", err)
	}
}
