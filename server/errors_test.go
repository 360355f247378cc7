package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBadRequests: malformed or unsupported input gets a 4xx with an
// error body in the shape of the API called, and nothing panics.
func TestBadRequests(t *testing.T) {
	long := strings.Repeat("Once upon a time ", 60) // > 128 tokens
	msgs := func(content any) []map[string]any { return []map[string]any{{"role": "user", "content": content}} }
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		param  string // OpenAI only: the error's param
	}{
		// Ollama.
		{"bad json", "/api/generate", `{"model":`, 400, ""},
		{"not an object", "/api/chat", `[1,2]`, 400, ""},
		{"empty body", "/api/generate", ``, 400, ""},
		{"two values", "/api/generate", `{"model":"stories260K"} {}`, 400, ""},
		{"wrong field type", "/api/generate", `{"model":"stories260K","prompt":5}`, 400, ""},
		{"no model", "/api/generate", map[string]any{"prompt": "x"}, 400, ""},
		{"unknown model", "/api/generate", map[string]any{"model": "no-such-model", "prompt": "x"}, 404, ""},
		{"unknown model chat", "/api/chat", map[string]any{"model": "llama9:70b", "messages": msgs("x")}, 404, ""},
		{"traversal", "/api/generate", map[string]any{"model": "../../etc/passwd", "prompt": "x"}, 400, ""},
		{"traversal gguf", "/api/chat", map[string]any{"model": "../x.gguf", "messages": msgs("x")}, 400, ""},
		{"over-long prompt", "/api/generate", map[string]any{"model": "stories260K", "prompt": long, "raw": true}, 400, ""},
		{"over-long chat", "/api/chat", map[string]any{"model": "stories260K", "messages": msgs(long)}, 400, ""},
		{"num_ctx 0", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"num_ctx": 0}}, 400, ""},
		{"num_ctx negative", "/api/chat", map[string]any{"model": "stories260K", "messages": msgs("x"), "options": map[string]any{"num_ctx": -5}}, 400, ""},
		{"num_ctx fraction", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"num_ctx": 1.5}}, 400, ""},
		{"num_predict -3", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"num_predict": -3}}, 400, ""},
		{"temperature string", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"temperature": "hot"}}, 400, ""},
		{"temperature negative", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"temperature": -1}}, 400, ""},
		{"top_p above 1", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"top_p": 1.5}}, 400, ""},
		{"top_k negative", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"top_k": -1}}, 400, ""},
		{"repeat_penalty 0", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"repeat_penalty": 0}}, 400, ""},
		{"mirostat 3", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"mirostat": 3}}, 400, ""},
		{"stop not strings", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "options": map[string]any{"stop": []any{1}}}, 400, ""},
		{"format bad schema", "/api/chat", map[string]any{"model": "stories260K", "messages": msgs("x"), "format": map[string]any{"type": 7}}, 400, ""},
		{"format number", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "format": 5}, 400, ""},
		{"oai bad schema", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "response_format": map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": "x", "schema": map[string]any{"type": "nothing"}}}}, 400, "response_format"},
		{"format xml", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "format": "xml"}, 400, ""},
		{"keep_alive bad", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "keep_alive": "soon"}, 400, ""},
		{"images", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "images": []string{"aGk="}}, 400, ""},
		{"chat images", "/api/chat", map[string]any{"model": "stories260K", "messages": []map[string]any{{"role": "user", "content": "x", "images": []string{"aGk="}}}}, 400, ""},
		{"no role", "/api/chat", map[string]any{"model": "stories260K", "messages": []map[string]any{{"content": "x"}}}, 400, ""},
		{"template field", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "template": "{{ .Prompt }}"}, 400, ""},
		{"suffix", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "suffix": "y"}, 400, ""},
		{"context out of vocab", "/api/generate", map[string]any{"model": "stories260K", "prompt": "x", "context": []int{1, 99999}}, 400, ""},
		{"embed bad input", "/api/embed", map[string]any{"model": "stories260K", "input": 5}, 400, ""},
		{"embed bad pooling", "/api/embed", map[string]any{"model": "stories260K", "input": "x", "pooling": "max"}, 400, ""},
		{"show unknown", "/api/show", map[string]any{"model": "nope"}, 404, ""},
		{"show no model", "/api/show", map[string]any{}, 400, ""},
		// OpenAI.
		{"oai bad json", "/v1/chat/completions", `{"model":"stories260K","messages":[`, 400, ""},
		{"oai unknown model", "/v1/chat/completions", map[string]any{"model": "gpt-9", "messages": msgs("x")}, 404, "model"},
		{"oai no messages", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": []any{}}, 400, "messages"},
		{"oai image part", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs([]map[string]any{{"type": "image_url", "image_url": map[string]string{"url": "x"}}})}, 400, "messages"},
		{"oai bad content", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs(5)}, 400, "messages"},
		{"oai over-long", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs(long)}, 400, "messages"},
		{"oai max_tokens 0", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "max_tokens": 0}, 400, "max_tokens"},
		{"oai max_tokens -2", "/v1/completions", map[string]any{"model": "stories260K", "prompt": "x", "max_tokens": -2}, 400, "max_tokens"},
		{"oai n 2", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "n": 2}, 400, "n"},
		{"oai logprobs", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "logprobs": true}, 400, "logprobs"},
		{"oai temperature", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "temperature": -0.5}, 400, "temperature"},
		{"oai stop type", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "stop": 5}, 400, "stop"},
		{"oai logit_bias", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "logit_bias": map[string]float64{"100000": 1}}, 400, "logit_bias"},
		{"oai json_schema empty", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "response_format": map[string]any{"type": "json_schema"}}, 400, "response_format"},
		{"oai format type", "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": msgs("x"), "response_format": map[string]any{"type": "yaml"}}, 400, "response_format"},
		{"oai completion no prompt", "/v1/completions", map[string]any{"model": "stories260K"}, 400, "prompt"},
		{"oai completion two prompts", "/v1/completions", map[string]any{"model": "stories260K", "prompt": []string{"a", "b"}}, 400, "prompt"},
		{"oai completion suffix", "/v1/completions", map[string]any{"model": "stories260K", "prompt": "a", "suffix": "b"}, 400, "suffix"},
		{"oai completion bad tokens", "/v1/completions", map[string]any{"model": "stories260K", "prompt": []int{1, 5000}}, 400, "prompt"},
		{"oai embeddings no input", "/v1/embeddings", map[string]any{"model": "stories260K"}, 400, "input"},
		{"oai embeddings token input", "/v1/embeddings", map[string]any{"model": "stories260K", "input": []int{1, 2}}, 400, "input"},
		{"oai embeddings format", "/v1/embeddings", map[string]any{"model": "stories260K", "input": "x", "encoding_format": "hex"}, 400, "encoding_format"},
		{"oai embeddings dims", "/v1/embeddings", map[string]any{"model": "stories260K", "input": "x", "dimensions": 32}, 400, "dimensions"},
		{"oai embeddings too long", "/v1/embeddings", map[string]any{"model": "stories260K", "input": long}, 400, "input"},
		// llama-server extras.
		{"tokenize bad json", "/tokenize", `{"content":`, 400, ""},
		{"detokenize out of vocab", "/detokenize", map[string]any{"model": "stories260K", "tokens": []int{-1}}, 400, "tokens"},
		{"apply-template no messages", "/apply-template", map[string]any{"model": "stories260K"}, 400, "messages"},
		{"tokenize unknown model", "/tokenize", map[string]any{"model": "nope", "content": "x"}, 404, "model"},
	}
	ts := newTestServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.do(http.MethodPost, tt.path, tt.body)
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("body %q: %v", raw, err)
			}
			if strings.HasPrefix(tt.path, "/api/") {
				var msg string
				if err := json.Unmarshal(body["error"], &msg); err != nil || msg == "" || len(body) != 1 {
					t.Errorf("not an Ollama error body: %s", raw)
				}
				return
			}
			var e struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Param   *string `json:"param"`
			}
			if err := json.Unmarshal(body["error"], &e); err != nil || e.Message == "" || e.Type == "" {
				t.Fatalf("not an OpenAI error body: %s", raw)
			}
			if tt.param != "" && (e.Param == nil || *e.Param != tt.param) {
				t.Errorf("param %v, want %q (%s)", e.Param, tt.param, raw)
			}
		})
	}
}

// TestMethodAndPath: wrong methods and unknown paths are refused by the
// router, not served.
func TestMethodAndPath(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/api/generate", 405},
		{http.MethodPost, "/api/tags", 405},
		{http.MethodGet, "/api/nothing", 404},
		{http.MethodDelete, "/v1/models", 405},
	} {
		resp := ts.do(c.method, c.path, nil)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
}

// TestAPIKey: with an API key set, requests without the bearer token get
// 401 in their API's shape; / and /health stay open.
func TestAPIKey(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.APIKey = "s3cret" })
	asset := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "asset") })
	ts.s.HandlePublic("GET /static/", asset)
	ts.s.Handle("GET /private/", asset)
	cases := []struct {
		method, path string
		body         any
		hdr          []string
		status       int
	}{
		{http.MethodGet, "/api/tags", nil, nil, 401},
		{http.MethodGet, "/api/tags", nil, []string{"Authorization", "Bearer wrong"}, 401},
		{http.MethodGet, "/api/tags", nil, []string{"Authorization", "s3cret"}, 401},
		{http.MethodGet, "/api/tags", nil, []string{"Authorization", "Bearer s3cret"}, 200},
		{http.MethodPost, "/api/generate", map[string]any{"model": "stories260K", "prompt": "x"}, nil, 401},
		{http.MethodGet, "/v1/models", nil, nil, 401},
		{http.MethodGet, "/v1/models", nil, []string{"Authorization", "Bearer s3cret"}, 200},
		{http.MethodPost, "/v1/chat/completions", map[string]any{"model": "stories260K", "messages": []any{}}, nil, 401},
		{http.MethodGet, "/metrics", nil, nil, 401},
		{http.MethodPost, "/tokenize", map[string]any{"content": "x"}, nil, 401},
		{http.MethodGet, "/", nil, nil, 200},
		{http.MethodHead, "/", nil, nil, 200},
		{http.MethodGet, "/health", nil, nil, 200},
		{http.MethodGet, "/static/app.js", nil, nil, 200},
		{http.MethodGet, "/private/x", nil, nil, 401},
		{http.MethodGet, "/private/x", nil, []string{"Authorization", "Bearer s3cret"}, 200},
	}
	for _, c := range cases {
		resp := ts.do(c.method, c.path, c.body, c.hdr...)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s %v: %d, want %d", c.method, c.path, c.hdr, resp.StatusCode, c.status)
			continue
		}
		if c.status != 401 {
			continue
		}
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", c.path)
		}
		var body map[string]any
		json.Unmarshal(raw, &body)
		if strings.HasPrefix(c.path, "/api/") {
			if _, ok := body["error"].(string); !ok {
				t.Errorf("%s: Ollama 401 body %s", c.path, raw)
			}
		} else if e, ok := body["error"].(map[string]any); !ok || e["type"] != "authentication_error" {
			t.Errorf("%s: OpenAI 401 body %s", c.path, raw)
		}
	}
}
