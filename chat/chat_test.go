package chat

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/chat/jinja"
)

var weatherTool = Tool{
	Name:        "get_weather",
	Description: "Get the weather",
	Parameters:  json.RawMessage(`{"type": "object", "properties": {"location": {"type": "string", "description": "City"}}, "required": ["location"]}`),
}

var toolConversation = []Message{
	{Role: "system", Content: "You are a bot."},
	{Role: "user", Content: "Weather in NYC?"},
	{Role: "assistant", ToolCalls: []ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"location": "NYC"}`}}},
	{Role: "tool", Content: `{"temperature": 72}`, ToolCallID: "call_1"},
}

// toolCases were rendered by Python Jinja2 (configured as transformers
// does) from the context llama.cpp builds for toolConversation: messages
// shaped by common_chat_msg::to_json_oaicompat (content "" beside tool
// calls, arguments parsed into a mapping for templates that read them as
// one), tools shaped by common_chat_tools_to_json_oaicompat, and the
// date variables for 2025-01-15.
var toolCases = []struct{ name, want string }{
	{"Qwen-Qwen2.5-7B-Instruct", "<|im_start|>system\nYou are a bot.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"location\": {\"type\": \"string\", \"description\": \"City\"}}, \"required\": [\"location\"]}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWeather in NYC?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"NYC\"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{\"temperature\": 72}\n</tool_response><|im_end|>\n<|im_start|>assistant\n"},
	{"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "<s><|im_start|>system\nYou are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. You may call one or more functions to assist with the user query. Don't make assumptions about what values to plug into functions. Here are the available tools: <tools> {\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"get_weather(location: str) - Get the weather\n\n    Args:\n        location(str): City\", \"parameters\": {\"type\": \"object\", \"properties\": {\"location\": {\"type\": \"string\", \"description\": \"City\"}}, \"required\": [\"location\"]}} </tools>Use the following pydantic model json schema for each tool call you will make: {\"properties\": {\"name\": {\"title\": \"Name\", \"type\": \"string\"}, \"arguments\": {\"title\": \"Arguments\", \"type\": \"object\"}}, \"required\": [\"name\", \"arguments\"], \"title\": \"FunctionCall\", \"type\": \"object\"}}\nFor each function call return a json object with function name and arguments within <tool_call></tool_call> XML tags as follows:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-dict>}\n</tool_call><|im_end|>\n<|im_start|>system\nYou are a bot.<|im_end|>\n<|im_start|>user\nWeather in NYC?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"NYC\"}}\n</tool_call><|im_end|>\n<|im_start|>tool\n<tool_response>\n{\"temperature\": 72}\n</tool_response><|im_end|><|im_start|>assistant\n"},
	{"meta-llama-Llama-3.1-8B-Instruct", "<s><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 15 Jan 2025\n\nYou are a bot.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\nRespond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n        \"description\": \"Get the weather\",\n        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {\n                \"location\": {\n                    \"type\": \"string\",\n                    \"description\": \"City\"\n                }\n            },\n            \"required\": [\n                \"location\"\n            ]\n        }\n    }\n}\n\nWeather in NYC?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"location\": \"NYC\"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n\n\"{\\\"temperature\\\": 72}\"<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
}

func TestToolsAndToolCalls(t *testing.T) {
	for _, tc := range toolCases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := New(readFixture(t, tc.name, ".jinja"))
			if err != nil {
				t.Fatal(err)
			}
			c := tmpl.Caps()
			if !c.Tools || !c.ToolCalls || !c.ObjectArguments {
				t.Errorf("caps %+v: want tools, tool calls and object arguments", c)
			}
			out, err := tmpl.Render(toolConversation, Options{AddGenerationPrompt: true, BOS: "<s>", EOS: "</s>", Tools: []Tool{weatherTool}, Now: fixtureNow})
			if err != nil {
				t.Fatal(err)
			}
			if out != tc.want {
				t.Errorf("%s", firstDiff(out, tc.want))
			}
		})
	}
}

func mustNew(t *testing.T, src string) *Template {
	t.Helper()
	tmpl, err := New(src)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func mustRender(t *testing.T, tmpl *Template, msgs []Message, opts Options) string {
	t.Helper()
	out, err := tmpl.Render(msgs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Only gemma-2 rejects the system role among llama.cpp's templates; the
// others must keep it (folding would change their .expected.txt).
func TestSystemRoleCaps(t *testing.T) {
	idx := loadIndex(t)
	for _, e := range idx.Templates {
		tmpl := mustNew(t, readFixture(t, e.Name, ".jinja"))
		if got, want := tmpl.Caps().SystemRole, e.Name != "google-gemma-2-2b-it"; got != want {
			t.Errorf("%s: SystemRole = %v, want %v", e.Name, got, want)
		}
		if !tmpl.Caps().StringContent {
			t.Errorf("%s: StringContent = false", e.Name)
		}
	}
}

func TestSystemOnlyConversationIsDropped(t *testing.T) {
	tmpl := mustNew(t, readFixture(t, "google-gemma-2-2b-it", ".jinja"))
	out := mustRender(t, tmpl, []Message{{Role: "system", Content: "Be brief."}}, Options{AddGenerationPrompt: true, BOS: "<s>"})
	if out != "<s><start_of_turn>model\n" {
		t.Errorf("got %q", out)
	}
}

func TestDeveloperRoleBecomesSystem(t *testing.T) {
	tmpl := mustNew(t, readFixture(t, "Qwen-Qwen2.5-7B-Instruct", ".jinja"))
	out := mustRender(t, tmpl, []Message{{Role: "developer", Content: "Rules."}, {Role: "user", Content: "Hi"}}, Options{AddGenerationPrompt: true})
	if want := "<|im_start|>system\nRules.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"; out != want {
		t.Errorf("%s", firstDiff(out, want))
	}
	// gpt-oss has a developer role of its own.
	oss := mustNew(t, readFixture(t, "openai-gpt-oss-120b", ".jinja"))
	out = mustRender(t, oss, []Message{{Role: "developer", Content: "Rules."}, {Role: "user", Content: "Hi"}}, Options{AddGenerationPrompt: true, Now: fixtureNow})
	if !strings.Contains(out, "<|start|>developer<|message|># Instructions\n\nRules.") {
		t.Errorf("developer message not kept for gpt-oss: %q", out)
	}
}

// The expected prompts come from Python Jinja2 with enable_thinking set.
func TestThinkingModes(t *testing.T) {
	tmpl := mustNew(t, readFixture(t, "Qwen-Qwen3-0.6B", ".jinja"))
	if !tmpl.SupportsThinking() {
		t.Fatal("Qwen3 must support thinking")
	}
	on := "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
	off := "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
	msgs := []Message{{Role: "user", Content: "Hi"}}
	for _, tc := range []struct {
		mode ThinkingMode
		want string
	}{{ThinkingAuto, on}, {ThinkingOn, on}, {ThinkingOff, off}} {
		if out := mustRender(t, tmpl, msgs, Options{AddGenerationPrompt: true, EnableThinking: tc.mode}); out != tc.want {
			t.Errorf("mode %d: %s", tc.mode, firstDiff(out, tc.want))
		}
	}
	// chat_template_kwargs override the built-in variables.
	out := mustRender(t, tmpl, msgs, Options{AddGenerationPrompt: true, ExtraVars: map[string]any{"enable_thinking": json.RawMessage("false")}})
	if out != off {
		t.Errorf("ExtraVars enable_thinking=false: %s", firstDiff(out, off))
	}
	if _, err := tmpl.Render(msgs, Options{ExtraVars: map[string]any{"x": json.RawMessage("{bad")}}); err == nil {
		t.Error("bad JSON in ExtraVars accepted")
	}
}

func TestDateVariables(t *testing.T) {
	tmpl := mustNew(t, readFixture(t, "meta-llama-Llama-3.1-8B-Instruct", ".jinja"))
	msgs := []Message{{Role: "user", Content: "Hi"}}
	out := mustRender(t, tmpl, msgs, Options{Now: time.Date(2031, 7, 4, 9, 0, 0, 0, time.UTC)})
	if !strings.Contains(out, "Today Date: 04 Jul 2031\n") {
		t.Errorf("pinned date missing: %q", out)
	}
	before := time.Now()
	out = mustRender(t, tmpl, msgs, Options{})
	if !strings.Contains(out, "Today Date: "+jinja.Strftime(before, "%d %b %Y")) && !strings.Contains(out, "Today Date: "+jinja.Strftime(time.Now(), "%d %b %Y")) {
		t.Errorf("zero Now must mean the current date: %q", out)
	}
	// strftime_now follows Now too.
	gran := mustNew(t, readFixture(t, "ibm-granite-granite-3.3-2B-Instruct", ".jinja"))
	out = mustRender(t, gran, msgs, Options{Now: time.Date(2031, 7, 4, 9, 0, 0, 0, time.UTC)})
	if !strings.Contains(out, "Today's Date: July 04, 2031.") {
		t.Errorf("strftime_now not pinned: %q", out)
	}
}

func TestTokenizerAddsBOSAndEOS(t *testing.T) {
	tmpl := mustNew(t, "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}{{ eos_token }}")
	msgs := []Message{{Role: "user", Content: "x"}}
	cases := []struct {
		opts Options
		want string
	}{
		{Options{BOS: "<s>", EOS: "</s>"}, "<s>x</s>"},
		{Options{BOS: "<s>", EOS: "</s>", TokenizerAddsBOS: true}, "x</s>"},
		{Options{BOS: "<s>", EOS: "</s>", TokenizerAddsEOS: true}, "<s>x"},
		{Options{BOS: "", EOS: "", TokenizerAddsBOS: true, TokenizerAddsEOS: true}, "x"},
	}
	for _, tc := range cases {
		if out := mustRender(t, tmpl, msgs, tc.opts); out != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.opts, out, tc.want)
		}
	}
}

func TestGPTOSSFinishedConversationEndsWithEnd(t *testing.T) {
	tmpl := mustNew(t, readFixture(t, "openai-gpt-oss-120b", ".jinja"))
	msgs := []Message{{Role: "user", Content: "Hi"}, {Role: "assistant", Content: "Hello."}}
	out := mustRender(t, tmpl, msgs, Options{Now: fixtureNow})
	if !strings.HasSuffix(out, "<|channel|>final<|message|>Hello.<|end|>") || strings.Contains(out, "<|return|>") {
		t.Errorf("got %q", out)
	}
}

func TestMinistralReasoningBlocks(t *testing.T) {
	tmpl := mustNew(t, readFixture(t, "mistralai-Ministral-3-14B-Reasoning-2512", ".jinja"))
	msgs := []Message{{Role: "user", Content: "Hi"}, {Role: "assistant", Content: "Hello.", ReasoningContent: "Greet back."}, {Role: "user", Content: "Bye"}}
	out := mustRender(t, tmpl, msgs, Options{AddGenerationPrompt: true, BOS: "<s>", Now: fixtureNow})
	if !strings.Contains(out, "[THINK]Greet back.[/THINK]Hello.") {
		t.Errorf("reasoning block missing: %q", out)
	}
}

func TestTypedContentOnlyTemplate(t *testing.T) {
	tmpl := mustNew(t, "{% for m in messages %}[{% for p in m.content %}{{ p.text }}{% endfor %}]{% endfor %}")
	c := tmpl.Caps()
	if c.StringContent || !c.TypedContent {
		t.Fatalf("caps %+v", c)
	}
	if out := mustRender(t, tmpl, []Message{{Role: "user", Content: "hello"}}, Options{}); out != "[hello]" {
		t.Errorf("got %q", out)
	}
}

func TestRenderErrors(t *testing.T) {
	tmpl := mustNew(t, "{% if messages|length > 1 %}{{ raise_exception('only one message') }}{% endif %}ok")
	_, err := tmpl.Render([]Message{{Role: "user"}, {Role: "user"}}, Options{})
	var je *jinja.Error
	if !errors.As(err, &je) || !je.Raised || je.Msg != "only one message" {
		t.Errorf("got %v", err)
	}
	qwen := mustNew(t, readFixture(t, "Qwen-Qwen2.5-7B-Instruct", ".jinja"))
	bad := []Message{{Role: "assistant", ToolCalls: []ToolCall{{Name: "f", Arguments: "{not json"}}}}
	if _, err := qwen.Render(bad, Options{}); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("bad arguments: %v", err)
	}
	if _, err := qwen.Render(nil, Options{Tools: []Tool{{Name: "f", Parameters: json.RawMessage("[")}}}); err == nil {
		t.Error("bad tool parameters accepted")
	}
	if _, err := New("{% for %}"); err == nil || !strings.Contains(err.Error(), "line 1 column 8") {
		t.Errorf("parse error: %v", err)
	}
}

func TestNewAndLoad(t *testing.T) {
	for _, src := range []string{"", "chatml"} {
		tmpl := mustNew(t, src)
		out := mustRender(t, tmpl, []Message{{Role: "user", Content: "Hi"}}, Options{AddGenerationPrompt: true})
		if out != "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n" {
			t.Errorf("New(%q): %q", src, out)
		}
	}
	tmpl := mustNew(t, "llama3")
	if out := mustRender(t, tmpl, []Message{{Role: "user", Content: " Hi "}}, Options{AddGenerationPrompt: true}); out != "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n" {
		t.Errorf("New(llama3): %q", out)
	}
	// A template that does not parse falls back to what Detect finds in it.
	tmpl, err := Load("<|start_header_id|>{{ broken <|end_header_id|>")
	if err == nil || tmpl == nil || tmpl.Source() != "llama3" {
		t.Fatalf("Load: %v, %v", tmpl, err)
	}
	tmpl, err = Load("{% if %}")
	if err == nil || tmpl == nil || tmpl.Source() != "chatml" {
		t.Fatalf("Load: %v, %v", tmpl, err)
	}
	tmpl, err = Load(readFixture(t, "Qwen-Qwen3-0.6B", ".jinja"))
	if err != nil || tmpl.Source() != readFixture(t, "Qwen-Qwen3-0.6B", ".jinja") {
		t.Fatalf("Load of a good template: %v", err)
	}
}

func TestConcurrentRenders(t *testing.T) {
	tmpl := mustNew(t, readFixture(t, "Qwen-Qwen3-0.6B", ".jinja"))
	want := mustRender(t, tmpl, fixtureMessages, Options{AddGenerationPrompt: true})
	done := make(chan string)
	for i := 0; i < 8; i++ {
		go func() {
			out, err := tmpl.Render(fixtureMessages, Options{AddGenerationPrompt: true})
			if err != nil {
				out = err.Error()
			}
			done <- out
		}()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; got != want {
			t.Errorf("concurrent render differs: %s", firstDiff(got, want))
		}
	}
}

var renderSink string

func BenchmarkRenderQwen3(b *testing.B) {
	src, err := readFile(fixtureDir + "/Qwen-Qwen3-0.6B.jinja")
	if err != nil {
		b.Fatal(err)
	}
	tmpl, err := New(src)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, err := tmpl.Render(fixtureMessages, Options{AddGenerationPrompt: true})
		if err != nil {
			b.Fatal(err)
		}
		renderSink = out
	}
	b.SetBytes(int64(len(renderSink)))
}

func BenchmarkNewQwen3(b *testing.B) {
	src, err := readFile(fixtureDir + "/Qwen-Qwen3-0.6B.jinja")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		tmpl, err := New(src)
		if err != nil {
			b.Fatal(err)
		}
		renderSink = tmpl.Source()
	}
}
