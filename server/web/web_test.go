package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandlerServesPageAndAssets(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		contentType  string
		bodyHas      string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", `<script type="module" src="static/app.js">`},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "<title>gollm chat</title>"},
		{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/static/app.js", 200, "text/javascript; charset=utf-8", "import { renderMarkdown }"},
		{"GET", "/static/api.js", 200, "text/javascript; charset=utf-8", "/api/chat"},
		{"GET", "/static/markdown.js", 200, "text/javascript; charset=utf-8", "export function renderMarkdown"},
		{"GET", "/static/style.css", 200, "text/css; charset=utf-8", "#composer"},
		{"GET", "/static/icon.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/static/", 404, "", ""},
		{"GET", "/static/index.html", 404, "", ""},
		{"GET", "/static/nope.js", 404, "", ""},
		{"GET", "/static/../web.go", 404, "", ""},
		{"GET", "/api/tags", 404, "", ""},
		{"GET", "/favicon.ico", 404, "", ""},
		{"POST", "/", 405, "", ""},
	}
	h := Handler()
	for _, tc := range tests {
		resp := get(t, h, tc.method, tc.path, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != tc.contentType {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, ct, tc.contentType)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("ETag") == "" {
			t.Errorf("%s %s: missing nosniff or ETag: %v", tc.method, tc.path, resp.Header)
		}
		if tc.method == "HEAD" {
			if len(body) != 0 {
				t.Errorf("HEAD %s: body of %d bytes", tc.path, len(body))
			}
			continue
		}
		if !strings.Contains(string(body), tc.bodyHas) {
			t.Errorf("%s %s: body lacks %q", tc.method, tc.path, tc.bodyHas)
		}
	}
	if resp := get(t, h, "POST", "/", nil); resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("405 without Allow: %v", resp.Header)
	}
}

func TestPageHeaders(t *testing.T) {
	resp := get(t, Handler(), "GET", "/", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	// A browser that has the page revalidates and gets 304.
	again := get(t, Handler(), "GET", "/", http.Header{"If-None-Match": {resp.Header.Get("ETag")}})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: status %d, want 304", again.StatusCode)
	}
}

// TestReferencesResolve follows every asset the page and its modules refer
// to: each must be served, with the type its use needs, and none may come
// from another origin (no CDN).
func TestReferencesResolve(t *testing.T) {
	h := Handler()
	attr := regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	imp := regexp.MustCompile(`(?m)^import .* from "([^"]+)";`)
	page, _ := io.ReadAll(get(t, h, "GET", "/", nil).Body)
	seen := map[string]bool{}
	var walk func(base, ref string)
	walk = func(base, ref string) {
		if strings.Contains(ref, "//") {
			t.Errorf("%s refers to another origin: %q", base, ref)
			return
		}
		p := "/" + strings.TrimPrefix(ref, "/")
		if strings.HasPrefix(ref, "./") {
			p = base[:strings.LastIndex(base, "/")+1] + ref[2:]
		}
		if seen[p] {
			return
		}
		seen[p] = true
		resp := get(t, h, "GET", p, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Errorf("%s refers to %q: status %d", base, p, resp.StatusCode)
			return
		}
		if strings.HasSuffix(p, ".js") {
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
				t.Errorf("module %s served as %q", p, ct)
			}
			for _, m := range imp.FindAllStringSubmatch(string(body), -1) {
				walk(p, m[1])
			}
		}
	}
	for _, m := range attr.FindAllStringSubmatch(string(page), -1) {
		walk("/", m[1])
	}
	for _, want := range []string{"/static/app.js", "/static/api.js", "/static/markdown.js", "/static/style.css", "/static/icon.svg"} {
		if !seen[want] {
			t.Errorf("the page never refers to %s (refs: %v)", want, seen)
		}
	}
}
