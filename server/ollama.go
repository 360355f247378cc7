package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/chat"
	"github.com/gollm/gollm/chat/toolcall"
	"github.com/gollm/gollm/server/store"
)

// The Ollama API: field names, defaults and streaming (NDJSON, stream
// defaulting to true) as Ollama has them.

type ollamaGenerateRequest struct {
	Model     string          `json:"model"`
	Prompt    string          `json:"prompt"`
	Suffix    string          `json:"suffix"`
	System    *string         `json:"system"`
	Template  string          `json:"template"`
	Context   []int32         `json:"context"`
	Stream    *bool           `json:"stream"`
	Raw       bool            `json:"raw"`
	Format    json.RawMessage `json:"format"`
	KeepAlive json.RawMessage `json:"keep_alive"`
	Images    []string        `json:"images"`
	Options   map[string]any  `json:"options"`
	Think     json.RawMessage `json:"think"`
}

type ollamaChatRequest struct {
	Model     string          `json:"model"`
	Messages  []ollamaMessage `json:"messages"`
	Tools     []ollamaTool    `json:"tools"`
	Stream    *bool           `json:"stream"`
	Format    json.RawMessage `json:"format"`
	KeepAlive json.RawMessage `json:"keep_alive"`
	Options   map[string]any  `json:"options"`
	Think     json.RawMessage `json:"think"`
}

type ollamaMessage struct {
	Role      string           `json:"role"`
	Content   string           `json:"content"`
	Thinking  string           `json:"thinking,omitempty"`
	Images    []string         `json:"images,omitempty"`
	ToolCalls []ollamaToolCall `json:"tool_calls,omitempty"`
	ToolName  string           `json:"tool_name,omitempty"`
}

type ollamaToolCall struct {
	ID       string             `json:"id,omitempty"`
	Function ollamaToolFunction `json:"function"`
}

type ollamaToolFunction struct {
	Index     int             `json:"index"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

type ollamaTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

// ollamaMetrics are the timing fields of a final response, in nanoseconds.
type ollamaMetrics struct {
	TotalDuration      int64 `json:"total_duration,omitempty"`
	LoadDuration       int64 `json:"load_duration,omitempty"`
	PromptEvalCount    int   `json:"prompt_eval_count,omitempty"`
	PromptEvalDuration int64 `json:"prompt_eval_duration,omitempty"`
	EvalCount          int   `json:"eval_count,omitempty"`
	EvalDuration       int64 `json:"eval_duration,omitempty"`
}

type ollamaGenerateResponse struct {
	Model      string    `json:"model"`
	CreatedAt  time.Time `json:"created_at"`
	Response   string    `json:"response"`
	Thinking   string    `json:"thinking,omitempty"`
	Done       bool      `json:"done"`
	DoneReason string    `json:"done_reason,omitempty"`
	Context    []int32   `json:"context,omitempty"`
	ollamaMetrics
}

type ollamaChatResponse struct {
	Model      string        `json:"model"`
	CreatedAt  time.Time     `json:"created_at"`
	Message    ollamaMessage `json:"message"`
	Done       bool          `json:"done"`
	DoneReason string        `json:"done_reason,omitempty"`
	ollamaMetrics
}

func (j *job) ollamaMetrics() ollamaMetrics {
	return ollamaMetrics{
		TotalDuration: int64(time.Since(j.start)), LoadDuration: int64(j.loadWait),
		PromptEvalCount: j.stats.PromptTokens, PromptEvalDuration: int64(j.stats.PromptDuration),
		EvalCount: j.stats.GeneratedTokens, EvalDuration: int64(j.stats.GenerateDuration),
	}
}

// ndjsonWriter streams one JSON object per line.
type ndjsonWriter struct {
	w       http.ResponseWriter
	started bool
}

func (n *ndjsonWriter) send(v any) error {
	if !n.started {
		n.w.Header().Set("Content-Type", "application/x-ndjson")
		n.w.WriteHeader(http.StatusOK)
		n.started = true
	}
	b, err := marshal(v)
	if err != nil {
		return err
	}
	if _, err := n.w.Write(append(b, '\n')); err != nil {
		return errStreamWrite
	}
	if err := http.NewResponseController(n.w).Flush(); err != nil {
		return errStreamWrite
	}
	return nil
}

// fail reports an error: as the response if nothing was sent yet, else as
// a final {"error": ...} line, as Ollama does.
func (n *ndjsonWriter) fail(err error) {
	if !n.started {
		writeError(n.w, apiOllama, err)
		return
	}
	he := asHTTPError(err)
	if he.status != 499 {
		n.send(map[string]string{"error": he.msg})
	}
}

// ollamaSamplingFor returns Ollama's defaults, then the model's params
// layer, then the request's options.
func ollamaSamplingFor(ref *store.Model, options map[string]any) (sampling, error) {
	samp := ollamaSampling()
	if err := samp.applyOptions(ref.Params); err != nil {
		return samp, err
	}
	return samp, samp.applyOptions(options)
}

func thinkingMode(raw json.RawMessage) (chat.ThinkingMode, error) {
	switch strings.TrimSpace(string(raw)) {
	case "", "null":
		return chat.ThinkingAuto, nil
	case "true", `"high"`, `"medium"`, `"low"`:
		return chat.ThinkingOn, nil
	case "false":
		return chat.ThinkingOff, nil
	}
	return 0, badParam("think", `think must be true, false, "high", "medium" or "low"`)
}

func (s *Server) handleGenerate(w http.ResponseWriter, r *http.Request) {
	var req ollamaGenerateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOllama, err)
		return
	}
	if err := s.generate(w, r, &req); err != nil {
		writeError(w, apiOllama, err)
	}
}

// generate serves /api/generate; an error it returns has not been written.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, req *ollamaGenerateRequest) error {
	switch {
	case req.Template != "":
		return badParam("template", "the template field is not supported (gollm renders the model's chat template; use raw for your own format)")
	case req.Suffix != "":
		return badParam("suffix", "suffix (fill-in-the-middle) is not supported")
	case len(req.Images) > 0:
		return badParam("images", "images are not supported: gollm serves text models")
	}
	ref, err := s.resolve(req.Model, false)
	if err != nil {
		return err
	}
	samp, err := ollamaSamplingFor(ref, req.Options)
	if err != nil {
		return err
	}
	keepAlive, err := parseKeepAlive(req.KeepAlive)
	if err != nil {
		return err
	}
	format, err := ollamaFormat(req.Format)
	if err != nil {
		return err
	}
	think, err := thinkingMode(req.Think)
	if err != nil {
		return err
	}
	if req.Prompt == "" && len(req.Context) == 0 {
		reason, err := s.loadOnly(r, ref, samp, keepAlive)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ollamaGenerateResponse{Model: req.Model, CreatedAt: time.Now().UTC(), Done: true, DoneReason: reason})
		return nil
	}
	system := ref.System
	if req.System != nil {
		system = *req.System
	}
	templated := false // the prompt went through the chat template
	var rendered string
	prompt := func(run *runner) ([]int32, error) {
		tok := run.model.Tokenizer()
		var text string
		switch {
		case req.Raw:
			text = req.Prompt
		case run.hasTemplate():
			var msgs []chat.Message
			if system != "" {
				msgs = append(msgs, chat.Message{Role: "system", Content: system})
			}
			msgs = append(msgs, chat.Message{Role: "user", Content: req.Prompt})
			t, err := renderChat(run, msgs, gollm.ChatOptions{Thinking: think})
			if err != nil {
				return nil, badRequest("applying the chat template: %v", err)
			}
			text, rendered, templated = t, t, true
		default:
			// No template: Ollama's default passes the prompt through.
			text = req.Prompt
			if system != "" {
				text = system + "\n\n" + text
			}
		}
		if len(req.Context) > 0 {
			return tok.AppendEncode(append([]int32(nil), req.Context...), text, false, true), nil
		}
		return run.model.Tokenize(text, true), nil
	}
	j, err := s.newJob(r, ref, samp, keepAlive, format, prompt)
	if err != nil {
		return err
	}
	defer j.finish()

	stream := req.Stream == nil || *req.Stream
	out := &ndjsonWriter{w: w}
	// A templated prompt's reply has its thinking split off (and dropped
	// with think false); a raw prompt's reply is passed through.
	parser := toolcall.New(toolcall.Options{})
	if templated {
		parser = j.replyParser(rendered, nil, true)
	}
	var text, thinking strings.Builder
	err = j.runParsed(parser, func(d toolcall.Delta) error {
		if think == chat.ThinkingOff {
			d.Thinking = ""
		}
		if !stream {
			text.WriteString(d.Content)
			thinking.WriteString(d.Thinking)
			return nil
		}
		if d.Content == "" && d.Thinking == "" {
			return nil
		}
		return out.send(ollamaGenerateResponse{Model: req.Model, CreatedAt: time.Now().UTC(), Response: d.Content, Thinking: d.Thinking})
	})
	if err != nil {
		out.fail(err)
		return nil
	}
	final := ollamaGenerateResponse{
		Model: req.Model, CreatedAt: time.Now().UTC(), Response: text.String(), Thinking: thinking.String(), Done: true,
		DoneReason: j.doneReason(), Context: append(j.prompt, j.ids...), ollamaMetrics: j.ollamaMetrics(),
	}
	if !stream {
		writeJSON(w, http.StatusOK, final)
		return nil
	}
	out.send(final)
	return nil
}

// chatMessages converts Ollama messages, refusing what gollm cannot use.
func chatMessages(in []ollamaMessage) ([]chat.Message, error) {
	out := make([]chat.Message, 0, len(in))
	for i, m := range in {
		if len(m.Images) > 0 {
			return nil, badParam("messages", "message %d has images: gollm serves text models", i)
		}
		if m.Role == "" {
			return nil, badParam("messages", "message %d has no role", i)
		}
		cm := chat.Message{Role: m.Role, Content: m.Content, ReasoningContent: m.Thinking, Name: m.ToolName}
		for k, tc := range m.ToolCalls {
			args := strings.TrimSpace(string(tc.Function.Arguments))
			var text string
			if strings.HasPrefix(args, `"`) && json.Unmarshal([]byte(args), &text) == nil {
				args = strings.TrimSpace(text) // arguments sent as JSON text
			}
			if args == "" || args == "null" {
				args = "{}"
			}
			if !strings.HasPrefix(args, "{") || !json.Valid([]byte(args)) {
				return nil, badParam("messages", "message %d: tool call %d: arguments must be a JSON object", i, k)
			}
			cm.ToolCalls = append(cm.ToolCalls, chat.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: args})
		}
		out = append(out, cm)
	}
	return out, nil
}

func chatTools(in []ollamaTool) []chat.Tool {
	var out []chat.Tool
	for _, t := range in {
		out = append(out, chat.Tool{Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters})
	}
	return out
}

// withDefaultSystem prepends the model's default system message (Ollama's
// SYSTEM) to a conversation that has none.
func withDefaultSystem(msgs []chat.Message, system string) []chat.Message {
	if system == "" {
		return msgs
	}
	for _, m := range msgs {
		if m.Role == "system" {
			return msgs
		}
	}
	return append([]chat.Message{{Role: "system", Content: system}}, msgs...)
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req ollamaChatRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOllama, err)
		return
	}
	if err := s.chat(w, r, &req); err != nil {
		writeError(w, apiOllama, err)
	}
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, req *ollamaChatRequest) error {
	ref, err := s.resolve(req.Model, false)
	if err != nil {
		return err
	}
	samp, err := ollamaSamplingFor(ref, req.Options)
	if err != nil {
		return err
	}
	keepAlive, err := parseKeepAlive(req.KeepAlive)
	if err != nil {
		return err
	}
	format, err := ollamaFormat(req.Format)
	if err != nil {
		return err
	}
	think, err := thinkingMode(req.Think)
	if err != nil {
		return err
	}
	msgs, err := chatMessages(req.Messages)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		reason, err := s.loadOnly(r, ref, samp, keepAlive)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ollamaChatResponse{Model: req.Model, CreatedAt: time.Now().UTC(), Message: ollamaMessage{Role: "assistant"}, Done: true, DoneReason: reason})
		return nil
	}
	msgs = withDefaultSystem(msgs, ref.System)
	tools := chatTools(req.Tools)
	var rendered string
	j, err := s.newJob(r, ref, samp, keepAlive, format, chatPrompt(msgs, gollm.ChatOptions{Tools: tools, Thinking: think}, &rendered))
	if err != nil {
		return err
	}
	defer j.finish()

	// Tool calls are parsed out of the reply (unless a format constrains
	// it to JSON of its own); thinking goes to message.thinking, or is
	// dropped with think false, as Ollama does.
	if format != nil {
		tools = nil
	}
	parser := j.replyParser(rendered, tools, true)
	stream := req.Stream == nil || *req.Stream
	out := &ndjsonWriter{w: w}
	var text, thinking strings.Builder
	var calls []ollamaToolCall
	err = j.runParsed(parser, func(d toolcall.Delta) error {
		if think == chat.ThinkingOff {
			d.Thinking = ""
		}
		var dc []ollamaToolCall
		for _, c := range d.Calls {
			dc = append(dc, ollamaToolCall{Function: ollamaToolFunction{Index: len(calls) + len(dc), Name: c.Name, Arguments: json.RawMessage(c.Arguments)}})
		}
		if !stream {
			text.WriteString(d.Content)
			thinking.WriteString(d.Thinking)
			calls = append(calls, dc...)
			return nil
		}
		calls = append(calls, dc...)
		if d.Empty() {
			return nil
		}
		return out.send(ollamaChatResponse{Model: req.Model, CreatedAt: time.Now().UTC(),
			Message: ollamaMessage{Role: "assistant", Content: d.Content, Thinking: d.Thinking, ToolCalls: dc}})
	})
	if err != nil {
		out.fail(err)
		return nil
	}
	final := ollamaChatResponse{
		Model: req.Model, CreatedAt: time.Now().UTC(), Message: ollamaMessage{Role: "assistant"},
		Done: true, DoneReason: j.doneReason(), ollamaMetrics: j.ollamaMetrics(),
	}
	if !stream {
		final.Message = ollamaMessage{Role: "assistant", Content: text.String(), Thinking: thinking.String(), ToolCalls: calls}
		writeJSON(w, http.StatusOK, final)
		return nil
	}
	// The streamed chunks carried the parts; the last one is empty.
	out.send(final)
	return nil
}

// Embeddings.

type ollamaEmbedRequest struct {
	Model      string          `json:"model"`
	Input      json.RawMessage `json:"input"`
	Truncate   *bool           `json:"truncate"`
	KeepAlive  json.RawMessage `json:"keep_alive"`
	Options    map[string]any  `json:"options"`
	Dimensions int             `json:"dimensions"`
	Pooling    string          `json:"pooling"` // gollm extension: "mean" or "last"
}

type ollamaEmbeddingsRequest struct {
	Model     string          `json:"model"`
	Prompt    string          `json:"prompt"`
	KeepAlive json.RawMessage `json:"keep_alive"`
	Options   map[string]any  `json:"options"`
	Pooling   string          `json:"pooling"`
}

// embedInputs parses an input that is a string or an array of strings.
func embedInputs(raw json.RawMessage, param string) ([]string, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err == nil {
		return many, nil
	}
	return nil, badParam(param, "%s must be a string or an array of strings", param)
}

func parsePooling(s string) (gollm.Pooling, bool, error) {
	switch s {
	case "":
		return 0, false, nil
	case "mean":
		return gollm.PoolMean, true, nil
	case "last":
		return gollm.PoolLast, true, nil
	}
	return 0, false, badParam("pooling", `pooling must be "mean" or "last"`)
}

// embedResult is the outcome of embedding a request's texts.
type embedResult struct {
	vectors      [][]float32
	promptTokens int
	loadWait     time.Duration
}

// embed embeds texts in order on one slot. truncate cuts inputs longer
// than the context (else they are a 400).
func (s *Server) embed(r *http.Request, ref *store.Model, texts []string, truncate bool, numCtx int, keepAlive *time.Duration, pooling string) (*embedResult, error) {
	pool, poolSet, err := parsePooling(pooling)
	if err != nil {
		return nil, err
	}
	ctxSize, err := s.ctxSize(ref, numCtx)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	run, wait, err := s.acquireRunner(ctx, ref, ctxSize, keepAlive)
	if err != nil {
		return nil, err
	}
	defer s.releaseRunner(run)
	if !poolSet {
		pool = run.pooling
	}
	// Check and cut every input before taking a slot.
	res := &embedResult{loadWait: wait}
	tok := run.model.Tokenizer()
	for i, t := range texts {
		ids := run.model.Tokenize(t, false)
		if len(ids) == 0 {
			return nil, badParam("input", "input %d is empty", i)
		}
		if len(ids) > ctxSize {
			if !truncate {
				return nil, &httpError{status: http.StatusBadRequest, param: "input", code: "context_length_exceeded",
					msg: fmt.Sprintf("input %d is %d tokens, more than the context of %d tokens (set truncate to cut it)", i, len(ids), ctxSize)}
			}
			// Cut to the context. Tokenizing the cut text again can give a
			// few more tokens, so cut further until it fits.
			skip := 0
			if tok.AddBOS() && ids[0] == tok.BOS() {
				skip = 1
			}
			for cut := ctxSize; len(ids) > ctxSize && cut > skip; {
				texts[i] = tok.Detokenize(ids[skip:cut], false, false)
				again := run.model.Tokenize(texts[i], false)
				cut -= max(len(again)-ctxSize, 1)
				if len(again) <= ctxSize {
					ids = again
				}
			}
			if len(ids) > ctxSize {
				return nil, badParam("input", "input %d cannot be cut to the context of %d tokens", i, ctxSize)
			}
		}
		res.promptTokens += len(ids)
	}
	sl, err := run.slots.acquire(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer run.slots.release(sl)
	if s.slotHook != nil {
		s.slotHook(r)
	}
	start := time.Now()
	for _, t := range texts {
		v, err := sl.embed(ctx, t, pool)
		if err != nil {
			return nil, err
		}
		res.vectors = append(res.vectors, v)
	}
	s.metrics.generation(res.promptTokens, time.Since(start), 0, 0)
	return res, nil
}

func (s *Server) handleEmbed(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var req ollamaEmbedRequest
	err := decodeJSON(w, r, &req)
	var ref *store.Model
	if err == nil {
		ref, err = s.resolve(req.Model, false)
	}
	var texts []string
	if err == nil {
		texts, err = embedInputs(req.Input, "input")
	}
	var samp sampling
	if err == nil {
		samp, err = ollamaSamplingFor(ref, req.Options)
	}
	var keepAlive *time.Duration
	if err == nil {
		keepAlive, err = parseKeepAlive(req.KeepAlive)
	}
	if err != nil {
		writeError(w, apiOllama, err)
		return
	}
	if len(texts) == 0 {
		reason, err := s.loadOnly(r, ref, samp, keepAlive)
		if err != nil {
			writeError(w, apiOllama, err)
			return
		}
		_ = reason
		writeJSON(w, http.StatusOK, map[string]any{"model": req.Model, "embeddings": [][]float32{}})
		return
	}
	res, err := s.embed(r, ref, texts, req.Truncate == nil || *req.Truncate, samp.numCtx, keepAlive, req.Pooling)
	if err != nil {
		writeError(w, apiOllama, err)
		return
	}
	if req.Dimensions > 0 && len(res.vectors) > 0 && req.Dimensions != len(res.vectors[0]) {
		writeError(w, apiOllama, badParam("dimensions", "dimensions %d is not supported: the model's embeddings have %d", req.Dimensions, len(res.vectors[0])))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"model": req.Model, "embeddings": res.vectors,
		"total_duration": int64(time.Since(start)), "load_duration": int64(res.loadWait), "prompt_eval_count": res.promptTokens,
	})
}

func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	var req ollamaEmbeddingsRequest
	err := decodeJSON(w, r, &req)
	var ref *store.Model
	if err == nil {
		ref, err = s.resolve(req.Model, false)
	}
	var samp sampling
	if err == nil {
		samp, err = ollamaSamplingFor(ref, req.Options)
	}
	var keepAlive *time.Duration
	if err == nil {
		keepAlive, err = parseKeepAlive(req.KeepAlive)
	}
	if err != nil {
		writeError(w, apiOllama, err)
		return
	}
	if req.Prompt == "" {
		if _, err := s.loadOnly(r, ref, samp, keepAlive); err != nil {
			writeError(w, apiOllama, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"embedding": []float32{}})
		return
	}
	res, err := s.embed(r, ref, []string{req.Prompt}, true, samp.numCtx, keepAlive, req.Pooling)
	if err != nil {
		writeError(w, apiOllama, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"embedding": res.vectors[0]})
}

// Model listing.

// ListModel is one model of /api/tags.
type ListModel struct {
	Name       string       `json:"name"`
	Model      string       `json:"model"`
	ModifiedAt time.Time    `json:"modified_at"`
	Size       int64        `json:"size"`
	Digest     string       `json:"digest"`
	Details    ModelDetails `json:"details"`
}

// ListResponse is the answer of /api/tags.
type ListResponse struct {
	Models []ListModel `json:"models"`
}

// ProcessModel is one loaded model of /api/ps.
type ProcessModel struct {
	Name          string       `json:"name"`
	Model         string       `json:"model"`
	Size          int64        `json:"size"`
	Digest        string       `json:"digest"`
	Details       ModelDetails `json:"details"`
	ExpiresAt     time.Time    `json:"expires_at"`
	SizeVRAM      int64        `json:"size_vram"`
	ContextLength int          `json:"context_length"`
	// gollm additions: slots, requests running and waiting.
	Slots      int `json:"slots"`
	Active     int `json:"active"`
	QueueDepth int `json:"queue_depth"`
}

// ProcessResponse is the answer of /api/ps.
type ProcessResponse struct {
	Models []ProcessModel `json:"models"`
}

// digestHex returns the hex of "sha256:<hex>" (Ollama lists bare hex).
func digestHex(d string) string { return strings.TrimPrefix(d, "sha256:") }

func (s *Server) listModels() []ListModel {
	out := []ListModel{}
	for _, m := range s.store.List() {
		lm := ListModel{Name: m.Name, Model: m.Name, ModifiedAt: m.ModifiedAt, Size: m.Size, Digest: digestHex(m.Digest)}
		if meta, err := s.meta(m); err == nil {
			lm.Details = meta.details
		} else {
			lm.Details = ModelDetails{Format: "gguf", Families: []string{}}
		}
		out = append(out, lm)
	}
	return out
}

func (s *Server) handleTags(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ListResponse{Models: s.listModels()})
}

func (s *Server) handlePS(w http.ResponseWriter, r *http.Request) {
	type entry struct {
		r     *runner
		exp   time.Time
		alive time.Duration
		act   int
	}
	var es []entry
	s.mu.Lock()
	for _, run := range s.runners {
		es = append(es, entry{run, run.expiresAt, run.keepAlive, run.active})
	}
	s.mu.Unlock()
	out := ProcessResponse{Models: []ProcessModel{}}
	for _, e := range es {
		select {
		case <-e.r.ready:
		default:
			continue // still loading
		}
		if e.r.err != nil {
			continue
		}
		exp := e.exp
		switch {
		case e.alive < 0:
			exp = time.Date(2318, 1, 1, 0, 0, 0, 0, time.UTC) // Ollama's "forever"
		case exp.IsZero():
			exp = time.Now().Add(e.alive) // busy: the countdown starts when idle
		}
		pm := ProcessModel{
			Name: e.r.ref.Name, Model: e.r.ref.Name, Size: e.r.ref.Size + kvBytes(e.r), Digest: digestHex(e.r.ref.Digest),
			ExpiresAt: exp.UTC(), ContextLength: e.r.key.ctx, Slots: s.cfg.Parallel, Active: e.act,
			QueueDepth: e.r.slots.queued(),
		}
		if meta, err := s.meta(e.r.ref); err == nil {
			pm.Details = meta.details
		}
		out.Models = append(out.Models, pm)
	}
	writeJSON(w, http.StatusOK, out)
}

// kvBytes estimates the KV cache memory of a runner's slots.
func kvBytes(r *runner) int64 {
	hp := r.model.Internal().HP
	elem := int64(2) // f16
	per := int64(hp.NLayer) * int64(hp.NHeadKV) * int64(hp.HeadDimK+hp.HeadDimV) * elem
	return per * int64(r.key.ctx) * int64(r.slots.size())
}

type ollamaShowRequest struct {
	Model   string `json:"model"`
	Name    string `json:"name"` // deprecated spelling
	Verbose bool   `json:"verbose"`
}

func (s *Server) handleShow(w http.ResponseWriter, r *http.Request) {
	var req ollamaShowRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOllama, err)
		return
	}
	name := req.Model
	if name == "" {
		name = req.Name
	}
	ref, err := s.resolve(name, false)
	if err != nil {
		writeError(w, apiOllama, err)
		return
	}
	meta, err := s.meta(ref)
	if err == nil && req.Verbose {
		meta, err = readMeta(ref, true) // the cached metadata has no vocabularies
	}
	if err != nil {
		writeError(w, apiOllama, err)
		return
	}
	writeJSON(w, http.StatusOK, showResponse(ref, meta, req.Verbose))
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"version": OllamaVersion})
}
