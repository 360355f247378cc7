package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ollama "github.com/ollama/ollama/api"

	"github.com/gollm/gollm/internal/embedded"
)

// TestPullThenServe pulls a model with `gollm pull` from a fake Hugging
// Face Hub into the HF cache the running server reads, and asks the server
// for it by its hf.co name: the same weights as the built-in model, so the
// greedy answer is `gollm generate`'s.
func TestPullThenServe(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	data := embedded.Stories260K
	sum := sha256.Sum256(data)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/models/e2e/stories-GGUF/revision/main":
			json.NewEncoder(w).Encode(map[string]any{"sha": commit, "siblings": []map[string]any{
				{"rfilename": "stories260K-F32.gguf", "lfs": map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(data)}},
			}})
		case "/e2e/stories-GGUF/resolve/" + commit + "/stories260K-F32.gguf":
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
		default:
			http.NotFound(w, r)
		}
	}))
	defer hub.Close()

	pull := exec.Command(gollmBin, "pull", "-q", "e2e/stories-GGUF:F32")
	pull.Env = append(isolatedEnv(), "HF_ENDPOINT="+hub.URL)
	out, err := pull.Output()
	if err != nil {
		t.Fatalf("gollm pull: %v", err)
	}
	want := filepath.Join(testHome, ".cache", "huggingface", "hub", "models--e2e--stories-GGUF", "snapshots", commit, "stories260K-F32.gguf")
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("pulled to %q, want %q", got, want)
	}

	c := ollamaClient(t)
	const name = "hf.co/e2e/stories-GGUF:F32"
	var sb strings.Builder
	err = c.Generate(ctx(t), &ollama.GenerateRequest{Model: name, Prompt: prompt, Raw: true, Options: greedyOptions()},
		func(r ollama.GenerateResponse) error { sb.WriteString(r.Response); return nil })
	if err != nil {
		t.Fatalf("generate with the pulled model: %v", err)
	}
	if ref := gollmGenerate(t); sb.String() != ref {
		t.Errorf("pulled model says %q, gollm generate with the same weights %q", sb.String(), ref)
	}
	list, err := c.List(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range list.Models {
		names = append(names, m.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "e2e/stories-GGUF") {
		t.Errorf("tags %q lack the pulled model", names)
	}
}
