package grammar

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

func bit(bits []uint64, id int) bool { return bits[id>>6]>>(uint(id)&63)&1 == 1 }

func mustFilter(t testing.TB, g *Grammar, pieces [][]byte, eog []int) *TokenFilter {
	t.Helper()
	f, err := NewTokenFilter(g, pieces, eog)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// checkMask compares the trie-walk mask of st with each token checked on
// its own by Accepts, and with Allowed.
func checkMask(t *testing.T, f *TokenFilter, st *State, pieces [][]byte, eog int, where string) int {
	t.Helper()
	bits := make([]uint64, f.MaskWords())
	if err := f.MaskUncached(st, bits); err != nil {
		t.Fatal(err)
	}
	cached := make([]uint64, f.MaskWords())
	if err := f.Mask(st, cached); err != nil {
		t.Fatal(err)
	}
	n := 0
	for id, p := range pieces {
		want := len(p) > 0 && st.Accepts(p)
		if id == eog {
			want = st.CanEnd()
		}
		if got := bit(bits, id); got != want {
			t.Fatalf("%s: token %d %q: mask %v, Accepts %v", where, id, p, got, want)
		}
		if bit(cached, id) != want {
			t.Fatalf("%s: token %d %q: cached mask differs", where, id, p)
		}
		if f.Allowed(st, id) != want {
			t.Fatalf("%s: token %d %q: Allowed differs", where, id, p)
		}
		if want {
			n++
		}
	}
	return n
}

func TestTokenFilterMask(t *testing.T) {
	src, err := os.ReadFile("testdata/json.gbnf")
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, string(src))
	pieces := syntheticVocab(3000, 1)
	eog := len(pieces) - 1 // the empty control token doubles as end of generation
	pieces = append(pieces, nil)
	f := mustFilter(t, g, pieces, []int{eog})
	doc := `{"name": "日本 \"q\"", "n": [1, -2.5e3, true, null], "o": {}}`
	st := g.NewState()
	for i := 0; i <= len(doc); i++ {
		n := checkMask(t, f, st, pieces, eog, "after "+doc[:i])
		if n == 0 {
			t.Fatalf("no token allowed after %q", doc[:i])
		}
		if i < len(doc) {
			if err := st.Advance([]byte{doc[i]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !st.CanEnd() {
		t.Fatal("document incomplete")
	}
}

// TestTokenFilterGenerate samples random allowed tokens until the grammar
// is complete, and checks the result with encoding/json.
func TestTokenFilterGenerate(t *testing.T) {
	src, err := os.ReadFile("testdata/json.gbnf")
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, string(src))
	pieces := syntheticVocab(5000, 2)
	eog := len(pieces) - 1
	f := mustFilter(t, g, pieces, []int{eog})
	rng := rand.New(rand.NewPCG(3, 4))
	bits := make([]uint64, f.MaskWords())
	st := g.NewState()
	for doc := 0; doc < 30; doc++ {
		st.Reset()
		var out strings.Builder
		for step := 0; ; step++ {
			if err := f.Mask(st, bits); err != nil {
				t.Fatal(err)
			}
			var allowed []int
			for id := range pieces {
				if bit(bits, id) {
					allowed = append(allowed, id)
				}
			}
			if len(allowed) == 0 {
				t.Fatalf("dead end after %q", out.String())
			}
			id := allowed[rng.IntN(len(allowed))]
			// Close up after a while: prefer the end, then short tokens
			// made of closing punctuation.
			if step > 40 {
				if bit(bits, eog) {
					id = eog
				} else {
					var closers []int
					for _, a := range allowed {
						switch string(pieces[a]) {
						case "}", "]", "\"", "0":
							closers = append(closers, a)
						}
					}
					if len(closers) > 0 {
						id = closers[rng.IntN(len(closers))]
					}
				}
			}
			if step > 3000 {
				t.Fatalf("no end after %q", out.String()[:min(out.Len(), 400)])
			}
			if id == eog {
				break
			}
			if err := f.Accept(st, id); err != nil {
				t.Fatal(err)
			}
			out.Write(pieces[id])
		}
		if !json.Valid([]byte(out.String())) || !g.MatchString(out.String()) {
			t.Fatalf("generated %q", out.String())
		}
	}
}

// TestTokenFilterPartialUTF8 uses tokens that split characters.
func TestTokenFilterPartialUTF8(t *testing.T) {
	g := mustParse(t, `root ::= [ぁ-ゟ]+ "。"`)
	a := "あ" // e3 81 82
	o := "。" // e3 80 82
	pieces := [][]byte{
		[]byte(a[:1]),                // 0: e3 (could start あ or 。)
		[]byte(a[1:]),                // 1: 81 82
		[]byte(a[:2]),                // 2: e3 81
		[]byte(a[2:] + a),            // 3: 82 e3 81 82
		[]byte(o[1:]),                // 4: 80 82
		[]byte("a"),                  // 5
		[]byte("\xe4"),               // 6: cannot start either
		[]byte(a + o),                // 7
		nil,                          // 8: end of generation
		[]byte("\x82"),               // 9
		[]byte(string([]byte{0x80})), // 10
	}
	f := mustFilter(t, g, pieces, []int{8})
	st := g.NewState()
	steps := []struct {
		accept  int
		allowed []int
	}{
		{-1, []int{0, 2, 7}},    // a hiragana must come first
		{0, []int{1, 9}},        // e3: 81 82 completes あ; 82 may start ゠..ゟ; 。 not yet
		{1, []int{0, 2, 7}},     // あ
		{2, []int{3, 9}},        // e3 81: only 81..bf continue a hiragana
		{3, []int{0, 2, 7}},     // あああ
		{0, []int{1, 4, 9, 10}}, // e3: now 。 (e3 80 82) may come too
		{4, []int{8}},           // 。: only the end
	}
	bits := make([]uint64, f.MaskWords())
	for i, s := range steps {
		if s.accept >= 0 {
			if err := f.Accept(st, s.accept); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		if err := f.Mask(st, bits); err != nil {
			t.Fatal(err)
		}
		var got []int
		for id := range pieces {
			if bit(bits, id) {
				got = append(got, id)
			}
		}
		if !equalInts(got, s.allowed) {
			t.Errorf("step %d: allowed %v, want %v", i, got, s.allowed)
		}
	}
}

func equalInts(a, b []int) bool {
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

func TestTokenFilterErrors(t *testing.T) {
	g := mustParse(t, `root ::= "ab"`)
	other := mustParse(t, `root ::= "x"`)
	pieces := [][]byte{[]byte("a"), []byte("b"), nil, []byte("ab"), nil, []byte("ab")}
	if _, err := NewTokenFilter(g, pieces, []int{6}); err == nil {
		t.Error("EOG token out of range accepted")
	}
	if _, err := NewTokenFilter(nil, pieces, nil); err == nil {
		t.Error("nil grammar accepted")
	}
	f := mustFilter(t, g, pieces, []int{4, 4})
	st := g.NewState()
	if err := f.Mask(st, make([]uint64, 0)); err == nil {
		t.Error("short bitset accepted")
	}
	if err := f.Mask(other.NewState(), make([]uint64, 1)); err == nil {
		t.Error("state of another grammar accepted")
	}
	if f.Allowed(other.NewState(), 0) || f.Allowed(st, -1) || f.Allowed(st, 99) {
		t.Error("Allowed true for a bad state or id")
	}
	if err := f.Accept(st, 99); err == nil {
		t.Error("Accept of an out-of-range id")
	}
	if err := f.Accept(st, 4); !errors.Is(err, ErrRejected) {
		t.Errorf("early end of generation: %v", err)
	}
	if err := f.Accept(st, 2); !errors.Is(err, ErrRejected) {
		t.Errorf("empty piece: %v", err)
	}
	if err := f.Accept(st, 1); !errors.Is(err, ErrRejected) {
		t.Errorf("wrong token: %v", err)
	}
	// Duplicate pieces are both allowed.
	bits := make([]uint64, 1)
	if err := f.Mask(st, bits); err != nil {
		t.Fatal(err)
	}
	if bits[0] != 1<<0|1<<3|1<<5 {
		t.Errorf("mask %b", bits[0])
	}
	if got := f.FilterCandidates(st, []int32{5, 1, 2, 0, 4}); len(got) != 2 || got[0] != 5 || got[1] != 0 {
		t.Errorf("FilterCandidates = %v", got)
	}
	if err := f.Accept(st, 3); err != nil || !f.Allowed(st, 4) {
		t.Fatalf("after ab: %v", err)
	}
	if err := f.Accept(st, 4); err != nil {
		t.Errorf("end of generation at the end: %v", err)
	}
	logits := []float32{1, 2, 3, 4, 5, 6}
	if err := f.MaskLogits(st, logits); err != nil {
		t.Fatal(err)
	}
	for id, l := range logits {
		if kept := !math.IsInf(float64(l), -1); kept != (id == 4) {
			t.Errorf("logit %d = %v", id, l)
		}
	}
	if err := f.MaskLogits(st, logits[:3]); err == nil {
		t.Error("short logits accepted")
	}
}

// TestMaskCacheEviction walks more distinct positions than the mask cache
// holds and checks that cached masks stay right.
func TestMaskCacheEviction(t *testing.T) {
	g := mustParse(t, `root ::= [0-9]{40}`)
	pieces := syntheticVocab(2000, 5)
	f := mustFilter(t, g, pieces, nil)
	st := g.NewState()
	a := make([]uint64, f.MaskWords())
	b := make([]uint64, f.MaskWords())
	for round := 0; round < 2; round++ {
		st.Reset()
		for i := 0; i < 40; i++ {
			if err := f.Mask(st, a); err != nil {
				t.Fatal(err)
			}
			if err := f.MaskUncached(st, b); err != nil {
				t.Fatal(err)
			}
			for w := range a {
				if a[w] != b[w] {
					t.Fatalf("round %d position %d: cached mask differs", round, i)
				}
			}
			if err := st.AdvanceString("7"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestMaskShortcuts checks masks on grammars where some or all characters
// loop (so whole trie subtrees are allowed at once), including multi-byte
// ones, against each token checked on its own, along random walks.
func TestMaskShortcuts(t *testing.T) {
	grammars := []string{
		`root ::= [^"]* "\""`,
		`root ::= [^é]*`,
		`root ::= .* "x"`,
		`root ::= ([a-z] | [ぁ-ゟ])* "!"`,
		`root ::= ("ab" | [^a-c])*`,
		`root ::= [\x00-\x7F]*`,
		`root ::= [^\U0001F600]* "."`,
		"root ::= (x | y)*\nx ::= [a-m]+ \" \"\ny ::= [^a-m]",
	}
	rng := rand.New(rand.NewPCG(61, 62))
	for len(grammars) < 40 {
		src := randomGrammar(rng)
		if _, err := Parse(src); err == nil {
			grammars = append(grammars, src)
		}
	}
	pieces := syntheticVocab(4000, 7)
	for _, src := range grammars {
		g := mustParse(t, src)
		f := mustFilter(t, g, pieces, []int{len(pieces) - 1})
		st := g.NewState()
		bits := make([]uint64, f.MaskWords())
		for step := 0; step < 12; step++ {
			n := checkMask(t, f, st, pieces, len(pieces)-1, src)
			if n == 0 || st.Done() {
				break
			}
			if err := f.MaskUncached(st, bits); err != nil {
				t.Fatal(err)
			}
			var allowed []int
			for id := range pieces {
				if bit(bits, id) && id != len(pieces)-1 {
					allowed = append(allowed, id)
				}
			}
			if len(allowed) == 0 {
				break
			}
			if err := f.Accept(st, allowed[rng.IntN(len(allowed))]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestFilterConcurrent uses one TokenFilter from several goroutines, each
// with its own State (run with -race).
func TestFilterConcurrent(t *testing.T) {
	g := AnyJSON()
	pieces := syntheticVocab(3000, 9)
	f := mustFilter(t, g, pieces, nil)
	want := make([]uint64, f.MaskWords())
	ref := g.NewState()
	ref.AdvanceString(`{"a": [1, "x`)
	if err := f.MaskUncached(ref, want); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			st := g.NewState()
			bits := make([]uint64, f.MaskWords())
			var err error
			for i := 0; i < 20 && err == nil; i++ {
				st.Reset()
				if err = st.AdvanceString(`{"a": [1, "x`); err == nil {
					err = f.Mask(st, bits)
				}
				for j := range bits {
					if err == nil && bits[j] != want[j] {
						err = errors.New("mask differs")
					}
				}
			}
			errs <- err
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
