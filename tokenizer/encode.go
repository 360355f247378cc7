package tokenizer

import (
	"math"
	"strings"
	"sync"
)

// encodeState holds the scratch buffers of one Encode call and a word
// cache. Idle states are kept on a free list of the Tokenizer (not a
// sync.Pool, which would drop the caches at every garbage collection), so
// the hot loops allocate nothing once warm and the cache needs no lock.
type encodeState struct {
	frags, frags2  []fragment
	seen           []bool
	splitA, splitB []int
	text           []byte

	// byte-level BPE
	syms  []symbol
	heap  []bigram
	cache map[string]uint64 // word -> offset<<32 | count in arena
	arena []int32

	// WordPiece
	words []int // end offsets of the words in text
}

// Bounds of a state's word cache: when either is reached the cache starts
// over. Longer words are not cached.
const (
	maxCachedWords  = 1 << 16
	maxCachedTokens = 1 << 18
	maxCachedLen    = 256
)

const (
	maxIdleStates  = 8       // states kept for reuse
	maxIdleScratch = 8 << 20 // bytes of scratch buffers an idle state may keep
)

// stateList is a free list of encode states.
type stateList struct {
	mu   sync.Mutex
	free []*encodeState
}

func (t *Tokenizer) getState() *encodeState {
	l := &t.states
	l.mu.Lock()
	if n := len(l.free); n > 0 {
		st := l.free[n-1]
		l.free = l.free[:n-1]
		l.mu.Unlock()
		return st
	}
	l.mu.Unlock()
	return &encodeState{cache: make(map[string]uint64)}
}

func (t *Tokenizer) putState(st *encodeState) {
	// Do not keep the scratch memory of an unusually long text.
	if 8*(cap(st.splitA)+cap(st.splitB)+cap(st.words))+cap(st.text)+
		24*(cap(st.frags)+cap(st.frags2)+cap(st.heap))+20*cap(st.syms) > maxIdleScratch {
		st.frags, st.frags2, st.splitA, st.splitB, st.text, st.syms, st.heap, st.words = nil, nil, nil, nil, nil, nil, nil, nil
	}
	l := &t.states
	l.mu.Lock()
	if len(l.free) < maxIdleStates {
		l.free = append(l.free, st)
	}
	l.mu.Unlock()
}

// Encode tokenizes text. addSpecial adds BOS/EOS (and BERT's SEP) as the
// vocabulary asks for them; parseSpecial turns the text of control tokens
// (e.g. "<|im_start|>") into those tokens instead of tokenizing it as text.
// User-defined tokens are always matched. Invalid UTF-8 is tolerated (it is
// tokenized as llama.cpp would: bytes for SentencePiece, U+FFFD otherwise).
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) []int32 {
	return t.AppendEncode(make([]int32, 0, len(text)/4+4), text, addSpecial, parseSpecial)
}

// AppendEncode is Encode appending to dst.
func (t *Tokenizer) AppendEncode(dst []int32, text string, addSpecial, parseSpecial bool) []int32 {
	st := t.getState()
	defer t.putState(st)
	frags := t.partition(st, text, parseSpecial)
	switch t.kind {
	case KindSPM:
		prevSpecial := true // the first fragment gets the space prefix
		if addSpecial && t.addBOS {
			dst = append(dst, t.bos)
		}
		for _, f := range frags {
			if f.id >= 0 {
				dst = append(dst, f.id)
				prevSpecial = true
				continue
			}
			b := st.text[:0]
			if t.addSpacePrefix && prevSpecial {
				b = append(b, "\u2581"...)
			}
			for i := f.start; i < f.end; i++ {
				if text[i] == ' ' {
					b = append(b, "\u2581"...)
				} else {
					b = append(b, text[i])
				}
			}
			st.text = b
			dst = t.spmEncode(st, b, dst)
			prevSpecial = false
		}
		if addSpecial && t.addEOS {
			dst = append(dst, t.eos)
		}
	case KindBPE:
		if addSpecial && t.addBOS {
			dst = append(dst, t.bos)
		}
		for _, f := range frags {
			if f.id >= 0 {
				dst = append(dst, f.id)
				continue
			}
			dst = t.bpeEncode(st, text[f.start:f.end], dst)
		}
		if addSpecial && t.addEOS {
			dst = append(dst, t.eos)
		}
	case KindWPM:
		if addSpecial && t.bos >= 0 {
			dst = append(dst, t.bos)
		}
		for _, f := range frags {
			if f.id >= 0 {
				dst = append(dst, f.id)
				continue
			}
			dst = t.wpmEncode(st, text[f.start:f.end], dst)
		}
		if addSpecial && t.sep >= 0 {
			dst = append(dst, t.sep)
		}
	}
	return dst
}

// symbol is a piece of the text being merged: text[start:end] (SPM) or the
// bytes word[start:end] (BPE), with id the token or merge-part id (BPE).
// Merged-away symbols have end == start.
type symbol struct {
	start, end int32
	prev, next int32
	id         int32
}

// bigram is a candidate merge of two adjacent symbols. Lower key first:
// BPE's key is the merge rank; SPM's is the negated token score (by bits, see
// spmKey). Ties go to the leftmost pair, as in llama.cpp.
type bigram struct {
	key         int64
	left, right int32
	size        int32 // SPM: byte length of the merged text
	lid, rid    int32 // BPE: ids of the parts when the bigram was made
	result      int32 // BPE: id of the merged symbol
}

func (a *bigram) less(b *bigram) bool {
	return a.key < b.key || a.key == b.key && a.left < b.left
}

func heapPush(h []bigram, x bigram) []bigram {
	h = append(h, x)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(&h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapPop(h []bigram) ([]bigram, bigram) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].less(&h[l]) {
			m = r
		}
		if !h[m].less(&h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return h, top
}

// spmKey orders scores from high to low as int64 keys (an order-preserving
// map of the float32 bits, negated).
func spmKey(score float32) int64 {
	if score == 0 {
		score = 0 // -0 ties with +0
	}
	u := math.Float32bits(score)
	if u&0x80000000 != 0 {
		u = ^u
	} else {
		u |= 0x80000000
	}
	return -int64(u)
}

// spmEncode is llama.cpp's SentencePiece tokenizer on text b (spaces already
// escaped): repeatedly merge the adjacent pair whose concatenation is the
// highest-scoring token. When no token contains "▁" right after another
// character (t.spmSplit), no merge can cross the start of a "▁" run, so the
// text is processed, and cached, one such word at a time with the same
// result.
func (t *Tokenizer) spmEncode(st *encodeState, b []byte, out []int32) []int32 {
	if !t.spmSplit {
		return t.spmMerge(st, b, out)
	}
	// Walk the characters as spmMerge splits them; a word starts at a "▁"
	// whose previous character is not "▁".
	start, prev := 0, 0
	for off := 0; off <= len(b); {
		n := 1
		if off < len(b) {
			n = min(utf8SeqLen(b[off]), len(b)-off)
		}
		if off == len(b) || off > 0 && n == 3 && b[off] == 0xE2 && b[off+1] == 0x96 && b[off+2] == 0x81 &&
			!(off-prev == 3 && isSpaceMark(b[:off])) {
			if seg := b[start:off]; len(seg) > 0 {
				if v, ok := st.cache[string(seg)]; ok {
					out = append(out, st.arena[v>>32:v>>32+v&0xFFFFFFFF]...)
				} else {
					k := len(out)
					out = t.spmMerge(st, seg, out)
					if len(seg) <= maxCachedLen {
						st.remember(string(seg), out[k:])
					}
				}
			}
			start = off
		}
		prev = off
		off += n
	}
	return out
}

// isSpaceMark reports whether b ends with "▁".
func isSpaceMark(b []byte) bool {
	n := len(b)
	return n >= 3 && b[n-3] == 0xE2 && b[n-2] == 0x96 && b[n-1] == 0x81
}

// spmMerge runs the merge loop on b.
func (t *Tokenizer) spmMerge(st *encodeState, b []byte, out []int32) []int32 {
	syms := st.syms[:0]
	for off := 0; off < len(b); {
		n := min(utf8SeqLen(b[off]), len(b)-off)
		i := int32(len(syms))
		next := i + 1
		if off+n == len(b) {
			next = -1
		}
		syms = append(syms, symbol{start: int32(off), end: int32(off + n), prev: i - 1, next: next})
		off += n
	}
	if len(syms) == 0 {
		st.syms = syms
		return out
	}
	h := st.heap[:0]
	try := func(l, r int32) {
		if l < 0 || r < 0 {
			return
		}
		s, e := syms[l].start, syms[r].end
		id, ok := t.ids[string(b[s:e])]
		if !ok {
			return
		}
		h = heapPush(h, bigram{key: spmKey(t.scores[id]), left: l, right: r, size: e - s})
	}
	for i := int32(1); i < int32(len(syms)); i++ {
		try(i-1, i)
	}
	for len(h) > 0 {
		var bg bigram
		h, bg = heapPop(h)
		l, r := &syms[bg.left], &syms[bg.right]
		if l.end == l.start || r.end == r.start || (l.end-l.start)+(r.end-r.start) != bg.size {
			continue
		}
		l.end = r.end
		r.end = r.start
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = bg.left
		}
		try(l.prev, bg.left)
		try(bg.left, l.next)
	}
	for i := int32(0); i != -1; i = syms[i].next {
		s := b[syms[i].start:syms[i].end]
		if id, ok := t.ids[string(s)]; ok {
			out = append(out, id)
			continue
		}
		for _, c := range s {
			if id := t.byteToken[c]; id >= 0 {
				out = append(out, id)
			} else if t.unk >= 0 {
				out = append(out, t.unk)
			}
		}
	}
	st.syms, st.heap = syms, h
	return out
}

// bpeEncode tokenizes one raw text fragment with byte-level BPE.
func (t *Tokenizer) bpeEncode(st *encodeState, text string, out []int32) []int32 {
	text, st.text = sanitizeUTF8(text, st.text)
	var pieces []int
	pieces, st.splitB = t.preTok.run(text, st.splitA, st.splitB)
	st.splitA = pieces
	off := 0
	for _, n := range pieces {
		out = t.bpeWord(st, text[off:off+n], out)
		off += n
	}
	return out
}

// bpeWord encodes one pre-tokenized word, through the state's cache.
func (t *Tokenizer) bpeWord(st *encodeState, word string, out []int32) []int32 {
	if v, ok := st.cache[word]; ok {
		return append(out, st.arena[v>>32:v>>32+v&0xFFFFFFFF]...)
	}
	start := len(out)
	out = t.bpeMerge(st, word, out)
	if len(word) <= maxCachedLen {
		st.remember(strings.Clone(word), out[start:])
	}
	return out
}

// remember caches the tokens of a word; key must not alias the input text.
func (st *encodeState) remember(key string, ids []int32) {
	if len(st.cache) >= maxCachedWords || len(st.arena)+len(ids) > maxCachedTokens {
		clear(st.cache)
		st.arena = st.arena[:0]
	}
	st.cache[key] = uint64(len(st.arena))<<32 | uint64(len(ids))
	st.arena = append(st.arena, ids...)
}

// bpeMerge runs the merge loop on the bytes of word.
func (t *Tokenizer) bpeMerge(st *encodeState, word string, out []int32) []int32 {
	if t.ignoreMerges {
		b := st.text[:0]
		for i := 0; i < len(word); i++ {
			b = appendCodePoint(b, byteToRune[word[i]])
		}
		st.text = b
		if id, ok := t.ids[string(b)]; ok {
			return append(out, id)
		}
	}
	syms := st.syms[:0]
	for i := 0; i < len(word); i++ {
		next := int32(i + 1)
		if i+1 == len(word) {
			next = -1
		}
		syms = append(syms, symbol{start: int32(i), end: int32(i + 1), prev: int32(i - 1), next: next, id: t.byteSym[word[i]]})
	}
	h := st.heap[:0]
	try := func(l, r int32) {
		if l < 0 || r < 0 || syms[l].id < 0 || syms[r].id < 0 {
			return
		}
		m, ok := t.merges[uint64(uint32(syms[l].id))<<32|uint64(uint32(syms[r].id))]
		if !ok {
			return
		}
		h = heapPush(h, bigram{key: int64(m >> 32), left: l, right: r, lid: syms[l].id, rid: syms[r].id, result: int32(uint32(m))})
	}
	for i := int32(1); i < int32(len(syms)); i++ {
		try(i-1, i)
	}
	for len(h) > 0 {
		var bg bigram
		h, bg = heapPop(h)
		l, r := &syms[bg.left], &syms[bg.right]
		if l.end == l.start || r.end == r.start || l.id != bg.lid || r.id != bg.rid {
			continue
		}
		l.end = r.end
		l.id = bg.result
		r.end = r.start
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = bg.left
		}
		try(l.prev, bg.left)
		try(bg.left, l.next)
	}
	for i := int32(0); i != -1 && len(syms) > 0; i = syms[i].next {
		s := &syms[i]
		if s.id >= 0 && int(s.id) < len(t.texts) {
			out = append(out, s.id)
			continue
		}
		// Not a token: llama.cpp looks up each byte of the symbol's
		// byte-level text as a one-byte token.
		var enc [4]byte
		for _, c := range []byte(word[s.start:s.end]) {
			for _, e := range appendCodePoint(enc[:0], byteToRune[c]) {
				if id, ok := t.ids[string([]byte{e})]; ok {
					out = append(out, id)
				}
			}
		}
	}
	st.syms, st.heap = syms, h
	return out
}

// isChineseChar is BERT's test for CJK ideographs.
func isChineseChar(c rune) bool {
	return c >= 0x4E00 && c <= 0x9FFF || c >= 0x3400 && c <= 0x4DBF || c >= 0x20000 && c <= 0x2A6DF ||
		c >= 0x2A700 && c <= 0x2B73F || c >= 0x2B740 && c <= 0x2B81F || c >= 0x2B920 && c <= 0x2CEAF ||
		c >= 0xF900 && c <= 0xFAFF || c >= 0x2F800 && c <= 0x2FA1F
}

// wpmEncode is llama.cpp's WordPiece tokenizer: BERT normalization and word
// splitting, then greedy longest-match of "▁"+word.
func (t *Tokenizer) wpmEncode(st *encodeState, text string, out []int32) []int32 {
	b := append(st.text[:0], "\u2581"...) // every word is stored after a "▁"
	words := st.words[:0]
	wordStart := len(b)
	endWord := func() {
		if len(b) > wordStart {
			words = append(words, len(b))
			b = append(b, "\u2581"...)
			wordStart = len(b)
		}
	}
	for i := 0; i < len(text); {
		c, n, ok := decodeCodePoint(text, i)
		i += n
		if !ok || c > maxCodePoint {
			c = 0xFFFD
		}
		if t.stripAccents {
			c = nfdBase(c)
		}
		f := cpFlags(c)
		if f&cpWhitespace != 0 {
			endWord()
			continue
		}
		if c == 0 || c == 0xFFFD || f&cpControl != 0 {
			continue
		}
		if t.stripAccents && f&cpMark != 0 {
			continue
		}
		lc := c
		if t.lowercase {
			lc = toLower(c)
		}
		if f&cpPunct != 0 || c < 0x7F && f&cpSymbol != 0 || isChineseChar(c) {
			endWord()
			b = appendCodePoint(b, lc)
			endWord()
			continue
		}
		b = appendCodePoint(b, lc)
	}
	endWord()
	st.text, st.words = b, words

	start := 0
	for _, end := range words {
		w := b[start:end] // "▁" + word
		start = end
		before := len(out)
		for i := 0; i < len(w); {
			j := min(len(w), i+t.maxTokenLen+1)
			for ; j > i; j-- {
				if id, ok := t.ids[string(w[i:j])]; ok {
					out = append(out, id)
					break
				}
			}
			if j == i {
				out = out[:before]
				break
			}
			i = j
		}
		if len(out) == before && t.unk >= 0 {
			out = append(out, t.unk)
		}
	}
	return out
}
