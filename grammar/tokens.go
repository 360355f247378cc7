package grammar

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// TokenFilter applies a grammar to a model vocabulary: which tokens may come
// next from a State, and advancing a State by a token. It holds the
// vocabulary as a prefix trie, so a mask walks each shared prefix once and
// prunes a whole subtree at its first rejected byte. A TokenFilter is
// immutable and safe for concurrent use (the States are not).
type TokenFilter struct {
	g       *Grammar
	nTokens int
	pieces  [][]byte
	isEOG   []bool
	eog     []int32

	// The trie. Node 0 is the root; the children of every node are
	// consecutive (nodes[children:children+nchild]), so the walk reads
	// siblings in order. Tokens are numbered in trie preorder: order lists
	// them, a node's own tokens are order[first:own] and its subtree's are
	// order[first:end].
	nodes    []trieNode
	maxDepth int
	order    []int32
}

// trieNode is one vocabulary-trie node: the byte class of the edge into it
// (a grammar byte class, so the walk needs no byte lookup), its children,
// its tokens, and what the bytes below it need for the whole subtree to be
// allowed at once.
type trieNode struct {
	need     uint64
	children int32
	first    int32
	own      int32
	end      int32
	nchild   uint16
	class    uint8
}

// preNode is a trie node while building, in preorder.
type preNode struct {
	need  uint64
	skip  int32 // end of the subtree in preorder
	first int32
	class uint8
}

// A trie node's need mask and a set's loops mask use the same bits: bit
// c%62 for each byte class c that holds an ASCII byte (classes past 62
// share bits), needNonASCII for multi-byte characters, and needNever for
// what no set provides. The subtree under a node whose set is s is allowed
// as a whole when need &^ loops(s) == 0: every byte below leads from s
// back to s.
const (
	needNonASCII = 1 << 62 // bytes >= 0x80 below, all in valid UTF-8
	needNever    = 1 << 63 // invalid UTF-8 below, or the node is inside a character
)

// classBit is the need/loops bit of byte class c.
func classBit(c uint8) uint64 { return 1 << (c % 62) }

// utf8Step advances a UTF-8 validator: state 0 is between characters; 1, 2
// and 3 expect that many continuation bytes; 4 (after E0), 5 (after ED), 6
// (after F0) and 7 (after F4) expect a restricted second byte; -1 is
// invalid.
func utf8Step(state int8, b byte) int8 {
	switch state {
	case -1:
		return -1
	case 0:
		switch {
		case b < 0x80:
			return 0
		case b >= 0xC2 && b <= 0xDF:
			return 1
		case b == 0xE0:
			return 4
		case b == 0xED:
			return 5
		case b >= 0xE1 && b <= 0xEF:
			return 2
		case b == 0xF0:
			return 6
		case b == 0xF4:
			return 7
		case b >= 0xF1 && b <= 0xF3:
			return 3
		}
		return -1
	case 4:
		if b >= 0xA0 && b <= 0xBF {
			return 1
		}
	case 5:
		if b >= 0x80 && b <= 0x9F {
			return 1
		}
	case 6:
		if b >= 0x90 && b <= 0xBF {
			return 2
		}
	case 7:
		if b >= 0x80 && b <= 0x8F {
			return 2
		}
	default: // 1, 2, 3
		if b >= 0x80 && b <= 0xBF {
			return state - 1
		}
	}
	return -1
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
	total := 0
	for id, p := range pieces {
		if len(p) > math.MaxUint16 {
			return nil, fmt.Errorf("grammar: NewTokenFilter: token %d piece is %d bytes long", id, len(p))
		}
		total += len(p)
		if len(p) > 0 && !f.isEOG[id] {
			ids = append(ids, int32(id))
		}
	}
	buf := make([]byte, 0, total) // one copy of all the pieces
	for id, p := range pieces {
		buf = append(buf, p...)
		f.pieces[id] = buf[len(buf)-len(p) : len(buf) : len(buf)]
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if c := bytes.Compare(pieces[a], pieces[b]); c != 0 {
			return c
		}
		return int(a - b)
	})

	// Build the preorder trie from the sorted pieces: each piece shares the
	// path of its longest common prefix with the previous one. Tokens come
	// in preorder too, so each node's tokens are a run of order.
	nnodes := 2 // the root and the sentinel
	for i, id := range ids {
		lcp := 0
		if i > 0 {
			prev, p := f.pieces[ids[i-1]], f.pieces[id]
			for lcp < len(p) && lcp < len(prev) && p[lcp] == prev[lcp] {
				lcp++
			}
		}
		nnodes += len(f.pieces[id]) - lcp
	}
	pre := make([]preNode, 0, nnodes)
	f.order = make([]int32, 0, len(ids))
	pre = append(pre, preNode{})
	path := []int32{0}     // path[d] is the node at depth d
	utf8State := []int8{0} // the validator state at path[d]
	below := []uint64{0}   // need bits of the bytes below path[d]
	var prev []byte
	closeNode := func(d int) { // close path[d], folding it into its parent
		nd := &pre[path[d]]
		nd.skip = int32(len(pre))
		nd.need = below[d]
		if utf8State[d] != 0 {
			nd.need |= needNever
		}
		if d > 0 {
			var bits uint64
			switch {
			case utf8State[d] < 0:
				bits = needNever
			case prev[d-1] >= 0x80:
				bits = needNonASCII
			default:
				bits = classBit(nd.class)
			}
			below[d-1] |= below[d] | bits
		}
	}
	for _, id := range ids {
		p := f.pieces[id]
		lcp := 0
		for lcp < len(p) && lcp < len(prev) && p[lcp] == prev[lcp] {
			lcp++
		}
		for len(path)-1 > lcp { // close the subtrees left behind
			closeNode(len(path) - 1)
			path, utf8State, below = path[:len(path)-1], utf8State[:len(utf8State)-1], below[:len(below)-1]
		}
		prev = p
		for d := lcp; d < len(p); d++ {
			pre = append(pre, preNode{first: int32(len(f.order)), class: g.classOf[p[d]]})
			path = append(path, int32(len(pre)-1))
			utf8State = append(utf8State, utf8Step(utf8State[d], p[d]))
			below = append(below, 0)
		}
		f.order = append(f.order, id)
		f.maxDepth = max(f.maxDepth, len(p))
	}
	for len(path) > 0 {
		closeNode(len(path) - 1)
		path, utf8State, below = path[:len(path)-1], utf8State[:len(utf8State)-1], below[:len(below)-1]
	}
	pre = append(pre, preNode{first: int32(len(f.order))}) // sentinel

	// Lay the nodes out breadth first, so that each node's children are
	// consecutive.
	f.nodes = make([]trieNode, 0, len(pre)-1)
	queue := make([]int32, 1, len(pre)-1) // preorder index of each new node
	for q := 0; q < len(queue); q++ {
		p := queue[q]
		n := trieNode{
			need:     pre[p].need,
			children: int32(len(queue)),
			first:    pre[p].first,
			own:      pre[p+1].first,
			end:      pre[pre[p].skip].first,
			class:    pre[p].class,
		}
		for c := p + 1; c < pre[p].skip; c = pre[c].skip {
			queue = append(queue, c)
			n.nchild++
		}
		f.nodes = append(f.nodes, n)
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

// walkFrame is a run of sibling trie nodes still to visit from one set.
type walkFrame struct {
	next, end int32
	set       int32
}

// walk computes the mask of s by a depth-first walk of the trie.
func (f *TokenFilter) walk(s *State, allowed []uint64) {
	clear(allowed)
	e := s.e
	if cap(e.walk) < f.maxDepth+1 {
		e.walk = make([]walkFrame, 0, f.maxDepth+1)
	}
	stack := append(e.walk[:0], walkFrame{next: f.nodes[0].children, end: f.nodes[0].children + int32(f.nodes[0].nchild), set: s.cur})
	ncls := e.ncls
	nodes := f.nodes
	order := f.order
	for len(stack) > 0 {
		fr := &stack[len(stack)-1]
		if fr.next == fr.end {
			stack = stack[:len(stack)-1]
			continue
		}
		n := &nodes[fr.next]
		fr.next++
		from := fr.set
		next := e.trans[int(from)*ncls+int(n.class)]
		if next == unknown {
			next = e.compute(from, n.class)
		}
		if next == 0 {
			continue
		}
		loops := e.loops[next]
		if loops == loopsUnknown {
			loops = e.selfLoops(next)
		}
		end := n.own
		if n.need&^loops == 0 {
			// Every byte below stays in next: the whole subtree is
			// allowed.
			end = n.end
		} else if n.nchild > 0 {
			stack = append(stack, walkFrame{next: n.children, end: n.children + int32(n.nchild), set: next})
		}
		for _, t := range order[n.first:end] {
			allowed[t>>6] |= 1 << (uint(t) & 63)
		}
	}
	e.walk = stack[:0]
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
