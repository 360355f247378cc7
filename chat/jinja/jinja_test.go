package jinja

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func render(t *testing.T, src string, vars map[string]any) (string, error) {
	t.Helper()
	tp, err := Parse(src)
	if err != nil {
		return "", err
	}
	return tp.Render(vars)
}

func TestErrorPositions(t *testing.T) {
	cases := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"unclosed if", "{% if x %}", 1, 11, "expected 'elif' or 'else' or 'endif'"},
		{"dangling operator", "ab\n{{ 1 + }}", 2, 8, "unexpected '}}'"},
		{"for without target", "{% for %}", 1, 8, "expected a name"},
		{"unterminated string", "x\n{{ 'abc }}", 2, 4, "unterminated string literal"},
		{"stray end tag", "{% endfor %}", 1, 4, "unexpected 'endfor'"},
		{"unknown statement", "x\n  {% foo %}", 2, 6, "unknown statement 'foo'"},
		{"two expressions", "{{ a b }}", 1, 6, "expected end of print statement"},
		{"missing value", "{% set x = %}", 1, 12, "expected an expression"},
		{"unclosed comment", "ok\n{# no end", 2, 1, "missing end of comment"},
		{"unclosed variable", "{{ x", 1, 1, "expected '}}'"},
		{"double else", "{% if x %}{% else %}{% else %}{% endif %}", 1, 24, "unexpected 'else'"},
		{"column counts code points", "{{ 'é' ~ }}", 1, 10, "unexpected '}}'"},
		{"break outside loop", "{% if true %}{% break %}{% endif %}", 1, 17, "'break' outside of a for loop"},
		{"break in macro in loop", "{% for i in x %}{% macro m() %}{% break %}{% endmacro %}{% endfor %}", 1, 35, "outside of a for loop"},
		{"include unsupported", "{% include 'x' %}", 1, 4, "not supported"},
		{"bad escape", `{{ '\x4' }}`, 1, 5, "escape"},
		{"unbalanced bracket", "{{ ) }}", 1, 4, "unexpected ')'"},
		{"positional after keyword", "{{ f(a=1, 2) }}", 1, 11, "positional argument follows keyword argument"},
		{"division by zero", "line1\n{{ 1 / 0 }}", 2, 6, "division by zero"},
		{"call undefined", "{{ foo() }}", 1, 4, "'foo' is undefined"},
		{"type error", "{{ 1 + 'a' }}", 1, 6, "unsupported operand type(s) for +: 'int' and 'str'"},
		{"unknown filter", "{{ x|nosuch }}", 1, 6, "no filter named 'nosuch'"},
		{"unknown test", "{{ x is nosuch }}", 1, 9, "no test named 'nosuch'"},
		{"not iterable", "{% for i in 5 %}{% endfor %}", 1, 13, "'int' object is not iterable"},
		{"unpack count", "{% set a, b = [1] %}", 1, 8, "cannot unpack 1 values into 2 names"},
		{"attribute of non-namespace", "{% set x.y = 1 %}", 1, 8, "non-namespace"},
		{"ordering", "{{ 'a' < 1 }}", 1, 8, "'<' not supported between instances of 'str' and 'int'"},
		{"overflow", "{{ 2 ** 100 }}", 1, 6, "integer overflow"},
		{"error inside macro", "{% macro m() %}\n  {{ 1 // 0 }}\n{% endmacro %}{{ m() }}", 2, 8, "division or modulo by zero"},
		{"raise_exception", "a\n  {{ raise_exception('Roles must alternate') }}", 2, 6, "Roles must alternate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, tc.src, map[string]any{"x": []any{1}})
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("want *Error, got %v", err)
			}
			if je.Line != tc.line || je.Column != tc.col || !strings.Contains(je.Msg, tc.msg) {
				t.Errorf("got line %d column %d %q, want line %d column %d containing %q", je.Line, je.Column, je.Msg, tc.line, tc.col, tc.msg)
			}
			if want := "line " + itoa(tc.line) + " column " + itoa(tc.col); !strings.Contains(err.Error(), want) {
				t.Errorf("Error() = %q lacks %q", err.Error(), want)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestRaiseExceptionIsMarked(t *testing.T) {
	_, err := render(t, "{{ raise_exception('System role not supported') }}", nil)
	var je *Error
	if !errors.As(err, &je) || !je.Raised || je.Msg != "System role not supported" {
		t.Fatalf("got %#v", err)
	}
	_, err = render(t, "{{ 1 // 0 }}", nil)
	if !errors.As(err, &je) || je.Raised {
		t.Fatalf("an engine error must not be marked Raised: %#v", err)
	}
}

func TestGoFuncErrorIsWrapped(t *testing.T) {
	sentinel := errors.New("from go")
	_, err := render(t, "\n {{ f() }}", map[string]any{"f": Func(func([]any, map[string]any) (any, error) { return nil, sentinel })})
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(%v, sentinel) = false", err)
	}
	var je *Error
	if !errors.As(err, &je) || je.Line != 2 || je.Column != 5 {
		t.Fatalf("got %#v", err)
	}
}

// TestLimits checks that hostile templates end with an error, quickly,
// instead of hanging, exhausting memory or overflowing the stack.
func TestLimits(t *testing.T) {
	deep := func(open, mid, close string, n int) string {
		return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
	}
	cases := []struct {
		name    string
		src     string
		isLimit bool // wraps ErrLimit (else: a parse error)
	}{
		{"self-recursive macro", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", true},
		{"mutually recursive macros", "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}", true},
		{"recursive loop", "{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}", true},
		{"huge range", "{% for i in range(100000000000) %}{% endfor %}", true},
		{"huge string repeat", "{{ 'a' * 10000000000 }}", true},
		{"huge list repeat", "{{ [1, 2] * 10000000000 }}", true},
		{"doubling string", "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", true},
		{"doubling list", "{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = ns.l + ns.l %}{% endfor %}", true},
		{"nested loops", "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}{% endfor %}{% endfor %}", true},
		{"output size", "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", true},
		{"filter work in a loop", "{% for i in range(60000) %}{{ range(60000)|sum }}{% endfor %}", true},
		{"method work in a loop", "{% set s = 'ab' * 400000 %}{% for i in range(60000) %}{% set x = s.replace('a', 'b') %}{% endfor %}", true},
		{"huge format width", "{{ '{:60000000}'.format(1) }}", true},
		{"huge printf width", "{{ '%60000000d' % 1 }}", true},
		{"huge center", "{{ 'a'|center(60000000) }}", true},
		{"huge indent", "{{ ('\\n' * 500000)|indent(60000) }}", true},
		{"deep parentheses", "{{ " + deep("(", "1", ")", 100000) + " }}", false},
		{"deep ifs", deep("{% if true %}", "x", "{% endif %}", 10000), false},
		{"long unary chain", "{{ " + strings.Repeat("-", 100000) + "1 }}", false},
		{"long not chain", "{{ " + strings.Repeat("not ", 100000) + "1 }}", false},
		{"long attribute chain", "{{ x" + strings.Repeat(".a", 100000) + " }}", false},
		{"long filter chain", "{{ x" + strings.Repeat("|trim", 100000) + " }}", false},
		{"long operator chain", "{{ 1" + strings.Repeat(" + 1", 100000) + " }}", false},
		{"deep lists", "{{ " + deep("[", "1", "]", 100000) + " }}", false},
	}
	lim := Limits{MaxSteps: 300_000, MaxOutput: 8 << 20}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			tp, err := Parse(tc.src)
			if err == nil {
				_, err = tp.Execute(nil, lim)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, ErrLimit); got != tc.isLimit {
				t.Errorf("errors.Is(ErrLimit) = %v, want %v (%v)", got, tc.isLimit, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestSelfReferenceDoesNotRecurseForever(t *testing.T) {
	out, err := render(t, "{% set l = [1] %}{% do l.append(l) %}{{ l|length }} {{ l == l }}", nil)
	if err != nil || out != "2 True" {
		t.Fatalf("got %q, %v", out, err)
	}
	if _, err := render(t, "{% set l = [] %}{% do l.append(l) %}{{ l|tojson }}", nil); err == nil {
		t.Fatal("tojson of a cyclic list must fail")
	}
	out, err = render(t, "{% set l = [] %}{% do l.append(l) %}{{ l|string|length > 0 }}", nil)
	if err != nil || out != "True" {
		t.Fatalf("got %q, %v", out, err)
	}
}

// TestLlamaCppLeniency covers inputs where llama.cpp's engine renders
// although Python Jinja2 raises; chat templates in the wild rely on them.
func TestLlamaCppLeniency(t *testing.T) {
	cases := []struct{ name, src, want string }{
		// firefunction-v2 builds its system prompt with "..." + functions
		// where functions is never defined; llama.cpp renders it as "".
		{"string plus undefined", "{{ 'Today is ' + date + '.' }}", "Today is ."},
		{"attribute of undefined", "[{{ nothing.at.all }}]", "[]"},
		{"item of undefined", "[{{ nothing['a'][0] }}]", "[]"},
		// functionary-v3.1 filters tools = none.
		{"selectattr of none", "{{ none|selectattr('type', 'equalto', 'x')|list|length }}", "0"},
		{"map and reject of none", "{{ none|map(attribute='a')|list }}{{ none|reject('none')|list }}", "[][]"},
		{"in undefined", "{{ 'x' in nothing }}", "False"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render(t, tc.src, nil)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestFromJSONKeepsOrderAndTypes(t *testing.T) {
	v, err := FromJSON([]byte(`{"z": 1, "a": [1.5, 2, "x", null, true, {"q": {}}], "m": -3, "big": 1e300}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := render(t, "{{ v|tojson }}|{{ v }}|{{ v.a[0] is float }}{{ v.a[1] is integer }}", map[string]any{"v": v})
	want := `{"z": 1, "a": [1.5, 2, "x", null, true, {"q": {}}], "m": -3, "big": 1e+300}|{'z': 1, 'a': [1.5, 2, 'x', None, True, {'q': {}}], 'm': -3, 'big': 1e+300}|TrueTrue`
	if err != nil || out != want {
		t.Fatalf("got %q, %v\nwant %q", out, err, want)
	}
	for _, bad := range []string{`{"a": }`, `[1, 2`, `{"a": 1} x`, strings.Repeat("[", 1000)} {
		if _, err := FromJSON([]byte(bad)); err == nil {
			t.Errorf("FromJSON(%.20q) succeeded", bad)
		}
	}
}

func TestFromGo(t *testing.T) {
	type msg struct{ Role string }
	vars := map[string]any{
		"m":  map[string]any{"b": 1, "a": []string{"x"}},
		"n":  []int{1, 2},
		"f":  float32(0.5),
		"u":  uint8(7),
		"p":  (*int)(nil),
		"ms": map[string]int{"k": 3},
	}
	out, err := render(t, "{{ m }} {{ n }} {{ f }} {{ u }} {{ p }} {{ ms }}", vars)
	if want := "{'a': ['x'], 'b': 1} [1, 2] 0.5 7 None {'k': 3}"; err != nil || out != want {
		t.Fatalf("got %q, %v; want %q", out, err, want)
	}
}

// The expected strings come from Python Jinja2 with the same options.
func TestOptions(t *testing.T) {
	src := "a\n  {% if true %}\nb\n{% endif %}\n"
	cases := []struct {
		opts Options
		want string
	}{
		{Options{}, "a\nb\n"},
		{Options{NoTrimBlocks: true, NoLStripBlocks: true, KeepTrailingNewline: true}, "a\n  \nb\n\n"},
		{Options{NoTrimBlocks: true}, "a\n\nb\n"},
		{Options{KeepTrailingNewline: true}, "a\nb\n"},
	}
	for _, tc := range cases {
		tp, err := ParseOptions(src, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tp.Render(nil)
		if err != nil || got != tc.want {
			t.Errorf("%+v: got %q, %v; want %q", tc.opts, got, err, tc.want)
		}
	}
}

// The expected strings come from Python's datetime.strftime (glibc).
func TestStrftime(t *testing.T) {
	cases := []struct {
		t      time.Time
		format string
		want   string
	}{
		{time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC), "%d %b %Y|%b %d %Y|%Y-%m-%d|%A %B %j %H:%M:%S %I%p %y %a %w %U %W|%-d %e|%c|%%",
			"15 Jan 2025|Jan 15 2025|2025-01-15|Wednesday January 015 12:00:00 12PM 25 Wed 3 02 02|15 15|Wed Jan 15 12:00:00 2025|%"},
		{time.Date(2024, 3, 3, 7, 5, 9, 0, time.UTC), "%A %B %j %H:%M:%S %I%p %y %a %w %U %W %V %G|%-d %e|%c",
			"Sunday March 063 07:05:09 07AM 24 Sun 0 09 09 09 2024|3  3|Sun Mar  3 07:05:09 2024"},
	}
	for _, tc := range cases {
		if got := Strftime(tc.t, tc.format); got != tc.want {
			t.Errorf("Strftime(%q)\n got %q\nwant %q", tc.format, got, tc.want)
		}
	}
}

func TestConcurrentRender(t *testing.T) {
	tp, err := Parse("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{{ m }}{% endfor %}{{ ns.n }}")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			out, err := tp.Render(map[string]any{"messages": []any{"a", "b"}})
			if err != nil {
				out = err.Error()
			}
			done <- out
		}()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; got != "ab2" {
			t.Errorf("got %q", got)
		}
	}
}

var benchSink string

func BenchmarkRenderChatML(b *testing.B) {
	tp, err := Parse("{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content|trim + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")
	if err != nil {
		b.Fatal(err)
	}
	msgs := NewList()
	for i := 0; i < 32; i++ {
		d := NewDict()
		d.Set("role", "user")
		d.Set("content", strings.Repeat("hello ", 20))
		msgs.Items = append(msgs.Items, d)
	}
	vars := map[string]any{"messages": msgs, "add_generation_prompt": true}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, err := tp.Render(vars)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = out
	}
	b.SetBytes(int64(len(benchSink)))
}

func TestToJSON(t *testing.T) {
	d := NewDict()
	d.Set("name", "météo")
	d.Set("args", NewList(int64(1), 2.5, nil, true, "a\"b\n"))
	got, err := ToJSON(d)
	// json.dumps(..., ensure_ascii=False) of the same value.
	if want := `{"name": "météo", "args": [1, 2.5, null, true, "a\"b\n"]}`; err != nil || got != want {
		t.Errorf("got %s, %v; want %s", got, err, want)
	}
	if keys := d.Keys(); len(keys) != 2 || keys[0] != "name" || d.Len() != 2 {
		t.Errorf("Keys() = %v", keys)
	}
	if v, ok := d.Get("name"); !ok || v != "météo" {
		t.Errorf("Get = %v, %v", v, ok)
	}
	if _, err := ToJSON(Func(func([]any, map[string]any) (any, error) { return nil, nil })); err == nil {
		t.Error("a function serialized")
	}
}
