package tokenizer

//go:generate python3 gen_nfd.py

import (
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Code point classes as llama.cpp's unicode tables define them: one general
// category group per code point (from the Unicode general category) plus the
// White_Space property. Unassigned code points have no category bit.
const (
	cpNumber     uint8 = 1 << iota // \p{N}
	cpLetter                       // \p{L}
	cpSeparator                    // \p{Z}
	cpMark                         // \p{M}
	cpPunct                        // \p{P}
	cpSymbol                       // \p{S}
	cpControl                      // \p{C} without Cn
	cpWhitespace                   // White_Space property (\s)
)

const maxCodePoint = 0x10FFFF

var (
	cpFlagsOnce  sync.Once
	cpFlagsTable *[maxCodePoint + 1]uint8
)

// initUnicode builds the code point class table once per process.
func initUnicode() {
	cpFlagsOnce.Do(func() {
		t := new([maxCodePoint + 1]uint8)
		set := func(rt *unicode.RangeTable, f uint8) {
			for _, r := range rt.R16 {
				for c := uint32(r.Lo); c <= uint32(r.Hi); c += uint32(r.Stride) {
					t[c] |= f
				}
			}
			for _, r := range rt.R32 {
				for c := r.Lo; c <= r.Hi; c += r.Stride {
					t[c] |= f
				}
			}
		}
		set(unicode.N, cpNumber)
		set(unicode.L, cpLetter)
		set(unicode.Z, cpSeparator)
		set(unicode.M, cpMark)
		set(unicode.P, cpPunct)
		set(unicode.S, cpSymbol)
		set(unicode.C, cpControl)
		set(unicode.White_Space, cpWhitespace)
		cpFlagsTable = t
	})
}

// cpFlags returns the class bits of a code point (0 for out-of-range values).
func cpFlags(c rune) uint8 {
	if uint32(c) > maxCodePoint {
		return 0
	}
	return cpFlagsTable[c]
}

func isWhitespace(c rune) bool { return cpFlags(c)&cpWhitespace != 0 }
func isLetter(c rune) bool     { return cpFlags(c)&cpLetter != 0 }
func isNumber(c rune) bool     { return cpFlags(c)&cpNumber != 0 }
func isPunct(c rune) bool      { return cpFlags(c)&cpPunct != 0 }

// toLower is the simple (one code point) lowercase mapping.
func toLower(c rune) rune {
	if c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	return unicode.ToLower(c)
}

type nfdRange struct{ first, last, base uint32 }

// nfdBase returns the first code point of the canonical decomposition of c,
// which is what llama.cpp's WordPiece normalizer keeps of an accented letter.
func nfdBase(c rune) rune {
	i := sort.Search(len(nfdRanges), func(i int) bool { return nfdRanges[i].last >= uint32(c) })
	if i < len(nfdRanges) && nfdRanges[i].first <= uint32(c) {
		return rune(nfdRanges[i].base)
	}
	return c
}

// decodeCodePoint decodes one code point at s[i:] the way llama.cpp does: a
// lead byte announces the length and the continuation bytes must look like
// continuation bytes; overlong forms and surrogates are accepted. It returns
// ok=false (and n=1) for a byte that does not start a well-formed sequence.
func decodeCodePoint(s string, i int) (c rune, n int, ok bool) {
	b := s[i]
	switch {
	case b < 0x80:
		return rune(b), 1, true
	case b&0x40 == 0:
		return utf8.RuneError, 1, false
	case b&0x20 == 0:
		if i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			return rune(b&0x1F)<<6 | rune(s[i+1]&0x3F), 2, true
		}
	case b&0x10 == 0:
		if i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			return rune(b&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F), 3, true
		}
	case b&0x08 == 0:
		if i+3 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 && s[i+3]&0xC0 == 0x80 {
			return rune(b&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F), 4, true
		}
	}
	return utf8.RuneError, 1, false
}

// appendCodePoint encodes c as llama.cpp does (surrogates included). Values
// above U+10FFFF, which llama.cpp cannot encode, become U+FFFD.
func appendCodePoint(dst []byte, c rune) []byte {
	switch {
	case c < 0:
		return append(dst, "\uFFFD"...)
	case c < 0x80:
		return append(dst, byte(c))
	case c < 0x800:
		return append(dst, 0xC0|byte(c>>6), 0x80|byte(c)&0x3F)
	case c < 0x10000:
		return append(dst, 0xE0|byte(c>>12), 0x80|byte(c>>6)&0x3F, 0x80|byte(c)&0x3F)
	case c <= maxCodePoint:
		return append(dst, 0xF0|byte(c>>18), 0x80|byte(c>>12)&0x3F, 0x80|byte(c>>6)&0x3F, 0x80|byte(c)&0x3F)
	}
	return append(dst, "\uFFFD"...)
}

// sanitizeUTF8 returns text as llama.cpp's code point pipeline sees it: every
// byte that does not start a well-formed sequence becomes U+FFFD, overlong
// forms are re-encoded in their shortest form. Valid UTF-8 is returned as is.
func sanitizeUTF8(text string, buf []byte) (string, []byte) {
	if utf8.ValidString(text) {
		return text, buf
	}
	buf = buf[:0]
	for i := 0; i < len(text); {
		c, n, ok := decodeCodePoint(text, i)
		if !ok || c > maxCodePoint {
			c = utf8.RuneError
		}
		buf = appendCodePoint(buf, c)
		i += n
	}
	return string(buf), buf
}

// utf8SeqLen is llama.cpp's unicode_len_utf8: the sequence length announced
// by a lead byte (1 for continuation bytes).
func utf8SeqLen(b byte) int {
	return [16]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4}[b>>4]
}
