package tokenizer

import "strings"

// Cutting special tokens out of the text before tokenization, as llama.cpp's
// tokenizer_st_partition does: the special tokens are taken longest first;
// each one splits every remaining text fragment at all of its (leftmost,
// non-overlapping) occurrences. With parse_special off only user-defined
// tokens are cut out. LSTRIP drops ASCII whitespace before an occurrence,
// RSTRIP after it.

// fragment is a piece of the input: a token (id >= 0) or the raw text
// text[start:end] (id < 0).
type fragment struct {
	start, end int
	id         int32
}

// trie finds which special tokens occur in a text with one scan.
type trie struct {
	nodes []trieNode
	first [256]bool // bytes that start a special token
	empty bool
}

type trieNode struct {
	next  map[byte]int32
	token int32 // index into Tokenizer.special, or -1
}

// newTrie indexes the special tokens for which keep is true.
func newTrie(texts []string, special []int32, keep func(int32) bool) trie {
	tr := trie{nodes: []trieNode{{token: -1}}, empty: true}
	for k, id := range special {
		if !keep(id) {
			continue
		}
		tr.empty = false
		s := texts[id]
		tr.first[s[0]] = true
		n := int32(0)
		for i := 0; i < len(s); i++ {
			nx, ok := tr.nodes[n].next[s[i]]
			if !ok {
				if tr.nodes[n].next == nil {
					tr.nodes[n].next = make(map[byte]int32, 1)
				}
				nx = int32(len(tr.nodes))
				tr.nodes[n].next[s[i]] = nx
				tr.nodes = append(tr.nodes, trieNode{token: -1})
			}
			n = nx
		}
		tr.nodes[n].token = int32(k)
	}
	return tr
}

// occurring marks in seen (indexed like Tokenizer.special) every special
// token that occurs somewhere in text.
func (tr *trie) occurring(text string, seen []bool) (any bool) {
	if tr.empty {
		return false
	}
	for i := 0; i < len(text); i++ {
		if !tr.first[text[i]] {
			continue
		}
		n := int32(0)
		for j := i; j < len(text); j++ {
			nx, ok := tr.nodes[n].next[text[j]]
			if !ok {
				break
			}
			n = nx
			if k := tr.nodes[n].token; k >= 0 {
				seen[k] = true
				any = true
			}
		}
	}
	return any
}

// isCSpace is C's isspace in the "C" locale.
func isCSpace(b byte) bool {
	return b == ' ' || b >= '\t' && b <= '\r'
}

// partition splits text into raw fragments and special tokens.
func (t *Tokenizer) partition(st *encodeState, text string, parseSpecial bool) []fragment {
	if len(text) == 0 {
		return st.frags[:0]
	}
	frags := append(st.frags[:0], fragment{0, len(text), -1})
	if len(t.special) == 0 {
		return frags
	}
	if cap(st.seen) < len(t.special) {
		st.seen = make([]bool, len(t.special))
	}
	seen := st.seen[:len(t.special)]
	clear(seen)
	tr := &t.plainTrie
	if parseSpecial {
		tr = &t.specialTrie
	}
	if !tr.occurring(text, seen) {
		return frags
	}
	next := st.frags2[:0]
	for k, id := range t.special {
		if !seen[k] {
			continue
		}
		a := t.attrs[id]
		if !parseSpecial && a&(AttrControl|AttrUnknown) != 0 {
			continue
		}
		tok := t.texts[id]
		next = next[:0]
		for _, f := range frags {
			if f.id >= 0 {
				next = append(next, f)
				continue
			}
			s, e := f.start, f.end
			for s < e {
				m := indexIn(text, s, e, tok)
				if m < 0 {
					break
				}
				left := m
				if a&AttrLStrip != 0 {
					for left > s && isCSpace(text[left-1]) {
						left--
					}
				}
				if left > s {
					next = append(next, fragment{s, left, -1})
				}
				next = append(next, fragment{m, m + len(tok), id})
				s = m + len(tok)
				if a&AttrRStrip != 0 && s < e {
					for s < e && isCSpace(text[s]) {
						s++
					}
				}
			}
			if s < e {
				next = append(next, fragment{s, e, -1})
			}
		}
		frags, next = next, frags
	}
	st.frags, st.frags2 = frags, next
	return frags
}

// indexIn returns the position of the first occurrence of tok in text[s:e]
// (as an index into text), or -1.
func indexIn(text string, s, e int, tok string) int {
	if i := strings.Index(text[s:e], tok); i >= 0 {
		return s + i
	}
	return -1
}
