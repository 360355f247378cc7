package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
)

// Structured output: Ollama's "format" ("json" or a JSON Schema) and
// OpenAI's "response_format" (json_object, json_schema) both become a
// formatSpec, and applyFormat is the one place that turns it into
// generation options.

// formatSpec is a request's output constraint.
type formatSpec struct {
	anyJSON bool            // any JSON value ("json", json_object)
	schema  json.RawMessage // a JSON Schema (json_schema)
}

// structuredOutputEnabled switches grammar-constrained generation on. It
// is off until gollm.GenerateOptions gains its grammar hook; then set it,
// and fill in the hook in applyFormat.
const structuredOutputEnabled = false

// applyFormat validates a format and sets up constrained generation for
// it. While structured output is not wired into the sampler, a request
// with a format gets a clear 400 rather than unconstrained text.
func applyFormat(f *formatSpec, opts *gollm.GenerateOptions) error {
	if f == nil {
		return nil
	}
	var g *grammar.Grammar
	if f.anyJSON {
		g = grammar.AnyJSON()
	} else {
		var err error
		if g, err = grammar.CompileJSONSchema(f.schema, nil); err != nil {
			return badParam("format", "invalid JSON schema: %v", err)
		}
	}
	if !structuredOutputEnabled {
		return &httpError{
			status: http.StatusBadRequest, param: "format", code: "unsupported_parameter",
			msg: "structured output (format / response_format) is not supported yet: grammar-constrained sampling is not wired into gollm's sampler",
		}
	}
	_ = g // opts.Grammar = g, once the hook exists
	_ = opts
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
