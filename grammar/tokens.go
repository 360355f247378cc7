package grammar

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// TokenFilter applies a grammar to a model vocabulary: which tokens may come
// next from a State, and advancing a State by a token. It holds the
// vocabulary as a prefix trie laid out in depth-first order, so a mask walks
// each shared prefix once and prunes a whole subtree at its first rejected
// byte. A TokenFilter is immutable and safe for concurrent use (the States
// are not).
type TokenFilter struct {
	g       *Grammar
	nTokens int
	pieces  [][]byte
	isEOG   []bool
	eog     []int32

	// The trie, in preorder; node 0 is the root. Node i's subtree is
	// nodes[i:nodes[i].skip].
	nodes    []trieNode
	maxDepth int
	// dupNext chains tokens with identical pieces: the next token with the
	// same piece, or -1.
	dupNext []int32
}

// trieNode is one vocabulary-trie node: the byte class of the edge into it
// (a grammar byte class, so the walk needs no byte lookup), its depth, the
// end of its subtree, and the first token whose piece ends here (-1: none).
type trieNode struct {
	skip  int32
	tok   int32
	depth uint16
	class uint8
}

// NewTokenFilter prepares grammar g for a vocabulary. pieces[id] is the text
// (raw bytes) of token id; eogTokens are the end-of-generation tokens, which
// are allowed exactly where the grammar may end. Other tokens with an empty
// piece are never allowed.
func NewTokenFilter(g *Grammar, pieces [][]byte, eogTokens []int) (*TokenFilter, error) {
	if g == nil {
		return nil, fmt.Errorf("grammar: NewTokenFilter: nil grammar")
	}
	if len(pieces) > math.MaxInt32 {
		return nil, fmt.Errorf("grammar: NewTokenFilter: %d tokens is too many", len(pieces))
	}
	f := &TokenFilter{
		g:       g,
		nTokens: len(pieces),
		pieces:  make([][]byte, len(pieces)),
		isEOG:   make([]bool, len(pieces)),
		dupNext: make([]int32, len(pieces)),
	}
	for _, id := range eogTokens {
		if id < 0 || id >= len(pieces) {
			return nil, fmt.Errorf("grammar: NewTokenFilter: end-of-generation token %d out of range [0,%d)", id, len(pieces))
		}
		if !f.isEOG[id] {
			f.isEOG[id] = true
			f.eog = append(f.eog, int32(id))
		}
	}
	var ids []int32
	for id, p := range pieces {
		if len(p) > math.MaxUint16 {
			return nil, fmt.Errorf("grammar: NewTokenFilter: token %d piece is %d bytes long", id, len(p))
		}
		f.pieces[id] = bytes.Clone(p)
		f.dupNext[id] = -1
		if len(p) > 0 && !f.isEOG[id] {
			ids = append(ids, int32(id))
		}
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if c := bytes.Compare(pieces[a], pieces[b]); c != 0 {
			return c
		}
		return int(a - b)
	})

	// Build the preorder trie from the sorted pieces: each piece shares the
	// path of its longest common prefix with the previous one.
	f.nodes = append(f.nodes, trieNode{tok: -1})
	path := []int32{0} // path[d] is the node at depth d
	var prev []byte
	lastTok := map[int32]int32{} // node -> last token chained there
	for _, id := range ids {
		p := f.pieces[id]
		lcp := 0
		for lcp < len(p) && lcp < len(prev) && p[lcp] == prev[lcp] {
			lcp++
		}
		for len(path)-1 > lcp { // close the subtrees left behind
			f.nodes[path[len(path)-1]].skip = int32(len(f.nodes))
			path = path[:len(path)-1]
		}
		for d := lcp; d < len(p); d++ {
			f.nodes = append(f.nodes, trieNode{tok: -1, depth: uint16(d + 1), class: g.classOf[p[d]]})
			path = append(path, int32(len(f.nodes)-1))
		}
		n := path[len(p)]
		if f.nodes[n].tok < 0 {
			f.nodes[n].tok = id
		} else {
			f.dupNext[lastTok[n]] = id
		}
		lastTok[n] = id
		f.maxDepth = max(f.maxDepth, len(p))
		prev = p
	}
	for _, n := range path {
		f.nodes[n].skip = int32(len(f.nodes))
	}
	return f, nil
}

// Grammar returns the filter's grammar.
func (f *TokenFilter) Grammar() *Grammar { return f.g }

// NumTokens returns the vocabulary size.
func (f *TokenFilter) NumTokens() int { return f.nTokens }

// MaskWords returns the length of the bitset Mask fills: one bit per token.
func (f *TokenFilter) MaskWords() int { return (f.nTokens + 63) / 64 }

func (f *TokenFilter) check(s *State) error {
	if s == nil || s.e.g != f.g {
		return fmt.Errorf("grammar: state is not of the filter's grammar")
	}
	return nil
}

// Allowed reports whether token id may come next from s. It walks only the
// token's own bytes, so a sampler can try its pick first and mask the whole
// vocabulary only when the pick is refused (llama.cpp's approach).
func (f *TokenFilter) Allowed(s *State, id int) bool {
	if id < 0 || id >= f.nTokens || f.check(s) != nil {
		return false
	}
	if f.isEOG[id] {
		return s.CanEnd()
	}
	p := f.pieces[id]
	if len(p) == 0 {
		return false
	}
	next, _, _ := s.e.run(s.cur, p)
	return next != 0
}

// Accept advances s by token id. An end-of-generation token is accepted
// where the grammar may end and leaves s unchanged. A refused token returns
// an error wrapping ErrRejected and leaves s unchanged.
func (f *TokenFilter) Accept(s *State, id int) error {
	if err := f.check(s); err != nil {
		return err
	}
	if id < 0 || id >= f.nTokens {
		return fmt.Errorf("grammar: token %d out of range [0,%d)", id, f.nTokens)
	}
	if f.isEOG[id] {
		if !s.CanEnd() {
			return fmt.Errorf("grammar: end-of-generation token %d before the grammar is complete: %w", id, ErrRejected)
		}
		return nil
	}
	p := f.pieces[id]
	if len(p) == 0 {
		return fmt.Errorf("grammar: token %d has an empty piece: %w", id, ErrRejected)
	}
	next, _, _ := s.e.run(s.cur, p)
	if next == 0 {
		return fmt.Errorf("grammar: token %d (%q): %w", id, p, ErrRejected)
	}
	s.set(next)
	return nil
}

// Mask sets bit id of allowed (allowed[id/64] bit id%64) for every token
// that may come next from s and clears the others. allowed must have at
// least MaskWords words. Masks are cached per State position, so a position
// that recurs (inside a string, say) costs a copy.
func (f *TokenFilter) Mask(s *State, allowed []uint64) error {
	if err := f.check(s); err != nil {
		return err
	}
	if len(allowed) < f.MaskWords() {
		return fmt.Errorf("grammar: Mask: bitset has %d words, need %d", len(allowed), f.MaskWords())
	}
	allowed = allowed[:f.MaskWords()]
	e := s.e
	e.tick++
	for i := range e.masks {
		m := &e.masks[i]
		if m.f == f && m.set == s.cur {
			m.used = e.tick
			copy(allowed, m.bits)
			return nil
		}
	}
	f.walk(s, allowed)
	// Store a copy in the least recently used slot.
	var m *maskEntry
	if len(e.masks) < maskCacheSize {
		e.masks = append(e.masks, maskEntry{})
		m = &e.masks[len(e.masks)-1]
	} else {
		m = &e.masks[0]
		for i := range e.masks {
			if e.masks[i].used < m.used {
				m = &e.masks[i]
			}
		}
	}
	m.f, m.set, m.used = f, s.cur, e.tick
	if cap(m.bits) < len(allowed) {
		m.bits = make([]uint64, len(allowed))
	}
	m.bits = m.bits[:len(allowed)]
	copy(m.bits, allowed)
	return nil
}

// MaskUncached is Mask without the per-position cache: it always walks the
// vocabulary trie. It is meant for measuring the walk.
func (f *TokenFilter) MaskUncached(s *State, allowed []uint64) error {
	if err := f.check(s); err != nil {
		return err
	}
	if len(allowed) < f.MaskWords() {
		return fmt.Errorf("grammar: Mask: bitset has %d words, need %d", len(allowed), f.MaskWords())
	}
	f.walk(s, allowed[:f.MaskWords()])
	return nil
}

// walk computes the mask of s by a depth-first walk of the trie.
func (f *TokenFilter) walk(s *State, allowed []uint64) {
	clear(allowed)
	e := s.e
	if cap(e.walk) < f.maxDepth+1 {
		e.walk = make([]int32, f.maxDepth+1)
	}
	sets := e.walk[:f.maxDepth+1]
	sets[0] = s.cur
	ncls := e.ncls
	nodes := f.nodes
	for i := 1; i < len(nodes); {
		n := &nodes[i]
		from := sets[n.depth-1]
		next := e.trans[int(from)*ncls+int(n.class)]
		if next == unknown {
			next = e.compute(from, n.class)
		}
		if next == 0 {
			i = int(n.skip)
			continue
		}
		sets[n.depth] = next
		for t := n.tok; t >= 0; t = f.dupNext[t] {
			allowed[t>>6] |= 1 << (uint(t) & 63)
		}
		i++
	}
	if e.canEnd[s.cur] {
		for _, t := range f.eog {
			allowed[t>>6] |= 1 << (uint(t) & 63)
		}
	}
}

// MaskLogits sets logits[id] to -Inf for every token that may not come next
// from s. len(logits) must be the vocabulary size.
func (f *TokenFilter) MaskLogits(s *State, logits []float32) error {
	if len(logits) != f.nTokens {
		return fmt.Errorf("grammar: MaskLogits: %d logits for %d tokens", len(logits), f.nTokens)
	}
	if err := f.check(s); err != nil {
		return err
	}
	e := s.e
	if cap(e.bits) < f.MaskWords() {
		e.bits = make([]uint64, f.MaskWords())
	}
	bits := e.bits[:f.MaskWords()]
	if err := f.Mask(s, bits); err != nil {
		return err
	}
	negInf := float32(math.Inf(-1))
	for w, word := range bits {
		if word == math.MaxUint64 {
			continue
		}
		base := w * 64
		for j := 0; j < 64 && base+j < len(logits); j++ {
			if word&(1<<uint(j)) == 0 {
				logits[base+j] = negInf
			}
		}
	}
	return nil
}

// FilterCandidates keeps the candidate token ids that may come next from s,
// in order, and returns them (a prefix of ids). It checks each candidate on
// its own, which is cheaper than a full mask for a short candidate list.
func (f *TokenFilter) FilterCandidates(s *State, ids []int32) []int32 {
	out := ids[:0]
	for _, id := range ids {
		if f.Allowed(s, int(id)) {
			out = append(out, id)
		}
	}
	return out
}
