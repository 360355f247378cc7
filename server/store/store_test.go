package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The store does not parse GGUF files, so these tests use small stand-in
// files whose bytes name them.

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func hexOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ollamaModel writes a manifest (and its blobs) for host/ns/model:tag.
func ollamaModel(t *testing.T, dir, host, ns, model, tag string, layers map[string]string) {
	t.Helper()
	man := Manifest{SchemaVersion: 2}
	for mt, content := range layers {
		sum := hexOf([]byte(content))
		write(t, filepath.Join(dir, "blobs", "sha256-"+sum), content)
		man.Layers = append(man.Layers, Layer{MediaType: mt, Digest: "sha256:" + sum, Size: int64(len(content))})
	}
	raw, _ := json.Marshal(man)
	write(t, filepath.Join(dir, "manifests", host, ns, model, tag), string(raw))
}

// fixture builds a models dir, an Ollama store and a Hugging Face cache.
func fixture(t *testing.T) *Store {
	t.Helper()
	root := t.TempDir()
	s := &Store{
		ModelsDir:  filepath.Join(root, "gollm"),
		OllamaDir:  filepath.Join(root, "ollama"),
		HFCacheDir: filepath.Join(root, "hf"),
		Builtin:    map[string][]byte{"tiny": []byte("builtin tiny")},
	}
	write(t, filepath.Join(s.ModelsDir, "mine.gguf"), "gollm mine")
	write(t, filepath.Join(s.ModelsDir, "team", "shared.gguf"), "gollm shared")
	write(t, filepath.Join(root, "outside.gguf"), "outside")

	ollamaModel(t, s.OllamaDir, DefaultHost, DefaultNamespace, "llama3.2", "latest", map[string]string{
		MediaTypeModel: "ollama llama3.2", MediaTypeTemplate: "{{ .Prompt }}", MediaTypeSystem: "Be brief.",
		MediaTypeParams: `{"stop":["<|eot_id|>"],"temperature":0.6}`, MediaTypeLicense: "LICENSE TEXT",
		"application/vnd.ollama.image.projector": "ignored",
	})
	ollamaModel(t, s.OllamaDir, DefaultHost, DefaultNamespace, "llama3.2", "1b", map[string]string{MediaTypeModel: "ollama llama3.2:1b"})
	ollamaModel(t, s.OllamaDir, DefaultHost, "someone", "mix", "v2", map[string]string{MediaTypeModel: "ollama someone/mix:v2"})
	ollamaModel(t, s.OllamaDir, "hf.co", "bartowski", "Qwen", "Q8_0", map[string]string{MediaTypeModel: "ollama hf.co qwen q8"})

	repo := filepath.Join(s.HFCacheDir, "models--TheOrg--Tiny-GGUF")
	write(t, filepath.Join(repo, "refs", "main"), "abc123\n")
	// Files are links to blobs named by their sha256, as huggingface_hub
	// stores them.
	for _, f := range []string{"Tiny-Q4_K_M.gguf", "Tiny-Q8_0.gguf", "Tiny-F16.gguf", "sub/Tiny-IQ4_XS-00001-of-00002.gguf", "sub/Tiny-IQ4_XS-00002-of-00002.gguf"} {
		content := "hf " + f
		blob := filepath.Join(repo, "blobs", hexOf([]byte(content)))
		write(t, blob, content)
		link := filepath.Join(repo, "snapshots", "abc123", filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(link), 0o755)
		rel, _ := filepath.Rel(filepath.Dir(link), blob)
		if err := os.Symlink(rel, link); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(repo, "snapshots", "old999", "Tiny-Q8_0.gguf"), "hf old snapshot")
	write(t, filepath.Join(s.HFCacheDir, "models--Solo--One", "snapshots", "r1", "one.gguf"), "hf solo")
	return s
}

func content(t *testing.T, m *Model) string {
	t.Helper()
	if m.Data != nil {
		return string(m.Data)
	}
	b, err := os.ReadFile(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestResolve(t *testing.T) {
	s := fixture(t)
	tests := []struct {
		name     string
		wantName string
		kind     Kind
		content  string
	}{
		{"tiny", "tiny", KindBuiltin, "builtin tiny"},
		{"tiny:latest", "tiny", KindBuiltin, "builtin tiny"},
		{"mine", "mine", KindFile, "gollm mine"},
		{"mine.gguf", "mine", KindFile, "gollm mine"},
		{"mine:latest", "mine", KindFile, "gollm mine"},
		{"team/shared", "team/shared", KindFile, "gollm shared"},
		{"llama3.2", "llama3.2:latest", KindOllama, "ollama llama3.2"},
		{"llama3.2:latest", "llama3.2:latest", KindOllama, "ollama llama3.2"},
		{"library/llama3.2", "llama3.2:latest", KindOllama, "ollama llama3.2"},
		{"registry.ollama.ai/library/llama3.2:latest", "llama3.2:latest", KindOllama, "ollama llama3.2"},
		{"llama3.2:1b", "llama3.2:1b", KindOllama, "ollama llama3.2:1b"},
		{"someone/mix:v2", "someone/mix:v2", KindOllama, "ollama someone/mix:v2"},
		{"hf.co/bartowski/Qwen:Q8_0", "hf.co/bartowski/Qwen:Q8_0", KindOllama, "ollama hf.co qwen q8"},
		{"TheOrg/Tiny-GGUF:Q8_0", "hf.co/TheOrg/Tiny-GGUF:Q8_0", KindHF, "hf Tiny-Q8_0.gguf"},
		{"TheOrg/Tiny-GGUF:q8_0", "hf.co/TheOrg/Tiny-GGUF:Q8_0", KindHF, "hf Tiny-Q8_0.gguf"},
		{"hf.co/TheOrg/Tiny-GGUF:f16", "hf.co/TheOrg/Tiny-GGUF:F16", KindHF, "hf Tiny-F16.gguf"},
		{"huggingface.co/TheOrg/Tiny-GGUF:Q4_K_M", "hf.co/TheOrg/Tiny-GGUF:Q4_K_M", KindHF, "hf Tiny-Q4_K_M.gguf"},
		{"TheOrg/Tiny-GGUF", "hf.co/TheOrg/Tiny-GGUF:Q4_K_M", KindHF, "hf Tiny-Q4_K_M.gguf"}, // no quant: Q4_K_M
		{"TheOrg/Tiny-GGUF:iq4_xs", "hf.co/TheOrg/Tiny-GGUF:IQ4_XS", KindHF, "hf sub/Tiny-IQ4_XS-00001-of-00002.gguf"},
		{"Solo/One", "hf.co/Solo/One:one", KindHF, "hf solo"}, // the only file
	}
	for _, tt := range tests {
		m, err := s.Resolve(tt.name)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if m.Name != tt.wantName || m.Kind != tt.kind || content(t, m) != tt.content || m.Size != int64(len(tt.content)) || !strings.HasPrefix(m.Digest, "sha256:") {
			t.Errorf("%s: got %s (%s, %d bytes, %q), want %s (%s, %q)", tt.name, m.Name, m.Kind, m.Size, content(t, m), tt.wantName, tt.kind, tt.content)
		}
	}
}

func TestResolveOllamaLayers(t *testing.T) {
	s := fixture(t)
	m, err := s.Resolve("llama3.2")
	if err != nil {
		t.Fatal(err)
	}
	if m.Template != "{{ .Prompt }}" || m.System != "Be brief." || m.License != "LICENSE TEXT" {
		t.Errorf("layers: %q %q %q", m.Template, m.System, m.License)
	}
	if stop, _ := m.Params["stop"].([]any); len(stop) != 1 || stop[0] != "<|eot_id|>" || m.Params["temperature"] != 0.6 {
		t.Errorf("params %v", m.Params)
	}
	raw, _ := os.ReadFile(ManifestPath(s.OllamaDir, Name{Host: DefaultHost, Namespace: DefaultNamespace, Model: "llama3.2", Tag: "latest"}))
	if m.Digest != "sha256:"+hexOf(raw) {
		t.Errorf("digest %s is not the manifest's hash", m.Digest)
	}
	// The HF digest is the blob's name.
	h, _ := s.Resolve("TheOrg/Tiny-GGUF:Q8_0")
	if h.Digest != "sha256:"+hexOf([]byte("hf Tiny-Q8_0.gguf")) {
		t.Errorf("hf digest %s", h.Digest)
	}
}

func TestResolveErrors(t *testing.T) {
	s := fixture(t)
	outside := filepath.Join(filepath.Dir(s.ModelsDir), "outside.gguf")
	tests := []struct {
		name string
		want error // ErrNotFound, ErrInvalidName or nil for another error
	}{
		{"", ErrInvalidName},
		{"nope", ErrNotFound},
		{"nope.gguf", ErrNotFound},
		{"llama3.2:70b", ErrNotFound},
		{"TheOrg/Tiny-GGUF:Q2_K", ErrNotFound},
		{"Nobody/Nothing:Q4_0", ErrNotFound},
		{"../outside", ErrInvalidName},
		{"../outside.gguf", ErrInvalidName},
		{"team/../../outside", ErrInvalidName},
		{outside, ErrInvalidName}, // paths are off unless AllowPaths
		{"/etc/passwd", ErrInvalidName},
		{`..\outside`, ErrInvalidName},
		{"a//b", ErrInvalidName},
		{".hidden", ErrInvalidName},
		{"a/b/c/d", ErrInvalidName},
		{"model:../../x", ErrInvalidName},
		{"bad name", ErrInvalidName},
		{"x\x00y", ErrInvalidName},
		{"TheOrg/Tiny-GGUF:Q", nil}, // ambiguous: several files contain "Q"
	}
	for _, tt := range tests {
		m, err := s.Resolve(tt.name)
		switch {
		case err == nil:
			t.Errorf("%q resolved to %+v", tt.name, m)
		case tt.want != nil && !errors.Is(err, tt.want):
			t.Errorf("%q: %v, want %v", tt.name, err, tt.want)
		case tt.want == nil && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidName)):
			t.Errorf("%q: %v, want another error", tt.name, err)
		}
	}
}

func TestResolvePaths(t *testing.T) {
	s := fixture(t)
	s.AllowPaths = true
	outside := filepath.Join(filepath.Dir(s.ModelsDir), "outside.gguf")
	m, err := s.Resolve(outside)
	if err != nil || m.Kind != KindPath || content(t, m) != "outside" {
		t.Fatalf("path: %+v %v", m, err)
	}
	if _, err := s.Resolve(outside + ".missing.gguf"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing path: %v", err)
	}
	if _, err := s.Resolve(filepath.Dir(outside) + "/ollama.gguf"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing path: %v", err)
	}
	// A directory named like a model file is not a model.
	os.MkdirAll(filepath.Join(filepath.Dir(outside), "dir.gguf"), 0o755)
	if _, err := s.Resolve(filepath.Join(filepath.Dir(outside), "dir.gguf")); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("directory: %v", err)
	}
	// Non-path names still go through the checks.
	if _, err := s.Resolve("../outside"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("../outside with paths allowed: %v", err)
	}
}

// TestResolveBadManifests: a manifest cannot point outside the blobs
// directory, and broken ones are reported, not skipped.
func TestResolveBadManifests(t *testing.T) {
	s := fixture(t)
	for name, body := range map[string]string{
		"traversal": `{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:../../../outside.gguf"}]}`,
		"short":     `{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:abc"}]}`,
		"nomodel":   `{"layers":[{"mediaType":"application/vnd.ollama.image.license","digest":"sha256:` + strings.Repeat("0", 64) + `"}]}`,
		"noblob":    `{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:` + strings.Repeat("1", 64) + `"}]}`,
		"notjson":   `{"layers":`,
	} {
		write(t, filepath.Join(s.OllamaDir, "manifests", DefaultHost, DefaultNamespace, name, "latest"), body)
		m, err := s.Resolve(name)
		if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidName) {
			t.Errorf("%s: %+v, %v", name, m, err)
		}
	}
}

func TestParseName(t *testing.T) {
	for in, want := range map[string]string{
		"llama3.2":                         "registry.ollama.ai/library/llama3.2:latest",
		"llama3.2:3b-instruct-q4_K_M":      "registry.ollama.ai/library/llama3.2:3b-instruct-q4_K_M",
		"someone/model":                    "registry.ollama.ai/someone/model:latest",
		"localhost:5000/ns/model:v1":       "localhost:5000/ns/model:v1",
		"hf.co/org/Repo-GGUF:Q4_K_M":       "hf.co/org/Repo-GGUF:Q4_K_M",
		"registry.ollama.ai/library/x:tag": "registry.ollama.ai/library/x:tag",
	} {
		n, err := ParseName(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := n.Host + "/" + n.Namespace + "/" + n.Model + ":" + n.Tag; got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", ":tag", "a/b/c/d", "a b", "../x", "x:..", "-x", "a/:t", "ho..st/a/b"} {
		if _, err := ParseName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestQuantOf(t *testing.T) {
	for in, want := range map[string]string{
		"Llama-3.2-1B-Instruct-Q4_K_M.gguf":    "Q4_K_M",
		"qwen2.5-0.5b-instruct-q8_0.gguf":      "Q8_0",
		"model.IQ4_XS.gguf":                    "IQ4_XS",
		"gemma-3-1b-it-BF16.gguf":              "BF16",
		"sub/x-IQ2_XXS-00001-of-00003.gguf":    "IQ2_XXS",
		"ggml-model-f16.gguf":                  "F16",
		"phi-2.Q5_K_S.gguf":                    "Q5_K_S",
		"stories260K.gguf":                     "stories260K",
		"mistral-7b-instruct-v0.2.Q4_0.gguf":   "Q4_0",
		"DeepSeek-R1-UD-TQ1_0.gguf":            "TQ1_0",
		"gpt-oss-20b-MXFP4.gguf":               "MXFP4",
		"Meta-Llama-3-8B-Instruct.Q6_K.gguf":   "Q6_K",
		"Llama-3.2-3B-Instruct-Q4_K_L.gguf":    "Q4_K_L",
		"nomic-embed-text-v1.5.f32.gguf":       "F32",
		"SmolLM2-135M-Instruct-Q3_K_M.gguf":    "Q3_K_M",
		"tinyllama-1.1b-chat-v1.0.Q2_K.gguf":   "Q2_K",
		"Qwen3-0.6B-UD-IQ1_S.gguf":             "IQ1_S",
		"granite-3.0-2b-instruct-IQ3_XXS.gguf": "IQ3_XXS",
		"model-q4_k_m-imat.gguf":               "Q4_K_M",
		"Phi-3-mini-4k-instruct-fp16.gguf":     "Phi-3-mini-4k-instruct-fp16",
		"llava-v1.6-mistral-7b.Q4_K_M.gguf":    "Q4_K_M",
		"codellama-7b.Q8_0.gguf":               "Q8_0",
		"Hermes-3-Llama-3.1-8B.Q4_K_M.gguf":    "Q4_K_M",
	} {
		if got := QuantOf(in); got != want {
			t.Errorf("QuantOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestList(t *testing.T) {
	s := fixture(t)
	var names []string
	for _, m := range s.List() {
		names = append(names, m.Name)
		// Every listed name resolves back to the same model.
		r, err := s.Resolve(m.Name)
		if err != nil || r.Path != m.Path || r.Kind != m.Kind {
			t.Errorf("listed %s resolves to %+v, %v", m.Name, r, err)
		}
	}
	want := []string{
		"hf.co/Solo/One:one", "hf.co/TheOrg/Tiny-GGUF:F16", "hf.co/TheOrg/Tiny-GGUF:IQ4_XS", "hf.co/TheOrg/Tiny-GGUF:Q4_K_M",
		"hf.co/TheOrg/Tiny-GGUF:Q8_0", "hf.co/bartowski/Qwen:Q8_0", "llama3.2:1b", "llama3.2:latest", "mine", "someone/mix:v2",
		"team/shared", "tiny",
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("List:\n%v\nwant\n%v", names, want)
	}
	if (&Store{}).List() != nil {
		t.Error("the zero Store lists models")
	}
}
