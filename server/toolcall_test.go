package server

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
)

// scripted is a sequence that "generates" fixed pieces of text, standing
// in for a model trained to call tools or think (stories260K does
// neither).
type scripted struct {
	mu     sync.Mutex
	pieces []string
	prompt []int32 // the last prompt it was given
}

func (s *scripted) set(pieces ...string) {
	s.mu.Lock()
	s.pieces = pieces
	s.mu.Unlock()
}

func (s *scripted) GenerateTokens(ctx context.Context, prompt []int32, opts gollm.GenerateOptions) iter.Seq2[gollm.Token, error] {
	return func(yield func(gollm.Token, error) bool) {
		s.mu.Lock()
		pieces := s.pieces
		s.prompt = append(s.prompt[:0], prompt...)
		s.mu.Unlock()
		for _, p := range pieces {
			tok := gollm.Token{ID: 1, Text: p}
			if p == "[TOOL_CALLS]" {
				tok = gollm.Token{ID: controlID} // a control token renders as nothing
			}
			if !yield(tok, nil) {
				return
			}
		}
		if opts.Stats != nil {
			*opts.Stats = gollm.Stats{PromptTokens: len(prompt), PromptEvaluated: len(prompt), GeneratedTokens: len(pieces), StopReason: "eos"}
		}
	}
}

func (s *scripted) Embed(ctx context.Context, text string, pool gollm.Pooling) ([]float32, error) {
	return nil, errors.New("scripted: no embeddings")
}

// scriptedServer serves stories260K under the given chat templates
// (testdata/<name>.jinja, each as model <name>) with every slot's
// generation replaced by script.
func scriptedServer(t *testing.T, names ...string) (*testServer, *scripted) {
	t.Helper()
	models := t.TempDir()
	for _, name := range names {
		src, err := os.ReadFile(filepath.Join("testdata", name+".jinja"))
		if err != nil {
			t.Fatal(err)
		}
		writeStories(t, filepath.Join(models, name+".gguf"), string(src))
	}
	ts := newTestServer(t, func(c *Config) { c.Store.ModelsDir = models })
	script := &scripted{}
	for _, name := range names {
		// An empty conversation loads the model; then its slots get the script.
		var out map[string]any
		if st := ts.post("/api/chat", map[string]any{"model": name, "messages": []any{}}, &out); st != 200 {
			t.Fatalf("loading %s: %d %v", name, st, out)
		}
	}
	ts.s.mu.Lock()
	for _, r := range ts.s.runners {
		<-r.ready
		r.slots.mu.Lock()
		for _, sl := range r.slots.free {
			sl.seq = script
		}
		r.slots.mu.Unlock()
	}
	ts.s.mu.Unlock()
	return ts, script
}

// controlID is the stories260K token the tests turn into the control
// token "[TOOL_CALLS]", as it is in Mistral's vocabularies.
const controlID = 500

// writeStories writes stories260K with a chat template, a context of 2048
// tokens (tool descriptions make prompts longer than its 128) and token
// controlID made the control token "[TOOL_CALLS]".
func writeStories(t *testing.T, path, tmpl string) {
	t.Helper()
	f, err := gguf.Parse(embedded.Stories260K)
	if err != nil {
		t.Fatal(err)
	}
	var kv []gguf.KV
	for _, e := range f.KV {
		switch e.Key {
		case "llama.context_length":
			continue
		case "tokenizer.ggml.tokens":
			texts := append([]string(nil), e.Value.V.(gguf.Array).Values.([]string)...)
			texts[controlID] = "[TOOL_CALLS]"
			e.Value = gguf.Strings(texts)
		case "tokenizer.ggml.token_type":
			types := append([]int32(nil), e.Value.V.(gguf.Array).Values.([]int32)...)
			types[controlID] = 3 // control
			e.Value = gguf.Int32s(types)
		}
		kv = append(kv, e)
	}
	kv = append(kv, gguf.KV{Key: "llama.context_length", Value: gguf.Uint32(2048)}, gguf.KV{Key: "tokenizer.chat_template", Value: gguf.String(tmpl)})
	ti := append([]gguf.TensorInfo(nil), f.Tensors...)
	var data [][]byte
	for i := range ti {
		data = append(data, f.TensorData(&ti[i]))
	}
	if err := gguf.WriteFile(path, kv, ti, data); err != nil {
		t.Fatal(err)
	}
}

var weatherToolJSON = []map[string]any{{
	"type": "function",
	"function": map[string]any{
		"name": "get_weather", "description": "Get the current weather in a city",
		"parameters": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}},
	},
}}

// A Qwen3 reply that thinks, then calls get_weather, as token pieces.
var qwen3CallPieces = []string{"<think>", "\n", "The user", " wants", " Paris", " weather", ".\n", "</think>", "\n\n",
	"<tool_call>", "\n", `{"name": "get_weather", "arguments": {"city": "`, "Paris", `"}}`, "\n", "</tool_call>"}

func chatBody(model string, stream bool, extra map[string]any) map[string]any {
	b := map[string]any{"model": model, "stream": stream, "messages": []map[string]string{{"role": "user", "content": "Weather in Paris?"}}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// TestOllamaChatToolCalls: /api/chat returns message.tool_calls with
// object arguments and message.thinking, in one answer and streamed (the
// call in the chunk where it completed, as Ollama sends it).
func TestOllamaChatToolCalls(t *testing.T) {
	ts, script := scriptedServer(t, "qwen3")
	script.set(qwen3CallPieces...)
	wantCalls := []any{map[string]any{"function": map[string]any{"index": 0.0, "name": "get_weather", "arguments": map[string]any{"city": "Paris"}}}}

	var out map[string]any
	if st := ts.post("/api/chat", chatBody("qwen3", false, map[string]any{"tools": weatherToolJSON, "think": true}), &out); st != 200 {
		t.Fatalf("status %d: %v", st, out)
	}
	msg := out["message"].(map[string]any)
	if msg["content"] != "" || msg["thinking"] != "The user wants Paris weather." || !reflect.DeepEqual(msg["tool_calls"], wantCalls) || out["done_reason"] != "stop" {
		t.Errorf("message %v", out)
	}

	resp := ts.do("POST", "/api/chat", chatBody("qwen3", true, map[string]any{"tools": weatherToolJSON, "think": true}))
	lines := readNDJSON(t, resp.Body)
	resp.Body.Close()
	var content, thinking strings.Builder
	var calls []any
	callChunk := -1
	for i, l := range lines {
		m := l["message"].(map[string]any)
		content.WriteString(m["content"].(string))
		if s, ok := m["thinking"].(string); ok {
			thinking.WriteString(s)
		}
		if tc, ok := m["tool_calls"].([]any); ok {
			calls = append(calls, tc...)
			callChunk = i
		}
	}
	last := lines[len(lines)-1]
	if content.String() != "" || thinking.String() != "The user wants Paris weather." || !reflect.DeepEqual(calls, wantCalls) {
		t.Errorf("streamed content %q thinking %q calls %v", content.String(), thinking.String(), calls)
	}
	if last["done"] != true || callChunk != len(lines)-2 {
		t.Errorf("call in chunk %d of %d; last %v", callChunk, len(lines), last)
	}
	if len(lines) < 5 {
		t.Errorf("thinking was not streamed: %d chunks", len(lines))
	}
}

// TestOllamaThinkOff: with think false a thinking block the model writes
// anyway is dropped; without tools a call stays text.
func TestOllamaThinkOff(t *testing.T) {
	ts, script := scriptedServer(t, "qwen3")
	script.set("<think>\nhmm\n</think>\n\n", "It is ", "sunny.")
	var out map[string]any
	ts.post("/api/chat", chatBody("qwen3", false, map[string]any{"think": false}), &out)
	msg := out["message"].(map[string]any)
	if msg["content"] != "It is sunny." || msg["thinking"] != nil {
		t.Errorf("think false: %v", msg)
	}
	out = nil
	ts.post("/api/chat", chatBody("qwen3", false, nil), &out)
	if msg := out["message"].(map[string]any); msg["content"] != "It is sunny." || msg["thinking"] != "hmm" {
		t.Errorf("think unset: %v", msg)
	}
	script.set(qwen3CallPieces...)
	out = nil
	ts.post("/api/chat", chatBody("qwen3", false, nil), &out)
	if msg := out["message"].(map[string]any); msg["tool_calls"] != nil || !strings.HasPrefix(msg["content"].(string), "<tool_call>\n{") {
		t.Errorf("no tools: %v", msg)
	}
	// /api/generate splits thinking too.
	script.set("<think>\nhmm\n</think>\n\n", "Four.")
	out = nil
	ts.post("/api/generate", map[string]any{"model": "qwen3", "prompt": "2+2?", "stream": false, "think": true}, &out)
	if out["response"] != "Four." || out["thinking"] != "hmm" {
		t.Errorf("generate: %v", out)
	}
	out = nil
	ts.post("/api/generate", map[string]any{"model": "qwen3", "prompt": "2+2?", "stream": false, "raw": true}, &out)
	if out["response"] != "<think>\nhmm\n</think>\n\nFour." || out["thinking"] != nil {
		t.Errorf("generate raw: %v", out)
	}
}

// TestOpenAIToolCalls: /v1/chat/completions returns OpenAI's tool_calls
// (JSON-text arguments, finish_reason tool_calls) and llama-server's
// reasoning_content, whole and streamed.
func TestOpenAIToolCalls(t *testing.T) {
	ts, script := scriptedServer(t, "qwen3")
	script.set(qwen3CallPieces...)
	var out struct {
		Choices []struct {
			Message struct {
				Role             string  `json:"role"`
				Content          *string `json:"content"`
				ReasoningContent string  `json:"reasoning_content"`
				ToolCalls        []struct {
					ID       string `json:"id"`
					Type     string `json:"type"`
					Function struct {
						Name      string `json:"name"`
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if st := ts.post("/v1/chat/completions", chatBody("qwen3", false, map[string]any{"tools": weatherToolJSON}), &out); st != 200 {
		t.Fatalf("status %d", st)
	}
	c := out.Choices[0]
	if c.FinishReason != "tool_calls" || c.Message.Content != nil || c.Message.ReasoningContent != "The user wants Paris weather." || len(c.Message.ToolCalls) != 1 {
		t.Fatalf("choice %+v", c)
	}
	tc := c.Message.ToolCalls[0]
	if !strings.HasPrefix(tc.ID, "call_") || tc.Type != "function" || tc.Function.Name != "get_weather" || tc.Function.Arguments != `{"city":"Paris"}` {
		t.Errorf("tool call %+v", tc)
	}

	resp := ts.do("POST", "/v1/chat/completions", chatBody("qwen3", true, map[string]any{"tools": weatherToolJSON}))
	chunks := readSSE(t, resp.Body)
	resp.Body.Close()
	var reasoning strings.Builder
	var deltas []any
	var finish any
	for _, ch := range chunks {
		choice := ch["choices"].([]any)[0].(map[string]any)
		d := choice["delta"].(map[string]any)
		if s, ok := d["reasoning_content"].(string); ok {
			reasoning.WriteString(s)
		}
		if s, ok := d["content"].(string); ok && s != "" {
			t.Errorf("content delta %q", s)
		}
		if tcs, ok := d["tool_calls"].([]any); ok {
			deltas = append(deltas, tcs...)
		}
		finish = choice["finish_reason"]
	}
	if reasoning.String() != "The user wants Paris weather." || finish != "tool_calls" || len(deltas) != 1 {
		t.Fatalf("stream: reasoning %q finish %v tool deltas %v", reasoning.String(), finish, deltas)
	}
	d := deltas[0].(map[string]any)
	fn := d["function"].(map[string]any)
	if d["index"] != 0.0 || d["type"] != "function" || !strings.HasPrefix(d["id"].(string), "call_") || fn["name"] != "get_weather" || fn["arguments"] != `{"city":"Paris"}` {
		t.Errorf("tool call delta %v", d)
	}

	// tool_choice "none" and reasoning_format "none" leave the text as it is.
	var raw map[string]any
	ts.post("/v1/chat/completions", chatBody("qwen3", false, map[string]any{"tools": weatherToolJSON, "tool_choice": "none", "reasoning_format": "none"}), &raw)
	msg := raw["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	if msg["content"] != strings.Join(qwen3CallPieces, "") || msg["tool_calls"] != nil || msg["reasoning_content"] != nil {
		t.Errorf("tool_choice none: %v", msg)
	}
}

// TestForcedOpenThinking: the DeepSeek R1 distill template opens <think>
// in the prompt, so the reply starts inside the thinking.
func TestForcedOpenThinking(t *testing.T) {
	ts, script := scriptedServer(t, "deepseek-r1-distill")
	script.set("Okay", ", 2+2", " is 4.", "\n</think>", "\n\n", "The answer", " is 4.")
	var raw map[string]any
	ts.post("/v1/chat/completions", chatBody("deepseek-r1-distill", false, nil), &raw)
	msg := raw["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	if msg["content"] != "The answer is 4." || msg["reasoning_content"] != "Okay, 2+2 is 4." {
		t.Errorf("message %v", msg)
	}
	var at map[string]string
	ts.post("/apply-template", chatBody("deepseek-r1-distill", false, nil), &at)
	if !strings.HasSuffix(at["prompt"], "<think>\n") {
		t.Errorf("prompt %q does not open thinking", at["prompt"])
	}
}

// TestControlTokenMarker: Mistral's [TOOL_CALLS] is a control token,
// which detokenizes to nothing; with tools offered the server renders it
// for the parser (llama-server's preserved tokens), without it stays out.
func TestControlTokenMarker(t *testing.T) {
	ts, script := scriptedServer(t, "mistral-nemo")
	script.set("[TOOL_CALLS]", `[{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123xyz"}]`)
	var raw map[string]any
	ts.post("/v1/chat/completions", chatBody("mistral-nemo", false, map[string]any{"tools": weatherToolJSON}), &raw)
	choice := raw["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	want := []any{map[string]any{"id": "abc123xyz", "type": "function", "function": map[string]any{"name": "get_weather", "arguments": `{"city":"Paris"}`}}}
	if !reflect.DeepEqual(msg["tool_calls"], want) || msg["content"] != nil || choice["finish_reason"] != "tool_calls" {
		t.Errorf("with tools: %v", choice)
	}
	raw = nil
	ts.post("/v1/chat/completions", chatBody("mistral-nemo", false, nil), &raw)
	msg = raw["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	if msg["content"] != `[{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123xyz"}]` || msg["tool_calls"] != nil {
		t.Errorf("without tools: %v", msg)
	}
}

// TestToolConversationRenders: assistant tool calls and tool results
// reach the template from both APIs (arguments as OpenAI's JSON text or
// Ollama's object), in Qwen3's and Mistral Nemo's forms.
func TestToolConversationRenders(t *testing.T) {
	ts, script := scriptedServer(t, "qwen3", "mistral-nemo")
	script.set("It is 18 °C in Paris.")
	oaiMsgs := []map[string]any{
		{"role": "user", "content": "Weather in Paris?"},
		{"role": "assistant", "content": nil, "tool_calls": []map[string]any{{"id": "abc123xyz", "type": "function",
			"function": map[string]any{"name": "get_weather", "arguments": `{"city": "Paris"}`}}}},
		{"role": "tool", "tool_call_id": "abc123xyz", "content": `{"temp_c": 18}`},
	}
	var at map[string]string
	ts.post("/apply-template", map[string]any{"model": "qwen3", "messages": oaiMsgs, "tools": weatherToolJSON}, &at)
	for _, want := range []string{
		"<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
		"<|im_start|>user\n<tool_response>\n{\"temp_c\": 18}\n</tool_response><|im_end|>",
		"\"name\": \"get_weather\"", // the tool's description in the system turn
	} {
		if !strings.Contains(at["prompt"], want) {
			t.Errorf("qwen3 prompt lacks %q:\n%s", want, at["prompt"])
		}
	}
	ts.post("/apply-template", map[string]any{"model": "mistral-nemo", "messages": oaiMsgs, "tools": weatherToolJSON}, &at)
	if want := `[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123xyz"}]`; !strings.Contains(at["prompt"], want) {
		t.Errorf("mistral prompt lacks %q:\n%s", want, at["prompt"])
	}

	// Ollama's form: arguments as an object (or JSON text), tool_name.
	for _, args := range []any{map[string]any{"city": "Paris"}, `{"city": "Paris"}`} {
		var out map[string]any
		st := ts.post("/api/chat", map[string]any{"model": "qwen3", "stream": false, "tools": weatherToolJSON, "messages": []map[string]any{
			{"role": "user", "content": "Weather in Paris?"},
			{"role": "assistant", "content": "", "tool_calls": []map[string]any{{"function": map[string]any{"name": "get_weather", "arguments": args}}}},
			{"role": "tool", "tool_name": "get_weather", "content": `{"temp_c": 18}`},
		}}, &out)
		if st != 200 || out["message"].(map[string]any)["content"] != "It is 18 °C in Paris." {
			t.Fatalf("ollama tool conversation: %d %v", st, out)
		}
		ts.post("/api/chat", map[string]any{"model": "qwen3", "stream": false, "messages": []map[string]any{
			{"role": "user", "content": "Weather in Paris?"},
			{"role": "assistant", "content": "", "tool_calls": []map[string]any{{"function": map[string]any{"name": "get_weather", "arguments": args}}}},
		}}, &out)
	}
	var e map[string]any
	if st := ts.post("/api/chat", map[string]any{"model": "qwen3", "messages": []map[string]any{
		{"role": "assistant", "tool_calls": []map[string]any{{"function": map[string]any{"name": "f", "arguments": "[1]"}}}},
	}}, &e); st != 400 {
		t.Errorf("array arguments: %d %v", st, e)
	}
}

// TestPromptTokensReachScript checks the fixture itself: the scripted
// sequence gets the rendered prompt's tokens.
func TestPromptTokensReachScript(t *testing.T) {
	ts, script := scriptedServer(t, "qwen3")
	script.set("ok")
	var out map[string]any
	ts.post("/api/chat", chatBody("qwen3", false, nil), &out)
	var tok struct {
		Tokens []int32 `json:"tokens"`
	}
	var at map[string]string
	ts.post("/apply-template", chatBody("qwen3", false, nil), &at)
	ts.post("/tokenize", map[string]any{"model": "qwen3", "content": at["prompt"], "add_special": true}, &tok)
	script.mu.Lock()
	defer script.mu.Unlock()
	if !equalIDs(script.prompt, tok.Tokens) || len(tok.Tokens) == 0 {
		t.Errorf("script got %d tokens, template gives %d", len(script.prompt), len(tok.Tokens))
	}
	if b, _ := json.Marshal(out); !strings.Contains(string(b), `"content":"ok"`) {
		t.Errorf("reply %s", b)
	}
}

// TestShowCapabilities: /api/show advertises tools and thinking as Ollama
// does, from what the model's chat template renders.
func TestShowCapabilities(t *testing.T) {
	ts, _ := scriptedServer(t, "qwen3", "mistral-nemo")
	for _, tc := range []struct {
		model string
		want  []string
	}{
		{"qwen3", []string{"completion", "tools", "thinking"}},
		{"mistral-nemo", []string{"completion", "tools"}},
		{"stories260K", []string{"completion"}},
	} {
		var show ShowResponse
		if st := ts.post("/api/show", map[string]string{"model": tc.model}, &show); st != 200 {
			t.Fatalf("%s: status %d", tc.model, st)
		}
		if !reflect.DeepEqual(show.Capabilities, tc.want) {
			t.Errorf("%s: capabilities %v, want %v", tc.model, show.Capabilities, tc.want)
		}
	}
}
