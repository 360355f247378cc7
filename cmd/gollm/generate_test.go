package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
)

// runCLI runs gollm in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// mutatedStories writes a copy of the embedded stories260K model changed by
// edit (metadata and tensor list) and returns its path.
func mutatedStories(t *testing.T, edit func(kv []gguf.KV, ti []gguf.TensorInfo, data [][]byte) ([]gguf.KV, []gguf.TensorInfo, [][]byte)) string {
	t.Helper()
	f, err := gguf.Parse(embedded.Stories260K)
	if err != nil {
		t.Fatal(err)
	}
	kv := append([]gguf.KV(nil), f.KV...)
	ti := append([]gguf.TensorInfo(nil), f.Tensors...)
	var data [][]byte
	for i := range ti {
		data = append(data, f.TensorData(&ti[i]))
	}
	kv, ti, data = edit(kv, ti, data)
	p := filepath.Join(t.TempDir(), "model.gguf")
	if err := gguf.WriteFile(p, kv, ti, data); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGenerateEmbeddedModel(t *testing.T) {
	code, out, errOut := runCLI(t, "generate", "-n", "20", "--temp", "0", "Once upon a time")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "Once upon a time, there was a little girl named Lily."; !strings.HasPrefix(out, want) {
		t.Errorf("output %q does not start with %q", out, want)
	}
	for _, want := range []string{"load time", "prompt eval time", "5 tokens", "eval time", "20 tokens"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("timing summary lacks %q:\n%s", want, errOut)
		}
	}
}

func TestGenerateBadInput(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.gguf")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	unknownArch := mutatedStories(t, func(kv []gguf.KV, ti []gguf.TensorInfo, d [][]byte) ([]gguf.KV, []gguf.TensorInfo, [][]byte) {
		for i := range kv {
			if kv[i].Key == "general.architecture" {
				kv[i].Value = gguf.String("mamba9")
			}
		}
		return kv, ti, d
	})
	missing := mutatedStories(t, func(kv []gguf.KV, ti []gguf.TensorInfo, d [][]byte) ([]gguf.KV, []gguf.TensorInfo, [][]byte) {
		for i := range ti {
			if ti[i].Name == "blk.3.ffn_up.weight" {
				return kv, append(ti[:i:i], ti[i+1:]...), append(d[:i:i], d[i+1:]...)
			}
		}
		t.Fatal("no blk.3.ffn_up.weight")
		return nil, nil, nil
	})
	misshaped := mutatedStories(t, func(kv []gguf.KV, ti []gguf.TensorInfo, d [][]byte) ([]gguf.KV, []gguf.TensorInfo, [][]byte) {
		for i := range ti {
			if ti[i].Name == "blk.0.attn_k.weight" { // [64, 32] → [32, 64]
				ti[i].Dims = []uint64{32, 64}
			}
		}
		return kv, ti, d
	})
	neverEnds := filepath.Join(t.TempDir(), "loop.gbnf")
	if err := os.WriteFile(neverEnds, []byte(`root ::= "a" root`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"negative n", []string{"generate", "-n", "-5", "hi"}, 2, "-n must be -1 or more"},
		{"bad flag", []string{"generate", "--bogus", "hi"}, 2, "flag provided but not defined"},
		{"bad number", []string{"generate", "--temp", "hot", "hi"}, 2, "not a number"},
		{"missing file", []string{"generate", "-m", "/nonexistent/x.gguf", "hi"}, 1, "no such file"},
		{"empty file", []string{"generate", "-m", empty, "hi"}, 1, "too small"},
		{"unknown architecture", []string{"generate", "-m", unknownArch, "hi"}, 1, `unsupported architecture "mamba9" (supported: `},
		{"missing tensor", []string{"generate", "-m", missing, "hi"}, 1, `missing tensor "blk.3.ffn_up.weight"`},
		{"wrong shape", []string{"generate", "-m", misshaped, "hi"}, 1, `tensor "blk.0.attn_k.weight" has shape [32 64], want [64 32]`},
		{"prompt longer than context", []string{"generate", "-c", "8", strings.Repeat("Once upon a time ", 8)}, 1, "the context holds 8"},
		{"grammar that never ends", []string{"generate", "--grammar", neverEnds, "hi"}, 1, "never"},
		{"two constraints", []string{"generate", "--json", "--grammar", neverEnds, "hi"}, 2, "at most one"},
		{"bad cache type", []string{"generate", "--cache-type", "q2", "hi"}, 2, "--cache-type must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tc.want) {
				t.Errorf("last stderr line %q does not contain %q", last, tc.want)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
				t.Errorf("stack trace in output:\n%s", errOut)
			}
		})
	}
}

func TestGenerateJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "generate", "--json", "--seed", "3", "-c", "512", "Once upon a time")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	doc := strings.TrimPrefix(out, "Once upon a time")
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Errorf("--json output is not JSON: %v\n%q", err, doc)
	}
}

// TestLogitsMatchesFixtures runs `gollm logits` on llama.cpp's reference
// cases and compares tokens and greedy ids.
func TestLogitsMatchesFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "model", "testdata")
	cases, _ := filepath.Glob(filepath.Join(dir, "*.case*.json"))
	if len(cases) == 0 {
		t.Fatalf("no fixture cases in %s", dir)
	}
	for _, c := range cases {
		t.Run(filepath.Base(c), func(t *testing.T) {
			b, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			var rc struct {
				Model     string  `json:"model"`
				Prompt    *string `json:"prompt"`
				Tokens    []int32 `json:"tokens"`
				GreedyIDs []int32 `json:"greedy_ids"`
				Stable    struct {
					N int `json:"n"`
				} `json:"greedy_stable_prefix"`
			}
			if err := json.Unmarshal(b, &rc); err != nil {
				t.Fatal(err)
			}
			args := []string{"logits", "-m", filepath.Join(dir, rc.Model), "-n", "16"}
			if rc.Prompt != nil {
				args = append(args, "--prompt", *rc.Prompt)
			} else {
				var s []string
				for _, id := range rc.Tokens {
					s = append(s, strings.TrimSpace(string(must(json.Marshal(id)))))
				}
				args = append(args, "--tokens", strings.Join(s, ","))
			}
			if rc.Prompt != nil && *rc.Prompt == "" {
				// llama.cpp's BOS-only case: an empty prompt gives just BOS.
				args[len(args)-1] = ""
				args = append(args[:len(args)-2], "--tokens", "1")
			}
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got logitsResult
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if !equalIDs(got.Tokens, rc.Tokens) {
				t.Errorf("tokens %v, want %v", got.Tokens, rc.Tokens)
			}
			n := min(rc.Stable.N, 16)
			if !equalIDs(got.GreedyIDs[:n], rc.GreedyIDs[:n]) {
				t.Errorf("greedy ids %v, want %v (first %d must agree)", got.GreedyIDs, rc.GreedyIDs[:16], n)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
