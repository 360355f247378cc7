// Package toolcall splits a chat model's generated text into its parts:
// the answer (content), the reasoning (thinking) and the tool calls, the
// way llama.cpp's chat parsers and Ollama's do.
//
// The syntax is picked from the model's chat template source (Detect), as
// llama.cpp picks its chat format: the template shows the model the form
// its calls take when it renders earlier calls. Supported forms:
//
//   - Hermes: <tool_call>{"name": …, "arguments": {…}}</tool_call> (Hermes 2/3
//     Pro, Qwen 2.5, Qwen3, QwQ, Granite 4 and others), also with
//     <function=name> inside, with JSON arguments or the <parameter=key>
//     lines of Qwen3-Coder and Qwen3.5, and the bare <function=name>{…}</function>
//     of Functionary v3.1; a bare {"name": …, "arguments": …} reply naming an
//     offered tool too, as small Qwen models write.
//   - Llama 3.x: the whole reply is {"name": …, "parameters": {…}}, optionally
//     after <|python_tag|>, several separated by ";"; <|python_tag|>name.call(k="v")
//     for built-in tools.
//   - Mistral: [TOOL_CALLS][{"name": …, "arguments": {…}, "id": …}] (Nemo) and
//     [TOOL_CALLS]name[CALL_ID]id[ARGS]{…} / [TOOL_CALLS]name[ARGS]{…}
//     (Mistral Small 3.2, Devstral, Magistral, Ministral 3).
//   - DeepSeek R1 / V3.1: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>name
//     and a JSON block, up to <｜tool▁calls▁end｜>.
//   - Generic, for other templates: a reply that is only a JSON object
//     {"tool_calls": […]}, {"tool_call": {…}}, {"response": "…"} or
//     {"name": …, "arguments": {…}} naming an offered tool.
//
// Reasoning is a block at the start of the reply between the template's
// markers (<think>…</think>, [THINK]…[/THINK], …). When the rendered prompt
// already opened the block (DeepSeek R1 distills, some Qwen3 variants), the
// reply starts inside it (StartsInThinking).
//
// A Parser is fed the generated text piece by piece and returns what each
// piece settles: content as soon as it cannot be the start of a marker,
// thinking likewise, and each tool call when its text is complete. The
// parts returned over a whole stream equal Parse of the whole text,
// however the text was split. A call that does not parse stays in the
// content, as text.
package toolcall

import (
	"strings"

	"github.com/gollm/gollm/chat"
)

// Format is a tool call syntax.
type Format uint8

const (
	// FormatGeneric recognizes a reply that is a bare JSON tool call.
	FormatGeneric Format = iota
	// FormatHermes is <tool_call>…</tool_call> (and <function=…>).
	FormatHermes
	// FormatLlama3 is Llama 3.x's JSON reply and <|python_tag|>.
	FormatLlama3
	// FormatMistral is [TOOL_CALLS] followed by a JSON array or name[ARGS]{…}.
	FormatMistral
	// FormatDeepSeekR1 is DeepSeek's <｜tool▁calls▁begin｜> block.
	FormatDeepSeekR1
)

var formatNames = [...]string{"generic", "hermes", "llama3", "mistral", "deepseek-r1"}

// String names the format.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// Syntax is what a template's replies look like.
type Syntax struct {
	Format Format
	// ThinkOpen and ThinkClose delimit reasoning; empty when reasoning is
	// not split off.
	ThinkOpen, ThinkClose string
}

// thinkMarkers are the reasoning delimiters looked for in template
// sources, most specific first; the last is the default.
var thinkMarkers = [][2]string{
	{"<seed:think>", "</seed:think>"},
	{"<|START_THINKING|>", "<|END_THINKING|>"},
	{"[THINK]", "[/THINK]"},
	{"<think>", "</think>"},
}

// DeepSeek's tool call markers.
const (
	dsCallsBegin = "<｜tool▁calls▁begin｜>"
	dsCallsEnd   = "<｜tool▁calls▁end｜>"
	dsCallBegin  = "<｜tool▁call▁begin｜>"
	dsCallEnd    = "<｜tool▁call▁end｜>"
	dsSep        = "<｜tool▁sep｜>"
)

// Detect picks the syntax of a chat template's replies from its source,
// testing for the same landmarks as llama.cpp's format selection, in the
// same order. Reasoning markers are those the template names, else
// <think>…</think>.
func Detect(src string) Syntax {
	has := func(s string) bool { return strings.Contains(src, s) }
	var s Syntax
	switch {
	case has(dsCallsBegin):
		s.Format = FormatDeepSeekR1
	case has("<tool_call>"):
		s.Format = FormatHermes
	case has("<|start_header_id|>") && has("<function="):
		s.Format = FormatHermes // Functionary v3.1: <function=name>{…}</function>
	case has("<|start_header_id|>ipython<|end_header_id|>"):
		s.Format = FormatLlama3
	case has("[TOOL_CALLS]"):
		s.Format = FormatMistral
	default:
		s.Format = FormatGeneric
	}
	s.ThinkOpen, s.ThinkClose = thinkMarkers[len(thinkMarkers)-1][0], thinkMarkers[len(thinkMarkers)-1][1]
	for _, m := range thinkMarkers {
		if has(m[0]) {
			s.ThinkOpen, s.ThinkClose = m[0], m[1]
			break
		}
	}
	return s
}

// StartsInThinking reports whether a rendered prompt ends inside an opened
// reasoning block, so that the reply starts with thinking and no opening
// marker (DeepSeek R1's "<｜Assistant｜><think>\n").
func StartsInThinking(prompt string, s Syntax) bool {
	if s.ThinkOpen == "" {
		return false
	}
	return strings.HasSuffix(strings.TrimRight(prompt, " \t\r\n"), s.ThinkOpen)
}

// Options configure a Parser.
type Options struct {
	Syntax
	// Tools are the tools offered to the model. Calls are recognized only
	// when there are some; their schemas type <parameter=…> values.
	Tools []chat.Tool
	// InThinking starts the reply inside the reasoning block (see
	// StartsInThinking).
	InThinking bool
}

// Call is one tool call.
type Call struct {
	// ID is the id the model gave the call (Mistral's), else empty.
	ID   string
	Name string
	// Arguments is a JSON object, compacted.
	Arguments string
}

// Delta is what a piece of text settled.
type Delta struct {
	Content  string
	Thinking string
	Calls    []Call
}

// Empty reports whether the delta holds nothing.
func (d Delta) Empty() bool { return d.Content == "" && d.Thinking == "" && len(d.Calls) == 0 }

// Parse splits a whole reply.
func Parse(o Options, text string) Delta {
	p := New(o)
	d := p.Add(text)
	f := p.Finish()
	d.Content += f.Content
	d.Thinking += f.Thinking
	d.Calls = append(d.Calls, f.Calls...)
	return d
}

// Markers returns the syntax's literal markers: the reasoning delimiters
// and, when tools are parsed, the call delimiters. Where a vocabulary has
// them as control tokens, which detokenize to nothing, a server must still
// render them as text for the parser (llama-server's preserved tokens).
func (s Syntax) Markers(tools bool) []string {
	var out []string
	if s.ThinkOpen != "" {
		out = append(out, s.ThinkOpen, s.ThinkClose)
	}
	if !tools {
		return out
	}
	switch s.Format {
	case FormatHermes:
		out = append(out, "<tool_call>", "</tool_call>")
	case FormatLlama3:
		out = append(out, "<|python_tag|>")
	case FormatMistral:
		out = append(out, "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]")
	case FormatDeepSeekR1:
		out = append(out, dsCallsBegin, dsCallsEnd, dsCallBegin, dsCallEnd, dsSep)
	}
	return out
}
