package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/server/store"
)

// reference is llama.cpp's greedy continuation of "Once upon a time" by
// stories260K (testdata/stories260K.case1.json).
type reference struct {
	Prompt     string  `json:"prompt"`
	Tokens     []int32 `json:"tokens"`
	GreedyIDs  []int32 `json:"greedy_ids"`
	GreedyText string  `json:"greedy_text"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/stories260K.case1.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if ref.Prompt != "Once upon a time" || len(ref.GreedyIDs) != 64 || !strings.HasPrefix(ref.GreedyText, ", there was a little girl named Lily. She loved to play outside in the park.") {
		t.Fatalf("unexpected fixture: %+v", ref)
	}
	return ref
}

// testServer is a Server behind an httptest.Server, with its log captured
// so tests can check that nothing panicked.
type testServer struct {
	t      *testing.T
	s      *Server
	ts     *httptest.Server
	url    string
	client *http.Client
	logMu  sync.Mutex
	logBuf bytes.Buffer
	closed sync.Once
}

type lockedWriter struct{ ts *testServer }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.ts.logMu.Lock()
	defer w.ts.logMu.Unlock()
	return w.ts.logBuf.Write(p)
}

func (ts *testServer) log() string {
	ts.logMu.Lock()
	defer ts.logMu.Unlock()
	return ts.logBuf.String()
}

// newTestServer starts a server with the built-in stories260K, one thread
// per model (the test machines are small) and the changes mod makes.
func newTestServer(t *testing.T, mod func(*Config)) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Threads = 1
	ts := &testServer{t: t}
	cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{ts}, nil))
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.s = s
	ts.ts = httptest.NewUnstartedServer(s)
	ts.ts.Config.ErrorLog = log.New(lockedWriter{ts}, "http: ", 0)
	ts.ts.Start()
	ts.url = ts.ts.URL
	ts.client = &http.Client{Timeout: 60 * time.Second}
	t.Cleanup(ts.close)
	return ts
}

// close stops the server (once) and checks its log for panics.
func (ts *testServer) close() {
	ts.closed.Do(func() {
		ts.client.CloseIdleConnections()
		ts.ts.Close()
		ts.s.Close()
		if l := ts.log(); strings.Contains(l, "panic") {
			ts.t.Errorf("server log shows a panic:\n%s", l)
		}
	})
}

// do sends a request with a JSON body (a string is sent as is).
func (ts *testServer) do(method, path string, body any, hdr ...string) *http.Response {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ts.url+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	return resp
}

// post sends a JSON POST and decodes a JSON answer into out (if not nil),
// returning the status.
func (ts *testServer) post(path string, body, out any, hdr ...string) int {
	ts.t.Helper()
	resp := ts.do(http.MethodPost, path, body, hdr...)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			ts.t.Fatalf("POST %s: status %d, body %q: %v", path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

func (ts *testServer) get(path string, out any, hdr ...string) int {
	ts.t.Helper()
	resp := ts.do(http.MethodGet, path, nil, hdr...)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			ts.t.Fatalf("GET %s: status %d, body %q: %v", path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// readNDJSON decodes every line of an NDJSON stream.
func readNDJSON(t *testing.T, r io.Reader) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("bad NDJSON line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readSSE returns the data payloads of an event stream, checking that it
// ends with [DONE].
func readSSE(t *testing.T, r io.Reader) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	done := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("bad SSE line %q", line)
		}
		if done {
			t.Fatalf("data after [DONE]: %q", line)
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("bad SSE data %q: %v", data, err)
		}
		out = append(out, m)
	}
	if !done {
		t.Fatalf("stream did not end with data: [DONE]")
	}
	return out
}

// greedy returns Ollama options for llama.cpp's plain greedy decoding.
func greedy(n int) map[string]any {
	return map[string]any{"temperature": 0, "repeat_penalty": 1, "num_predict": n}
}

// fakeOllamaStore writes an Ollama store holding stories260K as
// registry.ollama.ai/library/<name>:latest with the given extra layers
// (media type → content), and returns its directory.
func fakeOllamaStore(t *testing.T, dir, name string, layers map[string]string) {
	t.Helper()
	writeBlob := func(data []byte) store.Layer {
		sum := sha256Hex(data)
		p := dir + "/blobs/sha256-" + sum
		if err := os.MkdirAll(dir+"/blobs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return store.Layer{Digest: "sha256:" + sum, Size: int64(len(data))}
	}
	man := store.Manifest{SchemaVersion: 2, MediaType: "application/vnd.docker.distribution.manifest.v2+json"}
	l := writeBlob(embedded.Stories260K)
	l.MediaType = store.MediaTypeModel
	man.Layers = append(man.Layers, l)
	for mt, content := range layers {
		l := writeBlob([]byte(content))
		l.MediaType = mt
		man.Layers = append(man.Layers, l)
	}
	cfg := writeBlob([]byte(`{"model_format":"gguf","model_family":"llama"}`))
	cfg.MediaType = "application/vnd.docker.container.image.v1+json"
	man.Config = cfg
	raw, _ := json.Marshal(man)
	mdir := dir + "/manifests/registry.ollama.ai/library/" + name
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mdir+"/latest", raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
