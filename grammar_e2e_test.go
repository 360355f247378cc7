package gollm_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
)

// The schema of the structured-output acceptance test: a string, an integer
// in a range, an enum and an array of one to three items.
const petSchema = `{
  "type": "object",
  "properties": {
    "name":  {"type": "string", "minLength": 1, "maxLength": 12},
    "age":   {"type": "integer", "minimum": 1, "maximum": 20},
    "kind":  {"type": "string", "enum": ["cat", "dog", "bird"]},
    "toys":  {"type": "array", "items": {"type": "string", "maxLength": 8}, "minItems": 1, "maxItems": 3}
  },
  "required": ["name", "age", "kind", "toys"],
  "additionalProperties": false
}`

// validatePet checks a document against petSchema by hand, independently of
// the grammar package.
func validatePet(doc string) []string {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	var errs []string
	if len(raw) != 4 {
		errs = append(errs, "want exactly the keys name, age, kind, toys")
	}
	var name string
	if err := json.Unmarshal(raw["name"], &name); err != nil || utf8.RuneCountInString(name) < 1 || utf8.RuneCountInString(name) > 12 {
		errs = append(errs, "name: want a string of 1..12 characters")
	}
	var age json.Number
	dec := json.NewDecoder(strings.NewReader(string(raw["age"])))
	dec.UseNumber()
	if err := dec.Decode(&age); err != nil {
		errs = append(errs, "age: not a number")
	} else if n, err := age.Int64(); err != nil || n < 1 || n > 20 {
		errs = append(errs, "age: want an integer in 1..20, got "+age.String())
	}
	var kind string
	if err := json.Unmarshal(raw["kind"], &kind); err != nil || (kind != "cat" && kind != "dog" && kind != "bird") {
		errs = append(errs, "kind: want cat, dog or bird")
	}
	var toys []string
	if err := json.Unmarshal(raw["toys"], &toys); err != nil || len(toys) < 1 || len(toys) > 3 {
		errs = append(errs, "toys: want 1..3 strings")
	}
	for _, t := range toys {
		if utf8.RuneCountInString(t) > 8 {
			errs = append(errs, "toys: item longer than 8 characters")
		}
	}
	return errs
}

// TestJSONSchemaOutput makes stories260K — which knows nothing of JSON —
// write documents for a schema with 50 seeds; every one must parse and
// validate.
func TestJSONSchemaOutput(t *testing.T) {
	g, err := grammar.CompileJSONSchema([]byte(petSchema), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := loadStories(t, gollm.WithContextSize(1024))
	for seed := uint64(1); seed <= 50; seed++ {
		p := gollm.DefaultSamplerParams()
		p.Seed = seed
		var sb strings.Builder
		var st gollm.Stats
		for tok, err := range m.Generate(context.Background(), "Once upon a time", gollm.GenerateOptions{
			Sampler: p, Grammar: g, MaxTokens: 1000, Stats: &st,
		}) {
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			sb.WriteString(tok.Text)
		}
		doc := sb.String()
		if errs := validatePet(doc); len(errs) > 0 {
			t.Errorf("seed %d: %q (stop %s): %s", seed, doc, st.StopReason, strings.Join(errs, "; "))
		}
		if seed <= 3 {
			t.Logf("seed %d: %s", seed, doc)
		}
	}
}

func TestGrammarErrorsBeforeGeneration(t *testing.T) {
	if _, err := grammar.Parse(`root ::= "a" root`); err == nil {
		t.Error("a grammar that can never end was accepted")
	}
	if _, err := grammar.CompileJSONSchema([]byte(`{"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": false, "not": {}}`), nil); err == nil {
		t.Error("an unsupported schema was accepted")
	}
}
