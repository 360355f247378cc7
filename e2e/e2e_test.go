package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	ollama "github.com/ollama/ollama/api"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// The server under test.
var (
	baseURL   string // http://127.0.0.1:<port>
	gollmBin  string // the gollm binary
	serverLog *bytes.Buffer
	testHome  string // the HOME the server and `gollm run` see
)

// model is the built-in model every test uses; prompt and maxTokens keep
// its 128-token context comfortable.
const (
	model     = "stories260K"
	prompt    = "Once upon a time"
	maxTokens = 16
)

func TestMain(m *testing.M) {
	code, err := runWithServer(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		if serverLog != nil {
			fmt.Fprintf(os.Stderr, "server log:\n%s\n", serverLog)
		}
		os.Exit(1)
	}
	if code != 0 && serverLog != nil {
		fmt.Fprintf(os.Stderr, "server log:\n%s\n", serverLog)
	}
	os.Exit(code)
}

func runWithServer(m *testing.M) (int, error) {
	tmp, err := os.MkdirTemp("", "gollm-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	gollmBin = os.Getenv("GOLLM_BIN")
	if gollmBin == "" {
		gollmBin = filepath.Join(tmp, "gollm")
		if runtime.GOOS == "windows" {
			gollmBin += ".exe"
		}
		// Built in the main module (-C ..), with its own go.mod.
		build := exec.Command("go", "build", "-C", "..", "-o", gollmBin, "./cmd/gollm")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return 0, fmt.Errorf("building gollm: %w", err)
		}
	}
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	testHome = filepath.Join(tmp, "home")
	os.MkdirAll(testHome, 0o755)
	baseURL = "http://127.0.0.1:" + port
	cmd := exec.Command(gollmBin, "serve", "--host", "127.0.0.1:"+port)
	cmd.Env = isolatedEnv()
	serverLog = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = serverLog, serverLog
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting gollm serve: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	if err := waitReady(exited); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// isolatedEnv is the environment with a fresh HOME and no model
// directories of the machine's user, so the server knows only built-ins.
func isolatedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "OLLAMA_MODELS", "OLLAMA_HOST", "GOLLM_HOST", "HF_HOME", "HF_HUB_CACHE", "XDG_CACHE_HOME", "GOLLM_MODELS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+testHome, "XDG_CACHE_HOME="+filepath.Join(testHome, ".cache"))
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

// waitReady polls /api/version until the server answers (30 s at most).
func waitReady(exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("gollm serve exited: %v", err)
		default:
		}
		resp, err := http.Get(baseURL + "/api/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("gollm serve did not answer /api/version within 30 s")
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func openaiClient() openai.Client {
	return openai.NewClient(option.WithBaseURL(baseURL+"/v1"), option.WithAPIKey("unused"), option.WithMaxRetries(0))
}

func ollamaClient(t *testing.T) *ollama.Client {
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	return ollama.NewClient(u, http.DefaultClient)
}

// gollmGenerate is the greedy continuation `gollm generate` prints, the
// reference the server's raw completions must equal.
func gollmGenerate(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(gollmBin, "generate", "-n", fmt.Sprint(maxTokens), "--temp", "0", prompt)
	cmd.Env = isolatedEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gollm generate: %v", err)
	}
	s, ok := strings.CutPrefix(string(out), prompt)
	if !ok {
		t.Fatalf("gollm generate printed %q", out)
	}
	return strings.TrimSuffix(s, "\n")
}

func TestOpenAIModels(t *testing.T) {
	c := openaiClient()
	page, err := c.Models.List(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	if !slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, model) }) {
		t.Fatalf("models %q lack %s", ids, model)
	}
}

func chatParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:       model,
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage(prompt)},
		MaxTokens:   openai.Int(maxTokens),
		Temperature: openai.Float(0),
		Seed:        openai.Int(7),
	}
}

// openaiChat returns the greedy non-streamed answer.
func openaiChat(t *testing.T) string {
	t.Helper()
	c := openaiClient()
	resp, err := c.Chat.Completions.New(ctx(t), chatParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 1 {
		t.Fatalf("%d choices", len(resp.Choices))
	}
	ch := resp.Choices[0]
	if ch.Message.Content == "" || ch.Message.Role != "assistant" {
		t.Fatalf("answer %+v", ch.Message)
	}
	if ch.FinishReason != "stop" && ch.FinishReason != "length" {
		t.Errorf("finish_reason %q", ch.FinishReason)
	}
	if u := resp.Usage; u.CompletionTokens < 1 || u.CompletionTokens > maxTokens || u.PromptTokens < 1 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage %+v", u)
	}
	return ch.Message.Content
}

func TestOpenAIChat(t *testing.T) {
	want := openaiChat(t)

	// The streamed answer, put together, is the same greedy answer.
	c := openaiClient()
	stream := c.Chat.Completions.NewStreaming(ctx(t), chatParams())
	var acc openai.ChatCompletionAccumulator
	pieces := 0
	for stream.Next() {
		chunk := stream.Current()
		acc.AddChunk(chunk)
		if len(chunk.Choices) > 0 && chunk.Choices[0].Delta.Content != "" {
			pieces++
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if pieces < 2 {
		t.Errorf("the answer came in %d pieces, want a stream", pieces)
	}
	if len(acc.Choices) != 1 {
		t.Fatalf("streamed %d choices", len(acc.Choices))
	}
	if got := acc.Choices[0].Message.Content; got != want {
		t.Errorf("streamed answer %q, want %q", got, want)
	}
}

func TestOpenAICompletions(t *testing.T) {
	c := openaiClient()
	resp, err := c.Completions.New(ctx(t), openai.CompletionNewParams{
		Model:       openai.CompletionNewParamsModel(model),
		Prompt:      openai.CompletionNewParamsPromptUnion{OfString: openai.String(prompt)},
		MaxTokens:   openai.Int(maxTokens),
		Temperature: openai.Float(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 1 {
		t.Fatalf("%d choices", len(resp.Choices))
	}
	if want := gollmGenerate(t); resp.Choices[0].Text != want {
		t.Errorf("completion %q, want what gollm generate says: %q", resp.Choices[0].Text, want)
	}

	// Streamed.
	stream := c.Completions.NewStreaming(ctx(t), openai.CompletionNewParams{
		Model:       openai.CompletionNewParamsModel(model),
		Prompt:      openai.CompletionNewParamsPromptUnion{OfString: openai.String(prompt)},
		MaxTokens:   openai.Int(maxTokens),
		Temperature: openai.Float(0),
	})
	var sb strings.Builder
	for stream.Next() {
		if ch := stream.Current().Choices; len(ch) > 0 {
			sb.WriteString(ch[0].Text)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if sb.String() != resp.Choices[0].Text {
		t.Errorf("streamed completion %q, want %q", sb.String(), resp.Choices[0].Text)
	}
}

func TestOpenAIErrors(t *testing.T) {
	c := openaiClient()
	p := chatParams()
	p.Model = "no-such-model"
	_, err := c.Chat.Completions.New(ctx(t), p)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown model: err = %v, want a 404 API error", err)
	}
}

// greedyOptions are Ollama options that make its sampling greedy with no
// penalty, so answers can be compared with the OpenAI endpoints'.
func greedyOptions() map[string]any {
	return map[string]any{"temperature": 0, "repeat_penalty": 1, "num_predict": maxTokens, "seed": 7}
}

func TestOllamaVersionTagsShow(t *testing.T) {
	c := ollamaClient(t)
	v, err := c.Version(ctx(t))
	if err != nil || v == "" {
		t.Fatalf("version %q, %v", v, err)
	}
	list, err := c.List(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range list.Models {
		names = append(names, m.Name)
		if strings.HasPrefix(m.Name, model) && (m.Size <= 0 || m.Digest == "") {
			t.Errorf("tag %+v lacks size or digest", m)
		}
	}
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, model) }) {
		t.Fatalf("tags %q lack %s", names, model)
	}
	show, err := c.Show(ctx(t), &ollama.ShowRequest{Model: model})
	if err != nil {
		t.Fatal(err)
	}
	if arch := show.ModelInfo["general.architecture"]; arch != "llama" {
		t.Errorf("model_info general.architecture = %v, want llama", arch)
	}
	if show.Details.Format != "gguf" || show.Details.Family != "llama" {
		t.Errorf("details %+v", show.Details)
	}
	if _, err := c.Show(ctx(t), &ollama.ShowRequest{Model: "no-such-model"}); err == nil {
		t.Error("show of an unknown model: no error")
	}
}

func TestOllamaGenerate(t *testing.T) {
	c := ollamaClient(t)
	var pieces []string
	var last ollama.GenerateResponse
	err := c.Generate(ctx(t), &ollama.GenerateRequest{Model: model, Prompt: prompt, Raw: true, Options: greedyOptions()},
		func(r ollama.GenerateResponse) error {
			if r.Response != "" {
				pieces = append(pieces, r.Response)
			}
			last = r
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(pieces) < 2 || !last.Done || last.EvalCount < 1 || last.EvalCount > maxTokens {
		t.Fatalf("%d pieces, last %+v", len(pieces), last)
	}
	if got, want := strings.Join(pieces, ""), gollmGenerate(t); got != want {
		t.Errorf("raw generate %q, want what gollm generate says: %q", got, want)
	}

	// Not streamed: one answer with the same text.
	stream := false
	var calls int
	var whole string
	err = c.Generate(ctx(t), &ollama.GenerateRequest{Model: model, Prompt: prompt, Raw: true, Options: greedyOptions(), Stream: &stream},
		func(r ollama.GenerateResponse) error { calls++; whole = r.Response; return nil })
	if err != nil || calls != 1 || whole != strings.Join(pieces, "") {
		t.Errorf("unstreamed generate: %d calls, %q, %v", calls, whole, err)
	}
}

func TestOllamaChat(t *testing.T) {
	c := ollamaClient(t)
	var sb strings.Builder
	pieces := 0
	var last ollama.ChatResponse
	err := c.Chat(ctx(t), &ollama.ChatRequest{
		Model:    model,
		Messages: []ollama.Message{{Role: "user", Content: prompt}},
		Options:  greedyOptions(),
	}, func(r ollama.ChatResponse) error {
		if r.Message.Content != "" {
			pieces++
			sb.WriteString(r.Message.Content)
		}
		last = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pieces < 2 || !last.Done || (last.DoneReason != "stop" && last.DoneReason != "length") {
		t.Fatalf("%d pieces, last %+v", pieces, last)
	}
	if want := openaiChat(t); sb.String() != want {
		t.Errorf("ollama chat %q, want the OpenAI endpoint's greedy answer %q", sb.String(), want)
	}
}

// TestOllamaChatAbandonedStream walks away from a streamed answer after
// two pieces (the client closes the connection) and checks the server
// still serves the next request.
func TestOllamaChatAbandonedStream(t *testing.T) {
	c := ollamaClient(t)
	opts := greedyOptions()
	opts["num_predict"] = 100
	errEnough := errors.New("enough")
	n := 0
	err := c.Chat(ctx(t), &ollama.ChatRequest{Model: model, Messages: []ollama.Message{{Role: "user", Content: prompt}}, Options: opts},
		func(r ollama.ChatResponse) error {
			if n++; n == 2 {
				return errEnough
			}
			return nil
		})
	if !errors.Is(err, errEnough) {
		t.Fatalf("abandoned chat: err = %v, want the callback's error", err)
	}
	TestOllamaChat(t)
}

func TestOllamaPS(t *testing.T) {
	c := ollamaClient(t)
	// Make sure the model is loaded.
	stream := false
	if err := c.Generate(ctx(t), &ollama.GenerateRequest{Model: model, Prompt: prompt, Options: map[string]any{"num_predict": 1}, Stream: &stream},
		func(ollama.GenerateResponse) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ps, err := c.ListRunning(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ps.Models {
		names = append(names, m.Name)
		if strings.HasPrefix(m.Name, model) && m.ExpiresAt.Before(time.Now()) {
			t.Errorf("running model %+v already expired", m)
		}
	}
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, model) }) {
		t.Fatalf("ps %q lacks %s", names, model)
	}
}

func TestChatPageServed(t *testing.T) {
	req, _ := http.NewRequest("GET", baseURL+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<title>gollm chat</title>") {
		t.Fatalf("GET / for a browser: %d %q %.200q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for path, ct := range map[string]string{"/static/app.js": "text/javascript", "/static/style.css": "text/css"} {
		resp, err := http.Get(baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ct) {
			t.Errorf("GET %s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func TestGollmRunUsesTheServer(t *testing.T) {
	// Through the server, num_predict -1 (Ollama's default) generates until
	// the model ends its text, shifting the context, and stories260K never
	// does: the session sets a limit first.
	cmd := exec.Command(gollmBin, "run", "--verbose", "-i", model)
	cmd.Env = append(isolatedEnv(), "GOLLM_HOST="+strings.TrimPrefix(baseURL, "http://"))
	cmd.Stdin = strings.NewReader("/set parameter num_predict 16\n" + prompt + "\n/bye\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gollm run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "using the server at "+baseURL) || strings.TrimSpace(stdout.String()) == "" {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	// Interactive, through the server: /show info describes the server's model.
	cmd = exec.Command(gollmBin, "run", "-i", model)
	cmd.Env = append(isolatedEnv(), "GOLLM_HOST="+baseURL)
	cmd.Stdin = strings.NewReader("/set parameter num_predict 8\n/show info\nOnce upon a time\n/bye\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gollm run -i: %v\n%s", err, out)
	}
	for _, w := range []string{"Set parameter 'num_predict' to '8'", "on the server at " + baseURL, "architecture         llama"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("REPL output lacks %q:\n%s", w, out)
		}
	}
}
