package chat

import (
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/chat/jinja"
)

// FuzzParse feeds arbitrary template text to the parser, and what parses
// to the renderer and the chat layer (whose probes render it several
// times). Nothing may panic or run away: errors are fine, and the render
// limits bound the work.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		chatMLSource,
		"{{ bos_token }}{% for m in messages %}{{ m.role|upper ~ ': ' ~ m.content|trim }}\n{% endfor %}",
		"{%- macro f(x, y=2) -%}{{ x * y }}{%- endmacro -%}{{ f(3) }}{% call f(1) %}c{% endcall %}",
		"{% set ns = namespace(a=[]) %}{% for i in range(3) if i is odd %}{% do ns.a.append(i) %}{% else %}e{% endfor %}{{ ns.a|tojson }}",
		"{{ 'a b'.split()[::-1]|join(',') }}{{ {'k': [1, 2.5, none]}|tojson(indent=2) }}{{ '%s-%d'|format('x', 1) }}",
		"{% raw %}{{ x }}{% endraw %}{# c #}{{- x -}}{%+ if y +%}{% endif %}",
		"{% if x %}{% elif y %}{% else %}{% endif %}{% filter upper %}f{% endfilter %}{% set b %}{{ 1 }}{% endset %}",
		"{{ raise_exception('no') }}", "{% for %}", "{{ (((1 }}", "{# open", "{{ 'x' * 99999999 }}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		prog, err := jinja.Parse(src)
		if err != nil {
			var je *jinja.Error
			if !asJinjaError(err, &je) || je.Line < 1 || je.Column < 1 {
				t.Fatalf("parse error without a position: %v", err)
			}
			return
		}
		msgs := jinja.NewList()
		for _, r := range []string{"system", "user"} {
			d := jinja.NewDict()
			d.Set("role", r)
			d.Set("content", "hi")
			msgs.Items = append(msgs.Items, d)
		}
		start := time.Now()
		_, err = prog.Execute(map[string]any{"messages": msgs, "add_generation_prompt": true, "x": 1},
			jinja.Limits{MaxSteps: 20_000, MaxOutput: 1 << 16})
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("engine panicked: %v", err)
		}
		tmpl, err := New(src)
		if err != nil {
			t.Fatalf("New failed on a template Parse accepted: %v", err)
		}
		if _, err := tmpl.Render([]Message{{Role: "user", Content: "hi"}}, Options{AddGenerationPrompt: true}); err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("engine panicked: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}

func asJinjaError(err error, target **jinja.Error) bool {
	for err != nil {
		if je, ok := err.(*jinja.Error); ok {
			*target = je
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
