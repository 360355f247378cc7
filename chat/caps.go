package chat

import (
	"strings"
	"time"
	"unicode"

	"github.com/gollm/gollm/chat/jinja"
)

// probeClock is strftime_now during probes, at a fixed date so that probes
// do not depend on the clock.
var probeClock = strftimeNow(time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC))

// probeLimits keep capability probes cheap even for hostile templates.
var probeLimits = jinja.Limits{MaxSteps: 1_000_000, MaxOutput: 1 << 20}

// probe renders the template with the given variables, reporting failure
// instead of an error: probes try conversations a template may reject.
func (t *Template) probe(vars map[string]any) (string, bool) {
	// llama.cpp's engine has strftime_now built in.
	vars["strftime_now"] = probeClock
	out, err := t.prog.Execute(vars, probeLimits)
	return out, err == nil
}

func probeMsg(role, content string) *jinja.Dict {
	d := jinja.NewDict()
	d.Set("role", role)
	d.Set("content", content)
	return d
}

// probeCaps finds what the template supports by rendering probe
// conversations, as llama.cpp's caps_get does. llama.cpp watches which
// values the template reads; this looks at what reaches the output, which
// agrees for the templates in the wild.
func (t *Template) probeCaps() Caps {
	var c Caps
	base := func(msgs *jinja.List, tools any) map[string]any {
		return map[string]any{"messages": msgs, "tools": tools, "bos_token": "", "eos_token": "", "add_generation_prompt": true}
	}

	// Content as a string, and as typed parts.
	out, ok := t.probe(base(jinja.NewList(probeMsg("user", "Hey there probe")), jinja.NewList()))
	c.StringContent = ok && strings.Contains(out, "Hey there probe")
	typed := jinja.NewDict()
	typed.Set("role", "user")
	typed.Set("content", jinja.NewList(textPart("Hey there probe")))
	out, ok = t.probe(base(jinja.NewList(typed), jinja.NewList()))
	c.TypedContent = ok && strings.Contains(out, "Hey there probe") && !strings.Contains(out, "'type'")

	// System role: is the system message rendered at all?
	out, ok = t.probe(base(jinja.NewList(probeMsg("system", "System message probe"), probeMsg("user", "User message probe")), jinja.NewList()))
	c.SystemRole = ok && strings.Contains(out, "System message probe")

	// Tools and tool calls: one call with a mapping as arguments, then (if
	// the template ignored the mapping) with JSON text, then two calls.
	tools, _ := jinja.FromJSON([]byte(`[{"name": "tool", "type": "function", "function": {"name": "tool1", "description": "Tool description",
		"parameters": {"type": "object", "properties": {"arg": {"type": "string", "description": "Arg description"}}, "required": ["arg"]}}}]`))
	toolConv := func(objectArgs bool, calls int) *jinja.List {
		list := jinja.NewList()
		for i := 1; i <= calls; i++ {
			var args any = `{"arg": "value"}`
			if objectArgs {
				a := jinja.NewDict()
				a.Set("arg", "value")
				args = a
			}
			fn := jinja.NewDict()
			fn.Set("name", "tool1")
			fn.Set("arguments", args)
			d := jinja.NewDict()
			d.Set("id", "call0000"+string(rune('0'+i)))
			d.Set("type", "function")
			d.Set("function", fn)
			list.Items = append(list.Items, d)
		}
		asst := probeMsg("assistant", "")
		asst.Set("tool_calls", list)
		toolMsg := probeMsg("tool", "Tool response")
		toolMsg.Set("tool_call_id", "call00001")
		return jinja.NewList(probeMsg("user", "User message"), asst, toolMsg,
			probeMsg("assistant", "The tool response was 'tool response'"), probeMsg("user", "User message"))
	}
	toolCaps := func(out string) {
		c.Tools = strings.Contains(out, "Tool description") || strings.Contains(out, "Arg description")
		c.ToolCalls = strings.Contains(out, "tool1")
	}
	if out, ok = t.probe(base(toolConv(true, 1), tools)); ok {
		toolCaps(out)
		// A template that wants JSON text would print the mapping as a
		// Python dict; llama.cpp's engine looks only at whether the
		// argument was read.
		c.ObjectArguments = c.ToolCalls && strings.Contains(out, "value") && !strings.Contains(out, "{'arg'")
	}
	if !c.ObjectArguments {
		if out, ok = t.probe(base(toolConv(false, 1), tools)); ok {
			toolCaps(out)
		} else {
			c.Tools, c.ToolCalls = false, false
		}
	}
	if c.ToolCalls {
		out, ok = t.probe(base(toolConv(c.ObjectArguments, 2), tools))
		c.ParallelToolCalls = ok && (strings.Contains(out, "call00002") || strings.Count(out, "tool1") >= 2)
	}

	switch t.handler {
	case handlerMinistral3, handlerGPTOSS, handlerKimiK2, handlerLFM2:
		c.Thinking = true
	case handlerGigaChatV3, handlerFunctionaryV32:
		c.Thinking = false
	default:
		c.Thinking = t.detectReasoning() || thinkingBySource(t.src)
	}
	return c
}

// thinkingBySource recognizes reasoning templates the render comparisons
// miss, by their text, as llama.cpp's analyzer workarounds do: templates
// that only strip "</think>" from past answers (old Qwen and DeepSeek R1
// distills, LFM2.5) and Granite 3.3, whose reasoning switch is a variable
// named thinking.
func thinkingBySource(src string) bool {
	if (strings.Contains(src, "content.split('</think>')") || strings.Contains(src, `content.split("</think>")`)) &&
		!strings.Contains(src, "reasoning_content") {
		return true
	}
	return strings.Contains(src, "Write your thoughts between <think></think> and write your response between <response></response>")
}

// analysisRender renders for reasoning detection the way llama.cpp's
// template analyzer does: plain messages, enable_thinking always set,
// add_generation_prompt only when true.
func (t *Template) analysisRender(msgs *jinja.List, genPrompt, thinking bool) string {
	vars := map[string]any{"messages": msgs, "bos_token": "", "eos_token": "", "enable_thinking": thinking}
	if genPrompt {
		vars["add_generation_prompt"] = true
	}
	out, ok := t.probe(vars)
	if !ok {
		return ""
	}
	return out
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func onlySpace(s string) bool { return strings.TrimFunc(s, unicode.IsSpace) == "" }

// closingTag guesses the closing form of an opening reasoning tag.
func closingTag(open string) string {
	switch {
	case strings.HasPrefix(open, "<|START_"):
		return "<|END_" + open[len("<|START_"):]
	case strings.HasPrefix(open, "<|"):
		return "<|/" + open[2:]
	case strings.HasPrefix(open, "<"):
		return "</" + open[1:]
	case strings.HasPrefix(open, "["):
		return "[/" + open[1:]
	}
	return open
}

// detectReasoning reports whether the template has reasoning markers, the
// way llama.cpp's differential analyzer decides supports_thinking: it
// compares renders with and without reasoning_content, with enable_thinking
// on and off, and looks for a reasoning tag ending the generation prompt or
// an empty reasoning block in it.
func (t *Template) detectReasoning() bool {
	const thought, content = "THOUGHT_MARKER", "CONTENT_MARKER"
	// 1: an assistant message with and without reasoning_content.
	withR := probeMsg("assistant", content)
	withR.Set("reasoning_content", thought)
	r := t.analysisRender(jinja.NewList(withR), false, true)
	b := t.analysisRender(jinja.NewList(probeMsg("assistant", content)), false, true)
	if r != "" && r != b {
		tp, cp := strings.Index(r, thought), strings.Index(r, content)
		if tp >= 0 && cp > tp {
			end := strings.TrimSpace(r[tp+len(thought) : cp])
			ds := commonPrefix(b, r)
			if ds > 0 && ds < len(r) && r[ds-1] == '<' {
				ds--
			}
			start := ""
			if ds < tp {
				start = strings.TrimSpace(r[ds:tp])
			}
			if start != "" || end != "" {
				return true
			}
		}
	}

	user := func() *jinja.List { return jinja.NewList(probeMsg("user", "Hello")) }
	noThink := t.analysisRender(user(), true, false)
	think := t.analysisRender(user(), true, true)

	// 2: the generation prompt with enable_thinking on and off.
	if think != "" && think != noThink {
		dp := commonPrefix(noThink, think)
		if len(think) > len(noThink) {
			diff := think[dp:]
			if strings.ContainsAny(diff, "<[") && strings.TrimSpace(diff) != "" {
				return true
			}
		} else {
			// Thinking off adds an empty block such as <think></think>.
			diff := noThink[dp:]
			if os := strings.IndexByte(diff, '<'); os >= 0 {
				if oe := strings.IndexByte(diff[os:], '>'); oe >= 0 {
					oe += os
					open := diff[os : oe+1]
					if !strings.Contains(open, "assistant") && !strings.Contains(open, "user") && !strings.Contains(open, "system") {
						rest := diff[oe+1:]
						if cp := strings.Index(rest, closingTag(open)); cp >= 0 && onlySpace(rest[:cp]) {
							return true
						}
					}
				}
			}
		}
	}

	// 3: the generation prompt ends with a reasoning tag.
	if p := strings.TrimRight(think, "\r\n"); p != "" {
		lo, lc := strings.LastIndexByte(p, '<'), strings.LastIndexByte(p, '>')
		if lo >= 0 && lc == len(p)-1 && lc > lo {
			tag := p[lo:]
			lower := strings.ToLower(tag)
			if !roleTags[tag] && (strings.Contains(lower, "think") || strings.Contains(lower, "reason") || strings.Contains(lower, "thought")) {
				return true
			}
		}
	}

	// 4: an empty reasoning block in the prompt with thinking off.
	for _, pair := range [][2]string{
		{"<|START_THINKING|>", "<|END_THINKING|>"}, {"<|START_THOUGHT|>", "<|END_THOUGHT|>"}, {"<|START_REASON|>", "<|END_REASON|>"},
		{"<think>", "</think>"}, {"<Think>", "</Think>"}, {"<THINK>", "</THINK>"}, {"[think]", "[/think]"}, {"[THINK]", "[/THINK]"},
		{"<thinking>", "</thinking>"}, {"<THINKING>", "</THINKING>"}, {"<|think|>", "<|/think|>"},
	} {
		i := strings.Index(noThink, pair[0])
		if i < 0 {
			continue
		}
		after := noThink[i+len(pair[0]):]
		if j := strings.Index(after, pair[1]); j >= 0 && onlySpace(after[:j]) {
			return true
		}
	}
	return false
}

// roleTags are tags that end prompts without being reasoning markers.
var roleTags = map[string]bool{
	"<|CHATBOT_TOKEN|>": true, "<|SYSTEM_TOKEN|>": true, "<|USER_TOKEN|>": true, "<|ASSISTANT_TOKEN|>": true,
	"<|im_start|>": true, "<|im_end|>": true, "<|start_of_role|>": true, "<|end_of_role|>": true,
	"<|end_of_text|>": true, "<|end|>": true, "<|assistant|>": true, "<|user|>": true, "<|system|>": true,
	"<assistant>": true, "<user>": true, "<system>": true,
}
