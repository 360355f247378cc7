package jinja

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokText
	tokVarBegin   // {{
	tokVarEnd     // }}
	tokBlockBegin // {%
	tokBlockEnd   // %}
	tokName
	tokString
	tokInt
	tokFloat
	tokOp
)

var tokenKindNames = [...]string{"end of template", "text", "'{{'", "'}}'", "'{%'", "'%}'", "name", "string", "integer", "float", "operator"}

func (k tokenKind) String() string { return tokenKindNames[k] }

type token struct {
	kind tokenKind
	val  string // text, name, decoded string literal or operator
	num  int64
	fnum float64
	pos  int // byte offset in the source
}

func (t token) describe() string {
	switch t.kind {
	case tokName, tokOp:
		return "'" + t.val + "'"
	case tokString:
		return "string " + pyQuote(t.val)
	case tokInt, tokFloat:
		return t.kind.String()
	}
	return t.kind.String()
}

// lexConfig mirrors the Jinja2 environment options that shape whitespace.
type lexConfig struct {
	trimBlocks          bool
	lstripBlocks        bool
	keepTrailingNewline bool
}

type lexer struct {
	src  string
	cfg  lexConfig
	pos  int
	toks []token
}

// isSpace matches Python's str.isspace for the whitespace Jinja strips.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == 0x1c || r == 0x1d || r == 0x1e || r == 0x1f
}

func trimRightSpace(s string) string { return strings.TrimRightFunc(s, isSpace) }

func lex(src string, cfg lexConfig) ([]token, error) {
	if strings.IndexByte(src, '\r') >= 0 {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	l := &lexer{src: src, cfg: cfg}
	if err := l.run(); err != nil {
		return nil, err
	}
	return l.toks, nil
}

func (l *lexer) errf(pos int, format string, args ...any) error {
	return newError(l.src, pos, format, args...)
}

func (l *lexer) emitText(s string, pos int) {
	if s != "" {
		l.toks = append(l.toks, token{kind: tokText, val: s, pos: pos})
	}
}

// nextTag finds the next "{{", "{%" or "{#" at or after from.
func (l *lexer) nextTag(from int) int {
	for i := from; ; {
		j := strings.IndexByte(l.src[i:], '{')
		if j < 0 || i+j+1 >= len(l.src) {
			return -1
		}
		i += j
		switch l.src[i+1] {
		case '{', '%', '#':
			return i
		}
		i++
	}
}

func (l *lexer) run() error {
	lineStarting := true
	for l.pos < len(l.src) {
		start := l.nextTag(l.pos)
		if start < 0 {
			text := l.src[l.pos:]
			if !l.cfg.keepTrailingNewline && strings.HasSuffix(text, "\n") {
				text = text[:len(text)-1]
			}
			l.emitText(text, l.pos)
			break
		}
		text := l.src[l.pos:start]
		kind := l.src[start+1]
		mod := byte(0)
		if start+2 < len(l.src) && (l.src[start+2] == '-' || l.src[start+2] == '+') {
			mod = l.src[start+2]
		}
		switch {
		case mod == '-':
			text = trimRightSpace(text)
		case mod != '+' && l.cfg.lstripBlocks && kind != '{':
			// Strip the indentation before a block or comment tag when only
			// whitespace separates it from the start of its line.
			lp := strings.LastIndexByte(text, '\n') + 1
			if (lp > 0 || lineStarting) && lp < len(text) && strings.TrimLeftFunc(text[lp:], isSpace) == "" {
				text = text[:lp]
			}
		}
		l.emitText(text, l.pos)
		inner := start + 2
		if mod != 0 {
			inner++
		}
		var err error
		switch kind {
		case '#':
			lineStarting, err = l.comment(start, inner)
		case '{':
			lineStarting, err = l.tag(start, inner, tokVarBegin)
		case '%':
			if end, ok := l.rawStart(inner); ok {
				lineStarting, err = l.raw(start, end)
			} else {
				lineStarting, err = l.tag(start, inner, tokBlockBegin)
			}
		}
		if err != nil {
			return err
		}
	}
	l.toks = append(l.toks, token{kind: tokEOF, pos: len(l.src)})
	return nil
}

// afterBlockEnd consumes what follows a block or comment end marker at pos
// (just past "%}" or "#}") given its modifier and returns whether the
// consumed text ended a line.
func (l *lexer) afterBlockEnd(pos int, mod byte) bool {
	switch {
	case mod == '-':
		end := pos
		for end < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[end:])
			if !isSpace(r) {
				break
			}
			end += n
		}
		l.pos = end
		return end > 0 && l.src[end-1] == '\n'
	case mod != '+' && l.cfg.trimBlocks && pos < len(l.src) && l.src[pos] == '\n':
		l.pos = pos + 1
		return true
	}
	l.pos = pos
	return false
}

func (l *lexer) comment(start, inner int) (bool, error) {
	j := strings.Index(l.src[inner:], "#}")
	if j < 0 {
		return false, l.errf(start, "missing end of comment tag")
	}
	end := inner + j
	mod := byte(0)
	if end > inner && (l.src[end-1] == '-' || l.src[end-1] == '+') {
		mod = l.src[end-1]
	}
	return l.afterBlockEnd(end+2, mod), nil
}

// rawStart reports whether the block tag whose body starts at inner is
// "{% raw %}" and returns the offset just past its closing "%}".
func (l *lexer) rawStart(inner int) (int, bool) {
	p := inner
	for p < len(l.src) && (l.src[p] == ' ' || l.src[p] == '\t' || l.src[p] == '\n') {
		p++
	}
	if !strings.HasPrefix(l.src[p:], "raw") {
		return 0, false
	}
	p += 3
	for p < len(l.src) && (l.src[p] == ' ' || l.src[p] == '\t' || l.src[p] == '\n') {
		p++
	}
	if strings.HasPrefix(l.src[p:], "-%}") || strings.HasPrefix(l.src[p:], "+%}") {
		return p + 1, true
	}
	if strings.HasPrefix(l.src[p:], "%}") {
		return p, true
	}
	return 0, false
}

// raw handles {% raw %}...{% endraw %}; end points at the "%}" of the
// opening tag (possibly preceded by a modifier).
func (l *lexer) raw(start, end int) (bool, error) {
	mod := byte(0)
	if l.src[end-1] == '-' || l.src[end-1] == '+' {
		mod = l.src[end-1]
	}
	l.afterBlockEnd(end+2, mod)
	body := l.pos
	for search := body; ; {
		j := strings.Index(l.src[search:], "{%")
		if j < 0 {
			return false, l.errf(start, "missing end of raw directive")
		}
		tagStart := search + j
		p := tagStart + 2
		emod := byte(0)
		if p < len(l.src) && (l.src[p] == '-' || l.src[p] == '+') {
			emod = l.src[p]
			p++
		}
		for p < len(l.src) && isSpace(rune(l.src[p])) {
			p++
		}
		if !strings.HasPrefix(l.src[p:], "endraw") {
			search = tagStart + 2
			continue
		}
		p += len("endraw")
		for p < len(l.src) && isSpace(rune(l.src[p])) {
			p++
		}
		cmod := byte(0)
		if p < len(l.src) && (l.src[p] == '-' || l.src[p] == '+') {
			cmod = l.src[p]
			p++
		}
		if !strings.HasPrefix(l.src[p:], "%}") {
			search = tagStart + 2
			continue
		}
		text := l.src[body:tagStart]
		if emod == '-' {
			text = trimRightSpace(text)
		} else if emod != '+' && l.cfg.lstripBlocks {
			lp := strings.LastIndexByte(text, '\n') + 1
			if lp > 0 && lp < len(text) && strings.TrimLeftFunc(text[lp:], isSpace) == "" {
				text = text[:lp]
			}
		}
		l.emitText(text, body)
		return l.afterBlockEnd(p+2, cmod), nil
	}
}

var operators2 = []string{"**", "//", "==", "!=", "<=", ">="}

const operators1 = "+-*/%~<>=()[]{},.:|;!"

// tag tokenizes the inside of a {{ }} or {% %} tag starting at inner.
func (l *lexer) tag(start, inner int, begin tokenKind) (bool, error) {
	l.toks = append(l.toks, token{kind: begin, pos: start})
	endTok, closer := tokVarEnd, "}}"
	if begin == tokBlockBegin {
		endTok, closer = tokBlockEnd, "%}"
	}
	depth := 0
	p := inner
	for {
		for p < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[p:])
			if !isSpace(r) {
				break
			}
			p += n
		}
		if p >= len(l.src) {
			return false, l.errf(start, "unexpected end of template, expected %s", endTok)
		}
		rest := l.src[p:]
		if depth == 0 {
			mod := byte(0)
			q := p
			if rest[0] == '-' || (rest[0] == '+' && begin == tokBlockBegin) {
				mod = rest[0]
				q++
			}
			if strings.HasPrefix(l.src[q:], closer) {
				l.toks = append(l.toks, token{kind: endTok, pos: p})
				if begin == tokBlockBegin {
					return l.afterBlockEnd(q+2, mod), nil
				}
				if mod == '-' {
					return l.afterBlockEnd(q+2, '-'), nil
				}
				l.pos = q + 2
				return false, nil
			}
		}
		c := rest[0]
		switch {
		case c == '\'' || c == '"':
			s, n, err := l.stringLit(p)
			if err != nil {
				return false, err
			}
			l.toks = append(l.toks, token{kind: tokString, val: s, pos: p})
			p += n
		case c >= '0' && c <= '9':
			t, n, err := l.number(p)
			if err != nil {
				return false, err
			}
			l.toks = append(l.toks, t)
			p += n
		case c == '_' || c >= utf8.RuneSelf || unicode.IsLetter(rune(c)):
			n := 0
			for n < len(rest) {
				r, w := utf8.DecodeRuneInString(rest[n:])
				if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					break
				}
				n += w
			}
			if n == 0 {
				r, _ := utf8.DecodeRuneInString(rest)
				return false, l.errf(p, "unexpected character %q", r)
			}
			l.toks = append(l.toks, token{kind: tokName, val: rest[:n], pos: p})
			p += n
		default:
			op := ""
			for _, o := range operators2 {
				if strings.HasPrefix(rest, o) {
					op = o
					break
				}
			}
			if op == "" && strings.IndexByte(operators1, c) >= 0 {
				op = rest[:1]
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(rest)
				return false, l.errf(p, "unexpected character %q", r)
			}
			switch op {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth == 0 {
					return false, l.errf(p, "unexpected '%s'", op)
				}
				depth--
			}
			l.toks = append(l.toks, token{kind: tokOp, val: op, pos: p})
			p += len(op)
		}
	}
}

// stringLit decodes a quoted literal at p with Python's escape rules and
// returns the value and the number of source bytes it spans.
func (l *lexer) stringLit(p int) (string, int, error) {
	q := l.src[p]
	var b strings.Builder
	i := p + 1
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c == q:
			return b.String(), i + 1 - p, nil
		case c == '\\' && i+1 < len(l.src):
			i++
			e := l.src[i]
			switch e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case 'a':
				b.WriteByte('\a')
			case '\n':
				// line continuation
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if i+1+n > len(l.src) {
					return "", 0, l.errf(i-1, "truncated \\%c escape", e)
				}
				v, err := strconv.ParseUint(l.src[i+1:i+1+n], 16, 32)
				if err != nil || v > unicode.MaxRune {
					return "", 0, l.errf(i-1, "invalid \\%c escape", e)
				}
				b.WriteRune(rune(v))
				i += n
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v, n := 0, 0
				for n < 3 && i+n < len(l.src) && l.src[i+n] >= '0' && l.src[i+n] <= '7' {
					v = v*8 + int(l.src[i+n]-'0')
					n++
				}
				b.WriteRune(rune(v))
				i += n - 1
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, l.errf(p, "unterminated string literal")
}

// number lexes an integer or float literal at p.
func (l *lexer) number(p int) (token, int, error) {
	rest := l.src[p:]
	afterDot := p > 0 && l.src[p-1] == '.'
	digits := func(s string) int {
		n := 0
		for n < len(s) && (s[n] >= '0' && s[n] <= '9' || (s[n] == '_' && n > 0 && n+1 < len(s) && s[n+1] >= '0' && s[n+1] <= '9')) {
			n++
		}
		return n
	}
	if len(rest) > 2 && rest[0] == '0' && strings.IndexByte("xXoObB", rest[1]) >= 0 {
		base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[rest[1]]
		n := 2
		for n < len(rest) && (isHexDigit(rest[n]) || rest[n] == '_') {
			n++
		}
		v, err := strconv.ParseInt(strings.ReplaceAll(rest[2:n], "_", ""), base, 64)
		if err != nil {
			return token{}, 0, l.errf(p, "invalid integer literal %q", rest[:n])
		}
		return token{kind: tokInt, num: v, pos: p}, n, nil
	}
	n := digits(rest)
	isFloat := false
	if !afterDot {
		if n+1 < len(rest) && rest[n] == '.' && rest[n+1] >= '0' && rest[n+1] <= '9' {
			n += 1 + digits(rest[n+1:])
			isFloat = true
		}
		if n < len(rest) && (rest[n] == 'e' || rest[n] == 'E') {
			m := n + 1
			if m < len(rest) && (rest[m] == '+' || rest[m] == '-') {
				m++
			}
			if d := digits(rest[m:]); d > 0 {
				n = m + d
				isFloat = true
			}
		}
	}
	lit := strings.ReplaceAll(rest[:n], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return token{}, 0, l.errf(p, "invalid float literal %q", rest[:n])
		}
		return token{kind: tokFloat, fnum: f, pos: p}, n, nil
	}
	v, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		return token{}, 0, l.errf(p, "integer literal %q out of range", rest[:n])
	}
	return token{kind: tokInt, num: v, pos: p}, n, nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
