package jinja

import (
	"strings"
)

// ---- statements ----

type node interface{}

type textNode struct{ text string }

type outputNode struct {
	x   expr
	pos int
}

type ifNode struct {
	conds    []expr
	bodies   [][]node
	elseBody []node
}

type forNode struct {
	target    *target
	iter      expr
	cond      expr
	body      []node
	elseBody  []node
	recursive bool
	pos       int
}

type setNode struct {
	target *target
	value  expr
	pos    int
}

type setBlockNode struct {
	target  *target
	filters []*filterExpr
	body    []node
	pos     int
}

type param struct {
	name string
	def  expr // nil when required
}

type macroNode struct {
	name   string
	params []param
	body   []node
	pos    int
}

type callBlockNode struct {
	call   *callExpr
	params []param
	body   []node
	pos    int
}

type filterBlockNode struct {
	filters []*filterExpr
	body    []node
	pos     int
}

type loopControlNode struct {
	brk bool
	pos int
}

type doNode struct {
	x   expr
	pos int
}

type withNode struct {
	targets []*target
	values  []expr
	body    []node
}

// target is the left side of an assignment or a for loop: a name, an
// attribute of a namespace (ns.attr) or a tuple to unpack.
type target struct {
	name  string
	attr  string
	items []*target
	pos   int
}

// ---- expressions ----

type expr interface{ at() int }

type constExpr struct {
	v any
	p int
}

type nameExpr struct {
	name string
	p    int
}

type listExpr struct {
	items []expr
	tuple bool
	p     int
}

type dictExpr struct {
	keys, vals []expr
	p          int
}

type attrExpr struct {
	obj  expr
	name string
	p    int
}

type indexExpr struct {
	obj, key expr
	p        int
}

type sliceExpr struct {
	obj, start, stop, step expr
	p                      int
}

type callArgs struct {
	args    []expr
	kwNames []string
	kwVals  []expr
	star    expr
	dstar   expr
}

type callExpr struct {
	fn expr
	callArgs
	p int
}

type filterExpr struct {
	x    expr // nil inside {% filter %} and {% set x | f %}
	name string
	callArgs
	p int
}

type testExpr struct {
	x    expr
	name string
	neg  bool
	callArgs
	p int
}

type unaryExpr struct {
	op string // "-", "+", "not"
	x  expr
	p  int
}

type binExpr struct {
	op   string // + - * / // % ** ~ and or
	l, r expr
	p    int
}

type compareExpr struct {
	first expr
	ops   []string // == != < <= > >= in "not in"
	rest  []expr
	p     int
}

type condExpr struct {
	cond, then, els expr
	p               int
}

func (e *constExpr) at() int   { return e.p }
func (e *nameExpr) at() int    { return e.p }
func (e *listExpr) at() int    { return e.p }
func (e *dictExpr) at() int    { return e.p }
func (e *attrExpr) at() int    { return e.p }
func (e *indexExpr) at() int   { return e.p }
func (e *sliceExpr) at() int   { return e.p }
func (e *callExpr) at() int    { return e.p }
func (e *filterExpr) at() int  { return e.p }
func (e *testExpr) at() int    { return e.p }
func (e *unaryExpr) at() int   { return e.p }
func (e *binExpr) at() int     { return e.p }
func (e *compareExpr) at() int { return e.p }
func (e *condExpr) at() int    { return e.p }

// maxParseDepth bounds the nesting of blocks and expressions so that a
// hostile template cannot exhaust the stack while being parsed.
const maxParseDepth = 512

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	loops int // enclosing for-loop bodies, for break/continue
}

func parse(src string, cfg lexConfig) ([]node, error) {
	toks, err := lex(src, cfg)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	body, _, err := p.parseBody(nil)
	if err != nil {
		return nil, err
	}
	return body, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) errf(pos int, format string, args ...any) error {
	return newError(p.src, pos, format, args...)
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tokOp && t.val == op
}

func (p *parser) isName(name string) bool {
	t := p.peek()
	return t.kind == tokName && t.val == name
}

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) skipName(name string) bool {
	if p.isName(name) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectOp(op string) error {
	if !p.skipOp(op) {
		t := p.peek()
		return p.errf(t.pos, "expected '%s', got %s", op, t.describe())
	}
	return nil
}

func (p *parser) expectName() (token, error) {
	t := p.peek()
	if t.kind != tokName {
		return t, p.errf(t.pos, "expected a name, got %s", t.describe())
	}
	p.i++
	return t, nil
}

func (p *parser) expectBlockEnd() error {
	t := p.peek()
	if t.kind != tokBlockEnd {
		return p.errf(t.pos, "expected end of statement '%%}', got %s", t.describe())
	}
	p.i++
	return nil
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxParseDepth {
		return p.errf(pos, "template nested too deeply (more than %d levels)", maxParseDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// link accounts one more link of a left-associative chain (a.b.c, x|f|g,
// 1+2+3): each link deepens the tree the evaluator walks recursively, so
// links count against the nesting bound until the chain is finished.
func (p *parser) link(links *int, pos int) error {
	*links++
	return p.enter(pos)
}

func (p *parser) unlink(links int) { p.depth -= links }

// parseBody parses nodes until one of the end tags (e.g. "endif", "else")
// opens a block; it consumes "{%" and the tag name and returns the tag.
func (p *parser) parseBody(endTags []string) ([]node, string, error) {
	var body []node
	for {
		t := p.peek()
		switch t.kind {
		case tokText:
			p.i++
			body = append(body, &textNode{text: t.val})
		case tokVarBegin:
			p.i++
			x, err := p.parseTuple(true, false)
			if err != nil {
				return nil, "", err
			}
			end := p.peek()
			if end.kind != tokVarEnd {
				return nil, "", p.errf(end.pos, "expected end of print statement '}}', got %s", end.describe())
			}
			p.i++
			body = append(body, &outputNode{x: x, pos: t.pos})
		case tokBlockBegin:
			name := p.peekAt(1)
			if name.kind != tokName {
				return nil, "", p.errf(name.pos, "expected a statement name after '{%%', got %s", name.describe())
			}
			for _, e := range endTags {
				if name.val == e {
					p.i += 2
					return body, e, nil
				}
			}
			p.i += 2
			n, err := p.parseStatement(name)
			if err != nil {
				return nil, "", err
			}
			if n != nil {
				body = append(body, n)
			}
		case tokEOF:
			if len(endTags) > 0 {
				return nil, "", p.errf(t.pos, "unexpected end of template, expected '%s'", strings.Join(endTags, "' or '"))
			}
			return body, "", nil
		default:
			return nil, "", p.errf(t.pos, "unexpected %s", t.describe())
		}
	}
}

func (p *parser) parseStatement(name token) (node, error) {
	if err := p.enter(name.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	switch name.val {
	case "if":
		return p.parseIf()
	case "for":
		return p.parseFor(name.pos)
	case "set":
		return p.parseSet(name.pos)
	case "macro":
		return p.parseMacro(name.pos)
	case "call":
		return p.parseCallBlock(name.pos)
	case "filter":
		return p.parseFilterBlock(name.pos)
	case "break", "continue":
		if p.loops == 0 {
			return nil, p.errf(name.pos, "'%s' outside of a for loop", name.val)
		}
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		return &loopControlNode{brk: name.val == "break", pos: name.pos}, nil
	case "do":
		x, err := p.parseTuple(true, false)
		if err != nil {
			return nil, err
		}
		return &doNode{x: x, pos: name.pos}, p.expectBlockEnd()
	case "with":
		return p.parseWith()
	case "generation":
		// Hugging Face's marker for assistant tokens: renders its body.
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		body, _, err := p.parseBody([]string{"endgeneration"})
		if err != nil {
			return nil, err
		}
		return &withNode{body: body}, p.expectBlockEnd()
	case "block", "extends", "include", "import", "from":
		return nil, p.errf(name.pos, "'%s' is not supported in chat templates", name.val)
	case "elif", "else", "endif", "endfor", "endset", "endmacro", "endcall", "endfilter", "endwith", "endgeneration", "endraw":
		return nil, p.errf(name.pos, "unexpected '%s'", name.val)
	}
	return nil, p.errf(name.pos, "unknown statement '%s'", name.val)
}

func (p *parser) parseIf() (node, error) {
	n := &ifNode{}
	for {
		cond, err := p.parseTuple(false, false)
		if err != nil {
			return nil, err
		}
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		body, end, err := p.parseBody([]string{"elif", "else", "endif"})
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.bodies = append(n.bodies, body)
		switch end {
		case "elif":
			continue
		case "else":
			if err := p.expectBlockEnd(); err != nil {
				return nil, err
			}
			n.elseBody, _, err = p.parseBody([]string{"endif"})
			if err != nil {
				return nil, err
			}
		}
		return n, p.expectBlockEnd()
	}
}

func (p *parser) parseFor(pos int) (node, error) {
	tgt, err := p.parseTarget(false, "in")
	if err != nil {
		return nil, err
	}
	if !p.skipName("in") {
		t := p.peek()
		return nil, p.errf(t.pos, "expected 'in' in for loop, got %s", t.describe())
	}
	iter, err := p.parseTuple(false, false)
	if err != nil {
		return nil, err
	}
	n := &forNode{target: tgt, iter: iter, pos: pos}
	if p.skipName("if") {
		if n.cond, err = p.parseExpr(true); err != nil {
			return nil, err
		}
	}
	n.recursive = p.skipName("recursive")
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	p.loops++
	body, end, err := p.parseBody([]string{"endfor", "else"})
	p.loops--
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		if n.elseBody, _, err = p.parseBody([]string{"endfor"}); err != nil {
			return nil, err
		}
	}
	return n, p.expectBlockEnd()
}

// parseTarget parses assignment targets: names, ns.attr (when withNS) and
// comma-separated or parenthesized tuples of names.
func (p *parser) parseTarget(withNS bool, stop string) (*target, error) {
	first, err := p.parseTargetAtom(withNS)
	if err != nil {
		return nil, err
	}
	if !p.isOp(",") {
		return first, nil
	}
	tup := &target{items: []*target{first}, pos: first.pos}
	for p.skipOp(",") {
		if p.isName(stop) || p.isOp("=") || p.peek().kind == tokBlockEnd {
			break
		}
		t, err := p.parseTargetAtom(false)
		if err != nil {
			return nil, err
		}
		tup.items = append(tup.items, t)
	}
	return tup, nil
}

func (p *parser) parseTargetAtom(withNS bool) (*target, error) {
	if err := p.enter(p.peek().pos); err != nil {
		return nil, err
	}
	defer p.leave()
	if t := p.peek(); t.kind == tokOp && t.val == "(" {
		p.i++
		tup := &target{pos: t.pos}
		for !p.isOp(")") {
			item, err := p.parseTargetAtom(false)
			if err != nil {
				return nil, err
			}
			tup.items = append(tup.items, item)
			if !p.skipOp(",") {
				break
			}
		}
		return tup, p.expectOp(")")
	}
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	tg := &target{name: name.val, pos: name.pos}
	if withNS && p.skipOp(".") {
		attr, err := p.expectName()
		if err != nil {
			return nil, err
		}
		tg.attr = attr.val
	}
	return tg, nil
}

func (p *parser) parseSet(pos int) (node, error) {
	tgt, err := p.parseTarget(true, "")
	if err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		v, err := p.parseTuple(true, false)
		if err != nil {
			return nil, err
		}
		return &setNode{target: tgt, value: v, pos: pos}, p.expectBlockEnd()
	}
	if tgt.items != nil {
		return nil, p.errf(pos, "block assignment needs a single name")
	}
	n := &setBlockNode{target: tgt, pos: pos}
	if p.isOp("|") {
		if n.filters, err = p.parseFilterChain(); err != nil {
			return nil, err
		}
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	if n.body, _, err = p.parseBody([]string{"endset"}); err != nil {
		return nil, err
	}
	return n, p.expectBlockEnd()
}

func (p *parser) parseParams() ([]param, error) {
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	var params []param
	for !p.isOp(")") {
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		pr := param{name: name.val}
		if p.skipOp("=") {
			if pr.def, err = p.parseExpr(true); err != nil {
				return nil, err
			}
		}
		params = append(params, pr)
		if !p.skipOp(",") {
			break
		}
	}
	return params, p.expectOp(")")
}

func (p *parser) parseMacro(pos int) (node, error) {
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	params, err := p.parseParams()
	if err != nil {
		return nil, err
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	loops := p.loops
	p.loops = 0
	body, _, err := p.parseBody([]string{"endmacro"})
	p.loops = loops
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tokName && p.peek().val == name.val {
		p.i++
	}
	return &macroNode{name: name.val, params: params, body: body, pos: pos}, p.expectBlockEnd()
}

func (p *parser) parseCallBlock(pos int) (node, error) {
	n := &callBlockNode{pos: pos}
	var err error
	if p.isOp("(") {
		if n.params, err = p.parseParams(); err != nil {
			return nil, err
		}
	}
	x, err := p.parseExpr(true)
	if err != nil {
		return nil, err
	}
	call, ok := x.(*callExpr)
	if !ok {
		return nil, p.errf(x.at(), "expected a call in {%% call %%}")
	}
	n.call = call
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	loops := p.loops
	p.loops = 0
	n.body, _, err = p.parseBody([]string{"endcall"})
	p.loops = loops
	if err != nil {
		return nil, err
	}
	return n, p.expectBlockEnd()
}

// parseFilterChain parses "| f(args) | g" (the leading '|' optional for
// the first filter when first is set).
func (p *parser) parseFilterChain() ([]*filterExpr, error) {
	var chain []*filterExpr
	for first := true; first || p.isOp("|"); first = false {
		p.skipOp("|")
		f, err := p.parseFilter(nil)
		if err != nil {
			return nil, err
		}
		chain = append(chain, f)
	}
	return chain, nil
}

func (p *parser) parseFilterBlock(pos int) (node, error) {
	chain, err := p.parseFilterChain()
	if err != nil {
		return nil, err
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	body, _, err := p.parseBody([]string{"endfilter"})
	if err != nil {
		return nil, err
	}
	return &filterBlockNode{filters: chain, body: body, pos: pos}, p.expectBlockEnd()
}

func (p *parser) parseWith() (node, error) {
	n := &withNode{}
	for p.peek().kind != tokBlockEnd {
		if len(n.targets) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		tgt, err := p.parseTargetAtom(false)
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		v, err := p.parseExpr(true)
		if err != nil {
			return nil, err
		}
		n.targets = append(n.targets, tgt)
		n.values = append(n.values, v)
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	body, _, err := p.parseBody([]string{"endwith"})
	if err != nil {
		return nil, err
	}
	n.body = body
	return n, p.expectBlockEnd()
}

// ---- expressions ----

// parseTuple parses an expression or a comma-separated tuple of them.
// explicit is set inside parentheses, where "()" and a trailing comma are
// allowed.
func (p *parser) parseTuple(withCond, explicit bool) (expr, error) {
	pos := p.peek().pos
	var items []expr
	isTuple := false
	for {
		if len(items) > 0 {
			if !p.skipOp(",") {
				break
			}
			isTuple = true
		}
		t := p.peek()
		if t.kind == tokVarEnd || t.kind == tokBlockEnd || (t.kind == tokOp && t.val == ")") || (t.kind == tokName && (t.val == "if" || t.val == "recursive") && !withCond) {
			if len(items) == 0 && !explicit {
				return nil, p.errf(t.pos, "expected an expression, got %s", t.describe())
			}
			break
		}
		x, err := p.parseExpr(withCond)
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	if !isTuple && len(items) == 1 {
		return items[0], nil
	}
	return &listExpr{items: items, tuple: true, p: pos}, nil
}

func (p *parser) parseExpr(withCond bool) (expr, error) {
	if err := p.enter(p.peek().pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for withCond && p.isName("if") {
		pos := p.next().pos
		cond, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		c := &condExpr{cond: cond, then: x, p: pos}
		if p.skipName("else") {
			if c.els, err = p.parseExpr(true); err != nil {
				return nil, err
			}
		}
		x = c
	}
	return x, nil
}

func (p *parser) parseOr() (expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	links := 0
	defer func() { p.unlink(links) }()
	for p.isName("or") {
		pos := p.next().pos
		if err := p.link(&links, pos); err != nil {
			return nil, err
		}
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "or", l: l, r: r, p: pos}
	}
	return l, nil
}

func (p *parser) parseAnd() (expr, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	links := 0
	defer func() { p.unlink(links) }()
	for p.isName("and") {
		pos := p.next().pos
		if err := p.link(&links, pos); err != nil {
			return nil, err
		}
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "and", l: l, r: r, p: pos}
	}
	return l, nil
}

func (p *parser) parseNot() (expr, error) {
	if p.isName("not") {
		pos := p.next().pos
		if err := p.enter(pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{op: "not", x: x, p: pos}, nil
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (expr, error) {
	first, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	var c *compareExpr
	for {
		t := p.peek()
		op := ""
		switch {
		case t.kind == tokOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.i++
		case t.kind == tokName && t.val == "in":
			op = "in"
			p.i++
		case t.kind == tokName && t.val == "not" && p.peekAt(1).kind == tokName && p.peekAt(1).val == "in":
			op = "not in"
			p.i += 2
		}
		if op == "" {
			break
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		if c == nil {
			c = &compareExpr{first: first, p: t.pos}
		}
		c.ops = append(c.ops, op)
		c.rest = append(c.rest, r)
	}
	if c == nil {
		return first, nil
	}
	return c, nil
}

func (p *parser) parseMath1() (expr, error) {
	l, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	links := 0
	defer func() { p.unlink(links) }()
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		if err := p.link(&links, t.pos); err != nil {
			return nil, err
		}
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: t.val, l: l, r: r, p: t.pos}
	}
	return l, nil
}

func (p *parser) parseConcat() (expr, error) {
	l, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	links := 0
	defer func() { p.unlink(links) }()
	for p.isOp("~") {
		t := p.next()
		if err := p.link(&links, t.pos); err != nil {
			return nil, err
		}
		r, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "~", l: l, r: r, p: t.pos}
	}
	return l, nil
}

func (p *parser) parseMath2() (expr, error) {
	l, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	links := 0
	defer func() { p.unlink(links) }()
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		t := p.next()
		if err := p.link(&links, t.pos); err != nil {
			return nil, err
		}
		r, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: t.val, l: l, r: r, p: t.pos}
	}
	return l, nil
}

func (p *parser) parsePow() (expr, error) {
	l, err := p.parseUnary(true)
	if err != nil {
		return nil, err
	}
	links := 0
	defer func() { p.unlink(links) }()
	for p.isOp("**") {
		t := p.next()
		if err := p.link(&links, t.pos); err != nil {
			return nil, err
		}
		r, err := p.parseUnary(true)
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "**", l: l, r: r, p: t.pos}
	}
	return l, nil
}

func (p *parser) parseUnary(withFilter bool) (expr, error) {
	t := p.peek()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	var x expr
	var err error
	if t.kind == tokOp && (t.val == "-" || t.val == "+") {
		p.i++
		inner, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		x = &unaryExpr{op: t.val, x: inner, p: t.pos}
	} else {
		if x, err = p.parsePrimary(); err != nil {
			return nil, err
		}
		if x, err = p.parsePostfix(x); err != nil {
			return nil, err
		}
	}
	if withFilter {
		return p.parseFilterExpr(x)
	}
	return x, nil
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tokName:
		switch t.val {
		case "true", "True":
			return &constExpr{v: true, p: t.pos}, nil
		case "false", "False":
			return &constExpr{v: false, p: t.pos}, nil
		case "none", "None":
			return &constExpr{v: nil, p: t.pos}, nil
		}
		return &nameExpr{name: t.val, p: t.pos}, nil
	case tokString:
		s := t.val
		for p.peek().kind == tokString {
			s += p.next().val
		}
		return &constExpr{v: s, p: t.pos}, nil
	case tokInt:
		return &constExpr{v: t.num, p: t.pos}, nil
	case tokFloat:
		return &constExpr{v: t.fnum, p: t.pos}, nil
	case tokOp:
		switch t.val {
		case "(":
			x, err := p.parseTuple(true, true)
			if err != nil {
				return nil, err
			}
			return x, p.expectOp(")")
		case "[":
			l := &listExpr{p: t.pos}
			for !p.isOp("]") {
				x, err := p.parseExpr(true)
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, x)
				if !p.skipOp(",") {
					break
				}
			}
			return l, p.expectOp("]")
		case "{":
			d := &dictExpr{p: t.pos}
			for !p.isOp("}") {
				k, err := p.parseExpr(true)
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := p.parseExpr(true)
				if err != nil {
					return nil, err
				}
				d.keys = append(d.keys, k)
				d.vals = append(d.vals, v)
				if !p.skipOp(",") {
					break
				}
			}
			return d, p.expectOp("}")
		}
	}
	return nil, p.errf(t.pos, "unexpected %s", t.describe())
}

func (p *parser) parsePostfix(x expr) (expr, error) {
	links := 0
	defer func() { p.unlink(links) }()
	for {
		t := p.peek()
		if t.kind != tokOp || (t.val != "." && t.val != "[" && t.val != "(") {
			return x, nil
		}
		if err := p.link(&links, t.pos); err != nil {
			return nil, err
		}
		switch t.val {
		case ".":
			p.i++
			a := p.next()
			switch a.kind {
			case tokName:
				x = &attrExpr{obj: x, name: a.val, p: a.pos}
			case tokInt:
				x = &indexExpr{obj: x, key: &constExpr{v: a.num, p: a.pos}, p: a.pos}
			default:
				return nil, p.errf(a.pos, "expected an attribute name after '.', got %s", a.describe())
			}
		case "[":
			p.i++
			var err error
			if x, err = p.parseSubscript(x, t.pos); err != nil {
				return nil, err
			}
		case "(":
			var err error
			if x, err = p.parseCall(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}

func (p *parser) parseSubscript(obj expr, pos int) (expr, error) {
	var parts [3]expr
	n := 0
	isSlice := false
	for {
		if p.isOp(":") {
			p.i++
			isSlice = true
			n++
			if n > 2 {
				return nil, p.errf(pos, "too many ':' in subscript")
			}
			continue
		}
		if p.isOp("]") {
			break
		}
		if parts[n] != nil {
			t := p.peek()
			return nil, p.errf(t.pos, "expected ']' or ':', got %s", t.describe())
		}
		x, err := p.parseExpr(true)
		if err != nil {
			return nil, err
		}
		parts[n] = x
	}
	p.i++ // ]
	if isSlice {
		return &sliceExpr{obj: obj, start: parts[0], stop: parts[1], step: parts[2], p: pos}, nil
	}
	if parts[0] == nil {
		return nil, p.errf(pos, "empty subscript")
	}
	return &indexExpr{obj: obj, key: parts[0], p: pos}, nil
}

func (p *parser) parseCallArgs() (callArgs, error) {
	var a callArgs
	if err := p.expectOp("("); err != nil {
		return a, err
	}
	for !p.isOp(")") {
		switch {
		case p.isOp("**"):
			p.i++
			x, err := p.parseExpr(true)
			if err != nil {
				return a, err
			}
			a.dstar = x
		case p.isOp("*"):
			p.i++
			x, err := p.parseExpr(true)
			if err != nil {
				return a, err
			}
			a.star = x
		case p.peek().kind == tokName && p.peekAt(1).kind == tokOp && p.peekAt(1).val == "=":
			name := p.next()
			p.i++
			x, err := p.parseExpr(true)
			if err != nil {
				return a, err
			}
			a.kwNames = append(a.kwNames, name.val)
			a.kwVals = append(a.kwVals, x)
		default:
			x, err := p.parseExpr(true)
			if err != nil {
				return a, err
			}
			if len(a.kwNames) > 0 {
				return a, p.errf(x.at(), "positional argument follows keyword argument")
			}
			a.args = append(a.args, x)
		}
		if !p.skipOp(",") {
			break
		}
	}
	return a, p.expectOp(")")
}

func (p *parser) parseCall(fn expr) (expr, error) {
	a, err := p.parseCallArgs()
	if err != nil {
		return nil, err
	}
	return &callExpr{fn: fn, callArgs: a, p: fn.at()}, nil
}

func (p *parser) parseDottedName() (string, int, error) {
	t, err := p.expectName()
	if err != nil {
		return "", 0, err
	}
	name := t.val
	for p.isOp(".") && p.peekAt(1).kind == tokName {
		p.i++
		name += "." + p.next().val
	}
	return name, t.pos, nil
}

func (p *parser) parseFilter(x expr) (*filterExpr, error) {
	name, pos, err := p.parseDottedName()
	if err != nil {
		return nil, err
	}
	f := &filterExpr{x: x, name: name, p: pos}
	if p.isOp("(") {
		if f.callArgs, err = p.parseCallArgs(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *parser) parseFilterExpr(x expr) (expr, error) {
	links := 0
	defer func() { p.unlink(links) }()
	for {
		if err := p.link(&links, p.peek().pos); err != nil {
			return nil, err
		}
		switch {
		case p.isOp("|"):
			p.i++
			f, err := p.parseFilter(x)
			if err != nil {
				return nil, err
			}
			x = f
		case p.isName("is"):
			p.i++
			neg := p.skipName("not")
			name, pos, err := p.parseDottedName()
			if err != nil {
				return nil, err
			}
			tst := &testExpr{x: x, name: name, neg: neg, p: pos}
			t := p.peek()
			switch {
			case t.kind == tokOp && t.val == "(":
				if tst.callArgs, err = p.parseCallArgs(); err != nil {
					return nil, err
				}
			case (t.kind == tokName && t.val != "else" && t.val != "or" && t.val != "and" && t.val != "if" && t.val != "is" && t.val != "not" && t.val != "in") ||
				t.kind == tokString || t.kind == tokInt || t.kind == tokFloat ||
				(t.kind == tokOp && (t.val == "[" || t.val == "{")):
				arg, err := p.parsePrimary()
				if err != nil {
					return nil, err
				}
				if arg, err = p.parsePostfix(arg); err != nil {
					return nil, err
				}
				tst.args = []expr{arg}
			}
			x = tst
		case p.isOp("("):
			var err error
			if x, err = p.parseCall(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}
