package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/chat/jinja"
)

func TestRawProbe(t *testing.T) {
	files, _ := filepath.Glob("testdata/chat_templates/*.jinja")
	ok := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jinja")
		src, _ := os.ReadFile(f)
		want, werr := os.ReadFile(strings.TrimSuffix(f, ".jinja") + ".raw.txt")
		tp, err := jinja.Parse(string(src))
		if err != nil {
			t.Errorf("%s: parse: %v", name, err)
			continue
		}
		msgs := jinja.NewList()
		for _, m := range [][2]string{{"system", "You are a helpful assistant."}, {"user", "Hello!"}, {"assistant", "Hi there! How can I help?"}, {"user", "What is 2+2?"}} {
			d := jinja.NewDict()
			d.Set("role", m[0])
			d.Set("content", m[1])
			msgs.Items = append(msgs.Items, d)
		}
		now := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)
		out, err := tp.Render(map[string]any{"messages": msgs, "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true,
			"strftime_now": jinja.Func(func(a []any, _ map[string]any) (any, error) { return jinja.Strftime(now, a[0].(string)), nil })})
		if werr != nil {
			if err == nil {
				t.Errorf("%s: expected error", name)
			} else {
				ok++
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: render: %v", name, err)
			continue
		}
		if out != string(want) {
			i := 0
			for i < len(out) && i < len(want) && out[i] == want[i] {
				i++
			}
			lo := max(0, i-60)
			t.Errorf("%s: diff at %d:\n got %q\nwant %q", name, i, out[lo:min(len(out), i+60)], string(want[lo:min(len(want), i+60)]))
			continue
		}
		ok++
	}
	t.Logf("%d/%d ok", ok, len(files))
}
