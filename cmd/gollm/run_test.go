package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/embedded"
)

// syncBuffer is a bytes.Buffer safe for the REPL's two writers (the
// answer and the Ctrl-C hint).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// onWrite, if set, sees each write (after it is stored).
	onWrite func(p string, all string)
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	all := s.b.String()
	s.mu.Unlock()
	if s.onWrite != nil {
		s.onWrite(string(p), all)
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// withInput makes `gollm run` read in (as a terminal or not) and take
// Ctrl-C from the returned channel, for the rest of the test.
func withInput(t *testing.T, in io.Reader, tty bool) chan os.Signal {
	t.Helper()
	sig := make(chan os.Signal, 1)
	oldIn, oldSig := runInput, runInterrupts
	runInput = func() (io.Reader, bool) { return in, tty }
	runInterrupts = func() (<-chan os.Signal, func()) { return sig, func() {} }
	t.Cleanup(func() { runInput, runInterrupts = oldIn, oldSig })
	return sig
}

// closedHost returns an address where nothing listens.
func closedHost(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// greedyAnswers replays a conversation with the library directly, on one
// session as the REPL does, and returns the greedy answers.
func greedyAnswers(t *testing.T, system string, maxTokens int, prompts ...string) []string {
	t.Helper()
	m, err := gollm.LoadBytes(embedded.Name, embedded.Stories260K, gollm.WithContextSize(512))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	sp := ollamaDefaults()
	sp.Temperature = 0
	var msgs []gollm.Message
	if system != "" {
		msgs = append(msgs, gollm.Message{Role: "system", Content: system})
	}
	var answers []string
	for _, p := range prompts {
		msgs = append(msgs, gollm.Message{Role: "user", Content: p})
		var sb strings.Builder
		for tok, err := range s.Chat(context.Background(), msgs, gollm.ChatOptions{GenerateOptions: gollm.GenerateOptions{MaxTokens: maxTokens, Sampler: sp}}) {
			if err != nil {
				t.Fatal(err)
			}
			sb.WriteString(tok.Text)
		}
		answers = append(answers, sb.String())
		msgs = append(msgs, gollm.Message{Role: "assistant", Content: sb.String()})
	}
	return answers
}

func TestRunREPLLocal(t *testing.T) {
	input := strings.Join([]string{
		"/set parameter temperature 0",
		"/set parameter num_predict 12",
		"/set parameter num_ctx 512",
		"/set system You are a storyteller.",
		"Once upon a time",
		"",
		`"""`,
		"Tell me",
		`a story"""`,
		"/show parameters",
		"/show system",
		"/show info",
		"/clear",
		`"""Once upon a time"""`,
		"/set parameter bogus 1",
		"/set parameter top_k many",
		"/set",
		"/show",
		"/frobnicate",
		"/?",
		"/bye",
		"Never answered",
	}, "\n") + "\n"
	withInput(t, strings.NewReader(input), true)
	code, out, errOut := runCLI(t, "run", "--host", closedHost(t), "stories260K")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := greedyAnswers(t, "You are a storyteller.", 12, "Once upon a time", "Tell me\na story")
	if want[0] == "" || want[1] == "" {
		t.Fatalf("the reference answers are empty: %q", want)
	}
	// After /clear the conversation starts again: the first answer again.
	wantOut := strings.Join([]string{
		">>> Set parameter 'temperature' to '0'",
		">>> Set parameter 'num_predict' to '12'",
		">>> Set parameter 'num_ctx' to '512'",
		">>> Set system message.",
		">>> " + want[0],
		">>> >>> ... ... " + want[1],
		">>> num_ctx          512",
		"num_predict      12",
		"temperature      0",
		">>> You are a storyteller.",
		">>>   Model",
	}, "\n")
	if !strings.HasPrefix(out, wantOut) {
		t.Errorf("output starts\n%q\nwant\n%q", out[:min(len(out), len(wantOut)+80)], wantOut)
	}
	for _, w := range []string{
		"    architecture         llama\n",
		"    name                 stories260K\n",
		"    loaded context       512\n",
		">>> Cleared session context.\n>>> " + want[0] + "\n>>> ",
		`Error: unknown parameter "bogus" (known: min_p, num_ctx, num_predict, repeat_last_n, repeat_penalty, seed, temperature, top_k, top_p)`,
		`Error: parameter top_k takes an integer (got "many")`,
		"Usage: /set parameter <name> <value>",
		"Usage: /show info | parameters | system",
		"Unknown command '/frobnicate'. Type /? for help",
		"/set system <text>",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if !strings.HasSuffix(out, "Ctrl-C stops an answer.\n>>> ") {
		t.Errorf("the session did not end at /bye: ends %q", out[max(0, len(out)-80):])
	}
}

func TestRunCtrlCStopsTheAnswerNotTheSession(t *testing.T) {
	pr, pw := io.Pipe()
	sig := withInput(t, pr, true)
	out := &syncBuffer{}
	var once sync.Once
	tokens := 0
	out.onWrite = func(p, all string) {
		// The third piece of the first answer: press Ctrl-C, and give the
		// REPL a moment to cancel.
		if strings.Count(all, ">>> ") == 3 && !strings.HasPrefix(p, ">>>") {
			tokens++
			if tokens == 3 {
				once.Do(func() {
					sig <- os.Interrupt
					time.Sleep(50 * time.Millisecond)
				})
			}
		}
	}
	done := make(chan int)
	var errOut bytes.Buffer
	go func() { done <- run([]string{"run", "--local", "stories260K"}, out, &errOut) }()
	io.WriteString(pw, "/set parameter temperature 0\n/set parameter num_predict 400\nOnce upon a time\n")
	waitFor(t, out, "[stopped]\n>>> ", 1)
	// Ctrl-C at the prompt only says how to leave.
	sig <- os.Interrupt
	waitFor(t, out, "Use Ctrl + d or /bye to exit.\n>>> ", 1)
	io.WriteString(pw, "/set parameter num_predict 5\nand then?\n")
	// Prompts: 3 before the first answer, 1 after it, 1 with the hint, 1
	// after /set, 1 after the second answer.
	waitFor(t, out, ">>> ", 7)
	pw.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if n := strings.Count(out.String(), "[stopped]"); n != 1 {
		t.Errorf("%d answers stopped, want 1:\n%s", n, out.String())
	}
}

// waitFor waits until out contains s n times.
func waitFor(t *testing.T, out *syncBuffer, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(out.String(), s) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("output never had %q %d times:\n%s", s, n, out.String())
}

func TestRunOneAnswerLocal(t *testing.T) {
	withInput(t, strings.NewReader(""), true)
	code, out, errOut := runCLI(t, "run", "--local", "--verbose", "stories260K", "Once", "upon", "a", "time")
	if code != 0 || strings.TrimSpace(out) == "" || !strings.HasSuffix(out, "\n") {
		t.Fatalf("exit %d, answer %q: %s", code, out, errOut)
	}
	for _, w := range []string{"prompt eval count:", "eval rate:"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("--verbose output lacks %q: %s", w, errOut)
		}
	}
}

// fakeOllama is an Ollama API server that knows one model, "tiny", and
// answers "echo: <last message>" in pieces.
type fakeOllama struct {
	mu       sync.Mutex
	requests []map[string]any
	think    bool // reason first ("Let me see."), in message.thinking
}

func (f *fakeOllama) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if r.Method == http.MethodPost {
		json.NewDecoder(r.Body).Decode(&body)
	}
	switch r.URL.Path {
	case "/api/version":
		fmt.Fprint(w, `{"version":"0.12.0"}`)
	case "/api/show":
		if body["model"] != "tiny" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"model '%v' not found"}`, body["model"])
			return
		}
		fmt.Fprint(w, `{"details":{"family":"llama","parameter_size":"260K","quantization_level":"F32","format":"gguf"},"model_info":{"general.architecture":"llama","llama.context_length":512,"general.parameter_count":260000}}`)
	case "/api/chat":
		f.mu.Lock()
		f.requests = append(f.requests, body)
		f.mu.Unlock()
		msgs := body["messages"].([]any)
		last := msgs[len(msgs)-1].(map[string]any)["content"].(string)
		enc := json.NewEncoder(w)
		if f.think {
			for _, piece := range []string{"Let me", " see."} {
				enc.Encode(map[string]any{"model": "tiny", "message": map[string]any{"role": "assistant", "content": "", "thinking": piece}, "done": false})
			}
		}
		for _, piece := range []string{"echo", ": ", last} {
			enc.Encode(map[string]any{"model": "tiny", "message": map[string]any{"role": "assistant", "content": piece}, "done": false})
		}
		enc.Encode(map[string]any{"model": "tiny", "message": map[string]any{"role": "assistant", "content": ""}, "done": true, "done_reason": "stop",
			"prompt_eval_count": 7, "prompt_eval_duration": 1e6, "eval_count": 3, "eval_duration": 3e6, "total_duration": 5e6})
	default:
		http.NotFound(w, r)
	}
}

func TestRunRemote(t *testing.T) {
	f := &fakeOllama{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	withInput(t, strings.NewReader(strings.Join([]string{
		"/set parameter temperature 0.5",
		"/set parameter num_predict 7",
		"/set parameter seed 42",
		"/set system Be brief.",
		"first",
		"/show info",
		"second",
		"/bye",
	}, "\n")), false)
	t.Setenv("OLLAMA_HOST", "")
	t.Setenv("GOLLM_HOST", srv.URL)
	code, out, errOut := runCLI(t, "run", "-i", "tiny")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{
		">>> echo: first\n",
		"    family               llama\n    parameter size       260K\n    quantization level   F32\n    format               gguf\n    architecture         llama\n    context length       512\n    parameters           260.0K\n",
		">>> echo: second\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if len(f.requests) != 2 {
		t.Fatalf("%d chat requests, want 2", len(f.requests))
	}
	got, _ := json.Marshal(f.requests[1])
	want := `{"messages":[{"content":"Be brief.","role":"system"},{"content":"first","role":"user"},{"content":"echo: first","role":"assistant"},{"content":"second","role":"user"}],"model":"tiny","options":{"num_predict":7,"seed":42,"temperature":0.5},"stream":true}`
	if string(got) != want {
		t.Errorf("second request\n got %s\nwant %s", got, want)
	}
}

func TestRunRemoteOneAnswer(t *testing.T) {
	f := &fakeOllama{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	// Piped input is appended to the prompt.
	withInput(t, strings.NewReader("some text\n"), false)
	code, out, errOut := runCLI(t, "run", "--host", srv.URL, "--verbose", "tiny", "Summarize:")
	if code != 0 || out != "echo: Summarize:\n\nsome text\n" {
		t.Fatalf("exit %d, %q: %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "eval count:           3 token(s)") || !strings.Contains(errOut, "eval rate:            1000.00 tokens/s") {
		t.Errorf("verbose stats: %s", errOut)
	}
	// Piped input alone is the prompt.
	withInput(t, strings.NewReader("only stdin"), false)
	if code, out, _ := runCLI(t, "run", "--host", srv.URL, "tiny"); code != 0 || out != "echo: only stdin\n" {
		t.Errorf("exit %d, %q", code, out)
	}
}

// TestRunRemoteThinking: the server's message.thinking is shown as
// Ollama's CLI shows it, and stays out of the conversation history.
func TestRunRemoteThinking(t *testing.T) {
	f := &fakeOllama{think: true}
	srv := httptest.NewServer(f)
	defer srv.Close()
	withInput(t, strings.NewReader("first\nsecond\n/bye\n"), false)
	code, out, errOut := runCLI(t, "run", "-i", "--host", srv.URL, "tiny")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := ">>> Thinking...\nLet me see.\n...done thinking.\n\necho: first\n"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if len(f.requests) != 2 {
		t.Fatalf("%d chat requests, want 2", len(f.requests))
	}
	msgs := f.requests[1]["messages"].([]any)
	if got := msgs[1].(map[string]any)["content"]; got != "echo: first" {
		t.Errorf("history keeps %q as the answer, want the answer alone", got)
	}
}

func TestRunRemoteUnknownModel(t *testing.T) {
	srv := httptest.NewServer(&fakeOllama{})
	defer srv.Close()
	withInput(t, strings.NewReader(""), true)
	code, _, errOut := runCLI(t, "run", "--host", srv.URL, "nosuch", "hi")
	if code != 1 || !strings.Contains(errOut, `model not found on the server at `+srv.URL+`: "nosuch"`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	// A model the server does not know but this process can load runs here.
	code, out, errOut := runCLI(t, "run", "--host", srv.URL, "stories260K", "Once upon a time")
	if code != 0 || strings.HasPrefix(out, "echo") || strings.TrimSpace(out) == "" {
		t.Errorf("fallback to the embedded model: exit %d, %q: %s", code, out, errOut)
	}
}

// isolateStores points every model directory `gollm run` looks in at an
// empty temporary one.
func isolateStores(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{"GOLLM_MODELS", "OLLAMA_MODELS", "HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "GOLLM_HOST", "OLLAMA_HOST"} {
		t.Setenv(k, "")
	}
	return home
}

func TestRunErrors(t *testing.T) {
	isolateStores(t)
	host := closedHost(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run"}, 2, "name a model"},
		{[]string{"run", "-m", "x.gguf", "stories260K"}, 2, "not with -m"},
		{[]string{"run", "--host", host, "llama3.2", "hi"}, 1, `model not found: "llama3.2"`},
		{[]string{"run", "--host", host, "missing.gguf", "hi"}, 1, "missing.gguf"},
		{[]string{"run", "--host", "ftp://x", "stories260K", "hi"}, 2, "scheme must be http or https"},
	}
	for _, tc := range tests {
		withInput(t, strings.NewReader(""), true)
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("gollm %q: exit %d, %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	// No prompt anywhere.
	withInput(t, strings.NewReader("  \n"), false)
	if code, _, errOut := runCLI(t, "run", "--host", host, "stories260K"); code != 2 || !strings.Contains(errOut, "no prompt") {
		t.Errorf("empty piped input: exit %d, %q", code, errOut)
	}
}

// TestRunPulledModel pulls a model from a fake Hub into the HF cache and
// runs it by its org/repo:quant name, as `gollm serve` would find it.
func TestRunPulledModel(t *testing.T) {
	home := isolateStores(t)
	srv := fakeHubServer(t, "stories260K-F32.gguf", embedded.Stories260K)
	t.Setenv("HF_ENDPOINT", srv.URL)
	if code, _, errOut := runCLI(t, "pull", "-q", "test/stories-GGUF:F32"); code != 0 {
		t.Fatalf("pull: exit %d: %s", code, errOut)
	}
	withInput(t, strings.NewReader("/set parameter temperature 0\n/set parameter num_predict 8\n/show info\nOnce upon a time\n"), false)
	code, out, errOut := runCLI(t, "run", "-i", "--host", closedHost(t), "hf.co/test/stories-GGUF:F32")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	snapshot := home + "/.cache/huggingface/hub/models--test--stories-GGUF/snapshots/feedfacefeedfacefeedfacefeedfacefeedface/stories260K-F32.gguf"
	want := greedyAnswers(t, "", 8, "Once upon a time")[0]
	for _, w := range []string{"    file                 " + snapshot + "\n", ">>> " + want + "\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestServerURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "http://127.0.0.1:11434"},
		{"127.0.0.1:11434", "http://127.0.0.1:11434"},
		{"0.0.0.0", "http://127.0.0.1:11434"},
		{":8080", "http://127.0.0.1:8080"},
		{"example.test", "http://example.test:11434"},
		{"http://[::1]:9000/", "http://[::1]:9000"},
		{"https://example.test", "https://example.test:443"},
		{"http://example.test:80/ollama", "http://example.test:80/ollama"},
		{"ftp://x", ""},
		{"host:notaport", ""},
	}
	for _, tc := range tests {
		got, err := serverURL(tc.in)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("serverURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestRunThinkSettings: --think, /set think and /set nothink reach the
// server as Ollama's top-level think; --hidethinking prints the answer only.
func TestRunThinkSettings(t *testing.T) {
	f := &fakeOllama{think: true}
	srv := httptest.NewServer(f)
	defer srv.Close()
	withInput(t, strings.NewReader("one\n/set nothink\ntwo\n/set think\nthree\n/bye\n"), false)
	code, out, errOut := runCLI(t, "run", "-i", "--think=false", "--hidethinking", "--host", srv.URL, "tiny")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "Thinking") || strings.Contains(out, "Let me see.") || !strings.Contains(out, "echo: one\n") {
		t.Errorf("--hidethinking output:\n%s", out)
	}
	if !strings.Contains(out, "Set 'nothink' mode.") || !strings.Contains(out, "Set 'think' mode.") {
		t.Errorf("no confirmations:\n%s", out)
	}
	var got []any
	for _, r := range f.requests {
		got = append(got, r["think"])
	}
	if want := []any{false, false, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("think per request %v, want %v", got, want)
	}
	// Without --think, the request leaves think out (the model's default).
	f.requests = nil
	withInput(t, strings.NewReader("hi\n/bye\n"), false)
	if code, _, errOut := runCLI(t, "run", "-i", "--host", srv.URL, "tiny"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, ok := f.requests[0]["think"]; ok {
		t.Errorf("think sent without --think: %v", f.requests[0])
	}
	if code, _, errOut := runCLI(t, "run", "--think=maybe", "--host", srv.URL, "tiny", "hi"); code != 2 || !strings.Contains(errOut, "think") {
		t.Errorf("--think=maybe: exit %d, %q", code, errOut)
	}
}
