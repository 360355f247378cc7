package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/embedded"
)

// serveEnv points every model directory and host variable at an empty
// temporary home, so tests never see the machine's models.
func serveEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{"GOLLM_MODELS", "OLLAMA_MODELS", "HF_HUB_CACHE", "HF_HOME", "GOLLM_HOST", "OLLAMA_HOST", "GOLLM_API_KEY", "GOLLM_KEEP_ALIVE", "GOLLM_ORIGINS"} {
		t.Setenv(k, "")
	}
	return home
}

// lockedBuffer is a bytes.Buffer safe for the server's log goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `gollm serve args...` in-process on a free port and
// returns its base URL; the server stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	var logs lockedBuffer
	go func() {
		done <- serve(ctx, append([]string{"--host", "127.0.0.1:0"}, args...), io.Discard, &logs, func(a string) { addr <- a })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if strings.Contains(logs.String(), "panic") {
			t.Errorf("serve log:\n%s", logs.String())
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

func postJSON(t *testing.T, url string, body any, hdr ...string) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestServeEndToEnd: gollm serve finds a model in --models, answers the
// Ollama and OpenAI APIs, and gollm ps and list see the model.
func TestServeEndToEnd(t *testing.T) {
	home := serveEnv(t)
	models := filepath.Join(home, "models")
	if err := os.MkdirAll(models, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(models, "tiny.gguf"), embedded.Stories260K, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOLLM_MODELS", models)
	base := startServe(t, "--parallel", "2", "--keep-alive", "1h", "--api-key", "k")
	auth := []string{"Authorization", "Bearer k"}

	st, out := postJSON(t, base+"/api/generate", map[string]any{"model": "tiny", "prompt": "Once upon a time", "raw": true, "stream": false,
		"options": map[string]any{"temperature": 0, "repeat_penalty": 1, "num_predict": 16}}, auth...)
	if st != 200 || !strings.HasPrefix(out["response"].(string), ", there was a little girl named Lily.") {
		t.Fatalf("generate: %d %v", st, out)
	}
	if st, out = postJSON(t, base+"/v1/chat/completions", map[string]any{"model": "stories260K", "max_tokens": 4, "messages": []map[string]string{{"role": "user", "content": "Hi"}}}, auth...); st != 200 {
		t.Errorf("chat: %d %v", st, out)
	}
	if st, _ = postJSON(t, base+"/api/generate", map[string]any{"model": "tiny", "prompt": "x"}); st != 401 {
		t.Errorf("without the key: %d", st)
	}

	host := strings.TrimPrefix(base, "http://")
	code, stdout, stderr := runCLI(t, "ps", "--host", host, "--api-key", "k")
	if code != 0 || !strings.Contains(stdout, "tiny") || !strings.Contains(stdout, "stories260K") || !strings.Contains(stdout, "in 59 minutes") {
		t.Errorf("ps: %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "ps", "--host", host)
	if code != 1 || !strings.Contains(stderr, "API key") || !strings.Contains(stderr, "401") {
		t.Errorf("ps without the key: exit %d, %q", code, stderr)
	}
	code, stdout, stderr = runCLI(t, "list")
	if code != 0 || !strings.Contains(stdout, "tiny ") || !strings.Contains(stdout, "stories260K") || !strings.Contains(stdout, "1.2 MB") {
		t.Errorf("list: %d\n%s%s", code, stdout, stderr)
	}
}

// TestServeFlagErrors: bad flags are usage errors (exit 2) before anything
// listens.
func TestServeFlagErrors(t *testing.T) {
	serveEnv(t)
	for _, args := range [][]string{
		{"--parallel", "0"},
		{"--queue", "-1"},
		{"--ctx-size", "-4"},
		{"--keep-alive", "soon"},
		{"--cache-type", "q4_0"},
		{"--host", "http://"},
		{"extra"},
	} {
		code, _, stderr := runCLI(t, append([]string{"serve"}, args...)...)
		if code != 2 || stderr == "" {
			t.Errorf("serve %v: exit %d, stderr %q", args, code, stderr)
		}
	}
	// A default model that does not exist stops the server from starting.
	code, _, stderr := runCLI(t, "serve", "--host", "127.0.0.1:0", "-m", "no-such-model")
	if code != 1 || !strings.Contains(stderr, "not found") {
		t.Errorf("missing default model: exit %d, %q", code, stderr)
	}
}

func TestHostAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "127.0.0.1:11434",
		"0.0.0.0":                "0.0.0.0:11434",
		":8080":                  "127.0.0.1:8080",
		"0.0.0.0:9000":           "0.0.0.0:9000",
		"http://localhost:1234":  "localhost:1234",
		"[::1]:5000":             "[::1]:5000",
		"https://example.com":    "example.com:11434",
		"http://10.0.0.2:11434/": "10.0.0.2:11434",
	} {
		if got, err := hostAddr(in); err != nil || got != want {
			t.Errorf("hostAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestShowAndListCLI: show prints the summary, template and JSON of a
// model; list --json lists it.
func TestShowAndListCLI(t *testing.T) {
	serveEnv(t)
	code, stdout, stderr := runCLI(t, "show", "stories260K")
	for _, want := range []string{"architecture        llama", "context length      128", "quantization        F32", "completion"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("show: missing %q (exit %d)\n%s%s", want, code, stdout, stderr)
		}
	}
	if code, stdout, _ = runCLI(t, "show", "--template", "stories260K"); code != 0 || stdout != "{{ .Prompt }}\n" {
		t.Errorf("show --template: %q", stdout)
	}
	code, stdout, _ = runCLI(t, "show", "--json", "stories260K")
	var sr map[string]any
	if err := json.Unmarshal([]byte(stdout), &sr); code != 0 || err != nil || sr["details"] == nil {
		t.Errorf("show --json: %v\n%s", err, stdout)
	}
	if code, _, stderr = runCLI(t, "show", "nope"); code != 1 || !strings.Contains(stderr, "not found") {
		t.Errorf("show nope: exit %d %q", code, stderr)
	}
	if code, _, _ = runCLI(t, "show"); code != 2 {
		t.Errorf("show without a name: exit %d", code)
	}
	code, stdout, _ = runCLI(t, "list", "--json")
	var lr struct {
		Models []struct {
			Name string `json:"name"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(stdout), &lr); code != 0 || err != nil || len(lr.Models) != 1 || lr.Models[0].Name != "stories260K" {
		t.Errorf("list --json: %v\n%s", err, stdout)
	}
}
