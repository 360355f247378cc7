package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gollm/gollm/bench"
	"github.com/gollm/gollm/internal/embedded"
)

func storiesFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "stories260K.gguf")
	if err := os.WriteFile(p, embedded.Stories260K, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBenchCLI runs small pp and tg tests on stories260K in every output
// format and checks the shape of the output (never the speeds).
func TestBenchCLI(t *testing.T) {
	model := storiesFile(t)
	q8 := "testdata/stories260K-q8_0.gguf"
	base := []string{"bench", "-m", model, "-m", q8, "-p", "16", "-n", "4", "-t", "1,2", "-r", "2"}

	var stdout, stderr bytes.Buffer
	if rc := run(append(base, "--roofline", "--roofline-mib", "4"), &stdout, &stderr); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	out := stdout.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "| model                          |       size |     params | backend    | threads |            test |                  t/s |") {
		t.Errorf("table header %q", lines[0])
	}
	for _, want := range []string{
		"| llama ?B (guessed) all F32     |   1.12 MiB |     0.29 M | CPU        |       1 |            pp16 |",
		"| llama ?B Q8_0                  |   0.35 MiB |     0.29 M | CPU        |       2 |             tg4 |",
		"\nbuild: ", "| threads |  copy GB/s |  read GB/s |", "MiB/token",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, " pp16 |") + strings.Count(out, " tg4 |"); n != 8+4 {
		t.Errorf("%d result rows (8 tests, 4 tg roofline rows expected):\n%s", n, out)
	}

	stdout.Reset()
	if rc := run(append(base, "-o", "json"), &stdout, &stderr); rc != 0 {
		t.Fatalf("json: exit %d: %s", rc, stderr.String())
	}
	var recs []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &recs); err != nil || len(recs) != 8 {
		t.Fatalf("json: %v, %d records:\n%s", err, len(recs), stdout.String())
	}
	if recs[0]["model_filename"] != model || recs[0]["n_prompt"] != 16.0 || recs[1]["n_gen"] != 4.0 || recs[2]["n_threads"] != 2.0 {
		t.Errorf("json records %v", recs[:3])
	}
	if s, _ := recs[0]["samples_ns"].([]any); len(s) != 2 {
		t.Errorf("samples_ns %v", recs[0]["samples_ns"])
	}

	stdout.Reset()
	if rc := run(append(base, "-o", "csv", "-ub", "8"), &stdout, &stderr); rc != 0 {
		t.Fatalf("csv: exit %d: %s", rc, stderr.String())
	}
	rows, err := csv.NewReader(&stdout).ReadAll()
	if err != nil || len(rows) != 9 || !reflect.DeepEqual(rows[0], bench.Fields) || rows[1][10] != "8" {
		t.Errorf("csv: %v, rows %v", err, rows)
	}
}

// TestBenchDepthAndPG: -d runs every test at each depth and -pg adds
// pp+tg tests, named as llama-bench names them, with n_depth in JSON.
func TestBenchDepthAndPG(t *testing.T) {
	model := storiesFile(t)
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "-m", model, "-p", "16", "-n", "4", "-pg", "8,2", "-d", "0,32", "-t", "1", "-r", "1"}
	if rc := run(args, &stdout, &stderr); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{" pp16 |", " tg4 |", " pp8+tg2 |", " pp16 @ d32 |", " tg4 @ d32 |", " pp8+tg2 @ d32 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	stdout.Reset()
	if rc := run(append(args, "-o", "json"), &stdout, &stderr); rc != 0 {
		t.Fatalf("json: exit %d: %s", rc, stderr.String())
	}
	var recs []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &recs); err != nil || len(recs) != 6 {
		t.Fatalf("json: %v, %d records:\n%s", err, len(recs), stdout.String())
	}
	if recs[0]["n_depth"] != 0.0 || recs[3]["n_depth"] != 32.0 || recs[5]["n_prompt"] != 8.0 || recs[5]["n_gen"] != 2.0 {
		t.Errorf("json records %v", recs)
	}
}

func TestParseIntList(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"512", []int{512}},
		{"1,2", []int{1, 2}},
		{"1-4", []int{1, 2, 3, 4}},
		{"128-512*2", []int{128, 256, 512}},
		{"0-300+100,7", []int{0, 100, 200, 300, 7}},
	}
	for _, tc := range tests {
		got, err := parseIntList("p", tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "a", "1,,2", "-1", "4-1x2", "0-8*0", "1-8*1"} {
		if _, err := parseIntList("p", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestBenchCLIErrors checks that bad input gives one clear line.
func TestBenchCLIErrors(t *testing.T) {
	model := storiesFile(t)
	tests := []struct {
		args []string
		rc   int
		want string
	}{
		{nil, 2, "-m FILE is required"},
		{[]string{"-m", model, "-p", "x"}, 2, `-p: bad list "x"`},
		{[]string{"-m", model, "-t", "0"}, 2, "-t: values must be at least 1"},
		{[]string{"-m", model, "-r", "0"}, 2, "-r must be positive"},
		{[]string{"-m", model, "-o", "xml"}, 2, `unknown output format "xml"`},
		{[]string{"-m", model, "-ctk", "q4_0"}, 2, "must be f16 or q8_0"},
		{[]string{"-m", model, "-ctk", "q8_0"}, 2, "-ctk and -ctv must match"},
		{[]string{"-m", model, "-p", "0", "-n", "0"}, 2, "no tests"},
		{[]string{"-m", model, "-pg", "512"}, 2, `-pg: want PROMPT,GEN token counts (got "512")`},
		{[]string{"-m", model, "-pg", "a,1"}, 2, "-pg: want PROMPT,GEN"},
		{[]string{"-m", model, "-pg", "0,0"}, 2, "-pg: want PROMPT,GEN"},
		{[]string{"-m", model, "-d", "-5"}, 2, `-d: bad list "-5"`},
		{[]string{"-m", model, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"-m", model, "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"-m", "testdata/none.gguf"}, 1, "none.gguf"},
		{[]string{"--make", "llama-2b", "-o", "x.gguf"}, 2, `unknown model shape "llama-2b"`},
		{[]string{"--make", "llama-1b", "--type", "Q9", "-o", "x.gguf"}, 2, `--type: unknown type "Q9"`},
		{[]string{"--make", "llama-1b"}, 2, "--make needs -o FILE.gguf"},
		{[]string{"--make", "llama-1b", "--pool", "-2", "-o", "x.gguf"}, 2, "--pool must be -1 or more"},
		{[]string{"--make", "llama-1b", "--vocab", "testdata/none.gguf", "-o", "x.gguf"}, 1, "vocabulary (--vocab)"},
		{[]string{"--make", "llama-1b", "--vocab", "testdata/stories260K-q8_0.gguf", "-o", filepath.Join(t.TempDir(), "x.gguf")},
			1, "has 128256 tokens, the vocabulary 512"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		rc := run(append([]string{"bench"}, tc.args...), &stdout, &stderr)
		msg := stderr.String()
		if rc != tc.rc || !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line containing %q", tc.args, rc, msg, tc.rc, tc.want)
		}
	}
}
