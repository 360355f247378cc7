package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
)

// TestQuantizeCLI quantizes the embedded stories260K (F32) as the fixture
// stories260K-q8_0.gguf was made (llama-quantize --tensor-type ffn_down=f16
// Q8_0) and expects llama-quantize's file byte for byte.
func TestQuantizeCLI(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "stories260K.gguf")
	if err := os.WriteFile(in, embedded.Stories260K, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "q8.gguf")
	var stdout, stderr bytes.Buffer
	rc := run([]string{"quantize", "--tensor-type", "ffn_down=f16", in, out, "q8_0", "2"}, &stdout, &stderr)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/stories260K-q8_0.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output (%d bytes) differs from llama-quantize's (%d bytes)", len(got), len(want))
	}
	ref, err := gguf.Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	src, err := gguf.Parse(embedded.Stories260K)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		fmt.Sprintf("model size  = %8.2f MiB", float64(src.TensorBytes())/(1<<20)),
		fmt.Sprintf("quant size  = %8.2f MiB", float64(ref.TensorBytes())/(1<<20)),
		"tensor types: q8_0 x32, f32 x11, f16 x5",
	} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, stdout.String())
		}
	}
	if n := strings.Count(stderr.String(), "\n["); n != len(ref.Tensors) {
		t.Errorf("progress has %d tensor lines, want %d:\n%s", n, len(ref.Tensors), stderr.String())
	}
}

// TestQuantizeCLIErrors checks that bad input gives one clear line.
func TestQuantizeCLIErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "stories260K.gguf")
	if err := os.WriteFile(in, embedded.Stories260K, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.gguf")
	tests := []struct {
		args []string
		rc   int
		want string
	}{
		{[]string{in, out}, 2, "want IN.gguf OUT.gguf TYPE [NTHREADS], got 2 arguments"},
		{[]string{in, out, "Q9_9"}, 2, `unknown type "Q9_9"`},
		{[]string{in, out, "IQ2_XXS"}, 2, "unknown type"},
		{[]string{in, out, "Q8_0", "zero"}, 2, `NTHREADS must be a positive integer (got "zero")`},
		{[]string{"--threads", "-1", in, out, "Q8_0"}, 2, "--threads must not be negative"},
		{[]string{"--tensor-type", "ffn_down", in, out, "Q8_0"}, 2, "want PATTERN=TYPE"},
		{[]string{"--output-tensor-type", "q7", in, out, "Q8_0"}, 2, `unknown type name "q7"`},
		{[]string{filepath.Join(dir, "none.gguf"), out, "Q8_0"}, 1, "none.gguf"},
		// The 172-wide ffn_down rows fit no block of 32: llama-quantize aborts too.
		{[]string{in, out, "Q8_0"}, 1, `"blk.0.ffn_down.weight": row length 172 is not a multiple of 32`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		rc := run(append([]string{"quantize"}, tc.args...), &stdout, &stderr)
		msg := stderr.String()
		if i := strings.LastIndex(strings.TrimSpace(msg), "\n"); i >= 0 {
			msg = msg[i+1:] // the progress lines before a conversion error
		}
		if rc != tc.rc || !strings.Contains(msg, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and a last line containing %q", tc.args, rc, stderr.String(), tc.rc, tc.want)
		}
		if rc == 2 && strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
			t.Errorf("%v: usage error spans several lines: %q", tc.args, stderr.String())
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed quantization left %s behind (%v)", out, err)
	}
}
