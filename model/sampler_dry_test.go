package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm/tokenizer"
)

// pieceVocab is a SamplerVocab over a list of token texts; Encode is
// greedy longest match, which is enough for the vocabularies below.
type pieceVocab []string

func (v pieceVocab) VocabSize() int { return len(v) }

func (v pieceVocab) Detokenize(ids []int32, _, _ bool) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(v[id])
	}
	return b.String()
}

func (v pieceVocab) Encode(text string, _, _ bool) []int32 {
	var out []int32
	for text != "" {
		best := -1
		for i, p := range v {
			if p != "" && strings.HasPrefix(text, p) && (best < 0 || len(p) > len(v[best])) {
				best = i
			}
		}
		if best < 0 {
			panic("pieceVocab: cannot encode " + text)
		}
		out = append(out, int32(best))
		text = text[len(v[best]):]
	}
	return out
}

func (v pieceVocab) ids(t *testing.T, words string) []int32 {
	t.Helper()
	var out []int32
	for _, w := range strings.Fields(words) {
		if w == `\n` {
			w = "\n"
		}
		i := slices.Index(v, w)
		if i < 0 {
			t.Fatalf("no token %q", w)
		}
		out = append(out, int32(i))
	}
	return out
}

// TestDRYLlamaCpp reproduces test_dry of llama.cpp's tests/test-sampling.cpp:
// the probabilities after DRY (then softmax) for token histories, with
// breakers given as token sequences.
func TestDRYLlamaCpp(t *testing.T) {
	tests := []struct {
		probs      []float64
		history    []int32
		want       []float64
		multiplier float32
		base       float32
		allowed    int
		lastN      int
		breakers   [][]int32
	}{
		{[]float64{0.25, 0.25, 0.25, 0.25}, []int32{0, 1}, []float64{0.25, 0.25, 0.25, 0.25}, 1, 1.1, 2, 4, nil},
		{[]float64{0.25, 0.25, 0.25, 0.25}, []int32{0, 1, 2, 0, 1}, []float64{0.296923, 0.296923, 0.109232, 0.296923}, 1, 1.1, 2, 5, nil},
		{[]float64{0.2, 0.2, 0.2, 0.2, 0.2}, []int32{0, 1, 3, 4, 0, 1}, []float64{0.2, 0.2, 0.2, 0.2, 0.2}, 1, 1.1, 2, 6, [][]int32{{3}}},
		{[]float64{0.2, 0.2, 0.2, 0.2, 0.2}, []int32{0, 1, 2, 0, 1}, []float64{0.241818, 0.241818, 0.032727, 0.241818, 0.241818}, 2, 1.1, 2, 5, nil},
		{[]float64{0.2, 0.2, 0.2, 0.2, 0.2}, []int32{0, 1, 2, 3, 4, 0, 1}, []float64{0.2, 0.2, 0.2, 0.2, 0.2}, 1, 1.1, 4, 7, nil},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			s, err := NewSampler(SamplerParams{DRYMultiplier: tc.multiplier, DRYBase: tc.base, DRYAllowedLength: tc.allowed, DRYPenaltyLastN: tc.lastN})
			if err != nil {
				t.Fatal(err)
			}
			s.dry.breakers = dryBreakers{}
			for _, b := range tc.breakers {
				s.dry.breakers.add(b[0], b[1:])
			}
			for _, tok := range tc.history {
				s.Accept(tok)
			}
			c := s.load(logitsOf(tc.probs...))
			softmax(c)
			for j, w := range tc.want {
				if math.Abs(float64(c[j].P)-w) > 1e-5 {
					t.Errorf("p[%d] = %.6f, want %.6f", j, c[j].P, w)
				}
			}
		})
	}
}

// dryVocab has single-token breakers ("\n", "x:") and the parts of the
// three-token breaker "<|>".
var dryVocab = pieceVocab{"a", "b", "c", "d", "e", "\n", "x:", "<", "|", ">", "f<"}

// TestDRYPenalties checks the logit penalties for hand-made histories. With
// multiplier 1, base 2 and allowed length 2, a repeat of n tokens costs the
// next token 2^(n-2).
func TestDRYPenalties(t *testing.T) {
	v := dryVocab
	tests := []struct {
		name     string
		history  string
		allowed  int
		lastN    int
		breakers []string
		want     map[string]float32 // penalised tokens and their penalties
	}{
		// "a b" repeats: c followed it, so c would extend a repeat of 2.
		{"repeat of 2", "a b c a b", 2, -1, nil, map[string]float32{"c": 1}},
		// The suffix "a b c a b" also ends at the second b (length 5,
		// then c), and "a b" at the first (length 2, then c): the longest
		// wins, 2^(5-2).
		{"longest repeat wins", "a b c a b c a b", 2, -1, nil, map[string]float32{"c": 8}},
		// "a b" ends at the first b (then c); "d a b" at the second (then e).
		{"two tokens follow repeats", "a b c d a b e d a b", 2, -1, nil, map[string]float32{"c": 1, "e": 2}},
		{"overlapping repeat", "a a a a", 2, -1, nil, map[string]float32{"a": 2}},
		{"below the allowed length", "a b c a b", 3, -1, nil, map[string]float32{}},
		{"allowed length 3", "a b c d a b c", 3, -1, nil, map[string]float32{"d": 1}},
		// A window of 4 sees "b c a b": no repeat of 2.
		{"window too short", "a b c a b", 2, 4, nil, map[string]float32{}},
		{"window just long enough", "a b c a b", 2, 5, nil, map[string]float32{"c": 1}},
		{"history shorter than allowed", "a b", 2, -1, nil, map[string]float32{}},
		// "x:" is a breaker token: the repeat may reach back only to it,
		// 2 tokens, so d costs 2^0 instead of 2^1.
		{"single-token breaker cuts", "x: b c d x: b c", 2, -1, []string{":"}, map[string]float32{"d": 1}},
		{"without the breaker", "x: b c d x: b c", 2, -1, nil, map[string]float32{"d": 2}},
		// The token after the repeat is itself a breaker: never penalised.
		{"breaker token exempt", `a b \n a b`, 2, -1, []string{"\n"}, map[string]float32{}},
		{"breaker just before the end", `a b c a b \n`, 2, -1, []string{"\n"}, map[string]float32{}},
		// "<|>" spans three tokens; the repeat stops after it.
		{"multi-token breaker cuts", "> b c d < | > b c", 2, -1, []string{"<|>"}, map[string]float32{"d": 1}},
		{"multi-token breaker off", "> b c d < | > b c", 2, -1, nil, map[string]float32{"d": 2}},
		// "f<" ends with the breaker's first byte and heads it too.
		{"breaker head inside a token", "> b c d f< | > b c", 2, -1, []string{"<|>"}, map[string]float32{"d": 1}},
		// "< |" without ">" is not a breaker.
		{"incomplete breaker", "| b c d < | b c", 2, -1, []string{"<|>"}, map[string]float32{"d": 2}},
		// The head of a multi-token breaker is penalised like any token.
		{"multi-token head not exempt", "a b < a b", 2, -1, []string{"<|>"}, map[string]float32{"<": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := SamplerParams{DRYMultiplier: 1, DRYBase: 2, DRYAllowedLength: tc.allowed, DRYPenaltyLastN: tc.lastN, DRYSequenceBreakers: tc.breakers}
			s, err := NewSamplerFor(p, v, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range v.ids(t, tc.history) {
				s.Accept(tok)
			}
			c := s.load(make([]float32, len(v)))
			for id, x := range c {
				want := -tc.want[v[id]]
				if x.Logit != want {
					t.Errorf("token %q: logit %v, want %v", v[id], x.Logit, want)
				}
			}
		})
	}
}

func TestDRYExponentClamp(t *testing.T) {
	// ln(MaxFloat32)/ln 3 = 80.76: exponents stop at 80, 3^80 = 1.478e38.
	s, err := NewSampler(SamplerParams{DRYMultiplier: 1, DRYBase: 3, DRYPenaltyLastN: -1})
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		s.Accept(0)
	}
	c := s.load([]float32{0, 0})
	want := float32(-1.4780882941434592e38)
	if c[0].Logit != want || c[1].Logit != 0 {
		t.Errorf("logits %v, %v; want %v, 0", c[0].Logit, c[1].Logit, want)
	}
}

// naiveDRY is the DRY penalty computed the obvious way: for each earlier
// position, compare the tokens before it with the newest ones.
func naiveDRY(hist []int32, nvocab int, mult, base float64, allowed int, breaker func(int32) bool) []float64 {
	n := len(hist)
	limit := n
	for i := n - 1; i >= 0; i-- {
		if breaker(hist[i]) {
			limit = n - 1 - i
			break
		}
	}
	best := make([]int, nvocab)
	for i := range best {
		best[i] = -1
	}
	for end := 0; end < n-1; end++ { // a repeat ending at end, followed by hist[end+1]
		m := 0
		for m <= end && hist[end-m] == hist[n-1-m] {
			m++
		}
		m = min(m, limit)
		if m >= allowed && n > allowed {
			best[hist[end+1]] = max(best[hist[end+1]], m)
		}
	}
	pen := make([]float64, nvocab)
	for id, m := range best {
		if m >= 0 && !breaker(int32(id)) {
			pen[id] = mult * math.Pow(base, float64(m-allowed))
		}
	}
	return pen
}

func TestDRYMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := pieceVocab{"a", "b", "c", "\n"}
	for trial := range 300 {
		n := 1 + rng.IntN(60)
		hist := make([]int32, n)
		for i := range hist {
			// Mostly a and b, so long repeats are common; the breaker is rare.
			hist[i] = int32(rng.IntN(3))
			if rng.IntN(20) == 0 {
				hist[i] = 3
			}
		}
		allowed := rng.IntN(4)
		useBreaker := trial%2 == 0
		p := SamplerParams{DRYMultiplier: 0.5, DRYBase: 1.5, DRYAllowedLength: allowed, DRYPenaltyLastN: -1}
		if useBreaker {
			p.DRYSequenceBreakers = []string{"\n"}
		}
		s, err := NewSamplerFor(p, v, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range hist {
			s.Accept(tok)
		}
		c := s.load(make([]float32, len(v)))
		want := naiveDRY(hist, len(v), 0.5, 1.5, allowed, func(id int32) bool { return useBreaker && id == 3 })
		for id := range v {
			if got := float64(-c[id].Logit); math.Abs(got-want[id]) > 1e-6*max(1, want[id]) {
				t.Fatalf("history %v allowed %d breaker %v: token %d penalty %v, want %v", hist, allowed, useBreaker, id, got, want[id])
			}
		}
	}
}

// TestDRYWindowSlides checks that a bounded window forgets old tokens as
// the history grows past it (the history buffer is compacted on the way).
func TestDRYWindowSlides(t *testing.T) {
	v := pieceVocab{"a", "b", "c", "d", "e"}
	// "e d b c", 40 a, then "e d b a a e d b": the whole history repeats
	// "e d b" (then c, and then a); the last 6 tokens, "a a e d b", hold
	// only "a a e d b" after "e d b a": the repeat "e d b" followed by a.
	hist := []int32{4, 3, 1, 2}
	for i := 0; i < 40; i++ {
		hist = append(hist, 0)
	}
	hist = append(hist, 4, 3, 1, 0, 0, 4, 3, 1)
	none := func(int32) bool { return false }
	if whole := naiveDRY(hist, len(v), 1, 2, 2, none); whole[2] == 0 {
		t.Fatal("the whole history penalises no c: the test checks nothing")
	}
	s, err := NewSamplerFor(SamplerParams{DRYMultiplier: 1, DRYBase: 2, DRYAllowedLength: 2, DRYPenaltyLastN: 8}, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range hist {
		s.Accept(tok)
	}
	c := s.load(make([]float32, len(v)))
	want := naiveDRY(hist[len(hist)-8:], len(v), 1, 2, 2, none)
	if want[0] != 2 || want[2] != 0 {
		t.Fatalf("reference penalties %v, want a: 2 and c: 0", want)
	}
	for id := range v {
		if float64(-c[id].Logit) != want[id] {
			t.Errorf("token %s: penalty %v, want %v", v[id], -c[id].Logit, want[id])
		}
	}
	// The context size bounds -1 the same way.
	s2, err := NewSamplerFor(SamplerParams{DRYMultiplier: 1, DRYBase: 2, DRYAllowedLength: 2, DRYPenaltyLastN: -1}, v, 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range hist {
		s2.Accept(tok)
	}
	c2 := s2.load(make([]float32, len(v)))
	for id := range v {
		if c2[id].Logit != c[id].Logit {
			t.Errorf("context-size window: token %s logit %v, want %v", v[id], c2[id].Logit, c[id].Logit)
		}
	}
	// Reset forgets the history.
	s.Reset()
	s.Accept(0)
	s.Accept(1)
	for _, x := range s.load(make([]float32, len(v))) {
		if x.Logit != 0 {
			t.Errorf("after Reset token %d penalised: %v", x.ID, x.Logit)
		}
	}
}

func TestDRYOffIsNoOp(t *testing.T) {
	v := dryVocab
	hist := v.ids(t, "a b c a b c a b")
	logits := []float32{0.5, -1, 2, 0, 3, 1, -2, 0.25, 0, 1, 4}
	for _, p := range []SamplerParams{
		{DRYMultiplier: 0, DRYBase: 2, DRYAllowedLength: 2, DRYPenaltyLastN: -1, DRYSequenceBreakers: []string{"\n"}},
		{DRYMultiplier: 1, DRYBase: 2, DRYAllowedLength: 2, DRYPenaltyLastN: 0, DRYSequenceBreakers: []string{"\n"}},
	} {
		// Off needs no vocabulary, even with breakers.
		s, err := NewSampler(p)
		if err != nil {
			t.Fatal(err)
		}
		if s.dry != nil {
			t.Errorf("%+v: DRY stage built though off", p)
		}
		for _, tok := range hist {
			s.Accept(tok)
		}
		c := s.load(logits)
		for i, x := range c {
			if x.Logit != logits[i] {
				t.Errorf("%+v: logit %d changed to %v from %v", p, i, x.Logit, logits[i])
			}
		}
	}
}

func TestDRYValidate(t *testing.T) {
	on := func(f func(p *SamplerParams)) SamplerParams {
		p := DefaultSamplerParams()
		p.DRYMultiplier = 0.8
		f(&p)
		return p
	}
	bad := map[string]SamplerParams{
		"negative multiplier": on(func(p *SamplerParams) { p.DRYMultiplier = -1 }),
		"NaN multiplier":      on(func(p *SamplerParams) { p.DRYMultiplier = float32(math.NaN()) }),
		"base below 1":        on(func(p *SamplerParams) { p.DRYBase = 0.5 }),
		"infinite base":       on(func(p *SamplerParams) { p.DRYBase = float32(math.Inf(1)) }),
		"negative allowed":    on(func(p *SamplerParams) { p.DRYAllowedLength = -1 }),
		"last-n below -1":     on(func(p *SamplerParams) { p.DRYPenaltyLastN = -2 }),
		"empty breaker":       on(func(p *SamplerParams) { p.DRYSequenceBreakers = []string{"\n", ""} }),
	}
	for name, p := range bad {
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "DRY") {
			t.Errorf("%s: Validate() = %v, want a DRY error", name, err)
		}
	}
	// Breakers without a vocabulary cannot be found.
	if _, err := NewSampler(on(func(*SamplerParams) {})); err == nil {
		t.Error("NewSampler with DRY breakers and no vocabulary gave no error")
	}
	// The defaults, and DRY settings while DRY is off, are fine.
	for _, p := range []SamplerParams{DefaultSamplerParams(), {DRYBase: 0}, on(func(p *SamplerParams) { p.DRYSequenceBreakers = nil })} {
		if _, err := NewSampler(p); err != nil {
			t.Errorf("NewSampler(%+v): %v", p, err)
		}
	}
}

// TestDRYBreakersFromVocabulary checks the breaker table of a real
// vocabulary (stories260K, SentencePiece) against a direct reading of
// llama.cpp's rule: a token whose text holds a breaker is a breaker alone;
// a token whose text ends with the first k bytes of a breaker heads it,
// followed by the tokens of the breaker's remaining bytes.
func TestDRYBreakersFromVocabulary(t *testing.T) {
	tok, err := tokenizer.LoadFile("testdata/stories260K.gguf")
	if err != nil {
		t.Fatal(err)
	}
	breakers := []string{"\n", ":", "\"", "*", " the end", "Once upon"}
	got := buildDRYBreakers(tok, breakers)
	want := dryBreakers{}
	heads := 0
	for id := 0; id < tok.VocabSize(); id++ {
		word := tok.Detokenize([]int32{int32(id)}, false, true)
		for _, b := range breakers {
			if strings.Contains(word, b) {
				want.add(int32(id), nil)
				continue
			}
			for k := len(b) - 1; k >= 1; k-- {
				if strings.HasSuffix(word, b[:k]) {
					want.add(int32(id), tok.Encode(b[k:], false, false))
					heads++
				}
			}
		}
	}
	if heads == 0 || len(want) == 0 {
		t.Fatal("the reference found no breaker tokens: the test checks nothing")
	}
	if len(got) != len(want) {
		t.Errorf("%d breaker heads, want %d", len(got), len(want))
	}
	for id, wt := range want {
		gt := got[id]
		if len(gt) != len(wt) {
			t.Errorf("token %d %q: tails %v, want %v", id, tok.Detokenize([]int32{id}, false, true), gt, wt)
			continue
		}
		for _, w := range wt {
			if !slices.ContainsFunc(gt, func(g []int32) bool { return slices.Equal(g, w) }) {
				t.Errorf("token %d: tails %v lack %v", id, gt, w)
			}
		}
	}
	// The newline byte token is a breaker by itself (SentencePiece puts
	// a space token in front).
	nl := tok.Encode("\n", false, false)
	if last := nl[len(nl)-1]; tok.Detokenize(nl[len(nl)-1:], false, true) != "\n" || !got.isSingle(last) {
		t.Errorf("newline %v is not a single-token breaker", nl)
	}
}

func TestDRYSeedDeterminism(t *testing.T) {
	tok, err := tokenizer.LoadFile("testdata/stories260K.gguf")
	if err != nil {
		t.Fatal(err)
	}
	n := tok.VocabSize()
	logits := make([]float32, n)
	run := func(seed uint64, mult float32) []int32 {
		p := DefaultSamplerParams()
		p.Seed, p.DRYMultiplier = seed, mult
		s, err := NewSamplerFor(p, tok, 512)
		if err != nil {
			t.Fatal(err)
		}
		var out []int32
		for i := 0; i < 200; i++ {
			// A model stuck in a loop: it strongly prefers to continue
			// a short cycle of tokens.
			for j := range logits {
				logits[j] = float32(math.Sin(float64(j)))
			}
			logits[(300+i%4)%n] += 8
			id := s.Sample(logits)
			s.Accept(id)
			out = append(out, id)
		}
		return out
	}
	a, b := run(3, 0.8), run(3, 0.8)
	if !slices.Equal(a, b) {
		t.Fatal("same seed gave different tokens with DRY on")
	}
	// Without DRY the cycle is followed nearly always; DRY must break it.
	follows := func(out []int32) int {
		k := 0
		for i, id := range out {
			if id == int32((300+i%4)%n) {
				k++
			}
		}
		return k
	}
	off, on := follows(run(3, 0)), follows(a)
	if off < 190 || on > off-20 {
		t.Errorf("tokens following the loop: %d without DRY, %d with DRY; want DRY to break the loop", off, on)
	}
}
