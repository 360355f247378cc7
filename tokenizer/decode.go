package tokenizer

import (
	"unicode/utf8"
)

// Piece returns the bytes a token stands for, with llama_token_to_piece's
// semantics: SentencePiece "▁" becomes a space, byte tokens become their
// byte, byte-level BPE characters become the bytes they encode. Control and
// unknown tokens render as their text only when special is true; unused
// tokens render as nothing. A piece may be part of a UTF-8 sequence.
func (t *Tokenizer) Piece(id int32, special bool) []byte {
	return t.AppendPiece(nil, id, special)
}

// AppendPiece appends Piece(id, special) to dst.
func (t *Tokenizer) AppendPiece(dst []byte, id int32, special bool) []byte {
	if !t.valid(id) {
		return dst
	}
	a := t.attrs[id]
	if !special && a&(AttrUnknown|AttrControl) != 0 {
		return dst
	}
	text := t.texts[id]
	switch {
	case a&(AttrUnknown|AttrControl|AttrUserDefined) != 0:
		return append(dst, text...)
	case a&AttrNormal != 0:
		if t.kind == KindBPE {
			return appendByteLevel(dst, text)
		}
		return appendUnescaped(dst, text)
	case a&AttrByte != 0:
		return append(dst, byteTokenValue(text))
	}
	return dst
}

// appendUnescaped appends s with every "▁" replaced by a space.
func appendUnescaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0xE2 && i+2 < len(s) && s[i+1] == 0x96 && s[i+2] == 0x81 {
			dst = append(dst, ' ')
			i += 2
			continue
		}
		dst = append(dst, s[i])
	}
	return dst
}

// appendByteLevel appends the bytes that the GPT-2 byte characters of s
// stand for. Characters that are not byte characters are written the way
// llama.cpp does, as "[UNK_BYTE_0x<hex of the character>" + s + "]".
func appendByteLevel(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c, n, ok := decodeCodePoint(s, i)
		if !ok {
			c = utf8.RuneError
		}
		if b, isByte := byteRuneOf(c); isByte && ok {
			dst = append(dst, b)
		} else {
			var enc [4]byte
			dst = append(dst, "[UNK_BYTE_0x"...)
			for _, e := range appendCodePoint(enc[:0], c) {
				dst = append(dst, "0123456789abcdef"[e>>4], "0123456789abcdef"[e&15])
			}
			dst = append(dst, s...)
			dst = append(dst, ']')
		}
		i += n
	}
	return dst
}

// byteTokenValue parses the byte of a "<0xNN>" token.
func byteTokenValue(s string) byte {
	if len(s) < 5 {
		return 0
	}
	var v byte
	for _, c := range []byte(s[3:5]) {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= c - '0'
		case c >= 'a' && c <= 'f':
			v |= c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v |= c - 'A' + 10
		}
	}
	return v
}

// Detokenize turns tokens back into text as llama_detokenize does.
// removeSpecial drops a leading BOS and trailing EOS that the vocabulary
// adds; unparseSpecial renders control tokens as their text. The space
// SentencePiece puts in front of the text is removed, and vocabularies that
// ask for it get their spaces cleaned up (" ," → ",", " 's" → "'s", …). Invalid
// ids are skipped.
func (t *Tokenizer) Detokenize(ids []int32, removeSpecial, unparseSpecial bool) string {
	removeSpace := t.addSpacePrefix
	if removeSpecial && t.addBOS && len(ids) > 0 && ids[0] == t.bos {
		removeSpace = false
		ids = ids[1:]
	}
	if removeSpecial && t.addEOS && len(ids) > 0 && ids[len(ids)-1] == t.eos {
		ids = ids[:len(ids)-1]
	}
	var b []byte
	for _, id := range ids {
		n := len(b)
		b = t.AppendPiece(b, id, unparseSpecial)
		if removeSpace && len(b) > n && b[n] == ' ' {
			b = append(b[:n], b[n+1:]...)
		}
		removeSpace = false
	}
	if t.cleanSpaces {
		b = cleanSpaces(b)
	}
	return string(b)
}

// Decode returns the text of generated tokens: Detokenize without control
// tokens and without removing BOS/EOS (they render as nothing anyway).
func (t *Tokenizer) Decode(ids []int32) string {
	return t.Detokenize(ids, false, false)
}

// cleanSpaces is clean_up_tokenization_spaces as llama.cpp implements it.
func cleanSpaces(b []byte) []byte {
	// " ?", " !", " .", " ,": drop the space.
	n := len(b)
	w := min(n, 1)
	for i := 1; i < n; i++ {
		x := b[i]
		if b[i-1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') {
			w--
		}
		b[w] = x
		w++
	}
	b = b[:w]
	// " ' ": drop both spaces around a lone apostrophe.
	n = len(b)
	w = min(n, 1)
	for i := 1; i < n; i++ {
		x := b[i]
		if x == '\'' && i+1 < n && b[i-1] == ' ' && b[i+1] == ' ' {
			w--
			i++
			b[i] = 0 // as llama.cpp: the dropped space no longer counts as one
		}
		b[w] = x
		w++
	}
	b = b[:w]
	// " 's", " 'm", " 're", " 've": drop the space.
	n = len(b)
	w = min(n, 1)
	for i := 1; i < n; i++ {
		x := b[i]
		if b[i-1] == ' ' && x == '\'' && i+1 < n {
			x1 := b[i+1]
			switch {
			case x1 == 's' || x1 == 'm':
				w--
			case i+2 < n && (x1 == 'r' || x1 == 'v') && b[i+2] == 'e':
				w--
			}
		}
		b[w] = x
		w++
	}
	return b[:w]
}

// StreamDecoder turns generated tokens into text as they come, never
// splitting a UTF-8 character: bytes of an incomplete character are held
// until the rest arrives. Invalid bytes come out as U+FFFD.
type StreamDecoder struct {
	t       *Tokenizer
	special bool
	pending []byte
}

// NewStreamDecoder returns a decoder rendering control tokens as text when
// special is true.
func (t *Tokenizer) NewStreamDecoder(special bool) *StreamDecoder {
	return &StreamDecoder{t: t, special: special}
}

// Add appends the piece of id and returns the text that is now complete.
func (d *StreamDecoder) Add(id int32) string {
	d.pending = d.t.AppendPiece(d.pending, id, d.special)
	cut := completePrefix(d.pending)
	if cut == 0 {
		return ""
	}
	s := toValidUTF8(d.pending[:cut])
	d.pending = append(d.pending[:0], d.pending[cut:]...)
	return s
}

// Flush returns whatever is held back (an incomplete character comes out as
// U+FFFD) and resets the decoder.
func (d *StreamDecoder) Flush() string {
	s := toValidUTF8(d.pending)
	d.pending = d.pending[:0]
	return s
}

// Pending reports whether bytes of an incomplete character are held back.
func (d *StreamDecoder) Pending() bool { return len(d.pending) > 0 }

// completePrefix returns the length of b without a trailing sequence that
// is the valid beginning of a multi-byte character.
func completePrefix(b []byte) int {
	for k := len(b) - 1; k >= 0 && k >= len(b)-3; k-- {
		c := b[k]
		if c < 0x80 {
			return len(b)
		}
		if c < 0xC0 {
			continue // continuation byte: look further back for the lead
		}
		need := utf8SeqLen(c)
		if c >= 0xF8 || len(b)-k >= need {
			return len(b)
		}
		if validPrefix(b[k:]) {
			return k
		}
		return len(b)
	}
	return len(b)
}

// validPrefix reports whether p (shorter than its announced length) can be
// completed into a valid UTF-8 character.
func validPrefix(p []byte) bool {
	lo, hi := byte(0x80), byte(0xBF)
	switch p[0] {
	case 0xE0:
		lo = 0xA0
	case 0xED:
		hi = 0x9F
	case 0xF0:
		lo = 0x90
	case 0xF4:
		hi = 0x8F
	}
	if p[0] < 0xC2 || p[0] > 0xF4 {
		return false
	}
	for i := 1; i < len(p); i++ {
		if i == 1 && (p[i] < lo || p[i] > hi) || p[i]&0xC0 != 0x80 {
			return false
		}
	}
	return true
}

// toValidUTF8 converts b to a string with every invalid byte replaced by
// U+FFFD.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return string(out)
}
