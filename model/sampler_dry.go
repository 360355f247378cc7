package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// DRY ("Don't Repeat Yourself", pi6am's repetition sampler, as llama.cpp's
// llama_sampler_dry implements it) lowers the logit of every token that
// would extend a sequence already present in the recent history. When the
// last n tokens (n ≥ DRYAllowedLength) also occur earlier, followed there by
// token t, then t's logit loses DRYMultiplier·DRYBase^(n−DRYAllowedLength).
// Matches never reach back past the most recent sequence breaker (a string
// such as "\n", found in the token text), and tokens that are breakers
// themselves are never penalised.

const (
	// dryMaxBreakerBytes cuts longer sequence breakers, as llama.cpp does.
	dryMaxBreakerBytes = 40
	// dryMaxTailTokens bounds the tokens that complete a breaker after its
	// first token, which keeps the breaker scan linear.
	dryMaxTailTokens = 20
	// dryFloatMaxLog is about ln(MaxFloat32): exponents are clamped so that
	// base^exponent stays finite.
	dryFloatMaxLog = float32(88.7228391)
)

// DefaultDRYSequenceBreakers returns llama.cpp's default sequence breakers:
// newline, colon, double quote and asterisk.
func DefaultDRYSequenceBreakers() []string { return []string{"\n", ":", "\"", "*"} }

// SamplerVocab is what the DRY sampler needs of the model's vocabulary to
// find its sequence breakers in token text. *tokenizer.Tokenizer implements
// it.
type SamplerVocab interface {
	// VocabSize is the number of tokens.
	VocabSize() int
	// Detokenize is llama_detokenize: the text of ids.
	Detokenize(ids []int32, removeSpecial, unparseSpecial bool) string
	// Encode is llama_tokenize: the tokens of text.
	Encode(text string, addSpecial, parseSpecial bool) []int32
}

// dryEnabled reports whether p asks for the DRY stage (llama.cpp's test:
// a non-zero multiplier, a base of at least 1 and a non-zero window).
func (p *SamplerParams) dryEnabled() bool {
	return p.DRYMultiplier != 0 && p.DRYBase >= 1 && p.DRYPenaltyLastN != 0
}

// validateDRY reports a DRY setting outside its domain. The base is
// checked only when DRY is on (DRYMultiplier not 0), so that the zero value
// stays valid.
func (p *SamplerParams) validateDRY() error {
	m := float64(p.DRYMultiplier)
	switch {
	case math.IsNaN(m) || math.IsInf(m, 0) || m < 0:
		return fmt.Errorf("sampler: DRY multiplier %g must be a finite number >= 0", p.DRYMultiplier)
	case m != 0 && (math.IsNaN(float64(p.DRYBase)) || math.IsInf(float64(p.DRYBase), 0) || p.DRYBase < 1):
		return fmt.Errorf("sampler: DRY base %g must be a finite number >= 1", p.DRYBase)
	case p.DRYAllowedLength < 0:
		return fmt.Errorf("sampler: DRY allowed length %d is negative", p.DRYAllowedLength)
	case p.DRYPenaltyLastN < -1:
		return fmt.Errorf("sampler: DRY penalty-last-n %d is below -1 (-1: the context size, 0: off)", p.DRYPenaltyLastN)
	}
	for i, b := range p.DRYSequenceBreakers {
		if b == "" {
			return fmt.Errorf("sampler: DRY sequence breaker %d is empty", i)
		}
	}
	return nil
}

// dryBreakers maps the first token of each sequence breaker to the tokens
// that must follow it to complete the breaker (none for a token whose text
// holds a whole breaker).
type dryBreakers map[int32][][]int32

// add records head followed by tail, once.
func (b dryBreakers) add(head int32, tail []int32) {
	for _, t := range b[head] {
		if slices.Equal(t, tail) {
			return
		}
	}
	b[head] = append(b[head], tail)
}

// isSingle reports whether token id alone is a breaker.
func (b dryBreakers) isSingle(id int32) bool {
	for _, t := range b[id] {
		if len(t) == 0 {
			return true
		}
	}
	return false
}

// buildDRYBreakers finds every token whose text holds a breaker (a
// one-token breaker), or ends with the start of a breaker; for the latter
// the rest of the breaker is tokenized to give the tail that must follow.
// This is llama.cpp's get_overlapping_token_sequences: it walks the whole
// vocabulary once.
func buildDRYBreakers(v SamplerVocab, breakers []string) dryBreakers {
	out := dryBreakers{}
	strs := make([]string, 0, len(breakers))
	for _, s := range breakers {
		if len(s) > dryMaxBreakerBytes {
			s = s[:dryMaxBreakerBytes]
		}
		if s != "" {
			strs = append(strs, s)
		}
	}
	if len(strs) == 0 {
		return out
	}
	one := make([]int32, 1)
	n := v.VocabSize()
	for id := 0; id < n; id++ {
		one[0] = int32(id)
		word := v.Detokenize(one, false, true)
		for _, s := range strs {
			if strings.Contains(word, s) {
				out.add(int32(id), nil)
				continue
			}
			// Every place where word ends with a proper prefix of s.
			for pos := strings.IndexByte(word, s[0]); pos >= 0; {
				if rest := word[pos:]; strings.HasPrefix(s, rest) {
					tail := v.Encode(s[len(rest):], false, false)
					if len(tail) > dryMaxTailTokens {
						tail = tail[:dryMaxTailTokens]
					}
					out.add(int32(id), tail)
				}
				next := strings.IndexByte(word[pos+1:], s[0])
				if next < 0 {
					break
				}
				pos += 1 + next
			}
		}
	}
	return out
}

// dry is the DRY stage's state: the recent tokens and scratch space reused
// from one Sample to the next.
type dry struct {
	multiplier float32
	base       float32
	allowed    int
	window     int // tokens looked at; 0: the whole history
	maxExp     int // exponent clamp; 0: none
	breakers   dryBreakers

	hist    []int32 // recent tokens, oldest first; the window is its tail
	z       []int32 // Z-array over the reversed window
	best    []int32 // per token id: longest repeat it would extend (+1), 0: none
	touched []int32 // ids with best set, to clear them afterwards
}

// newDRY returns the DRY stage for p, or nil when p leaves it off.
// contextSize stands for a DRYPenaltyLastN of -1; 0 means the whole history.
func newDRY(p *SamplerParams, v SamplerVocab, contextSize int) (*dry, error) {
	if !p.dryEnabled() {
		return nil, nil
	}
	d := &dry{
		multiplier: p.DRYMultiplier,
		base:       p.DRYBase,
		allowed:    p.DRYAllowedLength,
		window:     p.DRYPenaltyLastN,
	}
	if d.window < 0 {
		d.window = max(contextSize, 0)
	}
	if contextSize > 0 && d.window > contextSize {
		d.window = contextSize // llama.cpp never looks past the context
	}
	if d.base > 1.000001 {
		d.maxExp = int(dryFloatMaxLog / float32(math.Log(float64(d.base))))
	}
	if len(p.DRYSequenceBreakers) > 0 {
		if v == nil {
			return nil, fmt.Errorf("sampler: DRY sequence breakers need the model's vocabulary (use NewSamplerFor)")
		}
		d.breakers = buildDRYBreakers(v, p.DRYSequenceBreakers)
	}
	if d.window > 0 {
		d.hist = make([]int32, 0, 2*d.window)
		d.z = make([]int32, d.window)
		d.touched = make([]int32, 0, d.window)
	}
	return d, nil
}

func (d *dry) reset() { d.hist = d.hist[:0] }

// accept appends tok to the history, keeping at most the window (in a
// buffer twice its size, so that the window stays contiguous and the
// amortized cost is one copy per token).
func (d *dry) accept(tok int32) {
	if w := d.window; w > 0 && len(d.hist) == cap(d.hist) {
		n := copy(d.hist, d.hist[len(d.hist)-(w-1):])
		d.hist = d.hist[:n]
	}
	d.hist = append(d.hist, tok)
}

// apply subtracts the DRY penalties from c, whose entry i is token i.
func (d *dry) apply(c []Candidate) {
	h := d.hist
	if d.window > 0 && len(h) > d.window {
		h = h[len(h)-d.window:]
	}
	n := len(h)
	if n <= d.allowed {
		return
	}
	// at(i) is the token i places back from the end: at(0) is the newest.
	at := func(i int) int32 { return h[n-1-i] }

	// The most recent breaker bounds how far back a repeat may reach.
	limit := n
	for i := 0; i < n; i++ {
		tails, ok := d.breakers[at(i)]
		if !ok {
			continue
		}
		longest := -1
		for _, t := range tails {
			if len(t) <= longest || len(t) > i {
				continue
			}
			match := true
			for k, id := range t {
				if id != at(i-1-k) {
					match = false
					break
				}
			}
			if match {
				longest = len(t)
			}
		}
		if longest >= 0 {
			limit = i - longest
			break
		}
	}
	if limit < d.allowed {
		return
	}

	// Z-algorithm over the reversed window: z[k] is the length of the
	// longest sequence ending k tokens before the newest that equals the
	// sequence ending at the newest.
	if cap(d.z) < n {
		d.z = make([]int32, n)
	}
	z := d.z[:n]
	l, r := 0, 0 // the rightmost match found so far is at(l..r-1)
	for k := 1; k < n; k++ {
		m := 0
		if k < r {
			m = min(r-k, int(z[k-l]))
		}
		for k+m < n && at(m) == at(k+m) {
			m++
		}
		if k+m > r {
			l, r = k, k+m
		}
		z[k] = int32(m)
	}

	// The token after each repeat would extend it; keep the longest
	// repeat per token.
	if len(d.best) < len(c) {
		d.best = make([]int32, len(c))
	}
	for k := 1; k < n; k++ {
		rep := min(int(z[k]), limit)
		if rep < d.allowed {
			continue
		}
		tok := at(k - 1)
		if tok < 0 || int(tok) >= len(c) {
			continue
		}
		if d.best[tok] == 0 {
			d.touched = append(d.touched, tok)
		}
		d.best[tok] = max(d.best[tok], int32(rep)+1)
	}

	for _, tok := range d.touched {
		rep := int(d.best[tok]) - 1
		d.best[tok] = 0
		if d.breakers.isSingle(tok) {
			continue
		}
		e := rep - d.allowed
		if d.maxExp > 0 && e > d.maxExp {
			e = d.maxExp
		}
		pen := float32(float64(d.multiplier) * math.Pow(float64(d.base), float64(e)))
		c[tok].Logit -= pen
	}
	d.touched = d.touched[:0]
}
