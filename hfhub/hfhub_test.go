package hfhub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

// fakeFile is a file the fake Hub serves.
type fakeFile struct {
	path string
	data []byte
	lfs  bool   // announce an LFS sha256 (else a git blob id)
	sha  string // announced hash; empty: the true one
}

// fakeHub is a minimal Hub: the model-info API and the resolve endpoint,
// with Range support (http.ServeContent) and optional faults.
type fakeHub struct {
	t      *testing.T
	repo   string
	commit string
	files  []fakeFile
	// dropFirst makes the first download of each file stop after half its
	// bytes, with the connection closed.
	dropFirst bool
	// ignoreRange answers ranged requests with the whole file (200).
	ignoreRange bool

	mu       sync.Mutex
	requests []string // "GET path range"
	dropped  map[string]bool
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.requests = append(h.requests, r.URL.Path+" "+r.Header.Get("Range"))
	h.mu.Unlock()
	if r.Header.Get("User-Agent") != "gollm" {
		h.t.Errorf("request without the gollm user agent: %q", r.Header.Get("User-Agent"))
	}
	if p, ok := strings.CutPrefix(r.URL.Path, "/api/models/"); ok {
		repo, rev, ok := strings.Cut(p, "/revision/")
		if !ok || repo != h.repo || rev != "main" || r.URL.Query().Get("blobs") != "true" {
			http.Error(w, `{"error":"Repository not found"}`, http.StatusNotFound)
			return
		}
		type lfs struct {
			SHA256 string `json:"sha256"`
			Size   int64  `json:"size"`
		}
		type sibling struct {
			RFilename string `json:"rfilename"`
			BlobID    string `json:"blobId"`
			Size      int64  `json:"size"`
			LFS       *lfs   `json:"lfs,omitempty"`
		}
		var sib []sibling
		for _, f := range h.files {
			s := sibling{RFilename: f.path, Size: int64(len(f.data))}
			if f.lfs {
				sum := sha256.Sum256(f.data)
				s.LFS = &lfs{SHA256: cmpOr(f.sha, hex.EncodeToString(sum[:])), Size: int64(len(f.data))}
				s.BlobID = strings.Repeat("b", 40)
				s.Size = 135 // the pointer's size, as the Hub reports
			} else {
				s.BlobID = f.sha
			}
			sib = append(sib, s)
		}
		json.NewEncoder(w).Encode(map[string]any{"id": h.repo, "sha": h.commit, "siblings": sib})
		return
	}
	prefix := "/" + h.repo + "/resolve/" + h.commit + "/"
	name, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	for _, f := range h.files {
		if f.path != name {
			continue
		}
		h.mu.Lock()
		drop := h.dropFirst && !h.dropped[name]
		if drop {
			if h.dropped == nil {
				h.dropped = map[string]bool{}
			}
			h.dropped[name] = true
		}
		h.mu.Unlock()
		if drop {
			// Promise the whole file, send half, and let the server close
			// the connection when the handler returns short.
			w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
			w.WriteHeader(http.StatusOK)
			w.Write(f.data[:len(f.data)/2])
			w.(http.Flusher).Flush()
			return
		}
		if h.ignoreRange {
			r.Header.Del("Range")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
		return
	}
	http.NotFound(w, r)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (h *fakeHub) downloads() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.requests {
		if strings.Contains(r, "/resolve/") {
			out = append(out, r)
		}
	}
	return out
}

// payload returns n deterministic bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newHub(t *testing.T, files ...fakeFile) (*fakeHub, *Client) {
	t.Helper()
	h := &fakeHub{t: t, repo: "test-org/tiny-GGUF", commit: testCommit, files: files}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := &Client{Endpoint: srv.URL + "/", CacheDir: t.TempDir(), RetryWait: time.Millisecond}
	return h, c
}

// listTree returns every path under dir, relative, with symlink targets.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			rel += " -> " + target
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return out
}

func TestPullFullDownload(t *testing.T) {
	data := payload(300_000)
	h, c := newHub(t,
		fakeFile{path: "README.md", data: []byte("hello\n"), sha: "ce013625030ba8dba906f756967f9e9ca394464a"},
		fakeFile{path: "tiny-Q8_0.gguf", data: payload(1000), lfs: true},
		fakeFile{path: "tiny-Q4_K_M.gguf", data: data, lfs: true},
	)
	var last [2]int64
	calls := 0
	c.Progress = func(file string, done, total int64) {
		if file != "tiny-Q4_K_M.gguf" {
			t.Errorf("progress for %q", file)
		}
		if done < last[0] || done > total {
			t.Errorf("progress went %d/%d after %d/%d", done, total, last[0], last[1])
		}
		last = [2]int64{done, total}
		calls++
	}
	ref, err := ParseRef("hf.co/test-org/tiny-GGUF:q4_k_m")
	if err != nil {
		t.Fatal(err)
	}
	paths, err := c.Pull(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(c.CacheDir, "models--test-org--tiny-GGUF", "snapshots", testCommit, "tiny-Q4_K_M.gguf")
	if len(paths) != 1 || paths[0] != want {
		t.Fatalf("paths %q, want [%q]", paths, want)
	}
	got, err := os.ReadFile(paths[0])
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("snapshot content differs (err %v)", err)
	}
	if last != [2]int64{int64(len(data)), int64(len(data))} || calls < 2 {
		t.Errorf("last progress %v after %d calls, want %d/%d", last, calls, len(data), len(data))
	}
	tree := listTree(t, filepath.Join(c.CacheDir, "models--test-org--tiny-GGUF"))
	wantTree := []string{
		"blobs",
		"blobs/" + sha(data),
		"refs",
		"refs/main",
		"snapshots",
		"snapshots/" + testCommit,
		"snapshots/" + testCommit + "/tiny-Q4_K_M.gguf -> ../../blobs/" + sha(data),
	}
	if fmt.Sprint(tree) != fmt.Sprint(wantTree) {
		t.Errorf("cache tree\n got %q\nwant %q", tree, wantTree)
	}
	if ref, _ := os.ReadFile(filepath.Join(c.CacheDir, "models--test-org--tiny-GGUF", "refs", "main")); string(ref) != testCommit {
		t.Errorf("refs/main = %q, want %q", ref, testCommit)
	}

	// A second pull finds the file and downloads nothing.
	n := len(h.downloads())
	if _, err := c.Pull(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if len(h.downloads()) != n {
		t.Errorf("second pull downloaded again: %q", h.downloads()[n:])
	}
}

func TestPullResumesAfterDroppedConnection(t *testing.T) {
	data := payload(200_001)
	h, c := newHub(t, fakeFile{path: "sub/tiny-Q4_K_M.gguf", data: data, lfs: true})
	h.dropFirst = true
	paths, err := c.Pull(context.Background(), Ref{Repo: h.repo, Revision: "main", Quant: "Q4_K_M"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(paths[0])
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("content differs after resume (err %v)", err)
	}
	dl := h.downloads()
	want := []string{
		"/test-org/tiny-GGUF/resolve/" + testCommit + "/sub/tiny-Q4_K_M.gguf ",
		"/test-org/tiny-GGUF/resolve/" + testCommit + "/sub/tiny-Q4_K_M.gguf bytes=100000-",
	}
	if fmt.Sprint(dl) != fmt.Sprint(want) {
		t.Errorf("downloads\n got %q\nwant %q", dl, want)
	}
	if target, err := os.Readlink(paths[0]); err != nil || target != "../../../blobs/"+sha(data) {
		t.Errorf("link target %q (%v), want ../../../blobs/%s", target, err, sha(data))
	}
}

func TestPullResumesEarlierPartialFile(t *testing.T) {
	data := payload(50_000)
	for _, ignoreRange := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreRange=%v", ignoreRange), func(t *testing.T) {
			h, c := newHub(t, fakeFile{path: "tiny-Q4_K_M.gguf", data: data, lfs: true})
			h.ignoreRange = ignoreRange
			blobs := filepath.Join(RepoDir(c.CacheDir, h.repo), "blobs")
			os.MkdirAll(blobs, 0o755)
			// An earlier run got 12345 bytes.
			if err := os.WriteFile(filepath.Join(blobs, sha(data)+".incomplete"), data[:12345], 0o644); err != nil {
				t.Fatal(err)
			}
			paths, err := c.Pull(context.Background(), Ref{Repo: h.repo, Revision: "main"})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(paths[0]); !bytes.Equal(got, data) {
				t.Fatal("content differs after resume")
			}
			if dl := h.downloads(); len(dl) != 1 || !strings.HasSuffix(dl[0], " bytes=12345-") {
				t.Errorf("downloads %q, want one from byte 12345", dl)
			}
		})
	}
}

func TestPullChecksumMismatch(t *testing.T) {
	tests := []struct {
		name string
		file fakeFile
	}{
		{"lfs sha256", fakeFile{path: "tiny-Q4_K_M.gguf", data: payload(4096), lfs: true, sha: strings.Repeat("0", 64)}},
		{"git blob id", fakeFile{path: "tiny-Q4_K_M.gguf", data: []byte("hello\n"), sha: strings.Repeat("1", 40)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, c := newHub(t, tc.file)
			_, err := c.Pull(context.Background(), Ref{Repo: h.repo, Revision: "main", Quant: "Q4_K_M"})
			if !errors.Is(err, ErrChecksum) {
				t.Fatalf("err = %v, want ErrChecksum", err)
			}
			tree := listTree(t, RepoDir(c.CacheDir, h.repo))
			if fmt.Sprint(tree) != "[blobs]" {
				t.Errorf("cache after a bad download: %q, want only the empty blobs directory", tree)
			}
		})
	}
}

func TestPullGitBlob(t *testing.T) {
	// A small file kept in git is checked against its blob id; the id of
	// "hello\n" is git's documented example.
	h, c := newHub(t, fakeFile{path: "x-Q8_0.gguf", data: []byte("hello\n"), sha: "ce013625030ba8dba906f756967f9e9ca394464a"})
	paths, err := c.Pull(context.Background(), Ref{Repo: h.repo, Revision: "main", Quant: "Q8_0"})
	if err != nil {
		t.Fatal(err)
	}
	if target, _ := os.Readlink(paths[0]); target != "../../blobs/ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("link target %q", target)
	}
}

func TestPullSplitFile(t *testing.T) {
	a, b := payload(3000), payload(5000)
	h, c := newHub(t,
		fakeFile{path: "big-Q8_0-00002-of-00002.gguf", data: b, lfs: true},
		fakeFile{path: "big-Q8_0-00001-of-00002.gguf", data: a, lfs: true},
		fakeFile{path: "big-Q4_0.gguf", data: payload(10), lfs: true},
	)
	paths, err := c.Pull(context.Background(), Ref{Repo: h.repo, Revision: "main", Quant: "Q8_0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != "big-Q8_0-00001-of-00002.gguf" || filepath.Base(paths[1]) != "big-Q8_0-00002-of-00002.gguf" {
		t.Fatalf("paths %q", paths)
	}
	for i, want := range [][]byte{a, b} {
		if got, _ := os.ReadFile(paths[i]); !bytes.Equal(got, want) {
			t.Errorf("part %d differs", i+1)
		}
	}
}

func TestPullErrors(t *testing.T) {
	tests := []struct {
		name  string
		files []fakeFile
		ref   Ref
		want  []string // substrings of the error
	}{
		{
			name:  "unknown quant lists files",
			files: []fakeFile{{path: "m-Q4_0.gguf", lfs: true}, {path: "m-Q8_0.gguf", lfs: true}, {path: "mmproj-f16.gguf", lfs: true}, {path: "README.md"}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main", Quant: "Q5_K_S"},
			want:  []string{"no GGUF file for quantization Q5_K_S", "m-Q4_0.gguf, m-Q8_0.gguf"},
		},
		{
			name:  "no default quant among several",
			files: []fakeFile{{path: "m-Q4_0.gguf", lfs: true}, {path: "m-Q8_0.gguf", lfs: true}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main"},
			want:  []string{"no GGUF file for no quantization (default Q4_K_M)", "m-Q4_0.gguf, m-Q8_0.gguf"},
		},
		{
			name:  "no gguf",
			files: []fakeFile{{path: "model.safetensors", lfs: true}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main", Quant: "Q4_0"},
			want:  []string{"no GGUF files"},
		},
		{
			name:  "ambiguous",
			files: []fakeFile{{path: "a/m-Q4_0.gguf", lfs: true}, {path: "b/m-Q4_0.gguf", lfs: true}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main", Quant: "Q4_0"},
			want:  []string{"several files", "a/m-Q4_0.gguf, b/m-Q4_0.gguf"},
		},
		{
			name:  "path traversal",
			files: []fakeFile{{path: "../../../evil-Q4_0.gguf", lfs: true}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main", Quant: "Q4_0"},
			want:  []string{`unsafe file path "../../../evil-Q4_0.gguf"`},
		},
		{
			name:  "absolute path",
			files: []fakeFile{{path: "/etc/evil-Q4_0.gguf", lfs: true}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main", Quant: "Q4_0"},
			want:  []string{"unsafe file path"},
		},
		{
			name:  "dot component",
			files: []fakeFile{{path: "a/./evil-Q4_0.gguf", lfs: true}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main", Quant: "Q4_0"},
			want:  []string{"unsafe file path"},
		},
		{
			name:  "backslash",
			files: []fakeFile{{path: `..\evil-Q4_0.gguf`, lfs: true}},
			ref:   Ref{Repo: "test-org/tiny-GGUF", Revision: "main", Quant: "Q4_0"},
			want:  []string{"unsafe file path"},
		},
		{
			name: "unknown repo",
			ref:  Ref{Repo: "test-org/other", Revision: "main"},
			want: []string{"404 Not Found: Repository not found"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, c := newHub(t, tc.files...)
			outside := filepath.Dir(c.CacheDir)
			before := listTree(t, outside)
			_, err := c.Pull(context.Background(), tc.ref)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if dl := h.downloads(); len(dl) != 0 {
				t.Errorf("downloaded %q", dl)
			}
			if after := listTree(t, outside); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("files changed:\n%q\n%q", before, after)
			}
		})
	}
}

func TestBadCommitFromHub(t *testing.T) {
	h, c := newHub(t, fakeFile{path: "m-Q4_0.gguf", lfs: true})
	h.commit = "../../../escape"
	_, err := c.Pull(context.Background(), Ref{Repo: h.repo, Revision: "main", Quant: "Q4_0"})
	if err == nil || !strings.Contains(err.Error(), "bad commit id") {
		t.Fatalf("err = %v, want a bad commit id error", err)
	}
}

func TestUnauthorizedHint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, `{"error":"Access to model test/gated is restricted."}`, http.StatusUnauthorized)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c := &Client{Endpoint: srv.URL, CacheDir: t.TempDir()}
	_, err := c.ListFiles(context.Background(), "test/gated", "main")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 || !strings.Contains(err.Error(), "set HF_TOKEN") || !strings.Contains(err.Error(), "restricted") {
		t.Fatalf("err = %v", err)
	}
	c.Token = "secret"
	if _, err = c.ListFiles(context.Background(), "test/gated", "main"); !errors.As(err, &he) || he.StatusCode != 404 {
		t.Fatalf("with token: err = %v, want 404", err)
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want Ref
		err  bool
	}{
		{in: "org/repo", want: Ref{Repo: "org/repo", Revision: "main"}},
		{in: "org/repo:Q4_K_M", want: Ref{Repo: "org/repo", Revision: "main", Quant: "Q4_K_M"}},
		{in: "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:IQ4_XS", want: Ref{Repo: "bartowski/Llama-3.2-1B-Instruct-GGUF", Revision: "main", Quant: "IQ4_XS"}},
		{in: "https://huggingface.co/org/repo:latest", want: Ref{Repo: "org/repo", Revision: "main"}},
		{in: "org/repo@v1.0:Q8_0", want: Ref{Repo: "org/repo", Revision: "v1.0", Quant: "Q8_0"}},
		{in: "org/repo@refs/pr/1", want: Ref{Repo: "org/repo", Revision: "refs/pr/1"}},
		{in: "repo", err: true},
		{in: "a/b/c", err: true},
		{in: "../repo", err: true},
		{in: "org/..", err: true},
		{in: "org/a--b", err: true},
		{in: "org/repo:../x", err: true},
		{in: "org/repo:", err: true},
		{in: "org/repo@../../x", err: true},
		{in: "org/repo@", err: true},
		{in: "", err: true},
	}
	for _, tc := range tests {
		got, err := ParseRef(tc.in)
		if (err != nil) != tc.err || (err == nil && got != tc.want) {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestChooseFile(t *testing.T) {
	files := func(names ...string) []File {
		var fs []File
		for _, n := range names {
			fs = append(fs, File{Path: n})
		}
		return fs
	}
	tests := []struct {
		files []string
		quant string
		want  string // paths joined by ","; "" for an error
	}{
		{[]string{"m-Q4_K_M.gguf", "m-Q4_K_S.gguf"}, "q4_k_m", "m-Q4_K_M.gguf"},
		{[]string{"m-Q4_K_M.gguf", "m-Q4_K_S.gguf"}, "", "m-Q4_K_M.gguf"},
		{[]string{"m-Q4_K_M.gguf"}, "Q4_K", ""},
		{[]string{"m-IQ4_XS.gguf"}, "Q4_XS", ""},
		{[]string{"m-IQ4_XS.gguf"}, "IQ4_XS", "m-IQ4_XS.gguf"},
		{[]string{"Qwen3-8B-UD-Q4_K_XL.gguf", "Qwen3-8B-Q4_K_XL.gguf"}, "UD-Q4_K_XL", "Qwen3-8B-UD-Q4_K_XL.gguf"},
		{[]string{"model.Q8_0.gguf", "model_f16.gguf"}, "F16", "model_f16.gguf"},
		{[]string{"only.gguf"}, "", "only.gguf"},
		{[]string{"only.gguf", "mmproj-model-f16.gguf"}, "", "only.gguf"},
		{[]string{"m-Q8_0-00001-of-00002.gguf", "m-Q8_0-00002-of-00002.gguf"}, "", "m-Q8_0-00001-of-00002.gguf,m-Q8_0-00002-of-00002.gguf"},
		{[]string{"m-Q8_0-00002-of-00002.gguf", "m-Q8_0-00001-of-00002.gguf", "m-Q2_K.gguf"}, "Q8_0", "m-Q8_0-00001-of-00002.gguf,m-Q8_0-00002-of-00002.gguf"},
		{[]string{"a.gguf", "b.gguf"}, "", ""},
		{[]string{"m-Q4_0.bin"}, "Q4_0", ""},
	}
	for _, tc := range tests {
		got, err := ChooseFile(files(tc.files...), tc.quant)
		var names []string
		for _, f := range got {
			names = append(names, f.Path)
		}
		if s := strings.Join(names, ","); s != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("ChooseFile(%q, %q) = %q, %v; want %q", tc.files, tc.quant, s, err, tc.want)
		}
	}
}

func TestDefaultCacheDir(t *testing.T) {
	tests := []struct {
		hubCache, hfHome, xdg, home, want string
	}{
		{"/c", "/h", "/x", "/home/u", "/c"},
		{"", "/h", "/x", "/home/u", "/h/hub"},
		{"", "", "/x", "/home/u", "/x/huggingface/hub"},
		{"", "", "", "/home/u", "/home/u/.cache/huggingface/hub"},
	}
	for _, tc := range tests {
		if got := DefaultCacheDir(tc.hubCache, tc.hfHome, tc.xdg, tc.home); got != filepath.FromSlash(tc.want) {
			t.Errorf("DefaultCacheDir(%q, %q, %q, %q) = %q, want %q", tc.hubCache, tc.hfHome, tc.xdg, tc.home, got, tc.want)
		}
	}
}
