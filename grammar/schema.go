package grammar

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SchemaOptions adjusts how a JSON Schema is compiled.
type SchemaOptions struct {
	// Lenient ignores keywords that the compiler cannot enforce (as
	// llama.cpp does) instead of failing. The grammar then allows some
	// documents that the schema forbids.
	Lenient bool
}

// SchemaError is a JSON Schema that cannot be compiled, with the JSON
// pointer of the offending part.
type SchemaError struct {
	Path string // JSON pointer into the schema, "#" for the root
	Msg  string
}

// Error implements error.
func (e *SchemaError) Error() string {
	return fmt.Sprintf("grammar: json schema %s: %s", e.Path, e.Msg)
}

// The grammars a schema compiles to generate documents in one layout:
// object members in schema order (required properties first, then optional
// ones, then any additional ones), no space inside values except what the
// "space" rule allows after each token, strings escaped as appendJSONString
// does. Integers are written without leading zeros in at most 16 digits
// unless a bound needs more; numbers have at most 16 fraction digits.

// spaceRule is the optional whitespace after each JSON token, as in
// llama.cpp.
const spaceRule = `| " " | "\n"{1,2} [ \t]{0,20}`

// primitive is a fixed rule and the primitives it uses.
type primitive struct {
	body string
	deps []string
}

var primitives = map[string]primitive{
	"boolean":          {`("true" | "false") space`, nil},
	"null":             {`"null" space`, nil},
	"integral-part":    {`[0] | [1-9] [0-9]{0,15}`, nil},
	"decimal-part":     {`[0-9]{1,16}`, nil},
	"number":           {`"-"? integral-part ("." decimal-part)? ([eE] [-+]? integral-part)? space`, []string{"integral-part", "decimal-part"}},
	"integer":          {`"-"? integral-part space`, []string{"integral-part"}},
	"char":             {`[^"\\\x7F\x00-\x1F] | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`, nil},
	"string":           {`"\"" char* "\"" space`, []string{"char"}},
	"value":            {`object | array | string | number | boolean | null`, []string{"object", "array", "string", "number", "boolean", "null"}},
	"object":           {`"{" space (string ":" space value ("," space string ":" space value)*)? "}" space`, []string{"string", "value"}},
	"array":            {`"[" space (value ("," space value)*)? "]" space`, []string{"value"}},
	"date":             {`[0-9]{4} "-" ("0" [1-9] | "1" [0-2]) "-" ("0" [1-9] | [1-2] [0-9] | "3" [0-1])`, nil},
	"time":             {`([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,9})? ("Z" | [+\-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])`, nil},
	"date-time":        {`date "T" time`, []string{"date", "time"}},
	"date-string":      {`"\"" date "\"" space`, []string{"date"}},
	"time-string":      {`"\"" time "\"" space`, []string{"time"}},
	"date-time-string": {`"\"" date-time "\"" space`, []string{"date-time"}},
	"uuid":             {`"\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\"" space`, nil},
}

// annotations are keywords that do not constrain documents.
var annotations = map[string]bool{
	"title": true, "description": true, "default": true, "examples": true, "$schema": true,
	"$id": true, "id": true, "$comment": true, "deprecated": true, "readOnly": true, "writeOnly": true,
	"$defs": true, "definitions": true, "$anchor": true, "contentMediaType": true,
	"contentEncoding": true, "$vocabulary": true, "nullable": true, "discriminator": true,
}

// unsupported are constraint keywords the compiler cannot enforce.
var unsupported = map[string]bool{
	"not": true, "if": true, "then": true, "else": true, "dependentRequired": true,
	"dependentSchemas": true, "dependencies": true, "patternProperties": true,
	"propertyNames": true, "unevaluatedProperties": true, "unevaluatedItems": true,
	"contains": true, "minContains": true, "maxContains": true, "uniqueItems": true,
	"multipleOf": true, "minProperties": true, "maxProperties": true,
	"$dynamicRef": true, "$recursiveRef": true,
}

var (
	objectKeywords = []string{"properties", "additionalProperties", "required"}
	arrayKeywords  = []string{"items", "prefixItems", "additionalItems", "minItems", "maxItems"}
	stringKeywords = []string{"pattern", "minLength", "maxLength"}
	numberKeywords = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
	stringFormats  = map[string]string{"date": "date-string", "time": "time-string", "date-time": "date-time-string", "uuid": "uuid"}
)

// maxSchemaCount bounds minItems/maxItems/minLength/maxLength that the
// grammar spells out.
const maxSchemaCount = 10000

// maxSchemaDepth bounds recursion through nested schemas, $ref and allOf.
const maxSchemaDepth = 300

// maxSchemaWork bounds the schemas visited and merged, so that $ref and
// allOf cannot blow up exponentially.
const maxSchemaWork = 100000

// SchemaToGBNF compiles a JSON Schema into GBNF text whose root rule
// matches the JSON documents the schema allows (in the layout described in
// the package documentation). The schema may also be the JSON string
// "json", which means any JSON value. opts may be nil.
func SchemaToGBNF(schema []byte, opts *SchemaOptions) (string, error) {
	root, err := parseJSON(schema)
	if err != nil {
		return "", &SchemaError{Path: "#", Msg: fmt.Sprintf("not valid JSON: %v", err)}
	}
	c := &schemaCompiler{root: root, rules: map[string]string{}, refNames: map[string]string{}}
	if opts != nil {
		c.opts = *opts
	}
	c.rules["space"] = spaceRule
	c.order = append(c.order, "space")
	if root.kind == jsonString && root.s == "json" {
		c.rules["root"] = c.prim("value")
		c.order = append(c.order, "root")
	} else {
		c.reserve("root")
		expr, err := c.visitExpr(root, "root", "#")
		if err != nil {
			return "", err
		}
		c.rules["root"] = expr
	}
	var b strings.Builder
	// root first, then the other rules in the order they were made.
	fmt.Fprintf(&b, "root ::= %s\n", c.rules["root"])
	for _, name := range c.order {
		if name != "root" {
			fmt.Fprintf(&b, "%s ::= %s\n", name, c.rules[name])
		}
	}
	return b.String(), nil
}

// CompileJSONSchema compiles a JSON Schema into a Grammar (see
// SchemaToGBNF). opts may be nil.
func CompileJSONSchema(schema []byte, opts *SchemaOptions) (*Grammar, error) {
	src, err := SchemaToGBNF(schema, opts)
	if err != nil {
		return nil, err
	}
	g, err := Parse(src)
	if err != nil {
		return nil, fmt.Errorf("grammar: json schema compiled to an invalid grammar: %w", err)
	}
	return g, nil
}

// AnyJSON returns a grammar for any JSON value (with llama.cpp's optional
// whitespace after each token), as Ollama's format "json" asks for.
func AnyJSON() *Grammar {
	g, err := CompileJSONSchema([]byte(`"json"`), nil)
	if err != nil {
		panic(err) // a constant grammar
	}
	return g
}

type schemaCompiler struct {
	opts     SchemaOptions
	root     *jsonValue
	rules    map[string]string
	order    []string
	refNames map[string]string // JSON pointer -> rule name
	depth    int
	work     int
}

// enter counts one step of recursion and work.
func (c *schemaCompiler) enter(path string) error {
	c.depth++
	c.work++
	if c.depth > maxSchemaDepth {
		return c.errorf(path, "schema nested too deeply (or $ref/allOf loop)")
	}
	if c.work > maxSchemaWork {
		return c.errorf(path, "schema too complex to compile")
	}
	return nil
}

func (c *schemaCompiler) errorf(path, format string, args ...any) error {
	return &SchemaError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

var invalidRuleChars = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

// ruleName makes a rule name from a path of schema names.
func ruleName(name string) string {
	name = strings.Trim(invalidRuleChars.ReplaceAllString(name, "-"), "-")
	if name == "" {
		name = "x"
	}
	if _, ok := primitives[name]; ok || name == "space" || name == "root" {
		name += "-"
	}
	return name
}

// reserve claims a rule name whose body comes later.
func (c *schemaCompiler) reserve(name string) {
	c.rules[name] = ""
	c.order = append(c.order, name)
}

// addRule adds a rule and returns its name, which differs from name if
// another rule already has that name with a different body.
func (c *schemaCompiler) addRule(name, body string) string {
	name = ruleName(name)
	cand := name
	for i := 1; ; i++ {
		b, ok := c.rules[cand]
		if !ok {
			break
		}
		if b == body {
			return cand
		}
		cand = fmt.Sprintf("%s%d", name, i)
	}
	c.rules[cand] = body
	c.order = append(c.order, cand)
	return cand
}

// prim adds a primitive rule and those it uses, and returns its name.
func (c *schemaCompiler) prim(name string) string {
	if _, ok := c.rules[name]; ok {
		return name
	}
	p := primitives[name]
	c.rules[name] = p.body
	c.order = append(c.order, name)
	for _, d := range p.deps {
		c.prim(d)
	}
	return name
}

func child(name, part string) string {
	if name == "root" {
		return part
	}
	return name + "-" + part
}

// visit compiles schema s into a rule and returns the rule's name.
func (c *schemaCompiler) visit(s *jsonValue, name, path string) (string, error) {
	defer func() { c.depth-- }()
	if err := c.enter(path); err != nil {
		return "", err
	}
	expr, err := c.visitExpr(s, name, path)
	if err != nil {
		return "", err
	}
	return c.addRule(name, expr), nil
}

// visitExpr returns a GBNF expression for schema s.
func (c *schemaCompiler) visitExpr(s *jsonValue, name, path string) (string, error) {
	switch s.kind {
	case jsonBool:
		if s.b {
			return c.prim("value"), nil
		}
		return "", c.errorf(path, "schema false matches no document")
	case jsonObject:
	default:
		return "", c.errorf(path, "a schema must be an object or a boolean")
	}
	for _, m := range s.obj {
		if unsupported[m.key] && !c.opts.Lenient && !(m.key == "uniqueItems" && m.val.kind == jsonBool && !m.val.b) {
			return "", c.errorf(path+"/"+escapePointer(m.key), "keyword %q is not supported", m.key)
		}
	}

	if ref := s.get("$ref"); ref != nil {
		if hasConstraints(s, "$ref") {
			merged, err := c.mergeAll([]*jsonValue{s}, path)
			if err != nil {
				return "", err
			}
			return c.visitExpr(merged, name, path)
		}
		return c.refRule(ref, path+"/$ref")
	}
	if s.has("allOf") {
		merged, err := c.mergeAll([]*jsonValue{s}, path)
		if err != nil {
			return "", err
		}
		return c.visitExpr(merged, name, path)
	}
	if s.has("anyOf") || s.has("oneOf") {
		key := "anyOf"
		if s.has("oneOf") {
			if s.has("anyOf") {
				return "", c.errorf(path, "anyOf together with oneOf is not supported")
			}
			key = "oneOf"
		}
		alts := s.get(key)
		if alts.kind != jsonArray || len(alts.arr) == 0 {
			return "", c.errorf(path+"/"+key, "%s must be a non-empty array", key)
		}
		rest := s.clone()
		rest.del(key)
		var parts []string
		for i, alt := range alts.arr {
			p := fmt.Sprintf("%s/%s/%d", path, key, i)
			if hasConstraints(rest) {
				m, err := c.merge(rest, alt, p)
				if err != nil {
					return "", err
				}
				alt = m
			}
			r, err := c.visit(alt, child(name, strconv.Itoa(i)), p)
			if err != nil {
				return "", err
			}
			parts = append(parts, r)
		}
		return strings.Join(parts, " | "), nil
	}
	if t := s.get("type"); t != nil && t.kind == jsonArray {
		if len(t.arr) == 0 {
			return "", c.errorf(path+"/type", "type must not be an empty array")
		}
		var parts []string
		for i, tv := range t.arr {
			one := s.clone()
			one.set("type", tv)
			r, err := c.visit(one, child(name, typeName(tv, i)), path)
			if err != nil {
				return "", err
			}
			parts = append(parts, r)
		}
		return strings.Join(parts, " | "), nil
	}
	if v := s.get("const"); v != nil {
		return gbnfLiteral(v.String()) + " space", nil
	}
	if e := s.get("enum"); e != nil {
		if e.kind != jsonArray || len(e.arr) == 0 {
			return "", c.errorf(path+"/enum", "enum must be a non-empty array")
		}
		var parts []string
		for _, v := range e.arr {
			parts = append(parts, gbnfLiteral(v.String()))
		}
		return "(" + strings.Join(parts, " | ") + ") space", nil
	}

	typ := ""
	if t := s.get("type"); t != nil {
		if t.kind != jsonString {
			return "", c.errorf(path+"/type", "type must be a string or an array of strings")
		}
		typ = t.s
	} else {
		switch {
		case hasAny(s, objectKeywords):
			typ = "object"
		case hasAny(s, arrayKeywords):
			typ = "array"
		case hasAny(s, stringKeywords) || stringFormats[formatOf(s)] != "":
			typ = "string"
		case hasAny(s, numberKeywords):
			typ = "number"
		}
	}
	switch typ {
	case "":
		return c.prim("value"), nil
	case "object":
		return c.objectExpr(s, name, path)
	case "array":
		return c.arrayExpr(s, name, path)
	case "string":
		return c.stringExpr(s, path)
	case "integer":
		return c.integerExpr(s, path)
	case "number":
		return c.numberExpr(s, path)
	case "boolean":
		return c.prim("boolean"), nil
	case "null":
		return c.prim("null"), nil
	}
	return "", c.errorf(path+"/type", "unknown type %q", typ)
}

func typeName(t *jsonValue, i int) string {
	if t.kind == jsonString {
		return t.s
	}
	return strconv.Itoa(i)
}

func formatOf(s *jsonValue) string {
	if f := s.get("format"); f != nil && f.kind == jsonString {
		return f.s
	}
	return ""
}

func hasAny(s *jsonValue, keys []string) bool {
	for _, k := range keys {
		if s.has(k) {
			return true
		}
	}
	return false
}

// hasConstraints reports whether s has keywords other than annotations and
// those listed.
func hasConstraints(s *jsonValue, except ...string) bool {
	for _, m := range s.obj {
		if !annotations[m.key] && !slices.Contains(except, m.key) {
			return true
		}
	}
	return false
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// resolve returns the schema a local $ref points to.
func (c *schemaCompiler) resolve(ref *jsonValue, path string) (*jsonValue, string, error) {
	if ref.kind != jsonString {
		return nil, "", c.errorf(path, "$ref must be a string")
	}
	if !strings.HasPrefix(ref.s, "#") {
		return nil, "", c.errorf(path, "only local references (#/...) are supported, not %q", ref.s)
	}
	target := c.root
	if ptr := ref.s[1:]; ptr != "" {
		if !strings.HasPrefix(ptr, "/") {
			return nil, "", c.errorf(path, "unsupported reference %q (anchors are not supported)", ref.s)
		}
		for _, tok := range strings.Split(ptr[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			var next *jsonValue
			switch target.kind {
			case jsonObject:
				next = target.get(tok)
			case jsonArray:
				if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(target.arr) {
					next = target.arr[i]
				}
			}
			if next == nil {
				return nil, "", c.errorf(path, "reference %q does not resolve", ref.s)
			}
			target = next
		}
	}
	return target, ref.s, nil
}

// refRule returns the rule for a $ref target, compiling it once.
func (c *schemaCompiler) refRule(ref *jsonValue, path string) (string, error) {
	target, ptr, err := c.resolve(ref, path)
	if err != nil {
		return "", err
	}
	if name, ok := c.refNames[ptr]; ok {
		return name, nil
	}
	name := "ref" + ptr[1:]
	if ptr == "#" {
		name = "ref-root"
	}
	name = c.addRule(name, "\x00"+ptr) // reserve; recursive refs see the name
	c.refNames[ptr] = name
	expr, err := c.visitExpr(target, name, "#"+ptr[1:])
	if err != nil {
		return "", err
	}
	c.rules[name] = expr
	return name, nil
}

// objectExpr compiles an object schema: required properties in schema
// order, then the optional ones in schema order (each may be left out),
// then additional properties if allowed.
func (c *schemaCompiler) objectExpr(s *jsonValue, name, path string) (string, error) {
	props := s.get("properties")
	if props != nil && props.kind != jsonObject {
		return "", c.errorf(path+"/properties", "properties must be an object")
	}
	required := map[string]bool{}
	var requiredOrder []string
	if r := s.get("required"); r != nil {
		if r.kind != jsonArray {
			return "", c.errorf(path+"/required", "required must be an array")
		}
		for _, v := range r.arr {
			if v.kind != jsonString {
				return "", c.errorf(path+"/required", "required must hold strings")
			}
			if !required[v.s] {
				required[v.s] = true
				requiredOrder = append(requiredOrder, v.s)
			}
		}
	}
	addl := s.get("additionalProperties")
	if props == nil && len(required) == 0 && (addl == nil || addl.kind == jsonBool && addl.b) {
		return c.prim("object"), nil
	}

	type prop struct{ name, kv string }
	var req, opt []prop
	var names []string
	kvRule := func(key string, valueSchema *jsonValue, p string) (string, error) {
		v, err := c.visit(valueSchema, child(name, key), p)
		if err != nil {
			return "", err
		}
		return c.addRule(child(name, key)+"-kv",
			gbnfLiteral(appendJSONString(nil, key))+` space ":" space `+v), nil
	}
	if props != nil {
		for _, m := range props.obj {
			kv, err := kvRule(m.key, m.val, path+"/properties/"+escapePointer(m.key))
			if err != nil {
				return "", err
			}
			names = append(names, m.key)
			if required[m.key] {
				req = append(req, prop{m.key, kv})
			} else {
				opt = append(opt, prop{m.key, kv})
			}
		}
	}
	for _, k := range requiredOrder {
		if props.get(k) == nil {
			kv, err := kvRule(k, &jsonValue{kind: jsonBool, b: true}, path+"/required")
			if err != nil {
				return "", err
			}
			names = append(names, k)
			req = append(req, prop{k, kv})
		}
	}
	extra := ""
	if addl != nil && !(addl.kind == jsonBool && !addl.b) {
		value := c.prim("value")
		if addl.kind != jsonBool {
			v, err := c.visit(addl, child(name, "additional-value"), path+"/additionalProperties")
			if err != nil {
				return "", err
			}
			value = v
		}
		key := c.prim("string")
		if len(names) > 0 {
			key = c.addRule(child(name, "additional-key"), c.notStrings(names))
		}
		extra = c.addRule(child(name, "additional-kv"), key+` ":" space `+value)
	}

	var b strings.Builder
	b.WriteString(`"{" space`)
	for i, p := range req {
		if i > 0 {
			b.WriteString(` "," space`)
		}
		b.WriteString(" " + p.kv)
	}
	if len(opt) > 0 || extra != "" {
		// rest[i] allows any subset of opt[i:] (in order) and then the
		// additional members, each preceded by a comma.
		rest := make([]string, len(opt)+1)
		if extra != "" {
			rest[len(opt)] = `("," space ` + extra + `)*`
		}
		for i := len(opt) - 1; i >= 1; i-- { // rest[0] is never used
			body := `("," space ` + opt[i].kv + `)?`
			if rest[i+1] != "" {
				body += " " + rest[i+1]
			}
			rest[i] = c.addRule(child(name, opt[i].name)+"-rest", body)
		}
		var alts []string
		for i, p := range opt {
			a := p.kv
			if rest[i+1] != "" {
				a += " " + rest[i+1]
			}
			alts = append(alts, a)
		}
		if extra != "" {
			alts = append(alts, extra+" "+rest[len(opt)])
		}
		if len(req) > 0 {
			b.WriteString(` ("," space (` + strings.Join(alts, " | ") + `))?`)
		} else {
			b.WriteString(` (` + strings.Join(alts, " | ") + `)?`)
		}
	}
	b.WriteString(` "}" space`)
	return b.String(), nil
}

// notStrings returns an expression for a JSON string (with its quotes and
// trailing space) that is none of names. It walks a trie of the names: at
// each node the key either continues along a name or leaves the trie with
// another character. (Keys that spell a name with unneeded escapes, such
// as "\u0061" for "a", are not excluded.)
func (c *schemaCompiler) notStrings(names []string) string {
	type node struct {
		children map[rune]*node
		keys     []rune
		end      bool
	}
	root := &node{children: map[rune]*node{}}
	for _, n := range names {
		cur := root
		for _, r := range n {
			next, ok := cur.children[r]
			if !ok {
				next = &node{children: map[rune]*node{}}
				cur.children[r] = next
				cur.keys = append(cur.keys, r)
			}
			cur = next
		}
		cur.end = true
	}
	char := c.prim("char")
	// alts returns the alternatives for the rest of a key at node n, none
	// of them empty.
	var alts func(n *node) string
	alts = func(n *node) string {
		var parts []string
		slices.Sort(n.keys)
		for _, r := range n.keys {
			ch := n.children[r]
			after := alts(ch)
			if !ch.end {
				after = "(" + after + ")?"
			} else {
				after = "(" + after + ")"
			}
			parts = append(parts, jsonCharsGBNF(charSet{{r, r}})+" "+after)
		}
		other := subtract(anyChar(), newCharSet(runeRanges(n.keys)))
		parts = append(parts, jsonCharsGBNF(other)+" "+char+"*")
		return strings.Join(parts, " | ")
	}
	body := "(" + alts(root) + ")"
	if !root.end {
		body += "?"
	}
	return `"\"" ` + body + ` "\"" space`
}

func runeRanges(rs []rune) []cpRange {
	out := make([]cpRange, len(rs))
	for i, r := range rs {
		out[i] = cpRange{r, r}
	}
	return out
}

// count reads a non-negative integer keyword, or def if absent.
func (c *schemaCompiler) count(s *jsonValue, key, path string, def int) (int, error) {
	v := s.get(key)
	if v == nil {
		return def, nil
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if v.kind != jsonNumber || err != nil || f < 0 || f != math.Trunc(f) {
		return 0, c.errorf(path+"/"+key, "%s must be a non-negative integer", key)
	}
	if f > maxSchemaCount {
		if c.opts.Lenient {
			if def < 0 {
				return -1, nil
			}
			return maxSchemaCount, nil
		}
		return 0, c.errorf(path+"/"+key, "%s %s is larger than the supported %d", key, v.s, maxSchemaCount)
	}
	return int(f), nil
}

// repeat formats item repeated lo..hi times (hi < 0: no limit) in GBNF.
func repeat(item string, lo, hi int) string {
	switch {
	case hi == 0:
		return ""
	case lo == 0 && hi == 1:
		return item + "?"
	case lo == 0 && hi < 0:
		return item + "*"
	case lo == 1 && hi < 0:
		return item + "+"
	case hi < 0:
		return fmt.Sprintf("%s{%d,}", item, lo)
	case lo == hi:
		return fmt.Sprintf("%s{%d}", item, lo)
	}
	return fmt.Sprintf("%s{%d,%d}", item, lo, hi)
}

// separated formats lo..hi comma-separated items.
func separated(item string, lo, hi int) string {
	if hi == 0 {
		return ""
	}
	more := -1
	if hi > 0 {
		more = hi - 1
	}
	s := item
	if r := repeat(`("," space `+item+`)`, max(lo-1, 0), more); r != "" {
		s += " " + r
	}
	if lo == 0 {
		s = "(" + s + ")?"
	}
	return s
}

// arrayExpr compiles an array schema.
func (c *schemaCompiler) arrayExpr(s *jsonValue, name, path string) (string, error) {
	minItems, err := c.count(s, "minItems", path, 0)
	if err != nil {
		return "", err
	}
	maxItems, err := c.count(s, "maxItems", path, -1)
	if err != nil {
		return "", err
	}
	if maxItems >= 0 && maxItems < minItems {
		return "", c.errorf(path, "maxItems %d is less than minItems %d", maxItems, minItems)
	}
	var prefix []*jsonValue
	prefixKey := ""
	rest := s.get("items")
	restPath := path + "/items"
	if p := s.get("prefixItems"); p != nil {
		if p.kind != jsonArray {
			return "", c.errorf(path+"/prefixItems", "prefixItems must be an array")
		}
		prefix, prefixKey = p.arr, "prefixItems"
	} else if rest != nil && rest.kind == jsonArray {
		prefix, prefixKey = rest.arr, "items"
		rest, restPath = s.get("additionalItems"), path+"/additionalItems"
	}
	if prefixKey == "" && rest == nil {
		rest = &jsonValue{kind: jsonBool, b: true}
	}
	// Items after the prefix: none if absent or false (a tuple is exact,
	// as in llama.cpp).
	item := ""
	if rest != nil && !(rest.kind == jsonBool && !rest.b) {
		if item, err = c.visit(rest, child(name, "item"), restPath); err != nil {
			return "", err
		}
	}
	if len(prefix) == 0 {
		if item == "" {
			if minItems > 0 {
				return "", c.errorf(path, "minItems %d but no items are allowed", minItems)
			}
			return `"[" space "]" space`, nil
		}
		body := separated(item, minItems, maxItems)
		return strings.TrimSpace(`"[" space `+body) + ` "]" space`, nil
	}
	k := len(prefix)
	if maxItems >= 0 && maxItems < k && !c.opts.Lenient {
		return "", c.errorf(path, "maxItems %d is less than the %d %s", maxItems, k, prefixKey)
	}
	var b strings.Builder
	b.WriteString(`"[" space`)
	for i, p := range prefix {
		r, err := c.visit(p, child(name, fmt.Sprintf("tuple-%d", i)), fmt.Sprintf("%s/%s/%d", path, prefixKey, i))
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(` "," space`)
		}
		b.WriteString(" " + r)
	}
	if item != "" {
		hi := -1
		if maxItems >= 0 {
			hi = max(maxItems-k, 0)
		}
		if r := repeat(`("," space `+item+`)`, max(minItems-k, 0), hi); r != "" {
			b.WriteString(" " + r)
		}
	} else if minItems > k && !c.opts.Lenient {
		return "", c.errorf(path, "minItems %d but only %d %s are allowed", minItems, k, prefixKey)
	}
	b.WriteString(` "]" space`)
	return b.String(), nil
}

// stringExpr compiles a string schema.
func (c *schemaCompiler) stringExpr(s *jsonValue, path string) (string, error) {
	minLen, err := c.count(s, "minLength", path, 0)
	if err != nil {
		return "", err
	}
	maxLen, err := c.count(s, "maxLength", path, -1)
	if err != nil {
		return "", err
	}
	if maxLen >= 0 && maxLen < minLen {
		return "", c.errorf(path, "maxLength %d is less than minLength %d", maxLen, minLen)
	}
	hasLen := s.has("minLength") || s.has("maxLength")
	format := stringFormats[formatOf(s)]
	if p := s.get("pattern"); p != nil {
		if p.kind != jsonString {
			return "", c.errorf(path+"/pattern", "pattern must be a string")
		}
		if (hasLen || format != "") && !c.opts.Lenient {
			return "", c.errorf(path, "pattern together with minLength, maxLength or format is not supported")
		}
		expr, err := patternGBNF(p.s)
		if err != nil {
			return "", c.errorf(path+"/pattern", "%v", err)
		}
		return `"\"" (` + expr + `) "\"" space`, nil
	}
	if format != "" {
		if hasLen && !c.opts.Lenient {
			return "", c.errorf(path, "format %q together with minLength or maxLength is not supported", formatOf(s))
		}
		return c.prim(format), nil
	}
	if hasLen {
		return `"\"" ` + repeat(c.prim("char"), minLen, maxLen) + ` "\"" space`, nil
	}
	return c.prim("string"), nil
}

// bound reads a numeric bound keyword as a float.
func (c *schemaCompiler) bound(s *jsonValue, key, path string) (float64, bool, error) {
	v := s.get(key)
	if v == nil || v.kind == jsonBool {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if v.kind != jsonNumber || err != nil || math.IsInf(f, 0) {
		return 0, false, c.errorf(path+"/"+key, "%s must be a number", key)
	}
	return f, true, nil
}

// numBound is a lower or upper bound on a number.
type numBound struct {
	set, excl bool
	v         float64
}

// bounds reads the lower and upper bounds, draft 4 (boolean exclusive
// flags) and later (numeric exclusive bounds) alike.
func (c *schemaCompiler) bounds(s *jsonValue, path string) (lo, hi numBound, err error) {
	read := func(incl, excl string) (numBound, error) {
		var b numBound
		v, ok, err := c.bound(s, incl, path)
		if err != nil {
			return b, err
		}
		if ok {
			b = numBound{set: true, v: v}
			if e := s.get(excl); e != nil && e.kind == jsonBool && e.b {
				b.excl = true
			}
		}
		ev, eok, err := c.bound(s, excl, path)
		if err != nil {
			return b, err
		}
		if eok && (!b.set || ev >= b.v && incl == "minimum" || ev <= b.v && incl == "maximum") {
			b = numBound{set: true, excl: true, v: ev}
		}
		return b, nil
	}
	if lo, err = read("minimum", "exclusiveMinimum"); err != nil {
		return
	}
	hi, err = read("maximum", "exclusiveMaximum")
	return
}

// integerExpr compiles an integer schema, with exact digit-range rules for
// bounds.
func (c *schemaCompiler) integerExpr(s *jsonValue, path string) (string, error) {
	lo, hi, err := c.bounds(s, path)
	if err != nil {
		return "", err
	}
	if !lo.set && !hi.set {
		return c.prim("integer"), nil
	}
	const limit = 9.2e18
	var a, b intBound
	if lo.set {
		v := math.Ceil(lo.v)
		if lo.excl && v == lo.v {
			v++
		}
		if v > limit {
			return "", c.errorf(path, "minimum %v is out of range", lo.v)
		}
		if v > -limit {
			a = intBound{true, int64(v)}
		}
	}
	if hi.set {
		v := math.Floor(hi.v)
		if hi.excl && v == hi.v {
			v--
		}
		if v < -limit {
			return "", c.errorf(path, "maximum %v is out of range", hi.v)
		}
		if v < limit {
			b = intBound{true, int64(v)}
		}
	}
	expr := intRangeGBNF(a, b)
	if expr == "" {
		return "", c.errorf(path, "no integer lies between the bounds")
	}
	return "(" + expr + ") space", nil
}

// numberExpr compiles a number schema. Bounds must be integers (or, when
// lenient, are widened to integers); a bounded number has no exponent.
func (c *schemaCompiler) numberExpr(s *jsonValue, path string) (string, error) {
	lo, hi, err := c.bounds(s, path)
	if err != nil {
		return "", err
	}
	if !lo.set && !hi.set {
		return c.prim("number"), nil
	}
	const limit = 1e15
	for _, b := range []*numBound{&lo, &hi} {
		if !b.set {
			continue
		}
		if b.v != math.Trunc(b.v) || math.Abs(b.v) > limit {
			if !c.opts.Lenient {
				return "", c.errorf(path, "bound %v on a number: only integer bounds up to 1e15 are supported", b.v)
			}
			if math.Abs(b.v) > limit {
				b.set = false
				continue
			}
			if b == &lo {
				b.v = math.Floor(b.v)
			} else {
				b.v = math.Ceil(b.v)
			}
			b.excl = false
		}
	}
	if !lo.set && !hi.set {
		return c.prim("number"), nil
	}
	expr := numberRangeGBNF(lo, hi)
	if expr == "" {
		return "", c.errorf(path, "no number lies between the bounds")
	}
	return "(" + expr + ") space", nil
}

// numberRangeGBNF matches decimal numbers (no exponent) between integer
// bounds. A number is an integer part I and an optional fraction; against
// an integer bound only I and whether the fraction is zero matter.
func numberRangeGBNF(lo, hi numBound) string {
	frac := `("." [0-9]{1,16})?`
	zeroFrac := `("." [0]{1,16})?`
	nonzeroFrac := `"." [0]{0,15} [1-9] [0-9]{0,15}`
	// magnitude returns the alternatives for magnitudes m with a <= m
	// (a < m if aExcl) and m <= b (m < b if bExcl; no limit unless bSet).
	magnitude := func(a int64, aExcl bool, b int64, bExcl, bSet bool) []string {
		if bSet && (a > b || a == b && (aExcl || bExcl)) {
			return nil
		}
		lit := func(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }
		if bSet && a == b {
			return []string{lit(a) + " " + zeroFrac}
		}
		var alts []string
		if aExcl {
			alts = append(alts, lit(a)+" "+nonzeroFrac)
		} else {
			alts = append(alts, lit(a)+" "+frac)
		}
		mid := intBound{}
		if bSet {
			mid = intBound{true, b - 1}
		}
		if r := intRangeGBNF(intBound{true, a + 1}, mid); r != "" {
			alts = append(alts, "("+r+") "+frac)
		}
		if bSet && !bExcl {
			alts = append(alts, lit(b)+" "+zeroFrac)
		}
		return alts
	}
	var alts []string
	// x >= 0.
	if !hi.set || hi.v > 0 || hi.v == 0 && !hi.excl {
		a, aExcl := int64(0), false
		if lo.set && lo.v >= 0 {
			a, aExcl = int64(lo.v), lo.excl
		}
		alts = append(alts, magnitude(a, aExcl, int64(hi.v), hi.excl, hi.set)...)
	}
	// x < 0: the magnitude -x lies in (max(-hi, 0), -lo].
	if !lo.set || lo.v < 0 {
		a, aExcl := int64(0), true
		if hi.set && hi.v < 0 {
			a, aExcl = int64(-hi.v), hi.excl
		}
		neg := magnitude(a, aExcl, int64(-lo.v), lo.excl, lo.set)
		if len(neg) > 0 {
			alts = append(alts, `"-" (`+strings.Join(neg, " | ")+`)`)
		}
	}
	return strings.Join(alts, " | ")
}

// mergeAll combines schemas that must all hold (allOf, or $ref with
// sibling keywords) into one schema.
func (c *schemaCompiler) mergeAll(list []*jsonValue, path string) (*jsonValue, error) {
	out := &jsonValue{kind: jsonObject}
	for _, s := range list {
		var err error
		if out, err = c.merge(out, s, path); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// merge returns a schema that requires both a and b (a is never modified).
func (c *schemaCompiler) merge(a, b *jsonValue, path string) (*jsonValue, error) {
	defer func() { c.depth-- }()
	if err := c.enter(path); err != nil {
		return nil, err
	}
	if b.kind == jsonBool {
		if !b.b {
			return nil, c.errorf(path, "schema false matches no document")
		}
		return a, nil
	}
	if b.kind != jsonObject {
		return nil, c.errorf(path, "a schema must be an object or a boolean")
	}
	// Expand b's own $ref and allOf first.
	if ref := b.get("$ref"); ref != nil {
		target, _, err := c.resolve(ref, path+"/$ref")
		if err != nil {
			return nil, err
		}
		rest := b.clone()
		rest.del("$ref")
		if a, err = c.merge(a, target, path); err != nil {
			return nil, err
		}
		return c.merge(a, rest, path)
	}
	if all := b.get("allOf"); all != nil {
		if all.kind != jsonArray {
			return nil, c.errorf(path+"/allOf", "allOf must be an array")
		}
		rest := b.clone()
		rest.del("allOf")
		var err error
		for i, s := range all.arr {
			if a, err = c.merge(a, s, fmt.Sprintf("%s/allOf/%d", path, i)); err != nil {
				return nil, err
			}
		}
		return c.merge(a, rest, path)
	}
	out := a.clone()
	for _, m := range b.obj {
		k, bv := m.key, m.val
		av := out.get(k)
		if av == nil {
			out.set(k, bv)
			continue
		}
		if annotations[k] || av.String() == bv.String() {
			continue
		}
		p := path + "/" + escapePointer(k)
		switch k {
		case "type":
			t, err := intersectTypes(av, bv)
			if err != nil {
				return nil, c.errorf(p, "%v", err)
			}
			out.set(k, t)
		case "properties":
			if av.kind != jsonObject || bv.kind != jsonObject {
				return nil, c.errorf(p, "properties must be an object")
			}
			merged := av.clone()
			for _, pm := range bv.obj {
				if prev := merged.get(pm.key); prev != nil {
					merged.set(pm.key, &jsonValue{kind: jsonObject, obj: []jsonMember{
						{"allOf", &jsonValue{kind: jsonArray, arr: []*jsonValue{prev, pm.val}}}}})
				} else {
					merged.set(pm.key, pm.val)
				}
			}
			out.set(k, merged)
		case "required":
			merged := av.clone()
			for _, v := range bv.arr {
				if !slices.ContainsFunc(merged.arr, func(x *jsonValue) bool { return x.String() == v.String() }) {
					merged.arr = append(merged.arr, v)
				}
			}
			out.set(k, merged)
		case "enum":
			inter := &jsonValue{kind: jsonArray}
			for _, v := range av.arr {
				if slices.ContainsFunc(bv.arr, func(x *jsonValue) bool { return x.String() == v.String() }) {
					inter.arr = append(inter.arr, v)
				}
			}
			if len(inter.arr) == 0 {
				return nil, c.errorf(p, "allOf: the enums have no value in common")
			}
			out.set(k, inter)
		case "minimum", "minLength", "minItems", "exclusiveMinimum",
			"maximum", "maxLength", "maxItems", "exclusiveMaximum":
			x, err1 := strconv.ParseFloat(av.s, 64)
			y, err2 := strconv.ParseFloat(bv.s, 64)
			if av.kind != jsonNumber || bv.kind != jsonNumber || err1 != nil || err2 != nil {
				return nil, c.errorf(p, "allOf: cannot combine %s values", k)
			}
			if strings.HasPrefix(k, "min") || k == "exclusiveMinimum" {
				if y > x {
					out.set(k, bv)
				}
			} else if y < x {
				out.set(k, bv)
			}
		case "additionalProperties", "items", "additionalItems":
			switch {
			case av.kind == jsonBool && !av.b || bv.kind == jsonBool && bv.b:
			case bv.kind == jsonBool && !bv.b || av.kind == jsonBool && av.b:
				out.set(k, bv)
			case av.kind == jsonArray || bv.kind == jsonArray:
				return nil, c.errorf(p, "allOf: cannot combine different tuple items")
			default:
				out.set(k, &jsonValue{kind: jsonObject, obj: []jsonMember{
					{"allOf", &jsonValue{kind: jsonArray, arr: []*jsonValue{av, bv}}}}})
			}
		default:
			return nil, c.errorf(p, "allOf: cannot combine different values of %q", k)
		}
	}
	return out, nil
}

// intersectTypes intersects two type keywords.
func intersectTypes(a, b *jsonValue) (*jsonValue, error) {
	list := func(v *jsonValue) ([]string, error) {
		switch v.kind {
		case jsonString:
			return []string{v.s}, nil
		case jsonArray:
			var out []string
			for _, e := range v.arr {
				if e.kind != jsonString {
					return nil, fmt.Errorf("type must hold strings")
				}
				out = append(out, e.s)
			}
			return out, nil
		}
		return nil, fmt.Errorf("type must be a string or an array of strings")
	}
	as, err := list(a)
	if err != nil {
		return nil, err
	}
	bs, err := list(b)
	if err != nil {
		return nil, err
	}
	var out []*jsonValue
	for _, x := range as {
		for _, y := range bs {
			t := ""
			switch {
			case x == y:
				t = x
			case x == "number" && y == "integer", x == "integer" && y == "number":
				t = "integer"
			}
			if t != "" && !slices.ContainsFunc(out, func(v *jsonValue) bool { return v.s == t }) {
				out = append(out, &jsonValue{kind: jsonString, s: t})
			}
		}
	}
	switch len(out) {
	case 0:
		return nil, fmt.Errorf("allOf: the types have nothing in common")
	case 1:
		return out[0], nil
	}
	return &jsonValue{kind: jsonArray, arr: out}, nil
}
