package chat

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// builtinFormat is a chat format written in Go rather than Jinja, for
// models without a template (llama.cpp's llm_chat_apply_template formats).
// Only role and content of messages are used.
type builtinFormat struct {
	name   string
	format func(b *strings.Builder, msgs []Message, addAssistant bool)
}

func (f *builtinFormat) render(msgs []Message, addAssistant bool) (string, error) {
	var b strings.Builder
	f.format(&b, msgs, addAssistant)
	return b.String(), nil
}

// trimSpace trims ASCII whitespace as C's isspace does.
func trimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && unicode.IsSpace(r) })
}

var builtins = map[string]*builtinFormat{}

func register(name string, f func(b *strings.Builder, msgs []Message, addAssistant bool)) {
	builtins[name] = &builtinFormat{name: name, format: f}
}

func lookupBuiltin(name string) *builtinFormat { return builtins[name] }

// Builtins returns the names of the built-in formats, sorted.
func Builtins() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Builtin returns the built-in format with the given name (as llama.cpp's
// --chat-template NAME selects them).
func Builtin(name string) (*Template, error) {
	b := lookupBuiltin(name)
	if b == nil {
		return nil, fmt.Errorf("chat: no built-in format named %q (have %s)", name, strings.Join(Builtins(), ", "))
	}
	return &Template{src: name, builtin: b, caps: Caps{SystemRole: true, StringContent: true}}, nil
}

// simple registers formats that wrap each message as prefix(role) +
// content + suffix, plus a generation prompt.
func simple(name string, open func(role string) string, content func(role, c string) string, close string, gen string) {
	register(name, func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			b.WriteString(open(m.Role))
			b.WriteString(content(m.Role, m.Content))
			b.WriteString(close)
		}
		if add {
			b.WriteString(gen)
		}
	})
}

func asIs(_, c string) string    { return c }
func trimmed(_, c string) string { return trimSpace(c) }
func tag(l, r string) func(string) string {
	return func(role string) string { return l + role + r }
}

func init() {
	simple("chatml", tag("<|im_start|>", "\n"), asIs, "<|im_end|>\n", "<|im_start|>assistant\n")
	simple("phi3", tag("<|", "|>\n"), asIs, "<|end|>\n", "<|assistant|>\n")
	simple("phi4", tag("<|im_start|>", "<|im_sep|>"), asIs, "<|im_end|>", "<|im_start|>assistant<|im_sep|>")
	simple("falcon3", tag("<|", "|>\n"), asIs, "\n", "<|assistant|>\n")
	simple("zephyr", tag("<|", "|>\n"), asIs, "<|endoftext|>\n", "<|assistant|>\n")
	simple("llama3", tag("<|start_header_id|>", "<|end_header_id|>\n\n"), trimmed, "<|eot_id|>", "<|start_header_id|>assistant<|end_header_id|>\n\n")
	simple("llama4", tag("<|header_start|>", "<|header_end|>\n\n"), trimmed, "<|eot|>", "<|header_start|>assistant<|header_end|>\n\n")
	simple("glmedge", tag("<|", "|>\n"), asIs, "", "<|assistant|>")
	simple("megrez", tag("<|role_start|>", "<|role_end|>"), asIs, "<|turn_end|>", "<|role_start|>assistant<|role_end|>")
	simple("granite", func(role string) string {
		s := "<|start_of_role|>" + role + "<|end_of_role|>"
		if role == "assistant_tool_call" {
			s += "<|tool_call|>"
		}
		return s
	}, asIs, "<|end_of_text|>\n", "<|start_of_role|>assistant<|end_of_role|>")
	simple("bailing", func(role string) string {
		if role == "user" {
			return "<role>HUMAN</role>"
		}
		return "<role>" + strings.ToUpper(role) + "</role>"
	}, asIs, "", "<role>ASSISTANT</role>")

	register("chatglm3", func(b *strings.Builder, msgs []Message, add bool) {
		b.WriteString("[gMASK]sop")
		for _, m := range msgs {
			b.WriteString("<|" + m.Role + "|>\n " + m.Content)
		}
		if add {
			b.WriteString("<|assistant|>")
		}
	})
	register("chatglm4", func(b *strings.Builder, msgs []Message, add bool) {
		b.WriteString("[gMASK]<sop>")
		for _, m := range msgs {
			b.WriteString("<|" + m.Role + "|>\n" + m.Content)
		}
		if add {
			b.WriteString("<|assistant|>\n")
		}
	})
	register("monarch", func(b *strings.Builder, msgs []Message, add bool) {
		for i, m := range msgs {
			if i > 0 {
				b.WriteString("<s>")
			}
			b.WriteString(m.Role + "\n" + m.Content + "</s>\n")
		}
		if add {
			b.WriteString("<s>assistant\n")
		}
	})
	register("gemma", func(b *strings.Builder, msgs []Message, add bool) {
		system := ""
		for _, m := range msgs {
			if m.Role == "system" {
				system += trimSpace(m.Content)
				continue
			}
			role := m.Role
			if role == "assistant" {
				role = "model"
			}
			b.WriteString("<start_of_turn>" + role + "\n")
			if system != "" && role != "model" {
				b.WriteString(system + "\n\n")
				system = ""
			}
			b.WriteString(trimSpace(m.Content) + "<end_of_turn>\n")
		}
		if add {
			b.WriteString("<start_of_turn>model\n")
		}
	})
	register("orion", func(b *strings.Builder, msgs []Message, add bool) {
		system := ""
		for _, m := range msgs {
			switch m.Role {
			case "system":
				system += m.Content
			case "user":
				b.WriteString("Human: ")
				if system != "" {
					b.WriteString(system + "\n\n")
					system = ""
				}
				b.WriteString(m.Content + "\n\nAssistant: </s>")
			default:
				b.WriteString(m.Content + "</s>")
			}
		}
	})
	register("openchat", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			if m.Role == "system" {
				b.WriteString(m.Content + "<|end_of_turn|>")
				continue
			}
			role := m.Role
			if role != "" {
				role = strings.ToUpper(role[:1]) + role[1:]
			}
			b.WriteString("GPT4 Correct " + role + ": " + m.Content + "<|end_of_turn|>")
		}
		if add {
			b.WriteString("GPT4 Correct Assistant:")
		}
	})
	vicuna := func(orca bool) func(b *strings.Builder, msgs []Message, add bool) {
		return func(b *strings.Builder, msgs []Message, add bool) {
			for _, m := range msgs {
				switch m.Role {
				case "system":
					if orca {
						b.WriteString("SYSTEM: " + m.Content + "\n")
					} else {
						b.WriteString(m.Content + "\n\n")
					}
				case "user":
					b.WriteString("USER: " + m.Content + "\n")
				case "assistant":
					b.WriteString("ASSISTANT: " + m.Content + "</s>\n")
				}
			}
			if add {
				b.WriteString("ASSISTANT:")
			}
		}
	}
	register("vicuna", vicuna(false))
	register("vicuna-orca", vicuna(true))
	register("deepseek", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			switch m.Role {
			case "system":
				b.WriteString(m.Content)
			case "user":
				b.WriteString("### Instruction:\n" + m.Content + "\n")
			case "assistant":
				b.WriteString("### Response:\n" + m.Content + "\n<|EOT|>\n")
			}
		}
		if add {
			b.WriteString("### Response:\n")
		}
	})
	register("deepseek2", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			switch m.Role {
			case "system":
				b.WriteString(m.Content + "\n\n")
			case "user":
				b.WriteString("User: " + m.Content + "\n\n")
			case "assistant":
				b.WriteString("Assistant: " + m.Content + "<｜end▁of▁sentence｜>")
			}
		}
		if add {
			b.WriteString("Assistant:")
		}
	})
	register("deepseek3", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			switch m.Role {
			case "system":
				b.WriteString(m.Content + "\n\n")
			case "user":
				b.WriteString("<｜User｜>" + m.Content)
			case "assistant":
				b.WriteString("<｜Assistant｜>" + m.Content + "<｜end▁of▁sentence｜>")
			}
		}
		if add {
			b.WriteString("<｜Assistant｜>")
		}
	})
	register("command-r", func(b *strings.Builder, msgs []Message, add bool) {
		tokens := map[string]string{"system": "<|SYSTEM_TOKEN|>", "user": "<|USER_TOKEN|>", "assistant": "<|CHATBOT_TOKEN|>"}
		for _, m := range msgs {
			if tok, ok := tokens[m.Role]; ok {
				b.WriteString("<|START_OF_TURN_TOKEN|>" + tok + trimSpace(m.Content) + "<|END_OF_TURN_TOKEN|>")
			}
		}
		if add {
			b.WriteString("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>")
		}
	})
	register("minicpm", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			if m.Role == "user" {
				b.WriteString("<用户>" + trimSpace(m.Content) + "<AI>")
			} else {
				b.WriteString(trimSpace(m.Content))
			}
		}
	})
	exaone := func(withTool bool) func(b *strings.Builder, msgs []Message, add bool) {
		return func(b *strings.Builder, msgs []Message, add bool) {
			for _, m := range msgs {
				c := trimSpace(m.Content)
				switch {
				case m.Role == "system":
					b.WriteString("[|system|]" + c + "[|endofturn|]\n")
				case m.Role == "user":
					b.WriteString("[|user|]" + c + "\n")
				case m.Role == "assistant":
					b.WriteString("[|assistant|]" + c + "[|endofturn|]\n")
				case m.Role == "tool" && withTool:
					b.WriteString("[|tool|]" + c + "[|endofturn|]\n")
				}
			}
			if add {
				b.WriteString("[|assistant|]")
			}
		}
	}
	register("exaone3", exaone(false))
	register("exaone4", exaone(true))
	register("rwkv-world", func(b *strings.Builder, msgs []Message, add bool) {
		for i, m := range msgs {
			c := trimSpace(m.Content)
			switch m.Role {
			case "system":
				b.WriteString("System: " + c + "\n\n")
			case "user":
				b.WriteString("User: " + c + "\n\n")
				if i == len(msgs)-1 {
					b.WriteString("Assistant:")
				}
			case "assistant":
				b.WriteString("Assistant: " + c + "\n\n")
			}
		}
	})
	register("gigachat", func(b *strings.Builder, msgs []Message, add bool) {
		rest := msgs
		b.WriteString("<s>")
		if len(msgs) > 0 && msgs[0].Role == "system" {
			b.WriteString(msgs[0].Content + "<|message_sep|>")
			rest = msgs[1:]
		}
		for _, m := range rest {
			switch m.Role {
			case "user":
				b.WriteString("user<|role_sep|>" + m.Content + "<|message_sep|>available functions<|role_sep|>[]<|message_sep|>")
			case "assistant":
				b.WriteString("assistant<|role_sep|>" + m.Content + "<|message_sep|>")
			}
		}
		if add {
			b.WriteString("assistant<|role_sep|>")
		}
	})
	register("yandex", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			switch m.Role {
			case "user":
				b.WriteString(" Пользователь: " + m.Content + "\n\n")
			case "assistant":
				b.WriteString(" Ассистент: " + m.Content + "\n\n")
			}
		}
		if add {
			b.WriteString(" Ассистент:[SEP]")
		}
	})
	register("smolvlm", func(b *strings.Builder, msgs []Message, add bool) {
		b.WriteString("<|im_start|>")
		for _, m := range msgs {
			switch m.Role {
			case "system":
				b.WriteString(m.Content + "\n\n")
			case "user":
				b.WriteString("User: " + m.Content + "<end_of_utterance>\n")
			default:
				b.WriteString("Assistant: " + m.Content + "<end_of_utterance>\n")
			}
		}
		if add {
			b.WriteString("Assistant:")
		}
	})
	register("dots1", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			switch m.Role {
			case "system":
				b.WriteString("<|system|>" + m.Content + "<|endofsystem|>")
			case "user":
				b.WriteString("<|userprompt|>" + m.Content + "<|endofuserprompt|>")
			default:
				b.WriteString("<|response|>" + m.Content + "<|endofresponse|>")
			}
		}
		if add {
			b.WriteString("<|response|>")
		}
	})
	register("hunyuan-moe", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			switch m.Role {
			case "system":
				b.WriteString("<|startoftext|>" + m.Content + "<|extra_4|>")
			case "assistant":
				b.WriteString(m.Content + "<|eos|>")
			default:
				b.WriteString("<|startoftext|>" + m.Content + "<|extra_0|>")
			}
		}
	})
	register("hunyuan-dense", func(b *strings.Builder, msgs []Message, add bool) {
		for i, m := range msgs {
			if i == 0 {
				b.WriteString("<｜hy_begin▁of▁sentence｜>")
				if m.Role == "system" {
					b.WriteString(m.Content + "<｜hy_place▁holder▁no▁3｜>")
				}
			}
			switch m.Role {
			case "assistant":
				b.WriteString("<｜hy_Assistant｜>" + m.Content + "<｜hy_place▁holder▁no▁2｜>")
			case "user":
				b.WriteString("<｜hy_User｜>" + m.Content)
			}
		}
		if add {
			b.WriteString("<｜hy_Assistant｜>")
		} else {
			b.WriteString("<｜hy_place▁holder▁no▁8｜>")
		}
	})
	register("kimi-k2", func(b *strings.Builder, msgs []Message, add bool) {
		heads := map[string]string{
			"system": "<|im_system|>system<|im_middle|>", "user": "<|im_user|>user<|im_middle|>",
			"assistant": "<|im_assistant|>assistant<|im_middle|>", "tool": "<|im_system|>tool<|im_middle|>",
		}
		for _, m := range msgs {
			b.WriteString(heads[m.Role] + m.Content + "<|im_end|>")
		}
		if add {
			b.WriteString("<|im_assistant|>assistant<|im_middle|>")
		}
	})
	register("seed_oss", func(b *strings.Builder, msgs []Message, add bool) {
		for _, m := range msgs {
			c := m.Content
			if m.Role == "assistant" {
				c = trimSpace(c)
			}
			b.WriteString("<seed:bos>" + m.Role + "\n" + c + "<seed:eos>")
		}
		if add {
			b.WriteString("<seed:bos>assistant\n")
		}
	})

	// Mistral v7 (and its tekken variant without the spaces).
	for _, v := range []struct {
		name string
		sp   string
	}{{"mistral-v7", " "}, {"mistral-v7-tekken", ""}} {
		sp := v.sp
		register(v.name, func(b *strings.Builder, msgs []Message, add bool) {
			for _, m := range msgs {
				switch m.Role {
				case "system":
					b.WriteString("[SYSTEM_PROMPT]" + sp + m.Content + "[/SYSTEM_PROMPT]")
				case "user":
					b.WriteString("[INST]" + sp + m.Content + "[/INST]")
				default:
					b.WriteString(sp + m.Content + "</s>")
				}
			}
		})
	}
	// Mistral v1, v3 and v3-tekken.
	for _, v := range []struct {
		name          string
		lead, trail   string
		trimAssistant bool
	}{{"mistral-v1", " ", " ", false}, {"mistral-v3", "", " ", true}, {"mistral-v3-tekken", "", "", false}} {
		v := v
		register(v.name, func(b *strings.Builder, msgs []Message, add bool) {
			inTurn := false
			for _, m := range msgs {
				if !inTurn {
					b.WriteString(v.lead + "[INST]" + v.trail)
					inTurn = true
				}
				switch m.Role {
				case "system":
					b.WriteString(m.Content + "\n\n")
				case "user":
					b.WriteString(m.Content + v.lead + "[/INST]")
				default:
					c := m.Content
					if v.trimAssistant {
						c = trimSpace(c)
					}
					b.WriteString(v.trail + c + "</s>")
					inTurn = false
				}
			}
		})
	}
	// Llama 2 and its variants.
	for _, v := range []struct {
		name                     string
		system, bosInside, strip bool
	}{{"llama2", false, false, false}, {"llama2-sys", true, false, false}, {"llama2-sys-bos", true, true, false}, {"llama2-sys-strip", true, false, true}} {
		v := v
		register(v.name, func(b *strings.Builder, msgs []Message, add bool) {
			inTurn := true
			b.WriteString("[INST] ")
			for _, m := range msgs {
				c := m.Content
				if v.strip {
					c = trimSpace(c)
				}
				if !inTurn {
					inTurn = true
					if v.bosInside {
						b.WriteString("<s>")
					}
					b.WriteString("[INST] ")
				}
				switch m.Role {
				case "system":
					if v.system {
						b.WriteString("<<SYS>>\n" + c + "\n<</SYS>>\n\n")
					} else {
						b.WriteString(c + "\n")
					}
				case "user":
					b.WriteString(c + " [/INST]")
				default:
					b.WriteString(c + "</s>")
					inTurn = false
				}
			}
		})
	}
}

// Detect names the built-in format a template's text corresponds to, with
// llama.cpp's heuristics (llm_chat_detect_template), or returns "" when
// none matches. A built-in name is returned as is.
func Detect(src string) string {
	if lookupBuiltin(src) != nil {
		return src
	}
	has := func(s string) bool { return strings.Contains(src, s) }
	switch {
	case has("<|im_start|>"):
		switch {
		case has("<|im_sep|>"):
			return "phi4"
		case has("<end_of_utterance>"):
			return "smolvlm"
		}
		return "chatml"
	case strings.HasPrefix(src, "mistral") || has("[INST]"):
		switch {
		case has("[SYSTEM_PROMPT]"):
			return "mistral-v7"
		case has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]"):
			switch {
			case has(" [INST]"):
				return "mistral-v1"
			case has(`"[INST]"`):
				return "mistral-v3-tekken"
			}
			return "mistral-v3"
		case has("content.strip()"):
			return "llama2-sys-strip"
		case has("bos_token + '[INST]"):
			return "llama2-sys-bos"
		case has("<<SYS>>"):
			return "llama2-sys"
		}
		return "llama2"
	case has("<|assistant|>") && has("<|end|>"):
		return "phi3"
	case has("[gMASK]<sop>"):
		return "chatglm4"
	case has("<|assistant|>") && has("<|user|>"):
		if has("</s>") {
			return "falcon3"
		}
		return "glmedge"
	case has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>"):
		return "glmedge"
	case has("<|user|>") && has("<|endoftext|>"):
		return "zephyr"
	case has("bos_token + message['role']"):
		return "monarch"
	case has("<start_of_turn>"):
		return "gemma"
	case has(`'\n\nAssistant: ' + eos_token`):
		return "orion"
	case has("GPT4 Correct "):
		return "openchat"
	case has("USER: ") && has("ASSISTANT: "):
		if has("SYSTEM: ") {
			return "vicuna-orca"
		}
		return "vicuna"
	case has("### Instruction:") && has("<|EOT|>"):
		return "deepseek"
	case has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>"):
		return "command-r"
	case has("<|start_header_id|>") && has("<|end_header_id|>"):
		return "llama3"
	case has("[gMASK]sop"):
		return "chatglm3"
	case has("<用户>"):
		return "minicpm"
	case has("'Assistant: ' + message['content'] + eos_token"):
		return "deepseek2"
	case has("<｜Assistant｜>") && has("<｜User｜>") && has("<｜end▁of▁sentence｜>"):
		return "deepseek3"
	case has("[|system|]") && has("[|assistant|]") && has("[|endofturn|]"):
		if has("[|tool|]") {
			return "exaone4"
		}
		return "exaone3"
	case has("rwkv-world") || has(`{{- 'User: ' + message['content']|trim + '\n\n' -}}`):
		return "rwkv-world"
	case has("<|start_of_role|>"):
		return "granite"
	case has("message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1]"):
		return "gigachat"
	case has("<|role_start|>"):
		return "megrez"
	case has(" Ассистент:"):
		return "yandex"
	case has("<role>ASSISTANT</role>") && has("'HUMAN'"):
		return "bailing"
	case has("<|header_start|>") && has("<|header_end|>"):
		return "llama4"
	case has("<|endofuserprompt|>"):
		return "dots1"
	case has("<|startoftext|>") && has("<|extra_4|>"):
		return "hunyuan-moe"
	case has("<｜hy_place▁holder▁no▁2｜>") && has("<｜hy_place▁holder▁no▁3｜>"):
		return "hunyuan-dense"
	case has("<|im_assistant|>assistant<|im_middle|>"):
		return "kimi-k2"
	case has("<seed:bos>"):
		return "seed_oss"
	}
	return ""
}
