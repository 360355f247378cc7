package grammar

import (
	"encoding/binary"
	"slices"
)

// The matcher is llama.cpp's pushdown automaton: a position is a set of
// stacks of program positions, each stack's top a terminal waiting for its
// next character (the empty stack means the input may end there). Two
// changes make it cheap per token:
//
//   - Stacks are persistent linked lists of interned frames, so a stack is
//     one int32, shared tails cost nothing, and equal stacks are equal ids
//     (dedupe is free).
//   - A set of stacks is interned too, and its transition on each byte
//     class is computed once and cached: the automaton is determinized
//     lazily, like a regular-expression engine's lazy DFA. Walking a token
//     (or the whole vocabulary trie) is then a table lookup per byte.
//
// Terminals are byte automata over UTF-8, so a token that ends inside a
// multi-byte character leaves the top frame mid-character; nothing special
// is needed across tokens.

// frame is one interned stack frame: the program position, the terminal
// automaton state when pos is a terminal (-1 otherwise), and the frame below
// (0 is the empty stack).
type frame struct {
	pos, ts, parent int32
}

// Engine-size limits: past them the caches are dropped at the next Advance.
const (
	maxCachedSets   = 1 << 15
	maxCachedFrames = 1 << 20
	maskCacheSize   = 16
	// maxStacks bounds the stacks of one position. Highly ambiguous
	// grammars (nested repetitions of repetitions) can need more; the
	// matcher then refuses the input rather than slow to a crawl.
	maxStacks = 1 << 16
)

// engine holds the interned stacks and the lazily built transition table of
// one State. It is not safe for concurrent use.
type engine struct {
	g    *Grammar
	ncls int

	frames  []frame
	frameID map[frame]int32

	// Interned stack sets. Set 0 is the dead set (no stacks).
	setOff  []int32 // set i is setData[setOff[i]:setOff[i+1]]
	setData []int32
	setID   map[string]int32
	canEnd  []bool
	// trans[set*ncls+class]: the next set, or unknown (-1). The dead set's
	// row is all 0.
	trans   []int32
	initial int32
	// loops[set] holds the bytes that lead from set back to set, as a
	// trie need mask (see needBits in tokens.go), or loopsUnknown.
	loops []uint64
	// overflow records transitions refused for needing more than
	// maxStacks stacks.
	overflow map[[2]int32]bool

	// Scratch for computing a transition.
	mark []uint32
	gen  uint32
	out  []int32
	work []int32
	key  []byte

	// Scratch and cache for vocabulary masks.
	walk  []walkFrame
	masks []maskEntry
	bits  []uint64
	tick  uint64
}

// maskEntry is a cached vocabulary mask of one set.
type maskEntry struct {
	f    *TokenFilter
	set  int32
	used uint64
	bits []uint64
}

const unknown = -1

func newEngine(g *Grammar) *engine {
	e := &engine{g: g, ncls: g.ncls}
	e.reset()
	e.gen++
	e.out = e.out[:0]
	e.expand(e.intern(g.startPos, -1, 0))
	e.initial = e.internSet()
	return e
}

// reset empties every cache.
func (e *engine) reset() {
	e.frames = append(e.frames[:0], frame{-1, -1, -1})
	e.frameID = map[frame]int32{}
	e.mark = append(e.mark[:0], 0)
	e.setOff = append(e.setOff[:0], 0, 0)
	e.setData = e.setData[:0]
	e.setID = map[string]int32{"": 0}
	e.overflow = nil
	e.canEnd = append(e.canEnd[:0], false)
	e.loops = append(e.loops[:0], 0)
	e.trans = e.trans[:0]
	for i := 0; i < e.ncls; i++ {
		e.trans = append(e.trans, 0)
	}
	for i := range e.masks {
		e.masks[i].f = nil
	}
}

// stacks returns the stack tops of set s.
func (e *engine) stacks(s int32) []int32 {
	return e.setData[e.setOff[s]:e.setOff[s+1]]
}

// intern returns the id of a frame.
func (e *engine) intern(pos, ts, parent int32) int32 {
	f := frame{pos, ts, parent}
	if id, ok := e.frameID[f]; ok {
		return id
	}
	id := int32(len(e.frames))
	e.frames = append(e.frames, f)
	e.mark = append(e.mark, 0)
	e.frameID[f] = id
	return id
}

// push interns a frame at program position pos over parent, starting its
// terminal automaton when pos is a terminal.
func (e *engine) push(pos, parent int32) int32 {
	ts := int32(-1)
	if el := e.g.elems[pos]; el.kind == elemTerm {
		ts = e.g.termStart[el.arg]
	}
	return e.intern(pos, ts, parent)
}

// expand adds to e.out every stack whose top is a terminal (or the empty
// stack) reachable from stack n by expanding rule references, like
// llama_grammar_advance_stack. Stacks already expanded in this generation
// are skipped, which also dedupes the output.
func (e *engine) expand(n int32) {
	g := e.g
	e.work = append(e.work[:0], n)
	for len(e.work) > 0 {
		n := e.work[len(e.work)-1]
		e.work = e.work[:len(e.work)-1]
		if e.mark[n] == e.gen {
			continue
		}
		e.mark[n] = e.gen
		if n == 0 {
			e.out = append(e.out, 0)
			continue
		}
		f := e.frames[n]
		el := g.elems[f.pos]
		if el.kind == elemTerm {
			e.out = append(e.out, n)
			continue
		}
		// A rule reference: replace it by each alternative, with the
		// element after the reference (if any) as the return frame.
		base := f.parent
		if g.elems[f.pos+1].kind != elemEnd {
			base = e.push(f.pos+1, f.parent)
		}
		for _, a := range g.alts[el.arg] {
			if g.elems[a].kind == elemEnd {
				e.work = append(e.work, base)
			} else {
				e.work = append(e.work, e.push(a, base))
			}
		}
	}
}

// internSet canonicalizes e.out into a set id.
func (e *engine) internSet() int32 {
	if len(e.out) == 0 {
		return 0
	}
	slices.Sort(e.out)
	e.out = slices.Compact(e.out)
	e.key = e.key[:0]
	for _, n := range e.out {
		e.key = binary.LittleEndian.AppendUint32(e.key, uint32(n))
	}
	if id, ok := e.setID[string(e.key)]; ok {
		return id
	}
	id := int32(len(e.setOff) - 1)
	e.setID[string(e.key)] = id
	e.setData = append(e.setData, e.out...)
	e.setOff = append(e.setOff, int32(len(e.setData)))
	e.canEnd = append(e.canEnd, e.out[0] == 0)
	e.loops = append(e.loops, loopsUnknown)
	for i := 0; i < e.ncls; i++ {
		e.trans = append(e.trans, unknown)
	}
	return id
}

// step returns the set after one byte of class c from set s, computing and
// caching it when needed.
func (e *engine) step(s int32, c uint8) int32 {
	if t := e.trans[int(s)*e.ncls+int(c)]; t != unknown {
		return t
	}
	return e.compute(s, c)
}

func (e *engine) compute(s int32, c uint8) int32 {
	g := e.g
	e.gen++
	e.out = e.out[:0]
	for _, n := range e.stacks(s) {
		if n == 0 {
			continue // the empty stack accepts no more input
		}
		f := e.frames[n]
		switch next := g.tsTrans[int(f.ts)*g.ncls+int(c)]; next {
		case tsDead:
		case tsDone:
			if g.elems[f.pos+1].kind == elemEnd {
				e.expand(f.parent)
			} else {
				e.expand(e.push(f.pos+1, f.parent))
			}
		default:
			// Mid-character: the same terminal, further along.
			id := e.intern(f.pos, next, f.parent)
			if e.mark[id] != e.gen {
				e.mark[id] = e.gen
				e.out = append(e.out, id)
			}
		}
	}
	if len(e.out) > maxStacks {
		if e.overflow == nil {
			e.overflow = map[[2]int32]bool{}
		}
		e.overflow[[2]int32{s, int32(c)}] = true
		e.out = e.out[:0]
	}
	t := e.internSet()
	e.trans[int(s)*e.ncls+int(c)] = t
	return t
}

// loopsUnknown marks a set whose loops are not computed yet; selfLoops
// never returns it.
const loopsUnknown = needNever

// utf8Sequences are the byte ranges of every well-formed multi-byte UTF-8
// character.
var utf8Sequences = [][][2]byte{
	{{0xC2, 0xDF}, {0x80, 0xBF}},
	{{0xE0, 0xE0}, {0xA0, 0xBF}, {0x80, 0xBF}},
	{{0xE1, 0xEC}, {0x80, 0xBF}, {0x80, 0xBF}},
	{{0xED, 0xED}, {0x80, 0x9F}, {0x80, 0xBF}},
	{{0xEE, 0xEF}, {0x80, 0xBF}, {0x80, 0xBF}},
	{{0xF0, 0xF0}, {0x90, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}},
	{{0xF1, 0xF3}, {0x80, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}},
	{{0xF4, 0xF4}, {0x80, 0x8F}, {0x80, 0xBF}, {0x80, 0xBF}},
}

// selfLoops returns the bytes that lead from set s back to s, as a trie
// need mask: the bit of each ASCII byte class that loops (a bit shared by
// several classes only if all of them loop), and needNonASCII if every
// multi-byte character leads back to s through live sets.
func (e *engine) selfLoops(s int32) uint64 {
	var loops, other uint64
	var ascii [256]bool
	for b := 0; b < 0x80; b++ {
		ascii[e.g.classOf[b]] = true
	}
	for c := 0; c < e.ncls; c++ {
		if !ascii[c] {
			continue
		}
		if e.step(s, uint8(c)) == s {
			loops |= classBit(uint8(c))
		} else {
			other |= classBit(uint8(c))
		}
	}
	loops &^= other
	if e.allCharsLoop(s) {
		loops |= needNonASCII
	}
	e.loops[s] = loops
	return loops
}

// allCharsLoop reports whether every multi-byte character leads from set s
// back to s without dying on the way.
func (e *engine) allCharsLoop(s int32) bool {
	var walk func(seq [][2]byte, from int32) bool
	walk = func(seq [][2]byte, from int32) bool {
		if len(seq) == 0 {
			return from == s
		}
		var seen [256]bool
		for b := int(seq[0][0]); b <= int(seq[0][1]); b++ {
			c := e.g.classOf[b]
			if seen[c] {
				continue
			}
			seen[c] = true
			next := e.step(from, c)
			if next == 0 || !walk(seq[1:], next) {
				return false
			}
		}
		return true
	}
	for _, seq := range utf8Sequences {
		if !walk(seq, s) {
			return false
		}
	}
	return true
}

// run feeds b from set s and returns the final set (0 if b is rejected),
// how many bytes were consumed before the set died, and the last live set.
func (e *engine) run(s int32, b []byte) (next int32, n int, last int32) {
	classOf := &e.g.classOf
	for i, x := range b {
		next := e.step(s, classOf[x])
		if next == 0 {
			return 0, i, s
		}
		s = next
	}
	return s, len(b), s
}

// oversized reports whether the caches have outgrown their limits.
func (e *engine) oversized() bool {
	return len(e.setOff) > maxCachedSets || len(e.frames) > maxCachedFrames
}

// rebase drops every cache except what set s needs, and returns s's id in
// the fresh tables.
func (e *engine) rebase(s int32) int32 {
	if s == 0 {
		e.reset()
		e.gen++
		e.out = e.out[:0]
		e.expand(e.intern(e.g.startPos, -1, 0))
		e.initial = e.internSet()
		return 0
	}
	old := e.frames
	tops := slices.Clone(e.stacks(s))
	e.frames = nil
	e.mark = nil
	e.setOff, e.setData, e.trans, e.canEnd = nil, nil, nil, nil
	e.loops = nil
	e.reset()
	var copyFrame func(n int32) int32
	copyFrame = func(n int32) int32 {
		if n == 0 {
			return 0
		}
		f := old[n]
		return e.intern(f.pos, f.ts, copyFrame(f.parent))
	}
	e.out = e.out[:0]
	for _, n := range tops {
		e.out = append(e.out, copyFrame(n))
	}
	id := e.internSet()
	// The initial set must stay valid for Reset.
	e.gen++
	saved := slices.Clone(e.out)
	e.out = e.out[:0]
	e.expand(e.intern(e.g.startPos, -1, 0))
	e.initial = e.internSet()
	e.out = saved[:0]
	return id
}
