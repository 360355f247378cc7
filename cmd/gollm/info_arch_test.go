package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInfoNamesArchitectures runs `gollm info` on one file of every
// architecture fixture and checks the summary lines that matter for it.
func TestInfoNamesArchitectures(t *testing.T) {
	dir := filepath.Join("..", "..", "model", "testdata")
	tests := []struct {
		file string
		want []string
	}{
		{"stories260K.gguf", []string{"architecture:  *llama", "embedding length: *64", "block count: *5", "head count kv: *4", "rope dimensions: *8"}},
		{"tiny-llama3rope-q4_k_m.gguf", []string{"architecture: *llama", "head count kv: *1", "rope freq base: *500000"}},
		{"tiny-qwen2-q4_k_m.gguf", []string{"architecture: *qwen2", "head count kv: *2", "rope freq base: *1e\\+06|rope freq base: *1000000"}},
		{"tiny-qwen3-q4_k_m.gguf", []string{"architecture: *qwen3", "head count: *8", "key length: *64"}},
		{"tiny-qwen3moe-q4_k_m.gguf", []string{"architecture: *qwen3moe", "expert count: *8", "expert used count: *2"}},
		{"tiny-phi3-q4_k_m.gguf", []string{"architecture: *phi3", "rope dimensions: *48"}},
		{"tiny-gemma2-q4_k_m.gguf", []string{"architecture: *gemma2", "sliding window: *16", "attention softcap: *5", "final logit softcap: *15"}},
		{"tiny-gemma3-q4_k_m.gguf", []string{"architecture: *gemma3", "sliding window: *8", "sliding window pattern: *2", "rope freq base \\(local layers\\): *10000"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			code, out, errOut := runCLI(t, "info", filepath.Join(dir, tc.file))
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			summary := out[:strings.Index(out, "metadata (")]
			for _, w := range tc.want {
				if !matchLine(summary, w) {
					t.Errorf("summary lacks /%s/:\n%s", w, summary)
				}
			}
		})
	}
}

func matchLine(text, pattern string) bool {
	return regexp.MustCompile(pattern).MatchString(text)
}
