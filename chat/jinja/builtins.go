package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

var tests map[string]testFn

func isCallable(v any) bool {
	switch v.(type) {
	case Func, *macro, *boundMethod, builtinFunc:
		return true
	}
	return false
}

func init() {
	cmp := func(op string) testFn {
		return func(s *state, v any, args []any, kw *Dict) (bool, error) {
			other, ok := arg(args, kw, 0, "other")
			if !ok {
				return false, fmt.Errorf("test needs an argument to compare with")
			}
			return compareOp(op, v, other)
		}
	}
	is := func(f func(any) bool) testFn {
		return func(s *state, v any, _ []any, _ *Dict) (bool, error) { return f(v), nil }
	}
	tests = map[string]testFn{
		"defined":   is(func(v any) bool { return !isUndefined(v) }),
		"undefined": is(isUndefined),
		"none":      is(func(v any) bool { return v == nil }),
		"boolean":   is(func(v any) bool { _, ok := v.(bool); return ok }),
		"true":      is(func(v any) bool { b, ok := v.(bool); return ok && b }),
		"false":     is(func(v any) bool { b, ok := v.(bool); return ok && !b }),
		"integer":   is(func(v any) bool { _, ok := v.(int64); return ok }),
		"float":     is(func(v any) bool { _, ok := v.(float64); return ok }),
		"number":    is(func(v any) bool { _, _, _, ok := numeric(v); return ok }),
		"string":    is(func(v any) bool { _, ok := v.(string); return ok }),
		"mapping":   is(func(v any) bool { d, ok := v.(*Dict); return ok && !d.ns }),
		"iterable": is(func(v any) bool {
			switch v.(type) {
			case string, *List, *Dict, undefined:
				return true
			}
			return false
		}),
		"sequence": is(func(v any) bool {
			switch x := v.(type) {
			case string, *List, undefined:
				return true
			case *Dict:
				return !x.ns
			}
			return false
		}),
		"callable": is(isCallable),
		"odd": func(s *state, v any, _ []any, _ *Dict) (bool, error) {
			n, _, isFloat, ok := numeric(v)
			if !ok || isFloat {
				return false, fmt.Errorf("odd test needs an integer, got %s", typeName(v))
			}
			return n%2 != 0, nil
		},
		"even": func(s *state, v any, _ []any, _ *Dict) (bool, error) {
			n, _, isFloat, ok := numeric(v)
			if !ok || isFloat {
				return false, fmt.Errorf("even test needs an integer, got %s", typeName(v))
			}
			return n%2 == 0, nil
		},
		"divisibleby": func(s *state, v any, args []any, kw *Dict) (bool, error) {
			d, ok := arg(args, kw, 0, "num")
			if !ok {
				return false, fmt.Errorf("divisibleby needs a divisor")
			}
			m, err := s.arith("%", v, d)
			if err != nil {
				return false, err
			}
			return equal(m, int64(0)), nil
		},
		"eq": cmp("=="), "equalto": cmp("=="), "==": cmp("=="),
		"ne": cmp("!="), "!=": cmp("!="),
		"lt": cmp("<"), "lessthan": cmp("<"), "<": cmp("<"),
		"le": cmp("<="), "<=": cmp("<="),
		"gt": cmp(">"), "greaterthan": cmp(">"), ">": cmp(">"),
		"ge": cmp(">="), ">=": cmp(">="),
		"in": func(s *state, v any, args []any, kw *Dict) (bool, error) {
			seq, ok := arg(args, kw, 0, "seq")
			if !ok {
				return false, fmt.Errorf("in test needs a sequence")
			}
			return contains(seq, v)
		},
		"lower": is(func(v any) bool { str := toStr(v); return str == strings.ToLower(str) && hasCased(str) }),
		"upper": is(func(v any) bool { str := toStr(v); return str == strings.ToUpper(str) && hasCased(str) }),
		"sameas": func(s *state, v any, args []any, kw *Dict) (bool, error) {
			other, _ := arg(args, kw, 0, "other")
			switch x := v.(type) {
			case *List, *Dict:
				return v == other, nil
			case nil:
				return other == nil, nil
			case bool:
				b, ok := other.(bool)
				return ok && b == x, nil
			}
			return typeName(v) == typeName(other) && equal(v, other), nil
		},
		"escaped": is(func(any) bool { return false }),
		"filter":  is(func(v any) bool { _, ok := filters[toStr(v)]; return ok }),
		"test":    is(func(v any) bool { _, ok := tests[toStr(v)]; return ok }),
	}
}

func hasCased(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) || unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// builtinFunc is a global function that needs the ordered keyword
// arguments (dict, namespace) or the render state.
type builtinFunc func(s *state, args []any, kw *Dict) (any, error)

var builtinGlobals = map[string]any{
	"range":           builtinFunc(globalRange),
	"dict":            builtinFunc(globalDict),
	"namespace":       builtinFunc(globalNamespace),
	"joiner":          builtinFunc(globalJoiner),
	"cycler":          builtinFunc(globalCycler),
	"raise_exception": builtinFunc(globalRaise),
}

func globalRange(s *state, args []any, _ *Dict) (any, error) {
	var n [3]int64
	if len(args) == 0 || len(args) > 3 {
		return nil, fmt.Errorf("range expected 1 to 3 arguments, got %d", len(args))
	}
	for i, a := range args {
		v, _, isFloat, ok := numeric(a)
		if !ok || isFloat {
			return nil, fmt.Errorf("range() argument must be an integer, not %s", typeName(a))
		}
		n[i] = v
	}
	start, stop, step := int64(0), n[0], int64(1)
	if len(args) >= 2 {
		start, stop = n[0], n[1]
	}
	if len(args) == 3 {
		step = n[2]
	}
	if step == 0 {
		return nil, fmt.Errorf("range() arg 3 must not be zero")
	}
	var count int64
	if step > 0 && stop > start {
		count = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		count = (start - stop - step - 1) / -step
	}
	if count < 0 || count > int64(s.maxOutput/16) || count > s.maxSteps {
		return nil, fmt.Errorf("range() of %d items is too large: %w", count, ErrLimit)
	}
	out := &List{Items: make([]any, count)}
	for i := range out.Items {
		out.Items[i] = start + int64(i)*step
	}
	return out, nil
}

func globalDict(s *state, args []any, kw *Dict) (any, error) {
	d := NewDict()
	if len(args) > 1 {
		return nil, fmt.Errorf("dict expected at most 1 positional argument, got %d", len(args))
	}
	if len(args) == 1 {
		if err := dictUpdate(d, args[0]); err != nil {
			return nil, err
		}
	}
	if kw != nil {
		for i, k := range kw.keys {
			d.set(k, kw.vals[i])
		}
	}
	return d, nil
}

func dictUpdate(d *Dict, src any) error {
	switch x := src.(type) {
	case *Dict:
		for i, k := range x.keys {
			d.set(k, x.vals[i])
		}
		return nil
	case *List:
		for _, it := range x.Items {
			pair, ok := it.(*List)
			if !ok || len(pair.Items) != 2 {
				return fmt.Errorf("dictionary update sequence element is not a pair")
			}
			d.set(pair.Items[0], pair.Items[1])
		}
		return nil
	case undefined, nil:
		return nil
	}
	return fmt.Errorf("'%s' object is not a mapping", typeName(src))
}

func globalNamespace(s *state, args []any, kw *Dict) (any, error) {
	v, err := globalDict(s, args, kw)
	if err != nil {
		return nil, err
	}
	d := v.(*Dict)
	d.ns = true
	return d, nil
}

func globalJoiner(s *state, args []any, kw *Dict) (any, error) {
	sep := argStr(args, kw, 0, "sep", ", ")
	used := false
	return Func(func([]any, map[string]any) (any, error) {
		if !used {
			used = true
			return "", nil
		}
		return sep, nil
	}), nil
}

func globalCycler(s *state, args []any, _ *Dict) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("cycler needs at least one item")
	}
	items := append([]any(nil), args...)
	pos := 0
	c := NewDict()
	c.ns = true
	c.set("items", &List{Items: items})
	c.set("current", items[0])
	c.set("next", Func(func([]any, map[string]any) (any, error) {
		v := items[pos]
		pos = (pos + 1) % len(items)
		c.set("current", items[pos])
		return v, nil
	}))
	c.set("reset", Func(func([]any, map[string]any) (any, error) {
		pos = 0
		c.set("current", items[0])
		return nil, nil
	}))
	return c, nil
}

func globalRaise(s *state, args []any, _ *Dict) (any, error) {
	msg := "raise_exception called"
	if len(args) > 0 {
		msg = toStr(args[0])
	}
	return nil, &Error{Msg: msg, Raised: true}
}

// ---- methods ----

var methodNames = map[string]map[string]bool{
	"str": set("strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
		"upper", "lower", "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex",
		"count", "join", "format", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower",
		"isnumeric", "isdecimal", "zfill", "center", "ljust", "rjust", "removeprefix", "removesuffix",
		"partition", "rpartition"),
	"list": set("append", "extend", "insert", "pop", "remove", "index", "count", "reverse", "sort", "copy", "clear"),
	"dict": set("get", "items", "keys", "values", "update", "pop", "setdefault", "copy", "clear"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func isMethod(obj any, name string) bool {
	switch obj.(type) {
	case string:
		return methodNames["str"][name]
	case *List:
		return methodNames["list"][name]
	case *Dict:
		return methodNames["dict"][name]
	}
	return false
}

func (s *state) callMethod(m *boundMethod, args []any, kw *Dict) (any, error) {
	switch r := m.recv.(type) {
	case string:
		return s.strMethod(r, m.name, args, kw)
	case *List:
		return s.listMethod(r, m.name, args, kw)
	case *Dict:
		return dictMethod(r, m.name, args, kw)
	case *loopState:
		switch m.name {
		case "cycle":
			if len(args) == 0 {
				return nil, fmt.Errorf("no items for cycling given")
			}
			return args[r.index0%len(args)], nil
		case "changed":
			cur := &List{Items: args}
			if r.last != nil && equal(r.last, cur) {
				return false, nil
			}
			r.last = cur
			return true, nil
		}
	}
	return nil, fmt.Errorf("'%s' object has no method '%s'", typeName(m.recv), m.name)
}

func stripChars(args []any, kw *Dict) (string, bool) {
	if v, ok := arg(args, kw, 0, "chars"); ok && v != nil && !isUndefined(v) {
		return toStr(v), true
	}
	return "", false
}

func (s *state) strMethod(str, name string, args []any, kw *Dict) (any, error) {
	switch name {
	case "strip", "lstrip", "rstrip":
		chars, ok := stripChars(args, kw)
		trim := func(f func(string, func(rune) bool) string) string {
			if ok {
				return f(str, func(r rune) bool { return strings.ContainsRune(chars, r) })
			}
			return f(str, isSpace)
		}
		switch name {
		case "strip":
			return trim(strings.TrimFunc), nil
		case "lstrip":
			return trim(strings.TrimLeftFunc), nil
		}
		return trim(strings.TrimRightFunc), nil
	case "split", "rsplit":
		sepV, hasSep := arg(args, kw, 0, "sep")
		maxsplit, err := argInt(args, kw, 1, "maxsplit", -1)
		if err != nil {
			return nil, err
		}
		if !hasSep || sepV == nil || isUndefined(sepV) {
			return splitWhitespace(str, maxsplit, name == "rsplit"), nil
		}
		sep := toStr(sepV)
		if sep == "" {
			return nil, fmt.Errorf("empty separator")
		}
		var parts []string
		switch {
		case maxsplit < 0:
			parts = strings.Split(str, sep)
		case name == "split":
			parts = strings.SplitN(str, sep, int(maxsplit)+1)
		default:
			parts = rsplitN(str, sep, int(maxsplit))
		}
		out := &List{Items: make([]any, len(parts))}
		for i, p := range parts {
			out.Items[i] = p
		}
		return out, nil
	case "splitlines":
		keep := argBool(args, kw, 0, "keepends", false)
		out := &List{}
		for str != "" {
			i := strings.IndexAny(str, "\n\r")
			if i < 0 {
				out.Items = append(out.Items, str)
				break
			}
			end := i + 1
			if str[i] == '\r' && end < len(str) && str[end] == '\n' {
				end++
			}
			if keep {
				out.Items = append(out.Items, str[:end])
			} else {
				out.Items = append(out.Items, str[:i])
			}
			str = str[end:]
		}
		return out, nil
	case "startswith", "endswith":
		v, ok := arg(args, kw, 0, "prefix")
		if !ok {
			return nil, fmt.Errorf("%s needs an argument", name)
		}
		check := strings.HasPrefix
		if name == "endswith" {
			check = strings.HasSuffix
		}
		if t, isList := v.(*List); isList {
			for _, it := range t.Items {
				if check(str, toStr(it)) {
					return true, nil
				}
			}
			return false, nil
		}
		p, isStr := v.(string)
		if !isStr {
			return nil, fmt.Errorf("%s first arg must be str or a tuple of str, not %s", name, typeName(v))
		}
		return check(str, p), nil
	case "upper":
		return strings.ToUpper(str), nil
	case "lower":
		return strings.ToLower(str), nil
	case "title":
		return pyTitle(str), nil
	case "capitalize":
		return capitalize(str), nil
	case "swapcase":
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, str), nil
	case "replace":
		if len(args) < 2 {
			return nil, fmt.Errorf("replace needs old and new strings")
		}
		cnt, err := argInt(args, kw, 2, "count", -1)
		if err != nil {
			return nil, err
		}
		return strReplace(s, str, toStr(args[0]), toStr(args[1]), cnt)
	case "find", "rfind", "index", "rindex", "count":
		v, ok := arg(args, kw, 0, "sub")
		if !ok {
			return nil, fmt.Errorf("%s needs an argument", name)
		}
		sub := toStr(v)
		switch name {
		case "count":
			if sub == "" {
				return int64(runeLen(str) + 1), nil
			}
			return int64(strings.Count(str, sub)), nil
		case "find", "index":
			i := strings.Index(str, sub)
			if i < 0 && name == "index" {
				return nil, fmt.Errorf("substring not found")
			}
			if i < 0 {
				return int64(-1), nil
			}
			return int64(runeLen(str[:i])), nil
		}
		i := strings.LastIndex(str, sub)
		if i < 0 && name == "rindex" {
			return nil, fmt.Errorf("substring not found")
		}
		if i < 0 {
			return int64(-1), nil
		}
		return int64(runeLen(str[:i])), nil
	case "join":
		if len(args) != 1 {
			return nil, fmt.Errorf("join takes exactly one argument")
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		total := 0
		for i, it := range items {
			p, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("sequence item %d: expected str instance, %s found", i, typeName(it))
			}
			parts[i] = p
			total += len(p) + len(str)
		}
		if err := s.checkSize(total); err != nil {
			return nil, err
		}
		return strings.Join(parts, str), nil
	case "format":
		out, err := pyFormat(str, args, kw, s.maxOutput)
		if err != nil {
			return nil, err
		}
		return out, s.checkSize(len(out))
	case "isdigit", "isnumeric", "isdecimal":
		return str != "" && strings.IndexFunc(str, func(r rune) bool { return !unicode.IsDigit(r) }) < 0, nil
	case "isalpha":
		return str != "" && strings.IndexFunc(str, func(r rune) bool { return !unicode.IsLetter(r) }) < 0, nil
	case "isalnum":
		return str != "" && strings.IndexFunc(str, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) < 0, nil
	case "isspace":
		return str != "" && strings.IndexFunc(str, func(r rune) bool { return !isSpace(r) }) < 0, nil
	case "isupper":
		return hasCased(str) && str == strings.ToUpper(str), nil
	case "islower":
		return hasCased(str) && str == strings.ToLower(str), nil
	case "zfill", "center", "ljust", "rjust":
		w, err := argInt(args, kw, 0, "width", 0)
		if err != nil {
			return nil, err
		}
		fill := argStr(args, kw, 1, "fillchar", " ")
		if runeLen(fill) != 1 {
			return nil, fmt.Errorf("the fill character must be exactly one character long")
		}
		switch name {
		case "center":
			return pad(str, w, fill, 0, s.maxOutput)
		case "ljust":
			return pad(str, w, fill, -1, s.maxOutput)
		case "rjust":
			return pad(str, w, fill, 1, s.maxOutput)
		}
		sign := ""
		if str != "" && (str[0] == '-' || str[0] == '+') {
			sign, str = str[:1], str[1:]
		}
		p, err := pad(str, w-int64(len(sign)), "0", 1, s.maxOutput)
		return sign + p, err
	case "removeprefix":
		return strings.TrimPrefix(str, argStr(args, kw, 0, "prefix", "")), nil
	case "removesuffix":
		return strings.TrimSuffix(str, argStr(args, kw, 0, "suffix", "")), nil
	case "partition", "rpartition":
		sep := argStr(args, kw, 0, "sep", "")
		if sep == "" {
			return nil, fmt.Errorf("empty separator")
		}
		i := strings.Index(str, sep)
		if name == "rpartition" {
			i = strings.LastIndex(str, sep)
		}
		if i < 0 {
			if name == "rpartition" {
				return &List{Items: []any{"", "", str}, Tuple: true}, nil
			}
			return &List{Items: []any{str, "", ""}, Tuple: true}, nil
		}
		return &List{Items: []any{str[:i], sep, str[i+len(sep):]}, Tuple: true}, nil
	}
	return nil, fmt.Errorf("'str' object has no method '%s'", name)
}

func splitWhitespace(str string, maxsplit int64, fromRight bool) *List {
	fields := strings.FieldsFunc(str, isSpace)
	out := &List{}
	if maxsplit < 0 || int64(len(fields)) <= maxsplit+1 {
		for _, f := range fields {
			out.Items = append(out.Items, f)
		}
		return out
	}
	if !fromRight {
		rest := str
		for i := int64(0); i < maxsplit; i++ {
			rest = strings.TrimLeftFunc(rest, isSpace)
			j := strings.IndexFunc(rest, isSpace)
			out.Items = append(out.Items, rest[:j])
			rest = rest[j:]
		}
		out.Items = append(out.Items, strings.TrimLeftFunc(rest, isSpace))
		return out
	}
	rest := str
	var tail []any
	for i := int64(0); i < maxsplit; i++ {
		rest = strings.TrimRightFunc(rest, isSpace)
		j := strings.LastIndexFunc(rest, isSpace)
		tail = append([]any{rest[j+1:]}, tail...)
		rest = rest[:j+1]
	}
	out.Items = append(append(out.Items, strings.TrimRightFunc(rest, isSpace)), tail...)
	return out
}

func rsplitN(str, sep string, n int) []string {
	var tail []string
	for i := 0; i < n; i++ {
		j := strings.LastIndex(str, sep)
		if j < 0 {
			break
		}
		tail = append([]string{str[j+len(sep):]}, tail...)
		str = str[:j]
	}
	return append([]string{str}, tail...)
}

func (s *state) listMethod(l *List, name string, args []any, kw *Dict) (any, error) {
	if l.Tuple && name != "index" && name != "count" && name != "copy" {
		return nil, fmt.Errorf("'tuple' object has no method '%s'", name)
	}
	switch name {
	case "append":
		if len(args) != 1 {
			return nil, fmt.Errorf("append takes exactly one argument")
		}
		if err := s.checkItems(len(l.Items) + 1); err != nil {
			return nil, err
		}
		l.Items = append(l.Items, args[0])
		return nil, nil
	case "extend":
		if len(args) != 1 {
			return nil, fmt.Errorf("extend takes exactly one argument")
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		if err := s.checkItems(len(l.Items) + len(items)); err != nil {
			return nil, err
		}
		l.Items = append(l.Items, items...)
		return nil, nil
	case "insert":
		if len(args) != 2 {
			return nil, fmt.Errorf("insert takes exactly two arguments")
		}
		i, err := argInt(args, nil, 0, "index", 0)
		if err != nil {
			return nil, err
		}
		n := int64(len(l.Items))
		if i < 0 {
			i = max(i+n, 0)
		}
		i = min(i, n)
		l.Items = append(l.Items[:i], append([]any{args[1]}, l.Items[i:]...)...)
		return nil, nil
	case "pop":
		i, err := argInt(args, kw, 0, "index", -1)
		if err != nil {
			return nil, err
		}
		n := int64(len(l.Items))
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("pop index out of range")
		}
		v := l.Items[i]
		l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
		return v, nil
	case "remove", "index", "count":
		if len(args) != 1 {
			return nil, fmt.Errorf("%s takes exactly one argument", name)
		}
		cnt := int64(0)
		for i, it := range l.Items {
			if equal(it, args[0]) {
				switch name {
				case "remove":
					l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
					return nil, nil
				case "index":
					return int64(i), nil
				}
				cnt++
			}
		}
		if name == "count" {
			return cnt, nil
		}
		return nil, fmt.Errorf("list.%s(x): x not in list", name)
	case "reverse":
		for i, j := 0, len(l.Items)-1; i < j; i, j = i+1, j-1 {
			l.Items[i], l.Items[j] = l.Items[j], l.Items[i]
		}
		return nil, nil
	case "sort":
		return nil, sortValues(l.Items, func(x any) any { return x }, argBool(nil, kw, -1, "reverse", false))
	case "copy":
		return &List{Items: append([]any(nil), l.Items...), Tuple: l.Tuple}, nil
	case "clear":
		l.Items = nil
		return nil, nil
	}
	return nil, fmt.Errorf("'list' object has no method '%s'", name)
}

func dictMethod(d *Dict, name string, args []any, kw *Dict) (any, error) {
	switch name {
	case "get":
		if len(args) == 0 {
			return nil, fmt.Errorf("get expected at least 1 argument")
		}
		if v, ok := d.get(args[0]); ok {
			return v, nil
		}
		if len(args) > 1 {
			return args[1], nil
		}
		return nil, nil
	case "items":
		return filterItems(nil, d, nil, nil)
	case "keys":
		return &List{Items: append([]any{}, d.keys...)}, nil
	case "values":
		return &List{Items: append([]any{}, d.vals...)}, nil
	case "update":
		for _, a := range args {
			if err := dictUpdate(d, a); err != nil {
				return nil, err
			}
		}
		if kw != nil {
			for i, k := range kw.keys {
				d.set(k, kw.vals[i])
			}
		}
		return nil, nil
	case "pop":
		if len(args) == 0 {
			return nil, fmt.Errorf("pop expected at least 1 argument")
		}
		if v, ok := d.delete(args[0]); ok {
			return v, nil
		}
		if len(args) > 1 {
			return args[1], nil
		}
		return nil, fmt.Errorf("key %s not found", repr(args[0]))
	case "setdefault":
		if len(args) == 0 {
			return nil, fmt.Errorf("setdefault expected at least 1 argument")
		}
		if v, ok := d.get(args[0]); ok {
			return v, nil
		}
		var def any
		if len(args) > 1 {
			def = args[1]
		}
		d.set(args[0], def)
		return def, nil
	case "copy":
		return d.copy(), nil
	case "clear":
		*d = Dict{index: map[any]int{}, ns: d.ns}
		return nil, nil
	}
	return nil, fmt.Errorf("'dict' object has no method '%s'", name)
}

// ---- string formatting ----

// printf implements Python's "fmt % args" (and the format filter). With a
// mapping (named), fields look like %(name)s.
func printf(f string, args []any, named any, limit int) (string, error) {
	var b strings.Builder
	ai := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return "", fmt.Errorf("incomplete format")
		}
		var v any
		hasV := false
		if f[i] == '(' {
			j := strings.IndexByte(f[i:], ')')
			if j < 0 {
				return "", fmt.Errorf("incomplete format key")
			}
			key := f[i+1 : i+j]
			i += j + 1
			d, ok := named.(*Dict)
			if !ok {
				return "", fmt.Errorf("format requires a mapping")
			}
			if v, ok = d.get(key); !ok {
				return "", fmt.Errorf("format key %s not found", pyQuote(key))
			}
			hasV = true
		}
		flags := ""
		for i < len(f) && strings.IndexByte("-+ 0#", f[i]) >= 0 {
			flags += f[i : i+1]
			i++
		}
		width, prec := -1, -1
		start := i
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			i++
		}
		if i > start {
			width, _ = strconv.Atoi(f[start:i])
		}
		if i < len(f) && f[i] == '.' {
			i++
			start = i
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
			}
			prec, _ = strconv.Atoi(f[start:i])
		}
		if i >= len(f) {
			return "", fmt.Errorf("incomplete format")
		}
		verb := f[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if !hasV {
			if ai >= len(args) {
				return "", fmt.Errorf("not enough arguments for format string")
			}
			v = args[ai]
			ai++
		}
		spec := formatSpec{fill: " ", align: '>', width: width, prec: prec, limit: limit}
		if strings.Contains(flags, "-") {
			spec.align = '<'
		} else if strings.Contains(flags, "0") && verb != 's' && verb != 'r' {
			spec.fill, spec.align = "0", '='
		}
		if strings.Contains(flags, "+") {
			spec.sign = '+'
		} else if strings.Contains(flags, " ") {
			spec.sign = ' '
		}
		switch verb {
		case 's':
			spec.kind = 's'
			v = toStr(v)
		case 'r', 'a':
			spec.kind = 's'
			v = repr(v)
		case 'd', 'i', 'u':
			spec.kind = 'd'
		case 'f', 'F', 'e', 'E', 'g', 'G', 'x', 'X', 'o', 'c':
			spec.kind = verb
		default:
			return "", fmt.Errorf("unsupported format character '%c'", verb)
		}
		if spec.kind == 's' && prec >= 0 {
			r := []rune(v.(string))
			if prec < len(r) {
				v = string(r[:prec])
			}
			spec.prec = -1
		}
		out, err := spec.apply(v)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
	}
	if ai < len(args) && named == nil {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// formatSpec is a parsed Python format specification.
type formatSpec struct {
	fill  string
	align byte // '<', '>', '^', '='
	sign  byte
	width int
	prec  int
	kind  byte // 's', 'd', 'f', ...; 0 for default
	comma bool
	limit int // largest width allowed
}

func parseFormatSpec(spec string, v any) (formatSpec, error) {
	fs := formatSpec{fill: " ", width: -1, prec: -1}
	if _, ok := v.(string); ok {
		fs.align = '<'
	} else {
		fs.align = '>'
	}
	r := []rune(spec)
	i := 0
	if len(r) >= 2 && strings.ContainsRune("<>^=", r[1]) {
		fs.fill, fs.align = string(r[0]), byte(r[1])
		i = 2
	} else if len(r) >= 1 && strings.ContainsRune("<>^=", r[0]) {
		fs.align = byte(r[0])
		i = 1
	}
	if i < len(r) && strings.ContainsRune("+- ", r[i]) {
		fs.sign = byte(r[i])
		i++
	}
	if i < len(r) && r[i] == '0' {
		fs.fill, fs.align = "0", '='
		i++
	}
	start := i
	for i < len(r) && r[i] >= '0' && r[i] <= '9' {
		i++
	}
	if i > start {
		fs.width, _ = strconv.Atoi(string(r[start:i]))
	}
	if i < len(r) && r[i] == ',' {
		fs.comma = true
		i++
	}
	if i < len(r) && r[i] == '.' {
		i++
		start = i
		for i < len(r) && r[i] >= '0' && r[i] <= '9' {
			i++
		}
		fs.prec, _ = strconv.Atoi(string(r[start:i]))
	}
	if i < len(r) {
		fs.kind = byte(r[i])
		i++
	}
	if i != len(r) {
		return fs, fmt.Errorf("invalid format specifier %q", spec)
	}
	return fs, nil
}

func (fs formatSpec) apply(v any) (string, error) {
	if fs.width > fs.limit {
		return "", fmt.Errorf("format width %d exceeds the %d byte limit: %w", fs.width, fs.limit, ErrLimit)
	}
	var body string
	neg := false
	switch fs.kind {
	case 0, 's':
		if fs.kind == 0 {
			if _, _, _, ok := numeric(v); ok {
				if _, isBool := v.(bool); !isBool {
					n := fs
					n.kind = 'n'
					return n.apply(v)
				}
			}
		}
		body = toStr(v)
		if fs.prec >= 0 {
			if r := []rune(body); fs.prec < len(r) {
				body = string(r[:fs.prec])
			}
		}
		return fs.pad(body, false), nil
	case 'c':
		n, _, isFloat, ok := numeric(v)
		if !ok || isFloat || n < 0 || n > unicode.MaxRune {
			return "", fmt.Errorf("%%c requires an int or a character")
		}
		return fs.pad(string(rune(n)), false), nil
	}
	i, f, isFloat, ok := numeric(v)
	if !ok {
		if str, isStr := v.(string); isStr && fs.kind != 'd' {
			if p, err := strconv.ParseFloat(str, 64); err == nil {
				f, isFloat, ok = p, true, true
			}
		}
		if !ok {
			return "", fmt.Errorf("format requires a number, not %s", typeName(v))
		}
	}
	switch fs.kind {
	case 'd', 'x', 'X', 'o', 'n':
		if isFloat && fs.kind != 'n' {
			if fs.kind != 'd' {
				return "", fmt.Errorf("format code '%c' needs an integer", fs.kind)
			}
			i = int64(f)
			isFloat = false
		}
		if isFloat {
			neg = f < 0 || (f == 0 && math.Signbit(f))
			body = floatRepr(math.Abs(f))
			if fs.prec >= 0 {
				body = strconv.FormatFloat(math.Abs(f), 'g', min(fs.prec, 1000), 64)
			}
			break
		}
		neg = i < 0
		u := uint64(i)
		if neg {
			u = uint64(-i)
		}
		base := map[byte]int{'d': 10, 'n': 10, 'x': 16, 'X': 16, 'o': 8}[fs.kind]
		body = strconv.FormatUint(u, base)
		if fs.kind == 'X' {
			body = strings.ToUpper(body)
		}
		if fs.comma {
			body = groupThousands(body)
		}
	case 'f', 'F', 'e', 'E', 'g', 'G', '%':
		if !isFloat {
			f = float64(i)
		}
		neg = f < 0 || (f == 0 && math.Signbit(f))
		p := fs.prec
		if p < 0 {
			p = 6
		}
		if p > 1000 {
			return "", fmt.Errorf("format precision %d too large", p)
		}
		a := math.Abs(f)
		switch fs.kind {
		case 'f', 'F':
			body = strconv.FormatFloat(a, 'f', p, 64)
		case 'e', 'E':
			body = strconv.FormatFloat(a, 'e', p, 64)
		case 'g', 'G':
			if p == 0 {
				p = 1
			}
			body = strconv.FormatFloat(a, 'g', p, 64)
		case '%':
			body = strconv.FormatFloat(a*100, 'f', p, 64) + "%"
		}
		if fs.kind == 'E' || fs.kind == 'G' || fs.kind == 'F' {
			body = strings.ToUpper(body)
		}
		if fs.comma {
			intPart, frac, _ := strings.Cut(body, ".")
			body = groupThousands(intPart)
			if frac != "" {
				body += "." + frac
			}
		}
	default:
		return "", fmt.Errorf("unknown format code '%c'", fs.kind)
	}
	sign := ""
	switch {
	case neg:
		sign = "-"
	case fs.sign == '+':
		sign = "+"
	case fs.sign == ' ':
		sign = " "
	}
	if fs.align == '=' {
		return sign + fs.pad(body, true, len([]rune(sign))), nil
	}
	return fs.pad(sign+body, false), nil
}

func (fs formatSpec) pad(body string, afterSign bool, used ...int) string {
	n := runeLen(body)
	for _, u := range used {
		n += u
	}
	if fs.width < 0 || n >= fs.width {
		return body
	}
	total := fs.width - n
	switch fs.align {
	case '<':
		return body + strings.Repeat(fs.fill, total)
	case '^':
		left := total / 2
		return strings.Repeat(fs.fill, left) + body + strings.Repeat(fs.fill, total-left)
	}
	return strings.Repeat(fs.fill, total) + body
}

func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// pyFormat implements Python's str.format.
func pyFormat(f string, args []any, kw *Dict, limit int) (string, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '{' && i+1 < len(f) && f[i+1] == '{':
			b.WriteByte('{')
			i++
		case c == '}' && i+1 < len(f) && f[i+1] == '}':
			b.WriteByte('}')
			i++
		case c == '}':
			return "", fmt.Errorf("single '}' encountered in format string")
		case c == '{':
			j := strings.IndexByte(f[i:], '}')
			if j < 0 {
				return "", fmt.Errorf("single '{' encountered in format string")
			}
			field := f[i+1 : i+j]
			i += j
			spec := ""
			if k := strings.IndexByte(field, ':'); k >= 0 {
				field, spec = field[:k], field[k+1:]
			}
			conv := byte(0)
			if k := strings.IndexByte(field, '!'); k >= 0 && k+1 < len(field) {
				conv = field[k+1]
				field = field[:k]
			}
			// Split the field name into the argument and an access chain.
			name := field
			rest := ""
			if k := strings.IndexAny(field, ".["); k >= 0 {
				name, rest = field[:k], field[k:]
			}
			var v any
			switch {
			case name == "":
				if auto >= len(args) {
					return "", fmt.Errorf("replacement index %d out of range for positional args tuple", auto)
				}
				v = args[auto]
				auto++
			case name[0] >= '0' && name[0] <= '9':
				n, err := strconv.Atoi(name)
				if err != nil || n >= len(args) {
					return "", fmt.Errorf("replacement index %s out of range for positional args tuple", name)
				}
				v = args[n]
			default:
				var ok bool
				if kw != nil {
					v, ok = kw.get(name)
				}
				if !ok {
					return "", fmt.Errorf("format key %s not found", pyQuote(name))
				}
			}
			for rest != "" {
				if rest[0] == '.' {
					k := strings.IndexAny(rest[1:], ".[")
					attr := rest[1:]
					if k >= 0 {
						attr, rest = rest[1:k+1], rest[k+1:]
					} else {
						rest = ""
					}
					v = getAttr(v, attr)
					continue
				}
				k := strings.IndexByte(rest, ']')
				if k < 0 {
					return "", fmt.Errorf("missing ']' in format string")
				}
				key := rest[1:k]
				rest = rest[k+1:]
				if n, err := strconv.ParseInt(key, 10, 64); err == nil {
					v = getItem(v, n)
				} else {
					v = getItem(v, key)
				}
			}
			switch conv {
			case 'r', 'a':
				v = repr(v)
			case 's':
				v = toStr(v)
			}
			fs, err := parseFormatSpec(spec, v)
			if err != nil {
				return "", err
			}
			fs.limit = limit
			out, err := fs.apply(v)
			if err != nil {
				return "", err
			}
			b.WriteString(out)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
