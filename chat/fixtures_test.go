package chat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/chat/jinja"
)

// The fixtures in testdata/chat_templates were rendered by llama.cpp build
// 10587 (see the chat_templates section of shared/fixtures/README.md):
// <name>.raw.txt by its bare Jinja engine, <name>.expected.txt by its chat
// layer (common_chat_templates_apply), for one conversation.

type fixtureIndex struct {
	Templates []struct {
		Name           string `json:"name"`
		BOS            string `json:"bos"`
		EOS            string `json:"eos"`
		EnableThinking bool   `json:"enable_thinking"`
		RawOK          bool   `json:"raw_ok"`
		RawError       string `json:"raw_error"`
		Server         string `json:"llama_server_apply_template"`
	} `json:"templates"`
}

const fixtureDir = "testdata/chat_templates"

var fixtureNow = time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)

var fixtureMessages = []Message{
	{Role: "system", Content: "You are a helpful assistant."},
	{Role: "user", Content: "Hello!"},
	{Role: "assistant", Content: "Hi there! How can I help?"},
	{Role: "user", Content: "What is 2+2?"},
}

// knownDifferences lists fixtures we do not reproduce yet, with the reason.
// The tests fail if a listed template starts matching (shrink the list) or
// an unlisted one stops matching.
var knownDifferences = map[string]string{}

func loadIndex(t *testing.T) fixtureIndex {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx fixtureIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Templates) != 68 {
		t.Fatalf("index lists %d templates, want 68", len(idx.Templates))
	}
	return idx
}

func readFixture(t *testing.T, name, ext string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name+ext))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstDiff describes where two renders part.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-40)
	return "at byte " + itoa(i) + ":\n got " + quote(got[lo:min(len(got), i+60)]) + "\nwant " + quote(want[lo:min(len(want), i+60)])
}

func itoa(n int) string     { b, _ := json.Marshal(n); return string(b) }
func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// checkKnown fails the test when the set of mismatching fixtures is not
// exactly the known-differences table.
func checkKnown(t *testing.T, failed map[string]string) {
	t.Helper()
	for name, why := range failed {
		if _, ok := knownDifferences[name]; !ok {
			t.Errorf("%s: %s", name, why)
		}
	}
	for name, reason := range knownDifferences {
		if _, ok := failed[name]; !ok {
			t.Errorf("%s now matches; remove it from knownDifferences (%s)", name, reason)
		}
	}
	if len(failed) > len(knownDifferences) {
		t.Errorf("%d templates differ, more than the %d known", len(failed), len(knownDifferences))
	}
}

// TestFixturesRaw checks the Jinja engine alone against llama.cpp's bare
// engine: context {messages, bos_token, eos_token, add_generation_prompt}.
func TestFixturesRaw(t *testing.T) {
	idx := loadIndex(t)
	failed := map[string]string{}
	for _, e := range idx.Templates {
		prog, err := jinja.Parse(readFixture(t, e.Name, ".jinja"))
		if err != nil {
			failed[e.Name] = "parse: " + err.Error()
			continue
		}
		msgs := jinja.NewList()
		for _, m := range fixtureMessages {
			d := jinja.NewDict()
			d.Set("role", m.Role)
			d.Set("content", m.Content)
			msgs.Items = append(msgs.Items, d)
		}
		out, err := prog.Render(map[string]any{
			"messages": msgs, "bos_token": e.BOS, "eos_token": e.EOS, "add_generation_prompt": true,
			"strftime_now": strftimeNow(fixtureNow),
		})
		if !e.RawOK {
			// llama.cpp: "Jinja Exception: System role not supported".
			var je *jinja.Error
			if err == nil || !errors.As(err, &je) || !je.Raised || !strings.HasSuffix(e.RawError, je.Msg) {
				failed[e.Name] = "want raised error " + quote(e.RawError) + ", got " + quote(out) + " " + errString(err)
			}
			continue
		}
		if err != nil {
			failed[e.Name] = "render: " + err.Error()
			continue
		}
		if want := readFixture(t, e.Name, ".raw.txt"); out != want {
			failed[e.Name] = firstDiff(out, want)
		}
	}
	checkKnown(t, failed)
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// TestFixturesExpected checks the chat layer against llama.cpp's
// common_chat_templates_apply with llama-server's defaults.
func TestFixturesExpected(t *testing.T) {
	idx := loadIndex(t)
	failed := map[string]string{}
	for _, e := range idx.Templates {
		tmpl, err := New(readFixture(t, e.Name, ".jinja"))
		if err != nil {
			failed[e.Name] = err.Error()
			continue
		}
		out, err := tmpl.Render(fixtureMessages, Options{AddGenerationPrompt: true, BOS: e.BOS, EOS: e.EOS, Now: fixtureNow})
		if err != nil {
			failed[e.Name] = err.Error()
			continue
		}
		if want := readFixture(t, e.Name, ".expected.txt"); out != want {
			failed[e.Name] = firstDiff(out, want)
		}
	}
	checkKnown(t, failed)
}

// TestFixturesThinking checks SupportsThinking against the enable_thinking
// value llama.cpp chose (common_chat_templates_support_enable_thinking).
func TestFixturesThinking(t *testing.T) {
	idx := loadIndex(t)
	for _, e := range idx.Templates {
		tmpl, err := New(readFixture(t, e.Name, ".jinja"))
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if got := tmpl.SupportsThinking(); got != e.EnableThinking {
			t.Errorf("%s: SupportsThinking() = %v, llama.cpp says %v", e.Name, got, e.EnableThinking)
		}
	}
}

// TestFixturesServerBOS checks TokenizerAddsBOS against llama-server's
// /apply-template with a vocabulary that adds BOS: it strips a leading
// "<s>" from the prompt.
func TestFixturesServerBOS(t *testing.T) {
	idx := loadIndex(t)
	for _, e := range idx.Templates {
		tmpl, err := New(readFixture(t, e.Name, ".jinja"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		out, err := tmpl.Render(fixtureMessages, Options{AddGenerationPrompt: true, BOS: e.BOS, EOS: e.EOS, Now: fixtureNow, TokenizerAddsBOS: true})
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		want := readFixture(t, e.Name, ".expected.txt")
		switch e.Server {
		case "identical":
		case "identical_after_leading_bos_strip":
			want = strings.TrimPrefix(want, e.BOS)
		default:
			t.Fatalf("%s: unknown server result %q", e.Name, e.Server)
		}
		if out != want {
			t.Errorf("%s: %s", e.Name, firstDiff(out, want))
		}
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
