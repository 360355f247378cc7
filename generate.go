package gollm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/model"
)

// SamplerParams configure token sampling; see model.SamplerParams.
type SamplerParams = model.SamplerParams

// DefaultSamplerParams returns llama.cpp's default sampling settings.
func DefaultSamplerParams() SamplerParams { return model.DefaultSamplerParams() }

// GenerateOptions configure one generation.
type GenerateOptions struct {
	// MaxTokens stops after this many generated tokens; 0 or less: no limit
	// (generation ends at an end-of-generation token, or never when
	// IgnoreEOS is set: the context shifts to make room).
	MaxTokens int
	// Sampler settings. The zero value samples greedily; use
	// DefaultSamplerParams for llama.cpp's defaults.
	Sampler SamplerParams
	// Stop ends generation when the text contains one of these strings;
	// the stop string itself is not returned.
	Stop []string
	// IgnoreEOS keeps generating past end-of-generation tokens.
	IgnoreEOS bool
	// ContextShift makes room when the context is full, as llama.cpp's
	// --context-shift does: the first Keep prompt tokens stay, half of the
	// rest is dropped (the cache moves down, keys rotated to their new
	// positions, nothing evaluated again) and generation goes on. Without
	// it generation stops (StopReason "context") when the context is full.
	ContextShift bool
	// Keep is how many prompt tokens survive a context shift (BOS is always
	// kept); -1 keeps the whole prompt.
	Keep int
	// RawPrompt tokenizes the prompt without turning special-token text
	// (e.g. "<|im_start|>") into special tokens.
	RawPrompt bool
	// Grammar, when set, constrains the generated text to a formal
	// language (a GBNF grammar, or a JSON schema compiled by package
	// grammar): only tokens that keep the text inside the language are
	// sampled, and generation ends when the grammar is complete.
	Grammar *grammar.Grammar
	// Stats, when not nil, receives the generation's statistics when the
	// sequence ends.
	Stats *Stats
}

// Token is one generated token and the text it completes. Text may be empty
// while a multi-byte character or a possible stop string is incomplete, and
// may hold text of earlier tokens when it completes.
type Token struct {
	ID   int32
	Text string
}

// Stats describe a finished generation.
type Stats struct {
	PromptTokens     int           // tokens of the prompt
	PromptEvaluated  int           // of which evaluated (the rest reused from the cache)
	PromptDuration   time.Duration // evaluating the prompt
	GeneratedTokens  int
	GenerateDuration time.Duration // sampling and evaluating the generated tokens
	StopReason       string        // "eos", "stop", "length", "context" or "cancel"
	ContextShifts    int
}

// Generate tokenizes prompt (adding BOS as the model's vocabulary asks)
// and generates a continuation on the model's default session, yielding
// tokens as they are sampled. Cancelling ctx stops generation within one
// token.
func (m *Model) Generate(ctx context.Context, prompt string, opts GenerateOptions) iter.Seq2[Token, error] {
	return m.def.Generate(ctx, prompt, opts)
}

// GenerateTokens is Generate for a prompt that is already tokenized.
func (m *Model) GenerateTokens(ctx context.Context, prompt []int32, opts GenerateOptions) iter.Seq2[Token, error] {
	return m.def.GenerateTokens(ctx, prompt, opts)
}

// Generate is Model.Generate on this session.
func (s *Session) Generate(ctx context.Context, prompt string, opts GenerateOptions) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		toks := s.m.m.Tok.Encode(prompt, true, !opts.RawPrompt)
		s.generate(ctx, toks, opts, yield)
	}
}

// GenerateTokens is Model.GenerateTokens on this session.
func (s *Session) GenerateTokens(ctx context.Context, prompt []int32, opts GenerateOptions) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) { s.generate(ctx, prompt, opts, yield) }
}

func (s *Session) generate(ctx context.Context, prompt []int32, opts GenerateOptions, yield func(Token, error) bool) {
	if !s.mu.TryLock() {
		yield(Token{}, ErrBusy)
		return
	}
	defer s.mu.Unlock()
	if s.ctx == nil {
		yield(Token{}, errors.New("gollm: session is closed"))
		return
	}
	st := Stats{PromptTokens: len(prompt)}
	defer func() {
		if opts.Stats != nil {
			*opts.Stats = st
		}
	}()
	if len(prompt) == 0 {
		yield(Token{}, errors.New("gollm: empty prompt (the model's vocabulary adds no BOS token)"))
		return
	}
	size := s.ctx.Size()
	if len(prompt) >= size {
		yield(Token{}, fmt.Errorf("gollm: prompt is %d tokens, the context holds %d (raise the context size)", len(prompt), size))
		return
	}
	sampler, err := model.NewSamplerFor(opts.Sampler, s.m.m.Tok, size)
	if err != nil {
		yield(Token{}, err)
		return
	}
	tok := s.m.m.Tok
	var gf *grammar.TokenFilter
	var gs *grammar.State
	if opts.Grammar != nil {
		if gf, err = s.m.tokenFilter(opts.Grammar); err != nil {
			yield(Token{}, err)
			return
		}
		gs = opts.Grammar.NewState()
	}

	// Reuse the longest prefix already in the cache.
	t0 := time.Now()
	p := commonPrefix(s.history, prompt)
	if p == len(prompt) {
		p-- // the last prompt token must be evaluated again for its logits
	}
	s.ctx.Truncate(p)
	s.history = append(s.history[:p], prompt[p:]...)
	logits, err := s.ctx.Decode(prompt[p:], false)
	if err != nil {
		s.history = s.history[:s.ctx.Pos()]
		yield(Token{}, err)
		return
	}
	st.PromptEvaluated = len(prompt) - p
	st.PromptDuration = time.Since(t0)
	for _, t := range prompt {
		sampler.Accept(t)
	}

	keep := opts.Keep
	if keep < 0 || keep > len(prompt) {
		keep = len(prompt)
	}
	if tok.AddBOS() && len(prompt) > 0 && prompt[0] == tok.BOS() {
		keep = min(keep+1, len(prompt))
	}
	dec := tok.NewStreamDecoder(false)
	stops := newStopMatcher(opts.Stop)
	// flush releases text held back (a partial character, a possible stop
	// string) when generation ends without a stop string.
	flush := func() {
		if s := stops.flush(dec.Flush()); s != "" {
			yield(Token{ID: -1, Text: s}, nil)
		}
	}
	t1 := time.Now()
	defer func() { st.GenerateDuration = time.Since(t1) }()
	for opts.MaxTokens <= 0 || st.GeneratedTokens < opts.MaxTokens {
		if err := ctx.Err(); err != nil {
			st.StopReason = "cancel"
			yield(Token{}, err)
			return
		}
		id := sampler.Sample(logits)
		if gf != nil && (id < 0 || !gf.Allowed(gs, int(id))) {
			// llama.cpp's order: try the sampled token first, mask the
			// whole vocabulary only when the grammar rejects it.
			if err := gf.MaskLogits(gs, logits); err != nil {
				yield(Token{}, fmt.Errorf("gollm: grammar: %w", err))
				return
			}
			id = sampler.Sample(logits)
			if id >= 0 && !gf.Allowed(gs, int(id)) {
				id = -1
			}
		}
		if id < 0 {
			yield(Token{}, errors.New("gollm: no token is allowed (the sampler's filters or the grammar removed every token)"))
			return
		}
		sampler.Accept(id)
		st.GeneratedTokens++
		if tok.IsEOG(id) && !opts.IgnoreEOS {
			st.StopReason = "eos"
			flush()
			return
		}
		if gf != nil {
			if err := gf.Accept(gs, int(id)); err != nil {
				yield(Token{}, fmt.Errorf("gollm: grammar: %w", err))
				return
			}
		}
		text, hit := stops.add(dec.Add(id))
		if gs != nil && gs.Done() {
			// The grammar admits nothing more: the text is complete.
			text += stops.flush(dec.Flush())
			yield(Token{ID: id, Text: text}, nil)
			st.StopReason = "stop"
			return
		}
		if !yield(Token{ID: id, Text: text}, nil) {
			st.StopReason = "cancel"
			return
		}
		if hit {
			st.StopReason = "stop"
			return
		}
		if s.ctx.Pos() == size {
			if !opts.ContextShift {
				st.StopReason = "context"
				flush()
				return
			}
			if err := s.shift(keep); err != nil {
				yield(Token{}, err)
				return
			}
			st.ContextShifts++
		}
		s.history = append(s.history, id)
		if logits, err = s.ctx.Decode([]int32{id}, false); err != nil {
			s.history = s.history[:s.ctx.Pos()]
			yield(Token{}, err)
			return
		}
	}
	st.StopReason = "length"
	flush()
}

// shift makes room in a full context as llama.cpp does: keep the first keep
// tokens, drop half of the rest, and continue. The cache's later entries
// move down and their keys are rotated to their new positions
// (model.Context.Shift), which costs no evaluation; an architecture whose
// cache cannot be shifted evaluates the kept tokens again instead.
func (s *Session) shift(keep int) error {
	n := s.ctx.Pos()
	keep = min(keep, n-2)
	discard := (n - keep) / 2
	err := s.ctx.Shift(keep, discard)
	h := append(s.history[:keep:keep], s.history[keep+discard:n]...)
	s.history = h
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, model.ErrNoKeyShift):
		s.history = s.history[:0]
		s.ctx.Truncate(0)
		return fmt.Errorf("gollm: context shift: %w", err)
	}
	s.ctx.Truncate(keep)
	if len(h) > keep {
		if _, err := s.ctx.Decode(h[keep:], false); err != nil {
			return fmt.Errorf("gollm: context shift: %w", err)
		}
	}
	return nil
}

func commonPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// stopMatcher holds back text that could be the start of a stop string.
type stopMatcher struct {
	stops   []string
	pending strings.Builder
}

func newStopMatcher(stops []string) *stopMatcher {
	var s []string
	for _, x := range stops {
		if x != "" {
			s = append(s, x)
		}
	}
	return &stopMatcher{stops: s}
}

// add appends text and returns what can be released, and whether a stop
// string was found (then the text before it is returned and the rest
// dropped).
func (s *stopMatcher) add(text string) (string, bool) {
	if len(s.stops) == 0 {
		return text, false
	}
	s.pending.WriteString(text)
	buf := s.pending.String()
	cut := -1
	for _, stop := range s.stops {
		if i := strings.Index(buf, stop); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut >= 0 {
		s.pending.Reset()
		return buf[:cut], true
	}
	// Hold back the longest suffix that is a prefix of some stop string.
	hold := 0
	for _, stop := range s.stops {
		for k := min(len(stop)-1, len(buf)); k > hold; k-- {
			if strings.HasSuffix(buf, stop[:k]) {
				hold = k
				break
			}
		}
	}
	s.pending.Reset()
	s.pending.WriteString(buf[len(buf)-hold:])
	return buf[:len(buf)-hold], false
}

// flush returns whatever is held back plus the decoder's rest.
func (s *stopMatcher) flush(rest string) string {
	out, _ := s.add(rest)
	held := s.pending.String()
	s.pending.Reset()
	return out + held
}
