package jinja

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// builtinFn is the shape of filters and of builtin functions: v is the
// filtered value (nil for functions), kw the keyword arguments (may be nil).
type builtinFn func(s *state, v any, args []any, kw *Dict) (any, error)

// testFn is the shape of "is" tests.
type testFn func(s *state, v any, args []any, kw *Dict) (bool, error)

// arg returns positional argument i or keyword argument name.
func arg(args []any, kw *Dict, i int, name string) (any, bool) {
	if i >= 0 && i < len(args) {
		return args[i], true
	}
	if kw != nil {
		if v, ok := kw.get(name); ok {
			return v, true
		}
	}
	return nil, false
}

func argBool(args []any, kw *Dict, i int, name string, def bool) bool {
	if v, ok := arg(args, kw, i, name); ok {
		return truthy(v)
	}
	return def
}

func argInt(args []any, kw *Dict, i int, name string, def int64) (int64, error) {
	v, ok := arg(args, kw, i, name)
	if !ok || v == nil || isUndefined(v) {
		return def, nil
	}
	n, f, isFloat, ok := numeric(v)
	if !ok {
		if str, isStr := v.(string); isStr {
			if p, err := strconv.ParseInt(strings.TrimSpace(str), 10, 64); err == nil {
				return p, nil
			}
		}
		return 0, fmt.Errorf("argument '%s' must be an integer, not %s", name, typeName(v))
	}
	if isFloat {
		return int64(f), nil
	}
	return n, nil
}

func argStr(args []any, kw *Dict, i int, name string, def string) string {
	if v, ok := arg(args, kw, i, name); ok && !isUndefined(v) && v != nil {
		return toStr(v)
	}
	return def
}

var filters map[string]builtinFn

func init() {
	filters = map[string]builtinFn{
		"abs":        filterAbs,
		"attr":       filterAttr,
		"batch":      filterBatch,
		"capitalize": func(s *state, v any, _ []any, _ *Dict) (any, error) { return capitalize(toStr(v)), nil },
		"center":     filterCenter,
		"count":      filterLength,
		"d":          filterDefault,
		"default":    filterDefault,
		"dictsort":   filterDictsort,
		"e":          filterEscape,
		"escape":     filterEscape,
		"first":      filterFirst,
		"float":      filterFloat,
		"format":     filterFormat,
		"from_json":  filterFromJSON,
		"fromjson":   filterFromJSON,
		"indent":     filterIndent,
		"int":        filterInt,
		"items":      filterItems,
		"join":       filterJoin,
		"last":       filterLast,
		"length":     filterLength,
		"list":       filterList,
		"lower":      func(s *state, v any, _ []any, _ *Dict) (any, error) { return strings.ToLower(toStr(v)), nil },
		"map":        filterMap,
		"max":        func(s *state, v any, a []any, kw *Dict) (any, error) { return filterMinMax(s, v, a, kw, 1) },
		"min":        func(s *state, v any, a []any, kw *Dict) (any, error) { return filterMinMax(s, v, a, kw, -1) },
		"pprint":     func(s *state, v any, _ []any, _ *Dict) (any, error) { return repr(v), nil },
		"reject":     func(s *state, v any, a []any, kw *Dict) (any, error) { return filterSelect(s, v, a, kw, false, false) },
		"rejectattr": func(s *state, v any, a []any, kw *Dict) (any, error) { return filterSelect(s, v, a, kw, false, true) },
		"replace":    filterReplace,
		"reverse":    filterReverse,
		"round":      filterRound,
		"safe":       func(s *state, v any, _ []any, _ *Dict) (any, error) { return v, nil },
		"select":     func(s *state, v any, a []any, kw *Dict) (any, error) { return filterSelect(s, v, a, kw, true, false) },
		"selectattr": func(s *state, v any, a []any, kw *Dict) (any, error) { return filterSelect(s, v, a, kw, true, true) },
		"sort":       filterSort,
		"string":     func(s *state, v any, _ []any, _ *Dict) (any, error) { return toStr(v), nil },
		"striptags":  filterStriptags,
		"sum":        filterSum,
		"title":      func(s *state, v any, _ []any, _ *Dict) (any, error) { return titleFilter(toStr(v)), nil },
		"tojson":     filterToJSON,
		"trim":       filterTrim,
		"truncate":   filterTruncate,
		"unique":     filterUnique,
		"upper":      func(s *state, v any, _ []any, _ *Dict) (any, error) { return strings.ToUpper(toStr(v)), nil },
		"wordcount":  func(s *state, v any, _ []any, _ *Dict) (any, error) { return int64(len(strings.Fields(toStr(v)))), nil },
	}
}

func filterAbs(s *state, v any, _ []any, _ *Dict) (any, error) {
	switch x := v.(type) {
	case int64:
		if x == math.MinInt64 {
			return nil, errOverflow
		}
		return absInt(x), nil
	case float64:
		return math.Abs(x), nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return nil, fmt.Errorf("bad operand type for abs(): '%s'", typeName(v))
}

func filterAttr(s *state, v any, args []any, kw *Dict) (any, error) {
	name := argStr(args, kw, 0, "name", "")
	return getAttr(v, name), nil
}

func filterBatch(s *state, v any, args []any, kw *Dict) (any, error) {
	n, err := argInt(args, kw, 0, "linecount", 1)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("batch size must be positive")
	}
	fill, hasFill := arg(args, kw, 1, "fill_with")
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := &List{}
	for i := 0; i < len(items); i += int(n) {
		end := min(i+int(n), len(items))
		row := &List{Items: append([]any(nil), items[i:end]...)}
		for hasFill && fill != nil && len(row.Items) < int(n) {
			row.Items = append(row.Items, fill)
		}
		out.Items = append(out.Items, row)
	}
	return out, nil
}

func filterCenter(s *state, v any, args []any, kw *Dict) (any, error) {
	w, err := argInt(args, kw, 0, "width", 80)
	if err != nil {
		return nil, err
	}
	return pad(toStr(v), w, " ", 0, s.maxOutput)
}

// pad pads str to width code points; align -1 left, 0 center, 1 right.
// limit bounds the width.
func pad(str string, width int64, fill string, align int, limit int) (string, error) {
	n := int64(runeLen(str))
	if width <= n {
		return str, nil
	}
	if width > int64(limit) {
		return "", fmt.Errorf("width %d exceeds the %d byte limit: %w", width, limit, ErrLimit)
	}
	total := width - n
	left := int64(0)
	switch align {
	case 0:
		left = total / 2
		if total%2 == 1 && width%2 == 1 {
			left++
		}
	case 1:
		left = total
	}
	return strings.Repeat(fill, int(left)) + str + strings.Repeat(fill, int(total-left)), nil
}

func filterLength(s *state, v any, _ []any, _ *Dict) (any, error) {
	switch x := v.(type) {
	case string:
		return int64(runeLen(x)), nil
	case *List:
		return int64(len(x.Items)), nil
	case *Dict:
		return int64(len(x.keys)), nil
	case undefined:
		return int64(0), nil
	case *loopState:
		return int64(len(x.items)), nil
	}
	return nil, fmt.Errorf("object of type '%s' has no len()", typeName(v))
}

func filterDefault(s *state, v any, args []any, kw *Dict) (any, error) {
	def, ok := arg(args, kw, 0, "default_value")
	if !ok {
		def = ""
	}
	if isUndefined(v) || (argBool(args, kw, 1, "boolean", false) && !truthy(v)) {
		return def, nil
	}
	return v, nil
}

func sortKey(v any, caseSensitive bool) any {
	if str, ok := v.(string); ok && !caseSensitive {
		return strings.ToLower(str)
	}
	return v
}

// sortValues sorts items stably by key(item), reporting comparison errors.
func sortValues(items []any, key func(any) any, reverse bool) error {
	var cmpErr error
	sort.SliceStable(items, func(i, j int) bool {
		c, err := compare(key(items[i]), key(items[j]))
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return cmpErr
}

func filterDictsort(s *state, v any, args []any, kw *Dict) (any, error) {
	d, ok := v.(*Dict)
	if !ok {
		if isUndefined(v) {
			return &List{}, nil
		}
		return nil, fmt.Errorf("dictsort expects a mapping, got %s", typeName(v))
	}
	cs := argBool(args, kw, 0, "case_sensitive", false)
	by := argStr(args, kw, 1, "by", "key")
	rev := argBool(args, kw, 2, "reverse", false)
	pos := 0
	switch by {
	case "key":
	case "value":
		pos = 1
	default:
		return nil, fmt.Errorf("you can only sort by either 'key' or 'value'")
	}
	items := make([]any, len(d.keys))
	for i := range d.keys {
		items[i] = &List{Items: []any{d.keys[i], d.vals[i]}, Tuple: true}
	}
	err := sortValues(items, func(x any) any { return sortKey(x.(*List).Items[pos], cs) }, rev)
	return &List{Items: items}, err
}

func filterEscape(s *state, v any, _ []any, _ *Dict) (any, error) {
	// html.EscapeString escapes the same five characters as markupsafe,
	// with the same entities.
	return html.EscapeString(toStr(v)), nil
}

func filterFirst(s *state, v any, _ []any, _ *Dict) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return undefined{name: "first"}, nil
	}
	return items[0], nil
}

func filterLast(s *state, v any, _ []any, _ *Dict) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return undefined{name: "last"}, nil
	}
	return items[len(items)-1], nil
}

func filterFloat(s *state, v any, args []any, kw *Dict) (any, error) {
	def, ok := arg(args, kw, 0, "default")
	if !ok {
		def = 0.0
	}
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
	}
	return def, nil
}

func filterInt(s *state, v any, args []any, kw *Dict) (any, error) {
	def, ok := arg(args, kw, 0, "default")
	if !ok {
		def = int64(0)
	}
	base, err := argInt(args, kw, 1, "base", 10)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 9e18 {
			return def, nil
		}
		return int64(x), nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case string:
		t := strings.ReplaceAll(strings.TrimSpace(x), "_", "")
		if base == 10 {
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				return n, nil
			}
			if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) < 9e18 {
				return int64(f), nil
			}
			return def, nil
		}
		if base >= 2 && base <= 36 {
			lt := strings.ToLower(t)
			for _, p := range []string{"0x", "0o", "0b"} {
				lt = strings.TrimPrefix(lt, p)
			}
			if n, err := strconv.ParseInt(lt, int(base), 64); err == nil {
				return n, nil
			}
		}
	}
	return def, nil
}

func filterFormat(s *state, v any, args []any, kw *Dict) (any, error) {
	if kw != nil && kw.Len() > 0 {
		if len(args) > 0 {
			return nil, fmt.Errorf("format: cannot mix positional and keyword arguments")
		}
		return printf(toStr(v), nil, kw, s.maxOutput)
	}
	return printf(toStr(v), args, nil, s.maxOutput)
}

func filterFromJSON(s *state, v any, _ []any, _ *Dict) (any, error) {
	str, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("from_json expects a string, got %s", typeName(v))
	}
	return FromJSON([]byte(str))
}

func filterIndent(s *state, v any, args []any, kw *Dict) (any, error) {
	str := toStr(v)
	w, ok := arg(args, kw, 0, "width")
	ind := "    "
	if ok {
		switch x := w.(type) {
		case string:
			ind = x
		default:
			n, err := argInt(args, kw, 0, "width", 4)
			if err != nil {
				return nil, err
			}
			if n < 0 || n > 1<<16 {
				return nil, fmt.Errorf("indent width %d out of range", n)
			}
			ind = strings.Repeat(" ", int(n))
		}
	}
	first := argBool(args, kw, 1, "first", false)
	blank := argBool(args, kw, 2, "blank", false)
	lines := strings.Split(str, "\n")
	if err := s.checkSize(len(str) + len(lines)*len(ind)); err != nil {
		return nil, err
	}
	var b strings.Builder
	for i, line := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if (i > 0 || first) && (blank || strings.TrimFunc(line, isSpace) != "") {
			b.WriteString(ind)
		}
		b.WriteString(line)
	}
	out := b.String()
	return out, s.checkSize(len(out))
}

func filterItems(s *state, v any, _ []any, _ *Dict) (any, error) {
	switch x := v.(type) {
	case *Dict:
		out := &List{Items: make([]any, len(x.keys))}
		for i := range x.keys {
			out.Items[i] = &List{Items: []any{x.keys[i], x.vals[i]}, Tuple: true}
		}
		return out, nil
	case undefined, nil:
		return &List{}, nil
	}
	return nil, fmt.Errorf("can only get item pairs from a mapping, not %s", typeName(v))
}

// attrPath follows a dotted attribute path ("a.b", "0.name") as Jinja's
// attribute= arguments do.
func attrPath(v any, path any) any {
	if n, _, isFloat, ok := numeric(path); ok && !isFloat {
		return getItem(v, n)
	}
	for _, part := range strings.Split(toStr(path), ".") {
		if n, err := strconv.ParseInt(part, 10, 64); err == nil {
			v = getItem(v, n)
		} else {
			v = getItem(v, part)
		}
	}
	return v
}

func filterJoin(s *state, v any, args []any, kw *Dict) (any, error) {
	sep := argStr(args, kw, 0, "d", "")
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr, hasAttr := arg(args, kw, 1, "attribute")
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		if hasAttr && attr != nil {
			it = attrPath(it, attr)
		}
		b.WriteString(toStr(it))
		if b.Len() > s.maxOutput {
			return nil, s.checkSize(b.Len())
		}
	}
	return b.String(), nil
}

func filterList(s *state, v any, _ []any, _ *Dict) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return &List{Items: append([]any{}, items...)}, nil
}

// iterateOrNone is iterate, except that None counts as empty, as it does
// for llama.cpp's select, reject, map and unique filters.
func iterateOrNone(v any) ([]any, error) {
	if v == nil {
		return nil, nil
	}
	return iterate(v)
}

func filterMap(s *state, v any, args []any, kw *Dict) (any, error) {
	items, err := iterateOrNone(v)
	if err != nil {
		return nil, err
	}
	out := &List{Items: make([]any, 0, len(items))}
	if attr, ok := arg(nil, kw, -1, "attribute"); ok && len(args) == 0 {
		def, hasDef := arg(nil, kw, -1, "default")
		for _, it := range items {
			x := attrPath(it, attr)
			if isUndefined(x) && hasDef {
				x = def
			}
			out.Items = append(out.Items, x)
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("map requires a filter name or attribute=")
	}
	name := toStr(args[0])
	for _, it := range items {
		x, err := s.runFilter(name, it, args[1:], kw)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, x)
	}
	return out, nil
}

func filterMinMax(s *state, v any, args []any, kw *Dict, sign int) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return undefined{name: "min"}, nil
	}
	cs := argBool(args, kw, 0, "case_sensitive", false)
	attr, hasAttr := arg(args, kw, 1, "attribute")
	key := func(x any) any {
		if hasAttr && attr != nil {
			x = attrPath(x, attr)
		}
		return sortKey(x, cs)
	}
	best := items[0]
	for _, it := range items[1:] {
		c, err := compare(key(it), key(best))
		if err != nil {
			return nil, err
		}
		if c*sign > 0 {
			best = it
		}
	}
	return best, nil
}

func filterSelect(s *state, v any, args []any, kw *Dict, keep, byAttr bool) (any, error) {
	items, err := iterateOrNone(v)
	if err != nil {
		return nil, err
	}
	var attr any
	if byAttr {
		if len(args) == 0 {
			return nil, fmt.Errorf("missing parameter for attribute name")
		}
		attr, args = args[0], args[1:]
	}
	out := &List{}
	for _, it := range items {
		x := it
		if byAttr {
			x = attrPath(it, attr)
		}
		var ok bool
		if len(args) == 0 {
			ok = truthy(x)
		} else {
			if ok, err = s.runTest(toStr(args[0]), x, args[1:], kw); err != nil {
				return nil, err
			}
		}
		if ok == keep {
			out.Items = append(out.Items, it)
		}
	}
	return out, nil
}

func filterReplace(s *state, v any, args []any, kw *Dict) (any, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("replace needs old and new strings")
	}
	cnt, err := argInt(args, kw, 2, "count", -1)
	if err != nil {
		return nil, err
	}
	return strReplace(s, toStr(v), toStr(args[0]), toStr(args[1]), cnt)
}

func strReplace(s *state, str, old, repl string, cnt int64) (any, error) {
	n := strings.Count(str, old)
	if cnt >= 0 && int64(n) > cnt {
		n = int(cnt)
	}
	if err := s.checkSize(len(str) + n*(len(repl)-len(old))); err != nil {
		return nil, err
	}
	if old == "" {
		// Python inserts repl between every code point (and at both ends).
		var b strings.Builder
		done := int64(0)
		for _, r := range str {
			if cnt < 0 || done < cnt {
				b.WriteString(repl)
				done++
			}
			b.WriteRune(r)
		}
		if cnt < 0 || done < cnt {
			b.WriteString(repl)
		}
		return b.String(), nil
	}
	return strings.Replace(str, old, repl, n), nil
}

func filterReverse(s *state, v any, _ []any, _ *Dict) (any, error) {
	if str, ok := v.(string); ok {
		r := []rune(str)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := &List{Items: make([]any, len(items))}
	for i, it := range items {
		out.Items[len(items)-1-i] = it
	}
	return out, nil
}

func filterRound(s *state, v any, args []any, kw *Dict) (any, error) {
	prec, err := argInt(args, kw, 0, "precision", 0)
	if err != nil {
		return nil, err
	}
	method := argStr(args, kw, 1, "method", "common")
	_, f, _, ok := numeric(v)
	if !ok {
		return nil, fmt.Errorf("round expects a number, got %s", typeName(v))
	}
	if prec > 300 || prec < -300 {
		return f, nil
	}
	m := math.Pow(10, float64(prec))
	switch method {
	case "common":
		// Python's round() rounds half to even.
		return math.RoundToEven(f*m) / m, nil
	case "ceil":
		return math.Ceil(f*m) / m, nil
	case "floor":
		return math.Floor(f*m) / m, nil
	}
	return nil, fmt.Errorf("method must be 'common', 'ceil' or 'floor'")
}

func filterSort(s *state, v any, args []any, kw *Dict) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	items = append([]any(nil), items...)
	rev := argBool(args, kw, 0, "reverse", false)
	cs := argBool(args, kw, 1, "case_sensitive", false)
	attr, hasAttr := arg(args, kw, 2, "attribute")
	key := func(x any) any {
		if hasAttr && attr != nil {
			x = attrPath(x, attr)
		}
		return sortKey(x, cs)
	}
	err = sortValues(items, key, rev)
	return &List{Items: items}, err
}

func filterStriptags(s *state, v any, _ []any, _ *Dict) (any, error) {
	str := toStr(v)
	var b strings.Builder
	depth := 0
	for _, r := range str {
		switch {
		case r == '<':
			depth++
		case r == '>' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(strings.Join(strings.Fields(b.String()), " ")), nil
}

func filterSum(s *state, v any, args []any, kw *Dict) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr, hasAttr := arg(args, kw, 0, "attribute")
	total, ok := arg(args, kw, 1, "start")
	if !ok {
		total = int64(0)
	}
	for _, it := range items {
		if hasAttr && attr != nil {
			it = attrPath(it, attr)
		}
		if total, err = s.arith("+", total, it); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func filterToJSON(s *state, v any, args []any, kw *Dict) (any, error) {
	o := jsonOptions{itemSep: ", ", keySep: ": "}
	if ind, ok := arg(args, kw, 0, "indent"); ok && ind != nil && !isUndefined(ind) {
		o.hasIndent = true
		o.itemSep = ","
		switch x := ind.(type) {
		case string:
			o.indent = x
		default:
			n, err := argInt(args, kw, 0, "indent", 0)
			if err != nil {
				return nil, err
			}
			if n < 0 || n > 1<<10 {
				return nil, fmt.Errorf("tojson indent %d out of range", n)
			}
			o.indent = strings.Repeat(" ", int(n))
		}
	}
	if sep, ok := arg(nil, kw, -1, "separators"); ok && sep != nil {
		l, isList := sep.(*List)
		if !isList || len(l.Items) != 2 {
			return nil, fmt.Errorf("tojson separators must be a pair of strings")
		}
		o.itemSep, o.keySep = toStr(l.Items[0]), toStr(l.Items[1])
	}
	o.sortKeys = argBool(nil, kw, -1, "sort_keys", false)
	o.ensureASCII = argBool(nil, kw, -1, "ensure_ascii", false)
	out, err := toJSON(v, o)
	if err != nil {
		return nil, err
	}
	return out, s.checkSize(len(out))
}

func filterTrim(s *state, v any, args []any, kw *Dict) (any, error) {
	if chars, ok := arg(args, kw, 0, "chars"); ok && chars != nil {
		return strings.Trim(toStr(v), toStr(chars)), nil
	}
	return strings.TrimFunc(toStr(v), isSpace), nil
}

func filterTruncate(s *state, v any, args []any, kw *Dict) (any, error) {
	str := toStr(v)
	length, err := argInt(args, kw, 0, "length", 255)
	if err != nil {
		return nil, err
	}
	killwords := argBool(args, kw, 1, "killwords", false)
	end := argStr(args, kw, 2, "end", "...")
	leeway, err := argInt(args, kw, 3, "leeway", 5)
	if err != nil {
		return nil, err
	}
	r := []rune(str)
	if int64(len(r)) <= length+leeway {
		return str, nil
	}
	cut := length - int64(utf8.RuneCountInString(end))
	if cut < 0 {
		cut = 0
	}
	if killwords {
		return string(r[:cut]) + end, nil
	}
	head := string(r[:cut])
	if i := strings.LastIndexByte(head, ' '); i >= 0 {
		head = head[:i]
	}
	return head + end, nil
}

func filterUnique(s *state, v any, args []any, kw *Dict) (any, error) {
	items, err := iterateOrNone(v)
	if err != nil {
		return nil, err
	}
	cs := argBool(args, kw, 0, "case_sensitive", false)
	attr, hasAttr := arg(args, kw, 1, "attribute")
	seen := NewDict()
	out := &List{}
	for _, it := range items {
		k := it
		if hasAttr && attr != nil {
			k = attrPath(it, attr)
		}
		k = sortKey(k, cs)
		if _, dup := seen.get(k); dup {
			continue
		}
		seen.set(k, true)
		out.Items = append(out.Items, it)
	}
	return out, nil
}

func capitalize(str string) string {
	if str == "" {
		return str
	}
	r, n := utf8.DecodeRuneInString(str)
	return string(unicode.ToUpper(r)) + strings.ToLower(str[n:])
}

// titleFilter implements Jinja's title filter: words start after
// whitespace, '-', quotes and opening brackets.
func titleFilter(str string) string {
	var b strings.Builder
	start := true
	for _, r := range str {
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = isSpace(r) || strings.ContainsRune("-\"'([{<", r)
	}
	return b.String()
}

// pyTitle implements Python's str.title(): a letter following a non-letter
// starts a word.
func pyTitle(str string) string {
	var b strings.Builder
	prevLetter := false
	for _, r := range str {
		isLetter := unicode.IsLetter(r)
		switch {
		case isLetter && !prevLetter:
			b.WriteRune(unicode.ToUpper(r))
		case isLetter:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
		prevLetter = isLetter
	}
	return b.String()
}
