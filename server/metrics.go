package server

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the server's counters, exported at /metrics in the
// Prometheus text format (version 0.0.4).
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]int64 // endpoint, status code → count

	processing atomic.Int64 // requests holding a slot
	queued     atomic.Int64 // requests waiting for a slot
	rejected   atomic.Int64 // requests refused because the queue was full
	loads      atomic.Int64 // models loaded

	promptTokens    atomic.Int64 // prompt tokens evaluated
	promptNanos     atomic.Int64
	generatedTokens atomic.Int64
	generateNanos   atomic.Int64
}

func (m *metrics) init() { m.requests = map[[2]string]int64{} }

func (m *metrics) request(endpoint string, status int) {
	m.mu.Lock()
	m.requests[[2]string{endpoint, strconv.Itoa(status)}]++
	m.mu.Unlock()
}

func (m *metrics) generation(promptTokens int, promptDur time.Duration, genTokens int, genDur time.Duration) {
	m.promptTokens.Add(int64(promptTokens))
	m.promptNanos.Add(int64(promptDur))
	m.generatedTokens.Add(int64(genTokens))
	m.generateNanos.Add(int64(genDur))
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.writeMetrics(w)
}

// escapeLabel escapes a Prometheus label value.
func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func (s *Server) writeMetrics(w io.Writer) {
	m := &s.metrics
	metric := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	metric("gollm_requests_total", "counter", "HTTP requests answered, by endpoint and status code.")
	m.mu.Lock()
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		fmt.Fprintf(w, "gollm_requests_total{endpoint=\"%s\",code=\"%s\"} %d\n", escapeLabel(k[0]), k[1], m.requests[k])
	}
	m.mu.Unlock()

	metric("gollm_requests_rejected_total", "counter", "Requests refused with 503 because the model's queue was full.")
	fmt.Fprintf(w, "gollm_requests_rejected_total %d\n", m.rejected.Load())
	metric("gollm_requests_processing", "gauge", "Requests generating (holding a slot).")
	fmt.Fprintf(w, "gollm_requests_processing %d\n", m.processing.Load())
	metric("gollm_requests_queued", "gauge", "Requests waiting for a slot (queue depth, all models).")
	fmt.Fprintf(w, "gollm_requests_queued %d\n", m.queued.Load())

	pt, pn := m.promptTokens.Load(), m.promptNanos.Load()
	gt, gn := m.generatedTokens.Load(), m.generateNanos.Load()
	metric("gollm_prompt_tokens_total", "counter", "Prompt tokens evaluated.")
	fmt.Fprintf(w, "gollm_prompt_tokens_total %d\n", pt)
	metric("gollm_prompt_seconds_total", "counter", "Time spent evaluating prompts.")
	fmt.Fprintf(w, "gollm_prompt_seconds_total %s\n", formatFloat(time.Duration(pn).Seconds()))
	metric("gollm_tokens_predicted_total", "counter", "Tokens generated.")
	fmt.Fprintf(w, "gollm_tokens_predicted_total %d\n", gt)
	metric("gollm_tokens_predicted_seconds_total", "counter", "Time spent generating tokens.")
	fmt.Fprintf(w, "gollm_tokens_predicted_seconds_total %s\n", formatFloat(time.Duration(gn).Seconds()))
	metric("gollm_prompt_tokens_per_second", "gauge", "Average prompt throughput in tokens/s.")
	fmt.Fprintf(w, "gollm_prompt_tokens_per_second %s\n", formatFloat(rate(pt, pn)))
	metric("gollm_predicted_tokens_per_second", "gauge", "Average generation throughput in tokens/s.")
	fmt.Fprintf(w, "gollm_predicted_tokens_per_second %s\n", formatFloat(rate(gt, gn)))

	s.mu.Lock()
	loaded := len(s.runners)
	s.mu.Unlock()
	metric("gollm_models_loaded", "gauge", "Models loaded (or loading).")
	fmt.Fprintf(w, "gollm_models_loaded %d\n", loaded)
	metric("gollm_model_loads_total", "counter", "Model loads completed.")
	fmt.Fprintf(w, "gollm_model_loads_total %d\n", m.loads.Load())
	metric("gollm_uptime_seconds", "gauge", "Seconds since the server started.")
	fmt.Fprintf(w, "gollm_uptime_seconds %s\n", formatFloat(time.Since(s.started).Seconds()))
}

func rate(tokens, nanos int64) float64 {
	if nanos <= 0 {
		return 0
	}
	return float64(tokens) / time.Duration(nanos).Seconds()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
