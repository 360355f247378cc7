package model

import (
	"errors"
	"fmt"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// ContextParams configure a Context. Zero values give llama.cpp's defaults.
type ContextParams struct {
	CtxSize   int        // positions in the KV cache; 0: the training context, at most 4096
	BatchSize int        // most tokens evaluated per graph; 0: 512
	Threads   int        // CPU threads; 0: all cores
	KVType    quant.Type // F16 (the zero value maps to F16) or Q8_0
	// Backend, when set, is used instead of starting a CPU backend; the
	// Context does not close it.
	Backend tensor.Backend
}

// ErrContextFull is returned by Decode when the tokens do not fit in the
// remaining context.
var ErrContextFull = errors.New("model: context is full")

// Context is one sequence being evaluated: a KV cache, a reusable graph and
// the position reached. It is not safe for concurrent use.
type Context struct {
	m         *Model
	be        tensor.Backend
	ownBE     bool
	kv        *KVCache
	g         *tensor.Graph
	gs        *tensor.Graph // Shift's graph, made on first use
	batchSize int
	nPast     int
	logits    []float32
}

// NewContext allocates a context (KV cache, graph, backend) for m.
func (m *Model) NewContext(p ContextParams) (*Context, error) {
	if p.CtxSize < 0 || p.BatchSize < 0 || p.Threads < 0 {
		return nil, fmt.Errorf("model: context size, batch size and threads must not be negative")
	}
	if p.CtxSize == 0 {
		p.CtxSize = min(m.HP.CtxTrain, 4096)
		if p.CtxSize <= 0 {
			p.CtxSize = 4096
		}
	}
	if p.BatchSize == 0 {
		p.BatchSize = 512
	}
	p.BatchSize = min(p.BatchSize, p.CtxSize)
	if p.KVType == quant.F32 {
		p.KVType = quant.F16
	}
	c := &Context{m: m, be: p.Backend, batchSize: p.BatchSize, g: tensor.NewGraph()}
	if c.be == nil {
		c.be = tensor.NewCPU(p.Threads)
		c.ownBE = true
	}
	var err error
	if c.kv, err = NewKVCache(c.be, m.HP, p.KVType, p.CtxSize); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close frees the cache and stops the backend if the context started it.
func (c *Context) Close() error {
	if c.kv != nil {
		c.kv.Free()
		c.kv = nil
	}
	if c.ownBE && c.be != nil {
		c.be.Close()
		c.be = nil
	}
	return nil
}

// Model returns the context's model.
func (c *Context) Model() *Model { return c.m }

// Size returns the number of positions the context holds.
func (c *Context) Size() int { return c.kv.Size }

// Pos returns the number of positions filled.
func (c *Context) Pos() int { return c.nPast }

// Truncate forgets every position from n on, so that evaluation continues at
// n (reusing a shared prefix).
func (c *Context) Truncate(n int) {
	c.nPast = max(0, min(n, c.nPast))
}

// Graph returns the graph of the last Decode step (for inspection: arena
// size, node count).
func (c *Context) Graph() *tensor.Graph { return c.g }

// Decode evaluates tokens at the next positions, in batches of at most the
// batch size, and stores their keys and values. It returns the logits of the
// last token ([n_vocab]) or, when all is set, of every token (row-major
// [len(tokens)][n_vocab]). The slice is reused by the next call.
func (c *Context) Decode(tokens []int32, all bool) ([]float32, error) {
	if err := c.check(tokens); err != nil {
		return nil, err
	}
	nv := c.m.HP.NVocab
	nOut := 1
	if all {
		nOut = len(tokens)
	}
	if cap(c.logits) < nOut*nv {
		c.logits = make([]float32, nOut*nv)
	}
	c.logits = c.logits[:nOut*nv]
	for start := 0; start < len(tokens); start += c.batchSize {
		chunk := tokens[start:min(start+c.batchSize, len(tokens))]
		last := start+len(chunk) == len(tokens)
		if !all && !last {
			if err := c.step(chunk, nil); err != nil {
				return nil, err
			}
			continue
		}
		var dst []float32
		if all {
			dst = c.logits[start*nv : (start+len(chunk))*nv]
		} else {
			dst = c.logits
		}
		if err := c.step(chunk, dst); err != nil {
			return nil, err
		}
	}
	return c.logits, nil
}

// DecodeEmbed evaluates tokens like Decode and returns the final
// normalised hidden state of every token (row-major [len(tokens)][n_embd]),
// for embedding models and pooled sentence embeddings.
func (c *Context) DecodeEmbed(tokens []int32) ([]float32, error) {
	if err := c.check(tokens); err != nil {
		return nil, err
	}
	ne := c.m.HP.NEmbd
	out := make([]float32, len(tokens)*ne)
	for start := 0; start < len(tokens); start += c.batchSize {
		chunk := tokens[start:min(start+c.batchSize, len(tokens))]
		if err := c.run(chunk, out[start*ne:(start+len(chunk))*ne], ne, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Context) check(tokens []int32) error {
	if len(tokens) == 0 {
		return fmt.Errorf("model: decode: no tokens")
	}
	if c.nPast+len(tokens) > c.kv.Size {
		return fmt.Errorf("%w: %d positions used, %d more do not fit in %d", ErrContextFull, c.nPast, len(tokens), c.kv.Size)
	}
	nv := c.m.HP.NVocab
	for i, t := range tokens {
		if t < 0 || int(t) >= nv {
			return fmt.Errorf("model: decode: token %d at index %d is outside the vocabulary (0..%d)", t, i, nv-1)
		}
	}
	return nil
}

// step evaluates one batch. dst receives the logits of every token of the
// batch (len(dst) = len(tokens)·n_vocab), or of its last token
// (len(dst) = n_vocab); nil computes no logits.
func (c *Context) step(tokens []int32, dst []float32) error {
	return c.run(tokens, dst, c.m.HP.NVocab, false)
}

// run evaluates one batch; dst receives rows of width values (logits or
// hidden states).
func (c *Context) run(tokens []int32, dst []float32, width int, embed bool) error {
	g := c.g
	g.Reset()
	n := len(tokens)
	nOut := len(dst) / width
	b := &Batch{NTokens: n, Pos0: c.nPast, KV: c.kv, Embed: embed}
	b.Tokens = g.Input(quant.I32, n)
	b.Pos = g.Input(quant.I32, n)
	toks, _ := b.Tokens.I32()
	pos, _ := b.Pos.I32()
	copy(toks, tokens)
	for i := range pos {
		pos[i] = int32(c.nPast + i)
	}
	outN := max(nOut, 1)
	b.Outputs = g.Input(quant.I32, outN)
	out, _ := b.Outputs.I32()
	for i := range out {
		out[i] = int32(n - outN + i)
	}
	logits := c.m.Arch.Forward(g, b)
	if err := g.Err(); err != nil {
		return fmt.Errorf("model: %s: building the graph: %w", c.m.HP.Arch, err)
	}
	g.Output(logits)
	if err := g.Compute(c.be); err != nil {
		return fmt.Errorf("model: %s: %w", c.m.HP.Arch, err)
	}
	c.nPast += n
	if dst != nil {
		res, err := logits.F32()
		if err != nil {
			return fmt.Errorf("model: reading logits: %w", err)
		}
		copy(dst, res)
	}
	return nil
}
