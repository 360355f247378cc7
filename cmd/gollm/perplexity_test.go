package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestPerplexityMatchesLlamaCpp scores stories-sampled.txt with -c 128 and
// compares with llama-perplexity's 3.0082 ± 0.07260 (llama.cpp build 10587,
// same text, same context; fixtures/text/README.md), for the embedded F32
// model and its Q8_0 file.
func TestPerplexityMatchesLlamaCpp(t *testing.T) {
	const wantPPL, wantErr = 3.0082, 0.07260
	tests := []struct {
		name string
		args []string
	}{
		{"F32 (embedded)", nil},
		{"Q8_0", []string{"-m", "testdata/stories260K-q8_0.gguf"}},
		{"Q8_0 batch 32", []string{"-m", "testdata/stories260K-q8_0.gguf", "-b", "32", "-t", "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"perplexity", "-f", "testdata/stories-sampled.txt", "-c", "128"}, tc.args...)
			if rc := run(args, &stdout, &stderr); rc != 0 {
				t.Fatalf("exit %d: %s", rc, stderr.String())
			}
			out := stdout.String()
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				t.Fatalf("want the chunk line and the final line, got:\n%s", out)
			}
			if n := strings.Count(lines[0], ","); n != 81 || !strings.HasPrefix(lines[0], "[1]") || !strings.Contains(lines[0], ",[81]") {
				t.Errorf("chunk line has %d estimates, want 81: %.80s…", n, lines[0])
			}
			var ppl, pplErr float64
			if _, err := fmt.Sscanf(lines[1], "Final estimate: PPL = %f +/- %f", &ppl, &pplErr); err != nil {
				t.Fatalf("final line %q: %v", lines[1], err)
			}
			if rel := math.Abs(ppl-wantPPL) / wantPPL; rel > 0.005 {
				t.Errorf("PPL %.4f, llama.cpp %.4f (%.2f%% off, want ≤ 0.5%%)", ppl, wantPPL, rel*100)
			}
			if rel := math.Abs(pplErr-wantErr) / wantErr; rel > 0.02 {
				t.Errorf("PPL error %.5f, llama.cpp %.5f", pplErr, wantErr)
			}
		})
	}
}

// TestPerplexityErrors checks that bad input gives one clear line.
func TestPerplexityErrors(t *testing.T) {
	tests := []struct {
		args []string
		rc   int
		want string
	}{
		{[]string{"-c", "128"}, 2, "-f TEXT is required"},
		{[]string{"-f", "testdata/stories-sampled.txt", "-c", "-5"}, 2, "-c must not be negative"},
		{[]string{"-f", "testdata/stories-sampled.txt", "-c", "2"}, 2, "-c must be at least 4"},
		{[]string{"-f", "testdata/stories-sampled.txt", "-c", "8192"}, 1, "at least 16384"},
		{[]string{"-f", "testdata/none.txt"}, 1, "none.txt"},
		{[]string{"-f", "testdata/stories-sampled.txt", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"-f", "testdata/stories-sampled.txt", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		rc := run(append([]string{"perplexity"}, tc.args...), &stdout, &stderr)
		msg := stderr.String()
		if rc != tc.rc || !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line containing %q", tc.args, rc, msg, tc.rc, tc.want)
		}
	}
}
