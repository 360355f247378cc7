package jinja

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Values inside the engine are plain Go values of these dynamic types:
//
//	nil          Python None
//	bool         True / False
//	int64        int
//	float64      float
//	string       str (UTF-8; lengths and indexes count code points)
//	*List        list, or tuple when Tuple is set
//	*Dict        dict with insertion order (also the result of namespace())
//	Func         a Go function callable from templates
//	undefined    a missing variable, attribute or item
//
// plus internal callables (macros, bound methods, the loop object).

// List is a Jinja list (or tuple, when Tuple is set). Lists are shared by
// reference, so list.append() in a template mutates the caller's list.
type List struct {
	Items []any
	Tuple bool
}

// NewList returns a list holding items.
func NewList(items ...any) *List { return &List{Items: items} }

// Dict is an insertion-ordered dictionary, the engine's mapping type.
// Keys are strings, integers, booleans or None; lookups by string are the
// common case.
type Dict struct {
	keys  []any
	vals  []any
	index map[any]int
	ns    bool // created by namespace(): attributes may be assigned
}

// NewDict returns an empty dictionary.
func NewDict() *Dict { return &Dict{index: map[any]int{}} }

// Set inserts or replaces key, keeping the position of an existing key.
func (d *Dict) Set(key string, v any) { d.set(key, v) }

// Get returns the value stored under key.
func (d *Dict) Get(key string) (any, bool) { return d.get(key) }

// lookup is get on a possibly nil dictionary.
func (d *Dict) lookup(key string) (any, bool) {
	if d == nil {
		return nil, false
	}
	return d.get(key)
}

func (d *Dict) has(key string) bool {
	_, ok := d.lookup(key)
	return ok
}

// Len returns the number of entries.
func (d *Dict) Len() int { return len(d.keys) }

// Keys returns the keys in insertion order, formatted as strings.
func (d *Dict) Keys() []string {
	out := make([]string, len(d.keys))
	for i, k := range d.keys {
		out[i] = toStr(k)
	}
	return out
}

type noneKey struct{}

// hashKey maps a key to a comparable Go value so that keys equal in Python
// (1, 1.0 and True) land in the same slot.
func hashKey(k any) any {
	switch x := k.(type) {
	case nil:
		return noneKey{}
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return int64(x)
		}
		return x
	case string, int64:
		return x
	default:
		return "\x00" + repr(k)
	}
}

func (d *Dict) set(k, v any) {
	h := hashKey(k)
	if i, ok := d.index[h]; ok {
		d.vals[i] = v
		return
	}
	d.index[h] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

func (d *Dict) get(k any) (any, bool) {
	i, ok := d.index[hashKey(k)]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

func (d *Dict) delete(k any) (any, bool) {
	h := hashKey(k)
	i, ok := d.index[h]
	if !ok {
		return nil, false
	}
	v := d.vals[i]
	d.keys = append(d.keys[:i], d.keys[i+1:]...)
	d.vals = append(d.vals[:i], d.vals[i+1:]...)
	delete(d.index, h)
	for j := i; j < len(d.keys); j++ {
		d.index[hashKey(d.keys[j])] = j
	}
	return v, true
}

func (d *Dict) copy() *Dict {
	c := &Dict{keys: append([]any(nil), d.keys...), vals: append([]any(nil), d.vals...), index: make(map[any]int, len(d.keys))}
	for k, v := range d.index {
		c.index[k] = v
	}
	return c
}

// Func is a Go function callable from a template, for example a global such
// as strftime_now. Positional arguments come in args, keyword arguments in
// kwargs (nil when there are none).
type Func func(args []any, kwargs map[string]any) (any, error)

// undefined is the value of a missing name, attribute or item. It prints as
// the empty string, is falsy and iterates as an empty sequence.
type undefined struct{ name string }

func isUndefined(v any) bool {
	_, ok := v.(undefined)
	return ok
}

// FromGo converts ordinary Go data (maps, slices, numbers, strings, bools,
// nil) into engine values. Go maps have no order, so their keys are sorted.
// Values that already are engine values are returned unchanged.
func FromGo(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, *List, *Dict, Func, undefined, builtinFunc, *macro:
		return x
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case []any:
		l := &List{Items: make([]any, len(x))}
		for i, e := range x {
			l.Items[i] = FromGo(e)
		}
		return l
	case []string:
		l := &List{Items: make([]any, len(x))}
		for i, e := range x {
			l.Items[i] = e
		}
		return l
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := NewDict()
		for _, k := range keys {
			d.set(k, FromGo(x[k]))
		}
		return d
	case func(args []any, kwargs map[string]any) (any, error):
		return Func(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		l := &List{Items: make([]any, rv.Len())}
		for i := range l.Items {
			l.Items[i] = FromGo(rv.Index(i).Interface())
		}
		return l
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		d := NewDict()
		for _, k := range keys {
			d.set(k, FromGo(rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).Interface()))
		}
		return d
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return FromGo(rv.Elem().Interface())
	}
	return fmt.Sprint(v)
}

// typeName names a value's type the way Python would, for error messages.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case *List:
		if x.Tuple {
			return "tuple"
		}
		return "list"
	case *Dict:
		if x.ns {
			return "Namespace"
		}
		return "dict"
	case undefined:
		return "Undefined"
	case *loopState:
		return "LoopContext"
	}
	return "function"
}

// truthy implements Python truthiness.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case *List:
		return len(x.Items) > 0
	case *Dict:
		return len(x.keys) > 0 || x.ns
	case undefined:
		return false
	}
	return true
}

// toStr implements Python str() as Jinja prints values.
func toStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case undefined:
		return ""
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return floatRepr(x)
	}
	return repr(v)
}

// repr implements Python repr() for the engine's types.
func repr(v any) string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

func writeRepr(b *strings.Builder, v any, depth int) {
	if depth > maxDataDepth {
		b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case string:
		b.WriteString(pyQuote(x))
	case *List:
		open, close := "[", "]"
		if x.Tuple {
			open, close = "(", ")"
		}
		b.WriteString(open)
		for i, e := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e, depth+1)
		}
		if x.Tuple && len(x.Items) == 1 {
			b.WriteString(",")
		}
		b.WriteString(close)
	case *Dict:
		if x.ns {
			b.WriteString("<Namespace ")
		}
		b.WriteString("{")
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, k, depth+1)
			b.WriteString(": ")
			writeRepr(b, x.vals[i], depth+1)
		}
		b.WriteString("}")
		if x.ns {
			b.WriteString(">")
		}
	case undefined:
		b.WriteString("Undefined")
	case nil, bool, int64, float64:
		b.WriteString(toStr(x))
	case *macro:
		b.WriteString("<Macro '" + x.name + "'>")
	case *loopState:
		b.WriteString("<LoopContext>")
	default:
		b.WriteString("<function>")
	}
}

// pyQuote quotes s the way Python's repr does for str.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r == ' ' || (r >= 0x20 && r < 0x7f) || (r > 0x7f && unicode.IsPrint(r)):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// floatRepr formats f as Python's repr(float) does: the shortest string
// that round-trips, in positional notation for exponents -4..15 and in
// scientific notation (two-digit exponent at least) otherwise.
func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// numeric reports whether v takes part in arithmetic (bool counts, as in
// Python) and returns it as int or float.
func numeric(v any) (i int64, f float64, isFloat, ok bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, 1, false, true
		}
		return 0, 0, false, true
	case int64:
		return x, float64(x), false, true
	case float64:
		return 0, x, true, true
	}
	return 0, 0, false, false
}

// equal implements Python ==.
func equal(a, b any) bool {
	return equalDepth(a, b, 0)
}

func equalDepth(a, b any, depth int) bool {
	if depth > maxDataDepth {
		return false
	}
	ai, af, aFloat, aNum := numeric(a)
	bi, bf, bFloat, bNum := numeric(b)
	if aNum && bNum {
		if aFloat || bFloat {
			return af == bf
		}
		return ai == bi
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case undefined:
		return isUndefined(b)
	case *List:
		y, ok := b.(*List)
		if !ok || x.Tuple != y.Tuple || len(x.Items) != len(y.Items) {
			return false
		}
		if x == y {
			return true
		}
		for i := range x.Items {
			if !equalDepth(x.Items[i], y.Items[i], depth+1) {
				return false
			}
		}
		return true
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		if x == y {
			return true
		}
		for i, k := range x.keys {
			w, ok := y.get(k)
			if !ok || !equalDepth(x.vals[i], w, depth+1) {
				return false
			}
		}
		return true
	}
	return a == b
}

// compare implements Python ordering (<) for numbers, strings and
// sequences; it returns -1, 0 or 1.
func compare(a, b any) (int, error) {
	return compareDepth(a, b, 0)
}

func compareDepth(a, b any, depth int) (int, error) {
	if depth > maxDataDepth {
		return 0, fmt.Errorf("comparison too deeply nested")
	}
	ai, af, aFloat, aNum := numeric(a)
	bi, bf, bFloat, bNum := numeric(b)
	if aNum && bNum {
		if aFloat || bFloat {
			switch {
			case af < bf:
				return -1, nil
			case af > bf:
				return 1, nil
			}
			return 0, nil
		}
		switch {
		case ai < bi:
			return -1, nil
		case ai > bi:
			return 1, nil
		}
		return 0, nil
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	}
	if x, ok := a.(*List); ok {
		if y, ok := b.(*List); ok {
			for i := 0; i < len(x.Items) && i < len(y.Items); i++ {
				if equalDepth(x.Items[i], y.Items[i], depth+1) {
					continue
				}
				return compareDepth(x.Items[i], y.Items[i], depth+1)
			}
			switch {
			case len(x.Items) < len(y.Items):
				return -1, nil
			case len(x.Items) > len(y.Items):
				return 1, nil
			}
			return 0, nil
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

// runeLen returns the length of s in code points.
func runeLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s)
		}
	}
	return len(s)
}

// isASCII reports whether s is pure ASCII, where byte and code-point
// indexes coincide.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
