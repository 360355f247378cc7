package server

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// decodeBody decodes a request body the way decodeJSON does (numbers as
// json.Number).
func decodeBody(t *testing.T, body string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDRYOptions(t *testing.T) {
	var req struct {
		Options map[string]any `json:"options"`
	}
	decodeBody(t, `{"options": {"dry_multiplier": 0.8, "dry_base": 0.5, "dry_allowed_length": 3,
		"dry_penalty_last_n": -1, "dry_sequence_breakers": ["\n", "", "###"]}}`, &req)
	s := ollamaSampling()
	if err := s.applyOptions(req.Options); err != nil {
		t.Fatal(err)
	}
	if err := s.finish(); err != nil {
		t.Fatal(err)
	}
	p := s.params
	// A base below 1 falls back to the default and empty breakers are
	// skipped, as llama-server does.
	if p.DRYMultiplier != 0.8 || p.DRYBase != 1.75 || p.DRYAllowedLength != 3 || p.DRYPenaltyLastN != -1 {
		t.Errorf("DRY settings %v %v %v %v", p.DRYMultiplier, p.DRYBase, p.DRYAllowedLength, p.DRYPenaltyLastN)
	}
	if want := []string{"\n", "###"}; !slices.Equal(p.DRYSequenceBreakers, want) {
		t.Errorf("breakers %q, want %q", p.DRYSequenceBreakers, want)
	}
	// The defaults: DRY off, llama.cpp's breakers.
	if d := openAISampling().params; d.DRYMultiplier != 0 || d.DRYBase != 1.75 || d.DRYAllowedLength != 2 || d.DRYPenaltyLastN != -1 || len(d.DRYSequenceBreakers) != 4 {
		t.Errorf("default DRY settings %+v", d)
	}
}

func TestDRYRequestFields(t *testing.T) {
	type request struct {
		Model string `json:"model"`
		drySampling
	}
	tests := []struct {
		body  string
		param string // "" : accepted
		check func(t *testing.T, s sampling)
	}{
		{`{"dry_multiplier": 1.5, "dry_base": 2, "dry_allowed_length": 4, "dry_penalty_last_n": 64, "dry_sequence_breakers": ["a", "bc"]}`, "", func(t *testing.T, s sampling) {
			p := s.params
			if p.DRYMultiplier != 1.5 || p.DRYBase != 2 || p.DRYAllowedLength != 4 || p.DRYPenaltyLastN != 64 || !slices.Equal(p.DRYSequenceBreakers, []string{"a", "bc"}) {
				t.Errorf("settings %+v", p)
			}
		}},
		{`{"dry_multiplier": null}`, "", func(t *testing.T, s sampling) {
			if s.params.DRYMultiplier != 0 || len(s.params.DRYSequenceBreakers) != 4 {
				t.Errorf("null changed the settings: %+v", s.params)
			}
		}},
		{`{"dry_penalty_last_n": -2}`, "dry_penalty_last_n", nil},
		{`{"dry_allowed_length": -1}`, "dry_allowed_length", nil},
		{`{"dry_allowed_length": 1.5}`, "dry_allowed_length", nil},
		{`{"dry_multiplier": -0.5}`, "dry_multiplier", nil},
		{`{"dry_multiplier": "high"}`, "dry_multiplier", nil},
		{`{"dry_sequence_breakers": []}`, "dry_sequence_breakers", nil},
		{`{"dry_sequence_breakers": "\n"}`, "dry_sequence_breakers", nil},
		{`{"dry_sequence_breakers": [1]}`, "dry_sequence_breakers", nil},
	}
	for _, tc := range tests {
		var req request
		decodeBody(t, tc.body, &req)
		s := openAISampling()
		err := req.apply(&s)
		if tc.param == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.body, err)
				continue
			}
			tc.check(t, s)
			continue
		}
		he, ok := err.(*httpError)
		if !ok || he.param != tc.param || !strings.HasPrefix(he.msg, tc.param) {
			t.Errorf("%s: error %#v, want one about %s", tc.body, err, tc.param)
		}
	}
}

// TestGenerateDRYOption runs DRY end to end: greedy decoding of
// stories260K repeats phrases, and the DRY options change the text.
func TestGenerateDRYOption(t *testing.T) {
	ts := newTestServer(t, nil)
	gen := func(opts map[string]any) (int, map[string]any) {
		t.Helper()
		body := map[string]any{"model": "stories260K", "prompt": "Once upon a time", "raw": true, "stream": false, "options": opts}
		var out map[string]any
		return ts.post("/api/generate", body, &out), out
	}
	st, plain := gen(greedy(120))
	if st != 200 {
		t.Fatalf("status %d: %v", st, plain)
	}
	o := greedy(120)
	o["dry_multiplier"], o["dry_allowed_length"] = 2, 1
	st, dry := gen(o)
	if st != 200 {
		t.Fatalf("with DRY: status %d: %v", st, dry)
	}
	if dry["response"] == plain["response"] {
		t.Errorf("DRY changed nothing: %q", dry["response"])
	}
	o["dry_sequence_breakers"] = []string{}
	if st, out := gen(o); st != 400 || !strings.Contains(out["error"].(string), "dry_sequence_breakers") {
		t.Errorf("empty breakers: status %d %v, want 400", st, out)
	}
}

// TestOpenAIDRYFields: llama-server's dry_* fields in OpenAI request
// bodies reach the sampler, and a bad one is a 400 that names it.
func TestOpenAIDRYFields(t *testing.T) {
	ts := newTestServer(t, nil)
	complete := func(extra map[string]any) (int, map[string]any) {
		t.Helper()
		body := map[string]any{"model": "stories260K", "prompt": "Once upon a time", "temperature": 0, "max_tokens": 120}
		for k, v := range extra {
			body[k] = v
		}
		var out map[string]any
		return ts.post("/v1/completions", body, &out), out
	}
	text := func(out map[string]any) string {
		choices, _ := out["choices"].([]any)
		if len(choices) != 1 {
			t.Fatalf("choices %v", out)
		}
		s, _ := choices[0].(map[string]any)["text"].(string)
		return s
	}
	st, plain := complete(nil)
	if st != 200 {
		t.Fatalf("status %d: %v", st, plain)
	}
	st, dry := complete(map[string]any{"dry_multiplier": 2, "dry_allowed_length": 1})
	if st != 200 {
		t.Fatalf("with DRY: status %d: %v", st, dry)
	}
	if text(dry) == text(plain) {
		t.Errorf("DRY changed nothing: %q", text(dry))
	}
	st, bad := complete(map[string]any{"dry_multiplier": 1, "dry_penalty_last_n": -3})
	if msg, _ := bad["error"].(map[string]any)["message"].(string); st != 400 || !strings.Contains(msg, "dry_penalty_last_n") {
		t.Errorf("dry_penalty_last_n -3: status %d %v, want 400 naming the field", st, bad)
	}
}
