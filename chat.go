package gollm

import (
	"context"
	"iter"

	"github.com/gollm/gollm/chat"
)

// Message is one turn of a conversation (role "system", "user",
// "assistant" or "tool").
type Message = chat.Message

// Tool describes a function the model may call.
type Tool = chat.Tool

// ChatOptions configure Chat: the generation settings plus what the chat
// template needs.
type ChatOptions struct {
	GenerateOptions
	// Tools are offered to the model through the template.
	Tools []Tool
	// Thinking turns a reasoning model's thinking on or off (default: the
	// template's choice).
	Thinking chat.ThinkingMode
	// TemplateVars are extra template variables (llama.cpp's
	// chat_template_kwargs).
	TemplateVars map[string]any
}

// Template returns the chat template in use: the file's
// tokenizer.chat_template, or a built-in format when the file has none
// (ChatML, as llama.cpp) or its template cannot be parsed (then
// TemplateError says why).
func (m *Model) Template() *chat.Template { return m.tmpl }

// TemplateError reports why the file's chat template was replaced by a
// built-in format, or nil.
func (m *Model) TemplateError() error { return m.tmplErr }

// ChatPrompt renders msgs with the model's chat template and an opened
// assistant turn, as the prompt text Chat generates from.
func (m *Model) ChatPrompt(msgs []Message, opts ChatOptions) (string, error) {
	tok := m.m.Tok
	o := chat.Options{
		AddGenerationPrompt: true,
		TokenizerAddsBOS:    tok.AddBOS(),
		TokenizerAddsEOS:    tok.AddEOS(),
		Tools:               opts.Tools,
		EnableThinking:      opts.Thinking,
		ExtraVars:           opts.TemplateVars,
	}
	if id := tok.BOS(); id >= 0 {
		o.BOS = tok.TokenText(id)
	}
	if id := tok.EOS(); id >= 0 {
		o.EOS = tok.TokenText(id)
	}
	return m.tmpl.Render(msgs, o)
}

// Chat renders the conversation with the model's chat template and
// generates the assistant's reply on the default session. Special-token
// text in the rendered prompt (e.g. "<|im_start|>") becomes special tokens.
func (m *Model) Chat(ctx context.Context, msgs []Message, opts ChatOptions) iter.Seq2[Token, error] {
	return m.def.Chat(ctx, msgs, opts)
}

// Chat is Model.Chat on this session: a conversation that grows turn by
// turn reuses the KV cache of the turns before.
func (s *Session) Chat(ctx context.Context, msgs []Message, opts ChatOptions) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		prompt, err := s.m.ChatPrompt(msgs, opts)
		if err != nil {
			yield(Token{}, err)
			return
		}
		g := opts.GenerateOptions
		g.RawPrompt = false
		s.generate(ctx, s.m.m.Tok.Encode(prompt, true, true), g, yield)
	}
}
