package toolcall

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gollm/gollm/chat"
)

// jsonStatus is how far a JSON value at the head of a text got.
type jsonStatus uint8

const (
	jsonOK      jsonStatus = iota // a whole value
	jsonPartial                   // the text ends inside the value
	jsonBad                       // not JSON
)

// decodeJSON reads the JSON value starting s (which starts with "{" or
// "[") and returns its text.
func decodeJSON(s string) (string, jsonStatus) {
	dec := json.NewDecoder(strings.NewReader(s))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return "", jsonPartial
		}
		return "", jsonBad
	}
	return s[:dec.InputOffset()], jsonOK
}

// objectArgs returns arguments as a compact JSON object: an object, JSON
// text holding one (OpenAI's form), or null / absent for none.
func objectArgs(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "{}", true
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 {
			return "{}", true
		}
	}
	if raw[0] != '{' {
		return "", false
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return "", false
	}
	return b.String(), true
}

// callFromObject reads one call: {"name": …, <argument key>: …, "id": …},
// or OpenAI's {"type": "function", "function": {…}}.
func callFromObject(raw json.RawMessage, argKeys ...string) (Call, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return Call{}, false
	}
	if fn, ok := obj["function"]; ok && obj["name"] == nil {
		c, ok := callFromObject(fn, argKeys...)
		if ok {
			json.Unmarshal(obj["id"], &c.ID)
		}
		return c, ok
	}
	var c Call
	if json.Unmarshal(obj["name"], &c.Name) != nil || c.Name == "" {
		return Call{}, false
	}
	var args json.RawMessage
	for _, k := range argKeys {
		if a, ok := obj[k]; ok {
			args = a
			break
		}
	}
	a, ok := objectArgs(args)
	if !ok {
		return Call{}, false
	}
	c.Arguments = a
	if id, ok := obj["id"]; ok {
		json.Unmarshal(id, &c.ID)
	}
	return c, true
}

// callsFromJSON reads a call object or an array of them. With known set,
// every call must name an offered tool.
func callsFromJSON(raw string, tools map[string]map[string]string, known bool, argKeys ...string) ([]Call, bool) {
	var items []json.RawMessage
	if strings.HasPrefix(raw, "[") {
		if json.Unmarshal([]byte(raw), &items) != nil || len(items) == 0 {
			return nil, false
		}
	} else {
		items = []json.RawMessage{json.RawMessage(raw)}
	}
	calls := make([]Call, 0, len(items))
	for _, it := range items {
		c, ok := callFromObject(it, argKeys...)
		if !ok {
			return nil, false
		}
		if _, offered := tools[c.Name]; known && !offered {
			return nil, false
		}
		calls = append(calls, c)
	}
	return calls, true
}

// jsonCalls reads a bare JSON reply as calls: Llama 3's
// {"name": …, "parameters": …}, or the generic forms.
func (p *Parser) jsonCalls(raw string) ([]Call, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) != nil {
		return nil, false
	}
	if p.o.Format == FormatGeneric {
		if tc, ok := obj["tool_calls"]; ok && len(obj) == 1 {
			return callsFromJSON(string(bytes.TrimSpace(tc)), p.tools, true, "arguments", "parameters")
		}
		if tc, ok := obj["tool_call"]; ok && len(obj) == 1 {
			return callsFromJSON(string(bytes.TrimSpace(tc)), p.tools, true, "arguments", "parameters")
		}
	}
	// A call must have its arguments key, so that a JSON answer that
	// happens to have a "name" is not taken for one.
	if _, ok := obj["parameters"]; !ok {
		if _, ok := obj["arguments"]; !ok {
			return nil, false
		}
	}
	return callsFromJSON(raw, p.tools, true, "parameters", "arguments")
}

// genericResponse reads the generic format's {"response": …} answer.
func genericResponse(raw string) (string, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) != nil || len(obj) != 1 {
		return "", false
	}
	r, ok := obj["response"]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s, true
	}
	return string(r), true
}

// hermesBody reads what lies between <tool_call> and </tool_call>: JSON
// calls, or one <function=name>…</function>.
func (p *Parser) hermesBody(body string) ([]Call, bool) {
	s := strings.TrimSpace(body)
	if rest, ok := strings.CutPrefix(s, "<function="); ok {
		rest = strings.TrimSuffix(rest, "</function>")
		c, ok := p.functionBody(rest)
		return []Call{c}, ok
	}
	var calls []Call
	for s != "" {
		if s[0] != '{' {
			return nil, false
		}
		raw, st := decodeJSON(s)
		if st != jsonOK {
			return nil, false
		}
		c, ok := callFromObject(json.RawMessage(raw), "arguments", "parameters")
		if !ok {
			return nil, false
		}
		calls = append(calls, c)
		s = trimLeft(s[len(raw):])
	}
	return calls, len(calls) > 0
}

// functionBody reads "name>" and the arguments: a JSON object or
// <parameter=key>value</parameter> lines.
func (p *Parser) functionBody(body string) (Call, bool) {
	name, args, ok := strings.Cut(body, ">")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, "\n<") {
		return Call{}, false
	}
	c := Call{Name: name}
	args = strings.TrimSpace(args)
	switch {
	case args == "":
		c.Arguments = "{}"
	case args[0] == '{':
		raw, st := decodeJSON(args)
		if st != jsonOK || strings.TrimSpace(args[len(raw):]) != "" {
			return Call{}, false
		}
		a, ok := objectArgs(json.RawMessage(raw))
		if !ok {
			return Call{}, false
		}
		c.Arguments = a
	case strings.HasPrefix(args, "<parameter="):
		a, ok := xmlParams(args, p.tools[name])
		if !ok {
			return Call{}, false
		}
		c.Arguments = a
	default:
		return Call{}, false
	}
	return c, true
}

// xmlParams reads Qwen3-Coder's <parameter=key>\nvalue\n</parameter>
// lines into a JSON object. A value is JSON unless the tool's schema
// types it as a string or it does not parse.
func xmlParams(s string, types map[string]string) (string, bool) {
	var b strings.Builder
	b.WriteByte('{')
	for n := 0; ; n++ {
		s = trimLeft(s)
		if s == "" {
			break
		}
		rest, ok := strings.CutPrefix(s, "<parameter=")
		if !ok {
			return "", false
		}
		key, rest, ok := strings.Cut(rest, ">")
		if !ok || key == "" || strings.Contains(key, "\n") {
			return "", false
		}
		val, rest, ok := strings.Cut(rest, "</parameter>")
		if !ok {
			return "", false
		}
		val = strings.TrimPrefix(val, "\n")
		val = strings.TrimSuffix(val, "\n")
		if n > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		if t := types[key]; t != "string" && json.Valid([]byte(val)) {
			var c bytes.Buffer
			json.Compact(&c, []byte(val))
			b.Write(c.Bytes())
		} else {
			v, _ := json.Marshal(val)
			b.Write(v)
		}
		s = rest
	}
	b.WriteByte('}')
	return b.String(), true
}

// deepSeekBody reads the calls between <｜tool▁calls▁begin｜> and
// <｜tool▁calls▁end｜>: R1's "function<｜tool▁sep｜>name\n```json\n{…}\n```"
// and V3.1's "name<｜tool▁sep｜>{…}", each in <｜tool▁call▁begin｜> … <｜tool▁call▁end｜>.
func deepSeekBody(body string) ([]Call, bool) {
	parts := strings.Split(body, dsCallBegin)
	if strings.TrimSpace(parts[0]) != "" || len(parts) < 2 {
		return nil, false
	}
	var calls []Call
	for _, part := range parts[1:] {
		inner, after, ok := strings.Cut(part, dsCallEnd)
		if !ok || strings.TrimSpace(after) != "" {
			return nil, false
		}
		head, args, ok := strings.Cut(inner, dsSep)
		if !ok {
			return nil, false
		}
		name := strings.TrimSpace(head)
		if name == "function" {
			name, args, _ = strings.Cut(args, "\n")
			name = strings.TrimSpace(name)
			args = strings.TrimSpace(args)
			if a, ok := strings.CutPrefix(args, "```json"); ok {
				args = a
			} else {
				args = strings.TrimPrefix(args, "```")
			}
			args = strings.TrimSuffix(strings.TrimSpace(args), "```")
		}
		args = strings.TrimSpace(args)
		if name == "" || !strings.HasPrefix(args, "{") {
			return nil, false
		}
		raw, st := decodeJSON(args)
		if st != jsonOK || strings.TrimSpace(args[len(raw):]) != "" {
			return nil, false
		}
		a, ok := objectArgs(json.RawMessage(raw))
		if !ok {
			return nil, false
		}
		calls = append(calls, Call{Name: name, Arguments: a})
	}
	return calls, true
}

// mistralNamed reads name[CALL_ID]id[ARGS]{…} or name[ARGS]{…} at the head
// of s, returning the call and the length of its text.
func mistralNamed(s string) (Call, int, jsonStatus) {
	i := identEnd(s)
	if i == len(s) {
		return Call{}, 0, jsonPartial
	}
	if i == 0 {
		return Call{}, 0, jsonBad
	}
	c := Call{Name: s[:i]}
	rest := s[i:]
	if r, ok := strings.CutPrefix(rest, "[CALL_ID]"); ok {
		// The id is a run of name characters up to [ARGS].
		j := identEnd(r)
		if j == len(r) || strings.HasPrefix("[ARGS]", r[j:]) && !strings.HasPrefix(r[j:], "[ARGS]") {
			return Call{}, 0, jsonPartial
		}
		c.ID, rest = r[:j], r[j:]
	} else if strings.HasPrefix("[CALL_ID]", rest) {
		return Call{}, 0, jsonPartial
	}
	args, ok := strings.CutPrefix(rest, "[ARGS]")
	if !ok {
		if strings.HasPrefix("[ARGS]", rest) {
			return Call{}, 0, jsonPartial
		}
		return Call{}, 0, jsonBad
	}
	a := trimLeft(args)
	if a == "" {
		return Call{}, 0, jsonPartial
	}
	if a[0] != '{' {
		return Call{}, 0, jsonBad
	}
	raw, st := decodeJSON(a)
	if st != jsonOK {
		return Call{}, 0, st
	}
	obj, ok := objectArgs(json.RawMessage(raw))
	if !ok {
		return Call{}, 0, jsonBad
	}
	c.Arguments = obj
	return c, len(s) - len(a) + len(raw), jsonOK
}

// builtinCall reads Llama 3.1's built-in tool form name.call(k="v", …).
func builtinCall(s string) (Call, bool) {
	s = strings.TrimSpace(s)
	k := strings.Index(s, ".call(")
	if k <= 0 || identEnd(s[:k]) != k || strings.Contains(s[:k], ".") || !strings.HasSuffix(s, ")") {
		return Call{}, false
	}
	c := Call{Name: s[:k]}
	in := strings.TrimSpace(s[k+len(".call(") : len(s)-1])
	var b strings.Builder
	b.WriteByte('{')
	for n := 0; in != ""; n++ {
		key, rest, ok := strings.Cut(in, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || identEnd(key) != len(key) {
			return Call{}, false
		}
		rest = strings.TrimSpace(rest)
		val, tail, ok := pyValue(rest)
		if !ok {
			return Call{}, false
		}
		if n > 0 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(key)
		b.Write(kj)
		b.WriteByte(':')
		b.WriteString(val)
		tail = strings.TrimSpace(tail)
		if tail != "" {
			t, ok := strings.CutPrefix(tail, ",")
			if !ok {
				return Call{}, false
			}
			tail = strings.TrimSpace(t)
		}
		in = tail
	}
	b.WriteByte('}')
	c.Arguments = b.String()
	return c, true
}

// pyValue reads a Python literal (a quoted string, number, True, False or
// None) at the head of s as JSON.
func pyValue(s string) (val, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if q := s[0]; q == '"' || q == '\'' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s):
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(s[i])
				}
			case c == q:
				v, _ := json.Marshal(b.String())
				return string(v), s[i+1:], true
			default:
				b.WriteByte(c)
			}
		}
		return "", "", false
	}
	end := strings.IndexByte(s, ',')
	if end < 0 {
		end = len(s)
	}
	lit := strings.TrimSpace(s[:end])
	switch lit {
	case "True":
		lit = "true"
	case "False":
		lit = "false"
	case "None":
		lit = "null"
	}
	if lit == "true" || lit == "false" || lit == "null" {
		return lit, s[end:], true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", "", false
	}
	if !json.Valid([]byte(lit)) {
		// A Python number JSON does not write as it is (000, 1_000, 0x1f,
		// .5): its value.
		lit = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return lit, s[end:], true
}

// toolParams maps each tool's name to its parameters' JSON types (where a
// parameter's schema names one type).
func toolParams(tools []chat.Tool) map[string]map[string]string {
	out := make(map[string]map[string]string, len(tools))
	for _, t := range tools {
		var schema struct {
			Properties map[string]struct {
				Type json.RawMessage `json:"type"`
			} `json:"properties"`
		}
		json.Unmarshal(t.Parameters, &schema)
		types := make(map[string]string, len(schema.Properties))
		for k, v := range schema.Properties {
			var typ string
			if json.Unmarshal(v.Type, &typ) == nil {
				types[k] = typ
			}
		}
		out[t.Name] = types
	}
	return out
}
