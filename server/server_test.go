package server

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRootAndIndex: GET and HEAD / answer like Ollama; a registered index
// page takes browsers' GET /.
func TestRootAndIndex(t *testing.T) {
	ts := newTestServer(t, nil)
	resp := ts.do(http.MethodGet, "/", nil, "Accept", "text/html")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "Ollama is running" {
		t.Errorf("GET /: %d %q", resp.StatusCode, b)
	}
	resp = ts.do(http.MethodHead, "/", nil)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("HEAD /: %d", resp.StatusCode)
	}
	var v map[string]string
	if ts.get("/api/version", &v); v["version"] != OllamaVersion {
		t.Errorf("version %v", v)
	}
	if ts.get("/health", &v); v["status"] != "ok" {
		t.Errorf("health %v", v)
	}

	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>chat</html>") })
	ts2 := newTestServer(t, func(c *Config) { c.Index = page })
	for _, c := range []struct{ accept, want string }{
		{"text/html,application/xhtml+xml", "<html>chat</html>"},
		{"*/*", "Ollama is running"},
		{"", "Ollama is running"},
	} {
		resp := ts2.do(http.MethodGet, "/", nil, "Accept", c.accept)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != c.want {
			t.Errorf("Accept %q: %q, want %q", c.accept, b, c.want)
		}
	}
}

// TestCORS: local and configured origins are allowed, others refused;
// preflights are answered.
func TestCORS(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.AllowedOrigins = []string{"https://*.example.com"} })
	for _, c := range []struct {
		origin string
		status int
	}{
		{"http://localhost:3000", 200},
		{"http://127.0.0.1", 200},
		{"https://chat.example.com", 200},
		{"chrome-extension://abcdef", 200},
		{"https://evil.test", 403},
		{"http://localhost.evil.test", 403},
	} {
		resp := ts.do(http.MethodGet, "/api/tags", nil, "Origin", c.origin)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("origin %s: %d, want %d", c.origin, resp.StatusCode, c.status)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); (c.status == 200) != (got == c.origin) {
			t.Errorf("origin %s: Access-Control-Allow-Origin %q", c.origin, got)
		}
	}
	// The server's own origin (a page it served) is allowed.
	resp := ts.do(http.MethodGet, "/api/tags", nil, "Origin", ts.url)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("own origin: %d", resp.StatusCode)
	}
	resp = ts.do(http.MethodOptions, "/v1/chat/completions", nil, "Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST")
	resp.Body.Close()
	if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestTokenizeDetokenizeTemplate: llama-server's extras against the
// llama.cpp tokens of the fixture and the ChatML format.
func TestTokenizeDetokenizeTemplate(t *testing.T) {
	ref := loadReference(t)
	ts := newTestServer(t, nil)
	var tok struct {
		Tokens []int32 `json:"tokens"`
	}
	// No model named, none loaded, no default: a 400.
	var e map[string]any
	if st := ts.post("/tokenize", map[string]any{"content": "x"}, &e); st != 400 {
		t.Errorf("no model: %d %v", st, e)
	}
	if st := ts.post("/tokenize", map[string]any{"model": "stories260K", "content": ref.Prompt, "add_special": true}, &tok); st != 200 || !equalIDs(tok.Tokens, ref.Tokens) {
		t.Errorf("tokenize: %d %v, want %v", st, tok.Tokens, ref.Tokens)
	}
	ts.post("/tokenize", map[string]any{"model": "stories260K", "content": ref.Prompt}, &tok)
	if !equalIDs(tok.Tokens, ref.Tokens[1:]) {
		t.Errorf("tokenize without BOS: %v", tok.Tokens)
	}
	var pieces struct {
		Tokens []struct {
			ID    int32  `json:"id"`
			Piece string `json:"piece"`
		} `json:"tokens"`
	}
	ts.post("/tokenize", map[string]any{"model": "stories260K", "content": "Once", "with_pieces": true}, &pieces)
	if len(pieces.Tokens) != 1 || pieces.Tokens[0].ID != ref.Tokens[1] || strings.TrimSpace(pieces.Tokens[0].Piece) != "Once" {
		t.Errorf("pieces %+v", pieces)
	}
	var detok map[string]string
	ts.post("/detokenize", map[string]any{"model": "stories260K", "tokens": ref.GreedyIDs}, &detok)
	if detok["content"] != ref.GreedyText {
		t.Errorf("detokenize %q, want %q", detok["content"], ref.GreedyText)
	}
	var tmpl map[string]string
	ts.post("/apply-template", map[string]any{"model": "stories260K", "messages": []map[string]any{
		{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}, {"role": "user", "content": "V"}}}, &tmpl)
	want := "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n<|im_start|>user\nV<|im_end|>\n<|im_start|>assistant\n"
	if tmpl["prompt"] != want {
		t.Errorf("apply-template %q, want %q", tmpl["prompt"], want)
	}
	// Once a model is loaded, it is the default for requests naming none.
	if st := ts.post("/tokenize", map[string]any{"content": "Once"}, &tok); st != 200 || len(tok.Tokens) != 1 {
		t.Errorf("default model: %d %v", st, tok)
	}
}

// promSample is one parsed sample of the Prometheus text format.
type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	promName  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	promLabel = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// parseProm parses the Prometheus text exposition format (0.0.4): HELP
// and TYPE comments, then samples "name{label="value",...} number", every
// sample's metric declared by a TYPE line before it.
func parseProm(text string) (map[string]string, []promSample, error) {
	types := map[string]string{}
	var samples []promSample
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		where := fmt.Sprintf("line %d %q", n+1, line)
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			f := strings.SplitN(rest, " ", 3)
			switch {
			case len(f) < 3 && f[0] == "TYPE":
				return nil, nil, fmt.Errorf("%s: short TYPE", where)
			case f[0] == "TYPE":
				switch f[2] {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					return nil, nil, fmt.Errorf("%s: bad type", where)
				}
				if _, dup := types[f[1]]; dup {
					return nil, nil, fmt.Errorf("%s: second TYPE", where)
				}
				types[f[1]] = f[2]
			case f[0] == "HELP" && (len(f) < 2 || !promName.MatchString(f[1])):
				return nil, nil, fmt.Errorf("%s: bad HELP", where)
			}
			continue
		}
		s := promSample{labels: map[string]string{}}
		i := strings.IndexAny(line, "{ ")
		if i < 0 {
			return nil, nil, fmt.Errorf("%s: no value", where)
		}
		s.name, line = line[:i], line[i:]
		if !promName.MatchString(s.name) {
			return nil, nil, fmt.Errorf("%s: bad name", where)
		}
		if strings.HasPrefix(line, "{") {
			line = line[1:]
			for !strings.HasPrefix(line, "}") {
				m := promLabel.FindStringSubmatch(line)
				if m == nil {
					return nil, nil, fmt.Errorf("%s: bad label", where)
				}
				v, err := strconv.Unquote(`"` + m[2] + `"`)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: label value: %v", where, err)
				}
				s.labels[m[1]] = v
				line = strings.TrimPrefix(line[len(m[0]):], ",")
			}
			line = line[1:]
		}
		f := strings.Fields(line)
		if len(f) < 1 || len(f) > 2 {
			return nil, nil, fmt.Errorf("%s: want a value and an optional timestamp", where)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", where, err)
		}
		s.value = v
		if _, ok := types[s.name]; !ok {
			return nil, nil, fmt.Errorf("%s: no TYPE for %s", where, s.name)
		}
		samples = append(samples, s)
	}
	return types, samples, nil
}

// TestParseProm checks the test's parser itself on good and bad input.
func TestParseProm(t *testing.T) {
	good := "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"q\\\"uote\",y=\"2\"} 3\n# TYPE b gauge\nb 1.5e3\n"
	_, s, err := parseProm(good)
	if err != nil || len(s) != 2 || s[0].labels["x"] != `q"uote` || s[1].value != 1500 {
		t.Errorf("good input: %v %+v", err, s)
	}
	for _, bad := range []string{"a 1\n", "# TYPE a counter\na{x=1} 2\n", "# TYPE a counter\na one\n", "# TYPE a kind\na 1\n", "# TYPE 1a counter\n1a 1\n"} {
		if _, _, err := parseProm(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestMetrics: /metrics parses as Prometheus text and counts requests,
// tokens and throughput.
func TestMetrics(t *testing.T) {
	ts := newTestServer(t, nil)
	var r map[string]any
	ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": "Once upon a time", "raw": true, "stream": false, "options": greedy(16)}, &r)
	ts.post("/api/generate", map[string]any{"model": "nope", "prompt": "x"}, &r)
	resp := ts.do(http.MethodGet, "/metrics", nil)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	types, samples, err := parseProm(string(raw))
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	get := func(name string, labels ...string) (float64, bool) {
		for _, s := range samples {
			if s.name != name {
				continue
			}
			match := true
			for i := 0; i+1 < len(labels); i += 2 {
				match = match && s.labels[labels[i]] == labels[i+1]
			}
			if match {
				return s.value, true
			}
		}
		return 0, false
	}
	checks := []struct {
		name   string
		labels []string
		typ    string
		ok     func(float64) bool
	}{
		{"gollm_requests_total", []string{"endpoint", "/api/generate", "code", "200"}, "counter", func(v float64) bool { return v == 1 }},
		{"gollm_requests_total", []string{"endpoint", "/api/generate", "code", "404"}, "counter", func(v float64) bool { return v == 1 }},
		{"gollm_prompt_tokens_total", nil, "counter", func(v float64) bool { return v == 5 }},
		{"gollm_tokens_predicted_total", nil, "counter", func(v float64) bool { return v == 16 }},
		{"gollm_prompt_tokens_per_second", nil, "gauge", func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }},
		{"gollm_predicted_tokens_per_second", nil, "gauge", func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }},
		{"gollm_requests_queued", nil, "gauge", func(v float64) bool { return v == 0 }},
		{"gollm_requests_processing", nil, "gauge", func(v float64) bool { return v == 0 }},
		{"gollm_requests_rejected_total", nil, "counter", func(v float64) bool { return v == 0 }},
		{"gollm_models_loaded", nil, "gauge", func(v float64) bool { return v == 1 }},
	}
	for _, c := range checks {
		v, ok := get(c.name, c.labels...)
		if !ok || !c.ok(v) || types[c.name] != c.typ {
			t.Errorf("%s%v = %v (present %v, type %q)", c.name, c.labels, v, ok, types[c.name])
		}
	}
}
