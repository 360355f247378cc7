package grammar

import (
	"fmt"
	"strings"
)

// String returns the grammar as GBNF with groups and repetitions expanded
// into rules, the way the matcher sees it (alternatives that can never
// finish are kept). Rules come in definition order.
func (g *Grammar) String() string {
	// Generated rules are named after their parent rule; rename any that
	// clash with a written one.
	names := make([]string, len(g.rules))
	used := map[string]bool{}
	for i, r := range g.rules {
		if !r.generated {
			names[i] = r.name
			used[r.name] = true
		}
	}
	for i, r := range g.rules {
		if r.generated {
			n := r.name
			for used[n] {
				n += "_"
			}
			names[i] = n
			used[n] = true
		}
	}
	var b strings.Builder
	for i, r := range g.rules {
		b.WriteString(names[i])
		b.WriteString(" ::=")
		for i, alt := range r.alts {
			if i > 0 {
				b.WriteString(" |")
			}
			if len(alt) == 0 {
				b.WriteString(` ""`) // a bare trailing "|" would run on to the next line
			}
			for _, s := range alt {
				b.WriteByte(' ')
				if s.isRef {
					b.WriteString(names[s.ref])
				} else {
					b.WriteString(formatSet(s.set))
				}
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// formatSet writes a set as a GBNF character class (or "." for any char).
func formatSet(set charSet) string {
	if set.key() == anyChar().key() {
		return "."
	}
	neg := false
	if set.size() > 0x10FFFF/2 {
		set, neg = set.negate(), true
	}
	var b strings.Builder
	b.WriteByte('[')
	if neg {
		b.WriteByte('^')
	}
	for _, r := range set {
		b.WriteString(classChar(r.lo))
		if r.hi > r.lo {
			b.WriteByte('-')
			b.WriteString(classChar(r.hi))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// classChar escapes one character for a GBNF class or literal.
func classChar(c rune) string {
	switch c {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\\', '"', '[', ']', '-':
		return `\` + string(c)
	case '^':
		return `\x5E`
	}
	switch {
	case c < 0x20 || c == 0x7F:
		return fmt.Sprintf(`\x%02X`, c)
	case c >= 0x80 && c < 0xA0 || c == 0x2028 || c == 0x2029:
		return fmt.Sprintf(`\u%04X`, c)
	}
	return string(c)
}

// Stats describes the size of a compiled grammar.
type Stats struct {
	Rules       int // rules, including those made for groups and repetitions
	Elements    int // program elements
	Terminals   int // distinct character sets
	ByteClasses int
}

// Stats returns the size of the compiled grammar.
func (g *Grammar) Stats() Stats {
	return Stats{Rules: len(g.rules), Elements: len(g.elems), Terminals: len(g.termStart), ByteClasses: g.ncls}
}
