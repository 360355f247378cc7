package grammar

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseGBNF: any text either parses or gives a SyntaxError, never a
// panic or a hang; a grammar that parses prints to text that parses again
// and matches the same strings.
func FuzzParseGBNF(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.gbnf")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		g, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("not a SyntaxError: %v", err)
			}
			return
		}
		g2, err := Parse(g.String())
		if err != nil {
			t.Fatalf("printed grammar does not parse: %v\n%s", err, g.String())
		}
		st, st2 := g.NewState(), g2.NewState()
		probes := []string{"", src, "a", "ab", "0", "{}", "日本"}
		if len(src) > 4 {
			probes = append(probes, src[:len(src)/2], src[len(src)/2:])
		}
		for _, p := range probes {
			if matches(st, p) != matches(st2, p) {
				t.Fatalf("printed grammar differs on %q\n%s", p, g.String())
			}
		}
	})
}

// FuzzSchemaToGBNF: any input either compiles or gives a SchemaError; what
// compiles is valid GBNF (it may still be rejected for never ending or for
// left recursion through $ref, which the error says).
func FuzzSchemaToGBNF(f *testing.F) {
	f.Add([]byte(`{"type":"object","properties":{"a":{"type":"integer","minimum":-5,"maximum":300}},"required":["a"]}`))
	f.Add([]byte(`{"$defs":{"n":{"anyOf":[{"type":"null"},{"type":"array","items":{"$ref":"#/$defs/n"}}]}},"$ref":"#/$defs/n"}`))
	f.Add([]byte(`{"type":"string","pattern":"^(a|b)+[0-9]{2,3}$"}`))
	f.Add([]byte(`"json"`))
	f.Fuzz(func(t *testing.T, schema []byte) {
		for _, opts := range []*SchemaOptions{nil, {Lenient: true}} {
			src, err := SchemaToGBNF(schema, opts)
			if err != nil {
				var se *SchemaError
				if !errors.As(err, &se) {
					t.Fatalf("not a SchemaError: %v", err)
				}
				continue
			}
			g, err := Parse(src)
			if err != nil {
				msg := err.Error()
				if !strings.Contains(msg, "never finish") && !strings.Contains(msg, "left recursion") &&
					!strings.Contains(msg, "too large") {
					t.Fatalf("compiled to bad GBNF: %v\n%s", err, src)
				}
				continue
			}
			g.MatchString(`{"a":1}`)
		}
	})
}
