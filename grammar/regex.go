package grammar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The subset of ECMA-262 regular expressions that JSON Schema "pattern"
// compiles from: literals and escapes, classes ([...], [^...], \d \w \s and
// their negations, "."), groups ((...), (?:...), (?<name>...)),
// alternation, the quantifiers ? * + {m} {m,} {m,n} (lazy forms match the
// same strings), and ^ / $ at the start / end of the pattern or of its
// top-level alternatives. Without them a match may have any text before or
// after it, as JSON Schema says.
// Lookaround, backreferences, word boundaries and Unicode property classes
// are refused.

// maxPatternRepeat bounds {m,n} counts in patterns.
const maxPatternRepeat = 10000

type reOp uint8

const (
	reEmpty  reOp = iota // matches the empty string
	reChar               // one character of set
	reCat                // subs in sequence
	reAlt                // one of subs
	reRepeat             // subs[0] min to max times (max < 0: no limit)
	reBegin              // ^
	reEnd                // $
)

type reNode struct {
	op       reOp
	set      charSet
	subs     []*reNode
	min, max int
}

type reParser struct {
	src []rune
	pos int
}

func (p *reParser) errorf(format string, args ...any) error {
	return fmt.Errorf("pattern %q: at offset %d: %s", string(p.src), p.pos, fmt.Sprintf(format, args...))
}

// parseRegex parses a pattern.
func parseRegex(pattern string) (*reNode, error) {
	if !utf8.ValidString(pattern) {
		return nil, fmt.Errorf("pattern is not valid UTF-8")
	}
	p := &reParser{src: []rune(pattern)}
	n, err := p.parseAlt(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) {
		return nil, p.errorf("unmatched ')'")
	}
	return n, nil
}

func (p *reParser) more() bool { return p.pos < len(p.src) }

func (p *reParser) parseAlt(depth int) (*reNode, error) {
	if depth > 100 {
		return nil, p.errorf("groups nested too deeply")
	}
	var alts []*reNode
	for {
		c, err := p.parseCat(depth)
		if err != nil {
			return nil, err
		}
		alts = append(alts, c)
		if !p.more() || p.src[p.pos] != '|' {
			break
		}
		p.pos++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &reNode{op: reAlt, subs: alts}, nil
}

func (p *reParser) parseCat(depth int) (*reNode, error) {
	var items []*reNode
	for p.more() && p.src[p.pos] != '|' && p.src[p.pos] != ')' {
		atom, err := p.parseAtom(depth)
		if err != nil {
			return nil, err
		}
		if atom, err = p.parseQuantifiers(atom); err != nil {
			return nil, err
		}
		items = append(items, atom)
	}
	switch len(items) {
	case 0:
		return &reNode{op: reEmpty}, nil
	case 1:
		return items[0], nil
	}
	return &reNode{op: reCat, subs: items}, nil
}

func (p *reParser) parseQuantifiers(atom *reNode) (*reNode, error) {
	quantified := false
	for p.more() {
		start := p.pos
		lo, hi := 0, 0
		switch p.src[p.pos] {
		case '*':
			lo, hi = 0, -1
			p.pos++
		case '+':
			lo, hi = 1, -1
			p.pos++
		case '?':
			lo, hi = 0, 1
			p.pos++
		case '{':
			var ok bool
			lo, hi, ok = p.parseBraces()
			if !ok {
				p.pos = start
				return atom, nil // a literal '{', as ECMA-262 Annex B allows
			}
			if hi >= 0 && hi < lo {
				return nil, p.errorf("repetition {%d,%d} has a maximum below its minimum", lo, hi)
			}
			if lo > maxPatternRepeat || hi > maxPatternRepeat {
				return nil, p.errorf("repetition count larger than %d", maxPatternRepeat)
			}
		default:
			return atom, nil
		}
		if quantified {
			p.pos = start
			return nil, p.errorf("nothing to repeat")
		}
		quantified = true
		if p.more() && p.src[p.pos] == '?' { // lazy: same strings
			p.pos++
		}
		atom = &reNode{op: reRepeat, subs: []*reNode{atom}, min: lo, max: hi}
	}
	return atom, nil
}

// parseBraces reads {m}, {m,} or {m,n}; ok is false if the text is not a
// quantifier.
func (p *reParser) parseBraces() (lo, hi int, ok bool) {
	j := p.pos + 1
	num := func() (int, bool) {
		s := j
		for j < len(p.src) && p.src[j] >= '0' && p.src[j] <= '9' {
			j++
		}
		if s == j || j-s > 9 {
			return 0, false
		}
		n, _ := strconv.Atoi(string(p.src[s:j]))
		return n, true
	}
	lo, ok = num()
	if !ok {
		return 0, 0, false
	}
	hi = lo
	if j < len(p.src) && p.src[j] == ',' {
		j++
		hi = -1
		if j < len(p.src) && p.src[j] != '}' {
			if hi, ok = num(); !ok {
				return 0, 0, false
			}
		}
	}
	if j >= len(p.src) || p.src[j] != '}' {
		return 0, 0, false
	}
	p.pos = j + 1
	return lo, hi, true
}

func (p *reParser) parseAtom(depth int) (*reNode, error) {
	c := p.src[p.pos]
	switch c {
	case '(':
		p.pos++
		if p.more() && p.src[p.pos] == '?' {
			rest := string(p.src[p.pos:])
			switch {
			case strings.HasPrefix(rest, "?:"):
				p.pos += 2
			case strings.HasPrefix(rest, "?<") && !strings.HasPrefix(rest, "?<=") && !strings.HasPrefix(rest, "?<!"),
				strings.HasPrefix(rest, "?P<"):
				end := strings.IndexByte(rest, '>')
				if end < 0 {
					return nil, p.errorf("unterminated group name")
				}
				p.pos += utf8.RuneCountInString(rest[:end+1])
			default:
				return nil, p.errorf("lookaround and other (? groups are not supported")
			}
		}
		n, err := p.parseAlt(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.more() || p.src[p.pos] != ')' {
			return nil, p.errorf("missing ')'")
		}
		p.pos++
		return n, nil
	case '[':
		return p.parseClass()
	case '.':
		p.pos++
		return &reNode{op: reChar, set: newCharSet([]cpRange{{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}).negate()}, nil
	case '\\':
		set, err := p.parseEscape(false)
		if err != nil {
			return nil, err
		}
		return &reNode{op: reChar, set: set}, nil
	case '^':
		p.pos++
		return &reNode{op: reBegin}, nil
	case '$':
		p.pos++
		return &reNode{op: reEnd}, nil
	case '*', '+', '?':
		return nil, p.errorf("nothing to repeat")
	case '{':
		if _, _, ok := p.parseBraces(); ok {
			return nil, p.errorf("nothing to repeat")
		}
	}
	p.pos++
	return &reNode{op: reChar, set: charSet{{c, c}}}, nil
}

// Escape classes.
var (
	reDigit = charSet{{'0', '9'}}
	reWord  = newCharSet([]cpRange{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}})
	reSpace = newCharSet([]cpRange{{'\t', '\r'}, {' ', ' '}, {0xA0, 0xA0}, {0x1680, 0x1680},
		{0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}})
)

// parseEscape reads an escape at p.pos (a backslash) and returns its set.
func (p *reParser) parseEscape(inClass bool) (charSet, error) {
	p.pos++
	if !p.more() {
		return nil, p.errorf("pattern ends with a backslash")
	}
	c := p.src[p.pos]
	p.pos++
	one := func(r rune) (charSet, error) { return charSet{{r, r}}, nil }
	switch c {
	case 'd':
		return reDigit, nil
	case 'D':
		return reDigit.negate(), nil
	case 'w':
		return reWord, nil
	case 'W':
		return reWord.negate(), nil
	case 's':
		return reSpace, nil
	case 'S':
		return reSpace.negate(), nil
	case 't':
		return one('\t')
	case 'n':
		return one('\n')
	case 'r':
		return one('\r')
	case 'f':
		return one('\f')
	case 'v':
		return one('\v')
	case '0':
		return one(0)
	case 'b':
		if inClass {
			return one('\b')
		}
		return nil, p.errorf(`word boundary \b is not supported`)
	case 'B':
		return nil, p.errorf(`\B is not supported`)
	case 'x', 'u':
		n := 2
		if c == 'u' {
			n = 4
			if p.more() && p.src[p.pos] == '{' {
				end := p.pos + 1
				for end < len(p.src) && p.src[end] != '}' {
					end++
				}
				v, err := strconv.ParseUint(string(p.src[p.pos+1:min(end, len(p.src))]), 16, 32)
				if end >= len(p.src) || err != nil || v > maxRune {
					return nil, p.errorf(`bad \u{...} escape`)
				}
				p.pos = end + 1
				return newCharSet([]cpRange{{rune(v), rune(v)}}), nil
			}
		}
		if p.pos+n > len(p.src) {
			return nil, p.errorf(`\%c needs %d hex digits`, c, n)
		}
		v, err := strconv.ParseUint(string(p.src[p.pos:p.pos+n]), 16, 32)
		if err != nil {
			return nil, p.errorf(`\%c needs %d hex digits`, c, n)
		}
		p.pos += n
		return newCharSet([]cpRange{{rune(v), rune(v)}}), nil
	case 'c', 'k', 'p', 'P':
		return nil, p.errorf(`\%c escapes are not supported`, c)
	}
	if c >= '1' && c <= '9' {
		return nil, p.errorf("backreferences are not supported")
	}
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return nil, p.errorf(`unknown escape \%c`, c)
	}
	return one(c)
}

func (p *reParser) parseClass() (*reNode, error) {
	p.pos++ // '['
	neg := false
	if p.more() && p.src[p.pos] == '^' {
		neg = true
		p.pos++
	}
	var set charSet
	for {
		if !p.more() {
			return nil, p.errorf("missing ']'")
		}
		if p.src[p.pos] == ']' {
			p.pos++
			break
		}
		lo, loSet, err := p.classAtom()
		if err != nil {
			return nil, err
		}
		if p.pos+1 < len(p.src) && p.src[p.pos] == '-' && p.src[p.pos+1] != ']' {
			p.pos++
			hi, hiSet, err := p.classAtom()
			if err != nil {
				return nil, err
			}
			if loSet != nil || hiSet != nil {
				return nil, p.errorf("a class escape cannot bound a range")
			}
			if hi < lo {
				return nil, p.errorf("range out of order in character class")
			}
			set = set.union(newCharSet([]cpRange{{lo, hi}}))
			continue
		}
		if loSet != nil {
			set = set.union(loSet)
		} else {
			set = set.union(newCharSet([]cpRange{{lo, lo}}))
		}
	}
	if neg {
		set = set.negate()
	}
	return &reNode{op: reChar, set: set}, nil
}

// classAtom reads one class member: a character, or (set non-nil) a class
// escape such as \d.
func (p *reParser) classAtom() (rune, charSet, error) {
	c := p.src[p.pos]
	if c != '\\' {
		p.pos++
		return c, nil, nil
	}
	set, err := p.parseEscape(true)
	if err != nil {
		return 0, nil, err
	}
	if len(set) == 1 && set[0].lo == set[0].hi {
		return set[0].lo, nil, nil
	}
	return 0, set, nil
}

// nullable reports whether n matches the empty string.
func (n *reNode) nullable() bool {
	switch n.op {
	case reEmpty, reBegin, reEnd:
		return true
	case reChar:
		return false
	case reCat:
		for _, s := range n.subs {
			if !s.nullable() {
				return false
			}
		}
		return true
	case reAlt:
		for _, s := range n.subs {
			if s.nullable() {
				return true
			}
		}
		return false
	}
	return n.min == 0 || n.subs[0].nullable()
}

// starBody returns a node b that cannot match the empty string with b* the
// same language as n*, or nil if n* matches only the empty string. A GBNF
// loop over a nullable body would be left-recursive.
func (n *reNode) starBody() *reNode {
	if !n.nullable() {
		return n
	}
	var alts []*reNode
	add := func(b *reNode) {
		if b != nil {
			alts = append(alts, b)
		}
	}
	switch n.op {
	case reEmpty:
		return nil
	case reCat, reAlt:
		// (a b)* with a and b nullable is (a|b)*; alternatives drop their
		// empty strings.
		for _, s := range n.subs {
			add(s.starBody())
		}
	case reRepeat:
		if n.max == 0 {
			return nil
		}
		add(n.subs[0].starBody())
	}
	switch len(alts) {
	case 0:
		return nil
	case 1:
		return alts[0]
	}
	return &reNode{op: reAlt, subs: alts}
}

// patternGBNF returns a GBNF expression for the JSON string contents (the
// text between the quotes, escaped as JSON) of strings that match pattern.
// Each top-level alternative may begin with ^ and end with $; without them
// it may have any text before or after.
func patternGBNF(pattern string) (string, error) {
	n, err := parseRegex(pattern)
	if err != nil {
		return "", err
	}
	if hasEmptySet(n) {
		return "", fmt.Errorf("pattern %q: a character class matches nothing", pattern)
	}
	alts := []*reNode{n}
	if n.op == reAlt {
		alts = n.subs
	}
	anyText := "(" + jsonCharsGBNF(anyChar()) + ")*"
	var out []string
	for _, alt := range alts {
		items := []*reNode{alt}
		if alt.op == reCat {
			items = alt.subs
		}
		anchorStart := len(items) > 0 && items[0].op == reBegin
		if anchorStart {
			items = items[1:]
		}
		anchorEnd := len(items) > 0 && items[len(items)-1].op == reEnd
		if anchorEnd {
			items = items[:len(items)-1]
		}
		body := &reNode{op: reCat, subs: items}
		if hasAnchor(body) {
			return "", fmt.Errorf("pattern %q: ^ and $ are only supported at the start and end of the pattern or of its top-level alternatives", pattern)
		}
		var parts []string
		if !anchorStart {
			parts = append(parts, anyText)
		}
		if e := emitRegex(body); e != "" {
			parts = append(parts, e)
		}
		if !anchorEnd {
			parts = append(parts, anyText)
		}
		out = append(out, strings.Join(parts, " "))
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return "(" + strings.Join(out, " | ") + ")", nil
}

// hasAnchor reports whether n holds ^ or $.
func hasAnchor(n *reNode) bool {
	if n.op == reBegin || n.op == reEnd {
		return true
	}
	for _, s := range n.subs {
		if hasAnchor(s) {
			return true
		}
	}
	return false
}

// hasEmptySet reports whether n holds a class that matches no character.
func hasEmptySet(n *reNode) bool {
	if n.op == reChar {
		return len(n.set) == 0
	}
	for _, s := range n.subs {
		if hasEmptySet(s) {
			return true
		}
	}
	return false
}

// emitRegex writes n as a GBNF expression over JSON-escaped characters.
func emitRegex(n *reNode) string {
	switch n.op {
	case reEmpty:
		return ""
	case reChar:
		return jsonCharsGBNF(n.set)
	case reCat:
		var parts []string
		lit := ""
		flush := func() {
			if lit != "" {
				parts = append(parts, gbnfLiteral(lit))
				lit = ""
			}
		}
		for _, s := range n.subs {
			// Runs of single plain characters become one literal.
			if s.op == reChar && len(s.set) == 1 && s.set[0].lo == s.set[0].hi && plainJSONChar(s.set[0].lo) {
				lit += string(s.set[0].lo)
				continue
			}
			flush()
			if e := emitRegex(s); e != "" {
				if s.op == reAlt {
					e = "(" + e + ")"
				}
				parts = append(parts, e)
			}
		}
		flush()
		return strings.Join(parts, " ")
	case reAlt:
		parts := make([]string, len(n.subs))
		for i, s := range n.subs {
			parts[i] = emitRegex(s)
		}
		return strings.Join(parts, " | ")
	}
	// reRepeat
	sub := n.subs[0]
	lo, hi := n.min, n.max
	if hi == 0 {
		return ""
	}
	if hi < 0 && sub.nullable() {
		b := sub.starBody()
		if b == nil {
			return ""
		}
		return "(" + emitRegex(b) + ")*"
	}
	e := emitRegex(sub)
	if e == "" {
		return ""
	}
	e = "(" + e + ")"
	switch {
	case lo == 0 && hi == 1:
		return e + "?"
	case lo == 0 && hi < 0:
		return e + "*"
	case lo == 1 && hi < 0:
		return e + "+"
	case hi < 0:
		return fmt.Sprintf("%s{%d,}", e, lo)
	case lo == hi:
		return fmt.Sprintf("%s{%d}", e, lo)
	}
	return fmt.Sprintf("%s{%d,%d}", e, lo, hi)
}

// plainJSONChar reports whether c stands for itself inside a JSON string.
func plainJSONChar(c rune) bool {
	return c >= 0x20 && c != '"' && c != '\\' && c != 0x7F
}

// jsonCharsGBNF returns a GBNF expression matching one character of set as
// written inside a JSON string: plain characters as themselves, '"' and '\'
// backslash-escaped, control characters as their short escape (\b \f \n \r
// \t) or \u00XX (either case of hex digits).
func jsonCharsGBNF(set charSet) string {
	var parts []string
	plain := set
	plain = subtract(plain, charSet{{0, 0x1F}, {'"', '"'}, {'\\', '\\'}, {0x7F, 0x7F}})
	if len(plain) > 0 {
		parts = append(parts, formatSet(plain))
	}
	if set.contains('"') {
		parts = append(parts, `"\\\""`)
	}
	if set.contains('\\') {
		parts = append(parts, `"\\\\"`)
	}
	short := map[rune]string{'\b': "b", '\f': "f", '\n': "n", '\r': "r", '\t': "t"}
	var lows [2][]string // \u000X and \u001X low hex digits
	for c := rune(0); c < 0x20; c++ {
		if !set.contains(c) {
			continue
		}
		if s, ok := short[c]; ok {
			parts = append(parts, `"\\`+s+`"`)
			continue
		}
		lows[c>>4] = append(lows[c>>4], hexBothCases(int(c&15)))
	}
	for hi, l := range lows {
		if len(l) > 0 {
			parts = append(parts, fmt.Sprintf(`"\\u00%d" [%s]`, hi, strings.Join(l, "")))
		}
	}
	if set.contains(0x7F) {
		parts = append(parts, `"\\u007" [fF]`)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

func hexBothCases(d int) string {
	s := strconv.FormatInt(int64(d), 16)
	if d >= 10 {
		return s + strings.ToUpper(s)
	}
	return s
}

// subtract returns the values of s not in t.
func subtract(s, t charSet) charSet {
	var out []cpRange
	neg := t.negate()
	for _, r := range s {
		for _, n := range neg.intersect(r.lo, r.hi) {
			out = append(out, n)
		}
	}
	return newCharSet(out)
}
