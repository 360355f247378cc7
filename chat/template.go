package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gollm/gollm/chat/jinja"
)

// Message is one turn of a conversation.
type Message struct {
	Role             string // "system", "user", "assistant", "tool" (or "developer")
	Content          string
	ReasoningContent string     // an assistant's thinking, for templates that render it
	ToolCalls        []ToolCall // calls an assistant made
	ToolCallID       string     // for role "tool": the call this result answers
	Name             string     // for role "tool": the tool's name
}

// ToolCall is a function call made by the assistant.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // a JSON object, as text
}

// Tool describes a function the model may call.
type Tool struct {
	Name        string
	Description string
	Parameters  json.RawMessage // JSON Schema of the arguments; empty means {}
}

// ThinkingMode selects the enable_thinking variable passed to templates.
type ThinkingMode uint8

const (
	// ThinkingAuto enables thinking when the template supports it, as
	// llama-server does by default (--reasoning auto).
	ThinkingAuto ThinkingMode = iota
	// ThinkingOn sets enable_thinking to true.
	ThinkingOn
	// ThinkingOff sets enable_thinking to false.
	ThinkingOff
)

// Options control one render.
type Options struct {
	// AddGenerationPrompt appends the opening of an assistant turn.
	AddGenerationPrompt bool
	// BOS and EOS are the texts of the model's BOS and EOS tokens
	// (bos_token and eos_token in templates).
	BOS, EOS string
	// TokenizerAddsBOS / TokenizerAddsEOS strip a leading BOS / trailing EOS
	// from the result, for vocabularies that add them when tokenizing
	// (llama.cpp does this when a model is loaded).
	TokenizerAddsBOS, TokenizerAddsEOS bool
	// Tools are offered to the model (the tools variable).
	Tools []Tool
	// EnableThinking sets enable_thinking.
	EnableThinking ThinkingMode
	// Now is the render time for strftime_now, date_string and datetime;
	// the zero value means time.Now().
	Now time.Time
	// ExtraVars are extra template variables (llama.cpp's
	// chat_template_kwargs), overriding the built-in ones. Values are Go
	// data (see jinja.FromGo) or json.RawMessage.
	ExtraVars map[string]any
}

// Caps are what a template was found to support by rendering probe
// conversations through it, as llama.cpp does.
type Caps struct {
	SystemRole        bool // renders a system message (else it is folded into the first user turn)
	StringContent     bool // accepts message content as a string
	TypedContent      bool // accepts content as a list of {"type": "text", "text": ...} parts
	Tools             bool // renders the tools it is given
	ToolCalls         bool // renders an assistant's tool calls
	ParallelToolCalls bool // renders more than one tool call in a message
	ObjectArguments   bool // wants tool call arguments as a mapping rather than JSON text
	Thinking          bool // has a reasoning block that enable_thinking controls (llama.cpp's supports_thinking)
}

// handler is the special case llama.cpp dispatches a template to.
type handler uint8

const (
	handlerGeneric handler = iota
	handlerMinistral3
	handlerGPTOSS
	handlerFunctionaryV32
	handlerKimiK2
	handlerLFM2
	handlerGigaChatV3
)

// Template renders conversations into prompts with a model's chat
// template. It is safe for concurrent use.
type Template struct {
	src     string
	prog    *jinja.Template
	builtin *builtinFormat
	caps    Caps
	handler handler
}

// chatMLSource is the Jinja template llama.cpp uses when a model has none.
const chatMLSource = "{%- for message in messages -%}\n" +
	"  {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}\n" +
	"{%- endfor -%}\n" +
	"{%- if add_generation_prompt -%}\n" +
	"  {{- '<|im_start|>assistant\\n' -}}\n" +
	"{%- endif -%}"

// New parses a chat template (the GGUF key tokenizer.chat_template). An
// empty source or "chatml" gives llama.cpp's default ChatML template; the
// name of a built-in format (see Builtins) gives that format.
func New(src string) (*Template, error) {
	if src == "" || src == "chatml" {
		src = chatMLSource
	} else if b := lookupBuiltin(src); b != nil {
		return &Template{src: src, builtin: b, caps: Caps{SystemRole: true, StringContent: true}}, nil
	}
	prog, err := jinja.Parse(patchSource(src))
	if err != nil {
		return nil, fmt.Errorf("chat: template: %w", err)
	}
	t := &Template{src: src, prog: prog, handler: pickHandler(src)}
	t.caps = t.probeCaps()
	return t, nil
}

// Load is New with llama.cpp's fallbacks: a template that does not parse
// is replaced by the built-in format Detect recognizes in it, or by the
// built-in ChatML format.
// The error reports why the template was replaced (the Template is usable
// even then).
func Load(src string) (*Template, error) {
	t, err := New(src)
	if err == nil {
		return t, nil
	}
	name := Detect(src)
	if name == "" {
		name = "chatml"
	}
	fb, ferr := Builtin(name)
	if ferr != nil {
		return nil, errors.Join(err, ferr)
	}
	return fb, fmt.Errorf("%w (using built-in format %q instead)", err, name)
}

// Source returns the template text (or the built-in format's name).
func (t *Template) Source() string { return t.src }

// Caps reports what the template supports.
func (t *Template) Caps() Caps { return t.caps }

// SupportsThinking reports whether enable_thinking switches a reasoning
// block in this template; it decides ThinkingAuto.
func (t *Template) SupportsThinking() bool { return t.caps.Thinking }

// patchSource applies llama.cpp's textual fixes to templates that would
// otherwise raise on conversations llama.cpp produces.
func patchSource(src string) string {
	if strings.Contains(src, "<|channel|>") && strings.Contains(src, "in message.content or") {
		src = strings.ReplaceAll(src,
			`{%- if "<|channel|>analysis<|message|>" in message.content or "<|channel|>final<|message|>" in message.content %}`,
			"{%- if false %}")
	}
	if strings.Contains(src, "[TOOL_CALLS]") && strings.Contains(src, "if (message['content'] is none or") {
		src = strings.ReplaceAll(src,
			"{%- if (message['content'] is none or message['content'] == '' or message['content']|length == 0) and (message['tool_calls'] is not defined or message['tool_calls'] is none or message['tool_calls']|length == 0) %}",
			"{%- if false %}")
	}
	return src
}

func pickHandler(src string) handler {
	has := func(s string) bool { return strings.Contains(src, s) }
	switch {
	case has("[SYSTEM_PROMPT]") && has("[TOOL_CALLS]") && has("[ARGS]") && !has("[CALL_ID]"):
		return handlerMinistral3
	case has("<|channel|>"):
		return handlerGPTOSS
	case has(">>>all") && has(">>>${recipient}"):
		return handlerFunctionaryV32
	case has("<|tool_calls_section_begin|>") && has("<|tool_call_begin|>"):
		return handlerKimiK2
	case has("<|tool_list_start|>") && has("<|tool_list_end|>"):
		return handlerLFM2
	case has("<|role_sep|>") && has("<|message_sep|>") && !has("<|function_call|>"):
		return handlerGigaChatV3
	}
	return handlerGeneric
}

// Render formats messages into a prompt. Built-in formats use only the
// roles and contents of the messages and AddGenerationPrompt, as llama.cpp's
// llm_chat_apply_template does.
func (t *Template) Render(messages []Message, opts Options) (string, error) {
	if t.builtin != nil {
		return t.builtin.render(messages, opts.AddGenerationPrompt)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	thinking := t.caps.Thinking
	switch opts.EnableThinking {
	case ThinkingOn:
		thinking = true
	case ThinkingOff:
		thinking = false
	}
	msgs, err := t.messageValues(messages)
	if err != nil {
		return "", err
	}
	vars := map[string]any{
		"messages":        msgs,
		"bos_token":       opts.BOS,
		"eos_token":       opts.EOS,
		"enable_thinking": thinking,
		"strftime_now":    strftimeNow(now),
		// llama.cpp passes these to every template.
		"datetime":    jinja.Strftime(now, "%b %d %Y"),
		"date_string": jinja.Strftime(now, "%d %b %Y"),
	}
	if len(opts.Tools) > 0 {
		tools, err := toolValues(opts.Tools)
		if err != nil {
			return "", err
		}
		vars["tools"] = tools
	}
	for k, v := range opts.ExtraVars {
		if raw, ok := v.(json.RawMessage); ok {
			jv, err := jinja.FromJSON(raw)
			if err != nil {
				return "", fmt.Errorf("chat: extra variable %q: %w", k, err)
			}
			v = jv
		}
		vars[k] = v
	}
	if opts.AddGenerationPrompt {
		vars["add_generation_prompt"] = true
	}
	out, err := t.prog.Render(vars)
	if err != nil {
		return "", fmt.Errorf("chat: render: %w", err)
	}
	if t.handler == handlerGPTOSS && !opts.AddGenerationPrompt {
		// A finished gpt-oss conversation ends with <|return|>, which must
		// read <|end|> once more turns follow.
		if i := strings.LastIndex(out, "<|return|>"); i >= 0 {
			out = out[:i] + "<|end|>" + out[i+len("<|return|>"):]
		}
	}
	if opts.TokenizerAddsBOS && opts.BOS != "" {
		out = strings.TrimPrefix(out, opts.BOS)
	}
	if opts.TokenizerAddsEOS && opts.EOS != "" {
		out = strings.TrimSuffix(out, opts.EOS)
	}
	return out, nil
}

func strftimeNow(now time.Time) jinja.Func {
	return func(args []any, _ map[string]any) (any, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("strftime_now takes one format argument")
		}
		f, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("strftime_now: format must be a string")
		}
		return jinja.Strftime(now, f), nil
	}
}

func toolValues(tools []Tool) (*jinja.List, error) {
	out := jinja.NewList()
	for _, tl := range tools {
		var params any = jinja.NewDict()
		if len(tl.Parameters) > 0 {
			p, err := jinja.FromJSON(tl.Parameters)
			if err != nil {
				return nil, fmt.Errorf("chat: tool %q parameters: %w", tl.Name, err)
			}
			params = p
		}
		fn := jinja.NewDict()
		fn.Set("name", tl.Name)
		fn.Set("description", tl.Description)
		fn.Set("parameters", params)
		d := jinja.NewDict()
		d.Set("type", "function")
		d.Set("function", fn)
		out.Items = append(out.Items, d)
	}
	return out, nil
}

// messageValues converts messages into the template's messages variable
// the way llama.cpp does, applying its workarounds.
func (t *Template) messageValues(messages []Message) (*jinja.List, error) {
	msgs := append([]Message(nil), messages...)
	if t.handler != handlerGPTOSS {
		for i := range msgs {
			if msgs[i].Role == "developer" {
				msgs[i].Role = "system"
			}
		}
	}
	if !t.caps.SystemRole && len(msgs) > 0 && msgs[0].Role == "system" {
		// Fold the system prompt into the next message, or drop it.
		if len(msgs) > 1 {
			msgs[1].Content = msgs[0].Content + "\n" + msgs[1].Content
		}
		msgs = msgs[1:]
	}
	typed := t.caps.TypedContent && !t.caps.StringContent
	out := jinja.NewList()
	for _, m := range msgs {
		d, err := messageValue(m, typed, t.caps.ObjectArguments)
		if err != nil {
			return nil, err
		}
		switch t.handler {
		case handlerMinistral3:
			d = ministralBlocks(d, m)
		case handlerGPTOSS:
			if m.ReasoningContent != "" && len(m.ToolCalls) > 0 {
				d.Set("thinking", m.ReasoningContent)
			}
		}
		out.Items = append(out.Items, d)
	}
	return out, nil
}

func textPart(text string) *jinja.Dict {
	p := jinja.NewDict()
	p.Set("type", "text")
	p.Set("text", text)
	return p
}

// messageValue builds the mapping for one message with llama.cpp's key
// order: role, content, reasoning_content, name, tool_call_id, tool_calls.
func messageValue(m Message, typed, objectArgs bool) (*jinja.Dict, error) {
	d := jinja.NewDict()
	d.Set("role", m.Role)
	if typed {
		d.Set("content", jinja.NewList(textPart(m.Content)))
	} else {
		d.Set("content", m.Content)
	}
	if m.ReasoningContent != "" {
		d.Set("reasoning_content", m.ReasoningContent)
	}
	if m.Name != "" {
		d.Set("name", m.Name)
	}
	if m.ToolCallID != "" {
		d.Set("tool_call_id", m.ToolCallID)
	}
	if len(m.ToolCalls) > 0 {
		calls := jinja.NewList()
		for _, tc := range m.ToolCalls {
			var args any = tc.Arguments
			if objectArgs {
				a := tc.Arguments
				if strings.TrimSpace(a) == "" {
					a = "{}"
				}
				v, err := jinja.FromJSON([]byte(a))
				if err != nil {
					return nil, fmt.Errorf("chat: tool call %q: arguments are not JSON: %w", tc.Name, err)
				}
				args = v
			}
			fn := jinja.NewDict()
			fn.Set("name", tc.Name)
			fn.Set("arguments", args)
			c := jinja.NewDict()
			c.Set("type", "function")
			c.Set("function", fn)
			if tc.ID != "" {
				c.Set("id", tc.ID)
			}
			calls.Items = append(calls.Items, c)
		}
		d.Set("tool_calls", calls)
	}
	return d, nil
}

// ministralBlocks rewrites system and assistant content into the typed
// blocks Ministral 3 templates expect, with reasoning as a thinking block.
func ministralBlocks(d *jinja.Dict, m Message) *jinja.Dict {
	if m.Role != "system" && m.Role != "assistant" {
		return d
	}
	blocks := jinja.NewList()
	if m.ReasoningContent != "" {
		b := jinja.NewDict()
		b.Set("type", "thinking")
		b.Set("thinking", m.ReasoningContent)
		blocks.Items = append(blocks.Items, b)
	}
	if c, ok := d.Get("content"); ok {
		switch c := c.(type) {
		case string:
			blocks.Items = append(blocks.Items, textPart(c))
		case *jinja.List:
			blocks.Items = append(blocks.Items, c.Items...)
		}
	}
	nd := jinja.NewDict()
	for _, k := range d.Keys() {
		if k == "reasoning_content" {
			continue
		}
		v, _ := d.Get(k)
		if k == "content" {
			v = blocks
		}
		nd.Set(k, v)
	}
	return nd
}
