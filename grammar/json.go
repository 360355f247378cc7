package grammar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is a parsed JSON value that keeps object members in document
// order (property order matters to the schema compiler).
type jsonValue struct {
	kind jsonKind
	b    bool
	s    string // the string, or the number's source text
	arr  []*jsonValue
	obj  []jsonMember
}

// jsonMember is one object member.
type jsonMember struct {
	key string
	val *jsonValue
}

// maxJSONDepth bounds nesting of schemas.
const maxJSONDepth = 200

// parseJSON parses one JSON document.
func parseJSON(data []byte) (*jsonValue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readJSON(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

func readJSON(dec *json.Decoder, depth int) (*jsonValue, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &jsonValue{kind: jsonNull}, nil
	case bool:
		return &jsonValue{kind: jsonBool, b: t}, nil
	case json.Number:
		return &jsonValue{kind: jsonNumber, s: string(t)}, nil
	case string:
		return &jsonValue{kind: jsonString, s: t}, nil
	case json.Delim:
		switch t {
		case '[':
			v := &jsonValue{kind: jsonArray}
			for dec.More() {
				e, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
			_, err := dec.Token()
			return v, err
		case '{':
			v := &jsonValue{kind: jsonObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				e, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				// A repeated key replaces the earlier value in place.
				replaced := false
				for i := range v.obj {
					if v.obj[i].key == key {
						v.obj[i].val = e
						replaced = true
					}
				}
				if !replaced {
					v.obj = append(v.obj, jsonMember{key, e})
				}
			}
			_, err := dec.Token()
			return v, err
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// get returns the member named key of an object, or nil.
func (v *jsonValue) get(key string) *jsonValue {
	if v == nil || v.kind != jsonObject {
		return nil
	}
	for _, m := range v.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// has reports whether an object has a member named key.
func (v *jsonValue) has(key string) bool { return v.get(key) != nil }

// clone copies an object's member list (values are shared).
func (v *jsonValue) clone() *jsonValue {
	c := *v
	c.obj = append([]jsonMember(nil), v.obj...)
	c.arr = append([]*jsonValue(nil), v.arr...)
	return &c
}

// set replaces or appends an object member.
func (v *jsonValue) set(key string, val *jsonValue) {
	for i := range v.obj {
		if v.obj[i].key == key {
			v.obj[i].val = val
			return
		}
	}
	v.obj = append(v.obj, jsonMember{key, val})
}

// del removes an object member.
func (v *jsonValue) del(key string) {
	for i := range v.obj {
		if v.obj[i].key == key {
			v.obj = append(v.obj[:i:i], v.obj[i+1:]...)
			return
		}
	}
}

// encode writes v as compact JSON, the form the grammars generate: members
// in order, no spaces, numbers as written, strings by appendJSONString.
func (v *jsonValue) encode(b *strings.Builder) {
	switch v.kind {
	case jsonNull:
		b.WriteString("null")
	case jsonBool:
		if v.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case jsonNumber:
		b.WriteString(v.s)
	case jsonString:
		b.WriteString(appendJSONString(nil, v.s))
	case jsonArray:
		b.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				b.WriteByte(',')
			}
			e.encode(b)
		}
		b.WriteByte(']')
	case jsonObject:
		b.WriteByte('{')
		for i, m := range v.obj {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(appendJSONString(nil, m.key))
			b.WriteByte(':')
			m.val.encode(b)
		}
		b.WriteByte('}')
	}
}

// String returns the compact encoding of v.
func (v *jsonValue) String() string {
	var b strings.Builder
	v.encode(&b)
	return b.String()
}

// appendJSONString returns s as a JSON string literal in the form the
// grammars generate: '"' and '\' escaped with a backslash, control
// characters as \b \f \n \r \t or \u00xx (and DEL as \u007f), everything
// else as itself. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) string {
	dst = append(dst, '"')
	for _, r := range s {
		switch r {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if r < 0x20 || r == 0x7F {
				dst = fmt.Appendf(dst, `\u%04x`, r)
			} else {
				dst = utf8.AppendRune(dst, r)
			}
		}
	}
	dst = append(dst, '"')
	return string(dst)
}

// gbnfLiteral returns s as a GBNF string literal.
func gbnfLiteral(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7F:
			fmt.Fprintf(&b, `\x%02X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
