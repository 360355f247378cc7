// Package server serves gollm models over HTTP as a drop-in for Ollama and
// llama-server: the Ollama API (/api/generate, /api/chat, /api/embed,
// /api/tags, /api/show, /api/ps, /api/version; NDJSON streaming), the
// OpenAI API (/v1/chat/completions, /v1/completions, /v1/embeddings,
// /v1/models; SSE streaming) and llama-server's extras (/health,
// /tokenize, /detokenize, /apply-template, /metrics).
//
// Models are found by name through a store.Store and loaded on first use.
// Each loaded model has Config.Parallel slots (sessions: a KV cache each,
// the weights shared); requests beyond the free slots wait in a bounded
// queue (Config.MaxQueue per model) and are refused with 503 and
// Retry-After when it is full. A model stays loaded for the keep-alive of
// its last request (Config.KeepAlive unless the request says otherwise)
// after its last request ends, then is unloaded. Loading runs apart from
// any request, so one model's load never holds up another model's
// requests, and a client that goes away frees its slot at the next token.
//
// Requests are validated before anything is generated; bad input gets a
// 4xx with an error body in the shape of the API called: {"error":"..."}
// for /api/*, {"error":{"message":...,"type":...}} for the rest.
//
// A Server is an http.Handler. Its zero configuration comes from
// DefaultConfig; the package reads no environment variables.
package server

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/server/store"
)

// OllamaVersion is the Ollama version /api/version reports: the API level
// the server mimics, for clients that check it.
const OllamaVersion = "0.12.0"

// Defaults of DefaultConfig.
const (
	DefaultKeepAlive   = 5 * time.Minute
	DefaultMaxQueue    = 512
	DefaultMaxLoaded   = 3
	DefaultContextSize = 4096
	// RetryAfterSeconds is the Retry-After a 503 for a full queue carries.
	RetryAfterSeconds = 1
)

// Config configures a Server.
type Config struct {
	// Store resolves model names. Nil: only the built-in stories260K.
	Store *store.Store
	// Parallel is the number of slots (concurrent generations) per loaded
	// model; at least 1.
	Parallel int
	// MaxQueue is how many requests per model may wait for a slot; more
	// get 503. 0: none wait.
	MaxQueue int
	// ContextSize is the KV cache size of each slot when a request gives
	// no num_ctx (0: DefaultContextSize). It is capped at the model's
	// training context.
	ContextSize int
	// KeepAlive is how long a model stays loaded after its last request
	// when the request gives no keep_alive: 0 unloads it at once, a
	// negative value keeps it forever.
	KeepAlive time.Duration
	// MaxLoaded is the most models kept loaded at once (0: no limit);
	// loading one more unloads the least recently used idle model.
	MaxLoaded int
	// ContextShift makes the OpenAI endpoints shift a full context and go
	// on, as llama-server's --context-shift does (keeping the request's
	// n_keep prompt tokens, default 0: BOS only); without it they stop with
	// finish_reason "length". Ollama's endpoints always shift, as Ollama
	// does (num_keep).
	ContextShift bool
	// Threads, BatchSize and KVCacheType are passed to gollm.Load (0 or
	// "": gollm's defaults).
	Threads     int
	BatchSize   int
	KVCacheType string
	// APIKey, when set, is required as "Authorization: Bearer KEY" on
	// every request except HEAD/GET / and /health.
	APIKey string
	// AllowedOrigins are extra browser origins allowed to call the API
	// (patterns with '*', e.g. "https://*.example.com"); localhost, the
	// server's own origin and app/extension schemes are always allowed.
	// "*" allows every origin.
	AllowedOrigins []string
	// DefaultModel is used by the OpenAI and llama-server endpoints when a
	// request names no model.
	DefaultModel string
	// Index, when set, answers GET / for browsers (requests that accept
	// text/html); otherwise GET / says "Ollama is running" as Ollama does.
	Index http.Handler
	// Logger receives the server's log lines (nil: slog.Default()).
	Logger *slog.Logger
}

// DefaultConfig returns the configuration `gollm serve` starts from: one
// slot per model, a queue of 512, a 5 minute keep-alive, at most 3 models
// loaded, and a store holding only the built-in stories260K.
func DefaultConfig() Config {
	return Config{
		Store:     &store.Store{Builtin: BuiltinModels()},
		Parallel:  1,
		MaxQueue:  DefaultMaxQueue,
		KeepAlive: DefaultKeepAlive,
		MaxLoaded: DefaultMaxLoaded,
	}
}

// BuiltinModels returns the models built into the binary, by name:
// stories260K, so that a fresh machine has something to talk to.
func BuiltinModels() map[string][]byte {
	return map[string][]byte{embedded.Name: embedded.Stories260K}
}

// Server serves the Ollama, OpenAI and llama-server APIs. Create it with
// New; it is an http.Handler.
type Server struct {
	cfg     Config
	store   *store.Store
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	metrics metrics
	started time.Time

	mu       sync.Mutex
	runners  map[runnerKey]*runner
	ctxTrain map[string]int // digest → training context length
	details  map[string]*modelMeta
	grammars map[string]*grammar.Grammar // compiled JSON schemas
	public   map[string]bool             // patterns registered with HandlePublic
	closed   bool
	loads    sync.WaitGroup

	// Test hooks (nil in production): slotHook runs when a request has
	// its slot, tokenHook after each token is written, loadHook before a
	// model loads.
	slotHook  func(r *http.Request)
	tokenHook func(r *http.Request)
	loadHook  func(name string)
}

// New returns a Server for cfg. It loads nothing until a request (or
// Preload) names a model.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Parallel < 0:
		return nil, fmt.Errorf("server: parallel must not be negative (got %d)", cfg.Parallel)
	case cfg.MaxQueue < 0:
		return nil, fmt.Errorf("server: max queue must not be negative (got %d)", cfg.MaxQueue)
	case cfg.ContextSize < 0:
		return nil, fmt.Errorf("server: context size must not be negative (got %d)", cfg.ContextSize)
	case cfg.MaxLoaded < 0:
		return nil, fmt.Errorf("server: max loaded models must not be negative (got %d)", cfg.MaxLoaded)
	case cfg.Threads < 0 || cfg.BatchSize < 0:
		return nil, fmt.Errorf("server: threads and batch size must not be negative")
	}
	switch strings.ToLower(cfg.KVCacheType) {
	case "", "f16", "q8_0":
	default:
		return nil, fmt.Errorf("server: KV cache type must be f16 or q8_0 (got %q)", cfg.KVCacheType)
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = 1
	}
	if cfg.ContextSize == 0 {
		cfg.ContextSize = DefaultContextSize
	}
	if cfg.Store == nil {
		cfg.Store = &store.Store{Builtin: BuiltinModels()}
	}
	s := &Server{
		cfg: cfg, store: cfg.Store, log: cfg.Logger, started: time.Now(),
		runners: map[runnerKey]*runner{}, ctxTrain: map[string]int{}, details: map[string]*modelMeta{},
		grammars: map[string]*grammar.Grammar{}, public: map[string]bool{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.metrics.init()
	s.mux = http.NewServeMux()
	s.routes()
	s.handler = s.middleware(s.mux)
	return s, nil
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleRoot)
	m.HandleFunc("HEAD /{$}", s.handleRoot)

	m.HandleFunc("POST /api/generate", s.handleGenerate)
	m.HandleFunc("POST /api/chat", s.handleChat)
	m.HandleFunc("POST /api/embed", s.handleEmbed)
	m.HandleFunc("POST /api/embeddings", s.handleEmbeddings)
	m.HandleFunc("GET /api/tags", s.handleTags)
	m.HandleFunc("HEAD /api/tags", s.handleTags)
	m.HandleFunc("POST /api/show", s.handleShow)
	m.HandleFunc("GET /api/ps", s.handlePS)
	m.HandleFunc("GET /api/version", s.handleVersion)
	m.HandleFunc("HEAD /api/version", s.handleVersion)

	m.HandleFunc("POST /v1/chat/completions", s.handleOAIChat)
	m.HandleFunc("POST /v1/completions", s.handleOAICompletion)
	m.HandleFunc("POST /v1/embeddings", s.handleOAIEmbeddings)
	m.HandleFunc("GET /v1/models", s.handleOAIModels)
	m.HandleFunc("GET /v1/models/{model...}", s.handleOAIModel)

	m.HandleFunc("GET /health", s.handleHealth)
	m.HandleFunc("GET /v1/health", s.handleHealth)
	m.HandleFunc("POST /tokenize", s.handleTokenize)
	m.HandleFunc("POST /detokenize", s.handleDetokenize)
	m.HandleFunc("POST /apply-template", s.handleApplyTemplate)
	m.HandleFunc("GET /metrics", s.handleMetrics)
}

// Handle registers an extra handler on the server's mux, with
// http.ServeMux's pattern syntax. Call it before serving. The API key and
// origin checks apply to it as to the API.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// HandlePublic is Handle for routes that need no API key, such as the chat
// page's static assets (a browser sends no key when it loads a script).
// The origin check still applies.
func (s *Server) HandlePublic(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.mu.Lock()
	s.public[pattern] = true
	s.mu.Unlock()
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close unloads every model. Requests still running fail at their next
// token; shut the http.Server down first to let them finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var rs []*runner
	for k, r := range s.runners {
		rs = append(rs, r)
		delete(s.runners, k)
		r.stopTimer()
	}
	s.mu.Unlock()
	s.loads.Wait()
	for _, r := range rs {
		r.unload()
	}
	return nil
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && s.cfg.Index != nil && acceptsHTML(r) {
		s.cfg.Index.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		io.WriteString(w, "Ollama is running")
	}
}

func acceptsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// apiOf tells which error shape a path's clients expect.
func apiOf(p string) apiKind {
	if strings.HasPrefix(p, "/api/") {
		return apiOllama
	}
	return apiOpenAI
}

// publicPath reports whether a request needs no API key: GET or HEAD of
// / and /health, and routes registered with HandlePublic.
func (s *Server) publicPath(r *http.Request) bool {
	switch r.URL.Path {
	case "/", "/health", "/v1/health":
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return true
		}
	}
	s.mu.Lock()
	n := len(s.public)
	s.mu.Unlock()
	if n == 0 {
		return false
	}
	_, pattern := s.mux.Handler(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.public[pattern]
}

// middleware wraps the mux with metrics, origin checks (CORS) and the API
// key check.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			endpoint := r.Pattern
			if endpoint == "" {
				endpoint = "other"
			} else if _, p, ok := strings.Cut(endpoint, " "); ok {
				endpoint = strings.TrimSuffix(p, "{$}")
			}
			s.metrics.request(endpoint, rec.status)
		}()
		if origin := r.Header.Get("Origin"); origin != "" {
			if !s.originAllowed(origin, r.Host) {
				writeError(rec, apiOf(r.URL.Path), &httpError{status: http.StatusForbidden, msg: "origin " + origin + " is not allowed"})
				return
			}
			h := rec.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, User-Agent, X-Requested-With, OpenAI-Organization, OpenAI-Project")
				h.Set("Access-Control-Max-Age", "600")
				rec.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if s.cfg.APIKey != "" && !s.publicPath(r) && r.Method != http.MethodOptions {
			auth := r.Header.Get("Authorization")
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.cfg.APIKey)) != 1 {
				rec.Header().Set("WWW-Authenticate", `Bearer realm="gollm"`)
				writeError(rec, apiOf(r.URL.Path), &httpError{status: http.StatusUnauthorized, msg: "missing or invalid API key (send Authorization: Bearer KEY)", typ: "authentication_error", code: "invalid_api_key"})
				return
			}
		}
		next.ServeHTTP(rec, r)
	})
}

// defaultOrigins are allowed without configuration, as Ollama allows
// them: local hosts on any port and app or extension schemes.
var defaultOrigins = []string{
	"http://localhost", "https://localhost", "http://localhost:*", "https://localhost:*",
	"http://127.0.0.1", "https://127.0.0.1", "http://127.0.0.1:*", "https://127.0.0.1:*",
	"http://[::1]", "https://[::1]", "http://[::1]:*", "https://[::1]:*",
	"http://0.0.0.0", "https://0.0.0.0", "http://0.0.0.0:*", "https://0.0.0.0:*",
	"app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*",
	"chrome-extension://*", "moz-extension://*", "safari-web-extension://*",
}

func (s *Server) originAllowed(origin, host string) bool {
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		return true // the page was served by this server
	}
	for _, list := range [][]string{defaultOrigins, s.cfg.AllowedOrigins} {
		for _, pat := range list {
			if pat == "*" || pat == origin {
				return true
			}
			if ok, _ := path.Match(pat, origin); ok && strings.Contains(pat, "*") {
				return true
			}
		}
	}
	return false
}

// statusRecorder remembers the status code for the metrics and passes
// Flush through for streaming.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errClosed is returned for requests arriving after Close.
var errClosed = errors.New("server: shutting down")
