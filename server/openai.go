package server

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/chat"
	"github.com/gollm/gollm/chat/toolcall"
	"github.com/gollm/gollm/server/store"
)

// The OpenAI API (with llama-server's extra sampling fields): SSE
// streaming ending in "data: [DONE]".

type oaiResponseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict bool            `json:"strict"`
	} `json:"json_schema"`
	Schema json.RawMessage `json:"schema"` // llama-server's json_object with a schema
}

// oaiSampling are the sampling fields the chat and completion requests
// share, with llama-server's extensions.
type oaiSampling struct {
	MaxTokens           *int               `json:"max_tokens"`
	MaxCompletionTokens *int               `json:"max_completion_tokens"`
	Temperature         *float64           `json:"temperature"`
	TopP                *float64           `json:"top_p"`
	Stop                json.RawMessage    `json:"stop"`
	Seed                *int64             `json:"seed"`
	PresencePenalty     *float64           `json:"presence_penalty"`
	FrequencyPenalty    *float64           `json:"frequency_penalty"`
	LogitBias           map[string]float64 `json:"logit_bias"`
	N                   *int               `json:"n"`
	Logprobs            json.RawMessage    `json:"logprobs"`
	TopLogprobs         *int               `json:"top_logprobs"`
	BestOf              *int               `json:"best_of"`
	ResponseFormat      *oaiResponseFormat `json:"response_format"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	// llama-server / gollm extensions.
	TopK          *int            `json:"top_k"`
	MinP          *float64        `json:"min_p"`
	TypicalP      *float64        `json:"typical_p"`
	RepeatPenalty *float64        `json:"repeat_penalty"`
	RepeatLastN   *int            `json:"repeat_last_n"`
	NKeep         *int            `json:"n_keep"`
	KeepAlive     json.RawMessage `json:"keep_alive"`
	drySampling                   // llama-server's dry_* fields
}

type oaiChatRequest struct {
	Model              string          `json:"model"`
	Messages           []oaiMessage    `json:"messages"`
	Stream             bool            `json:"stream"`
	Tools              []ollamaTool    `json:"tools"`
	ToolChoice         json.RawMessage `json:"tool_choice"`
	ChatTemplateKwargs map[string]any  `json:"chat_template_kwargs"`
	// ReasoningFormat is llama-server's: "none" leaves the thinking in
	// the content; anything else moves it to reasoning_content.
	ReasoningFormat string `json:"reasoning_format"`
	oaiSampling
}

type oaiMessage struct {
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content"`
	Name             string          `json:"name"`
	ToolCalls        []oaiToolCall   `json:"tool_calls"`
	ToolCallID       string          `json:"tool_call_id"`
	ReasoningContent string          `json:"reasoning_content"`
}

type oaiToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type oaiCompletionRequest struct {
	Model  string          `json:"model"`
	Prompt json.RawMessage `json:"prompt"`
	Suffix string          `json:"suffix"`
	Echo   bool            `json:"echo"`
	Stream bool            `json:"stream"`
	oaiSampling
}

type oaiUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// oaiParam strips the "options." prefix Ollama option errors carry.
func oaiParam(err error) error {
	he, ok := err.(*httpError)
	switch {
	case ok && strings.HasPrefix(he.param, "options."):
		c := *he
		c.param = strings.TrimPrefix(he.param, "options.")
		c.msg = strings.TrimPrefix(c.msg, "option ")
		return &c
	case ok && he.param == "format":
		c := *he
		c.param = "response_format"
		return &c
	}
	return err
}

// sampling builds the request's settings: OpenAI defaults, the model's
// params layer, then the request's fields.
func (o *oaiSampling) sampling(ref *store.Model, vocab func() int) (sampling, error) {
	samp := openAISampling()
	if err := samp.applyOptions(ref.Params); err != nil {
		return samp, err
	}
	switch {
	case o.N != nil && *o.N != 1:
		return samp, badParam("n", "n must be 1: gollm generates one choice per request")
	case o.BestOf != nil && *o.BestOf > 1:
		return samp, badParam("best_of", "best_of must be 1")
	case len(o.Logprobs) > 0 && string(o.Logprobs) != "false" && string(o.Logprobs) != "null" && string(o.Logprobs) != "0":
		return samp, badParam("logprobs", "logprobs are not supported")
	case o.TopLogprobs != nil && *o.TopLogprobs > 0:
		return samp, badParam("top_logprobs", "logprobs are not supported")
	}
	opts := map[string]any{}
	setF := func(k string, v *float64) {
		if v != nil {
			opts[k] = *v
		}
	}
	setI := func(k string, v *int) {
		if v != nil {
			opts[k] = float64(*v)
		}
	}
	setF("temperature", o.Temperature)
	setF("top_p", o.TopP)
	setF("presence_penalty", o.PresencePenalty)
	setF("frequency_penalty", o.FrequencyPenalty)
	setF("min_p", o.MinP)
	setF("typical_p", o.TypicalP)
	setF("repeat_penalty", o.RepeatPenalty)
	setI("top_k", o.TopK)
	setI("repeat_last_n", o.RepeatLastN)
	if err := samp.applyOptions(opts); err != nil {
		return samp, oaiParam(err)
	}
	if err := o.drySampling.apply(&samp); err != nil {
		return samp, err
	}
	if o.Seed != nil {
		samp.setSeed(*o.Seed)
	}
	if stop, err := oaiStop(o.Stop); err != nil {
		return samp, err
	} else if stop != nil {
		samp.stop = stop
	}
	max := o.MaxTokens
	if o.MaxCompletionTokens != nil {
		max = o.MaxCompletionTokens
	}
	if max != nil {
		switch {
		case *max == -1:
			samp.numPredict = -1
		case *max < 1:
			return samp, badParam("max_tokens", "max_tokens must be at least 1, or -1 for no limit (got %d)", *max)
		default:
			samp.numPredict = *max
		}
	}
	if len(o.LogitBias) > 0 {
		n := vocab()
		samp.params.LogitBias = make(map[int32]float32, len(o.LogitBias))
		for k, v := range o.LogitBias {
			id, err := strconv.Atoi(k)
			if err != nil || id < 0 || id >= n {
				return samp, badParam("logit_bias", "logit_bias key %q is not a token id of the model (0..%d)", k, n-1)
			}
			if math.IsNaN(v) {
				return samp, badParam("logit_bias", "logit_bias of %s is NaN", k)
			}
			samp.params.LogitBias[int32(id)] = float32(v)
		}
	}
	return samp, nil
}

// oaiStop parses stop: a string, an array of strings, or null.
func oaiStop(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, badParam("stop", "stop must be a string or an array of strings")
	}
	if len(many) > maxStops {
		return nil, badParam("stop", "stop has %d entries, at most %d are allowed", len(many), maxStops)
	}
	return many, nil
}

// oaiContent flattens a message's content: a string, null, or an array of
// text parts.
func oaiContent(raw json.RawMessage, i int) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", badParam("messages", "message %d: content must be a string or an array of content parts", i)
	}
	var texts []string
	for _, p := range parts {
		switch p.Type {
		case "text", "input_text":
			texts = append(texts, p.Text)
		case "image_url", "input_image", "input_audio", "file":
			return "", badParam("messages", "message %d: %s content is not supported: gollm serves text models", i, p.Type)
		default:
			return "", badParam("messages", "message %d: unknown content part type %q", i, p.Type)
		}
	}
	return strings.Join(texts, "\n"), nil
}

func oaiMessages(in []oaiMessage) ([]chat.Message, error) {
	if len(in) == 0 {
		return nil, badParam("messages", "messages must not be empty")
	}
	out := make([]chat.Message, 0, len(in))
	for i, m := range in {
		if m.Role == "" {
			return nil, badParam("messages", "message %d has no role", i)
		}
		content, err := oaiContent(m.Content, i)
		if err != nil {
			return nil, err
		}
		cm := chat.Message{Role: m.Role, Content: content, ReasoningContent: m.ReasoningContent, ToolCallID: m.ToolCallID}
		if m.Role == "tool" {
			cm.Name = m.Name
		}
		for _, tc := range m.ToolCalls {
			args := tc.Function.Arguments
			if strings.TrimSpace(args) == "" {
				args = "{}"
			}
			cm.ToolCalls = append(cm.ToolCalls, chat.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: args})
		}
		out = append(out, cm)
	}
	return out, nil
}

func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// sseWriter streams server-sent events.
type sseWriter struct {
	w       http.ResponseWriter
	started bool
}

func (e *sseWriter) start() {
	if !e.started {
		h := e.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("Connection", "keep-alive")
		e.w.WriteHeader(http.StatusOK)
		e.started = true
	}
}

func (e *sseWriter) send(v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return e.raw(b)
}

func (e *sseWriter) raw(data []byte) error {
	e.start()
	buf := make([]byte, 0, len(data)+8)
	buf = append(append(append(buf, "data: "...), data...), "\n\n"...)
	if _, err := e.w.Write(buf); err != nil {
		return errStreamWrite
	}
	if err := http.NewResponseController(e.w).Flush(); err != nil {
		return errStreamWrite
	}
	return nil
}

func (e *sseWriter) done() { e.raw([]byte("[DONE]")) }

func (e *sseWriter) fail(err error) {
	if !e.started {
		writeError(e.w, apiOpenAI, err)
		return
	}
	if he := asHTTPError(err); he.status != 499 {
		e.send(errorBody(apiOpenAI, he))
	}
}

func (s *Server) handleOAIChat(w http.ResponseWriter, r *http.Request) {
	var req oaiChatRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOpenAI, err)
		return
	}
	if err := s.oaiChat(w, r, &req); err != nil {
		writeError(w, apiOpenAI, err)
	}
}

func (s *Server) oaiChat(w http.ResponseWriter, r *http.Request, req *oaiChatRequest) error {
	msgs, err := oaiMessages(req.Messages)
	if err != nil {
		return err
	}
	ref, err := s.resolve(req.Model, true)
	if err != nil {
		return err
	}
	tools := chatTools(req.Tools)
	var rendered string
	j, err := s.oaiJob(r, ref, &req.oaiSampling, chatPrompt(withDefaultSystem(msgs, ref.System), gollm.ChatOptions{
		Tools: tools, TemplateVars: req.ChatTemplateKwargs,
	}, &rendered))
	if err != nil {
		return err
	}
	defer j.finish()

	// Calls are parsed unless tool_choice is "none" or a response format
	// constrains the reply; thinking goes to reasoning_content, as
	// llama-server does.
	if strings.TrimSpace(string(req.ToolChoice)) == `"none"` || req.ResponseFormat != nil && req.ResponseFormat.Type != "" && req.ResponseFormat.Type != "text" {
		tools = nil
	}
	parser := j.replyParser(rendered, tools, req.ReasoningFormat != "none")

	id, created, model := newID("chatcmpl-"), time.Now().Unix(), req.Model
	if model == "" {
		model = ref.Name
	}
	type function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	type toolCall struct {
		Index    *int     `json:"index,omitempty"` // streaming only
		ID       string   `json:"id"`
		Type     string   `json:"type"`
		Function function `json:"function"`
	}
	type delta struct {
		Role             string     `json:"role,omitempty"`
		Content          *string    `json:"content,omitempty"`
		ReasoningContent string     `json:"reasoning_content,omitempty"`
		ToolCalls        []toolCall `json:"tool_calls,omitempty"`
	}
	type choice struct {
		Index        int     `json:"index"`
		Delta        delta   `json:"delta"`
		Logprobs     any     `json:"logprobs"`
		FinishReason *string `json:"finish_reason"`
	}
	type chunk struct {
		ID                string    `json:"id"`
		Object            string    `json:"object"`
		Created           int64     `json:"created"`
		Model             string    `json:"model"`
		SystemFingerprint string    `json:"system_fingerprint"`
		Choices           []choice  `json:"choices"`
		Usage             *oaiUsage `json:"usage,omitempty"`
	}
	mk := func(d delta, finish *string) chunk {
		return chunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: model, SystemFingerprint: fingerprint,
			Choices: []choice{{Delta: d, FinishReason: finish}}}
	}
	var calls []toolCall
	addCalls := func(cs []toolcall.Call, indexed bool) []toolCall {
		var out []toolCall
		for _, c := range cs {
			tc := toolCall{ID: c.ID, Type: "function", Function: function{Name: c.Name, Arguments: c.Arguments}}
			if tc.ID == "" {
				tc.ID = newID("call_")
			}
			if indexed {
				n := len(calls)
				tc.Index = &n
			}
			calls = append(calls, tc)
			out = append(out, tc)
		}
		return out
	}
	finishReason := func() string {
		reason := j.doneReason()
		if reason == "stop" && len(calls) > 0 {
			reason = "tool_calls"
		}
		return reason
	}
	if req.Stream {
		ev := &sseWriter{w: w}
		empty := ""
		err := ev.send(mk(delta{Role: "assistant", Content: &empty}, nil))
		if err == nil {
			err = j.runParsed(parser, func(d toolcall.Delta) error {
				if d.Empty() {
					return nil
				}
				dd := delta{ReasoningContent: d.Thinking, ToolCalls: addCalls(d.Calls, true)}
				if d.Content != "" {
					dd.Content = &d.Content
				}
				return ev.send(mk(dd, nil))
			})
		}
		if err != nil {
			ev.fail(err)
			return nil
		}
		reason := finishReason()
		ev.send(mk(delta{}, &reason))
		if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
			u := j.usage()
			ev.send(chunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: model, SystemFingerprint: fingerprint, Choices: []choice{}, Usage: &u})
		}
		ev.done()
		return nil
	}
	var text, thinking strings.Builder
	if err := j.runParsed(parser, func(d toolcall.Delta) error {
		text.WriteString(d.Content)
		thinking.WriteString(d.Thinking)
		addCalls(d.Calls, false)
		return nil
	}); err != nil {
		return err
	}
	msg := map[string]any{"role": "assistant", "content": text.String()}
	if thinking.Len() > 0 {
		msg["reasoning_content"] = thinking.String()
	}
	if len(calls) > 0 {
		msg["tool_calls"] = calls
		if text.Len() == 0 {
			msg["content"] = nil
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "object": "chat.completion", "created": created, "model": model, "system_fingerprint": fingerprint,
		"choices": []map[string]any{{
			"index": 0, "message": msg, "logprobs": nil, "finish_reason": finishReason(),
		}},
		"usage": j.usage(),
	})
	return nil
}

// fingerprint is the system_fingerprint of OpenAI responses.
const fingerprint = "fp_gollm"

func (j *job) usage() oaiUsage {
	return oaiUsage{PromptTokens: j.stats.PromptTokens, CompletionTokens: j.stats.GeneratedTokens, TotalTokens: j.stats.PromptTokens + j.stats.GeneratedTokens}
}

// oaiJob validates the sampling fields and starts a job.
func (s *Server) oaiJob(r *http.Request, ref *store.Model, o *oaiSampling, prompt promptFunc) (*job, error) {
	vocab := func() int {
		if meta, err := s.meta(ref); err == nil {
			return meta.vocab
		}
		return 0
	}
	samp, err := o.sampling(ref, vocab)
	if err != nil {
		return nil, err
	}
	samp.shift = s.cfg.ContextShift
	if o.NKeep != nil {
		if *o.NKeep < -1 {
			return nil, badParam("n_keep", "n_keep must be -1 (the whole prompt) or at least 0 (got %d)", *o.NKeep)
		}
		samp.keep = *o.NKeep
	}
	format, err := openAIResponseFormat(o.ResponseFormat)
	if err != nil {
		return nil, err
	}
	keepAlive, err := parseKeepAlive(o.KeepAlive)
	if err != nil {
		return nil, err
	}
	j, err := s.newJob(r, ref, samp, keepAlive, format, prompt)
	if err != nil {
		return nil, oaiParam(err)
	}
	return j, nil
}

// completionPrompt parses /v1/completions' prompt: a string, an array of
// one string, or an array of token ids.
func completionPrompt(raw json.RawMessage) (text string, ids []int32, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, badParam("prompt", "prompt is required")
	}
	if err := json.Unmarshal(raw, &text); err == nil {
		return text, nil, nil
	}
	var texts []string
	if err := json.Unmarshal(raw, &texts); err == nil {
		if len(texts) != 1 {
			return "", nil, badParam("prompt", "prompt must hold exactly one string (got %d)", len(texts))
		}
		return texts[0], nil, nil
	}
	if err := json.Unmarshal(raw, &ids); err == nil && len(ids) > 0 {
		return "", ids, nil
	}
	return "", nil, badParam("prompt", "prompt must be a string, an array of one string, or an array of token ids")
}

func (s *Server) handleOAICompletion(w http.ResponseWriter, r *http.Request) {
	var req oaiCompletionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOpenAI, err)
		return
	}
	if err := s.oaiCompletion(w, r, &req); err != nil {
		writeError(w, apiOpenAI, err)
	}
}

func (s *Server) oaiCompletion(w http.ResponseWriter, r *http.Request, req *oaiCompletionRequest) error {
	if req.Suffix != "" {
		return badParam("suffix", "suffix (fill-in-the-middle) is not supported")
	}
	text, ids, err := completionPrompt(req.Prompt)
	if err != nil {
		return err
	}
	ref, err := s.resolve(req.Model, true)
	if err != nil {
		return err
	}
	j, err := s.oaiJob(r, ref, &req.oaiSampling, func(run *runner) ([]int32, error) {
		if ids != nil {
			return ids, nil
		}
		return run.model.Tokenize(text, true), nil
	})
	if err != nil {
		return err
	}
	defer j.finish()
	if req.Echo && ids != nil {
		text = j.r.model.Detokenize(ids)
	}

	id, created, model := newID("cmpl-"), time.Now().Unix(), req.Model
	if model == "" {
		model = ref.Name
	}
	type choice struct {
		Text         string  `json:"text"`
		Index        int     `json:"index"`
		Logprobs     any     `json:"logprobs"`
		FinishReason *string `json:"finish_reason"`
	}
	type chunk struct {
		ID                string    `json:"id"`
		Object            string    `json:"object"`
		Created           int64     `json:"created"`
		Model             string    `json:"model"`
		SystemFingerprint string    `json:"system_fingerprint"`
		Choices           []choice  `json:"choices"`
		Usage             *oaiUsage `json:"usage,omitempty"`
	}
	mk := func(t string, finish *string) chunk {
		return chunk{ID: id, Object: "text_completion", Created: created, Model: model, SystemFingerprint: fingerprint,
			Choices: []choice{{Text: t, FinishReason: finish}}}
	}
	if req.Stream {
		ev := &sseWriter{w: w}
		var err error
		if req.Echo {
			err = ev.send(mk(text, nil))
		}
		if err == nil {
			err = j.run(func(piece string) error { return ev.send(mk(piece, nil)) })
		}
		if err != nil {
			ev.fail(err)
			return nil
		}
		reason := j.doneReason()
		ev.send(mk("", &reason))
		if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
			u := j.usage()
			c := mk("", nil)
			c.Choices, c.Usage = []choice{}, &u
			ev.send(c)
		}
		ev.done()
		return nil
	}
	var out strings.Builder
	if req.Echo {
		out.WriteString(text)
	}
	if err := j.run(func(piece string) error { out.WriteString(piece); return nil }); err != nil {
		return err
	}
	reason := j.doneReason()
	c := mk(out.String(), &reason)
	u := j.usage()
	c.Usage = &u
	writeJSON(w, http.StatusOK, c)
	return nil
}

type oaiEmbeddingsRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
	KeepAlive      json.RawMessage `json:"keep_alive"`
	Pooling        string          `json:"pooling"`
}

func (s *Server) handleOAIEmbeddings(w http.ResponseWriter, r *http.Request) {
	var req oaiEmbeddingsRequest
	err := decodeJSON(w, r, &req)
	var texts []string
	if err == nil {
		texts, err = embedInputs(req.Input, "input")
		if err == nil && len(texts) == 0 {
			err = badParam("input", "input is required")
		}
	}
	if err == nil && req.EncodingFormat != "" && req.EncodingFormat != "float" && req.EncodingFormat != "base64" {
		err = badParam("encoding_format", `encoding_format must be "float" or "base64"`)
	}
	var ref *store.Model
	if err == nil {
		ref, err = s.resolve(req.Model, true)
	}
	var keepAlive *time.Duration
	if err == nil {
		keepAlive, err = parseKeepAlive(req.KeepAlive)
	}
	var res *embedResult
	if err == nil {
		res, err = s.embed(r, ref, texts, false, 0, keepAlive, req.Pooling)
	}
	if err == nil && req.Dimensions > 0 && req.Dimensions != len(res.vectors[0]) {
		err = badParam("dimensions", "dimensions %d is not supported: the model's embeddings have %d", req.Dimensions, len(res.vectors[0]))
	}
	if err != nil {
		writeError(w, apiOpenAI, err)
		return
	}
	data := make([]map[string]any, len(res.vectors))
	for i, v := range res.vectors {
		var emb any = v
		if req.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for k, f := range v {
				binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(f))
			}
			emb = base64.StdEncoding.EncodeToString(b)
		}
		data[i] = map[string]any{"object": "embedding", "embedding": emb, "index": i}
	}
	model := req.Model
	if model == "" {
		model = ref.Name
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list", "data": data, "model": model,
		"usage": map[string]int{"prompt_tokens": res.promptTokens, "total_tokens": res.promptTokens},
	})
}

type oaiModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

func toOAIModel(m *store.Model) oaiModel {
	owner := "gollm"
	if m.Kind == store.KindOllama {
		owner = store.DefaultNamespace
		if n, err := store.ParseName(m.Name); err == nil {
			owner = n.Namespace
		}
	}
	var created int64
	if !m.ModifiedAt.IsZero() {
		created = m.ModifiedAt.Unix()
	}
	return oaiModel{ID: m.Name, Object: "model", Created: created, OwnedBy: owner}
}

func (s *Server) handleOAIModels(w http.ResponseWriter, r *http.Request) {
	data := []oaiModel{}
	for _, m := range s.store.List() {
		data = append(data, toOAIModel(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func (s *Server) handleOAIModel(w http.ResponseWriter, r *http.Request) {
	ref, err := s.resolve(r.PathValue("model"), false)
	if err != nil {
		writeError(w, apiOpenAI, err)
		return
	}
	writeJSON(w, http.StatusOK, toOAIModel(ref))
}
