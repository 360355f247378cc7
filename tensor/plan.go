package tensor

import (
	"fmt"
	"math"
)

// Plan decides which nodes run (those the outputs and the side-effecting
// copies depend on), gives every intermediate result a slot in the arena,
// reusing slots whose tensors are dead (liveness by last use, as
// ggml-alloc does; elementwise ops overwrite a dying operand in place), and
// makes sure the arena, allocated from be, is large enough. Compute calls
// Plan; calling it directly with the largest graph a model will build
// reserves the arena up front, so that later steps allocate nothing.
// Planning an unchanged graph again is free.
func (g *Graph) Plan(be Backend) error {
	if g.err != nil {
		return g.err
	}
	if be == nil {
		return fmt.Errorf("tensor: plan: nil backend")
	}
	if g.planned && g.plannedBE == be {
		return nil
	}
	g.markNeeded()
	g.liveness()
	g.allocate()
	if err := g.ensureArena(be); err != nil {
		return err
	}
	g.assign()
	g.planned = true
	g.plannedBE = be
	return nil
}

// Compute plans the graph (see Plan) and runs it on be. Afterwards the
// outputs hold their results until the next Compute or Reset.
func (g *Graph) Compute(be Backend) error {
	if err := g.Plan(be); err != nil {
		return err
	}
	if err := be.Compute(g); err != nil {
		return fmt.Errorf("tensor: compute on %s: %w", be.Name(), err)
	}
	return nil
}

// owner returns the tensor whose storage t uses.
func owner(t *Tensor) *Tensor {
	if t.kind == storageView {
		return t.base
	}
	return t
}

// arenaOwned reports whether t's storage is an arena slot of g.
func (g *Graph) arenaOwned(t *Tensor) bool { return t.g == g && t.kind == storageNone }

func (g *Graph) markNeeded() {
	nodes := g.nodes
	for _, t := range nodes {
		t.needed = false
		t.lastUse = -1
		t.inplace = false
	}
	if !g.hasOutput {
		for i := len(nodes) - 1; i >= 0; i-- {
			if nodes[i].op != OpNone && nodes[i].op != OpView {
				nodes[i].output = true
				break
			}
		}
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		t := nodes[i]
		if t.output || t.sideEff {
			t.needed = true
		}
		if !t.needed {
			continue
		}
		for _, s := range t.src {
			if s != nil && s.g == g {
				s.needed = true
			}
		}
		if t.base != nil && t.base.g == g {
			t.base.needed = true
		}
	}
	g.exec = g.exec[:0]
	for _, t := range nodes {
		if t.needed && t.op != OpNone && t.op != OpView {
			g.exec = append(g.exec, t)
		}
	}
}

// liveness records, for each arena tensor, the index in exec of its last
// reader (math.MaxInt32 for outputs).
func (g *Graph) liveness() {
	// Only the graph's own tensors are touched: external ones (weights,
	// caches) may be shared by graphs planned concurrently.
	for i, t := range g.exec {
		for _, s := range t.src {
			if s != nil && s.g == g {
				if o := owner(s); o.g == g {
					o.lastUse = int32(i)
				}
			}
		}
	}
	for _, t := range g.nodes {
		if o := owner(t); t.needed && t.output && o.g == g {
			o.lastUse = math.MaxInt32
		}
	}
}

func (g *Graph) allocate() {
	g.free.reset()
	for i, t := range g.exec {
		if t.kind == storageNone {
			if !g.tryInplace(t, i) {
				t.arenaOff = g.free.alloc(slotSize(t))
			}
		}
		for _, s := range t.src {
			if s == nil || s.g != g {
				continue
			}
			o := owner(s)
			if g.arenaOwned(o) && o.lastUse == int32(i) {
				g.free.release(o.arenaOff, slotSize(o))
				o.lastUse = -2 // freed
			}
		}
		if t.kind == storageNone && t.lastUse == -1 {
			g.free.release(t.arenaOff, slotSize(t)) // computed but never read
		}
	}
	g.arenaSize = g.free.high
}

// tryInplace lets t take over the slot of the operand it may overwrite when
// that operand dies at t and nothing else t reads shares its storage.
func (g *Graph) tryInplace(t *Tensor, i int) bool {
	j := t.inplaceSrc()
	if j < 0 {
		return false
	}
	s := t.src[j]
	if s == nil || !g.arenaOwned(s) || s.output || s.lastUse != int32(i) ||
		s.typ != t.typ || s.ne != t.ne || s.nb != t.nb {
		return false
	}
	for k, o := range t.src {
		if k != j && o != nil && owner(o) == s {
			return false
		}
	}
	t.arenaOff = s.arenaOff
	t.inplace = true
	s.lastUse = -2 // the slot now belongs to t
	return true
}

func slotSize(t *Tensor) int { return (t.Bytes() + alignment - 1) &^ (alignment - 1) }

func (g *Graph) ensureArena(be Backend) error {
	need := g.arenaSize
	if g.arena != nil && g.arenaBE == be && len(g.arena.Bytes()) >= need {
		return nil
	}
	if g.arena != nil {
		g.arena.Free()
		g.arena = nil
	}
	if need == 0 {
		return nil
	}
	buf, err := be.Alloc(need)
	if err != nil {
		return fmt.Errorf("tensor: arena of %d bytes: %w", need, err)
	}
	g.arena = buf
	g.arenaBE = be
	return nil
}

// assign gives arena tensors their bytes and resolves views, in creation
// order so that a view's base is placed before the view.
func (g *Graph) assign() {
	var arena []byte
	if g.arena != nil {
		arena = g.arena.Bytes()
	}
	for _, t := range g.nodes {
		if !t.needed {
			continue
		}
		switch t.kind {
		case storageNone:
			n := t.Bytes()
			t.data = arena[t.arenaOff : t.arenaOff+n : t.arenaOff+n]
		case storageView:
			t.resolve()
		}
	}
}

// freeList is the arena allocator: best fit over a sorted list of free
// spans below a high-water mark.
type freeList struct {
	spans []span // free spans sorted by offset, never adjacent
	end   int    // end of the used region
	high  int    // largest end reached
}

type span struct{ off, size int }

func (f *freeList) reset() {
	f.spans = f.spans[:0]
	f.end = 0
	f.high = 0
}

func (f *freeList) alloc(n int) int {
	if n == 0 {
		return 0
	}
	best := -1
	for i, s := range f.spans {
		if s.size >= n && (best < 0 || s.size < f.spans[best].size) {
			best = i
		}
	}
	if best >= 0 {
		s := &f.spans[best]
		off := s.off
		if s.size == n {
			f.spans = append(f.spans[:best], f.spans[best+1:]...)
		} else {
			s.off += n
			s.size -= n
		}
		return off
	}
	off := f.end
	if k := len(f.spans) - 1; k >= 0 && f.spans[k].off+f.spans[k].size == f.end {
		off = f.spans[k].off
		f.spans = f.spans[:k]
	}
	f.end = off + n
	if f.end > f.high {
		f.high = f.end
	}
	return off
}

func (f *freeList) release(off, n int) {
	if n == 0 {
		return
	}
	i := 0
	for i < len(f.spans) && f.spans[i].off < off {
		i++
	}
	f.spans = append(f.spans, span{})
	copy(f.spans[i+1:], f.spans[i:])
	f.spans[i] = span{off, n}
	if i+1 < len(f.spans) && f.spans[i].off+f.spans[i].size == f.spans[i+1].off {
		f.spans[i].size += f.spans[i+1].size
		f.spans = append(f.spans[:i+1], f.spans[i+2:]...)
	}
	if i > 0 && f.spans[i-1].off+f.spans[i-1].size == f.spans[i].off {
		f.spans[i-1].size += f.spans[i].size
		f.spans = append(f.spans[:i], f.spans[i+1:]...)
		i--
	}
	if last := len(f.spans) - 1; last >= 0 && f.spans[last].off+f.spans[last].size == f.end {
		f.end = f.spans[last].off
		f.spans = f.spans[:last]
	}
}
