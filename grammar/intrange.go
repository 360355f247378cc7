package grammar

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxFreeDigits is how many digits an integer without an upper bound may
// have, as in llama.cpp's integer rule ([1-9] [0-9]{0,15}).
const maxFreeDigits = 16

// intBound is an optional integer bound.
type intBound struct {
	set bool
	v   int64
}

// intRangeGBNF returns a GBNF expression that matches the integers in
// [lo, hi] written in canonical decimal: no leading zeros, no "+", no "-0".
// An unset bound leaves that side open, up to maxFreeDigits digits (or the
// other bound's length, if longer). It returns "" if the range is empty.
func intRangeGBNF(lo, hi intBound) string {
	if lo.set && hi.set && lo.v > hi.v {
		return ""
	}
	free := uint64(1)
	for i := 0; i < maxFreeDigits; i++ {
		free *= 10
	}
	free-- // 16 nines
	var alts []string
	// Negative part: magnitudes in [max(1, -hi), -lo].
	if !lo.set || lo.v < 0 {
		magLo := uint64(1)
		if hi.set && hi.v < 0 {
			magLo = negMag(hi.v)
		}
		magHi := max(free, magLo)
		if lo.set {
			magHi = negMag(lo.v)
		} else if magLo > free {
			magHi = 1 << 63
		}
		if magLo <= magHi {
			alts = append(alts, `"-" `+group(uintRangeGBNF(magLo, magHi)))
		}
	}
	// Non-negative part: [max(0, lo), hi].
	if !hi.set || hi.v >= 0 {
		a := uint64(0)
		if lo.set && lo.v > 0 {
			a = uint64(lo.v)
		}
		b := free
		if hi.set {
			b = uint64(hi.v)
		} else if a > free {
			b = math.MaxInt64
		}
		if a <= b {
			alts = append(alts, uintRangeGBNF(a, b))
		}
	}
	return strings.Join(alts, " | ")
}

// negMag returns -v for v < 0 as an unsigned magnitude.
func negMag(v int64) uint64 { return uint64(-(v + 1)) + 1 }

func group(s string) string {
	if strings.ContainsAny(s, " |") {
		return "(" + s + ")"
	}
	return s
}

// uintRangeGBNF matches the non-negative integers in [a, b] (a <= b).
func uintRangeGBNF(a, b uint64) string {
	as, bs := strconv.FormatUint(a, 10), strconv.FormatUint(b, 10)
	var alts []string
	for n := len(as); n <= len(bs); n++ {
		lo, hi := as, bs
		if n > len(as) {
			lo = "1" + strings.Repeat("0", n-1)
		}
		if n < len(bs) {
			hi = strings.Repeat("9", n)
		}
		alts = append(alts, sameLengthRange(lo, hi))
	}
	return strings.Join(alts, " | ")
}

// sameLengthRange matches the digit strings of one length between lo and hi
// inclusive (lo <= hi), digit by digit: the common prefix, then the first
// differing digit split into its lowest value (followed by the range up to
// all nines), the values strictly between (followed by any digits), and its
// highest value (followed by the range from all zeros).
func sameLengthRange(lo, hi string) string {
	if lo == hi {
		return `"` + lo + `"`
	}
	i := 0
	for lo[i] == hi[i] {
		i++
	}
	var b strings.Builder
	if i > 0 {
		b.WriteString(`"` + lo[:i] + `" `)
	}
	rest := len(lo) - i - 1
	if rest == 0 {
		b.WriteString(digitClass(lo[i], hi[i]))
		return b.String()
	}
	loRest, hiRest := lo[i+1:], hi[i+1:]
	zeros, nines := strings.Repeat("0", rest), strings.Repeat("9", rest)
	var alts []string
	first, last := lo[i], hi[i]
	if loRest != zeros {
		alts = append(alts, "["+string(lo[i])+"] "+group(sameLengthRange(loRest, nines)))
		first++
	}
	tail := ""
	if hiRest != nines {
		last--
		tail = "[" + string(hi[i]) + "] " + group(sameLengthRange(zeros, hiRest))
	}
	if first <= last {
		alts = append(alts, digitClass(first, last)+" "+anyDigits(rest))
	}
	if tail != "" {
		alts = append(alts, tail)
	}
	if len(alts) == 1 {
		b.WriteString(alts[0])
	} else {
		b.WriteString("(" + strings.Join(alts, " | ") + ")")
	}
	return b.String()
}

func digitClass(a, b byte) string {
	if a == b {
		return "[" + string(a) + "]"
	}
	return "[" + string(a) + "-" + string(b) + "]"
}

func anyDigits(n int) string {
	if n == 1 {
		return "[0-9]"
	}
	return fmt.Sprintf("[0-9]{%d}", n)
}
