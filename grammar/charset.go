package grammar

import (
	"slices"
	"strings"
)

// maxRune is the largest Unicode code point.
const maxRune = 0x10FFFF

// Surrogate code points cannot be encoded in valid UTF-8, so no set holds them.
const (
	surrogateLo = 0xD800
	surrogateHi = 0xDFFF
)

// cpRange is an inclusive range of code points.
type cpRange struct{ lo, hi rune }

// charSet is a set of Unicode scalar values: sorted, disjoint, non-adjacent
// inclusive ranges with no surrogates. The zero value is the empty set.
type charSet []cpRange

// newCharSet normalizes arbitrary ranges (any order, overlapping, reversed
// ones dropped) into a charSet.
func newCharSet(rs []cpRange) charSet {
	var in []cpRange
	for _, r := range rs {
		if r.lo < 0 {
			r.lo = 0
		}
		if r.hi > maxRune {
			r.hi = maxRune
		}
		if r.lo > r.hi {
			continue
		}
		// Cut out the surrogate block.
		if r.lo <= surrogateHi && r.hi >= surrogateLo {
			if r.lo < surrogateLo {
				in = append(in, cpRange{r.lo, surrogateLo - 1})
			}
			if r.hi > surrogateHi {
				in = append(in, cpRange{surrogateHi + 1, r.hi})
			}
			continue
		}
		in = append(in, r)
	}
	slices.SortFunc(in, func(a, b cpRange) int { return int(a.lo - b.lo) })
	var out charSet
	for _, r := range in {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			if r.hi > out[n-1].hi {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// anyChar is the set of every Unicode scalar value.
func anyChar() charSet {
	return charSet{{0, surrogateLo - 1}, {surrogateHi + 1, maxRune}}
}

// negate returns the scalar values not in s.
func (s charSet) negate() charSet {
	var out []cpRange
	next := rune(0)
	for _, r := range s {
		if r.lo > next {
			out = append(out, cpRange{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= maxRune {
		out = append(out, cpRange{next, maxRune})
	}
	return newCharSet(out)
}

// contains reports whether c is in s.
func (s charSet) contains(c rune) bool {
	i, _ := slices.BinarySearchFunc(s, c, func(r cpRange, c rune) int {
		switch {
		case r.hi < c:
			return -1
		case r.lo > c:
			return 1
		}
		return 0
	})
	return i < len(s) && s[i].lo <= c && c <= s[i].hi
}

// union returns the scalar values in s or t.
func (s charSet) union(t charSet) charSet {
	return newCharSet(append(slices.Clone(s), t...))
}

// intersect returns s restricted to [lo, hi].
func (s charSet) intersect(lo, hi rune) charSet {
	var out charSet
	for _, r := range s {
		if r.hi < lo || r.lo > hi {
			continue
		}
		out = append(out, cpRange{max(r.lo, lo), min(r.hi, hi)})
	}
	return out
}

// size is the number of code points in s.
func (s charSet) size() int {
	n := 0
	for _, r := range s {
		n += int(r.hi-r.lo) + 1
	}
	return n
}

// key is a map key that identifies the set.
func (s charSet) key() string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(string([]rune{r.lo, r.hi}))
	}
	return b.String()
}
