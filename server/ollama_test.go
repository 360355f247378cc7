package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/server/store"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestGenerateGreedyMatchesLlamaCpp: /api/generate, raw, greedy, streamed
// and not, reproduces llama.cpp's 64 greedy tokens and reports Ollama's
// final fields.
func TestGenerateGreedyMatchesLlamaCpp(t *testing.T) {
	ref := loadReference(t)
	ts := newTestServer(t, nil)
	for _, stream := range []bool{true, false} {
		body := map[string]any{"model": "stories260K", "prompt": ref.Prompt, "raw": true, "stream": stream, "options": greedy(64)}
		resp := ts.do(http.MethodPost, "/api/generate", body)
		if resp.StatusCode != 200 {
			t.Fatalf("stream=%v: status %d", stream, resp.StatusCode)
		}
		lines := readNDJSON(t, resp.Body)
		resp.Body.Close()
		if want := "application/x-ndjson"; stream && resp.Header.Get("Content-Type") != want {
			t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), want)
		}
		var text strings.Builder
		for i, l := range lines {
			text.WriteString(l["response"].(string))
			if done := l["done"].(bool); done != (i == len(lines)-1) {
				t.Fatalf("line %d: done=%v", i, done)
			}
			if l["model"] != "stories260K" {
				t.Errorf("model %v", l["model"])
			}
			if _, err := time.Parse(time.RFC3339Nano, l["created_at"].(string)); err != nil {
				t.Errorf("created_at: %v", err)
			}
		}
		if stream && len(lines) < 10 {
			t.Errorf("streamed only %d lines", len(lines))
		}
		if !stream && len(lines) != 1 {
			t.Errorf("non-streaming answer has %d lines", len(lines))
		}
		if text.String() != ref.GreedyText {
			t.Errorf("stream=%v: text\n%q\nwant\n%q", stream, text.String(), ref.GreedyText)
		}
		final := lines[len(lines)-1]
		if final["done_reason"] != "length" || final["eval_count"].(float64) != 64 || final["prompt_eval_count"].(float64) != 5 {
			t.Errorf("final %v", final)
		}
		for _, k := range []string{"total_duration", "prompt_eval_duration", "eval_duration"} {
			if v, _ := final[k].(float64); v <= 0 {
				t.Errorf("%s = %v", k, final[k])
			}
		}
		var ctxIDs []int32
		for _, v := range final["context"].([]any) {
			ctxIDs = append(ctxIDs, int32(v.(float64)))
		}
		want := append(append([]int32{}, ref.Tokens...), ref.GreedyIDs...)
		if !equalIDs(ctxIDs, want) {
			t.Errorf("context %v, want %v", ctxIDs, want)
		}
	}
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGenerateContinuesFromContext: the context of one answer, sent back
// with an empty prompt, continues the text as one long greedy run does.
func TestGenerateContinuesFromContext(t *testing.T) {
	ref := loadReference(t)
	ts := newTestServer(t, nil)
	var first, second map[string]any
	ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": ref.Prompt, "raw": true, "stream": false, "options": greedy(20)}, &first)
	ts.post("/api/generate", map[string]any{"model": "stories260K", "context": first["context"], "raw": true, "stream": false, "options": greedy(20)}, &second)
	got := first["response"].(string) + second["response"].(string)
	if !strings.HasPrefix(ref.GreedyText, got) || len(got) < 60 {
		t.Errorf("continued text %q is not a prefix of the greedy text", got)
	}
}

// TestGenerateOptions covers stop strings, num_predict 0, -1 and -2, the
// seed, and the system prompt without a template.
func TestGenerateOptions(t *testing.T) {
	ref := loadReference(t)
	ts := newTestServer(t, nil)
	gen := func(opts map[string]any, extra ...any) map[string]any {
		t.Helper()
		body := map[string]any{"model": "stories260K", "prompt": ref.Prompt, "raw": true, "stream": false, "options": opts}
		for i := 0; i+1 < len(extra); i += 2 {
			body[extra[i].(string)] = extra[i+1]
		}
		var out map[string]any
		if st := ts.post("/api/generate", body, &out); st != 200 {
			t.Fatalf("status %d: %v", st, out)
		}
		return out
	}
	o := greedy(64)
	o["stop"] = []string{"Lily"}
	if got := gen(o); got["response"] != ", there was a little girl named " || got["done_reason"] != "stop" {
		t.Errorf("stop: %v", got)
	}
	if got := gen(greedy(0)); got["response"] != "" || got["done_reason"] != "length" {
		t.Errorf("num_predict 0: %v", got)
	}
	// -1 goes on past a full context (Ollama shifts it; see
	// TestOllamaEndlessGeneration), -2 stops there.
	for _, n := range []int{-2} {
		got := gen(greedy(n))
		if !strings.HasPrefix(got["response"].(string), ref.GreedyText) && !strings.HasPrefix(ref.GreedyText, got["response"].(string)) {
			t.Errorf("num_predict %d: %q", n, got["response"])
		}
		if got["done_reason"] != "stop" && got["done_reason"] != "length" {
			t.Errorf("num_predict %d: done_reason %v", n, got["done_reason"])
		}
	}
	sampled := map[string]any{"temperature": 1, "seed": 42, "num_predict": 30}
	a, b := gen(sampled), gen(sampled)
	if a["response"] != b["response"] {
		t.Errorf("same seed, different text: %q vs %q", a["response"], b["response"])
	}
	// No template: the system text goes in front of the prompt.
	withSys := gen(greedy(10), "raw", false, "system", "Once upon a time", "prompt", "there was")
	plain := gen(greedy(10), "prompt", "Once upon a time\n\nthere was")
	if withSys["response"] != plain["response"] {
		t.Errorf("system: %q vs %q", withSys["response"], plain["response"])
	}
}

// TestChatMatchesEngine: /api/chat streams the reply gollm's Chat gives
// for the same conversation (stories260K has no template: ChatML).
func TestChatMatchesEngine(t *testing.T) {
	m, err := gollm.LoadBytes(embedded.Name, embedded.Stories260K, gollm.WithThreads(1), gollm.WithContextSize(128))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	msgs := []gollm.Message{{Role: "system", Content: "Tell a story."}, {Role: "user", Content: "Lily and Ben"}}
	var want strings.Builder
	for tok, err := range m.Chat(context.Background(), msgs, gollm.ChatOptions{GenerateOptions: gollm.GenerateOptions{MaxTokens: 40}}) {
		if err != nil {
			t.Fatal(err)
		}
		want.WriteString(tok.Text)
	}

	ts := newTestServer(t, nil)
	resp := ts.do(http.MethodPost, "/api/chat", map[string]any{
		"model": "stories260K", "options": greedy(40),
		"messages": []map[string]string{{"role": "system", "content": "Tell a story."}, {"role": "user", "content": "Lily and Ben"}},
	})
	defer resp.Body.Close()
	lines := readNDJSON(t, resp.Body)
	var got strings.Builder
	for _, l := range lines {
		msg := l["message"].(map[string]any)
		if msg["role"] != "assistant" {
			t.Errorf("role %v", msg["role"])
		}
		got.WriteString(msg["content"].(string))
	}
	if got.String() != want.String() {
		t.Errorf("chat reply %q, engine %q", got.String(), want.String())
	}
	if last := lines[len(lines)-1]; last["done"] != true || last["eval_count"].(float64) < 1 {
		t.Errorf("final line %v", last)
	}
}

// TestOllamaStoreServesChat: a model in a fake Ollama store (manifest and
// blobs built here) resolves by its short name, brings its params and
// system layers, is listed by /api/tags and serves /api/chat and
// /api/generate.
func TestOllamaStoreServesChat(t *testing.T) {
	ref := loadReference(t)
	dir := t.TempDir()
	fakeOllamaStore(t, dir, "tiny", map[string]string{
		store.MediaTypeParams:   `{"stop":["Lily"],"temperature":0,"repeat_penalty":1}`,
		store.MediaTypeSystem:   "You tell stories.",
		store.MediaTypeTemplate: "{{ .Prompt }}",
	})
	ts := newTestServer(t, func(c *Config) { c.Store.OllamaDir = dir })

	var gen map[string]any
	if st := ts.post("/api/generate", map[string]any{"model": "tiny", "prompt": ref.Prompt, "raw": true, "stream": false}, &gen); st != 200 {
		t.Fatalf("generate: %d %v", st, gen)
	}
	if gen["response"] != ", there was a little girl named " || gen["done_reason"] != "stop" {
		t.Errorf("params layer not applied: %v", gen)
	}
	// The request's options override the params layer.
	ts.post("/api/generate", map[string]any{"model": "tiny:latest", "prompt": ref.Prompt, "raw": true, "stream": false, "options": map[string]any{"stop": []string{}, "num_predict": 64}}, &gen)
	if gen["response"] != ref.GreedyText {
		t.Errorf("options over params: %q", gen["response"])
	}

	var chatResp map[string]any
	if st := ts.post("/api/chat", map[string]any{"model": "tiny", "stream": false, "messages": []map[string]string{{"role": "user", "content": "Hi"}}, "options": map[string]any{"num_predict": 8, "stop": []string{}}}, &chatResp); st != 200 {
		t.Fatalf("chat: %d %v", st, chatResp)
	}
	msg := chatResp["message"].(map[string]any)
	if msg["role"] != "assistant" || msg["content"] == "" || chatResp["done"] != true {
		t.Errorf("chat answer %v", chatResp)
	}
	// The system layer is the default system message.
	var tmpl map[string]string
	ts.post("/apply-template", map[string]any{"model": "tiny", "messages": []map[string]string{{"role": "user", "content": "Hi"}}}, &tmpl)
	if want := "<|im_start|>system\nYou tell stories.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"; tmpl["prompt"] != want {
		t.Errorf("prompt %q, want %q", tmpl["prompt"], want)
	}

	var tags ListResponse
	ts.get("/api/tags", &tags)
	var names []string
	for _, m := range tags.Models {
		names = append(names, m.Name)
		if m.Name == "tiny:latest" && (m.Size != int64(len(embedded.Stories260K)) || m.Details.Family != "llama" || len(m.Digest) != 64) {
			t.Errorf("tags entry %+v", m)
		}
	}
	if strings.Join(names, ",") != "stories260K,tiny:latest" {
		t.Errorf("tags %v", names)
	}
	var show ShowResponse
	ts.post("/api/show", map[string]string{"model": "tiny"}, &show)
	if show.System != "You tell stories." || show.Template != "{{ .Prompt }}" || !strings.Contains(show.Parameters, `stop                           "Lily"`) {
		t.Errorf("show %+v", show)
	}
}

// TestShow checks /api/show against the model's metadata.
func TestShow(t *testing.T) {
	ts := newTestServer(t, nil)
	var show ShowResponse
	if st := ts.post("/api/show", map[string]string{"name": "stories260K"}, &show); st != 200 {
		t.Fatalf("status %d", st)
	}
	d := show.Details
	if d.Format != "gguf" || d.Family != "llama" || d.ParameterSize != "292.8K" || d.QuantizationLevel != "F32" {
		t.Errorf("details %+v", d)
	}
	mi := show.ModelInfo
	if mi["llama.context_length"] != float64(128) || mi["general.architecture"] != "llama" || mi["general.parameter_count"] != float64(292800) {
		t.Errorf("model_info %v", mi)
	}
	if v, ok := mi["tokenizer.ggml.tokens"]; !ok || v != nil {
		t.Errorf("vocabulary not left out: %v", v)
	}
	if len(show.Capabilities) != 1 || show.Capabilities[0] != "completion" || show.Template != "{{ .Prompt }}" {
		t.Errorf("capabilities %v template %q", show.Capabilities, show.Template)
	}
	ts.post("/api/show", map[string]any{"model": "stories260K", "verbose": true}, &show)
	if toks, _ := show.ModelInfo["tokenizer.ggml.tokens"].([]any); len(toks) != 512 {
		t.Errorf("verbose: %d tokens", len(toks))
	}
}

// TestEmbed: /api/embed and the legacy /api/embeddings give unit vectors
// of the model's width, equal to the engine's.
func TestEmbed(t *testing.T) {
	m, err := gollm.LoadBytes(embedded.Name, embedded.Stories260K, gollm.WithThreads(1), gollm.WithContextSize(128))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want, err := m.Embed(context.Background(), "Lily", gollm.PoolMean)
	if err != nil {
		t.Fatal(err)
	}
	wantLast, _ := m.Embed(context.Background(), "Lily", gollm.PoolLast)

	ts := newTestServer(t, nil)
	var out struct {
		Model           string      `json:"model"`
		Embeddings      [][]float32 `json:"embeddings"`
		PromptEvalCount int         `json:"prompt_eval_count"`
	}
	if st := ts.post("/api/embed", map[string]any{"model": "stories260K", "input": []string{"Lily", "Ben"}}, &out); st != 200 {
		t.Fatalf("status %d", st)
	}
	if len(out.Embeddings) != 2 || len(out.Embeddings[0]) != 64 || out.PromptEvalCount < 4 {
		t.Fatalf("embed answer %+v", out)
	}
	for _, v := range out.Embeddings {
		var ss float64
		for _, x := range v {
			ss += float64(x) * float64(x)
		}
		if math.Abs(ss-1) > 1e-4 {
			t.Errorf("norm² %v", ss)
		}
	}
	if !closeVec(out.Embeddings[0], want) {
		t.Errorf("embedding differs from the engine's")
	}
	ts.post("/api/embed", map[string]any{"model": "stories260K", "input": "Lily", "pooling": "last"}, &out)
	if !closeVec(out.Embeddings[0], wantLast) {
		t.Errorf("last pooling differs from the engine's")
	}
	var legacy struct {
		Embedding []float32 `json:"embedding"`
	}
	ts.post("/api/embeddings", map[string]any{"model": "stories260K", "prompt": "Lily"}, &legacy)
	if !closeVec(legacy.Embedding, want) {
		t.Errorf("legacy embedding differs")
	}
	// Too long without truncation is a 400; with it (the default) the input is cut.
	long := strings.Repeat("Lily and Ben went to the park. ", 40)
	var e map[string]any
	if st := ts.post("/api/embed", map[string]any{"model": "stories260K", "input": long, "truncate": false}, &e); st != 400 {
		t.Errorf("long input, no truncate: %d %v", st, e)
	}
	if st := ts.post("/api/embed", map[string]any{"model": "stories260K", "input": long}, &out); st != 200 || len(out.Embeddings) != 1 {
		t.Errorf("long input, truncate: %d", st)
	}
}

func closeVec(a, b []float32) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5 {
			return false
		}
	}
	return true
}

// TestLoadUnloadAndPS: an empty prompt loads, keep_alive 0 unloads, /api/ps
// shows what is loaded with its context and expiry, and the keep-alive
// countdown unloads idle models.
func TestLoadUnloadAndPS(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.KeepAlive = time.Hour })
	ps := func() []ProcessModel {
		var out ProcessResponse
		ts.get("/api/ps", &out)
		return out.Models
	}
	if len(ps()) != 0 {
		t.Fatal("models loaded at start")
	}
	var r map[string]any
	ts.post("/api/generate", map[string]any{"model": "stories260K"}, &r)
	if r["done_reason"] != "load" || r["done"] != true {
		t.Errorf("load answer %v", r)
	}
	models := ps()
	if len(models) != 1 || models[0].Name != "stories260K" || models[0].ContextLength != 128 || models[0].Slots != 1 {
		t.Fatalf("ps %+v", models)
	}
	if until := time.Until(models[0].ExpiresAt); until < 50*time.Minute || until > time.Hour {
		t.Errorf("expires in %v, want about an hour", until)
	}
	// A request's num_ctx gets its own runner.
	ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": "Hi", "stream": false, "options": map[string]any{"num_ctx": 64, "num_predict": 1}}, &r)
	if n := len(ps()); n != 2 {
		t.Errorf("%d models after num_ctx 64, want 2", n)
	}
	ts.post("/api/chat", map[string]any{"model": "stories260K", "messages": []any{}, "keep_alive": 0}, &r)
	if r["done_reason"] != "unload" {
		t.Errorf("unload answer %v", r)
	}
	if n := len(ps()); n != 0 {
		t.Errorf("%d models after unload", n)
	}
	// keep_alive as a duration string: unloaded after it passes.
	ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": "Hi", "stream": false, "keep_alive": "50ms", "options": map[string]any{"num_predict": 1}}, &r)
	waitFor(t, "the idle model to unload", 5*time.Second, func() bool { return len(ps()) == 0 })
	// keep_alive 0 with a prompt: unloaded right after the answer.
	ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": "Hi", "stream": false, "keep_alive": 0, "options": map[string]any{"num_predict": 1}}, &r)
	if n := len(ps()); n != 0 {
		t.Errorf("%d models after keep_alive 0", n)
	}
}

// TestMaxLoadedEvicts: with MaxLoaded 1, loading a second model unloads
// the idle first one.
func TestMaxLoadedEvicts(t *testing.T) {
	dir := t.TempDir()
	fakeOllamaStore(t, dir, "tiny", nil)
	ts := newTestServer(t, func(c *Config) { c.Store.OllamaDir = dir; c.MaxLoaded = 1 })
	var r map[string]any
	for _, name := range []string{"stories260K", "tiny"} {
		ts.post("/api/generate", map[string]any{"model": name}, &r)
	}
	var out ProcessResponse
	ts.get("/api/ps", &out)
	if len(out.Models) != 1 || out.Models[0].Name != "tiny:latest" {
		t.Errorf("ps %+v", out.Models)
	}
}

// TestLoadDoesNotBlockOtherModels: while one model's load is held up,
// another model serves requests.
func TestLoadDoesNotBlockOtherModels(t *testing.T) {
	dir := t.TempDir()
	fakeOllamaStore(t, dir, "slow", nil)
	release := make(chan struct{})
	ts := newTestServer(t, func(c *Config) { c.Store.OllamaDir = dir })
	ts.s.loadHook = func(name string) {
		if name == "slow:latest" {
			<-release
		}
	}
	slowDone := make(chan int, 1)
	go func() {
		resp := ts.do(http.MethodPost, "/api/generate", map[string]any{"model": "slow", "prompt": "Hi", "stream": false, "options": map[string]any{"num_predict": 2}})
		resp.Body.Close()
		slowDone <- resp.StatusCode
	}()
	waitFor(t, "the slow load to start", 5*time.Second, func() bool {
		ts.s.mu.Lock()
		defer ts.s.mu.Unlock()
		return len(ts.s.runners) == 1
	})
	var r map[string]any
	if st := ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": "Hi", "stream": false, "options": map[string]any{"num_predict": 2}}, &r); st != 200 {
		t.Errorf("other model: status %d", st)
	}
	select {
	case <-slowDone:
		t.Fatal("the slow request finished before its load was released")
	default:
	}
	close(release)
	if st := <-slowDone; st != 200 {
		t.Errorf("slow model: status %d", st)
	}
}

// TestThinkingAndTools: think and tools reach the template (ChatML
// renders no tools, so the prompt is unchanged but accepted).
func TestThinkingAndTools(t *testing.T) {
	ts := newTestServer(t, nil)
	var r map[string]any
	body := map[string]any{
		"model": "stories260K", "stream": false, "think": false, "options": greedy(4),
		"messages": []map[string]any{{"role": "user", "content": "Hi"}},
		"tools":    []map[string]any{{"type": "function", "function": map[string]any{"name": "f", "parameters": map[string]any{"type": "object"}}}},
	}
	if st := ts.post("/api/chat", body, &r); st != 200 {
		t.Errorf("status %d: %v", st, r)
	}
	body["think"] = "sometimes"
	if st := ts.post("/api/chat", body, &r); st != 400 {
		t.Errorf("bad think: status %d", st)
	}
}

// personSchema bounds every value, so a greedy run completes the object.
const personSchema = `{"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":99}},"required":["name","age"],"additionalProperties":false}`

// checkPerson parses text as personSchema's object and checks it against
// the schema by hand.
func checkPerson(t *testing.T, text string) {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		t.Fatalf("output %q is not a JSON object: %v", text, err)
	}
	var name string
	var age float64
	if len(obj) != 2 || json.Unmarshal(obj["name"], &name) != nil || json.Unmarshal(obj["age"], &age) != nil {
		t.Fatalf("output %q does not have exactly a string name and a number age", text)
	}
	if n := len([]rune(name)); n > 12 || age != math.Trunc(age) || age < 0 || age > 99 {
		t.Errorf("output %q breaks the schema", text)
	}
}

// TestStructuredOutput: format "json" and a JSON schema (Ollama) and
// response_format json_object / json_schema (OpenAI) constrain the output.
func TestStructuredOutput(t *testing.T) {
	ts := newTestServer(t, nil)
	var r map[string]any
	if st := ts.post("/api/generate", map[string]any{"model": "stories260K", "prompt": "Once upon a time", "stream": false, "format": "json", "options": greedy(100)}, &r); st != 200 {
		t.Fatalf("format json: %d %v", st, r)
	}
	if s := r["response"].(string); !json.Valid([]byte(s)) || r["done_reason"] != "stop" {
		t.Errorf("format json: %q (%v) is not complete JSON", s, r["done_reason"])
	}
	ts.post("/api/chat", map[string]any{"model": "stories260K", "stream": false, "format": json.RawMessage(personSchema), "options": greedy(100),
		"messages": []map[string]string{{"role": "user", "content": "Who is Lily?"}}}, &r)
	checkPerson(t, r["message"].(map[string]any)["content"].(string))

	var out struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	body := map[string]any{"model": "stories260K", "temperature": 0, "max_tokens": 100, "messages": []map[string]string{{"role": "user", "content": "Who is Ben?"}},
		"response_format": map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": "person", "strict": true, "schema": json.RawMessage(personSchema)}}}
	if st := ts.post("/v1/chat/completions", body, &out); st != 200 {
		t.Fatalf("json_schema: %d", st)
	}
	checkPerson(t, out.Choices[0].Message.Content)
	body["response_format"] = map[string]any{"type": "json_object"}
	ts.post("/v1/chat/completions", body, &out)
	if s := out.Choices[0].Message.Content; !json.Valid([]byte(s)) {
		t.Errorf("json_object: %q is not JSON", s)
	}
}

// storiesWithTemplate writes stories260K with a chat template added to its
// metadata and returns the file's directory (as a models dir) .
func storiesWithTemplate(t *testing.T, name, tmpl string) string {
	t.Helper()
	f, err := gguf.Parse(embedded.Stories260K)
	if err != nil {
		t.Fatal(err)
	}
	kv := append(append([]gguf.KV(nil), f.KV...), gguf.KV{Key: "tokenizer.chat_template", Value: gguf.String(tmpl)})
	ti := append([]gguf.TensorInfo(nil), f.Tensors...)
	var data [][]byte
	for i := range ti {
		data = append(data, f.TensorData(&ti[i]))
	}
	dir := t.TempDir()
	if err := gguf.WriteFile(filepath.Join(dir, name+".gguf"), kv, ti, data); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestChatTemplates: a model's own template renders /api/chat, /api/generate
// (not raw) and /apply-template; a template that fails is a 400; an Ollama
// model whose file has no template gets the built-in format its Ollama
// template is recognized as.
func TestChatTemplates(t *testing.T) {
	const tmpl = `{% for m in messages %}[{{ m.role }}]{{ m.content }}
{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}`
	models := storiesWithTemplate(t, "tagged", tmpl)
	bad := storiesWithTemplate(t, "broken", `{{ raise_exception("no chat here") }}`)
	if err := os.Rename(filepath.Join(bad, "broken.gguf"), filepath.Join(models, "broken.gguf")); err != nil {
		t.Fatal(err)
	}
	ollamaDir := t.TempDir()
	fakeOllamaStore(t, ollamaDir, "llama3ish", map[string]string{
		store.MediaTypeTemplate: "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n",
	})
	ts := newTestServer(t, func(c *Config) { c.Store.ModelsDir = models; c.Store.OllamaDir = ollamaDir })

	var at map[string]string
	ts.post("/apply-template", map[string]any{"model": "tagged", "messages": []map[string]string{{"role": "system", "content": "S"}, {"role": "user", "content": "P"}}}, &at)
	want := "[system]S\n[user]P\n[assistant]"
	if at["prompt"] != want {
		t.Fatalf("apply-template %q, want %q", at["prompt"], want)
	}
	// /api/generate with a system and a prompt renders them as a
	// conversation: the same as sending the rendered text raw.
	var viaTemplate, viaRaw map[string]any
	ts.post("/api/generate", map[string]any{"model": "tagged", "system": "S", "prompt": "P", "stream": false, "options": greedy(20)}, &viaTemplate)
	ts.post("/api/generate", map[string]any{"model": "tagged", "prompt": want, "raw": true, "stream": false, "options": greedy(20)}, &viaRaw)
	if viaTemplate["response"] != viaRaw["response"] || viaTemplate["prompt_eval_count"] != viaRaw["prompt_eval_count"] {
		t.Errorf("templated %v, raw %v", viaTemplate, viaRaw)
	}
	var chatResp map[string]any
	ts.post("/api/chat", map[string]any{"model": "tagged", "stream": false, "options": greedy(20), "messages": []map[string]string{{"role": "system", "content": "S"}, {"role": "user", "content": "P"}}}, &chatResp)
	if chatResp["message"].(map[string]any)["content"] != viaRaw["response"] {
		t.Errorf("chat %v, raw %v", chatResp, viaRaw)
	}
	var show ShowResponse
	ts.post("/api/show", map[string]string{"model": "tagged"}, &show)
	if show.Template != tmpl {
		t.Errorf("show template %q", show.Template)
	}

	var e map[string]any
	if st := ts.post("/api/chat", map[string]any{"model": "broken", "messages": []map[string]string{{"role": "user", "content": "P"}}}, &e); st != 400 || !strings.Contains(e["error"].(string), "no chat here") {
		t.Errorf("failing template: %d %v", st, e)
	}

	ts.post("/apply-template", map[string]any{"model": "llama3ish", "messages": []map[string]string{{"role": "user", "content": "Hi"}}}, &at)
	if want := "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"; at["prompt"] != want {
		t.Errorf("detected llama3 format: %q, want %q", at["prompt"], want)
	}
}
