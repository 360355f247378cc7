package server

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"net/http"
	"strings"
	"testing"
)

// TestOpenAICompletionGreedy: /v1/completions at temperature 0 (OpenAI
// defaults: no penalties) gives llama.cpp's greedy text, streamed or not,
// with usage.
func TestOpenAICompletionGreedy(t *testing.T) {
	ref := loadReference(t)
	ts := newTestServer(t, nil)
	var out struct {
		Object  string `json:"object"`
		Choices []struct {
			Text         string `json:"text"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage oaiUsage `json:"usage"`
	}
	if st := ts.post("/v1/completions", map[string]any{"model": "stories260K", "prompt": ref.Prompt, "temperature": 0, "max_tokens": 64}, &out); st != 200 {
		t.Fatalf("status %d", st)
	}
	if out.Object != "text_completion" || len(out.Choices) != 1 || out.Choices[0].Text != ref.GreedyText || out.Choices[0].FinishReason != "length" {
		t.Errorf("completion %+v", out)
	}
	if out.Usage != (oaiUsage{PromptTokens: 5, CompletionTokens: 64, TotalTokens: 69}) {
		t.Errorf("usage %+v", out.Usage)
	}
	// Token ids as the prompt, and echo.
	ts.post("/v1/completions", map[string]any{"model": "stories260K", "prompt": ref.Tokens, "temperature": 0, "max_tokens": 64, "echo": true}, &out)
	if want := ref.Prompt + ref.GreedyText; out.Choices[0].Text != want && out.Choices[0].Text != " "+want {
		t.Errorf("echo with token prompt: %q", out.Choices[0].Text)
	}
	resp := ts.do(http.MethodPost, "/v1/completions", map[string]any{"model": "stories260K", "prompt": []string{ref.Prompt}, "temperature": 0, "max_tokens": 64, "stream": true, "stream_options": map[string]any{"include_usage": true}})
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	chunks := readSSE(t, resp.Body)
	var text strings.Builder
	var finish any
	for _, c := range chunks[:len(chunks)-1] {
		ch := c["choices"].([]any)[0].(map[string]any)
		text.WriteString(ch["text"].(string))
		if ch["finish_reason"] != nil {
			finish = ch["finish_reason"]
		}
	}
	if text.String() != ref.GreedyText || finish != "length" {
		t.Errorf("streamed %q, finish %v", text.String(), finish)
	}
	last := chunks[len(chunks)-1]
	if u, _ := last["usage"].(map[string]any); u == nil || u["completion_tokens"] != float64(64) || len(last["choices"].([]any)) != 0 {
		t.Errorf("usage chunk %v", last)
	}
}

// TestOpenAIChat: /v1/chat/completions streamed and not give the same
// reply as /api/chat for the same conversation, with content given as a
// string or as text parts; stop strings and the usage chunk work.
func TestOpenAIChat(t *testing.T) {
	ts := newTestServer(t, nil)
	var ollama map[string]any
	ts.post("/api/chat", map[string]any{"model": "stories260K", "stream": false, "options": greedy(30),
		"messages": []map[string]any{{"role": "user", "content": "Lily\nBen"}}}, &ollama)
	want := ollama["message"].(map[string]any)["content"].(string)
	if want == "" {
		t.Fatal("empty reference reply")
	}
	body := map[string]any{"model": "stories260K", "temperature": 0, "max_completion_tokens": 30,
		"messages": []map[string]any{{"role": "user", "content": []map[string]string{{"type": "text", "text": "Lily"}, {"type": "text", "text": "Ben"}}}}}
	var out struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Model   string `json:"model"`
		Choices []struct {
			Message struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage oaiUsage `json:"usage"`
	}
	if st := ts.post("/v1/chat/completions", body, &out); st != 200 {
		t.Fatalf("status %d", st)
	}
	if !strings.HasPrefix(out.ID, "chatcmpl-") || out.Object != "chat.completion" || out.Model != "stories260K" ||
		out.Choices[0].Message.Role != "assistant" || out.Choices[0].Message.Content != want {
		t.Errorf("chat %+v, want content %q", out, want)
	}
	if out.Usage.CompletionTokens != 30 || out.Usage.TotalTokens != out.Usage.PromptTokens+30 {
		t.Errorf("usage %+v", out.Usage)
	}

	body["stream"] = true
	body["stream_options"] = map[string]any{"include_usage": true}
	resp := ts.do(http.MethodPost, "/v1/chat/completions", body)
	defer resp.Body.Close()
	chunks := readSSE(t, resp.Body)
	var text strings.Builder
	ids := map[any]bool{}
	for i, c := range chunks {
		ids[c["id"]] = true
		if c["object"] != "chat.completion.chunk" {
			t.Errorf("chunk %d object %v", i, c["object"])
		}
		chs := c["choices"].([]any)
		if len(chs) == 0 {
			if i != len(chunks)-1 || c["usage"] == nil {
				t.Errorf("chunk %d without choices: %v", i, c)
			}
			continue
		}
		d := chs[0].(map[string]any)["delta"].(map[string]any)
		if i == 0 && d["role"] != "assistant" {
			t.Errorf("first delta %v", d)
		}
		if s, ok := d["content"].(string); ok {
			text.WriteString(s)
		}
	}
	if len(ids) != 1 || text.String() != want {
		t.Errorf("streamed %q (ids %v), want %q", text.String(), ids, want)
	}

	// A stop string cuts the reply before it.
	if i := strings.Index(want, " "); i > 0 {
		body["stream"] = false
		body["stop"] = want[i : i+2]
		ts.post("/v1/chat/completions", body, &out)
		if got := out.Choices[0].Message.Content; !strings.HasPrefix(want, got) || len(got) >= len(want) || out.Choices[0].FinishReason != "stop" {
			t.Errorf("stop %q: %q (%s)", want[i:i+2], got, out.Choices[0].FinishReason)
		}
	}
}

// TestOpenAIDefaultModel: a request without a model uses the configured
// default.
func TestOpenAIDefaultModel(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.DefaultModel = "stories260K" })
	var out map[string]any
	if st := ts.post("/v1/chat/completions", map[string]any{"messages": []map[string]any{{"role": "user", "content": "Hi"}}, "max_tokens": 2}, &out); st != 200 || out["model"] != "stories260K" {
		t.Errorf("status %d: %v", st, out)
	}
}

// TestOpenAIEmbeddingsAndModels: /v1/embeddings equals /api/embed, in
// float and base64; /v1/models lists the models.
func TestOpenAIEmbeddingsAndModels(t *testing.T) {
	ts := newTestServer(t, nil)
	var ollama struct {
		Embeddings [][]float32 `json:"embeddings"`
	}
	ts.post("/api/embed", map[string]any{"model": "stories260K", "input": []string{"Lily", "Ben"}}, &ollama)
	var out struct {
		Object string `json:"object"`
		Data   []struct {
			Object    string    `json:"object"`
			Embedding []float32 `json:"embedding"`
			Index     int       `json:"index"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if st := ts.post("/v1/embeddings", map[string]any{"model": "stories260K", "input": []string{"Lily", "Ben"}}, &out); st != 200 {
		t.Fatalf("status %d", st)
	}
	if out.Object != "list" || len(out.Data) != 2 || out.Usage.PromptTokens < 4 {
		t.Fatalf("embeddings %+v", out)
	}
	for i, d := range out.Data {
		if d.Index != i || d.Object != "embedding" || !closeVec(d.Embedding, ollama.Embeddings[i]) {
			t.Errorf("embedding %d differs from /api/embed", i)
		}
	}
	var b64 struct {
		Data []struct {
			Embedding string `json:"embedding"`
		} `json:"data"`
	}
	ts.post("/v1/embeddings", map[string]any{"model": "stories260K", "input": "Lily", "encoding_format": "base64"}, &b64)
	raw, err := base64.StdEncoding.DecodeString(b64.Data[0].Embedding)
	if err != nil || len(raw) != 4*64 {
		t.Fatalf("base64 embedding: %v, %d bytes", err, len(raw))
	}
	v := make([]float32, 64)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	if !closeVec(v, ollama.Embeddings[0]) {
		t.Error("base64 embedding differs")
	}

	var models struct {
		Object string     `json:"object"`
		Data   []oaiModel `json:"data"`
	}
	ts.get("/v1/models", &models)
	if models.Object != "list" || len(models.Data) != 1 || models.Data[0].ID != "stories260K" || models.Data[0].Object != "model" {
		t.Errorf("models %+v", models)
	}
	var one oaiModel
	if st := ts.get("/v1/models/stories260K", &one); st != 200 || one.ID != "stories260K" {
		t.Errorf("model: %d %+v", st, one)
	}
	if st := ts.get("/v1/models/nope", nil); st != 404 {
		t.Errorf("unknown model: %d", st)
	}
}
