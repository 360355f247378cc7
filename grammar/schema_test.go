package grammar

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func compileSchema(t testing.TB, schema string) *Grammar {
	t.Helper()
	g, err := CompileJSONSchema([]byte(schema), nil)
	if err != nil {
		t.Fatalf("CompileJSONSchema(%s): %v", schema, err)
	}
	return g
}

func TestSchemaTable(t *testing.T) {
	tests := []struct {
		name, schema string
		good, bad    []string
	}{
		{"any json", `"json"`,
			[]string{`{"a":[1,true,null,"x"]}`, `"s"`, `1.5e3`, `[ ]`, `null`},
			[]string{``, `{`, `[1,]`, `tru`, ` 1`}},
		{"empty schema", `{}`,
			[]string{`{"a":1}`, `[]`, `"x"`, `-0.5`},
			[]string{`{a:1}`, `01`}},
		{"true", `true`, []string{`1`, `{}`}, []string{`x`}},
		{"string", `{"type":"string"}`,
			[]string{`""`, `"a b"`, `"\"\\\/\b\f\n\r\t\u00E9"`, `"日本😀"`},
			[]string{`"a`, `"\x"`, "\"\x01\"", "\"\x7f\"", `'a'`, `1`}},
		{"string lengths", `{"type":"string","minLength":2,"maxLength":3}`,
			[]string{`"ab"`, `"abc"`, `"日本"`, `"\n\t"`},
			[]string{`"a"`, `"abcd"`, `""`}},
		{"integer", `{"type":"integer"}`,
			[]string{`0`, `-7`, `1234567890123456`},
			[]string{`1.0`, `01`, `+1`, `12345678901234567`, `1e3`}},
		{"integer range", `{"type":"integer","minimum":-15,"maximum":120}`,
			[]string{`-15`, `-1`, `0`, `9`, `10`, `99`, `100`, `120`},
			[]string{`-16`, `121`, `200`, `-0`, `1000`}},
		{"integer exclusive", `{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10}`,
			[]string{`1`, `9`}, []string{`0`, `10`, `-1`}},
		{"integer draft4 exclusive", `{"type":"integer","minimum":0,"exclusiveMinimum":true}`,
			[]string{`1`, `99999`}, []string{`0`, `-1`}},
		{"integer min only", `{"type":"integer","minimum":1000}`,
			[]string{`1000`, `1001`, `9999`, `10000`, `9999999999999999`},
			[]string{`999`, `0`, `-1000`, `99999999999999999`}},
		{"integer max only", `{"type":"integer","maximum":-3}`,
			[]string{`-3`, `-10`, `-9999999`}, []string{`-2`, `0`, `3`}},
		{"number", `{"type":"number"}`,
			[]string{`0`, `-0.5`, `1e10`, `2.5E-3`, `1.0`},
			[]string{`.5`, `1.`, `1e`, `--1`}},
		{"number range", `{"type":"number","minimum":-2,"maximum":3}`,
			[]string{`-2`, `-2.0`, `-1.5`, `0`, `2.999`, `3`, `3.00`},
			[]string{`-2.5`, `3.01`, `4`, `1e0`}},
		{"number exclusive", `{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1}`,
			[]string{`0.5`, `0.0001`, `0.999`}, []string{`0`, `0.0`, `1`, `1.0`, `-0.5`}},
		{"boolean and null", `{"type":["boolean","null"]}`,
			[]string{`true`, `false`, `null`}, []string{`0`, `"true"`}},
		{"enum", `{"enum":["red",1,null,{"a":[true]}]}`,
			[]string{`"red"`, `1`, `null`, `{"a":[true]}`},
			[]string{`"blue"`, `1.0`, `{"a": [true]}`}},
		{"const", `{"const":"x\"y"}`, []string{`"x\"y"`}, []string{`"xy"`}},
		{"object", `{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}},"required":["b"]}`,
			[]string{`{"b":"x"}`, `{"b":"x","a":1}`, `{"b":"x","c":true}`, `{"b":"x","a":1,"c":false}`,
				"{ \"b\" : \"x\" , \"a\" : 1 }", "{\n  \"b\": \"x\"\n}"},
			[]string{`{}`, `{"a":1}`, `{"b":"x","d":1}`, `{"b":"x","c":true,"a":1}`, `{"b":1}`, `{"b":"x",}`}},
		{"additional true", `{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":true}`,
			[]string{`{}`, `{"a":1}`, `{"a":1,"b":[2]}`, `{"ab":1}`, `{"":1,"x":{}}`},
			[]string{`{"a":"x"}`, `{"b":1,"a":1}`, `{"a":1,"a":2}`}},
		{"additional schema", `{"type":"object","additionalProperties":{"type":"number"}}`,
			[]string{`{}`, `{"x":1,"y":2.5}`}, []string{`{"x":"1"}`}},
		{"additional false", `{"type":"object","properties":{"a":{}},"additionalProperties":false}`,
			[]string{`{}`, `{"a":[]}`}, []string{`{"b":1}`}},
		{"required without properties", `{"type":"object","required":["id"]}`,
			[]string{`{"id":1}`, `{"id":{"x":null}}`}, []string{`{}`}},
		{"array", `{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}`,
			[]string{`[1]`, `[1,2,3]`, `[ 1 , 2 ]`}, []string{`[]`, `[1,2,3,4]`, `[1.5]`, `[1,]`}},
		{"array any", `{"type":"array"}`, []string{`[]`, `[1,"a",[]]`}, []string{`[`, `{}`}},
		{"tuple", `{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]}`,
			[]string{`["a",1]`}, []string{`["a"]`, `["a",1,2]`, `[1,"a"]`}},
		{"tuple rest", `{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"boolean"},"maxItems":3}`,
			[]string{`["a"]`, `["a",true]`, `["a",true,false]`}, []string{`["a",true,false,true]`, `["a",1]`}},
		{"draft7 tuple", `{"type":"array","items":[{"const":1},{"const":2}],"additionalItems":false}`,
			[]string{`[1,2]`}, []string{`[1]`, `[1,2,3]`}},
		{"anyOf", `{"anyOf":[{"type":"integer"},{"type":"string","maxLength":1}]}`,
			[]string{`1`, `"a"`}, []string{`"ab"`, `true`}},
		{"oneOf with siblings", `{"type":"object","properties":{"k":{"type":"string"}},"oneOf":[{"required":["k"]},{"properties":{"n":{"type":"integer"}},"required":["n"]}]}`,
			[]string{`{"k":"x"}`, `{"n":1}`, `{"n":1,"k":"x"}`}, []string{`{}`, `{"n":"x"}`}},
		{"allOf", `{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"string"}},"required":["b"]}]}`,
			[]string{`{"a":1,"b":"x"}`}, []string{`{"a":1}`, `{"b":"x","a":1}`}},
		{"allOf numbers", `{"allOf":[{"type":"integer","minimum":0},{"maximum":5},{"minimum":2}]}`,
			[]string{`2`, `5`}, []string{`1`, `6`}},
		{"ref", `{"$defs":{"pos":{"type":"integer","minimum":1}},"type":"object","properties":{"x":{"$ref":"#/$defs/pos"},"y":{"$ref":"#/$defs/pos"}},"required":["x","y"]}`,
			[]string{`{"x":1,"y":2}`}, []string{`{"x":0,"y":2}`}},
		{"recursive ref", `{"definitions":{"t":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/definitions/t"}}},"required":["v"]}},"$ref":"#/definitions/t"}`,
			[]string{`{"v":1}`, `{"v":1,"kids":[{"v":2},{"v":3,"kids":[]}]}`}, []string{`{"v":1,"kids":[{}]}`}},
		{"ref to root", `{"type":"array","items":{"anyOf":[{"type":"integer"},{"$ref":"#"}]}}`,
			[]string{`[]`, `[1,[2,[]]]`}, []string{`[1,["x"]]`}},
		{"ref with siblings", `{"$defs":{"o":{"type":"object","properties":{"a":{"type":"integer"}}}},"$ref":"#/$defs/o","required":["a"]}`,
			[]string{`{"a":1}`}, []string{`{}`}},
		{"date", `{"type":"string","format":"date"}`,
			[]string{`"2024-02-29"`, `"1999-12-31"`}, []string{`"2024-13-01"`, `"2024-1-01"`, `"2024-00-10"`}},
		{"time", `{"type":"string","format":"time"}`,
			[]string{`"23:59:59Z"`, `"00:00:00.123+05:30"`}, []string{`"24:00:00Z"`, `"12:00:00"`}},
		{"date-time", `{"type":"string","format":"date-time"}`,
			[]string{`"2024-02-29T12:30:00Z"`}, []string{`"2024-02-29 12:30:00Z"`}},
		{"uuid", `{"type":"string","format":"uuid"}`,
			[]string{`"123e4567-e89b-12d3-a456-426614174000"`}, []string{`"123e4567e89b12d3a456426614174000"`}},
		{"unknown format", `{"type":"string","format":"email"}`, []string{`"anything"`}, []string{`1`}},
		{"pattern", `{"type":"string","pattern":"^[a-z]+@[a-z]+\\.(com|org)$"}`,
			[]string{`"ab@cd.com"`, `"x@y.org"`}, []string{`"ab@cd.net"`, `"@cd.com"`, `"AB@cd.com"`}},
		{"pattern unanchored", `{"type":"string","pattern":"\\d{3}"}`,
			[]string{`"123"`, `"ab123cd"`, `"\"999\""`}, []string{`"12a3"`, `""`}},
		{"pattern escapes", `{"type":"string","pattern":"^[\"\\\\]\\n.$"}`,
			[]string{`"\"\nx"`, `"\\\n\t"`}, []string{`"\"\n\n"`, "\"\\\"\\n\u2028\""}},
		{"title and description ignored", `{"title":"T","description":"D","type":"boolean","default":true}`,
			[]string{`true`}, []string{`null`}},
		{"property names needing escapes", `{"type":"object","properties":{"a\"b":{"const":1},"ü/x":{"const":2}},"required":["a\"b","ü/x"]}`,
			[]string{`{"a\"b":1,"ü/x":2}`}, []string{`{"ab":1,"ü/x":2}`}},
		{"lenient count", `{"type":"array","maxItems":3}`, []string{`[]`, `[1,2,3]`}, []string{`[1,2,3,4]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := compileSchema(t, tt.schema)
			checkStrings(t, g, tt.good, tt.bad)
		})
	}
}

func TestSchemaErrors(t *testing.T) {
	tests := []struct {
		schema, path, msg string
	}{
		{`{"type":"object","properties":{"a":{"not":{}}}}`, "#/properties/a/not", `keyword "not" is not supported`},
		{`{"type":"array","items":{"type":"integer","multipleOf":2}}`, "#/items/multipleOf", "not supported"},
		{`{"type":"array","uniqueItems":true}`, "#/uniqueItems", "not supported"},
		{`{"$ref":"https://example.com/s.json"}`, "#/$ref", "only local references"},
		{`{"$ref":"#/$defs/missing"}`, "#/$ref", "does not resolve"},
		{`{"type":"strin"}`, "#/type", `unknown type "strin"`},
		{`{"type":"string","pattern":"^(?=a)b$"}`, "#/pattern", "lookaround"},
		{`{"type":"string","pattern":"(a)\\1"}`, "#/pattern", "backreferences"},
		{`{"type":"string","pattern":"a^b"}`, "#/pattern", "^ and $ are only supported"},
		{`{"type":"string","pattern":"(^a)*"}`, "#/pattern", "^ and $ are only supported"},
		{`{"type":"string","pattern":"[]"}`, "#/pattern", "matches nothing"},
		{`{"type":"string","pattern":"a{3,1}"}`, "#/pattern", "maximum below its minimum"},
		{`{"type":"integer","minimum":5,"maximum":4}`, "#", "no integer"},
		{`{"type":"number","minimum":0.5}`, "#", "only integer bounds"},
		{`{"type":"array","minItems":3,"maxItems":2}`, "#", "maxItems 2 is less than minItems 3"},
		{`{"type":"array","maxItems":1000000}`, "#/maxItems", "larger than the supported"},
		{`{"type":"string","minLength":-1}`, "#/minLength", "non-negative integer"},
		{`{"allOf":[{"type":"string"},{"type":"integer"}]}`, "#/allOf/1/type", "nothing in common"},
		{`{"allOf":[{"enum":[1,2]},{"enum":[3]}]}`, "#/allOf/1/enum", "no value in common"},
		{`{"type":"object","properties":{"a":false},"required":["a"]}`, "#/properties/a", "schema false"},
		{`{"anyOf":[]}`, "#/anyOf", "non-empty array"},
		{`[1]`, "#", "must be an object or a boolean"},
		{`{"type":`, "#", "not valid JSON"},
		{`{"$defs":{"a":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}`, "#", "loop"},
		{`{"type":"object","properties":{"a/b":{"type":"integer","if":{}}}}`, "#/properties/a~1b/if", "not supported"},
	}
	for _, tt := range tests {
		_, err := SchemaToGBNF([]byte(tt.schema), nil)
		var se *SchemaError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a SchemaError", tt.schema, err)
			continue
		}
		if !strings.HasPrefix(se.Path, tt.path) || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: %q, want path %s and ...%s...", tt.schema, err, tt.path, tt.msg)
		}
	}
	// Lenient mode ignores what it cannot enforce.
	for _, s := range []string{`{"type":"array","uniqueItems":true,"maxItems":1000000}`,
		`{"type":"number","minimum":0.5,"maximum":2.5}`, `{"not":{"type":"string"}}`} {
		if _, err := CompileJSONSchema([]byte(s), &SchemaOptions{Lenient: true}); err != nil {
			t.Errorf("lenient %s: %v", s, err)
		}
	}
	// A self-reference with no way out compiles to a grammar that never
	// ends; the error says so.
	if _, err := CompileJSONSchema([]byte(`{"type":"object","properties":{"a":{"$ref":"#"}},"required":["a"]}`), nil); err == nil ||
		!strings.Contains(err.Error(), "can never finish") {
		t.Errorf("endless schema: %v", err)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"b\\s/", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "é日😀\u2028"} {
		enc := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal([]byte(enc), &back); err != nil || back != s {
			t.Errorf("%q encodes as %s, decodes as %q (%v)", s, enc, back, err)
		}
		if !compileSchema(t, `{"type":"string"}`).MatchString(enc) {
			t.Errorf("string grammar rejects %s", enc)
		}
	}
}

// TestIntegerRanges checks the digit-range rules against plain comparison
// for random bounds, over a window of values around them.
func TestIntegerRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	randBound := func() (int64, bool) {
		switch rng.IntN(6) {
		case 0:
			return 0, false
		case 1:
			return rng.Int64N(2_000_000) - 1_000_000, true
		case 2:
			return rng.Int64N(20001) - 10000, true
		case 3:
			return int64(math.Pow10(rng.IntN(7))) - int64(rng.IntN(2)), true
		}
		return rng.Int64N(2001) - 1000, true
	}
	for iter := 0; iter < 150; iter++ {
		lo, hasLo := randBound()
		hi, hasHi := randBound()
		if hasLo && hasHi && lo > hi {
			lo, hi = hi, lo
		}
		var a, b intBound
		if hasLo {
			a = intBound{true, lo}
		}
		if hasHi {
			b = intBound{true, hi}
		}
		expr := intRangeGBNF(a, b)
		g := mustParse(t, "root ::= "+expr)
		st := g.NewState()
		in := func(v int64) bool { return (!hasLo || v >= lo) && (!hasHi || v <= hi) }
		var probes []int64
		for _, c := range []int64{lo, hi, 0} {
			for d := int64(-25); d <= 25; d++ {
				probes = append(probes, c+d)
			}
		}
		for k := 0; k < 200; k++ {
			probes = append(probes, rng.Int64N(4_000_000)-2_000_000)
		}
		for _, v := range probes {
			if got, want := matches(st, strconv.FormatInt(v, 10)), in(v); got != want {
				t.Fatalf("[%v %d, %v %d] %s: %d matched %v", hasLo, lo, hasHi, hi, expr, v, got)
			}
		}
		for _, s := range []string{"-0", "01", "+1", "", "-"} {
			if matches(st, s) {
				t.Fatalf("%s matched %q", expr, s)
			}
		}
	}
}

// TestNumberRanges checks bounded numbers against exact decimal comparison.
func TestNumberRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for iter := 0; iter < 60; iter++ {
		var lo, hi numBound
		if rng.IntN(4) > 0 {
			lo = numBound{set: true, v: float64(rng.IntN(41) - 20), excl: rng.IntN(2) == 0}
		}
		if rng.IntN(4) > 0 {
			hi = numBound{set: true, v: float64(rng.IntN(41) - 20), excl: rng.IntN(2) == 0}
		}
		if lo.set && hi.set && lo.v > hi.v {
			lo.v, hi.v = hi.v, lo.v
		}
		in := func(x float64) bool {
			return (!lo.set || x > lo.v || x == lo.v && !lo.excl) && (!hi.set || x < hi.v || x == hi.v && !hi.excl)
		}
		expr := numberRangeGBNF(lo, hi)
		empty := lo.set && hi.set && (lo.v > hi.v || lo.v == hi.v && (lo.excl || hi.excl))
		if (expr == "") != empty {
			t.Fatalf("%+v %+v: expression %q", lo, hi, expr)
		}
		if empty {
			continue
		}
		st := mustParse(t, "root ::= "+expr).NewState()
		for k := 0; k < 400; k++ {
			// Values on a grid of quarters, some with trailing zeros.
			x := float64(rng.IntN(201)-100) / 4
			s := strconv.FormatFloat(x, 'f', -1, 64)
			if rng.IntN(3) == 0 {
				if !strings.Contains(s, ".") {
					s += "."
				}
				s += strings.Repeat("0", 1+rng.IntN(3))
			}
			if got := matches(st, s); got != in(x) {
				t.Fatalf("%+v %+v: %s matched %v", lo, hi, s, got)
			}
		}
	}
}

// TestPatternsAgainstRegexp compares compiled patterns with Go's regexp
// (whose syntax and semantics agree with ECMA-262 on these patterns) on
// random strings in both directions.
func TestPatternsAgainstRegexp(t *testing.T) {
	patterns := []string{
		`^[a-z]{2,5}$`, `^\d{3}-\d{4}$`, `^(foo|bar)+baz?$`, `ab+c`, `^a.c$`, `^[^"\\]{0,4}$`,
		`^\w+@\w+\.(com|org)$`, `^(\([0-9]{3}\) )?[0-9]{3}-[0-9]{4}$`, `^[A-Z][a-z]*( [A-Z][a-z]*)*$`,
		`x*`, `^$`, `^(a?b?)*c$`, `^[\s\S]{1,3}$`, `^\\"$`, `^日本[語人]$`, `^(?:ab|cd){2}$`,
		`^[^a-c]+$`, `^a{2,}$`, `(a|)+b`, `^(ab)*?$`, `^[-a]+$`, `^\t\n$`, `^[\d.]+$`, `^.{3}$`, `b$`, `^b`,
		`^((a|b)c?)+$`, `^[\x41-\x43]+$`, `^\(\)\[\]\{\}$`, `^a|b$`, `a|^b|c$|^d$`, `^(?<word>a+)b$`, `^(a{0})*b$`,
	}
	alphabet := []string{"a", "b", "c", "d", "x", "A", "B", "1", "9", "-", ".", "@", "(", ")", " ", "\t", "\n",
		"\"", "\\", "é", "日", "本", "語", "o", "f", "r", "z", "m", "[", "]", "{", "}", "\x01"}
	rng := rand.New(rand.NewPCG(41, 42))
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		body, err := patternGBNF(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		st := mustParse(t, "root ::= "+body).NewState()
		hits := 0
		try := func(s string) {
			want := re.MatchString(s)
			enc := appendJSONString(nil, s)
			if got := matches(st, enc[1:len(enc)-1]); got != want {
				t.Fatalf("pattern %s: %q: grammar %v, regexp %v\n%s", p, s, got, want, body)
			}
			if want {
				hits++
			}
		}
		for k := 0; k < 400; k++ {
			var b strings.Builder
			for n := rng.IntN(8); n > 0; n-- {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			try(b.String())
			try(genRegexString(t, p, rng))
		}
		if hits < 100 {
			t.Errorf("pattern %s: only %d matching strings tried", p, hits)
		}
	}
}
