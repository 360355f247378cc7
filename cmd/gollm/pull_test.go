package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/embedded"
)

// fakeHubServer serves one GGUF file of repo test/stories-GGUF in the way
// the Hugging Face Hub does: the model-info API and the resolve endpoint.
func fakeHubServer(t *testing.T, name string, data []byte) *httptest.Server {
	t.Helper()
	const commit = "feedfacefeedfacefeedfacefeedfacefeedface"
	sum := sha256.Sum256(data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/models/test/stories-GGUF/revision/main":
			json.NewEncoder(w).Encode(map[string]any{
				"sha": commit,
				"siblings": []map[string]any{
					{"rfilename": "README.md"},
					{"rfilename": name, "lfs": map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(data)}},
				},
			})
		case "/test/stories-GGUF/resolve/" + commit + "/" + name:
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
		default:
			http.Error(w, `{"error":"Repository not found"}`, http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPullDownloadsAndTheFileLoads(t *testing.T) {
	srv := fakeHubServer(t, "stories260K-F32.gguf", embedded.Stories260K)
	cache := t.TempDir()
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_CACHE", cache)
	code, out, errOut := runCLI(t, "pull", "test/stories-GGUF:f32")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	path := strings.TrimSpace(out)
	want := filepath.Join(cache, "models--test--stories-GGUF", "snapshots", "feedfacefeedfacefeedfacefeedfacefeedface", "stories260K-F32.gguf")
	if path != want {
		t.Fatalf("printed %q, want %q", path, want)
	}
	if !strings.Contains(errOut, "stories260K-F32.gguf 100%") || !strings.Contains(errOut, "1.2 MB/1.2 MB") {
		t.Errorf("no finished progress line in %q", errOut)
	}
	// The pulled file is a working model.
	code, gen, errOut := runCLI(t, "generate", "-m", path, "-n", "8", "--temp", "0", "Once upon a time")
	if code != 0 || !strings.HasPrefix(gen, "Once upon a time, there was a little girl") {
		t.Fatalf("generate with the pulled file: exit %d, %q, %s", code, gen, errOut)
	}
	// Pulling again downloads nothing and prints the same path; -q prints
	// no progress.
	code, out, errOut = runCLI(t, "pull", "-q", "hf.co/test/stories-GGUF:F32")
	if code != 0 || strings.TrimSpace(out) != want || errOut != "" {
		t.Fatalf("second pull: exit %d, %q, %q", code, out, errOut)
	}
}

func TestPullErrorsCLI(t *testing.T) {
	srv := fakeHubServer(t, "stories260K-F32.gguf", embedded.Stories260K)
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"pull"}, 2, "give one model reference"},
		{[]string{"pull", "a/b", "c/d"}, 2, "give one model reference"},
		{[]string{"pull", "justaname"}, 2, "repository must be org/name"},
		{[]string{"pull", "test/stories-GGUF:Q4_0"}, 1, "no GGUF file for quantization Q4_0; the repository has: stories260K-F32.gguf"},
		{[]string{"pull", "test/missing:Q4_0"}, 1, "404 Not Found: Repository not found"},
	}
	for _, tc := range tests {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("gollm %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		file               string
		done, total, moved int64
		elapsed            time.Duration
		want               string
	}{
		{"m.gguf", 0, 1_000_000_000, 0, 0, "m.gguf   0% ░░░░░░░░░░░░░░░░░░░░░░░░ 0 B/1.00 GB 0 B/s --:--"},
		// 250 MB of 1 GB in 10 s: 25 MB/s, 750 MB left = 30 s.
		{"m.gguf", 250_000_000, 1_000_000_000, 250_000_000, 10 * time.Second, "m.gguf  25% ██████░░░░░░░░░░░░░░░░░░ 250.0 MB/1.00 GB 25.0 MB/s 0:30"},
		// Resumed at 500 MB: the rate counts only the 100 MB moved in 4 s.
		{"m.gguf", 600_000_000, 1_000_000_000, 100_000_000, 4 * time.Second, "m.gguf  60% ██████████████░░░░░░░░░░ 600.0 MB/1.00 GB 25.0 MB/s 0:16"},
		// 1 hour 1 minute 1 second left.
		{"m.gguf", 1_000, 3_662_000, 1_000, time.Second, "m.gguf   0% ░░░░░░░░░░░░░░░░░░░░░░░░ 1.0 kB/3.7 MB 1.0 kB/s 1:01:01"},
		// Done: the time shown is the elapsed time.
		{"m.gguf", 2_000, 2_000, 2_000, 2 * time.Second, "m.gguf 100% ████████████████████████ 2.0 kB/2.0 kB 1.0 kB/s 0:02"},
		// Unknown size.
		{"m.gguf", 5_000, -1, 5_000, time.Second, "m.gguf 5.0 kB 5.0 kB/s"},
		// Long names keep their end.
		{strings.Repeat("a", 50) + ".gguf", 1, 2, 0, 0, "…" + strings.Repeat("a", 34) + ".gguf  50% ████████████░░░░░░░░░░░░ 1 B/2 B 0 B/s --:--"},
	}
	for _, tc := range tests {
		if got := downloadLine(tc.file, tc.done, tc.total, tc.moved, tc.elapsed); got != tc.want {
			t.Errorf("downloadLine(%d/%d, %v)\n got %q\nwant %q", tc.done, tc.total, tc.elapsed, got, tc.want)
		}
	}
}

func TestProgressBarThrottles(t *testing.T) {
	var clock time.Time
	now := func() time.Time { return clock }
	var buf bytes.Buffer
	p := newDownloadBar(&buf, true, now)
	for i := int64(0); i <= 100; i++ {
		clock = clock.Add(10 * time.Millisecond)
		p.update("f.gguf", i, 100)
	}
	p.finish()
	// 1 s of updates every 10 ms at most every 100 ms: 10 draws plus the
	// final one at 100%.
	if n := strings.Count(buf.String(), "\r"); n < 10 || n > 12 {
		t.Errorf("%d redraws, want about 11", n)
	}
	if !strings.HasSuffix(buf.String(), "100 B/100 B 100 B/s 0:01\x1b[K\n") {
		t.Errorf("last line %q", buf.String()[max(0, buf.Len()-60):])
	}
}
