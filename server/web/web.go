// Package web is gollm's chat page: a single page of plain HTML, CSS and
// JavaScript modules, embedded in the binary (no CDN, no build step), that
// talks to the server it was loaded from.
//
// The page lists models with GET /api/tags (falling back to /v1/models),
// streams answers from POST /api/chat (NDJSON, read with fetch and a
// ReadableStream) or, if chosen in its settings, POST /v1/chat/completions
// (server-sent events), stops an answer with an AbortController, and keeps
// conversations and settings (model, system prompt, temperature, top_p, max
// tokens, seed) in the browser's localStorage, so the server holds no state
// for it. Answers are rendered as a small Markdown subset built from DOM
// nodes with textContent, so model output can never inject markup.
//
// Handler answers "/" (and "/index.html") with the page and "/static/…"
// with its assets; anything else is 404, so it never shadows an API route.
// With the server package, mount it as the browser index and for the
// assets:
//
//	cfg.Index = web.Handler()                        // GET / from browsers
//	srv.HandlePublic("GET /static/", web.Handler())  // the page's assets
//
// or, on a plain mux, mux.Handle("GET /", web.Handler()). The page refers
// to its assets by relative URLs and to the API by absolute ones, so it
// also works mounted under a prefix with http.StripPrefix as long as the
// API stays at the root. The assets must be public when the server
// requires an API key (a browser sends no key for a script tag); the key
// goes in the page's settings, which sends it as a bearer token.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	data        []byte
	contentType string
	etag        string
}

// contentTypes fixes the types of the asset kinds the page has, rather than
// relying on the system's MIME table (browsers refuse a module script that
// is not served as JavaScript).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".json": "application/json",
}

// csp allows the page its own scripts, styles, images and API calls and
// nothing else.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var assets = loadAssets()

func loadAssets() map[string]asset {
	m := map[string]asset{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		ext := path.Ext(p)
		ct, ok := contentTypes[ext]
		if !ok {
			ct = mime.TypeByExtension(ext)
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(data)
		m["/"+p] = asset{data: data, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("web: reading the embedded files: " + err.Error()) // cannot happen: the files are compiled in
	}
	return m
}

// Handler serves the chat page at "/" and its assets under "/static/".
// It answers GET and HEAD only. Responses carry an ETag (browsers
// revalidate rather than keep a stale page after an upgrade) and a
// Content-Security-Policy that keeps the page to its own origin.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/" || p == "/index.html" {
		p = "/static/index.html"
	} else if !strings.HasPrefix(p, "/static/") || p == "/static/index.html" {
		http.NotFound(w, r)
		return
	}
	a, ok := assets[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(a.contentType, "text/html") {
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}
