package tokenizer

// Pre-tokenizers of byte-level BPE. llama.cpp describes each one as a list
// of regular expressions applied in turn: every expression splits each
// fragment left by the previous one into its matches and the text between
// them. The stages below implement those expressions by hand on code points,
// with the semantics llama.cpp's engines give them (its custom GPT-2 and
// Llama 3 splitters; std::regex for the others, where \s matches exactly the
// Unicode White_Space characters and \p{X} the general category X).
//
// A stage appends the byte lengths of the pieces of fragment s to out.

type stage func(s string, out []int) []int

// preTokenizer is a sequence of stages.
type preTokenizer []stage

// preConfig is what a tokenizer.ggml.pre value selects.
type preConfig struct {
	split        preTokenizer
	ignoreMerges bool // a word that is a token is not merged (Llama 3)
	addBOS       bool // default of add_bos_token
	keepSpaces   bool // no clean-up of spaces when detokenizing
	noBOS        bool // no default BOS token
	addSep       bool
}

var (
	splitLlama3        = preTokenizer{llama3Stage(3)}
	splitQwen2         = preTokenizer{llama3Stage(1)}
	splitGPT2          = preTokenizer{gpt2Stage}
	splitStarcoder     = preTokenizer{eachStage(isNumber), gpt2Stage}
	splitFalcon        = preTokenizer{runStage(isFalconPunct), gpt2Stage, digitTriplesStage}
	splitDefault       = preTokenizer{runStage(isDefaultPunct), gpt2Stage, runStage(isNumber), digitTriplesStage}
	splitDeepseekCoder = preTokenizer{eachStage(isCRLF), wsRunStage(isLetter), wsRunStage(isPunct), runStage(isDeepseekCJK), eachStage(isNumber)}
	splitDeepseekLLM   = preTokenizer{eachStage(isCRLF), wsRunStage(isDeepseekLetter), wsRunStage(isDeepseekPunct),
		trailingSpaceStage, runStage(isDeepseekCJK), runStage(isNumber)}
	splitBloom  = preTokenizer{spaceRunStage(isBloomWordChar)}
	splitViking = preTokenizer{spaceRunStage(isBloomWordChar), eachStage(isNumber)}
)

// preTokenizers maps tokenizer.ggml.pre to its configuration, for the values
// whose expressions are implemented here.
var preTokenizers = map[string]preConfig{
	"default": {split: splitDefault},

	"llama3":       {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"llama-v3":     {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"llama-bpe":    {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"falcon3":      {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"falcon-h1":    {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"pixtral":      {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"midm-2.0":     {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"lfm2":         {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"jina-v5-nano": {split: splitLlama3, ignoreMerges: true, addBOS: true},
	"dbrx":         {split: splitLlama3},
	"smaug-bpe":    {split: splitLlama3},
	"glm4":         {split: splitLlama3, noBOS: true},
	"chatglm-bpe":  {split: splitLlama3, noBOS: true},

	"qwen2":            {split: splitQwen2, keepSpaces: true},
	"deepseek-r1-qwen": {split: splitQwen2, keepSpaces: true},
	"kormo":            {split: splitQwen2, keepSpaces: true},
	"f2llmv2":          {split: splitQwen2, keepSpaces: true},
	"stablelm2":        {split: splitQwen2},
	"megrez":           {split: splitQwen2},
	"hunyuan":          {split: splitQwen2, keepSpaces: true},
	"solar-open":       {split: splitQwen2, keepSpaces: true},
	"grok-2":           {split: splitQwen2, keepSpaces: true},

	"gpt-2":           {split: splitGPT2},
	"phi-2":           {split: splitGPT2},
	"jina-es":         {split: splitGPT2},
	"jina-de":         {split: splitGPT2},
	"gigachat":        {split: splitGPT2},
	"jina-v2-es":      {split: splitGPT2},
	"jina-v2-de":      {split: splitGPT2},
	"a.x-4.0":         {split: splitGPT2},
	"mellum":          {split: splitGPT2},
	"modern-bert":     {split: splitGPT2},
	"exaone4":         {split: splitGPT2},
	"jina-v1-en":      {split: splitGPT2, addSep: true},
	"jina-v2-code":    {split: splitGPT2, addSep: true},
	"roberta-bpe":     {split: splitGPT2, addSep: true},
	"mpt":             {split: splitGPT2},
	"olmo":            {split: splitGPT2},
	"jais":            {split: splitGPT2},
	"trillion":        {split: splitGPT2, keepSpaces: true},
	"granite-docling": {split: splitGPT2, keepSpaces: true},

	"starcoder":  {split: splitStarcoder},
	"refact":     {split: splitStarcoder},
	"command-r":  {split: splitStarcoder, keepSpaces: true},
	"smollm":     {split: splitStarcoder, keepSpaces: true},
	"codeshell":  {split: splitStarcoder},
	"exaone":     {split: splitStarcoder},
	"minerva-7b": {split: splitStarcoder},
	"mellum2":    {split: splitStarcoder},

	"falcon":         {split: splitFalcon},
	"bloom":          {split: splitBloom},
	"gpt3-finnish":   {split: splitBloom},
	"poro-chat":      {split: splitBloom, keepSpaces: true},
	"viking":         {split: splitViking, keepSpaces: true},
	"deepseek-llm":   {split: splitDeepseekLLM, keepSpaces: true},
	"deepseek-coder": {split: splitDeepseekCoder, keepSpaces: true},
}

// run splits text with every stage in turn and returns the byte lengths of
// the final pieces in order. a and b are scratch buffers.
func (p preTokenizer) run(text string, a, b []int) (pieces, spare []int) {
	if len(p) == 1 {
		return p[0](text, a[:0]), b
	}
	cur := append(a[:0], len(text))
	next := b[:0]
	for _, st := range p {
		next = next[:0]
		off := 0
		for _, n := range cur {
			next = st(text[off:off+n], next)
			off += n
		}
		cur, next = next, cur
	}
	return cur, next
}

// cpAt decodes the code point at s[i:]. Text reaching the pre-tokenizer has
// been through sanitizeUTF8, so every sequence decodes.
func cpAt(s string, i int) (rune, int) {
	if b := s[i]; b < 0x80 {
		return rune(b), 1
	}
	return cpAtSlow(s, i)
}

func cpAtSlow(s string, i int) (rune, int) {
	c, n, _ := decodeCodePoint(s, i)
	return c, n
}

// flagsAt returns the code point at s[i:], its length and its class bits.
func flagsAt(s string, i int) (rune, int, uint8) {
	if b := s[i]; b < 0x80 {
		return rune(b), 1, cpFlagsTable[b]
	}
	c, n := cpAtSlow(s, i)
	return c, n, cpFlags(c)
}

// scan returns the end of the run starting at j of characters whose class
// bits satisfy (f&mask != 0) != negate.
func scan(s string, j int, mask uint8, negate bool) int {
	tab := cpFlagsTable
	for j < len(s) {
		if b := s[j]; b < 0x80 {
			if (tab[b]&mask != 0) == negate {
				break
			}
			j++
			continue
		}
		c, n := cpAtSlow(s, j)
		if (cpFlags(c)&mask != 0) == negate {
			break
		}
		j += n
	}
	return j
}

// flagsNext returns the class bits of the character at s[j:], or 0 at the
// end of s.
func flagsNext(s string, j int) uint8 {
	if j >= len(s) {
		return 0
	}
	_, _, f := flagsAt(s, j)
	return f
}

// isContraction matches 's 't 're 've 'm 'll 'd after the apostrophe at i
// (case-insensitively if fold) and returns the end of the match, or -1.
func isContraction(s string, i int, fold bool) int {
	j := i + 1
	if j >= len(s) {
		return -1
	}
	c1, n1 := cpAt(s, j)
	if fold {
		c1 = toLower(c1)
	}
	if c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd' {
		return j + n1
	}
	if j+n1 >= len(s) {
		return -1
	}
	c2, n2 := cpAt(s, j+n1)
	if fold {
		c2 = toLower(c2)
	}
	if c1 == 'r' && c2 == 'e' || c1 == 'v' && c2 == 'e' || c1 == 'l' && c2 == 'l' {
		return j + n1 + n2
	}
	return -1
}

// whitespaceEnd handles a whitespace run at i: \s+(?!\S) leaves the last
// whitespace character for the next word unless the run ends the text; with
// newlines (crlf, Llama 3's \s*[\r\n]+) the run ends after its last CR/LF.
func whitespaceEnd(s string, i int, crlf bool) int {
	end, last, count, lastNL := i, i, 0, -1
	for end < len(s) {
		c, n, f := flagsAt(s, end)
		if f&cpWhitespace == 0 {
			break
		}
		last = end
		end += n
		count++
		if c == '\r' || c == '\n' {
			lastNL = end
		}
	}
	switch {
	case crlf && lastNL >= 0:
		return lastNL
	case count > 1 && end < len(s):
		return last
	case count > 0:
		return end
	}
	_, n := cpAt(s, i)
	return i + n
}

const lnw = cpLetter | cpNumber | cpWhitespace

// gpt2Stage is GPT-2's expression
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func gpt2Stage(s string, out []int) []int {
	for i := 0; i < len(s); {
		c, n, f := flagsAt(s, i)
		end := -1
		if c == '\'' {
			end = isContraction(s, i, false)
		}
		if end < 0 {
			// The class of the character after an optional leading space.
			j, inRange := i, true
			if c == ' ' {
				j = i + n
				inRange = j < len(s)
				f = flagsNext(s, j)
			}
			switch {
			case !inRange:
			case f&cpLetter != 0:
				end = scan(s, j, cpLetter, false)
			case f&cpNumber != 0:
				end = scan(s, j, cpNumber, false)
			case f&lnw == 0:
				end = scan(s, j, lnw, true)
			}
		}
		if end < 0 {
			end = whitespaceEnd(s, i, false)
		}
		out = append(out, end-i)
		i = end
	}
	return out
}

// llama3Stage is Llama 3's expression (maxDigits 3) or Qwen2's (maxDigits 1):
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//	 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func llama3Stage(maxDigits int) stage {
	return func(s string, out []int) []int {
		for i := 0; i < len(s); {
			c, n, f := flagsAt(s, i)
			if c == '\'' {
				if end := isContraction(s, i, true); end >= 0 {
					out = append(out, end-i)
					i = end
					continue
				}
			}
			// [^\r\n\p{L}\p{N}]?\p{L}+
			if f&cpLetter != 0 || c != '\r' && c != '\n' && f&cpNumber == 0 && flagsNext(s, i+n)&cpLetter != 0 {
				end := scan(s, i+n, cpLetter, false)
				out = append(out, end-i)
				i = end
				continue
			}
			// \p{N}{1,maxDigits}
			if f&cpNumber != 0 {
				end := scan(s, i, cpNumber, false)
				for i < end {
					j := i
					for k := 0; k < maxDigits && j < end; k++ {
						_, n1 := cpAt(s, j)
						j += n1
					}
					out = append(out, j-i)
					i = j
				}
				continue
			}
			// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
			j, f2 := i, f
			if c == ' ' {
				j = i + n
				f2 = flagsNext(s, j)
			}
			if f2&lnw == 0 {
				end := scan(s, j, lnw, true)
				for end < len(s) && (s[end] == '\r' || s[end] == '\n') {
					end++
				}
				out = append(out, end-i)
				i = end
				continue
			}
			end := whitespaceEnd(s, i, true)
			out = append(out, end-i)
			i = end
		}
		return out
	}
}

// eachStage makes every character satisfying pred a piece of its own
// (an expression matching exactly one such character, e.g. \p{N}).
func eachStage(pred func(rune) bool) stage {
	return func(s string, out []int) []int {
		gap := 0
		for i := 0; i < len(s); {
			c, n := cpAt(s, i)
			if pred(c) {
				if i > gap {
					out = append(out, i-gap)
				}
				out = append(out, n)
				gap = i + n
			}
			i += n
		}
		if gap < len(s) {
			out = append(out, len(s)-gap)
		}
		return out
	}
}

// runStage makes every maximal run of characters satisfying pred a piece
// (an expression [class]+).
func runStage(pred func(rune) bool) stage {
	return func(s string, out []int) []int {
		gap := 0
		for i := 0; i < len(s); {
			c, n := cpAt(s, i)
			if !pred(c) {
				i += n
				continue
			}
			j := i + n
			for j < len(s) {
				c1, n1 := cpAt(s, j)
				if !pred(c1) {
					break
				}
				j += n1
			}
			if i > gap {
				out = append(out, i-gap)
			}
			out = append(out, j-i)
			gap, i = j, j
		}
		if gap < len(s) {
			out = append(out, len(s)-gap)
		}
		return out
	}
}

// wsRunStage is \s?[class]+: a run with an optional whitespace character in
// front.
func wsRunStage(pred func(rune) bool) stage {
	return func(s string, out []int) []int {
		gap := 0
		for i := 0; i < len(s); {
			c, n := cpAt(s, i)
			j := -1
			switch {
			case isWhitespace(c) && i+n < len(s):
				if c1, n1 := cpAt(s, i+n); pred(c1) {
					j = i + n + n1
				} else if pred(c) {
					j = i + n
				}
			case pred(c):
				j = i + n
			}
			if j < 0 {
				i += n
				continue
			}
			for j < len(s) {
				c1, n1 := cpAt(s, j)
				if !pred(c1) {
					break
				}
				j += n1
			}
			if i > gap {
				out = append(out, i-gap)
			}
			out = append(out, j-i)
			gap, i = j, j
		}
		if gap < len(s) {
			out = append(out, len(s)-gap)
		}
		return out
	}
}

// spaceRunStage is " ?[class]+": a run with an optional space in front.
func spaceRunStage(pred func(rune) bool) stage {
	return func(s string, out []int) []int {
		gap := 0
		for i := 0; i < len(s); {
			c, n := cpAt(s, i)
			j := -1
			if c == ' ' && i+n < len(s) {
				if c1, n1 := cpAt(s, i+n); pred(c1) {
					j = i + n + n1
				}
			}
			if j < 0 && pred(c) {
				j = i + n
			}
			if j < 0 {
				i += n
				continue
			}
			for j < len(s) {
				c1, n1 := cpAt(s, j)
				if !pred(c1) {
					break
				}
				j += n1
			}
			if i > gap {
				out = append(out, i-gap)
			}
			out = append(out, j-i)
			gap, i = j, j
		}
		if gap < len(s) {
			out = append(out, len(s)-gap)
		}
		return out
	}
}

// isBloomWordChar is BLOOM's class [^(\s|.,!?…。，、।۔،)].
func isBloomWordChar(c rune) bool {
	switch regexChar(c) {
	case '(', '|', '.', ',', '!', '?', '…', '。', '，', '、', '।', '۔', '،', ')':
		return false
	}
	return !isWhitespace(c)
}

// trailingSpaceStage is \s+$: trailing whitespace becomes a piece.
func trailingSpaceStage(s string, out []int) []int {
	i := len(s)
	for i > 0 {
		// Step back over one code point (continuation bytes first).
		j := i - 1
		for j > 0 && s[j]&0xC0 == 0x80 && i-j < 4 {
			j--
		}
		c, n := cpAt(s, j)
		if j+n != i || !isWhitespace(c) {
			break
		}
		i = j
	}
	if i > 0 {
		out = append(out, i)
	}
	if i < len(s) {
		out = append(out, len(s)-i)
	}
	return out
}

// digitTriplesStage is [0-9][0-9][0-9].
func digitTriplesStage(s string, out []int) []int {
	isDigit := func(b byte) bool { return b >= '0' && b <= '9' }
	gap := 0
	for i := 0; i < len(s); {
		if i+3 <= len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
			if i > gap {
				out = append(out, i-gap)
			}
			out = append(out, 3)
			i += 3
			gap = i
			continue
		}
		_, n := cpAt(s, i)
		i += n
	}
	if gap < len(s) {
		out = append(out, len(s)-gap)
	}
	return out
}

func isCRLF(c rune) bool { return c == '\r' || c == '\n' }

// isFalconPunct is [\p{P}\$\+<=>\^~\|`].
func isFalconPunct(c rune) bool {
	switch c {
	case '$', '+', '<', '=', '>', '^', '~', '|', '`':
		return true
	}
	return isPunct(c)
}

// isDefaultPunct is [\p{P}\$\+<=>\^~\|].
func isDefaultPunct(c rune) bool {
	switch c {
	case '$', '+', '<', '=', '>', '^', '~', '|':
		return true
	}
	return isPunct(c)
}

// regexChar is the character std::wregex sees for c in llama.cpp: non-ASCII
// whitespace is replaced by a vertical tab so that \s matches it.
func regexChar(c rune) rune {
	if c > 0x7F && isWhitespace(c) {
		return 0x0B
	}
	return c
}

func inRanges(c rune, r [][2]rune) bool {
	for _, x := range r {
		if c < x[0] {
			return false
		}
		if c <= x[1] {
			return true
		}
	}
	return false
}

// deepseekCJK is [一-龥ࠀ-一가-퟿] (U+4E00–U+9FA5, U+0800–U+4E00, U+AC00–U+D7FF).
func isDeepseekCJK(c rune) bool {
	c = regexChar(c)
	return c >= 0x0800 && c <= 0x9FA5 || c >= 0xAC00 && c <= 0xD7FF
}

// deepseekPunct is [!-/:-~！-／：-～‘-‟　-。].
var deepseekPunct = [][2]rune{{'!', '/'}, {':', '~'}, {0x2018, 0x201F}, {0x3000, 0x3002}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E}}

func isDeepseekPunct(c rune) bool { return inRanges(regexChar(c), deepseekPunct) }

// deepseekLetters is the letter class of DeepSeek LLM's second expression
// (cased letters of a few scripts).
var deepseekLetters = [][2]rune{
	{0x41, 0x5A}, {0x61, 0x7A}, {0xB5, 0xB5}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x1BA}, {0x1BC, 0x1BF},
	{0x1C4, 0x293}, {0x295, 0x2AF}, {0x370, 0x373}, {0x376, 0x377}, {0x37B, 0x37D}, {0x37F, 0x37F},
	{0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481},
	{0x48A, 0x52F}, {0x531, 0x556}, {0x10A0, 0x10C5}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1C90, 0x1CBA},
	{0x1CBD, 0x1CBF}, {0x1D00, 0x1D2B}, {0x1D6B, 0x1D77}, {0x1D79, 0x1D9A}, {0x1E00, 0x1F15}, {0x1F18, 0x1F1D},
	{0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D},
	{0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC},
	{0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2102, 0x2102},
	{0x2107, 0x2107}, {0x210A, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126},
	{0x2128, 0x2128}, {0x212A, 0x212D}, {0x212F, 0x2134}, {0x2139, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149},
	{0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2C7B}, {0x2C7E, 0x2CE4}, {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3},
	{0xA640, 0xA66D}, {0xA680, 0xA69B}, {0xA722, 0xA76F}, {0xA771, 0xA787}, {0xA78B, 0xA78E}, {0xAB70, 0xABBF},
	{0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0x10400, 0x1044F}, {0x104B0, 0x104D3},
	{0x104D8, 0x104FB}, {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
}

func isDeepseekLetter(c rune) bool { return inRanges(regexChar(c), deepseekLetters) }
