package grammar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits that keep hostile grammars from exhausting memory.
const (
	// maxSymbols bounds the symbols of all rules after repetitions are
	// expanded.
	maxSymbols = 1 << 18
	// maxRepeat bounds the count in a {m,n} repetition.
	maxRepeat = 100000
)

// SyntaxError is an error in a grammar, with the 1-based line and column
// (in characters) where it was found.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("grammar: %d:%d: %s", e.Line, e.Column, e.Msg)
}

// symbol is one item of a rule alternative: a reference to a rule or a
// terminal that matches one character of a set.
type symbol struct {
	isRef bool
	ref   int     // rule index, when isRef
	set   charSet // the characters matched, when !isRef
	off   int     // source byte offset, for error messages
}

// ruleDef is one rule of a parsed grammar.
type ruleDef struct {
	name      string
	alts      [][]symbol
	generated bool   // synthesized for a group or a repetition
	parent    string // for generated rules, the rule they were written in
	defined   bool
	defOff    int // offset of the definition (or, for undefined rules, of the first reference)
}

// parser reads GBNF text.
type parser struct {
	src    string
	pos    int
	rules  []*ruleDef
	byName map[string]int
	nsyms  int
}

// parseGBNF parses src into rules. It checks syntax only; the semantic
// checks live in compile.
func parseGBNF(src string) (rules []*ruleDef, byName map[string]int, err error) {
	p := &parser{src: src, byName: map[string]int{}}
	if err := p.parse(); err != nil {
		return nil, nil, err
	}
	return p.rules, p.byName, nil
}

// errorAt makes a SyntaxError for byte offset off of src.
func errorAt(src string, off int, format string, args ...any) *SyntaxError {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + strings.Count(src[:off], "\n")
	start := strings.LastIndexByte(src[:off], '\n') + 1
	col := 1 + utf8.RuneCountInString(src[start:off])
	return &SyntaxError{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return errorAt(p.src, off, format, args...)
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

// describe names the character at the current position for messages.
func (p *parser) describe() string {
	if p.eof() {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	switch r {
	case '\n':
		return "end of line"
	case utf8.RuneError:
		return "invalid UTF-8"
	}
	return strconv.QuoteRune(r)
}

// skipSpace skips blanks and comments, and line breaks when newlineOK.
func (p *parser) skipSpace(newlineOK bool) {
	for !p.eof() {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t':
			p.pos++
		case c == '#':
			for !p.eof() && p.src[p.pos] != '\n' && p.src[p.pos] != '\r' {
				p.pos++
			}
		case newlineOK && (c == '\n' || c == '\r'):
			p.pos++
		default:
			return
		}
	}
}

func isWordChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

func (p *parser) parseName() (string, error) {
	start := p.pos
	for !p.eof() && isWordChar(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return "", p.errorf(start, "expected a rule name, found %s", p.describe())
	}
	return p.src[start:p.pos], nil
}

// ruleIndex returns the index of the named rule, creating an undefined one
// the first time a name is seen.
func (p *parser) ruleIndex(name string, off int) int {
	if i, ok := p.byName[name]; ok {
		return i
	}
	p.rules = append(p.rules, &ruleDef{name: name, defOff: off})
	p.byName[name] = len(p.rules) - 1
	return len(p.rules) - 1
}

// newGenerated adds a synthesized rule named after its parent rule.
func (p *parser) newGenerated(parent string, off int) int {
	p.rules = append(p.rules, &ruleDef{
		name:      fmt.Sprintf("%s_%d", parent, len(p.rules)),
		generated: true,
		parent:    parent,
		defined:   true,
		defOff:    off,
	})
	return len(p.rules) - 1
}

func (p *parser) parse() error {
	p.skipSpace(true)
	for !p.eof() {
		if err := p.parseRule(); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) parseRule() error {
	start := p.pos
	name, err := p.parseName()
	if err != nil {
		return err
	}
	p.skipSpace(false)
	if !strings.HasPrefix(p.src[p.pos:], "::=") {
		return p.errorf(p.pos, "expected ::= after rule name %q, found %s", name, p.describe())
	}
	p.pos += 3
	p.skipSpace(true)
	idx := p.ruleIndex(name, start)
	r := p.rules[idx]
	if r.defined {
		prev := errorAt(p.src, r.defOff, "")
		return p.errorf(start, "rule %q is already defined at %d:%d", name, prev.Line, prev.Column)
	}
	r.defined = true
	r.defOff = start
	alts, err := p.parseAlternates(name, false)
	if err != nil {
		return err
	}
	p.rules[idx].alts = alts
	switch c := p.peek(); {
	case p.eof():
	case c == '\r' || c == '\n':
		p.skipSpace(true)
	case c == ')':
		return p.errorf(p.pos, "unexpected ')' without a matching '('")
	default:
		return p.errorf(p.pos, "unexpected %s in rule %q", p.describe(), name)
	}
	return nil
}

func (p *parser) parseAlternates(ruleName string, nested bool) ([][]symbol, error) {
	var alts [][]symbol
	for {
		seq, err := p.parseSequence(ruleName, nested)
		if err != nil {
			return nil, err
		}
		alts = append(alts, seq)
		if p.peek() != '|' {
			return alts, nil
		}
		p.pos++
		p.skipSpace(true)
	}
}

func (p *parser) addSymbols(n int, off int) error {
	p.nsyms += n
	if p.nsyms > maxSymbols {
		return p.errorf(off, "grammar too large: more than %d symbols after expanding repetitions", maxSymbols)
	}
	return nil
}

func (p *parser) parseSequence(ruleName string, nested bool) ([]symbol, error) {
	var seq []symbol
	lastStart := -1 // start in seq of the last item, for repetition operators
	for !p.eof() {
		off := p.pos
		switch c := p.src[p.pos]; {
		case c == '"':
			p.pos++
			lastStart = len(seq)
			for {
				if p.eof() || p.src[p.pos] == '\n' || p.src[p.pos] == '\r' {
					return nil, p.errorf(off, "unterminated string literal")
				}
				if p.src[p.pos] == '"' {
					p.pos++
					break
				}
				r, err := p.parseChar()
				if err != nil {
					return nil, err
				}
				if err := p.addSymbols(1, off); err != nil {
					return nil, err
				}
				seq = append(seq, symbol{set: charSet{{r, r}}, off: off})
			}
		case c == '[':
			set, err := p.parseClass()
			if err != nil {
				return nil, err
			}
			if err := p.addSymbols(1, off); err != nil {
				return nil, err
			}
			lastStart = len(seq)
			seq = append(seq, symbol{set: set, off: off})
		case c == '.':
			p.pos++
			if err := p.addSymbols(1, off); err != nil {
				return nil, err
			}
			lastStart = len(seq)
			seq = append(seq, symbol{set: anyChar(), off: off})
		case c == '<' || c == '!':
			return nil, p.errorf(off, "token references (<[id]>, <token>, !<...>) are not supported")
		case isWordChar(c):
			name, _ := p.parseName()
			if err := p.addSymbols(1, off); err != nil {
				return nil, err
			}
			lastStart = len(seq)
			seq = append(seq, symbol{isRef: true, ref: p.ruleIndex(name, off), off: off})
		case c == '(':
			p.pos++
			p.skipSpace(true)
			sub := p.newGenerated(ruleName, off)
			alts, err := p.parseAlternates(ruleName, true)
			if err != nil {
				return nil, err
			}
			p.rules[sub].alts = alts
			if p.peek() != ')' {
				return nil, p.errorf(p.pos, "expected ')' to close the group at %s, found %s",
					posString(p.src, off), p.describe())
			}
			p.pos++
			if err := p.addSymbols(1, off); err != nil {
				return nil, err
			}
			lastStart = len(seq)
			seq = append(seq, symbol{isRef: true, ref: sub, off: off})
		case c == '*' || c == '+' || c == '?':
			p.pos++
			lo, hi := 0, -1
			if c == '+' {
				lo = 1
			} else if c == '?' {
				hi = 1
			}
			var err error
			if seq, err = p.repeat(seq, lastStart, lo, hi, ruleName, off); err != nil {
				return nil, err
			}
		case c == '{':
			p.pos++
			p.skipSpace(nested)
			lo, err := p.parseCount()
			if err != nil {
				return nil, err
			}
			p.skipSpace(nested)
			hi := lo
			switch p.peek() {
			case '}':
			case ',':
				p.pos++
				p.skipSpace(nested)
				hi = -1
				if c := p.peek(); '0' <= c && c <= '9' {
					if hi, err = p.parseCount(); err != nil {
						return nil, err
					}
					p.skipSpace(nested)
				}
				if p.peek() != '}' {
					return nil, p.errorf(p.pos, "expected '}' to close the repetition, found %s", p.describe())
				}
			default:
				return nil, p.errorf(p.pos, "expected ',' or '}' in repetition, found %s", p.describe())
			}
			p.pos++
			if hi >= 0 && hi < lo {
				return nil, p.errorf(off, "repetition {%d,%d} has a maximum below its minimum", lo, hi)
			}
			if seq, err = p.repeat(seq, lastStart, lo, hi, ruleName, off); err != nil {
				return nil, err
			}
		default:
			return seq, nil
		}
		p.skipSpace(nested)
	}
	return seq, nil
}

// posString formats a byte offset as line:column.
func posString(src string, off int) string {
	e := errorAt(src, off, "")
	return fmt.Sprintf("%d:%d", e.Line, e.Column)
}

func (p *parser) parseCount() (int, error) {
	start := p.pos
	for !p.eof() && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
		p.pos++
	}
	if start == p.pos {
		return 0, p.errorf(start, "expected a number in repetition, found %s", p.describe())
	}
	n, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil || n > maxRepeat {
		return 0, p.errorf(start, "repetition count %s is larger than %d", p.src[start:p.pos], maxRepeat)
	}
	return n, nil
}

// repeat rewrites the item seq[last:] repeated lo to hi times (hi < 0: no
// upper bound), the way llama.cpp does:
//
//	S{m,n} -> S (m times) then S'(n-m), where S'(k) ::= S S'(k-1) | and S'(1) ::= S |
//	S{m,}  -> S (m times) then S',      where S'    ::= S S' |
func (p *parser) repeat(seq []symbol, last, lo, hi int, ruleName string, off int) ([]symbol, error) {
	if last < 0 || last >= len(seq) {
		return nil, p.errorf(off, "repetition operator without a preceding item")
	}
	item := append([]symbol(nil), seq[last:]...)
	n := len(item)
	extra := n * (lo - 1)
	if hi < 0 {
		extra += n + 2
	} else {
		extra += (hi - lo) * (n + 2)
	}
	if err := p.addSymbols(extra, off); err != nil {
		return nil, err
	}
	seq = seq[:last]
	for i := 0; i < lo; i++ {
		seq = append(seq, item...)
	}
	if hi < 0 {
		r := p.newGenerated(ruleName, off)
		loop := append(append([]symbol(nil), item...), symbol{isRef: true, ref: r, off: off})
		p.rules[r].alts = [][]symbol{loop, nil}
		return append(seq, symbol{isRef: true, ref: r, off: off}), nil
	}
	prev := -1
	for i := 0; i < hi-lo; i++ {
		r := p.newGenerated(ruleName, off)
		alt := append([]symbol(nil), item...)
		if prev >= 0 {
			alt = append(alt, symbol{isRef: true, ref: prev, off: off})
		}
		p.rules[r].alts = [][]symbol{alt, nil}
		prev = r
	}
	if prev >= 0 {
		seq = append(seq, symbol{isRef: true, ref: prev, off: off})
	}
	return seq, nil
}

// parseClass parses [...] or [^...] at p.pos.
func (p *parser) parseClass() (charSet, error) {
	open := p.pos
	p.pos++
	negated := false
	if p.peek() == '^' {
		negated = true
		p.pos++
	}
	var rs []cpRange
	for {
		if p.eof() || p.src[p.pos] == '\n' || p.src[p.pos] == '\r' {
			return nil, p.errorf(open, "unterminated character class")
		}
		if p.src[p.pos] == ']' {
			p.pos++
			break
		}
		itemOff := p.pos
		lo, err := p.parseChar()
		if err != nil {
			return nil, err
		}
		hi := lo
		if p.peek() == '-' && p.pos+1 < len(p.src) && p.src[p.pos+1] != ']' {
			p.pos++
			if p.eof() || p.src[p.pos] == '\n' || p.src[p.pos] == '\r' {
				return nil, p.errorf(open, "unterminated character class")
			}
			if hi, err = p.parseChar(); err != nil {
				return nil, err
			}
			if hi < lo {
				return nil, p.errorf(itemOff, "character range %s-%s is reversed", quoteRune(lo), quoteRune(hi))
			}
		}
		rs = append(rs, cpRange{lo, hi})
	}
	if len(rs) == 0 {
		return nil, p.errorf(open, "empty character class")
	}
	set := newCharSet(rs)
	if negated {
		set = set.negate()
	}
	return set, nil
}

func quoteRune(r rune) string {
	if r >= surrogateLo && r <= surrogateHi || r > maxRune {
		return fmt.Sprintf("U+%04X", r)
	}
	return strconv.QuoteRune(r)
}

// parseChar reads one character (possibly an escape) of a literal or class.
func (p *parser) parseChar() (rune, error) {
	off := p.pos
	c := p.src[p.pos]
	if c != '\\' {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if r == utf8.RuneError && size <= 1 {
			return 0, p.errorf(off, "invalid UTF-8 in grammar")
		}
		p.pos += size
		return r, nil
	}
	if p.pos+1 >= len(p.src) {
		return 0, p.errorf(off, "unterminated escape sequence")
	}
	e := p.src[p.pos+1]
	p.pos += 2
	switch e {
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
		if p.pos+n > len(p.src) {
			return 0, p.errorf(off, "escape \\%c needs %d hex digits", e, n)
		}
		v, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
		if err != nil || strings.ContainsAny(p.src[p.pos:p.pos+n], "+-_") {
			return 0, p.errorf(off, "escape \\%c needs %d hex digits", e, n)
		}
		p.pos += n
		if v > maxRune || v >= surrogateLo && v <= surrogateHi {
			return 0, p.errorf(off, "escape %s is not a Unicode scalar value", p.src[off:p.pos])
		}
		return rune(v), nil
	case 't':
		return '\t', nil
	case 'r':
		return '\r', nil
	case 'n':
		return '\n', nil
	case '\\', '"', '[', ']', '-':
		return rune(e), nil
	}
	r, _ := utf8.DecodeRuneInString(p.src[off+1:])
	return 0, p.errorf(off, "unknown escape sequence \\%s", string(r))
}
