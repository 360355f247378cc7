package grammar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// genRegexString returns a random string that matches pattern, generated
// from Go's own parse of it (regexp/syntax), independently of the pattern
// compiler under test.
func genRegexString(t testing.TB, pattern string, rng *rand.Rand) string {
	t.Helper()
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		t.Fatalf("regexp/syntax %s: %v", pattern, err)
	}
	dot := []string{"a", "Z", "é", "日", " ", "\t", "\"", "\\", "1", "😀"}
	var b strings.Builder
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(string(r.Rune))
		case syntax.OpCharClass:
			i := rng.IntN(len(r.Rune) / 2)
			lo, hi := r.Rune[2*i], r.Rune[2*i+1]
			c := lo + rune(rng.IntN(int(min(hi-lo+1, 300))))
			if c >= surrogateLo && c <= surrogateHi {
				c = lo
			}
			b.WriteRune(c)
		case syntax.OpAnyCharNotNL:
			b.WriteString(dot[rng.IntN(len(dot))])
		case syntax.OpAnyChar:
			b.WriteString(append(dot, "\n")[rng.IntN(len(dot)+1)])
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
			lo, hi := r.Min, r.Max
			switch r.Op {
			case syntax.OpStar:
				lo, hi = 0, 3
			case syntax.OpPlus:
				lo, hi = 1, 3
			case syntax.OpQuest:
				lo, hi = 0, 1
			}
			if hi < 0 {
				hi = lo + 3
			}
			for n := lo + rng.IntN(hi-lo+1); n > 0; n-- {
				walk(r.Sub[0])
			}
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpAlternate:
			walk(r.Sub[rng.IntN(len(r.Sub))])
		}
	}
	walk(re)
	bare := b.String()
	// Unanchored patterns match inside longer text.
	with := dot[rng.IntN(len(dot))] + bare + dot[rng.IntN(len(dot))]
	m := regexp.MustCompile(pattern)
	if rng.IntN(2) == 0 && m.MatchString(with) {
		return with
	}
	if !m.MatchString(bare) {
		t.Fatalf("generator bug: %q does not match %s", bare, pattern)
	}
	return bare
}

// rschema is a random schema: its JSON text, a generator of documents that
// conform to it (in the layout the compiled grammars generate, with random
// optional whitespace), and a validator with JSON Schema semantics over
// values decoded by encoding/json.
type rschema struct {
	json  string
	gen   func() string
	valid func(v any) bool
}

type schemaGen struct {
	t    testing.TB
	rng  *rand.Rand
	defs []string
}

// ws is optional whitespace as the "space" rule allows it.
func (sg *schemaGen) ws() string {
	switch sg.rng.IntN(10) {
	case 0:
		return " "
	case 1:
		return "\n" + strings.Repeat(" ", sg.rng.IntN(4))
	case 2:
		return "\n\n\t"
	}
	return ""
}

var (
	stringPool = []string{"a", "Z", " ", "é", "日", "😀", "\"", "\\", "\n", "\t", "\x01", "\x7f", "/", "\u2028", "0", "x"}
	propNames  = []string{"id", "name", "a b", "ü", "x\"y", "tags", "n", "value", "q/1", "α"}
	extraKeys  = []string{"zz", "extra", "idx", "nam", "é\\", ""}
	patterns   = []string{`^[a-z]{2,5}$`, `^\d{3}-\d{4}$`, `^(foo|bar)+baz?$`, `ab+c`, `^a.c$`, `^[^"\\]{0,4}$`,
		`^\w+@\w+\.(com|org)$`, `^[A-Z][a-z]*( [A-Z][a-z]*)*$`, `^(a?b?)*c$`, `^\\"\t$`, `^日本[語人]$`}
	formatRes = map[string]*regexp.Regexp{
		"date":      regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`),
		"time":      regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`),
		"date-time": regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`),
		"uuid":      regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
	}
)

func jsonQuote(s string) string { return appendJSONString(nil, s) }

func rat(v any) (*big.Rat, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	s := string(n)
	// big.Rat refuses decimal exponents in the hundreds of millions, yet
	// "-6446e595457314" is a JSON number. Mutations make such exponents; clamp
	// them far beyond any bound a generated schema uses (mantissas here are
	// short, so integrality and ordering are kept).
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if e, err := strconv.ParseInt(s[i+1:], 10, 64); err != nil || e > 10000 || e < -10000 {
			switch {
			case err != nil && !strings.HasPrefix(s[i+1:], "-"), e > 10000:
				s = s[:i] + "e10000"
			default:
				s = s[:i] + "e-10000"
			}
		}
	}
	return new(big.Rat).SetString(s)
}

// jsonEqual is JSON Schema equality: numbers by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		ra, _ := rat(x)
		rb, ok := rat(b)
		return ok && ra.Cmp(rb) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

func decode(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if dec.More() {
		return nil, false
	}
	return v, true
}

// anyValue generates a random small JSON value.
func (sg *schemaGen) anyValue(depth int) string {
	switch k := sg.rng.IntN(7); {
	case k == 0 && depth < 2:
		var parts []string
		for n := sg.rng.IntN(3); n > 0; n-- {
			parts = append(parts, sg.anyValue(depth+1))
		}
		return "[" + sg.ws() + strings.Join(parts, ","+sg.ws()) + "]" + sg.ws()
	case k == 1 && depth < 2:
		var parts []string
		for n := sg.rng.IntN(3); n > 0; n-- {
			parts = append(parts, jsonQuote(extraKeys[sg.rng.IntN(len(extraKeys))])+sg.ws()+":"+sg.ws()+sg.anyValue(depth+1))
		}
		return "{" + sg.ws() + strings.Join(parts, ","+sg.ws()) + "}" + sg.ws()
	case k == 2:
		return sg.randString(0, 4) + sg.ws()
	case k == 3:
		return []string{"true", "false", "null"}[sg.rng.IntN(3)] + sg.ws()
	}
	return sg.randNumber() + sg.ws()
}

func (sg *schemaGen) randString(lo, hi int) string {
	var b strings.Builder
	b.WriteByte('"')
	for n := lo + sg.rng.IntN(hi-lo+1); n > 0; n-- {
		c := stringPool[sg.rng.IntN(len(stringPool))]
		enc := jsonQuote(c)
		if c == "x" && sg.rng.IntN(2) == 0 {
			enc = `"\u0078"` // an unneeded escape is still a plain string
		}
		b.WriteString(enc[1 : len(enc)-1])
	}
	b.WriteByte('"')
	return b.String()
}

func (sg *schemaGen) randNumber() string {
	r := sg.rng
	s := strconv.Itoa(r.IntN(2000) - 1000)
	if r.IntN(2) == 0 {
		s += "." + strconv.Itoa(r.IntN(1000))
	}
	if r.IntN(4) == 0 {
		s += []string{"e", "E", "e+", "e-"}[r.IntN(4)] + strconv.Itoa(1+r.IntN(30))
	}
	return s
}

func (sg *schemaGen) leaf() *rschema {
	r := sg.rng
	switch r.IntN(11) {
	case 0, 1: // string, maybe with lengths
		lo, hi, kw := 0, 6, ""
		switch r.IntN(3) {
		case 0:
			lo = r.IntN(3)
			kw += fmt.Sprintf(`,"minLength":%d`, lo)
		case 1:
			hi = r.IntN(5)
			kw += fmt.Sprintf(`,"maxLength":%d`, hi)
			lo = min(lo, hi)
		}
		return &rschema{
			json: `{"type":"string"` + kw + `}`,
			gen:  func() string { return sg.randString(lo, hi) + sg.ws() },
			valid: func(v any) bool {
				s, ok := v.(string)
				n := utf8.RuneCountInString(s)
				return ok && (!strings.Contains(kw, "min") || n >= lo) && (!strings.Contains(kw, "max") || n <= hi)
			},
		}
	case 2: // pattern
		p := patterns[r.IntN(len(patterns))]
		re := regexp.MustCompile(p)
		pj, _ := json.Marshal(p)
		return &rschema{
			json:  `{"type":"string","pattern":` + string(pj) + `}`,
			gen:   func() string { return jsonQuote(genRegexString(sg.t, p, sg.rng)) + sg.ws() },
			valid: func(v any) bool { s, ok := v.(string); return ok && re.MatchString(s) },
		}
	case 3: // format
		f := []string{"date", "time", "date-time", "uuid"}[r.IntN(4)]
		gen := func() string {
			d := fmt.Sprintf("%04d-%02d-%02d", r.IntN(10000), 1+r.IntN(12), 1+r.IntN(31))
			tm := fmt.Sprintf("%02d:%02d:%02d", r.IntN(24), r.IntN(60), r.IntN(60))
			if r.IntN(2) == 0 {
				tm += "." + strconv.Itoa(r.IntN(1000))
			}
			if r.IntN(2) == 0 {
				tm += "Z"
			} else {
				tm += fmt.Sprintf("%c%02d:%02d", "+-"[r.IntN(2)], r.IntN(24), r.IntN(60))
			}
			switch f {
			case "date":
				return d
			case "time":
				return tm
			case "date-time":
				return d + "T" + tm
			}
			return fmt.Sprintf("%08x-%04x-%04X-%04x-%012x", r.Uint32(), r.IntN(65536), r.IntN(65536), r.IntN(65536), r.Int64N(1<<48))
		}
		return &rschema{
			json:  `{"type":"string","format":"` + f + `"}`,
			gen:   func() string { return `"` + gen() + `"` + sg.ws() },
			valid: func(v any) bool { s, ok := v.(string); return ok && formatRes[f].MatchString(s) },
		}
	case 4, 5: // integer with bounds
		return sg.integer()
	case 6: // number
		return sg.number()
	case 7:
		return &rschema{json: `{"type":"boolean","description":"flag"}`,
			gen:   func() string { return []string{"true", "false"}[r.IntN(2)] + sg.ws() },
			valid: func(v any) bool { _, ok := v.(bool); return ok }}
	case 8: // enum or const
		vals := []string{`"red"`, `1`, `null`, `{"a":[true]}`, `"x\"y"`, `-2.5`, `[]`, `"日"`}
		r.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		vals = vals[:1+r.IntN(3)]
		js := `{"enum":[` + strings.Join(vals, ",") + `]}`
		if len(vals) == 1 && r.IntN(2) == 0 {
			js = `{"const":` + vals[0] + `}`
		}
		return &rschema{json: js,
			gen: func() string { return vals[r.IntN(len(vals))] + sg.ws() },
			valid: func(v any) bool {
				for _, e := range vals {
					if ev, _ := decode(e); jsonEqual(ev, v) {
						return true
					}
				}
				return false
			}}
	case 9:
		types := [][]string{{"string", "null"}, {"integer", "boolean"}, {"null", "number"}}[r.IntN(3)]
		return &rschema{json: `{"type":["` + strings.Join(types, `","`) + `"]}`,
			gen: func() string {
				switch types[r.IntN(2)] {
				case "string":
					return sg.randString(0, 3) + sg.ws()
				case "null":
					return "null" + sg.ws()
				case "integer":
					return strconv.Itoa(r.IntN(100)-50) + sg.ws()
				case "boolean":
					return "true" + sg.ws()
				}
				return sg.randNumber() + sg.ws()
			},
			valid: func(v any) bool {
				for _, t := range types {
					switch x := v.(type) {
					case string:
						if t == "string" {
							return true
						}
					case nil:
						if t == "null" {
							return true
						}
					case bool:
						if t == "boolean" {
							return true
						}
					case json.Number:
						q, _ := rat(x)
						if t == "number" || t == "integer" && q.IsInt() {
							return true
						}
					}
				}
				return false
			}}
	}
	return &rschema{json: `{}`, gen: func() string { return sg.anyValue(0) }, valid: func(any) bool { return true }}
}

// integer makes an integer schema with random (possibly exclusive) bounds.
func (sg *schemaGen) integer() *rschema {
	r := sg.rng
	var lo, hi *big.Rat
	var loEx, hiEx bool
	kw := ""
	scale := []int64{10, 1000, 1e6, 1e12}[r.IntN(4)]
	if r.IntN(3) > 0 {
		v := r.Int64N(2*scale) - scale
		lo, loEx = big.NewRat(v, 1), r.IntN(3) == 0
		kw += fmt.Sprintf(`,"%s":%d`, map[bool]string{false: "minimum", true: "exclusiveMinimum"}[loEx], v)
	}
	if r.IntN(3) > 0 {
		v := r.Int64N(2*scale) - scale
		if lo != nil {
			v = lo.Num().Int64() + 2 + r.Int64N(scale)
		}
		hi, hiEx = big.NewRat(v, 1), r.IntN(3) == 0
		kw += fmt.Sprintf(`,"%s":%d`, map[bool]string{false: "maximum", true: "exclusiveMaximum"}[hiEx], v)
	}
	in := func(q *big.Rat) bool {
		if lo != nil && (q.Cmp(lo) < 0 || loEx && q.Cmp(lo) == 0) {
			return false
		}
		return hi == nil || q.Cmp(hi) < 0 || !hiEx && q.Cmp(hi) == 0
	}
	return &rschema{
		json: `{"type":"integer"` + kw + `}`,
		gen: func() string {
			for {
				var v int64
				switch {
				case lo != nil && hi != nil:
					a, b := lo.Num().Int64(), hi.Num().Int64()
					v = a + r.Int64N(b-a+1)
				case lo != nil:
					v = lo.Num().Int64() + r.Int64N(100)
				case hi != nil:
					v = hi.Num().Int64() - r.Int64N(100)
				default:
					v = r.Int64N(2e9) - 1e9
				}
				if in(big.NewRat(v, 1)) {
					return strconv.FormatInt(v, 10) + sg.ws()
				}
			}
		},
		valid: func(v any) bool { q, ok := rat(v); return ok && q.IsInt() && in(q) },
	}
}

// number makes a number schema, unbounded or with integer bounds.
func (sg *schemaGen) number() *rschema {
	r := sg.rng
	if r.IntN(2) == 0 {
		return &rschema{json: `{"type":"number"}`, gen: func() string { return sg.randNumber() + sg.ws() },
			valid: func(v any) bool { _, ok := rat(v); return ok }}
	}
	a := int64(r.IntN(21) - 10)
	b := a + 1 + int64(r.IntN(10))
	loEx, hiEx := r.IntN(2) == 0, r.IntN(2) == 0
	kw := fmt.Sprintf(`,"%s":%d,"%s":%d`,
		map[bool]string{false: "minimum", true: "exclusiveMinimum"}[loEx], a,
		map[bool]string{false: "maximum", true: "exclusiveMaximum"}[hiEx], b)
	lo, hi := big.NewRat(a, 1), big.NewRat(b, 1)
	in := func(q *big.Rat) bool {
		return (q.Cmp(lo) > 0 || !loEx && q.Cmp(lo) == 0) && (q.Cmp(hi) < 0 || !hiEx && q.Cmp(hi) == 0)
	}
	return &rschema{
		json: `{"type":"number"` + kw + `}`,
		gen: func() string {
			for {
				x := float64(a) + float64(r.IntN(int(b-a)*8+1))/8
				s := strconv.FormatFloat(x, 'f', -1, 64)
				q, _ := new(big.Rat).SetString(s)
				if in(q) && s != "-0" {
					return s + sg.ws()
				}
			}
		},
		valid: func(v any) bool { q, ok := rat(v); return ok && in(q) },
	}
}

// objSpec is an object schema under construction.
type objSpec struct {
	names    []string
	props    []*rschema
	required []bool
	addl     int // 0 absent, 1 false, 2 true, 3 schema
	addlSch  *rschema
}

func (sg *schemaGen) objectSpec(depth int, names []string, allowAddl bool) *objSpec {
	r := sg.rng
	o := &objSpec{}
	perm := r.Perm(len(names))
	for _, i := range perm[:r.IntN(min(5, len(names)+1))] {
		o.names = append(o.names, names[i])
		o.props = append(o.props, sg.node(depth+1))
		o.required = append(o.required, r.IntN(2) == 0)
	}
	if allowAddl {
		o.addl = r.IntN(4)
		if o.addl == 3 {
			o.addlSch = sg.node(depth + 1)
		}
	}
	return o
}

func (o *objSpec) schemaJSON() string {
	var props, req []string
	for i, n := range o.names {
		props = append(props, jsonQuote(n)+":"+o.props[i].json)
		if o.required[i] {
			req = append(req, jsonQuote(n))
		}
	}
	s := `{"type":"object","properties":{` + strings.Join(props, ",") + `}`
	if len(req) > 0 {
		s += `,"required":[` + strings.Join(req, ",") + `]`
	}
	switch o.addl {
	case 1:
		s += `,"additionalProperties":false`
	case 2:
		s += `,"additionalProperties":true`
	case 3:
		s += `,"additionalProperties":` + o.addlSch.json
	}
	return s + "}"
}

func (sg *schemaGen) objectGen(o *objSpec) string {
	r := sg.rng
	var members []string
	member := func(k, v string) string { return jsonQuote(k) + sg.ws() + ":" + sg.ws() + v }
	for _, wantReq := range []bool{true, false} {
		for i, n := range o.names {
			if o.required[i] == wantReq && (wantReq || r.IntN(2) == 0) {
				members = append(members, member(n, o.props[i].gen()))
			}
		}
	}
	if o.addl >= 2 {
		used := map[string]bool{}
		for n := r.IntN(3); n > 0; n-- {
			k := extraKeys[r.IntN(len(extraKeys))]
			if used[k] || containsString(o.names, k) {
				continue
			}
			used[k] = true
			v := sg.anyValue(1)
			if o.addl == 3 {
				v = o.addlSch.gen()
			}
			members = append(members, member(k, v))
		}
	}
	return "{" + sg.ws() + strings.Join(members, ","+sg.ws()) + "}" + sg.ws()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (o *objSpec) validate(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for i, n := range o.names {
		pv, has := m[n]
		if !has && o.required[i] || has && !o.props[i].valid(pv) {
			return false
		}
	}
	for k, pv := range m {
		if containsString(o.names, k) {
			continue
		}
		if o.addl == 1 || o.addl == 3 && !o.addlSch.valid(pv) {
			return false
		}
	}
	return true
}

// node makes a random schema; deeper nodes are leaves.
func (sg *schemaGen) node(depth int) *rschema {
	r := sg.rng
	if depth >= 3 {
		return sg.leaf()
	}
	switch r.IntN(12) {
	case 0, 1, 2: // object
		o := sg.objectSpec(depth, propNames, true)
		return &rschema{json: o.schemaJSON(), gen: func() string { return sg.objectGen(o) }, valid: o.validate}
	case 3, 4: // array
		item := sg.node(depth + 1)
		lo, hi := 0, -1
		kw := ""
		if r.IntN(2) == 0 {
			lo = r.IntN(3)
			kw += fmt.Sprintf(`,"minItems":%d`, lo)
		}
		if r.IntN(2) == 0 {
			hi = lo + r.IntN(3)
			kw += fmt.Sprintf(`,"maxItems":%d`, hi)
		}
		return &rschema{
			json: `{"type":"array","items":` + item.json + kw + `}`,
			gen: func() string {
				top := hi
				if top < 0 {
					top = lo + 3
				}
				var parts []string
				for n := lo + r.IntN(top-lo+1); n > 0; n-- {
					parts = append(parts, item.gen())
				}
				return "[" + sg.ws() + strings.Join(parts, ","+sg.ws()) + "]" + sg.ws()
			},
			valid: func(v any) bool {
				a, ok := v.([]any)
				if !ok || len(a) < lo || hi >= 0 && len(a) > hi {
					return false
				}
				for _, e := range a {
					if !item.valid(e) {
						return false
					}
				}
				return true
			},
		}
	case 5: // tuple, exact
		var items []*rschema
		var js []string
		for n := 1 + r.IntN(3); n > 0; n-- {
			it := sg.node(depth + 1)
			items = append(items, it)
			js = append(js, it.json)
		}
		return &rschema{
			json: `{"type":"array","prefixItems":[` + strings.Join(js, ",") + `],"items":false}`,
			gen: func() string {
				var parts []string
				for _, it := range items {
					parts = append(parts, it.gen())
				}
				return "[" + sg.ws() + strings.Join(parts, ","+sg.ws()) + "]" + sg.ws()
			},
			valid: func(v any) bool {
				a, ok := v.([]any)
				if !ok || len(a) > len(items) {
					return false
				}
				for i, e := range a {
					if !items[i].valid(e) {
						return false
					}
				}
				return true
			},
		}
	case 6: // anyOf
		alts := []*rschema{sg.node(depth + 1), sg.node(depth + 1)}
		if r.IntN(2) == 0 {
			alts = append(alts, sg.leaf())
		}
		var js []string
		for _, a := range alts {
			js = append(js, a.json)
		}
		return &rschema{
			json: `{"anyOf":[` + strings.Join(js, ",") + `]}`,
			gen:  func() string { return alts[r.IntN(len(alts))].gen() },
			valid: func(v any) bool {
				for _, a := range alts {
					if a.valid(v) {
						return true
					}
				}
				return false
			},
		}
	case 7: // $ref to a definition
		target := sg.node(depth + 1)
		name := fmt.Sprintf("d%d", len(sg.defs))
		sg.defs = append(sg.defs, jsonQuote(name)+":"+target.json)
		return &rschema{json: `{"$ref":"#/$defs/` + name + `"}`, gen: target.gen, valid: target.valid}
	case 8: // allOf of two objects with disjoint properties
		a := sg.objectSpec(depth, propNames[:5], false)
		b := sg.objectSpec(depth, propNames[5:], false)
		merged := &objSpec{
			names:    append(append([]string(nil), a.names...), b.names...),
			props:    append(append([]*rschema(nil), a.props...), b.props...),
			required: append(append([]bool(nil), a.required...), b.required...),
		}
		return &rschema{
			json:  `{"allOf":[` + a.schemaJSON() + "," + b.schemaJSON() + `]}`,
			gen:   func() string { return sg.objectGen(merged) },
			valid: func(v any) bool { return a.validate(v) && b.validate(v) },
		}
	}
	return sg.leaf()
}

// rootSchema makes a random schema document.
func (sg *schemaGen) rootSchema() *rschema {
	sg.defs = nil
	n := sg.node(0)
	if len(sg.defs) > 0 {
		defs := `"$defs":{` + strings.Join(sg.defs, ",") + `}`
		if n.json == "{}" {
			n.json = "{" + defs + "}"
		} else {
			n.json = "{" + defs + "," + n.json[1:]
		}
	}
	return n
}

// mutate returns a variant of doc: an edit of its text or of its decoded
// value.
func mutate(rng *rand.Rand, doc string) string {
	switch rng.IntN(8) {
	case 0: // delete bytes
		if len(doc) == 0 {
			return "x"
		}
		i := rng.IntN(len(doc))
		return doc[:i] + doc[min(len(doc), i+1+rng.IntN(3)):]
	case 1: // insert a snippet
		snippets := []string{`"`, `,`, `}`, `]`, `{`, `[`, `1`, `-`, `.`, `a`, `é`, `\`, `null`, `:`, `"x":1,`, `0`, `e5`, ` `}
		i := rng.IntN(len(doc) + 1)
		return doc[:i] + snippets[rng.IntN(len(snippets))] + doc[i:]
	case 2: // replace a byte
		if len(doc) == 0 {
			return "y"
		}
		i := rng.IntN(len(doc))
		return doc[:i] + string(rune(' '+rng.IntN(95))) + doc[i+1:]
	case 3: // truncate
		return doc[:rng.IntN(len(doc)+1)]
	}
	v, ok := decode(doc)
	if !ok {
		return doc + "x"
	}
	// Collect the containers and leaves of v, then edit one.
	type slot struct {
		get func() any
		set func(any)
	}
	var slots []slot
	var objs []map[string]any
	var walk func(get func() any, set func(any))
	walk = func(get func() any, set func(any)) {
		slots = append(slots, slot{get, set})
		switch x := get().(type) {
		case map[string]any:
			objs = append(objs, x)
			for _, k := range slices.Sorted(maps.Keys(x)) { // map order would make the test vary run to run
				walk(func() any { return x[k] }, func(nv any) { x[k] = nv })
			}
		case []any:
			for i := range x {
				walk(func() any { return x[i] }, func(nv any) { x[i] = nv })
			}
		}
	}
	walk(func() any { return v }, func(nv any) { v = nv })
	s := slots[rng.IntN(len(slots))]
	switch rng.IntN(6) {
	case 0: // change the type of a value
		s.set([]any{"str", json.Number("7"), json.Number("2.5"), true, nil, []any{}, map[string]any{}}[rng.IntN(7)])
	case 1: // drop or add an object member
		if len(objs) > 0 {
			o := objs[rng.IntN(len(objs))]
			if len(o) > 0 && rng.IntN(2) == 0 {
				keys := slices.Sorted(maps.Keys(o))
				delete(o, keys[rng.IntN(len(keys))])
			} else {
				o[extraKeys[rng.IntN(len(extraKeys))]] = json.Number("1")
			}
		}
	case 2: // grow an array
		if a, ok := s.get().([]any); ok {
			if len(a) > 0 {
				s.set(append(a, a[0]))
			} else {
				s.set(append(a, json.Number("1")))
			}
		}
	case 3: // move a number
		if n, ok := s.get().(json.Number); ok {
			q, _ := rat(n)
			d := []int64{1, -1, 10, -10, 1000, -1000000}[rng.IntN(6)]
			q.Add(q, big.NewRat(d, 1))
			if q.IsInt() {
				s.set(json.Number(q.Num().String()))
			} else {
				f, _ := q.Float64()
				s.set(json.Number(strconv.FormatFloat(f, 'f', -1, 64)))
			}
		}
	case 4: // edit a string
		if str, ok := s.get().(string); ok {
			switch rng.IntN(3) {
			case 0:
				s.set(str + "x")
			case 1:
				if str != "" {
					_, size := utf8.DecodeLastRuneInString(str)
					s.set(str[:len(str)-size])
				}
			default:
				s.set("")
			}
		}
	case 5: // shrink an array
		if a, ok := s.get().([]any); ok && len(a) > 0 {
			s.set(a[:len(a)-1])
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return doc + "x"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestSchemaProperty: random schemas compile to grammars that accept every
// generated conforming document and reject every mutation that is not
// valid JSON or not valid under the schema.
func TestSchemaProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	sg := &schemaGen{t: t, rng: rng}
	const schemas, docs = 100, 200
	rejected := 0
	for i := 0; i < schemas; i++ {
		rs := sg.rootSchema()
		g, err := CompileJSONSchema([]byte(rs.json), nil)
		if err != nil {
			t.Fatalf("schema %d %s: %v", i, rs.json, err)
		}
		st := g.NewState()
		for d := 0; d < docs; d++ {
			doc := rs.gen()
			v, ok := decode(doc)
			if !ok || !rs.valid(v) {
				t.Fatalf("schema %s: generator made a non-conforming %q", rs.json, doc)
			}
			if !matches(st, doc) {
				src, _ := SchemaToGBNF([]byte(rs.json), nil)
				t.Fatalf("schema %s\ngrammar:\n%s\nrejected conforming %q", rs.json, src, doc)
			}
			for m := 0; m < 3; m++ {
				bad := mutate(rng, doc)
				if mv, ok := decode(bad); ok && rs.valid(mv) {
					continue // still conforming: nothing to check
				}
				rejected++
				if matches(st, bad) {
					src, _ := SchemaToGBNF([]byte(rs.json), nil)
					t.Fatalf("schema %s\ngrammar:\n%s\naccepted non-conforming %q (from %q)", rs.json, src, bad, doc)
				}
			}
		}
	}
	t.Logf("%d schemas x %d documents, %d non-conforming mutations rejected", schemas, docs, rejected)
	if rejected < schemas*docs {
		t.Errorf("only %d mutations were non-conforming", rejected)
	}
}

// TestRatHugeExponent: the property test's number oracle must read JSON
// numbers whose exponents big.Rat refuses (a CI run once mutated one in).
func TestRatHugeExponent(t *testing.T) {
	for _, tc := range []struct {
		in      string
		sign    int
		integer bool
	}{
		{"-6446e595457314", -1, true},
		{"3e-99999999999999999999", 1, false},
		{"2.5E+20000", 1, true},
		{"0e-999999", 0, true},
	} {
		q, ok := rat(json.Number(tc.in))
		if !ok {
			t.Errorf("rat(%s): not a number", tc.in)
			continue
		}
		if q.Sign() != tc.sign || q.IsInt() != tc.integer {
			t.Errorf("rat(%s): sign %d int %v, want %d %v", tc.in, q.Sign(), q.IsInt(), tc.sign, tc.integer)
		}
	}
}
