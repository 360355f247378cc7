package jinja

import "testing"

// pythonCases were rendered by Python Jinja2 3.1.6 configured as Hugging Face
// transformers configures it for chat templates (trim_blocks, lstrip_blocks,
// loopcontrols and do extensions, tojson = json.dumps(ensure_ascii=False));
// the expected strings are its output, copied verbatim.
var pythonCases = []struct {
	name, tmpl, vars, want string
}{
	{"text", "hello world", "", "hello world"},
	{"var", "{{ x }}", `{"x": "hi"}`, "hi"},
	{"int float", "{{ 1 }} {{ 2.5 }} {{ 1.0 }} {{ 1e20 }} {{ 1e-7 }} {{ 0.1 + 0.2 }} {{ 100000000000000000.0 }}", "", "1 2.5 1.0 1e+20 1e-07 0.30000000000000004 1e+17"},
	{"arith", "{{ 7 + 3 }} {{ 7 - 3 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", "", "10 4 21 3.5 3 -4 1 2 1024 0.5 3.0 0.5"},
	{"precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 10 - 2 - 3 }} {{ not true or true }} {{ not (true or true) }}", "", "7 9 64 4 5 True False"},
	{"compare", "{{ 1 < 2 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ [1,2] == [1,2] }} {{ {'a':1} == {'a':1} }} {{ 'abc' < 'abd' }} {{ [1,2] < [1,3] }} {{ true == 1 }} {{ none == none }}", "", "True True False True True True True True True True True"},
	{"in", "{{ 'b' in 'abc' }} {{ 2 in [1,2] }} {{ 'k' in {'k':1} }} {{ 3 not in [1,2] }} {{ 'x' not in 'abc' }}", "", "True True True True True"},
	{"logic", "{{ 0 or 'x' }}|{{ '' and 'y' }}|{{ 'a' and 'b' }}|{{ none or [] }}|{{ not 0 }}", "", "x||b|[]|True"},
	{"cond expr", "{{ 'y' if x else 'n' }}{{ 'y' if not x else 'n' }}|{{ 'only' if false }}|", `{"x": true}`, "yn||"},
	{"concat tilde", "{{ 'a' ~ 1 ~ none ~ true ~ [1] }}", "", "a1NoneTrue[1]"},
	{"string lits", `{{ 'it\'s' }} {{ "q\"q" }} {{ 'tab\there' }} {{ 'a' 'b' }} {{ '\u00e9\x41' }} {{ 'back\\slash' }}`, "", `it's q"q tab	here ab éA back\slash`},
	{"list dict tuple print", "{{ [1, 'a', none, true, 1.5, [2]] }} {{ {'a': 1, 'b': 'x'} }} {{ (1,) }} {{ (1, 2) }} {{ () }} {{ [] }} {{ {} }}", "", "[1, 'a', None, True, 1.5, [2]] {'a': 1, 'b': 'x'} (1,) (1, 2) () [] {}"},
	{"repr quotes", `{{ ["it's", 'say "hi"', 'both \' "', 'nl\n', 'é'] }}`, "", `["it's", 'say "hi"', 'both \' "', 'nl\n', 'é']`},
	{"none true print", "{{ none }}|{{ true }}|{{ false }}|{{ undefined_thing }}|", "", "None|True|False||"},
	{"attr item", "{{ d.a }} {{ d['a'] }} {{ d.b.c }} {{ l[0] }} {{ l[-1] }} {{ l.1 }} {{ d.missing }}|{{ l[10] }}|", `{"d": {"a": 1, "b": {"c": 2}}, "l": [10, 20, 30]}`, "1 1 2 10 30 20 ||"},
	{"slicing", "{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[::2] }} {{ l[-2:] }} {{ l[5:] }} {{ s[1:3] }} {{ s[::-1] }} {{ s[-3:] }} {{ u[1:3] }} {{ u[::-1] }}", `{"l": [1, 2, 3, 4], "s": "hello", "u": "héllo wörld"}`, "[2, 3, 4] [1, 2] [4, 3, 2, 1] [1, 3] [3, 4] [] el olleh llo él dlröw olléh"},
	{"unicode len index", "{{ u|length }} {{ u[1] }} {{ u[-1] }} {{ u.find('l') }} {{ u.upper() }}", `{"u": "héllo wörld"}`, "11 é d 2 HÉLLO WÖRLD"},
	{"str methods 1", "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '  a'.lstrip() }}|{{ 'a  '.rstrip() }}|{{ 'abc'.upper() }}|{{ 'ABC'.lower() }}|{{ 'hello world'.title() }}|{{ 'hello WORLD'.capitalize() }}", "", "a b|a|a|a|ABC|abc|Hello World|Hello world"},
	{"str split", `{{ 'a,b,,c'.split(',') }} {{ ' a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ 'l1\nl2\n'.splitlines() }}`, "", "['a', 'b', '', 'c'] ['a', 'b', 'c'] ['a', 'b c'] ['a,b', 'c'] z ['l1', 'l2']"},
	{"str misc", "{{ 'abc'.startswith('a') }} {{ 'abc'.endswith(('x','c')) }} {{ 'abcabc'.replace('b','X') }} {{ 'abcabc'.replace('b','X',1) }} {{ 'abcabc'.find('c') }} {{ 'abc'.find('z') }} {{ 'abcabc'.count('bc') }} {{ '-'.join(['a','b']) }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ '42'.zfill(5) }} {{ 'ab'.center(6, '*') }}", "", "True True aXcaXc aXcabc 2 -1 2 a-b True True 00042 **ab**"},
	{"str format", "{{ '{} and {}'.format('a', 1) }} {{ '{1}{0}'.format('a','b') }} {{ '{name}!'.format(name='x') }} {{ '{:>5}|{:<5}|{:^5}'.format('a','b','c') }} {{ '{:.2f}'.format(3.14159) }} {{ '{:05d}'.format(42) }} {{ '{{x}}'.format() }} {{ '{!r}'.format('q') }}", "", "a and 1 ba x!     a|b    |  c   3.14 00042 {x} 'q'"},
	{"percent format", "{{ '%s=%d' % ('a', 3) }} {{ '%5.1f' % 2.25 }} {{ '%-4s|' % 'x' }} {{ '%(a)s-%(b)s' % {'a': 1, 'b': 2} }} {{ '%x %o %%' % (255, 8) }} {{ '%s'|format([1,2]) }} {{ '%03d'|format(7) }}", "", "a=3   2.2 x   | 1-2 ff 10 % [1, 2] 007"},
	{"filters basic", "{{ 'Abc'|upper }} {{ 'Abc'|lower }} {{ 'hello world'|title }} {{ 'hELLO'|capitalize }} {{ '  x  '|trim }} {{ 'xxhixx'|trim('x') }} {{ [3,1,2]|length }} {{ 'abc'|length }} {{ {'a':1}|length }} {{ [1,2]|count }}", "", "ABC abc Hello World Hello x hi 3 3 1 2"},
	{"filter default", "{{ x|default('d') }} {{ none|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) }} {{ 0|d('z', true) }} {{ y|default }}|", `{"y": "set"}`, "d None  d z set|"},
	{"filter join first last", "{{ [1,2,3]|join }} {{ [1,2,3]|join(', ') }} {{ [{'n':'a'},{'n':'b'}]|join('+', attribute='n') }} {{ [1,2,3]|first }} {{ [1,2,3]|last }} {{ 'abc'|first }} {{ []|first }}|", "", "123 1, 2, 3 a+b 1 3 a |"},
	{"filter list sort", "{{ 'ab'|list }} {{ {'x':1,'y':2}|list }} {{ [3,1,2]|sort }} {{ [3,1,2]|sort(reverse=true) }} {{ ['b','A','c']|sort }} {{ ['b','A','c']|sort(case_sensitive=true) }} {{ [{'k':2},{'k':1}]|sort(attribute='k') }}", "", "['a', 'b'] ['x', 'y'] [1, 2, 3] [3, 2, 1] ['A', 'b', 'c'] ['A', 'b', 'c'] [{'k': 1}, {'k': 2}]"},
	{"filter dictsort items", "{{ {'b':1,'a':2,'C':3}|dictsort }} {{ {'b':1,'a':2}|dictsort(by='value') }} {{ {'b':1,'a':2}|dictsort(reverse=true) }} {{ {'x':1,'y':2}|items|list }}", "", "[('a', 2), ('b', 1), ('C', 3)] [('b', 1), ('a', 2)] [('b', 1), ('a', 2)] [('x', 1), ('y', 2)]"},
	{"filter map select", "{{ [1,2,3]|map('string')|join('-') }} {{ ['a','b']|map('upper')|list }} {{ [{'a':1},{'a':2},{}]|map(attribute='a')|list }} {{ [{'a':1},{}]|map(attribute='a', default=0)|list }} {{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3,4]|reject('odd')|list }} {{ [0,1,'',2]|select|list }} {{ [1,2,3]|select('gt', 1)|list }} {{ ['a','b']|reject('equalto','a')|list }}", "", "1-2-3 ['A', 'B'] [1, 2, Undefined] [1, 0] [1, 3] [2, 4] [1, 2] [2, 3] ['b']"},
	{"filter selectattr", "{{ ms|selectattr('role','equalto','user')|list|length }} {{ ms|rejectattr('role','equalto','user')|map(attribute='role')|list }} {{ ms|selectattr('tool')|list }} {{ ms|selectattr('role','in',['system','tool'])|list|length }} {{ ms|selectattr('tool', 'defined')|list|length }}", `{"ms": [{"role": "system"}, {"role": "user", "tool": 1}, {"role": "user"}]}`, "2 ['system'] [{'role': 'user', 'tool': 1}] 1 1"},
	{"filter tojson", `{{ d|tojson }} {{ d|tojson(indent=2) }} {{ 'é"\n'|tojson }} {{ [1,2.5,none,true]|tojson }} {{ d|tojson(separators=(',',':')) }} {{ d|tojson(sort_keys=true) }} {{ 'é'|tojson(ensure_ascii=true) }} {{ {}|tojson(indent=2) }} {{ []|tojson }}`, `{"d": {"z": 1, "a": [1, {"b": "x"}], "m": {}}}`, `{"z": 1, "a": [1, {"b": "x"}], "m": {}} {
  "z": 1,
  "a": [
    1,
    {
      "b": "x"
    }
  ],
  "m": {}
} "é\"\n" [1, 2.5, null, true] {"z":1,"a":[1,{"b":"x"}],"m":{}} {"a": [1, {"b": "x"}], "m": {}, "z": 1} "\u00e9" {} []`},
	{"filter string int float", "{{ 1|string }} {{ [1,'a']|string }} {{ none|string }} {{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '0x1A'|int(base=16) }} {{ '2.5'|float }} {{ 3|float }} {{ 'q'|float }}", "", "1 [1, 'a'] None 42 4 0 7 3 26 2.5 3.0 0.0"},
	{"filter misc", "{{ -3|abs }} {{ 2.567|round(1) }} {{ 2.5|round }} {{ 2.1|round(method='ceil') }} {{ [1,2,3]|sum }} {{ [{'v':1},{'v':2}]|sum(attribute='v') }} {{ [3,1,2]|min }} {{ [3,1,2]|max }} {{ [1,1,2,'a','A']|unique|list }} {{ [1,2]|reverse|list }} {{ 'abc'|reverse }} {{ 'a b  c'|wordcount }}", "", "3 2.6 2.0 3.0 6 3 1 3 [1, 2, 'a'] [2, 1] cba 3"},
	{"filter indent", `[{{ 'a\nb\n\nc'|indent(2) }}] [{{ 'a\nb'|indent(2, true) }}] [{{ 'a\n\nb'|indent(2, blank=true) }}] [{{ 'x\ny'|indent('> ') }}]`, "", `[a
  b

  c] [  a
  b] [a
  
  b] [x
> y]`},
	{"filter replace center batch", "{{ 'aaa'|replace('a','b') }} {{ 'aaa'|replace('a','b',2) }} {{ 'ab'|center(6) }} {{ [1,2,3,4,5]|batch(2)|list }} {{ [1,2,3]|batch(2, 0)|list }} {{ '<b>x</b>'|escape }} {{ 'a<b>c</b>'|striptags }} {{ 'hello world foo'|truncate(9, leeway=0) }}", "", "bbb bba   ab   [[1, 2], [3, 4], [5]] [[1, 2], [3, 0]] &lt;b&gt;x&lt;/b&gt; ac hello..."},
	{"tests", "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ none is none }} {{ 1 is number }} {{ 1.5 is float }} {{ 1 is integer }} {{ 's' is string }} {{ {} is mapping }} {{ [] is sequence }} {{ 's' is iterable }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ true is boolean }} {{ true is true }} {{ 0 is false }} {{ 'ab' is lower }} {{ 'AB' is upper }} {{ 2 is in [1,2] }} {{ 1 is eq 1 }} {{ 2 is gt 1 }} {{ x is not none }} {{ range is callable }} {{ none is sameas none }}", `{"x": 1}`, "True False True True True True True True True True True True True True True True False True True True True True True True True"},
	{"test args forms", "{{ 3 is divisibleby(3) }} {{ 'a' is equalto 'a' }} {{ 5 is lessthan 3 }} {{ x is sameas false }}", `{"x": false}`, "True True False True"},
	{"not is precedence", "{{ not x is defined }} {{ not x is none and true }} {{ x is defined and x > 0 }}", `{"x": 5}`, "False True True"},
	{"if elif else", "{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %}|{% if x > 5 %}big{% endif %}|{% if not y %}no y{% endif %}", `{"x": 2}`, "two||no y"},
	{"for loop vars", "{% for i in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", `{"items": ["a", "b", "c"]}`, "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|"},
	{"for prev next cycle", "{% for i in [1,2,3] %}{{ loop.previtem }}-{{ i }}-{{ loop.nextitem }}-{{ loop.cycle('a','b') }};{% endfor %}", "", "-1-2-a;1-2-3-b;2-3--a;"},
	{"for else filter", "{% for i in [] %}x{% else %}empty{% endfor %}|{% for i in [1,2,3,4] if i is even %}{{ i }}{{ loop.index }}/{{ loop.length }} {% endfor %}", "", "empty|21/2 42/2 "},
	{"for dict unpack", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}[{{ k }}]{% endfor %}{% for (a, b) in [(1,2),(3,4)] %}{{ a + b }}{% endfor %}", `{"d": {"z": 1, "a": 2}}`, "z=1;a=2;[z][a]37"},
	{"for string range", "{% for c in 'héy' %}{{ c }}.{% endfor %}{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}", "", "h.é.y.012135531"},
	{"break continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", "", "0134"},
	{"nested loop", "{% for a in [1,2] %}{% for b in ['x','y'] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.last }};{% endfor %}", "", "11x 21y False;12x 22y True;"},
	{"loop scoping", "{% set x = 0 %}{% for i in range(3) %}[{{ x }}]{% set x = i + 10 %}({{ x }}){% endfor %}{{ x }}", "", "[0](10)[0](11)[0](12)0"},
	{"if scoping", "{% if true %}{% set w = 3 %}{% endif %}{{ w }}", "", "3"},
	{"namespace", "{% set ns = namespace(a=1, items=[]) %}{% for i in range(3) %}{% set ns.a = ns.a + i %}{% do ns.items.append(i) %}{% endfor %}{{ ns.a }} {{ ns.items }}", "", "4 [0, 1, 2]"},
	{"set tuple block", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t %}hello {{ a }}{% endset %}[{{ t }}]{% set u | upper %}up{% endset %}{{ u }}", "", "12[hello 1]UP"},
	{"macro", "{% macro f(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ f(1) }} {{ f(1, 3) }} {{ f(b=5, a=0) }}", "", "1-2 1-3 0-5"},
	{"macro varargs kwargs", "{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, 3, k='v') }}", "", "1(2, 3){'k': 'v'}"},
	{"macro closure", "{% macro m() %}{{ y }}{% endmacro %}{% set y = 5 %}{{ m() }}{% set y = 1 %}{% macro m2() %}{{ y }}{% set y = 2 %}{{ y }}{% endmacro %}{{ m2() }}{{ y }}", "", "5121"},
	{"macro recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}", "", "120"},
	{"call block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inner {{ 1 + 1 }}{% endcall %}{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each([1,2]) %}[{{ v }}]{% endcall %}", "", "<b>inner 2</b>[1][2]"},
	{"filter block", "{% filter upper %}abc {{ 'd' }}{% endfilter %}{% filter replace('a', 'o') | title %}banana split{% endfilter %}", "", "ABC DBonono Split"},
	{"with", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a }}|", "", "3|"},
	{"dict methods", "{{ d.get('a') }} {{ d.get('q') }} {{ d.get('q', 'dflt') }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }}{% do d.update({'c': 3}) %} {{ d }} {{ d.pop('a') }} {{ d }}", `{"d": {"a": 1, "b": 2}}`, "1 None dflt ['a', 'b'] [1, 2] [('a', 1), ('b', 2)] {'a': 1, 'b': 2, 'c': 3} 1 {'b': 2, 'c': 3}"},
	{"list methods", "{% set l = [3, 1] %}{% do l.append(2) %}{{ l }} {{ l.pop() }} {{ l.pop(0) }} {{ l }}{% do l.extend([7, 8]) %}{% do l.insert(0, 9) %} {{ l }} {{ l.index(7) }} {{ l.count(8) }}", "", "[3, 1, 2] 2 3 [1] [9, 1, 7, 8] 2 1"},
	{"dict literal order", "{% set d = {'z': 1, 'a': 2} %}{{ d }} {{ d|tojson }} {% for k in d %}{{ k }}{% endfor %} {{ dict(b=1, a=2)|tojson }}", "", `{'z': 1, 'a': 2} {"z": 1, "a": 2} za {"b": 1, "a": 2}`},
	{"whitespace dash", `a  {{- 'b' -}}  c
  {%- if true -%}  d  {%- endif -%}
 e`, "", "abcde"},
	{"whitespace trim lstrip", `<ul>
  {% for i in [1,2] %}
    <li>{{ i }}</li>
  {% endfor %}
</ul>
`, "", `<ul>
    <li>1</li>
    <li>2</li>
</ul>`},
	{"whitespace plus", `a
  {%+ if true %}b{% endif %}
  {% if true +%}
c
{% endif %}
d`, "", `a
  b
c
d`},
	{"whitespace comments", `a  {# c #}  b
  {# c2 #}
c
{#- c3 -#}
 d {{ 'x' }}
{# end #}
`, "", `a    b
cd x
`},
	{"whitespace var no lstrip", `x
    {{ 'v' }}
  {% if true %}
  y
  {% endif %}
`, "", `x
    v
  y
`},
	{"raw", "{% raw %}{{ not evaluated }}{% endraw %}|{%- raw -%}  {{ x }}  {%- endraw -%}|", "", "{{ not evaluated }}|{{ x }}|"},
	{"trailing newline", `line
`, "", "line"},
	{"crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n", "", `a
b
`},
	{"generation like chat", `{%- for m in messages %}
{{- '<|' + m.role + '|>' + m.content|trim + '\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|assistant|>' }}
{%- endif %}`, `{"messages": [{"role": "user", "content": " hi "}], "add_generation_prompt": true}`, `<|user|>hi
<|assistant|>`},
	{"joiner cycler", "{% set j = joiner('; ') %}{% for i in [1,2,3] %}{{ j() }}{{ i }}{% endfor %}", "", "1; 2; 3"},
	{"loop changed depth", "{% for i in [1,1,2] %}{{ loop.changed(i) }}{{ loop.depth }}{% endfor %}", "", "True1False1True1"},
	{"recursive loop", "{% for n in tree recursive %}{{ n.name }}{% if n.kids %}({{ loop(n.kids) }}){% endif %}{% endfor %}", `{"tree": [{"name": "a", "kids": [{"name": "b", "kids": []}, {"name": "c"}]}, {"name": "d"}]}`, "a(bc)d"},
	{"integer literals", "{{ 1_000 }} {{ 0x1f }} {{ 0b101 }} {{ 0o17 }} {{ 1.5e3 }}", "", "1000 31 5 15 1500.0"},
	{"number methods on strings", "{{ '3' + '4' }} {{ '3' * 2 }} {{ [0] * 3 }} {{ [1] + [2] }}", "", "34 33 [0, 0, 0] [1, 2]"},
	{"membership of dict key string", "{% if 'content' in m and m.content is string %}yes{% endif %}{% if m.tool_calls is defined and m.tool_calls %}tc{% endif %}", `{"m": {"role": "user", "content": "x"}}`, "yes"},
}

func TestPythonParity(t *testing.T) {
	for _, tc := range pythonCases {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{}
			if tc.vars != "" {
				v, err := FromJSON([]byte(tc.vars))
				if err != nil {
					t.Fatalf("vars: %v", err)
				}
				d := v.(*Dict)
				for i, k := range d.keys {
					vars[k.(string)] = d.vals[i]
				}
			}
			tp, err := Parse(tc.tmpl)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got, err := tp.Render(vars)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			if got != tc.want {
				t.Errorf("template %q\n got %q\nwant %q", tc.tmpl, got, tc.want)
			}
		})
	}
}
