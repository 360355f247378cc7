package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The vocabulary fixtures live with the tokenizer package (30 MB; not
// copied a second time).
const vocabDir = "../../tokenizer/testdata"

var cliVocabs = []string{
	"bert-bge", "deepseek-coder", "deepseek-llm", "falcon", "gpt-2", "llama-bpe",
	"llama-spm", "mpt", "phi-3", "qwen2", "refact", "starcoder",
}

// buildGollm compiles the command into a temporary directory.
func buildTokenizeBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "gollm")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func execGollm(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stderr.String(), err
	}
	return stdout.String(), nil
}

// TestTokenizeCLI runs the built binary on fixture cases of every
// vocabulary: plain tokenization (.inp/.out, no BOS, no special parsing),
// special-token parsing with BOS/EOS (.special.json) and detokenization.
func TestTokenizeCLI(t *testing.T) {
	bin := buildTokenizeBinary(t)
	for _, name := range cliVocabs {
		t.Run(name, func(t *testing.T) {
			gguf := filepath.Join(vocabDir, "ggml-vocab-"+name+".gguf")
			inp, err := os.ReadFile(gguf + ".inp")
			if err != nil {
				t.Fatal(err)
			}
			out, err := os.ReadFile(gguf + ".out")
			if err != nil {
				t.Fatal(err)
			}
			texts := strings.Split(string(inp), "\n__ggml_vocab_test__\n")
			lines := strings.Split(string(out), "\n")
			for _, i := range []int{0, 11, 22, 45} {
				want := "[" + strings.Join(strings.Fields(lines[i]), ", ") + "]\n"
				got, err := execGollm(t, bin, "tokenize", "-m", gguf, "--no-bos", texts[i])
				if err != nil {
					t.Fatalf("case %d: %v: %s", i, err, got)
				}
				if got != want {
					t.Errorf("case %d %q:\n got %s\nwant %s", i, texts[i], got, want)
				}
			}

			b, err := os.ReadFile(filepath.Join(vocabDir, "ggml-vocab-"+name+".special.json"))
			if err != nil {
				t.Fatal(err)
			}
			var cases []struct {
				Case        string  `json:"case"`
				Text        string  `json:"text"`
				IDs         []int32 `json:"ids"`
				Detokenized string  `json:"detokenized"`
			}
			if err := json.Unmarshal(b, &cases); err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				if c.Case != "chat" && c.Case != "bos_eos" {
					continue
				}
				// The text goes through a file to exercise -f.
				file := filepath.Join(t.TempDir(), "text")
				if err := os.WriteFile(file, []byte(c.Text), 0o644); err != nil {
					t.Fatal(err)
				}
				got, err := execGollm(t, bin, "tokenize", "-m", gguf, "--parse-special", "-f", file)
				if err != nil {
					t.Fatalf("%s: %v: %s", c.Case, err, got)
				}
				want := string(appendIDs(nil, c.IDs)) + "\n"
				if got != want {
					t.Errorf("%s %q:\n got %s\nwant %s", c.Case, c.Text, got, want)
				}
				got, err = execGollm(t, bin, "detokenize", "-m", gguf, strings.TrimSpace(want))
				if err != nil {
					t.Fatalf("%s detokenize: %v: %s", c.Case, err, got)
				}
				if got != c.Detokenized+"\n" {
					t.Errorf("%s detokenize: %q, want %q", c.Case, got, c.Detokenized+"\n")
				}
			}
		})
	}
}

// TestTokenizeCommand runs the verbs in-process: the pieces view, id
// parsing and usage errors.
func TestTokenizeCommand(t *testing.T) {
	spm := filepath.Join(vocabDir, "ggml-vocab-llama-spm.gguf")
	tests := []struct {
		args []string
		code int
		want string // stdout, or a substring of stderr when code != 0
	}{
		{[]string{"tokenize", "-m", spm, "Hello world"}, 0, "[1, 15043, 3186]\n"},
		{[]string{"tokenize", "-m", spm, "--no-bos", "Hello", "world"}, 0, "[15043, 3186]\n"},
		{[]string{"tokenize", "-m", spm, "--pieces", "Hi\n"}, 0, "     1 -> '<s>'\n  6324 -> ' Hi'\n    13 -> '\n'\n"},
		{[]string{"tokenize", "-m", spm, "<s>"}, 0, "[1, 529, 29879, 29958]\n"},
		{[]string{"tokenize", "-m", spm, "--parse-special", "<s>"}, 0, "[1, 1]\n"},
		{[]string{"detokenize", "-m", spm, "1", "15043,", "3186"}, 0, "<s> Hello world\n"},
		{[]string{"detokenize", "-m", spm, "--no-special", "[1,15043,3186]"}, 0, " Hello world\n"},
		{[]string{"detokenize", "-m", spm, "--remove-special", "[15043, 3186]"}, 0, "Hello world\n"},
		{[]string{"tokenize", "-m", spm}, 2, "no text"},
		{[]string{"tokenize", "-m", spm, "-f", "x", "text"}, 2, "not both"},
		{[]string{"tokenize", "-m", filepath.Join(t.TempDir(), "missing.gguf"), "x"}, 1, "missing.gguf"},
		{[]string{"detokenize", "-m", spm}, 2, "no token ids"},
		{[]string{"detokenize", "-m", spm, "[1, 2"}, 2, "unterminated"},
		{[]string{"detokenize", "-m", spm, "1", "abc"}, 2, "bad token id"},
		{[]string{"detokenize", "-m", spm, "99999"}, 1, "out of range"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr.String())
			continue
		}
		if tc.code == 0 && stdout.String() != tc.want {
			t.Errorf("%q: stdout %q, want %q", tc.args, stdout.String(), tc.want)
		}
		if tc.code != 0 && !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: stderr %q, want it to mention %q", tc.args, stderr.String(), tc.want)
		}
	}
}
