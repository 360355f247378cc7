package server

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
)

// Structured output: Ollama's "format" ("json" or a JSON Schema) and
// OpenAI's "response_format" (json_object, json_schema) both become a
// formatSpec, and Server.applyFormat is the one place that turns it into
// generation options (a grammar for gollm's constrained sampler).

// formatSpec is a request's output constraint.
type formatSpec struct {
	anyJSON bool            // any JSON value ("json", json_object)
	schema  json.RawMessage // a JSON Schema (json_schema)
}

// grammarCacheSize bounds the compiled schemas kept for reuse.
const grammarCacheSize = 64

var anyJSON = sync.OnceValue(grammar.AnyJSON)

// applyFormat compiles a request's format to a grammar (cached by schema
// text; a Grammar is safe for concurrent use) and hands it to the
// grammar-constrained sampler. A schema that does not compile is a 400.
func (s *Server) applyFormat(f *formatSpec, opts *gollm.GenerateOptions) error {
	if f == nil {
		return nil
	}
	if f.anyJSON {
		opts.Grammar = anyJSON()
		return nil
	}
	key := string(f.schema)
	s.mu.Lock()
	g, ok := s.grammars[key]
	s.mu.Unlock()
	if !ok {
		var err error
		if g, err = grammar.CompileJSONSchema(f.schema, nil); err != nil {
			return badParam("format", "invalid JSON schema: %v", err)
		}
		s.mu.Lock()
		if len(s.grammars) >= grammarCacheSize {
			for k := range s.grammars { // drop one at random
				delete(s.grammars, k)
				break
			}
		}
		s.grammars[key] = g
		s.mu.Unlock()
	}
	opts.Grammar = g
	return nil
}

// ollamaFormat parses Ollama's format field: absent, "", "json" or a JSON
// Schema object.
func ollamaFormat(raw json.RawMessage) (*formatSpec, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badParam("format", "invalid format: %v", err)
		}
		if s == "json" {
			return &formatSpec{anyJSON: true}, nil
		}
		return nil, badParam("format", `invalid format %q: want "json" or a JSON schema object`, s)
	case '{':
		return &formatSpec{schema: raw}, nil
	}
	return nil, badParam("format", `invalid format: want "json" or a JSON schema object`)
}

// openAIResponseFormat parses OpenAI's response_format.
func openAIResponseFormat(rf *oaiResponseFormat) (*formatSpec, error) {
	if rf == nil {
		return nil, nil
	}
	switch rf.Type {
	case "", "text":
		return nil, nil
	case "json_object":
		if len(rf.Schema) > 0 { // llama-server accepts a schema here too
			return &formatSpec{schema: rf.Schema}, nil
		}
		return &formatSpec{anyJSON: true}, nil
	case "json_schema":
		if rf.JSONSchema == nil || len(bytes.TrimSpace(rf.JSONSchema.Schema)) == 0 {
			return nil, badParam("response_format", "response_format json_schema needs json_schema.schema")
		}
		return &formatSpec{schema: rf.JSONSchema.Schema}, nil
	}
	return nil, badParam("response_format", "unknown response_format type %q (want text, json_object or json_schema)", rf.Type)
}
