package grammar

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// elemKind is the kind of a program element.
type elemKind uint8

const (
	elemEnd  elemKind = iota // end of an alternative
	elemRef                  // reference to rule arg
	elemTerm                 // terminal arg: one character of a set
)

// elem is one element of the flat program: each alternative of each rule is
// a run of elements closed by an elemEnd, as in llama.cpp's rule arrays.
type elem struct {
	kind elemKind
	arg  int32
}

// Terminal-state transition results (values of Grammar.tsTrans that are not
// a terminal state).
const (
	tsDead = -1 // the byte cannot continue the character
	tsDone = -2 // the byte completes a character of the set
)

// Grammar is a compiled grammar: a pushdown program over bytes. A Grammar is
// immutable and safe for concurrent use; matching happens in a State.
type Grammar struct {
	src   string
	rules []*ruleDef
	root  int

	elems    []elem
	alts     [][]int32 // per rule: start of each alternative in elems
	startPos int32     // a synthetic [ref root, end] run

	// Each terminal is a small byte automaton over UTF-8 that matches one
	// character of its set. Terminal states are numbered globally;
	// termStart[t] is the first state of terminal t, and
	// tsTrans[state*ncls+class] is the next state, tsDead or tsDone.
	termStart []int32
	tsTrans   []int32
	// classOf maps a byte to its class: bytes of one class act the same in
	// every terminal state.
	classOf [256]uint8
	ncls    int
}

// Parse compiles GBNF text (llama.cpp's grammar syntax) whose start rule is
// named "root".
func Parse(src string) (*Grammar, error) {
	return ParseWithRoot(src, "root")
}

// ParseWithRoot compiles GBNF text with the named start rule.
func ParseWithRoot(src, root string) (*Grammar, error) {
	rules, byName, err := parseGBNF(src)
	if err != nil {
		return nil, err
	}
	return compile(src, rules, byName, root)
}

// MustParse is like Parse but panics on error. It is for grammars that are
// constants of the program.
func MustParse(src string) *Grammar {
	g, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return g
}

func compile(src string, rules []*ruleDef, byName map[string]int, rootName string) (*Grammar, error) {
	// Undefined rules: report the earliest reference.
	var undefined *ruleDef
	for _, r := range rules {
		if !r.defined && (undefined == nil || r.defOff < undefined.defOff) {
			undefined = r
		}
	}
	if undefined != nil {
		return nil, errorAt(src, undefined.defOff, "undefined rule %q", undefined.name)
	}
	root, ok := byName[rootName]
	if !ok {
		return nil, errorAt(src, 0, "missing start rule %q", rootName)
	}

	nullable := fixpoint(rules, func(symbol) bool { return false })
	productive := fixpoint(rules, func(s symbol) bool { return len(s.set) > 0 })
	altProductive := func(alt []symbol) bool {
		for _, s := range alt {
			if s.isRef && !productive[s.ref] || !s.isRef && len(s.set) == 0 {
				return false
			}
		}
		return true
	}

	// Rules reachable from root through alternatives that can finish.
	reach := make([]bool, len(rules))
	order := []int{root}
	reach[root] = true
	for i := 0; i < len(order); i++ {
		for _, alt := range rules[order[i]].alts {
			if !altProductive(alt) {
				continue
			}
			for _, s := range alt {
				if s.isRef && !reach[s.ref] {
					reach[s.ref] = true
					order = append(order, s.ref)
				}
			}
		}
	}

	if !productive[root] {
		var stuck []string
		seen := map[int]bool{root: true}
		queue := []int{root}
		for i := 0; i < len(queue); i++ {
			r := rules[queue[i]]
			if !r.generated && !productive[queue[i]] {
				stuck = append(stuck, strconv.Quote(r.name))
			}
			for _, alt := range r.alts {
				for _, s := range alt {
					if s.isRef && !seen[s.ref] && !productive[s.ref] {
						seen[s.ref] = true
						queue = append(queue, s.ref)
					}
				}
			}
		}
		return nil, errorAt(src, rules[root].defOff,
			"rule %q can never finish: no finite string matches it (rules that never finish: %s)",
			rootName, strings.Join(stuck, ", "))
	}

	if err := checkLeftRecursion(src, rules, order, nullable, altProductive); err != nil {
		return nil, err
	}

	g := &Grammar{src: src, rules: rules, root: root, alts: make([][]int32, len(rules))}
	terms := map[string]int32{}
	var termSets []charSet
	for _, ri := range order {
		for _, alt := range rules[ri].alts {
			if !altProductive(alt) {
				continue
			}
			g.alts[ri] = append(g.alts[ri], int32(len(g.elems)))
			for _, s := range alt {
				if s.isRef {
					g.elems = append(g.elems, elem{elemRef, int32(s.ref)})
					continue
				}
				k := s.set.key()
				t, ok := terms[k]
				if !ok {
					t = int32(len(termSets))
					terms[k] = t
					termSets = append(termSets, s.set)
				}
				g.elems = append(g.elems, elem{elemTerm, t})
			}
			g.elems = append(g.elems, elem{kind: elemEnd})
		}
	}
	g.startPos = int32(len(g.elems))
	g.elems = append(g.elems, elem{elemRef, int32(root)}, elem{kind: elemEnd})
	g.buildTerminals(termSets)
	return g, nil
}

// fixpoint computes, for every rule, whether some alternative has only
// symbols that hold: terminals for which term holds, and references to
// rules found to hold. It is a worklist algorithm, linear in the grammar
// size.
func fixpoint(rules []*ruleDef, term func(symbol) bool) []bool {
	known := make([]bool, len(rules))
	type occurrence struct{ rule, alt int }
	users := make([][]occurrence, len(rules))
	pending := make([][]int, len(rules)) // per alternative: references still unknown
	var queue []int
	for i, r := range rules {
		pending[i] = make([]int, len(r.alts))
		for a, alt := range r.alts {
			dead := false
			for _, s := range alt {
				if s.isRef {
					pending[i][a]++
					users[s.ref] = append(users[s.ref], occurrence{i, a})
				} else if !term(s) {
					dead = true
				}
			}
			if dead {
				pending[i][a] = -1 // never holds
			} else if pending[i][a] == 0 && !known[i] {
				known[i] = true
				queue = append(queue, i)
			}
		}
	}
	for len(queue) > 0 {
		r := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, o := range users[r] {
			if pending[o.rule][o.alt] <= 0 {
				continue
			}
			pending[o.rule][o.alt]--
			if pending[o.rule][o.alt] == 0 && !known[o.rule] {
				known[o.rule] = true
				queue = append(queue, o.rule)
			}
		}
	}
	return known
}

// checkLeftRecursion rejects a rule that can reach itself as the leftmost
// symbol (after symbols that may match nothing) without consuming input;
// llama.cpp rejects such grammars too, since expanding them never ends.
func checkLeftRecursion(src string, rules []*ruleDef, order []int, nullable []bool, altOK func([]symbol) bool) error {
	const (
		white = iota
		grey
		black
	)
	color := make([]uint8, len(rules))
	var path []int
	var visit func(r int) []int
	visit = func(r int) []int {
		color[r] = grey
		path = append(path, r)
		for _, alt := range rules[r].alts {
			if !altOK(alt) {
				continue
			}
			for _, s := range alt {
				if !s.isRef {
					break
				}
				switch color[s.ref] {
				case grey:
					i := slices.Index(path, s.ref)
					return append(append([]int(nil), path[i:]...), s.ref)
				case white:
					if cyc := visit(s.ref); cyc != nil {
						return cyc
					}
				}
				if !nullable[s.ref] {
					break
				}
			}
		}
		path = path[:len(path)-1]
		color[r] = black
		return nil
	}
	for _, r := range order {
		if color[r] != white {
			continue
		}
		if cyc := visit(r); cyc != nil {
			// Name the cycle by its first user-written rule.
			at := cyc[0]
			for _, c := range cyc {
				if !rules[c].generated {
					at = c
					break
				}
			}
			names := make([]string, len(cyc))
			for i, c := range cyc {
				names[i] = rules[c].name
			}
			what := fmt.Sprintf("rule %q", rules[at].name)
			if rules[at].generated {
				what = fmt.Sprintf("the group or repetition in rule %q", rules[at].parent)
			}
			return errorAt(src, rules[at].defOff,
				"left recursion: %s can reach itself without consuming input (%s)",
				what, strings.Join(names, " -> "))
		}
	}
	return nil
}

// buildTerminals makes the byte automaton of every terminal, the byte
// classes, and the class-indexed transition table.
func (g *Grammar) buildTerminals(sets []charSet) {
	var rows [][256]int32 // global terminal-state rows indexed by byte
	g.termStart = make([]int32, len(sets))
	for t, set := range sets {
		base := int32(len(rows))
		g.termStart[t] = base
		for _, r := range utf8Automaton(set) {
			for b := range r {
				if r[b] >= 0 {
					r[b] += base
				}
			}
			rows = append(rows, r)
		}
	}

	// Refine the partition of bytes until every row is constant on each
	// class.
	var cls [256]int32
	ncls := 1
	type pair struct{ c, v int32 }
	for _, r := range rows {
		ids := map[pair]int32{}
		var next [256]int32
		for b := 0; b < 256; b++ {
			k := pair{cls[b], r[b]}
			id, ok := ids[k]
			if !ok {
				id = int32(len(ids))
				ids[k] = id
			}
			next[b] = id
		}
		if len(ids) > ncls {
			cls, ncls = next, len(ids)
		}
	}
	// Renumber classes by first byte so numbering is stable.
	remap := map[int32]uint8{}
	rep := make([]int, 0, ncls)
	for b := 0; b < 256; b++ {
		c, ok := remap[cls[b]]
		if !ok {
			c = uint8(len(remap))
			remap[cls[b]] = c
			rep = append(rep, b)
		}
		g.classOf[b] = c
	}
	g.ncls = len(rep)
	g.tsTrans = make([]int32, len(rows)*g.ncls)
	for s, r := range rows {
		for c, b := range rep {
			g.tsTrans[s*g.ncls+c] = r[b]
		}
	}
}

// utf8Automaton returns the rows of a byte automaton that matches the UTF-8
// encoding of one character of set. Row 0 is the start; entries are a row
// index, tsDead or tsDone. Overlong forms, surrogates and bytes that are
// never valid UTF-8 are rejected.
func utf8Automaton(set charSet) [][256]int32 {
	type state struct {
		rem int       // continuation bytes still to come; -1 at the start
		val []cpRange // the possible values of the remaining 6*rem bits
	}
	key := func(s state) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%d:", s.rem)
		for _, r := range s.val {
			fmt.Fprintf(&b, "%x-%x,", r.lo, r.hi)
		}
		return b.String()
	}
	var states []state
	var rows [][256]int32
	ids := map[string]int32{}
	intern := func(s state) int32 {
		k := key(s)
		if id, ok := ids[k]; ok {
			return id
		}
		id := int32(len(states))
		ids[k] = id
		states = append(states, s)
		rows = append(rows, [256]int32{})
		return id
	}
	// window returns the values of set in [lo, hi], less lo.
	window := func(val []cpRange, lo, hi rune) []cpRange {
		var out []cpRange
		for _, r := range val {
			if r.hi < lo || r.lo > hi {
				continue
			}
			out = append(out, cpRange{max(r.lo, lo) - lo, min(r.hi, hi) - lo})
		}
		return out
	}
	intern(state{rem: -1, val: set})
	for i := 0; i < len(states); i++ {
		s := states[i]
		for b := 0; b < 256; b++ {
			next := int32(tsDead)
			var rem int
			var val []cpRange
			if s.rem < 0 {
				switch {
				case b < 0x80:
					if set.contains(rune(b)) {
						next = tsDone
					}
					rows[i][b] = next
					continue
				case b >= 0xC2 && b <= 0xDF:
					base := rune(b&0x1F) << 6
					rem, val = 1, window(s.val, base, base+0x3F)
				case b >= 0xE0 && b <= 0xEF:
					base := rune(b&0x0F) << 12
					rem, val = 2, window(s.val, base, base+0xFFF)
					if b == 0xE0 { // overlong below U+0800
						val = window(val, 0x800, 0xFFF)
						for j := range val {
							val[j].lo += 0x800
							val[j].hi += 0x800
						}
					}
				case b >= 0xF0 && b <= 0xF4:
					base := rune(b&0x07) << 18
					rem, val = 3, window(s.val, base, base+0x3FFFF)
					if b == 0xF0 { // overlong below U+10000
						val = window(val, 0x10000, 0x3FFFF)
						for j := range val {
							val[j].lo += 0x10000
							val[j].hi += 0x10000
						}
					}
				default:
					rows[i][b] = tsDead
					continue
				}
			} else {
				if b&0xC0 != 0x80 {
					rows[i][b] = tsDead
					continue
				}
				shift := 6 * (s.rem - 1)
				lo := rune(b&0x3F) << shift
				rem, val = s.rem-1, window(s.val, lo, lo+(1<<shift)-1)
			}
			switch {
			case len(val) == 0:
				next = tsDead
			case rem == 0:
				next = tsDone
			default:
				next = intern(state{rem: rem, val: val})
			}
			rows[i][b] = next
		}
	}
	return rows
}
