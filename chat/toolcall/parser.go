package toolcall

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mode is where in the reply the parser stands.
type mode uint8

const (
	modeStart     mode = iota // nothing seen but whitespace: reasoning may open
	modeThink                 // inside the reasoning block
	modeContent               // answer text, watching for call markers
	modeCall                  // after a call marker, collecting the call
	modeJSON                  // a JSON object that may be a call (Llama 3, generic)
	modeJSONNext              // after a JSON call: another may follow
	modeNamedNext             // after a Mistral name[ARGS]{…} call: another may follow
)

// callKind is the syntax a marker opens.
type callKind uint8

const (
	kindHermes    callKind = iota // <tool_call> … </tool_call>
	kindFunction                  // <function=name> … </function>
	kindMistral                   // [TOOL_CALLS] JSON array or name[ARGS]{…}
	kindPythonTag                 // <|python_tag|> JSON or name.call(…)
	kindDeepSeek                  // <｜tool▁calls▁begin｜> … <｜tool▁calls▁end｜>
)

type marker struct {
	open, close string // close is empty where the call's own syntax ends it
	kind        callKind
}

// Parser splits a reply fed to it piece by piece. It is not safe for
// concurrent use.
type Parser struct {
	o        Options
	markers  []marker
	jsonHead bool // a reply (or answer) starting with "{" may be a call
	tools    map[string]map[string]string

	mode     mode
	buf      string // text not yet settled
	partial  string // an incomplete UTF-8 sequence after buf
	trimLead bool   // drop whitespace at the head of buf
	head     bool   // no answer text was settled yet
	cur      marker // the marker that opened the call being collected
	prefix   string // the marker that opened the call, given back if it fails
	gap      string // whitespace before the call's marker, given back if it fails
	jsonSeen int    // length of buf when its JSON was last found incomplete
	out      Delta
}

// New returns a parser for one reply.
func New(o Options) *Parser {
	p := &Parser{o: o, head: true}
	if o.ThinkOpen == "" || o.ThinkClose == "" {
		p.o.ThinkOpen, p.o.ThinkClose, p.o.InThinking = "", "", false
	}
	if len(o.Tools) > 0 {
		p.tools = toolParams(o.Tools)
		switch o.Format {
		case FormatHermes:
			p.markers = []marker{{"<tool_call>", "</tool_call>", kindHermes}, {"<function=", "</function>", kindFunction}}
			p.jsonHead = true // small Qwen models often leave out the tags
		case FormatLlama3:
			p.markers = []marker{{"<|python_tag|>", "", kindPythonTag}}
			p.jsonHead = true
		case FormatMistral:
			p.markers = []marker{{"[TOOL_CALLS]", "", kindMistral}}
		case FormatDeepSeekR1:
			p.markers = []marker{{dsCallsBegin, dsCallsEnd, kindDeepSeek}}
		case FormatGeneric:
			p.jsonHead = true
		}
	}
	if p.o.InThinking {
		p.mode, p.trimLead = modeThink, true
	}
	return p
}

// Add feeds the next piece of generated text and returns what it settled.
func (p *Parser) Add(piece string) Delta {
	// An incomplete UTF-8 sequence at the end waits for its other bytes:
	// whether it is whitespace (held before markers, trimmed at the start)
	// is only known from the whole character.
	p.buf += p.partial + piece
	p.partial = ""
	if n := incompleteSuffix(p.buf); n > 0 {
		p.buf, p.partial = p.buf[:len(p.buf)-n], p.buf[len(p.buf)-n:]
	}
	for p.step(false) {
	}
	return p.take()
}

// Finish ends the reply and returns what was still held back.
func (p *Parser) Finish() Delta {
	p.buf += p.partial
	p.partial = ""
	for p.step(true) {
	}
	p.flush()
	return p.take()
}

func (p *Parser) take() Delta {
	d := p.out
	p.out = Delta{}
	return d
}

func (p *Parser) content(s string) {
	if s != "" {
		p.out.Content += s
		p.head = false
	}
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// incompleteSuffix returns the length of an incomplete UTF-8 sequence
// ending s (0 if s ends on a whole character or on bytes that can never
// form one).
func incompleteSuffix(s string) int {
	for n := 1; n <= min(utf8.UTFMax-1, len(s)); n++ {
		c := s[len(s)-n]
		if c < 0x80 {
			return 0 // ASCII: complete
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRuneInString(s[len(s)-n:]) {
				return n
			}
			return 0
		}
	}
	return 0
}

func trimLeft(s string) string { return strings.TrimLeftFunc(s, isSpace) }

// partialSuffix returns the length of the longest suffix of s that is a
// proper prefix of m.
func partialSuffix(s, m string) int {
	n := min(len(s), len(m)-1)
	for ; n > 0; n-- {
		if strings.HasSuffix(s, m[:n]) {
			return n
		}
	}
	return 0
}

// spaceSuffix returns the length of the whitespace ending s.
func spaceSuffix(s string) int { return len(s) - len(strings.TrimRightFunc(s, isSpace)) }

// step settles what it can of buf, reporting whether it made progress.
// At the end (final) nothing more will come, so a partial marker cannot
// complete.
func (p *Parser) step(final bool) bool {
	if p.trimLead {
		p.buf = trimLeft(p.buf)
		if p.buf == "" {
			return false
		}
		p.trimLead = false
	}
	if p.buf == "" && !(final && p.mode == modeCall) {
		return false
	}
	switch p.mode {
	case modeStart:
		s := trimLeft(p.buf)
		if s == "" {
			if final {
				p.mode = modeContent
				return true
			}
			return false
		}
		if open := p.o.ThinkOpen; open != "" {
			if strings.HasPrefix(s, open) {
				p.buf, p.mode, p.trimLead = s[len(open):], modeThink, true
				return true
			}
			if strings.HasPrefix(open, s) && !final {
				return false
			}
		}
		p.mode = modeContent
		return true

	case modeThink:
		if i := strings.Index(p.buf, p.o.ThinkClose); i >= 0 {
			p.out.Thinking += strings.TrimRightFunc(p.buf[:i], isSpace)
			p.buf, p.mode, p.trimLead = p.buf[i+len(p.o.ThinkClose):], modeContent, true
			return true
		}
		if final {
			p.out.Thinking += strings.TrimRightFunc(p.buf, isSpace)
			p.buf = ""
			return false
		}
		keep := partialSuffix(p.buf, p.o.ThinkClose)
		keep += spaceSuffix(p.buf[:len(p.buf)-keep])
		if keep == len(p.buf) {
			return false
		}
		p.out.Thinking += p.buf[:len(p.buf)-keep]
		p.buf = p.buf[len(p.buf)-keep:]
		return false

	case modeContent:
		if p.jsonHead && p.head {
			s := trimLeft(p.buf)
			if s == "" {
				if final {
					p.content(p.buf)
					p.buf = ""
				}
				return false
			}
			if s[0] == '{' {
				p.mode, p.prefix = modeJSON, ""
				return true
			}
		}
		return p.stepContent(final)

	case modeCall:
		return p.stepCall(final)

	case modeJSON:
		return p.stepJSON(final)

	case modeJSONNext:
		s := strings.TrimLeftFunc(p.buf, func(r rune) bool { return isSpace(r) || r == ';' })
		switch {
		case s == "":
			if final {
				p.buf = ""
			}
			return false
		case s[0] == '{':
			p.buf, p.mode, p.prefix = s, modeJSON, ""
		default:
			p.buf, p.mode = s, modeContent
		}
		return true

	case modeNamedNext:
		s := trimLeft(p.buf)
		if s == "" {
			if final {
				p.buf = ""
			}
			return false
		}
		i := identEnd(s)
		rest := s[i:]
		switch {
		case i > 0 && (strings.HasPrefix(rest, "[ARGS]") || strings.HasPrefix(rest, "[CALL_ID]")):
			p.buf, p.mode, p.cur, p.prefix = s, modeCall, p.markers[0], ""
			return true
		case !final && (i == len(s) || i > 0 && (strings.HasPrefix("[ARGS]", rest) || strings.HasPrefix("[CALL_ID]", rest))):
			return false
		}
		p.buf, p.mode = s, modeContent
		return true
	}
	return false
}

// stepContent settles answer text up to the next call marker, holding back
// a possible marker start (and, with tools, the whitespace before it).
func (p *Parser) stepContent(final bool) bool {
	at, which := -1, -1
	for k, m := range p.markers {
		if i := strings.Index(p.buf, m.open); i >= 0 && (at < 0 || i < at) {
			at, which = i, k
		}
	}
	if at >= 0 {
		before := strings.TrimRightFunc(p.buf[:at], isSpace)
		p.content(before)
		p.gap = p.buf[len(before):at]
		p.cur = p.markers[which]
		p.buf, p.mode, p.prefix = p.buf[at+len(p.cur.open):], modeCall, p.cur.open
		return true
	}
	if final {
		p.content(p.buf)
		p.buf = ""
		return false
	}
	keep := 0
	for _, m := range p.markers {
		keep = max(keep, partialSuffix(p.buf, m.open))
	}
	if len(p.markers) > 0 {
		keep += spaceSuffix(p.buf[:len(p.buf)-keep])
	}
	if keep < len(p.buf) {
		p.content(p.buf[:len(p.buf)-keep])
		p.buf = p.buf[len(p.buf)-keep:]
	}
	return false
}

// fail gives text (the marker of a call that did not parse, or the text
// of one) back as content and goes on with the answer from buf.
func (p *Parser) fail(text string) {
	p.content(p.gap + text)
	p.gap, p.prefix = "", ""
	p.mode = modeContent
}

// called records parsed calls and goes on after them.
func (p *Parser) called(calls []Call, rest string, next mode) {
	p.out.Calls = append(p.out.Calls, calls...)
	p.head, p.gap = false, ""
	p.buf, p.mode, p.trimLead = rest, next, true
}

func (p *Parser) stepCall(final bool) bool {
	m := p.cur
	switch m.kind {
	case kindHermes, kindFunction, kindDeepSeek:
		i := strings.Index(p.buf, m.close)
		if i < 0 && !final {
			return false
		}
		body, rest, closed := p.buf, "", ""
		if i >= 0 {
			body, rest, closed = p.buf[:i], p.buf[i+len(m.close):], m.close
		}
		var calls []Call
		var ok bool
		switch m.kind {
		case kindHermes:
			calls, ok = p.hermesBody(body)
		case kindFunction:
			var c Call
			c, ok = p.functionBody(body)
			calls = []Call{c}
		case kindDeepSeek:
			calls, ok = deepSeekBody(body)
		}
		if !ok {
			p.buf = rest
			p.fail(p.prefix + body + closed)
			return true
		}
		p.called(calls, rest, modeContent)
		return true

	case kindMistral:
		s := trimLeft(p.buf)
		if s == "" {
			if final {
				p.fail(p.prefix)
				return true
			}
			return false
		}
		if s[0] == '[' || s[0] == '{' {
			raw, st := decodeJSON(s)
			switch {
			case st == jsonPartial && !final:
				return false
			case st != jsonOK:
				p.fail(p.prefix)
				return true
			}
			calls, ok := callsFromJSON(raw, p.tools, false, "arguments")
			if !ok {
				p.fail(p.prefix)
				return true
			}
			p.called(calls, s[len(raw):], modeContent)
			return true
		}
		c, n, st := mistralNamed(s)
		switch {
		case st == jsonPartial && !final:
			return false
		case st != jsonOK:
			p.fail(p.prefix)
			return true
		}
		p.called([]Call{c}, s[n:], modeNamedNext)
		return true

	case kindPythonTag:
		s := trimLeft(p.buf)
		if s == "" {
			if final {
				p.fail(p.prefix)
				return true
			}
			return false
		}
		if s[0] == '{' {
			p.mode = modeJSON
			return true
		}
		// A built-in tool call, name.call(…), runs to the end of the reply.
		if !final {
			return false
		}
		if c, ok := builtinCall(s); ok {
			p.called([]Call{c}, "", modeContent)
		} else {
			p.fail(p.prefix)
		}
		return true
	}
	return false
}

// stepJSON decides whether the JSON object at the head of buf (after
// whitespace) is a call.
func (p *Parser) stepJSON(final bool) bool {
	// An object can only complete with a "}": skip decoding until one comes.
	if !final && p.jsonSeen > 0 && p.jsonSeen <= len(p.buf) && !strings.Contains(p.buf[p.jsonSeen:], "}") {
		p.jsonSeen = len(p.buf)
		return false
	}
	s := trimLeft(p.buf)
	raw, st := decodeJSON(s)
	p.jsonSeen = 0
	switch {
	case st == jsonPartial && !final:
		p.jsonSeen = len(p.buf)
		return false
	case st != jsonOK:
		p.jsonHead = false
		p.fail(p.prefix)
		return true
	}
	rest := s[len(raw):]
	if p.o.Format == FormatGeneric {
		if r, ok := genericResponse(raw); ok {
			p.buf, p.jsonHead = rest, false
			p.fail(r)
			return true
		}
	}
	calls, ok := p.jsonCalls(raw)
	if !ok {
		p.jsonHead = false
		p.fail(p.prefix)
		return true
	}
	p.called(calls, rest, modeJSONNext)
	return true
}

// flush gives back, as content, whatever a call left unfinished at the
// end.
func (p *Parser) flush() {
	if p.buf != "" {
		p.content(p.buf)
		p.buf = ""
	}
}

// identEnd returns the length of the tool name starting s.
func identEnd(s string) int {
	for i, r := range s {
		if !(r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return i
		}
	}
	return len(s)
}
