package jinja

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Options select the Jinja2 environment settings a template is parsed
// with. The zero value is what Hugging Face transformers (and llama.cpp)
// use for chat templates: trim_blocks and lstrip_blocks on, a single
// trailing newline of the template dropped.
type Options struct {
	NoTrimBlocks        bool // keep the newline after a block tag
	NoLStripBlocks      bool // keep indentation before a block tag
	KeepTrailingNewline bool // keep a final newline of the template
}

// Limits bound the work one render may do. Zero fields take the defaults.
type Limits struct {
	MaxSteps  int64 // statements, expressions and loop iterations (default 5,000,000)
	MaxDepth  int   // nested macro calls and recursive loops (default 100)
	MaxOutput int   // bytes of output, and of any single string or list built (default 64 MiB)
}

const (
	defaultMaxSteps  = 5_000_000
	defaultMaxDepth  = 100
	defaultMaxOutput = 64 << 20
	maxDataDepth     = 128 // nesting of values walked by repr, ==, tojson
)

// Template is a parsed template. It is immutable and safe for concurrent
// use by multiple goroutines.
type Template struct {
	src   string
	nodes []node
}

// Parse parses a template with the default (Hugging Face) options.
func Parse(src string) (*Template, error) { return ParseOptions(src, Options{}) }

// ParseOptions parses a template with the given options. Errors are of type
// *Error and carry the line and column.
func ParseOptions(src string, opts Options) (*Template, error) {
	cfg := lexConfig{trimBlocks: !opts.NoTrimBlocks, lstripBlocks: !opts.NoLStripBlocks, keepTrailingNewline: opts.KeepTrailingNewline}
	nodes, err := parse(src, cfg)
	if err != nil {
		return nil, err
	}
	return &Template{src: src, nodes: nodes}, nil
}

// Source returns the template text.
func (t *Template) Source() string { return t.src }

// Render renders the template with the given variables (converted with
// FromGo) and default limits.
func (t *Template) Render(vars map[string]any) (string, error) {
	return t.Execute(vars, Limits{})
}

// Execute renders the template with the given variables and limits.
func (t *Template) Execute(vars map[string]any, lim Limits) (out string, err error) {
	s := &state{src: t.src, maxSteps: lim.MaxSteps, maxDepth: lim.MaxDepth, maxOutput: lim.MaxOutput}
	if s.maxSteps <= 0 {
		s.maxSteps = defaultMaxSteps
	}
	if s.maxDepth <= 0 {
		s.maxDepth = defaultMaxDepth
	}
	if s.maxOutput <= 0 {
		s.maxOutput = defaultMaxOutput
	}
	globals := &scope{vars: make(map[string]any, len(vars)+8)}
	for k, v := range builtinGlobals {
		globals.vars[k] = v
	}
	for k, v := range vars {
		globals.vars[k] = FromGo(v)
	}
	top := &scope{vars: map[string]any{}, parent: globals}
	var b strings.Builder
	s.out = &b
	defer func() {
		// A bug in the engine must not take the process down.
		if r := recover(); r != nil {
			out, err = "", &Error{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	c, err := s.execBody(t.nodes, top)
	if err != nil {
		return "", err
	}
	if c != ctlNone {
		return "", &Error{Msg: "'break' or 'continue' outside of a loop"}
	}
	return b.String(), nil
}

type scope struct {
	vars   map[string]any
	parent *scope
}

func (sc *scope) lookup(name string) (any, bool) {
	for s := sc; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (sc *scope) child() *scope { return &scope{vars: map[string]any{}, parent: sc} }

type ctl uint8

const (
	ctlNone ctl = iota
	ctlBreak
	ctlContinue
)

type state struct {
	src       string
	out       *strings.Builder
	steps     int64
	maxSteps  int64
	depth     int
	maxDepth  int
	maxOutput int
}

func (s *state) errf(pos int, format string, args ...any) *Error {
	return newError(s.src, pos, format, args...)
}

// wrap attaches a position to an error returned by a builtin.
func (s *state) wrap(pos int, err error) error {
	var je *Error
	if errors.As(err, &je) {
		if je.Line == 0 {
			line, col := position(s.src, pos)
			je.Line, je.Column = line, col
		}
		return je
	}
	e := s.errf(pos, "%v", err)
	e.cause = err
	return e
}

func (s *state) step(pos int) error {
	s.steps++
	if s.steps > s.maxSteps {
		e := s.errf(pos, "render exceeded %d steps", s.maxSteps)
		e.cause = ErrLimit
		return e
	}
	return nil
}

// charge adds n units of work (items or bytes/64 a builtin touched) to the
// step count, so that filters and methods over large data inside loops
// stay within MaxSteps.
func (s *state) charge(n int) error {
	s.steps += int64(n)
	if s.steps > s.maxSteps {
		return fmt.Errorf("render exceeded %d steps: %w", s.maxSteps, ErrLimit)
	}
	return nil
}

// cost estimates the work of handling v: its items, or its bytes / 64.
func cost(v any) int {
	switch x := v.(type) {
	case *List:
		return len(x.Items) + 1
	case *Dict:
		return len(x.keys) + 1
	case string:
		return len(x)/64 + 1
	}
	return 1
}

func (s *state) checkSize(n int) error {
	if n > s.maxOutput {
		return fmt.Errorf("value of %d bytes exceeds the %d byte limit: %w", n, s.maxOutput, ErrLimit)
	}
	return nil
}

// checkItems bounds the length of a list being built; an item costs at
// least 16 bytes of memory.
func (s *state) checkItems(n int) error {
	if n > s.maxOutput/16 {
		return fmt.Errorf("list of %d items exceeds the limit of %d: %w", n, s.maxOutput/16, ErrLimit)
	}
	return nil
}

func (s *state) write(pos int, str string) error {
	if s.out.Len()+len(str) > s.maxOutput {
		e := s.errf(pos, "output exceeds %d bytes", s.maxOutput)
		e.cause = ErrLimit
		return e
	}
	s.out.WriteString(str)
	return nil
}

// capture runs fn with output redirected to a fresh buffer.
func (s *state) capture(fn func() (ctl, error)) (string, ctl, error) {
	saved := s.out
	var b strings.Builder
	s.out = &b
	c, err := fn()
	s.out = saved
	return b.String(), c, err
}

func (s *state) execBody(nodes []node, sc *scope) (ctl, error) {
	for _, n := range nodes {
		c, err := s.exec(n, sc)
		if err != nil || c != ctlNone {
			return c, err
		}
	}
	return ctlNone, nil
}

func (s *state) exec(n node, sc *scope) (ctl, error) {
	switch n := n.(type) {
	case *textNode:
		return ctlNone, s.write(0, n.text)
	case *outputNode:
		if err := s.step(n.pos); err != nil {
			return ctlNone, err
		}
		v, err := s.eval(n.x, sc)
		if err != nil {
			return ctlNone, err
		}
		str := toStr(v)
		if err := s.charge(len(str) / 64); err != nil {
			return ctlNone, s.wrap(n.pos, err)
		}
		return ctlNone, s.write(n.pos, str)
	case *ifNode:
		for i, cond := range n.conds {
			v, err := s.eval(cond, sc)
			if err != nil {
				return ctlNone, err
			}
			if truthy(v) {
				return s.execBody(n.bodies[i], sc)
			}
		}
		return s.execBody(n.elseBody, sc)
	case *forNode:
		iter, err := s.eval(n.iter, sc)
		if err != nil {
			return ctlNone, err
		}
		return s.execFor(n, iter, sc, 0)
	case *setNode:
		if err := s.step(n.pos); err != nil {
			return ctlNone, err
		}
		v, err := s.eval(n.value, sc)
		if err != nil {
			return ctlNone, err
		}
		return ctlNone, s.assign(n.target, v, sc)
	case *setBlockNode:
		str, _, err := s.capture(func() (ctl, error) { return s.execBody(n.body, sc) })
		if err != nil {
			return ctlNone, err
		}
		var v any = str
		for _, f := range n.filters {
			if v, err = s.applyFilter(f, v, sc); err != nil {
				return ctlNone, err
			}
		}
		return ctlNone, s.assign(n.target, v, sc)
	case *macroNode:
		sc.vars[n.name] = &macro{name: n.name, params: n.params, body: n.body, closure: sc, st: s}
		return ctlNone, nil
	case *callBlockNode:
		return ctlNone, s.execCallBlock(n, sc)
	case *filterBlockNode:
		str, _, err := s.capture(func() (ctl, error) { return s.execBody(n.body, sc) })
		if err != nil {
			return ctlNone, err
		}
		var v any = str
		for _, f := range n.filters {
			if v, err = s.applyFilter(f, v, sc); err != nil {
				return ctlNone, err
			}
		}
		return ctlNone, s.write(n.pos, toStr(v))
	case *loopControlNode:
		if n.brk {
			return ctlBreak, nil
		}
		return ctlContinue, nil
	case *doNode:
		_, err := s.eval(n.x, sc)
		return ctlNone, err
	case *withNode:
		inner := sc.child()
		for i, t := range n.targets {
			v, err := s.eval(n.values[i], sc)
			if err != nil {
				return ctlNone, err
			}
			if err := s.assign(t, v, inner); err != nil {
				return ctlNone, err
			}
		}
		return s.execBody(n.body, inner)
	}
	return ctlNone, fmt.Errorf("jinja: unknown node %T", n)
}

// assign binds v to the target in scope sc.
func (s *state) assign(t *target, v any, sc *scope) error {
	switch {
	case t.items != nil:
		items, err := iterate(v)
		if err != nil {
			return s.wrap(t.pos, err)
		}
		if len(items) != len(t.items) {
			return s.errf(t.pos, "cannot unpack %d values into %d names", len(items), len(t.items))
		}
		for i, it := range t.items {
			if err := s.assign(it, items[i], sc); err != nil {
				return err
			}
		}
		return nil
	case t.attr != "":
		obj, _ := sc.lookup(t.name)
		d, ok := obj.(*Dict)
		if !ok || !d.ns {
			return s.errf(t.pos, "cannot assign attribute on non-namespace object '%s'", t.name)
		}
		d.set(t.attr, v)
		return nil
	}
	sc.vars[t.name] = v
	return nil
}

func (s *state) execFor(n *forNode, iter any, sc *scope, depth int) (ctl, error) {
	items, err := iterate(iter)
	if err != nil {
		return ctlNone, s.wrap(n.iter.at(), err)
	}
	if n.cond != nil {
		kept := items[:0:0]
		for _, it := range items {
			inner := sc.child()
			if err := s.assign(n.target, it, inner); err != nil {
				return ctlNone, err
			}
			ok, err := s.eval(n.cond, inner)
			if err != nil {
				return ctlNone, err
			}
			if truthy(ok) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		return s.execBody(n.elseBody, sc)
	}
	loop := &loopState{items: items, depth0: depth}
	if n.recursive {
		loop.recurse = func(v any) (string, error) {
			if s.depth >= s.maxDepth {
				e := s.errf(n.pos, "recursive loop nested more than %d levels", s.maxDepth)
				e.cause = ErrLimit
				return "", e
			}
			s.depth++
			defer func() { s.depth-- }()
			str, _, err := s.capture(func() (ctl, error) { return s.execFor(n, v, sc, depth+1) })
			return str, err
		}
	}
	for i, it := range items {
		if err := s.step(n.pos); err != nil {
			return ctlNone, err
		}
		loop.index0 = i
		inner := sc.child()
		inner.vars["loop"] = loop
		if err := s.assign(n.target, it, inner); err != nil {
			return ctlNone, err
		}
		c, err := s.execBody(n.body, inner)
		if err != nil {
			return ctlNone, err
		}
		if c == ctlBreak {
			break
		}
	}
	return ctlNone, nil
}

func (s *state) execCallBlock(n *callBlockNode, sc *scope) error {
	caller := &macro{name: "caller", params: n.params, body: n.body, closure: sc, st: s}
	fn, err := s.eval(n.call.fn, sc)
	if err != nil {
		return err
	}
	args, kwargs, err := s.evalArgs(&n.call.callArgs, sc)
	if err != nil {
		return err
	}
	m, ok := fn.(*macro)
	if !ok {
		return s.errf(n.pos, "{%% call %%} needs a macro, got %s", typeName(fn))
	}
	v, err := m.call(args, kwargs, caller, n.pos)
	if err != nil {
		return err
	}
	return s.write(n.pos, toStr(v))
}

// macro is a template-defined macro (or the body of a call block).
type macro struct {
	name    string
	params  []param
	body    []node
	closure *scope
	st      *state
}

func (m *macro) call(args []any, kwargs *Dict, caller *macro, pos int) (any, error) {
	s := m.st
	if s.depth >= s.maxDepth {
		e := s.errf(pos, "macro calls nested more than %d levels", s.maxDepth)
		e.cause = ErrLimit
		return nil, e
	}
	s.depth++
	defer func() { s.depth-- }()
	sc := m.closure.child()
	for i, p := range m.params {
		switch {
		case i < len(args):
			sc.vars[p.name] = args[i]
			if _, dup := kwargs.lookup(p.name); dup {
				return nil, s.errf(pos, "macro '%s' got multiple values for argument '%s'", m.name, p.name)
			}
		case kwargs.has(p.name):
			sc.vars[p.name], _ = kwargs.lookup(p.name)
		case p.def != nil:
			v, err := s.eval(p.def, sc)
			if err != nil {
				return nil, err
			}
			sc.vars[p.name] = v
		default:
			sc.vars[p.name] = undefined{name: p.name}
		}
	}
	var extra []any
	if len(args) > len(m.params) {
		extra = args[len(m.params):]
	}
	sc.vars["varargs"] = &List{Items: extra, Tuple: true}
	kw := NewDict()
	if kwargs != nil {
		for i, k := range kwargs.keys {
			known := false
			for _, p := range m.params {
				if p.name == k {
					known = true
					break
				}
			}
			if !known {
				kw.set(k, kwargs.vals[i])
			}
		}
	}
	sc.vars["kwargs"] = kw
	if caller != nil {
		sc.vars["caller"] = caller
	}
	str, _, err := s.capture(func() (ctl, error) { return s.execBody(m.body, sc) })
	if err != nil {
		return nil, err
	}
	return str, nil
}

// loopState is the "loop" variable inside a for loop.
type loopState struct {
	items   []any
	index0  int
	depth0  int
	recurse func(any) (string, error)
	last    *List
}

func (l *loopState) attr(name string) any {
	n := len(l.items)
	switch name {
	case "index":
		return int64(l.index0 + 1)
	case "index0":
		return int64(l.index0)
	case "revindex":
		return int64(n - l.index0)
	case "revindex0":
		return int64(n - l.index0 - 1)
	case "first":
		return l.index0 == 0
	case "last":
		return l.index0 == n-1
	case "length":
		return int64(n)
	case "depth":
		return int64(l.depth0 + 1)
	case "depth0":
		return int64(l.depth0)
	case "previtem":
		if l.index0 > 0 {
			return l.items[l.index0-1]
		}
		return undefined{name: "previtem"}
	case "nextitem":
		if l.index0+1 < n {
			return l.items[l.index0+1]
		}
		return undefined{name: "nextitem"}
	case "cycle", "changed":
		return &boundMethod{recv: l, name: name}
	}
	return undefined{name: name}
}

// boundMethod is a method looked up on a value, e.g. "abc".upper.
type boundMethod struct {
	recv any
	name string
}

// ---- expressions ----

func (s *state) eval(x expr, sc *scope) (any, error) {
	if err := s.step(x.at()); err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case *constExpr:
		return x.v, nil
	case *nameExpr:
		if v, ok := sc.lookup(x.name); ok {
			return v, nil
		}
		return undefined{name: x.name}, nil
	case *listExpr:
		l := &List{Items: make([]any, len(x.items)), Tuple: x.tuple}
		for i, e := range x.items {
			v, err := s.eval(e, sc)
			if err != nil {
				return nil, err
			}
			l.Items[i] = v
		}
		return l, nil
	case *dictExpr:
		d := NewDict()
		for i := range x.keys {
			k, err := s.eval(x.keys[i], sc)
			if err != nil {
				return nil, err
			}
			v, err := s.eval(x.vals[i], sc)
			if err != nil {
				return nil, err
			}
			switch k.(type) {
			case *List, *Dict, undefined:
				if l, ok := k.(*List); !ok || !l.Tuple {
					return nil, s.errf(x.keys[i].at(), "unhashable dict key of type '%s'", typeName(k))
				}
			}
			d.set(k, v)
		}
		return d, nil
	case *attrExpr:
		obj, err := s.eval(x.obj, sc)
		if err != nil {
			return nil, err
		}
		return getAttr(obj, x.name), nil
	case *indexExpr:
		obj, err := s.eval(x.obj, sc)
		if err != nil {
			return nil, err
		}
		key, err := s.eval(x.key, sc)
		if err != nil {
			return nil, err
		}
		return getItem(obj, key), nil
	case *sliceExpr:
		return s.evalSlice(x, sc)
	case *callExpr:
		return s.evalCall(x, sc)
	case *filterExpr:
		v, err := s.eval(x.x, sc)
		if err != nil {
			return nil, err
		}
		return s.applyFilter(x, v, sc)
	case *testExpr:
		return s.evalTest(x, sc)
	case *unaryExpr:
		v, err := s.eval(x.x, sc)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "not":
			return !truthy(v), nil
		case "-":
			switch n := v.(type) {
			case int64:
				if n == math.MinInt64 {
					return nil, s.errf(x.p, "integer overflow")
				}
				return -n, nil
			case float64:
				return -n, nil
			case bool:
				if n {
					return int64(-1), nil
				}
				return int64(0), nil
			}
			return nil, s.errf(x.p, "bad operand type for unary -: '%s'", typeName(v))
		default:
			if _, _, _, ok := numeric(v); ok {
				if b, isBool := v.(bool); isBool {
					if b {
						return int64(1), nil
					}
					return int64(0), nil
				}
				return v, nil
			}
			return nil, s.errf(x.p, "bad operand type for unary +: '%s'", typeName(v))
		}
	case *binExpr:
		return s.evalBinary(x, sc)
	case *compareExpr:
		l, err := s.eval(x.first, sc)
		if err != nil {
			return nil, err
		}
		for i, op := range x.ops {
			r, err := s.eval(x.rest[i], sc)
			if err != nil {
				return nil, err
			}
			ok, err := compareOp(op, l, r)
			if err != nil {
				return nil, s.wrap(x.p, err)
			}
			if !ok {
				return false, nil
			}
			l = r
		}
		return true, nil
	case *condExpr:
		c, err := s.eval(x.cond, sc)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return s.eval(x.then, sc)
		}
		if x.els == nil {
			return undefined{name: "else"}, nil
		}
		return s.eval(x.els, sc)
	}
	return nil, fmt.Errorf("jinja: unknown expression %T", x)
}

// getAttr implements obj.name: methods first, then items, as Jinja does.
func getAttr(obj any, name string) any {
	switch o := obj.(type) {
	case *Dict:
		if !o.ns && isMethod(obj, name) {
			return &boundMethod{recv: obj, name: name}
		}
		if v, ok := o.get(name); ok {
			return v
		}
	case *loopState:
		return o.attr(name)
	case string, *List:
		if isMethod(obj, name) {
			return &boundMethod{recv: obj, name: name}
		}
	}
	return undefined{name: name}
}

// getItem implements obj[key]: items first, then attributes.
func getItem(obj, key any) any {
	switch o := obj.(type) {
	case *Dict:
		if v, ok := o.get(key); ok {
			return v
		}
	case *List:
		if i, _, isFloat, ok := numeric(key); ok && !isFloat {
			n := int64(len(o.Items))
			if i < 0 {
				i += n
			}
			if i >= 0 && i < n {
				return o.Items[i]
			}
			return undefined{name: fmt.Sprint(key)}
		}
	case string:
		if i, _, isFloat, ok := numeric(key); ok && !isFloat {
			if isASCII(o) {
				n := int64(len(o))
				if i < 0 {
					i += n
				}
				if i >= 0 && i < n {
					return o[i : i+1]
				}
			} else {
				r := []rune(o)
				n := int64(len(r))
				if i < 0 {
					i += n
				}
				if i >= 0 && i < n {
					return string(r[i])
				}
			}
			return undefined{name: fmt.Sprint(key)}
		}
	}
	if name, ok := key.(string); ok {
		return getAttr(obj, name)
	}
	return undefined{name: toStr(key)}
}

func (s *state) evalSlice(x *sliceExpr, sc *scope) (any, error) {
	obj, err := s.eval(x.obj, sc)
	if err != nil {
		return nil, err
	}
	var bounds [3]*int64
	for i, e := range []expr{x.start, x.stop, x.step} {
		if e == nil {
			continue
		}
		v, err := s.eval(e, sc)
		if err != nil {
			return nil, err
		}
		if v == nil || isUndefined(v) {
			continue
		}
		n, _, isFloat, ok := numeric(v)
		if !ok || isFloat {
			return nil, s.errf(e.at(), "slice indices must be integers or None, not %s", typeName(v))
		}
		bounds[i] = &n
	}
	v, err := sliceValue(obj, bounds[0], bounds[1], bounds[2])
	if err != nil {
		return nil, s.wrap(x.p, err)
	}
	return v, nil
}

// sliceIndexes computes the indexes Python's slice(start, stop, step)
// selects from a sequence of length n.
func sliceIndexes(n int64, start, stop, step *int64) ([]int64, error) {
	st := int64(1)
	if step != nil {
		st = *step
	}
	if st == 0 {
		return nil, fmt.Errorf("slice step cannot be zero")
	}
	clamp := func(p *int64, def, lo, hi int64) int64 {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < lo {
				v = lo
			}
		} else if v > hi {
			v = hi
		}
		return v
	}
	var idx []int64
	if st > 0 {
		b, e := clamp(start, 0, 0, n), clamp(stop, n, 0, n)
		for i := b; i < e; i += st {
			idx = append(idx, i)
		}
	} else {
		b, e := clamp(start, n-1, -1, n-1), clamp(stop, -1, -1, n-1)
		for i := b; i > e; i += st {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

func sliceValue(obj any, start, stop, step *int64) (any, error) {
	switch o := obj.(type) {
	case *List:
		idx, err := sliceIndexes(int64(len(o.Items)), start, stop, step)
		if err != nil {
			return nil, err
		}
		out := &List{Items: make([]any, len(idx)), Tuple: o.Tuple}
		for i, j := range idx {
			out.Items[i] = o.Items[j]
		}
		return out, nil
	case string:
		if isASCII(o) {
			idx, err := sliceIndexes(int64(len(o)), start, stop, step)
			if err != nil {
				return nil, err
			}
			if step == nil || *step == 1 {
				if len(idx) == 0 {
					return "", nil
				}
				return o[idx[0] : idx[len(idx)-1]+1], nil
			}
			b := make([]byte, len(idx))
			for i, j := range idx {
				b[i] = o[j]
			}
			return string(b), nil
		}
		r := []rune(o)
		idx, err := sliceIndexes(int64(len(r)), start, stop, step)
		if err != nil {
			return nil, err
		}
		out := make([]rune, len(idx))
		for i, j := range idx {
			out[i] = r[j]
		}
		return string(out), nil
	case undefined:
		return o, nil
	}
	return nil, fmt.Errorf("'%s' object is not subscriptable", typeName(obj))
}

func (s *state) evalArgs(a *callArgs, sc *scope) ([]any, *Dict, error) {
	args := make([]any, 0, len(a.args))
	for _, e := range a.args {
		v, err := s.eval(e, sc)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	if a.star != nil {
		v, err := s.eval(a.star, sc)
		if err != nil {
			return nil, nil, err
		}
		items, err := iterate(v)
		if err != nil {
			return nil, nil, s.wrap(a.star.at(), err)
		}
		args = append(args, items...)
	}
	var kwargs *Dict
	if len(a.kwNames) > 0 || a.dstar != nil {
		kwargs = NewDict()
	}
	for i, name := range a.kwNames {
		v, err := s.eval(a.kwVals[i], sc)
		if err != nil {
			return nil, nil, err
		}
		kwargs.set(name, v)
	}
	if a.dstar != nil {
		v, err := s.eval(a.dstar, sc)
		if err != nil {
			return nil, nil, err
		}
		d, ok := v.(*Dict)
		if !ok {
			return nil, nil, s.errf(a.dstar.at(), "argument after ** must be a mapping, not %s", typeName(v))
		}
		for i, k := range d.keys {
			kwargs.set(toStr(k), d.vals[i])
		}
	}
	return args, kwargs, nil
}

func (s *state) evalCall(x *callExpr, sc *scope) (any, error) {
	fn, err := s.eval(x.fn, sc)
	if err != nil {
		return nil, err
	}
	args, kwargs, err := s.evalArgs(&x.callArgs, sc)
	if err != nil {
		return nil, err
	}
	v, err := s.callValue(fn, args, kwargs, x.p)
	if err != nil {
		return nil, s.wrap(x.p, err)
	}
	return v, nil
}

func (s *state) callValue(fn any, args []any, kwargs *Dict, pos int) (any, error) {
	switch f := fn.(type) {
	case Func:
		var m map[string]any
		if kwargs != nil && kwargs.Len() > 0 {
			m = make(map[string]any, kwargs.Len())
			for i, k := range kwargs.keys {
				m[toStr(k)] = kwargs.vals[i]
			}
		}
		return f(args, m)
	case builtinFunc:
		out, err := f(s, args, kwargs)
		if err != nil {
			return nil, err
		}
		return out, s.charge(cost(out))
	case *macro:
		var caller *macro
		if kwargs != nil {
			if c, ok := kwargs.get("caller"); ok {
				caller, _ = c.(*macro)
				if caller != nil {
					kwargs.delete("caller")
				}
			}
		}
		return f.call(args, kwargs, caller, pos)
	case *boundMethod:
		if err := s.charge(cost(f.recv)); err != nil {
			return nil, err
		}
		out, err := s.callMethod(f, args, kwargs)
		if err != nil {
			return nil, err
		}
		return out, s.charge(cost(out))
	case *loopState:
		if f.recurse == nil {
			return nil, fmt.Errorf("the loop is not recursive; add 'recursive' to call loop()")
		}
		if len(args) != 1 {
			return nil, fmt.Errorf("loop() takes exactly one argument")
		}
		return f.recurse(args[0])
	case undefined:
		return nil, fmt.Errorf("'%s' is undefined", f.name)
	}
	return nil, fmt.Errorf("'%s' object is not callable", typeName(fn))
}

func (s *state) evalBinary(x *binExpr, sc *scope) (any, error) {
	l, err := s.eval(x.l, sc)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "and":
		if !truthy(l) {
			return l, nil
		}
		return s.eval(x.r, sc)
	case "or":
		if truthy(l) {
			return l, nil
		}
		return s.eval(x.r, sc)
	}
	r, err := s.eval(x.r, sc)
	if err != nil {
		return nil, err
	}
	v, err := s.arith(x.op, l, r)
	if err == nil {
		err = s.charge(cost(v))
	}
	if err != nil {
		return nil, s.wrap(x.p, err)
	}
	return v, nil
}

func (s *state) arith(op string, l, r any) (any, error) {
	if op == "~" {
		str := toStr(l) + toStr(r)
		return str, s.checkSize(len(str))
	}
	li, lf, lFloat, lNum := numeric(l)
	ri, rf, rFloat, rNum := numeric(r)
	if lNum && rNum {
		if lFloat || rFloat || op == "/" {
			return floatOp(op, lf, rf)
		}
		return intOp(op, li, ri)
	}
	switch op {
	case "+":
		switch a := l.(type) {
		case string:
			switch b := r.(type) {
			case string:
				return a + b, s.checkSize(len(a) + len(b))
			case undefined:
				// llama.cpp concatenates a missing value as "".
				return a, nil
			}
		case undefined:
			if b, ok := r.(string); ok {
				return b, nil
			}
		case *List:
			if b, ok := r.(*List); ok && a.Tuple == b.Tuple {
				if err := s.checkItems(len(a.Items) + len(b.Items)); err != nil {
					return nil, err
				}
				out := &List{Items: make([]any, 0, len(a.Items)+len(b.Items)), Tuple: a.Tuple}
				out.Items = append(append(out.Items, a.Items...), b.Items...)
				return out, nil
			}
		}
	case "*":
		seq, n := l, r
		if _, ok := l.(string); !ok {
			if _, ok := l.(*List); !ok {
				seq, n = r, l
			}
		}
		if cnt, _, isFloat, ok := numeric(n); ok && !isFloat {
			if cnt < 0 {
				cnt = 0
			}
			switch a := seq.(type) {
			case string:
				if cnt > 0 && int64(len(a)) > int64(s.maxOutput)/cnt {
					return nil, s.checkSize(s.maxOutput + 1)
				}
				return strings.Repeat(a, int(cnt)), nil
			case *List:
				if cnt > 0 && int64(len(a.Items)) > int64(s.maxOutput/16)/cnt {
					return nil, s.checkItems(s.maxOutput)
				}
				out := &List{Tuple: a.Tuple}
				for i := int64(0); i < cnt; i++ {
					out.Items = append(out.Items, a.Items...)
				}
				return out, nil
			}
		}
	case "%":
		if f, ok := l.(string); ok {
			var args []any
			if t, ok := r.(*List); ok && t.Tuple {
				args = t.Items
			} else {
				args = []any{r}
			}
			var named any
			if d, ok := r.(*Dict); ok {
				named = d
			}
			str, err := printf(f, args, named, s.maxOutput)
			if err != nil {
				return nil, err
			}
			return str, s.checkSize(len(str))
		}
	}
	if u, ok := l.(undefined); ok {
		return nil, fmt.Errorf("'%s' is undefined", u.name)
	}
	if u, ok := r.(undefined); ok {
		return nil, fmt.Errorf("'%s' is undefined", u.name)
	}
	return nil, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))
}

func floatOp(op string, a, b float64) (any, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return a / b, nil
	case "//":
		if b == 0 {
			return nil, fmt.Errorf("float floor division by zero")
		}
		return math.Floor(a / b), nil
	case "%":
		if b == 0 {
			return nil, fmt.Errorf("float modulo by zero")
		}
		m := math.Mod(a, b)
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return m, nil
	case "**":
		return math.Pow(a, b), nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

var errOverflow = errors.New("integer overflow")

func intOp(op string, a, b int64) (any, error) {
	switch op {
	case "+":
		c := a + b
		if (c > a) != (b > 0) {
			return nil, errOverflow
		}
		return c, nil
	case "-":
		c := a - b
		if (c < a) != (b > 0) {
			return nil, errOverflow
		}
		return c, nil
	case "*":
		if a == 0 || b == 0 {
			return int64(0), nil
		}
		hi, lo := bits.Mul64(uint64(absInt(a)), uint64(absInt(b)))
		if hi != 0 || lo > math.MaxInt64 || a == math.MinInt64 || b == math.MinInt64 {
			return nil, errOverflow
		}
		if (a < 0) != (b < 0) {
			return -int64(lo), nil
		}
		return int64(lo), nil
	case "//":
		if b == 0 {
			return nil, fmt.Errorf("integer division or modulo by zero")
		}
		if a == math.MinInt64 && b == -1 {
			return nil, errOverflow
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return q, nil
	case "%":
		if b == 0 {
			return nil, fmt.Errorf("integer division or modulo by zero")
		}
		if b == -1 {
			return int64(0), nil
		}
		m := a % b
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return m, nil
	case "**":
		if b < 0 {
			return math.Pow(float64(a), float64(b)), nil
		}
		result := int64(1)
		base := a
		for e := b; e > 0; e >>= 1 {
			if e&1 == 1 {
				r, err := intOp("*", result, base)
				if err != nil {
					return nil, err
				}
				result = r.(int64)
			}
			if e > 1 {
				r, err := intOp("*", base, base)
				if err != nil {
					return nil, err
				}
				base = r.(int64)
			}
		}
		return result, nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

func absInt(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

func compareOp(op string, l, r any) (bool, error) {
	switch op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in", "not in":
		in, err := contains(r, l)
		if err != nil {
			return false, err
		}
		return in == (op == "in"), nil
	}
	c, err := compare(l, r)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// contains implements "needle in haystack".
func contains(haystack, needle any) (bool, error) {
	switch h := haystack.(type) {
	case string:
		n, ok := needle.(string)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(needle))
		}
		return strings.Contains(h, n), nil
	case *List:
		for _, it := range h.Items {
			if equal(it, needle) {
				return true, nil
			}
		}
		return false, nil
	case *Dict:
		_, ok := h.get(needle)
		return ok, nil
	case undefined, nil:
		return false, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(haystack))
}

// iterate returns the items a for loop visits.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case *List:
		return x.Items, nil
	case *Dict:
		return append([]any(nil), x.keys...), nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case undefined:
		return nil, nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

func (s *state) evalTest(x *testExpr, sc *scope) (any, error) {
	v, err := s.eval(x.x, sc)
	if err != nil {
		return nil, err
	}
	args, kwargs, err := s.evalArgs(&x.callArgs, sc)
	if err != nil {
		return nil, err
	}
	ok, err := s.runTest(x.name, v, args, kwargs)
	if err != nil {
		return nil, s.wrap(x.p, err)
	}
	return ok != x.neg, nil
}

func (s *state) runTest(name string, v any, args []any, kwargs *Dict) (bool, error) {
	t, ok := tests[name]
	if !ok {
		return false, fmt.Errorf("no test named '%s'", name)
	}
	return t(s, v, args, kwargs)
}

func (s *state) applyFilter(f *filterExpr, v any, sc *scope) (any, error) {
	args, kwargs, err := s.evalArgs(&f.callArgs, sc)
	if err != nil {
		return nil, err
	}
	out, err := s.runFilter(f.name, v, args, kwargs)
	if err != nil {
		return nil, s.wrap(f.p, err)
	}
	return out, nil
}

func (s *state) runFilter(name string, v any, args []any, kwargs *Dict) (any, error) {
	fn, ok := filters[name]
	if !ok {
		return nil, fmt.Errorf("no filter named '%s'", name)
	}
	if err := s.charge(cost(v)); err != nil {
		return nil, err
	}
	out, err := fn(s, v, args, kwargs)
	if err != nil {
		return nil, err
	}
	return out, s.charge(cost(out))
}
