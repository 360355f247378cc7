package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// SamplerParams configures a Sampler. The zero value samples greedily with
// no penalties; DefaultSamplerParams gives llama.cpp's defaults.
type SamplerParams struct {
	Temperature float32 // <= 0: greedy (argmax)
	TopK        int     // <= 0: off
	TopP        float32 // >= 1: off
	MinP        float32 // <= 0: off
	TypicalP    float32 // >= 1: off

	RepeatPenalty    float32 // 1: off
	FrequencyPenalty float32 // 0: off
	PresencePenalty  float32 // 0: off
	RepeatLastN      int     // tokens of history the penalties look at; 0: off, -1: the whole history

	Mirostat    int     // 0 off, 1 or 2
	MirostatTau float32 // target surprise
	MirostatEta float32 // learning rate

	XTCProbability float32 // chance per step of removing top choices; 0: off
	XTCThreshold   float32 // tokens above this probability are candidates for removal

	// DRY ("don't repeat yourself"; see NewSamplerFor): a token that would
	// extend a sequence of n ≥ DRYAllowedLength tokens already seen loses
	// DRYMultiplier·DRYBase^(n−DRYAllowedLength) from its logit.
	DRYMultiplier       float32  // 0: off
	DRYBase             float32  // growth per extra repeated token (>= 1)
	DRYAllowedLength    int      // repeats this long go unpunished
	DRYPenaltyLastN     int      // tokens of history DRY looks at; -1: the context size, 0: off
	DRYSequenceBreakers []string // repeats never reach back across these strings

	LogitBias map[int32]float32 // added to the logits before everything else
	MinKeep   int               // top-p, min-p, typical keep at least this many (default 1)
	Seed      uint64
}

// DefaultSamplerParams returns llama.cpp's default sampling settings.
func DefaultSamplerParams() SamplerParams {
	return SamplerParams{
		Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, TypicalP: 1,
		RepeatPenalty: 1, RepeatLastN: 64,
		MirostatTau: 5, MirostatEta: 0.1, XTCThreshold: 0.1,
		MinKeep: 1,
		DRYBase: 1.75, DRYAllowedLength: 2, DRYPenaltyLastN: -1,
		DRYSequenceBreakers: DefaultDRYSequenceBreakers(),
	}
}

// Validate reports a setting outside its domain.
func (p *SamplerParams) Validate() error {
	switch {
	case math.IsNaN(float64(p.Temperature)):
		return fmt.Errorf("sampler: temperature is NaN")
	case p.TopP < 0 || p.MinP < 0 || p.TypicalP < 0:
		return fmt.Errorf("sampler: top-p, min-p and typical-p must be >= 0")
	case p.MinP > 1:
		return fmt.Errorf("sampler: min-p %g is above 1", p.MinP)
	case p.RepeatPenalty < 0:
		return fmt.Errorf("sampler: repeat penalty %g is negative", p.RepeatPenalty)
	case p.RepeatLastN < -1:
		return fmt.Errorf("sampler: repeat-last-n %d is below -1", p.RepeatLastN)
	case p.Mirostat < 0 || p.Mirostat > 2:
		return fmt.Errorf("sampler: mirostat must be 0, 1 or 2, not %d", p.Mirostat)
	case p.XTCProbability < 0 || p.XTCProbability > 1:
		return fmt.Errorf("sampler: xtc probability %g is outside [0, 1]", p.XTCProbability)
	}
	return p.validateDRY()
}

// Candidate is one token and its logit (and, after softmax, probability).
type Candidate struct {
	ID    int32
	Logit float32
	P     float32
}

// Sampler picks the next token from a row of logits with llama.cpp's chain:
// logit bias → penalties → DRY → top-k → typical → top-p → min-p → XTC →
// temperature → distribution (or mirostat after temperature). It keeps the
// history the penalties need and reuses its buffers, so Sample allocates
// nothing.
type Sampler struct {
	p       SamplerParams
	rng     *rand.Rand
	cands   []Candidate
	sorted  bool
	history []int32 // ring of recent tokens (for penalties)
	counts  map[int32]int
	mu      float32 // mirostat state
	dry     *dry    // nil when DRY is off
	// Filter, when set, is called with the candidates after the penalties
	// and before truncation; it removes tokens that may not be sampled (the
	// grammar hook). It must keep the slice order.
	Filter func(c []Candidate) []Candidate
}

// NewSampler returns a sampler for params. It is NewSamplerFor without a
// vocabulary: DRY sequence breakers are an error (DRY without breakers
// works), and a DRYPenaltyLastN of -1 means the whole history.
func NewSampler(p SamplerParams) (*Sampler, error) {
	return NewSamplerFor(p, nil, 0)
}

// NewSamplerFor returns a sampler for params over a model's vocabulary and
// context. DRY finds its sequence breakers in the token text of vocab (a
// walk over the whole vocabulary, done here once, as llama.cpp does when
// it builds its DRY sampler); contextSize is the window a
// DRYPenaltyLastN of -1 stands for and bounds larger windows (0: no bound,
// the whole history). vocab may be nil when DRY is off or has no breakers.
func NewSamplerFor(p SamplerParams, vocab SamplerVocab, contextSize int) (*Sampler, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.MinKeep < 1 {
		p.MinKeep = 1
	}
	p.DRYSequenceBreakers = slices.Clone(p.DRYSequenceBreakers)
	s := &Sampler{p: p, counts: map[int32]int{}}
	var err error
	if s.dry, err = newDRY(&p, vocab, contextSize); err != nil {
		return nil, err
	}
	s.rng = rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))
	s.mu = 2 * p.MirostatTau
	return s, nil
}

// Params returns the sampler's settings.
func (s *Sampler) Params() SamplerParams { return s.p }

// Reset clears the penalty history and mirostat state and reseeds.
func (s *Sampler) Reset() {
	s.history = s.history[:0]
	clear(s.counts)
	if s.dry != nil {
		s.dry.reset()
	}
	s.mu = 2 * s.p.MirostatTau
	s.rng = rand.New(rand.NewPCG(s.p.Seed, s.p.Seed^0x9e3779b97f4a7c15))
}

// Accept records a token in the penalty and DRY histories (prompt tokens
// included, as llama.cpp does).
func (s *Sampler) Accept(tok int32) {
	if s.dry != nil {
		s.dry.accept(tok)
	}
	n := s.p.RepeatLastN
	if n == 0 {
		return
	}
	if n > 0 && len(s.history) == n {
		old := s.history[0]
		copy(s.history, s.history[1:])
		s.history = s.history[:n-1]
		if s.counts[old]--; s.counts[old] <= 0 {
			delete(s.counts, old)
		}
	}
	s.history = append(s.history, tok)
	s.counts[tok]++
}

// Sample returns the next token for the logits row (one float per
// vocabulary entry). It does not Accept the token.
func (s *Sampler) Sample(logits []float32) int32 {
	c := s.load(logits)
	if s.Filter != nil {
		c = s.Filter(c)
		s.cands = c
		if len(c) == 0 {
			return -1
		}
	}
	if s.p.Temperature <= 0 && s.p.Mirostat == 0 {
		return argmax(c)
	}
	if s.p.Mirostat == 0 {
		c = s.topK(c, s.p.TopK)
		c = s.typical(c)
		c = s.topP(c)
		c = s.minP(c)
		c = s.xtc(c)
	}
	scale := 1 / max(s.p.Temperature, 1e-6)
	if s.p.Temperature <= 0 {
		scale = 1
	}
	for i := range c {
		c[i].Logit *= scale
	}
	switch s.p.Mirostat {
	case 1:
		return s.mirostat1(c)
	case 2:
		return s.mirostat2(c)
	}
	softmax(c)
	return s.draw(c)
}

// load fills the candidate buffer from logits and applies bias and penalties.
func (s *Sampler) load(logits []float32) []Candidate {
	if cap(s.cands) < len(logits) {
		s.cands = make([]Candidate, len(logits))
	}
	c := s.cands[:len(logits)]
	for i, l := range logits {
		c[i] = Candidate{ID: int32(i), Logit: l}
	}
	for id, b := range s.p.LogitBias {
		if id >= 0 && int(id) < len(c) {
			c[id].Logit += b
		}
	}
	pen := s.p.RepeatPenalty
	if (pen != 1 && pen != 0) || s.p.FrequencyPenalty != 0 || s.p.PresencePenalty != 0 {
		for id, n := range s.counts {
			if id < 0 || int(id) >= len(c) {
				continue
			}
			l := c[id].Logit
			if pen != 0 && pen != 1 {
				if l <= 0 {
					l *= pen
				} else {
					l /= pen
				}
			}
			l -= float32(n)*s.p.FrequencyPenalty + s.p.PresencePenalty
			c[id].Logit = l
		}
	}
	if s.dry != nil {
		s.dry.apply(c)
	}
	s.sorted = false
	return c
}

func argmax(c []Candidate) int32 {
	best := 0
	for i := 1; i < len(c); i++ {
		if c[i].Logit > c[best].Logit {
			best = i
		}
	}
	return c[best].ID
}

func byLogit(a, b Candidate) int {
	switch {
	case a.Logit > b.Logit:
		return -1
	case a.Logit < b.Logit:
		return 1
	}
	return int(a.ID - b.ID)
}

// sortDesc sorts c by logit, highest first, lowest id first on ties.
func (s *Sampler) sortDesc(c []Candidate) {
	if !s.sorted {
		slices.SortFunc(c, byLogit)
		s.sorted = true
	}
}

func (s *Sampler) topK(c []Candidate, k int) []Candidate {
	if k <= 0 || k >= len(c) {
		return c
	}
	if !s.sorted {
		// Partial selection: the k best, then sort only those.
		selectTopK(c, k)
		slices.SortFunc(c[:k], byLogit)
		s.sorted = true
	}
	return c[:k]
}

// selectTopK moves the k largest candidates to the front (quickselect).
func selectTopK(c []Candidate, k int) {
	lo, hi := 0, len(c)-1
	for lo < hi {
		p := c[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for byLogit(c[i], p) < 0 {
				i++
			}
			for byLogit(c[j], p) > 0 {
				j--
			}
			if i <= j {
				c[i], c[j] = c[j], c[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return
		}
	}
}

// softmax sets P from the logits (c need not be sorted).
func softmax(c []Candidate) {
	if len(c) == 0 {
		return
	}
	m := c[0].Logit
	for _, x := range c[1:] {
		m = max(m, x.Logit)
	}
	var sum float64
	for i := range c {
		e := float32(math.Exp(float64(c[i].Logit - m)))
		c[i].P = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range c {
		c[i].P *= inv
	}
}

func (s *Sampler) typical(c []Candidate) []Candidate {
	p := s.p.TypicalP
	if p >= 1 || len(c) <= 1 {
		return c
	}
	softmax(c)
	var ent float64
	for _, x := range c {
		if x.P > 0 {
			ent -= float64(x.P) * math.Log(float64(x.P))
		}
	}
	// Sort by |−log p − entropy| ascending; stash the score in Logit's
	// neighbour by sorting a key computed on the fly.
	key := func(x Candidate) float64 { return math.Abs(-math.Log(float64(x.P)) - ent) }
	slices.SortStableFunc(c, func(a, b Candidate) int {
		ka, kb := key(a), key(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	var cum float32
	n := len(c)
	for i, x := range c {
		cum += x.P
		if cum >= p && i+1 >= s.p.MinKeep {
			n = i + 1
			break
		}
	}
	c = c[:n]
	s.sorted = false
	return c
}

func (s *Sampler) topP(c []Candidate) []Candidate {
	p := s.p.TopP
	if p >= 1 || len(c) <= 1 {
		return c
	}
	s.sortDesc(c)
	softmax(c)
	var cum float32
	for i, x := range c {
		cum += x.P
		if cum >= p && i+1 >= s.p.MinKeep {
			return c[:i+1]
		}
	}
	return c
}

func (s *Sampler) minP(c []Candidate) []Candidate {
	p := s.p.MinP
	if p <= 0 || len(c) <= 1 {
		return c
	}
	m := c[0].Logit
	for _, x := range c[1:] {
		m = max(m, x.Logit)
	}
	limit := m + float32(math.Log(float64(p)))
	n := 0
	for _, x := range c {
		if x.Logit >= limit {
			n++
		}
	}
	if n < s.p.MinKeep {
		s.sortDesc(c)
		return c[:min(s.p.MinKeep, len(c))]
	}
	n = 0
	for _, x := range c {
		if x.Logit >= limit {
			c[n] = x
			n++
		}
	}
	return c[:n]
}

// xtc ("exclude top choices") removes, with probability XTCProbability, every
// token above XTCThreshold except the least likely of them.
func (s *Sampler) xtc(c []Candidate) []Candidate {
	if s.p.XTCProbability <= 0 || s.p.XTCThreshold > 0.5 || len(c) < 2 {
		return c
	}
	if s.rng.Float32() >= s.p.XTCProbability {
		return c
	}
	s.sortDesc(c)
	softmax(c)
	last := -1
	for i, x := range c {
		if x.P >= s.p.XTCThreshold {
			last = i
		}
	}
	if last < 1 || len(c)-last < s.p.MinKeep {
		return c
	}
	return c[last:]
}

// draw samples from the probabilities in c.
func (s *Sampler) draw(c []Candidate) int32 {
	r := s.rng.Float64()
	var cum float64
	for _, x := range c {
		cum += float64(x.P)
		if r < cum {
			return x.ID
		}
	}
	return c[len(c)-1].ID
}

// mirostat1 is Mirostat v1 (Basu et al. 2021) with m = 100 as llama.cpp uses.
func (s *Sampler) mirostat1(c []Candidate) int32 {
	s.sortDesc(c)
	softmax(c)
	const m = 100
	nv := float64(len(c))
	var sumTiBi, sumTi2 float64
	for i := 0; i < m-1 && i < len(c)-1; i++ {
		ti := math.Log(float64(i+2) / float64(i+1))
		bi := math.Log(float64(c[i].P) / float64(c[i+1].P))
		sumTiBi += ti * bi
		sumTi2 += ti * ti
	}
	sHat := sumTiBi / sumTi2
	eps := sHat - 1
	k := math.Pow(eps*math.Pow(2, float64(s.mu))/(1-math.Pow(nv, -eps)), 1/sHat)
	kk := int(max(1, min(k, nv)))
	if math.IsNaN(k) {
		kk = len(c)
	}
	c = c[:kk]
	softmax(c)
	id := s.draw(c)
	s.mirostatUpdate(c, id)
	return id
}

// mirostat2 is Mirostat v2: drop tokens more surprising than mu.
func (s *Sampler) mirostat2(c []Candidate) int32 {
	s.sortDesc(c)
	softmax(c)
	n := 0
	for _, x := range c {
		if -math.Log2(float64(x.P)) > float64(s.mu) {
			break
		}
		n++
	}
	c = c[:max(n, 1)]
	softmax(c)
	id := s.draw(c)
	s.mirostatUpdate(c, id)
	return id
}

func (s *Sampler) mirostatUpdate(c []Candidate, id int32) {
	for _, x := range c {
		if x.ID == id {
			surprise := -math.Log2(float64(x.P))
			s.mu -= s.p.MirostatEta * float32(surprise-float64(s.p.MirostatTau))
			return
		}
	}
}
