package gollm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/gollm/gollm/model"
)

// Session is one conversation's evaluation state: a KV cache of the
// model's context size and the tokens in it. Sessions of one model share
// its weights and CPU threads, so several can serve requests at once (their
// steps interleave). A Session runs one generation at a time.
type Session struct {
	m       *Model
	mu      sync.Mutex // held by the running generation
	ctx     *model.Context
	history []int32 // tokens whose keys and values are in ctx
}

// NewSession allocates a new session (a KV cache of the model's context
// size). Close it when done; Model.Close closes every session.
func (m *Model) NewSession() (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errors.New("gollm: model is closed")
	}
	ctx, err := m.m.NewContext(model.ContextParams{CtxSize: m.cfg.ctxSize, BatchSize: m.cfg.batchSize, KVType: m.cfg.kvType, Backend: m.be})
	if err != nil {
		return nil, err
	}
	s := &Session{m: m, ctx: ctx}
	m.sessions[s] = true
	return s, nil
}

// Close frees the session's KV cache. It waits for a running generation
// on the session to end.
func (s *Session) Close() error {
	s.m.mu.Lock()
	delete(s.m.sessions, s)
	s.m.mu.Unlock()
	s.close()
	return nil
}

func (s *Session) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx != nil {
		s.ctx.Close()
		s.ctx = nil
	}
	s.history = nil
}

// ContextSize returns the number of positions of the session's KV cache.
func (s *Session) ContextSize() int { return s.ctx.Size() }

// Pooling selects how Embed turns per-token hidden states into one vector.
type Pooling int

// Pooling kinds.
const (
	PoolMean Pooling = iota // mean of every token's hidden state
	PoolLast                // the last token's hidden state
)

// Embed returns an L2-normalised embedding of text: the model's final
// (normalised) hidden states pooled over the tokens. It uses the session's
// KV cache (which it clears).
func (s *Session) Embed(ctx context.Context, text string, pool Pooling) ([]float32, error) {
	if !s.mu.TryLock() {
		return nil, ErrBusy
	}
	defer s.mu.Unlock()
	if s.ctx == nil {
		return nil, errors.New("gollm: session is closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	toks := s.m.m.Tok.Encode(text, true, false)
	if len(toks) == 0 {
		return nil, errors.New("gollm: nothing to embed (empty text and no BOS token)")
	}
	if len(toks) > s.ctx.Size() {
		return nil, fmt.Errorf("gollm: input is %d tokens, the context holds %d", len(toks), s.ctx.Size())
	}
	s.ctx.Truncate(0)
	s.history = s.history[:0]
	h, err := s.ctx.DecodeEmbed(toks)
	s.ctx.Truncate(0)
	if err != nil {
		return nil, err
	}
	ne := s.m.m.HP.NEmbd
	out := make([]float32, ne)
	switch pool {
	case PoolLast:
		copy(out, h[len(h)-ne:])
	default:
		for i := 0; i < len(toks); i++ {
			for j, v := range h[i*ne : (i+1)*ne] {
				out[j] += v
			}
		}
		for j := range out {
			out[j] /= float32(len(toks))
		}
	}
	var ss float64
	for _, v := range out {
		ss += float64(v) * float64(v)
	}
	if ss > 0 {
		inv := float32(1 / math.Sqrt(ss))
		for j := range out {
			out[j] *= inv
		}
	}
	return out, nil
}

// Embed is Session.Embed on the model's default session.
func (m *Model) Embed(ctx context.Context, text string, pool Pooling) ([]float32, error) {
	return m.def.Embed(ctx, text, pool)
}
