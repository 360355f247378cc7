package server

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// TestOllamaContextShift: Ollama's endpoints shift a full context and go
// on (num_keep prompt tokens kept), num_predict -2 fills the context and
// stops, and the OpenAI endpoint stops at a full context as llama-server
// does by default.
func TestOllamaContextShift(t *testing.T) {
	ts := newTestServer(t, nil)
	gen := func(opts map[string]any) (int, map[string]any) {
		t.Helper()
		body := map[string]any{"model": "stories260K", "prompt": "Once upon a time", "raw": true, "stream": false, "options": opts}
		var out map[string]any
		return ts.post("/api/generate", body, &out), out
	}
	for _, tc := range []struct {
		name      string
		predict   int
		keep      any
		wantCount int // 0: fewer than the context
	}{
		{"shift past the context", 150, nil, 150},
		{"num_keep 0", 100, 0, 100},
		{"num_keep -1 (whole prompt)", 100, -1, 100},
		{"fill the context", -2, nil, 0},
	} {
		o := greedy(tc.predict)
		o["num_ctx"] = 64
		if tc.keep != nil {
			o["num_keep"] = tc.keep
		}
		st, out := gen(o)
		if st != 200 {
			t.Fatalf("%s: status %d: %v", tc.name, st, out)
		}
		count, _ := out["eval_count"].(float64)
		prompt, _ := out["prompt_eval_count"].(float64)
		switch {
		case tc.wantCount > 0 && int(count) != tc.wantCount:
			t.Errorf("%s: eval_count %v, want %d", tc.name, count, tc.wantCount)
		// The last token needs no cache slot: prompt + generated ≤ 65.
		case tc.wantCount == 0 && (count < 1 || int(count+prompt) != 65):
			t.Errorf("%s: eval_count %v after a prompt of %v, want the rest of a 64-token context", tc.name, count, prompt)
		}
		if out["done_reason"] != "length" {
			t.Errorf("%s: done_reason %v, want length", tc.name, out["done_reason"])
		}
		if resp, _ := out["response"].(string); len(strings.Fields(resp)) < 10 {
			t.Errorf("%s: response %q", tc.name, resp)
		}
	}
	o := greedy(10)
	o["num_keep"] = -2
	if st, out := gen(o); st != 400 || !strings.Contains(out["error"].(string), "num_keep") {
		t.Errorf("num_keep -2: status %d %v, want 400 naming num_keep", st, out)
	}
}

// TestOpenAIStopsAtFullContext: without llama-server's --context-shift, a
// completion that reaches the end of the context stops with "length".
func TestOpenAIStopsAtFullContext(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.ContextSize = 64 })
	var out map[string]any
	body := map[string]any{"model": "stories260K", "prompt": "Once upon a time", "temperature": 0, "max_tokens": 150}
	if st := ts.post("/v1/completions", body, &out); st != 200 {
		t.Fatalf("status %d: %v", st, out)
	}
	usage, _ := out["usage"].(map[string]any)
	if n, _ := usage["total_tokens"].(float64); n != 65 { // the last token needs no cache slot
		t.Errorf("usage %v: want at most the 64-token context", usage)
	}
	if fr := out["choices"].([]any)[0].(map[string]any)["finish_reason"]; fr != "length" {
		t.Errorf("finish_reason %v, want length", fr)
	}
}

// TestOllamaEndlessGeneration: num_predict -1 (Ollama's default) goes on
// through several full contexts until the client leaves, which frees the
// slot for the next request.
func TestOllamaEndlessGeneration(t *testing.T) {
	ts := newTestServer(t, nil)
	o := greedy(-1)
	o["num_ctx"] = 32
	resp := ts.do(http.MethodPost, "/api/generate", map[string]any{"model": "stories260K", "prompt": "Once upon a time", "raw": true, "options": o})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	chunks := 0
	for chunks < 200 && sc.Scan() {
		if strings.Contains(sc.Text(), `"done":true`) {
			t.Fatalf("generation ended after %d chunks: %s", chunks, sc.Text())
		}
		chunks++
	}
	resp.Body.Close() // the client leaves after 200 chunks, six contexts' worth
	if chunks < 200 {
		t.Fatalf("stream ended after %d chunks: %v", chunks, sc.Err())
	}
	var out map[string]any
	if st := ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": "Once", "raw": true, "stream": false, "options": greedy(8)}, &out); st != 200 || out["eval_count"] != 8.0 {
		t.Errorf("next request: status %d %v", st, out)
	}
}

// TestOpenAIContextShift: with Config.ContextShift (serve --context-shift)
// the OpenAI endpoints shift a full context and go on; n_keep is checked.
func TestOpenAIContextShift(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.ContextSize, c.ContextShift = 64, true })
	var out map[string]any
	body := map[string]any{"model": "stories260K", "prompt": "Once upon a time", "temperature": 0, "max_tokens": 150, "n_keep": 2}
	if st := ts.post("/v1/completions", body, &out); st != 200 {
		t.Fatalf("status %d: %v", st, out)
	}
	usage, _ := out["usage"].(map[string]any)
	if n, _ := usage["completion_tokens"].(float64); n != 150 {
		t.Errorf("usage %v: want 150 completion tokens past the 64-token context", usage)
	}
	body["n_keep"] = -2
	if st := ts.post("/v1/completions", body, &out); st != 400 {
		t.Errorf("n_keep -2: status %d %v, want 400", st, out)
	}
}
