package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// streamResult is what one streaming client saw.
type streamResult struct {
	status     int
	text       string
	retryAfter string
	errBody    map[string]any
	err        error
}

// streamGenerate runs one streaming request: Ollama's /api/generate (raw)
// or OpenAI's /v1/completions, greedy, 64 tokens.
func streamGenerate(ctx context.Context, client *http.Client, url string, openAI bool, prompt string) streamResult {
	path, body := "/api/generate", map[string]any{"model": "stories260K", "prompt": prompt, "raw": true, "options": greedy(64)}
	if openAI {
		path, body = "/v1/completions", map[string]any{"model": "stories260K", "prompt": prompt, "stream": true, "temperature": 0, "max_tokens": 64}
	}
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, strings.NewReader(string(raw)))
	if err != nil {
		return streamResult{err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		return streamResult{err: err}
	}
	defer resp.Body.Close()
	res := streamResult{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &res.errBody); err != nil {
			res.err = fmt.Errorf("error body %q: %v", b, err)
		}
		return res
	}
	var text strings.Builder
	sc := bufio.NewScanner(resp.Body)
	done := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if openAI {
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok {
				res.err = fmt.Errorf("bad SSE line %q", line)
				return res
			}
			if data == "[DONE]" {
				done = true
				continue
			}
			var c struct {
				Choices []struct {
					Text string `json:"text"`
				} `json:"choices"`
			}
			if err := json.Unmarshal([]byte(data), &c); err != nil {
				res.err = err
				return res
			}
			for _, ch := range c.Choices {
				text.WriteString(ch.Text)
			}
			continue
		}
		var l struct {
			Response string `json:"response"`
			Done     bool   `json:"done"`
			Error    string `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			res.err = err
			return res
		}
		if l.Error != "" {
			res.err = fmt.Errorf("stream error: %s", l.Error)
			return res
		}
		text.WriteString(l.Response)
		done = done || l.Done
	}
	if err := sc.Err(); err != nil {
		res.err = err
	} else if !done {
		res.err = fmt.Errorf("stream ended without its final message")
	}
	res.text = text.String()
	return res
}

// checkNoLeak waits for the goroutine count to fall back to base.
func checkNoLeak(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d before, %d after\n%s", base, n, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestQueueFull: 32 concurrent streaming clients (half Ollama, half
// OpenAI) on --parallel 2 with a queue of 16. Two slots are held until all
// have arrived, so exactly 18 are accepted and 14 refused with 503 and
// Retry-After; every accepted one then completes with llama.cpp's greedy
// text; no goroutine outlives the server.
func TestQueueFull(t *testing.T) {
	ref := loadReference(t)
	base := runtime.NumGoroutine()
	ts := newTestServer(t, func(c *Config) { c.Parallel = 2; c.MaxQueue = 16 })
	gate := make(chan struct{})
	ts.s.slotHook = func(r *http.Request) {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
	}
	const clients = 32
	results := make([]streamResult, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = streamGenerate(context.Background(), ts.client, ts.url, i%2 == 1, ref.Prompt)
		}()
	}
	m := &ts.s.metrics
	waitFor(t, "2 running, 16 queued, 14 refused", 20*time.Second, func() bool {
		return m.processing.Load() == 2 && m.queued.Load() == 16 && m.rejected.Load() == 14
	})
	close(gate)
	wg.Wait()
	ok, busy := 0, 0
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("client %d: %v", i, r.err)
		case r.status == 200:
			ok++
			if r.text != ref.GreedyText {
				t.Errorf("client %d: text %q", i, r.text)
			}
		case r.status == 503:
			busy++
			if r.retryAfter != "1" {
				t.Errorf("client %d: Retry-After %q", i, r.retryAfter)
			}
			if i%2 == 1 {
				e, _ := r.errBody["error"].(map[string]any)
				if e == nil || e["message"] == "" || e["type"] != "server_error" {
					t.Errorf("client %d: OpenAI error body %v", i, r.errBody)
				}
			} else if msg, _ := r.errBody["error"].(string); msg == "" {
				t.Errorf("client %d: Ollama error body %v", i, r.errBody)
			}
		default:
			t.Errorf("client %d: status %d %v", i, r.status, r.errBody)
		}
	}
	if ok != 18 || busy != 14 {
		t.Errorf("%d accepted and %d refused, want 18 and 14", ok, busy)
	}
	if p, q := m.processing.Load(), m.queued.Load(); p != 0 || q != 0 {
		t.Errorf("after the run: %d processing, %d queued", p, q)
	}
	ts.close()
	checkNoLeak(t, base)
}

// TestConcurrentLoad: the same 32 clients with nothing held back: each
// one either completes with the right text or gets a 503, and at least
// the 18 that fit are served.
func TestConcurrentLoad(t *testing.T) {
	ref := loadReference(t)
	base := runtime.NumGoroutine()
	ts := newTestServer(t, func(c *Config) { c.Parallel = 2; c.MaxQueue = 16 })
	const clients = 32
	results := make([]streamResult, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = streamGenerate(context.Background(), ts.client, ts.url, i%2 == 1, ref.Prompt)
		}()
	}
	wg.Wait()
	ok := 0
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("client %d: %v", i, r.err)
		case r.status == 200:
			ok++
			if r.text != ref.GreedyText {
				t.Errorf("client %d: text %q", i, r.text)
			}
		case r.status != 503:
			t.Errorf("client %d: status %d", i, r.status)
		}
	}
	if ok < 18 {
		t.Errorf("only %d of %d served", ok, clients)
	}
	ts.close()
	checkNoLeak(t, base)
}

// TestDisconnectFreesSlot: a client that goes away mid-stream frees its
// slot at the next token, and one that leaves the queue frees its place;
// the next request is then served at once with --parallel 1.
func TestDisconnectFreesSlot(t *testing.T) {
	ref := loadReference(t)
	base := runtime.NumGoroutine()
	ts := newTestServer(t, func(c *Config) { c.Parallel = 1; c.MaxQueue = 4 })
	// Requests marked X-Stall stop after their first token until their
	// client goes away.
	ts.s.tokenHook = func(r *http.Request) {
		if r.Header.Get("X-Stall") != "" {
			<-r.Context().Done()
		}
	}
	m := &ts.s.metrics
	start := func(ctx context.Context, stall bool) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.url+"/api/generate",
			strings.NewReader(`{"model":"stories260K","prompt":"Once upon a time","raw":true,"options":{"temperature":0,"num_predict":64}}`))
		if stall {
			req.Header.Set("X-Stall", "1")
		}
		return ts.client.Do(req)
	}
	holdCtx, dropHolder := context.WithCancel(context.Background())
	holder, err := start(holdCtx, true)
	if err != nil {
		t.Fatal(err)
	}
	first, err := bufio.NewReader(holder.Body).ReadString('\n')
	if err != nil || !strings.Contains(first, `"response"`) {
		t.Fatalf("first line %q: %v", first, err)
	}
	// A second client waits in the queue, then leaves.
	waitCtx, dropWaiter := context.WithCancel(context.Background())
	waitDone := make(chan error, 1)
	go func() {
		resp, err := start(waitCtx, false)
		if err == nil {
			resp.Body.Close()
		}
		waitDone <- err
	}()
	waitFor(t, "the second client to queue", 10*time.Second, func() bool { return m.queued.Load() == 1 })
	dropWaiter()
	if err := <-waitDone; err == nil {
		t.Error("the queued client's request did not fail when cancelled")
	}
	waitFor(t, "the queue to empty", 10*time.Second, func() bool { return m.queued.Load() == 0 })
	if m.processing.Load() != 1 {
		t.Fatalf("processing %d while the holder streams", m.processing.Load())
	}
	dropHolder()
	holder.Body.Close()
	waitFor(t, "the holder's slot to be freed", 10*time.Second, func() bool { return m.processing.Load() == 0 })

	r := streamGenerate(context.Background(), ts.client, ts.url, false, ref.Prompt)
	if r.err != nil || r.status != 200 || r.text != ref.GreedyText {
		t.Errorf("after the disconnects: status %d err %v text %q", r.status, r.err, r.text)
	}
	ts.close()
	checkNoLeak(t, base)
}
