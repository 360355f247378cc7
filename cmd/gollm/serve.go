package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gollm/gollm/server"
	"github.com/gollm/gollm/server/store"
	"github.com/gollm/gollm/server/web"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "serve the Ollama and OpenAI APIs (a drop-in for ollama serve and llama-server)",
		run:     runServe,
	})
}

// defaultPort is Ollama's port, so that Ollama clients find gollm.
const defaultPort = "11434"

// storeFlags are the model directories every verb that looks models up by
// name shares (serve, list, show).
type storeFlags struct {
	models, ollama, hf string
	allowPaths         bool
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.models, "models", envOr("GOLLM_MODELS", homePath(".gollm", "models")), "gollm's models `dir` ($GOLLM_MODELS)")
	fs.StringVar(&f.ollama, "ollama-models", envOr("OLLAMA_MODELS", homePath(".ollama", "models")), "Ollama's models `dir`, searched after --models ($OLLAMA_MODELS; \"\" to skip)")
	fs.StringVar(&f.hf, "hf-cache", hfCacheDir(), "Hugging Face hub cache `dir` for org/repo:quant names ($HF_HUB_CACHE, $HF_HOME/hub; \"\" to skip)")
	fs.BoolVar(&f.allowPaths, "allow-paths", true, "let a model name be a path to any .gguf file")
}

func (f *storeFlags) store() *store.Store {
	return &store.Store{
		ModelsDir: f.models, OllamaDir: f.ollama, HFCacheDir: f.hf,
		AllowPaths: f.allowPaths, Builtin: server.BuiltinModels(),
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func homePath(parts ...string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(append([]string{home}, parts...)...)
}

// hostAddr turns a host setting as OLLAMA_HOST takes it ("127.0.0.1",
// ":8080", "0.0.0.0:11434", "http://host:port") into a listen address.
func hostAddr(h string) (string, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "127.0.0.1:" + defaultPort, nil
	}
	if strings.Contains(h, "://") {
		u, err := url.Parse(h)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("bad host %q", h)
		}
		h = u.Host
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = strings.Trim(h, "[]"), defaultPort
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// baseURL returns the URL clients use to reach a host setting.
func baseURL(h string) (string, error) {
	addr, err := hostAddr(h)
	if err != nil {
		return "", err
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// durationFlag is a keep-alive flag value ("5m", "300", "-1").
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }
func (d *durationFlag) Set(s string) error {
	v, err := server.ParseKeepAlive(s)
	if err != nil {
		return err
	}
	*d = durationFlag(v)
	return nil
}

func runServe(args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stdout, stderr, nil)
}

// serve runs the server until ctx ends; ready, when set, receives the
// address it listens on.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) error {
	fs := newFlags("serve", stderr)
	var sf storeFlags
	sf.register(fs)
	cfg := server.DefaultConfig()
	keepAlive := durationFlag(cfg.KeepAlive)
	if v := os.Getenv("GOLLM_KEEP_ALIVE"); v != "" {
		if err := keepAlive.Set(v); err != nil {
			return usageErrorf("GOLLM_KEEP_ALIVE: %v", err)
		}
	}
	var host, origins string
	var verbose bool
	fs.StringVar(&host, "host", envOr("GOLLM_HOST", "127.0.0.1:"+defaultPort), "`address` to listen on, as OLLAMA_HOST takes it ($GOLLM_HOST)")
	fs.IntVar(&cfg.Parallel, "parallel", 1, "concurrent generations (slots) per model")
	fs.IntVar(&cfg.Parallel, "np", 1, "same as --parallel (llama-server's spelling)")
	fs.IntVar(&cfg.MaxQueue, "queue", server.DefaultMaxQueue, "requests per model that may wait for a slot; more get 503")
	fs.IntVar(&cfg.ContextSize, "ctx-size", 0, "context `tokens` per slot when a request gives no num_ctx (0: 4096, capped at the model's)")
	fs.IntVar(&cfg.ContextSize, "c", 0, "same as --ctx-size")
	fs.StringVar(&cfg.APIKey, "api-key", "", "require this bearer `key` ($GOLLM_API_KEY)")
	fs.Var(&keepAlive, "keep-alive", "how long an idle model stays loaded (5m, 1h, 0: unload at once, -1: forever; $GOLLM_KEEP_ALIVE)")
	fs.BoolVar(&cfg.ContextShift, "context-shift", false, "OpenAI endpoints: shift a full context and go on, as llama-server's --context-shift (Ollama endpoints always do)")
	fs.IntVar(&cfg.MaxLoaded, "max-loaded", server.DefaultMaxLoaded, "models kept loaded at once (0: no limit)")
	fs.StringVar(&cfg.DefaultModel, "m", "", "default `model`, loaded at start and used by OpenAI and llama-server requests that name none")
	fs.StringVar(&cfg.DefaultModel, "model", "", "same as -m")
	fs.IntVar(&cfg.Threads, "t", 0, "CPU `threads` per model (0: all cores)")
	fs.IntVar(&cfg.Threads, "threads", 0, "same as -t")
	fs.IntVar(&cfg.BatchSize, "b", 0, "prompt batch size in `tokens` (0: 512)")
	fs.StringVar(&cfg.KVCacheType, "cache-type", "f16", "KV cache `type`: f16 or q8_0")
	fs.StringVar(&origins, "origins", os.Getenv("GOLLM_ORIGINS"), "extra browser `origins` allowed, comma separated, '*' wildcards ($GOLLM_ORIGINS)")
	fs.BoolVar(&verbose, "verbose", false, "log every request")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageErrorf("unexpected arguments %q", pos)
	case cfg.Parallel < 1:
		return usageErrorf("--parallel must be at least 1 (got %d)", cfg.Parallel)
	case cfg.MaxQueue < 0:
		return usageErrorf("--queue must not be negative (got %d)", cfg.MaxQueue)
	case cfg.ContextSize < 0:
		return usageErrorf("--ctx-size must not be negative (got %d)", cfg.ContextSize)
	case cfg.MaxLoaded < 0:
		return usageErrorf("--max-loaded must not be negative (got %d)", cfg.MaxLoaded)
	case cfg.Threads < 0 || cfg.BatchSize < 0:
		return usageErrorf("-t and -b must not be negative")
	case cfg.KVCacheType != "f16" && cfg.KVCacheType != "q8_0":
		return usageErrorf("--cache-type must be f16 or q8_0 (got %q)", cfg.KVCacheType)
	}
	if cfg.APIKey == "" {
		cfg.APIKey = os.Getenv("GOLLM_API_KEY")
	}
	addr, err := hostAddr(host)
	if err != nil {
		return usageErrorf("--host: %v", err)
	}
	cfg.KeepAlive = time.Duration(keepAlive)
	cfg.Store = sf.store()
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Index = web.Handler() // the chat page, for browsers asking for /

	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.HandlePublic("GET /static/", web.Handler())
	if cfg.DefaultModel != "" {
		if err := srv.Preload(ctx, cfg.DefaultModel); err != nil {
			return fmt.Errorf("loading %s: %w", cfg.DefaultModel, err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var h http.Handler = srv
	if verbose {
		h = logRequests(cfg.Logger, srv)
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	cfg.Logger.Info("gollm serving", "addr", ln.Addr().String(), "models", sf.models, "ollama", sf.ollama, "parallel", cfg.Parallel, "queue", cfg.MaxQueue, "keep_alive", cfg.KeepAlive.String(), "api_key", cfg.APIKey != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	cfg.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "duration", time.Since(start))
	})
}
