package grammar

import (
	"errors"
	"fmt"
)

// ErrRejected is wrapped by the errors of Advance and Accept when the input
// does not continue the grammar.
var ErrRejected = errors.New("input rejected by the grammar")

// State is a position in a grammar: what has been matched so far. It owns
// the caches that make matching fast, so each generation (sequence) needs
// its own State. A State is not safe for concurrent use.
type State struct {
	e   *engine
	cur int32
}

// NewState returns a State at the start of the grammar.
func (g *Grammar) NewState() *State {
	e := newEngine(g)
	return &State{e: e, cur: e.initial}
}

// Grammar returns the grammar s matches.
func (s *State) Grammar() *Grammar { return s.e.g }

// Reset moves s back to the start of the grammar, keeping its caches.
func (s *State) Reset() { s.cur = s.e.initial }

// Clone returns an independent copy of s at the same position (with empty
// caches).
func (s *State) Clone() *State {
	e := newEngine(s.e.g)
	c := &State{e: e}
	if s.cur == 0 {
		c.cur = 0
		return c
	}
	src := s.e
	var copyFrame func(n int32) int32
	copyFrame = func(n int32) int32 {
		if n == 0 {
			return 0
		}
		f := src.frames[n]
		return e.intern(f.pos, f.ts, copyFrame(f.parent))
	}
	e.out = e.out[:0]
	for _, n := range src.stacks(s.cur) {
		e.out = append(e.out, copyFrame(n))
	}
	c.cur = e.internSet()
	return c
}

// Accepts reports whether b can be appended to the input matched so far:
// whether the matched input followed by b is a prefix of some string of the
// grammar. It does not change s.
func (s *State) Accepts(b []byte) bool {
	next, _, _ := s.e.run(s.cur, b)
	return next != 0
}

// Advance appends b to the matched input. If that is no longer a prefix of
// any string of the grammar, it returns an error wrapping ErrRejected and
// leaves s unchanged.
func (s *State) Advance(b []byte) error {
	next, n, last := s.e.run(s.cur, b)
	if next == 0 {
		if s.e.overflow[[2]int32{last, int32(s.e.g.classOf[b[n]])}] {
			return fmt.Errorf("grammar: byte %d of %q: more than %d parse stacks (the grammar is too ambiguous): %w",
				n, b, maxStacks, ErrRejected)
		}
		return fmt.Errorf("grammar: byte %d (%q) of %q: %w", n, b[n], b, ErrRejected)
	}
	s.set(next)
	return nil
}

// AdvanceString is Advance for a string.
func (s *State) AdvanceString(str string) error { return s.Advance([]byte(str)) }

// set moves s to a new set, dropping the caches first if they grew too big.
func (s *State) set(next int32) {
	s.cur = next
	if s.e.oversized() {
		s.cur = s.e.rebase(next)
	}
}

// CanEnd reports whether the input matched so far is a complete string of
// the grammar, so that generation may stop here.
func (s *State) CanEnd() bool { return s.e.canEnd[s.cur] }

// Done reports whether the matched input is complete and nothing more can
// follow it, so that the only way on is to stop.
func (s *State) Done() bool {
	st := s.e.stacks(s.cur)
	return len(st) == 1 && st[0] == 0
}

// NumStacks returns how many parse stacks the state holds: 1 for an
// unambiguous position, more where the grammar leaves several ways open.
func (s *State) NumStacks() int { return len(s.e.stacks(s.cur)) }

// Match reports whether text is a complete string of the grammar.
func (g *Grammar) Match(text []byte) bool {
	s := g.NewState()
	return s.Advance(text) == nil && s.CanEnd()
}

// MatchString is Match for a string.
func (g *Grammar) MatchString(text string) bool { return g.Match([]byte(text)) }
