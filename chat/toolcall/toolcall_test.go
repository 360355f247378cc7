package toolcall

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gollm/gollm/chat"
)

func readTemplate(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".jinja")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	weather = chat.Tool{Name: "get_weather", Description: "Get the weather",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}`)}
	search = chat.Tool{Name: "search", Description: "Search the web",
		Parameters: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}}}`)}
	tools = []chat.Tool{weather, search}
)

// TestDetect: each template family gets the format llama.cpp picks for it
// and its reasoning markers.
func TestDetect(t *testing.T) {
	for _, c := range []struct {
		template    string
		format      Format
		open, close string
	}{
		{"Qwen-Qwen2.5-7B-Instruct", FormatHermes, "<think>", "</think>"},
		{"Qwen-Qwen3-0.6B", FormatHermes, "<think>", "</think>"},
		{"Qwen3-Coder", FormatHermes, "<think>", "</think>"},
		{"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", FormatHermes, "<think>", "</think>"},
		{"meetkai-functionary-medium-v3.1", FormatHermes, "<think>", "</think>"},
		{"meta-llama-Llama-3.1-8B-Instruct", FormatLlama3, "<think>", "</think>"},
		{"meta-llama-Llama-3.2-3B-Instruct", FormatLlama3, "<think>", "</think>"},
		{"mistralai-Mistral-Nemo-Instruct-2407", FormatMistral, "<think>", "</think>"},
		{"Mistral-Small-3.2-24B-Instruct-2506", FormatMistral, "<think>", "</think>"},
		{"mistralai-Ministral-3-14B-Reasoning-2512", FormatMistral, "[THINK]", "[/THINK]"},
		{"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", FormatDeepSeekR1, "<think>", "</think>"},
		{"microsoft-Phi-3.5-mini-instruct", FormatGeneric, "<think>", "</think>"},
	} {
		s := Detect(readTemplate(t, c.template))
		if s.Format != c.format || s.ThinkOpen != c.open || s.ThinkClose != c.close {
			t.Errorf("%s: %v %q %q, want %v %q %q", c.template, s.Format, s.ThinkOpen, s.ThinkClose, c.format, c.open, c.close)
		}
	}
}

// TestStartsInThinking renders real templates: DeepSeek R1 distills open
// <think> in the prompt; Qwen3 with thinking off closes an empty block.
func TestStartsInThinking(t *testing.T) {
	msgs := []chat.Message{{Role: "user", Content: "What is 2+2?"}}
	for _, c := range []struct {
		template string
		mode     chat.ThinkingMode
		want     bool
	}{
		{"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", chat.ThinkingAuto, true},
		{"Qwen-Qwen3-0.6B", chat.ThinkingOn, false},
		{"Qwen-Qwen3-0.6B", chat.ThinkingOff, false},
		{"Qwen-Qwen2.5-7B-Instruct", chat.ThinkingAuto, false},
	} {
		src := readTemplate(t, c.template)
		tmpl, err := chat.New(src)
		if err != nil {
			t.Fatal(err)
		}
		prompt, err := tmpl.Render(msgs, chat.Options{AddGenerationPrompt: true, EnableThinking: c.mode})
		if err != nil {
			t.Fatal(err)
		}
		if got := StartsInThinking(prompt, Detect(src)); got != c.want {
			t.Errorf("%s (%v): %v, want %v; prompt tail %q", c.template, c.mode, got, c.want, prompt[max(0, len(prompt)-40):])
		}
	}
}

func call(name, args string) Call { return Call{Name: name, Arguments: args} }

type parseCase struct {
	name       string
	template   string
	noTools    bool
	inThinking bool
	text       string
	want       Delta
}

var parseCases = []parseCase{
	// Hermes / Qwen.
	{name: "qwen2.5 call", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>",
		want: Delta{Calls: []Call{call("get_weather", `{"city":"Paris","days":3}`)}}},
	{name: "qwen2.5 content then two calls", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "Let me look both up.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"Paris events <today>\"}}\n</tool_call>",
		want: Delta{Content: "Let me look both up.", Calls: []Call{call("get_weather", `{"city":"Paris"}`), call("search", `{"query":"Paris events <today>"}`)}}},
	{name: "qwen2.5 call without its tags", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}",
		want: Delta{Calls: []Call{call("get_weather", `{"city":"Paris"}`)}}},
	{name: "qwen2.5 JSON answer", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "{\"city\": \"Paris\", \"arguments\": 1}",
		want: Delta{Content: "{\"city\": \"Paris\", \"arguments\": 1}"}},
	{name: "qwen2.5 plain answer", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "The capital of France is Paris. Use <b>tags</b> freely: a < b, x <tool>.",
		want: Delta{Content: "The capital of France is Paris. Use <b>tags</b> freely: a < b, x <tool>."}},
	{name: "qwen2.5 arguments as a JSON string", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "<tool_call>\n{\"name\": \"search\", \"arguments\": \"{\\\"query\\\": \\\"go\\\"}\"}\n</tool_call>",
		want: Delta{Calls: []Call{call("search", `{"query":"go"}`)}}},
	{name: "qwen2.5 malformed JSON stays content", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": Paris}}\n</tool_call> sorry",
		want: Delta{Content: "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": Paris}}\n</tool_call> sorry"}},
	{name: "qwen2.5 unclosed call completed by the end", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"x\"}}",
		want: Delta{Calls: []Call{call("search", `{"query":"x"}`)}}},
	{name: "qwen2.5 truncated call stays content", template: "Qwen-Qwen2.5-7B-Instruct",
		text: "<tool_call>\n{\"name\": \"search\", \"argu",
		want: Delta{Content: "<tool_call>\n{\"name\": \"search\", \"argu"}},
	{name: "qwen2.5 no tools offered: calls are text", template: "Qwen-Qwen2.5-7B-Instruct", noTools: true,
		text: "<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>",
		want: Delta{Content: "<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>"}},
	{name: "qwen3 thinking then call", template: "Qwen-Qwen3-0.6B",
		text: "<think>\nThe user wants the weather in Paris. I should call get_weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
		want: Delta{Thinking: "The user wants the weather in Paris. I should call get_weather.", Calls: []Call{call("get_weather", `{"city":"Paris"}`)}}},
	{name: "qwen3 thinking then answer", template: "Qwen-Qwen3-0.6B",
		text: "<think>\nOkay, 2+2 is basic.   \n\nIt is 4.\n</think>\n\n2 + 2 = **4**.",
		want: Delta{Thinking: "Okay, 2+2 is basic.   \n\nIt is 4.", Content: "2 + 2 = **4**."}},
	{name: "qwen3 empty think block (thinking off)", template: "Qwen-Qwen3-0.6B",
		text: "<think>\n\n</think>\n\nHello! How can I help?",
		want: Delta{Content: "Hello! How can I help?"}},
	{name: "qwen3 unclosed thinking", template: "Qwen-Qwen3-0.6B",
		text: "<think>\nLet me count: 1, 2, 3",
		want: Delta{Thinking: "Let me count: 1, 2, 3"}},
	{name: "qwen3 think marker later is content", template: "Qwen-Qwen3-0.6B",
		text: "Models write <think> blocks.",
		want: Delta{Content: "Models write <think> blocks."}},
	{name: "qwen3-coder XML parameters", template: "Qwen3-Coder",
		text: "I'll check.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nNew York\n</parameter>\n<parameter=days>\n2\n</parameter>\n</function>\n</tool_call>",
		want: Delta{Content: "I'll check.", Calls: []Call{call("get_weather", `{"city":"New York","days":2}`)}}},
	{name: "qwen3-coder string typed parameter stays a string", template: "Qwen3-Coder",
		text: "<tool_call>\n<function=search>\n<parameter=query>\n42\n</parameter>\n</function>\n</tool_call>",
		want: Delta{Calls: []Call{call("search", `{"query":"42"}`)}}},
	{name: "functionary v3.1 function tag", template: "meetkai-functionary-medium-v3.1",
		text: "<function=get_weather>{\"city\": \"Oslo\"}</function>",
		want: Delta{Calls: []Call{call("get_weather", `{"city":"Oslo"}`)}}},

	// Llama 3.x.
	{name: "llama3.1 JSON call", template: "meta-llama-Llama-3.1-8B-Instruct",
		text: "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"San Francisco\"}}",
		want: Delta{Calls: []Call{call("get_weather", `{"city":"San Francisco"}`)}}},
	{name: "llama3.2 typed call", template: "meta-llama-Llama-3.2-3B-Instruct",
		text: "{\"type\": \"function\", \"name\": \"search\", \"parameters\": {\"query\": \"llama\"}}",
		want: Delta{Calls: []Call{call("search", `{"query":"llama"}`)}}},
	{name: "llama3.2 two calls", template: "meta-llama-Llama-3.2-3B-Instruct",
		text: "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}; {\"name\": \"search\", \"parameters\": {\"query\": \"Rome\"}}",
		want: Delta{Calls: []Call{call("get_weather", `{"city":"Rome"}`), call("search", `{"query":"Rome"}`)}}},
	{name: "llama3.1 python tag JSON", template: "meta-llama-Llama-3.1-8B-Instruct",
		text: "<|python_tag|>{\"name\": \"search\", \"parameters\": {\"query\": \"weather\"}}",
		want: Delta{Calls: []Call{call("search", `{"query":"weather"}`)}}},
	{name: "llama3.1 built-in tool", template: "meta-llama-Llama-3.1-8B-Instruct",
		text: "<|python_tag|>brave_search.call(query=\"current weather in Menlo Park\", count=3)",
		want: Delta{Calls: []Call{call("brave_search", `{"query":"current weather in Menlo Park","count":3}`)}}},
	{name: "llama3.1 JSON answer that is not a call", template: "meta-llama-Llama-3.1-8B-Instruct",
		text: "{\"name\": \"Alice\", \"age\": 30}",
		want: Delta{Content: "{\"name\": \"Alice\", \"age\": 30}"}},
	{name: "llama3.1 unknown tool is content", template: "meta-llama-Llama-3.1-8B-Instruct",
		text: "{\"name\": \"launch\", \"parameters\": {}}",
		want: Delta{Content: "{\"name\": \"launch\", \"parameters\": {}}"}},
	{name: "llama3.1 plain answer", template: "meta-llama-Llama-3.1-8B-Instruct",
		text: "It is sunny in Paris today {probably}.",
		want: Delta{Content: "It is sunny in Paris today {probably}."}},
	{name: "llama3.1 broken JSON", template: "meta-llama-Llama-3.1-8B-Instruct",
		text: "{\"name\": \"search\", \"parameters\": {\"query\": }} oops",
		want: Delta{Content: "{\"name\": \"search\", \"parameters\": {\"query\": }} oops"}},

	// Mistral.
	{name: "mistral nemo array", template: "mistralai-Mistral-Nemo-Instruct-2407",
		text: "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lyon\"}, \"id\": \"a1b2c3d4e\"}, {\"name\": \"search\", \"arguments\": {\"query\": \"Lyon\"}, \"id\": \"f5g6h7i8j\"}]",
		want: Delta{Calls: []Call{{ID: "a1b2c3d4e", Name: "get_weather", Arguments: `{"city":"Lyon"}`}, {ID: "f5g6h7i8j", Name: "search", Arguments: `{"query":"Lyon"}`}}}},
	{name: "mistral nemo content", template: "mistralai-Mistral-Nemo-Instruct-2407",
		text: "Sure! [TOOL] is not [TOOL_CALLS]-like.",
		want: Delta{Content: "Sure! [TOOL] is not [TOOL_CALLS]-like."}},
	{name: "mistral small 3.2 call id form", template: "Mistral-Small-3.2-24B-Instruct-2506",
		text: "[TOOL_CALLS]get_weather[CALL_ID]Ab3dE6gH9[ARGS]{\"city\": \"Nice\"}[TOOL_CALLS]search[CALL_ID]xY7z[ARGS]{\"query\": \"Nice\"}",
		want: Delta{Calls: []Call{{ID: "Ab3dE6gH9", Name: "get_weather", Arguments: `{"city":"Nice"}`}, {ID: "xY7z", Name: "search", Arguments: `{"query":"Nice"}`}}}},
	{name: "ministral 3 thinking and args form", template: "mistralai-Ministral-3-14B-Reasoning-2512",
		text: "[THINK]Need weather and news.[/THINK][TOOL_CALLS]get_weather[ARGS]{\"city\": \"Metz\"}search[ARGS]{\"query\": \"Metz\"}",
		want: Delta{Thinking: "Need weather and news.", Calls: []Call{call("get_weather", `{"city":"Metz"}`), call("search", `{"query":"Metz"}`)}}},
	{name: "mistral args form then text", template: "Mistral-Small-3.2-24B-Instruct-2506",
		text: "[TOOL_CALLS]search[ARGS]{\"query\": \"a\"} That is all.",
		want: Delta{Calls: []Call{call("search", `{"query":"a"}`)}, Content: "That is all."}},
	{name: "mistral bad args", template: "Mistral-Small-3.2-24B-Instruct-2506",
		text: "[TOOL_CALLS]search[ARGS]not json",
		want: Delta{Content: "[TOOL_CALLS]search[ARGS]not json"}},

	// DeepSeek R1.
	{name: "deepseek r1 forced-open thinking", template: "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", inThinking: true,
		text: "Okay, so 2+2.\nThat's 4.\n</think>\n\nThe answer is 4.",
		want: Delta{Thinking: "Okay, so 2+2.\nThat's 4.", Content: "The answer is 4."}},
	{name: "deepseek r1 tool call", template: "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", inThinking: true,
		text: "I need the weather.\n</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Tokyo\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
		want: Delta{Thinking: "I need the weather.", Calls: []Call{call("get_weather", `{"city":"Tokyo"}`)}}},

	// Generic.
	{name: "generic tool_calls", template: "microsoft-Phi-3.5-mini-instruct",
		text: "{\"tool_calls\": [{\"name\": \"search\", \"arguments\": {\"query\": \"phi\"}, \"id\": \"call_1\"}]}",
		want: Delta{Calls: []Call{{ID: "call_1", Name: "search", Arguments: `{"query":"phi"}`}}}},
	{name: "generic tool_call", template: "microsoft-Phi-3.5-mini-instruct",
		text: "{\"tool_call\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Bonn\"}}}",
		want: Delta{Calls: []Call{call("get_weather", `{"city":"Bonn"}`)}}},
	{name: "generic response", template: "microsoft-Phi-3.5-mini-instruct",
		text: "{\"response\": \"Hello there.\"}",
		want: Delta{Content: "Hello there."}},
	{name: "generic name and arguments", template: "microsoft-Phi-3.5-mini-instruct",
		text: "  {\"name\": \"search\", \"arguments\": {\"query\": \"q\"}}",
		want: Delta{Calls: []Call{call("search", `{"query":"q"}`)}}},
	{name: "generic text", template: "microsoft-Phi-3.5-mini-instruct",
		text: "Hi! Here is JSON: {\"a\": 1}",
		want: Delta{Content: "Hi! Here is JSON: {\"a\": 1}"}},
	{name: "generic thinking", template: "microsoft-Phi-3.5-mini-instruct", noTools: true,
		text: "\n<think>hmm</think>ok",
		want: Delta{Thinking: "hmm", Content: "ok"}},
}

func (c parseCase) options(t *testing.T) Options {
	o := Options{Syntax: Detect(readTemplate(t, c.template)), InThinking: c.inThinking}
	if !c.noTools {
		o.Tools = tools
	}
	return o
}

func sameDelta(a, b Delta) bool {
	return a.Content == b.Content && a.Thinking == b.Thinking && (len(a.Calls) == 0 && len(b.Calls) == 0 || reflect.DeepEqual(a.Calls, b.Calls))
}

// TestParse: whole replies of each format, then the same replies streamed
// in random pieces (bytes, runes split included): the pieces' parts put
// together equal the whole parse.
func TestParse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			o := c.options(t)
			got := Parse(o, c.text)
			if !sameDelta(got, c.want) {
				t.Fatalf("Parse:\n got %+v\nwant %+v", got, c.want)
			}
			for trial := 0; trial < 30; trial++ {
				p := New(o)
				var sum Delta
				add := func(d Delta) {
					sum.Content += d.Content
					sum.Thinking += d.Thinking
					sum.Calls = append(sum.Calls, d.Calls...)
				}
				for rest := c.text; rest != ""; {
					n := 1 + rng.IntN(min(len(rest), 1+trial%8))
					if trial == 0 {
						n = 1
					}
					add(p.Add(rest[:n]))
					rest = rest[n:]
				}
				add(p.Finish())
				if !sameDelta(sum, got) {
					t.Fatalf("trial %d: streamed\n got %+v\nwant %+v", trial, sum, got)
				}
			}
		})
	}
}

// TestStreamHoldsOnlyMarkerPrefixes: content is released as soon as it
// cannot start a marker; a call is released when it completes.
func TestStreamHoldsOnlyMarkerPrefixes(t *testing.T) {
	o := Options{Syntax: Detect(readTemplate(t, "Qwen-Qwen3-0.6B")), Tools: tools}
	p := New(o)
	steps := []struct {
		piece string
		want  Delta
	}{
		{"<th", Delta{}},
		{"ink>\nPlan", Delta{Thinking: "Plan"}},
		{" it.\n</thi", Delta{Thinking: " it."}},
		{"nk>\n\nChecking", Delta{Content: "Checking"}},
		{" now. <", Delta{Content: " now."}},
		{"b>", Delta{Content: " <b>"}},
		{"\n<tool_", Delta{}},
		{"call>\n{\"name\": \"search\", ", Delta{}},
		{"\"arguments\": {\"query\": \"x\"}}\n</tool_call>", Delta{Calls: []Call{call("search", `{"query":"x"}`)}}},
		{"\n", Delta{}},
	}
	for i, s := range steps {
		if got := p.Add(s.piece); !sameDelta(got, s.want) {
			t.Errorf("step %d (%q): %+v, want %+v", i, s.piece, got, s.want)
		}
	}
	if got := p.Finish(); !got.Empty() {
		t.Errorf("finish: %+v", got)
	}
}

// TestPassthrough: without tools or thinking markers the parser changes
// nothing, and with them ordinary text is released at once.
func TestPassthrough(t *testing.T) {
	text := "  Once upon a time,\n there was <a> [b] {c}.  "
	if got := Parse(Options{}, text); got.Content != text || got.Thinking != "" || got.Calls != nil {
		t.Errorf("plain: %+v", got)
	}
	p := New(Options{Syntax: Detect(readTemplate(t, "Qwen-Qwen2.5-7B-Instruct")), Tools: tools})
	if got := p.Add("Hello world"); got.Content != "Hello world" {
		t.Errorf("released %q", got.Content)
	}
}

// TestNoPanicOnGarbage feeds odd replies in every format.
func TestNoPanicOnGarbage(t *testing.T) {
	inputs := []string{
		"<tool_call>", "<tool_call></tool_call>", "<tool_call><function=></function></tool_call>", "<function=x>",
		"<tool_call><function=f>\n<parameter=a>1", "[TOOL_CALLS]", "[TOOL_CALLS][", "[TOOL_CALLS]x[CALL_ID]",
		"[TOOL_CALLS][1,2]", "[TOOL_CALLS][{}]", "{", "{}", "{\"tool_calls\": 5}", "{\"tool_calls\": []}",
		"<|python_tag|>", "<|python_tag|>x.call(", "<|python_tag|>x.call(a=)", "<|python_tag|>x.call(a='b", "</think>",
		"<think>", "[THINK]", dsCallsBegin, dsCallsBegin + dsCallBegin + dsSep + dsCallEnd + dsCallsEnd,
		"\xff\xfe<tool_call>\xff</tool_call>", strings.Repeat("{", 1000),
	}
	for _, tmpl := range []string{"Qwen-Qwen3-0.6B", "meta-llama-Llama-3.1-8B-Instruct", "Mistral-Small-3.2-24B-Instruct-2506",
		"mistralai-Mistral-Nemo-Instruct-2407", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", "microsoft-Phi-3.5-mini-instruct", "Qwen3-Coder"} {
		o := Options{Syntax: Detect(readTemplate(t, tmpl)), Tools: tools}
		for _, in := range inputs {
			d := Parse(o, in)
			if len(d.Calls) == 0 && d.Content+d.Thinking == "" && strings.TrimSpace(in) != "" &&
				!strings.HasPrefix(in, "<think>") && !strings.HasPrefix(in, "[THINK]") && in != "</think>" {
				t.Errorf("%s: %q vanished", tmpl, in)
			}
		}
	}
}

var sinkDelta Delta

// BenchmarkStream parses a thinking reply with a tool call fed one short
// piece at a time, as a server does.
func BenchmarkStream(b *testing.B) {
	text := "<think>\n" + strings.Repeat("The user asks about the weather, so I look it up. ", 40) + "\n</think>\n\n" +
		"Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>"
	var pieces []string
	for i := 0; i < len(text); i += 4 {
		pieces = append(pieces, text[i:min(i+4, len(text))])
	}
	src, err := os.ReadFile("testdata/Qwen-Qwen3-0.6B.jinja")
	if err != nil {
		b.Fatal(err)
	}
	o := Options{Syntax: Detect(string(src)), Tools: tools}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		p := New(o)
		for _, s := range pieces {
			sinkDelta = p.Add(s)
		}
		sinkDelta = p.Finish()
	}
}

// FuzzParse: any reply in any format parses without panicking, and
// streaming it in pieces (at split points taken from the input) gives the
// whole parse.
func FuzzParse(f *testing.F) {
	templates := []string{"Qwen-Qwen3-0.6B", "Qwen3-Coder", "meta-llama-Llama-3.1-8B-Instruct", "mistralai-Mistral-Nemo-Instruct-2407",
		"mistralai-Ministral-3-14B-Reasoning-2512", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", "microsoft-Phi-3.5-mini-instruct"}
	var syntaxes []Syntax
	for _, name := range templates {
		b, err := os.ReadFile("testdata/" + name + ".jinja")
		if err != nil {
			f.Fatal(err)
		}
		syntaxes = append(syntaxes, Detect(string(b)))
	}
	for i, c := range parseCases {
		f.Add(c.text, uint8(i), uint8(i*7))
	}
	f.Fuzz(func(t *testing.T, text string, which, seed uint8) {
		o := Options{Syntax: syntaxes[int(which)%len(syntaxes)], Tools: tools, InThinking: which&0x80 != 0}
		whole := Parse(o, text)
		p := New(o)
		var sum Delta
		step := 1 + int(seed%7)
		for i := 0; i < len(text); i += step {
			d := p.Add(text[i:min(i+step, len(text))])
			sum.Content += d.Content
			sum.Thinking += d.Thinking
			sum.Calls = append(sum.Calls, d.Calls...)
		}
		d := p.Finish()
		sum.Content += d.Content
		sum.Thinking += d.Thinking
		sum.Calls = append(sum.Calls, d.Calls...)
		if !sameDelta(sum, whole) {
			t.Fatalf("streamed %+v, whole %+v", sum, whole)
		}
		for _, c := range whole.Calls {
			if !json.Valid([]byte(c.Arguments)) || !strings.HasPrefix(c.Arguments, "{") {
				t.Fatalf("call %+v: arguments are not a JSON object", c)
			}
		}
	})
}
