package tokenizer

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gollm/gollm/gguf"
)

// Kind is the tokenization algorithm of a vocabulary.
type Kind int

// The supported tokenizer kinds.
const (
	KindSPM Kind = iota + 1 // SentencePiece-style BPE, tokenizer.ggml.model "llama"
	KindBPE                 // byte-level BPE, tokenizer.ggml.model "gpt2"
	KindWPM                 // WordPiece, tokenizer.ggml.model "bert"
)

func (k Kind) String() string {
	switch k {
	case KindSPM:
		return "SPM"
	case KindBPE:
		return "BPE"
	case KindWPM:
		return "WPM"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// TokenType is the per-token type stored in tokenizer.ggml.token_type.
type TokenType int32

// Token types as written by the GGUF converters.
const (
	TypeUndefined   TokenType = 0
	TypeNormal      TokenType = 1
	TypeUnknown     TokenType = 2
	TypeControl     TokenType = 3
	TypeUserDefined TokenType = 4
	TypeUnused      TokenType = 5
	TypeByte        TokenType = 6
)

// Attr is a set of token attributes (llama_token_attr). Load derives them
// from the token types and then adjusts them the way llama.cpp does (control
// tokens recognised by their text, RSTRIP on Phi-3's special tokens, …).
type Attr uint32

// Token attributes.
const (
	AttrUnknown Attr = 1 << iota
	AttrUnused
	AttrNormal
	AttrControl
	AttrUserDefined
	AttrByte
	AttrNormalized
	AttrLStrip // whitespace before the token is dropped when it is parsed from text
	AttrRStrip // whitespace after the token is dropped when it is parsed from text
	AttrSingleWord
)

// NoToken is the id of an absent special token.
const NoToken int32 = -1

// Tokenizer is a vocabulary with its encoder and decoder.
type Tokenizer struct {
	kind  Kind
	model string // tokenizer.ggml.model
	pre   string // tokenizer.ggml.pre as stored (may be empty)

	texts  []string
	scores []float32
	types  []TokenType // as stored; TypeNormal for all when the file has none
	attrs  []Attr
	ids    map[string]int32

	maxTokenLen int

	bos, eos, eot, eom, unk, sep, pad, mask, nl    int32
	fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep int32

	addBOS, addEOS, addSep bool
	addSpacePrefix         bool
	cleanSpaces            bool
	ignoreMerges           bool
	lowercase              bool // WordPiece normalizer
	stripAccents           bool // WordPiece normalizer

	eog []int32 // sorted

	special     []int32 // control, user-defined and unknown tokens, longest text first
	specialTrie trie    // all of special
	plainTrie   trie    // the user-defined ones, which are cut out without parse_special

	// byte-level BPE
	preTok    preTokenizer
	merges    map[uint64]uint64 // left<<32|right -> rank<<32|result
	extra     []string          // texts of merge parts that are not tokens, ids len(texts)+i
	byteSym   [256]int32        // symbol id of each byte's GPT-2 character, -1 if none
	byteToken [256]int32        // SPM byte fallback token (<0xNN> or the raw byte), -1 if none
	spmSplit  bool              // no token has "▁" after another character

	states stateList
}

// ErrNoVocab is returned by Load for files without a vocabulary.
var ErrNoVocab = errors.New("tokenizer: file has no vocabulary")

// Load reads the vocabulary from GGUF metadata. The file may be closed
// afterwards.
func Load(f *gguf.File) (*Tokenizer, error) {
	t, err := load(f)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return t, nil
}

// LoadFile opens a GGUF file and loads its vocabulary.
func LoadFile(path string) (*Tokenizer, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(f)
}

func optString(f *gguf.File, key string) (string, error) {
	if !f.Has(key) {
		return "", nil
	}
	return f.String(key)
}

func optBool(f *gguf.File, key string, dst *bool) error {
	if !f.Has(key) {
		return nil
	}
	v, err := f.Bool(key)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

func load(f *gguf.File) (*Tokenizer, error) {
	initUnicode()
	t := &Tokenizer{
		eot: NoToken, eom: NoToken, sep: NoToken, pad: NoToken, mask: NoToken, nl: NoToken,
		fimPre: NoToken, fimSuf: NoToken, fimMid: NoToken, fimPad: NoToken, fimRep: NoToken, fimSep: NoToken,
	}
	var err error
	if !f.Has("tokenizer.ggml.model") {
		return nil, ErrNoVocab
	}
	if t.model, err = f.String("tokenizer.ggml.model"); err != nil {
		return nil, err
	}
	if t.pre, err = optString(f, "tokenizer.ggml.pre"); err != nil {
		return nil, err
	}

	// Defaults per model, as llama.cpp sets them before reading the keys.
	switch t.model {
	case "no_vocab", "none":
		return nil, ErrNoVocab
	case "llama":
		t.kind = KindSPM
		t.bos, t.eos, t.unk = 1, 2, 0
		t.addSpacePrefix, t.addBOS = true, true
	case "bert":
		t.kind = KindWPM
		t.bos, t.eos, t.unk, t.sep, t.pad, t.mask = 101, NoToken, 100, 102, 0, 103
		t.addBOS, t.addSep, t.cleanSpaces = true, true, true
	case "gpt2":
		t.kind = KindBPE
		t.bos, t.eos, t.unk = 11, 11, NoToken
		t.cleanSpaces = true
		cfg, ok := preTokenizers[t.pre]
		if t.pre == "" {
			cfg, ok = preTokenizers["default"]
		}
		if !ok {
			return nil, fmt.Errorf("unsupported pre-tokenizer %q", t.pre)
		}
		t.preTok = cfg.split
		t.ignoreMerges = cfg.ignoreMerges
		if cfg.addBOS {
			t.addBOS = true
		}
		if cfg.keepSpaces {
			t.cleanSpaces = false
		}
		if cfg.noBOS {
			t.bos = NoToken
		}
		if cfg.addSep {
			t.addSep = true
		}
	default:
		return nil, fmt.Errorf("unsupported tokenizer model %q", t.model)
	}
	if err := optBool(f, "tokenizer.ggml.add_space_prefix", &t.addSpacePrefix); err != nil {
		return nil, err
	}
	if f.Has("tokenizer.ggml.remove_extra_whitespaces") {
		// Only the unigram (T5) tokenizer uses it; read it to validate the type.
		if _, err := f.Bool("tokenizer.ggml.remove_extra_whitespaces"); err != nil {
			return nil, err
		}
	}

	if err := t.loadTokens(f); err != nil {
		return nil, err
	}
	if t.kind == KindBPE {
		if err := t.loadMerges(f); err != nil {
			return nil, err
		}
	}
	if t.kind == KindSPM {
		for b := 0; b < 256; b++ {
			t.byteToken[b] = t.spmByteToken(byte(b))
		}
		t.spmSplit = true
		for _, s := range t.texts {
			if hasInnerSpaceMark(s) {
				t.spmSplit = false
				break
			}
		}
	}

	if err := t.loadSpecialIDs(f); err != nil {
		return nil, err
	}
	t.detectSpecial()
	t.buildSpecialCache()
	if err := t.applyNamedAttrs(f); err != nil {
		return nil, err
	}

	// The newline token, as llama.cpp determines it.
	switch t.kind {
	case KindSPM:
		t.nl = t.byteToken['\n']
		if t.nl < 0 {
			t.nl = t.pad
		}
	case KindWPM:
		t.nl = t.pad
	default:
		if ids := t.Encode("\n", false, false); len(ids) > 0 {
			t.nl = ids[0]
		} else {
			t.nl = t.pad
		}
	}
	return t, nil
}

func (t *Tokenizer) loadTokens(f *gguf.File) error {
	texts, err := f.Strings("tokenizer.ggml.tokens")
	if err != nil {
		return err
	}
	n := len(texts)
	if n == 0 {
		return errors.New("tokenizer.ggml.tokens is empty")
	}
	if n > 1<<30 {
		return fmt.Errorf("tokenizer.ggml.tokens has %d entries", n)
	}
	t.texts = make([]string, n)
	t.scores = make([]float32, n)
	t.attrs = make([]Attr, n)
	t.types = make([]TokenType, n)
	t.ids = make(map[string]int32, n)

	if f.Has("tokenizer.ggml.scores") {
		a, err := f.Array("tokenizer.ggml.scores")
		if err != nil {
			return err
		}
		switch v := a.Values.(type) {
		case []float32:
			if len(v) < n {
				return fmt.Errorf("tokenizer.ggml.scores has %d entries for %d tokens", len(v), n)
			}
			copy(t.scores, v)
		case []int32:
			if len(v) < n {
				return fmt.Errorf("tokenizer.ggml.scores has %d entries for %d tokens", len(v), n)
			}
			for i := range t.scores {
				t.scores[i] = float32(v[i])
			}
		default:
			return fmt.Errorf("tokenizer.ggml.scores: want arr[f32] or arr[i32], file has arr[%s]", a.Type)
		}
	}
	var types []int32
	if f.Has("tokenizer.ggml.token_type") {
		a, err := f.Array("tokenizer.ggml.token_type")
		if err != nil {
			return err
		}
		v, ok := a.Values.([]int32)
		if !ok {
			return fmt.Errorf("tokenizer.ggml.token_type: want arr[i32], file has arr[%s]", a.Type)
		}
		if len(v) < n {
			return fmt.Errorf("tokenizer.ggml.token_type has %d entries for %d tokens", len(v), n)
		}
		types = v
	}
	for i, s := range texts {
		if s == "" {
			s = "[EMPTY_" + strconv.Itoa(i) + "]"
		}
		if prev, dup := t.ids[s]; dup {
			return fmt.Errorf("duplicate token %q has ids %d and %d", s, prev, i)
		}
		t.ids[s] = int32(i)
		t.texts[i] = s
		if len(s) > t.maxTokenLen {
			t.maxTokenLen = len(s)
		}
		a := AttrNormal
		t.types[i] = TypeNormal
		if types != nil {
			t.types[i] = TokenType(types[i])
			switch TokenType(types[i]) {
			case TypeUnknown:
				a = AttrUnknown
			case TypeUnused:
				a = AttrUnused
			case TypeNormal:
				a = AttrNormal
			case TypeControl:
				a = AttrControl
			case TypeUserDefined:
				a = AttrUserDefined
			case TypeByte:
				a = AttrByte
			default:
				a = 0
			}
		}
		t.attrs[i] = a
	}
	return nil
}

// loadMerges builds the rank table of byte-level BPE. Merge parts and results
// are identified by token id; strings that are not tokens get ids past the
// vocabulary so that the merge loop behaves exactly as with strings.
func (t *Tokenizer) loadMerges(f *gguf.File) error {
	if !f.Has("tokenizer.ggml.merges") {
		return errors.New("byte-level BPE vocabulary without tokenizer.ggml.merges")
	}
	merges, err := f.Strings("tokenizer.ggml.merges")
	if err != nil {
		return err
	}
	n := int32(len(t.texts))

	// Resolve the parts and results of all merges to ids. The lookups are
	// independent, so large tables are split among goroutines. Strings that
	// are not tokens are marked -2 and resolved afterwards.
	const notToken = -2
	parts := make([]int32, 3*len(merges)) // left, right, result per merge
	resolve := func(lo, hi int) {
		var buf []byte
		prevRes := int32(-1)
		for rank := lo; rank < hi; rank++ {
			m := merges[rank]
			p := parts[3*rank : 3*rank+3]
			sp := -1
			if len(m) > 1 {
				sp = strings.IndexByte(m[1:], ' ')
			}
			if sp >= 0 {
				sp++
			}
			if sp < 0 || sp+1 == len(m) {
				// llama.cpp files such a line under a pair with an empty
				// part, which never matches.
				p[0], p[1], p[2] = -1, -1, -1
				continue
			}
			left, right := m[:sp], m[sp+1:]
			p[0], p[1], p[2] = notToken, notToken, notToken
			if id, ok := t.ids[left]; ok {
				p[0] = id
			}
			if id, ok := t.ids[right]; ok {
				p[1] = id
			}
			// Results usually follow each other in the vocabulary.
			if h := prevRes + 1; h > 0 && h < n && len(t.texts[h]) == len(left)+len(right) &&
				t.texts[h][:len(left)] == left && t.texts[h][len(left):] == right {
				p[2] = h
			} else {
				buf = append(append(buf[:0], left...), right...)
				if id, ok := t.ids[string(buf)]; ok {
					p[2] = id
				}
			}
			prevRes = p[2]
		}
	}
	workers := min(runtime.GOMAXPROCS(0), 8, len(merges)/20000+1)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*len(merges)/workers, (w+1)*len(merges)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			resolve(lo, hi)
		}()
	}
	wg.Wait()

	var extraIDs map[string]int32
	extraID := func(s string) int32 {
		if id, ok := extraIDs[s]; ok {
			return id
		}
		if extraIDs == nil {
			extraIDs = make(map[string]int32)
		}
		id := n + int32(len(t.extra))
		t.extra = append(t.extra, s)
		extraIDs[s] = id
		return id
	}
	t.merges = make(map[uint64]uint64, len(merges))
	// Fill from the last merge to the first so that a pair listed twice
	// keeps its first (lowest) rank, as llama.cpp does.
	for rank := len(merges) - 1; rank >= 0; rank-- {
		p := parts[3*rank : 3*rank+3]
		if p[0] == -1 {
			continue
		}
		if p[0] == notToken || p[1] == notToken || p[2] == notToken {
			m := merges[rank]
			sp := 1 + strings.IndexByte(m[1:], ' ')
			left, right := m[:sp], m[sp+1:]
			if p[0] == notToken {
				p[0] = extraID(left)
			}
			if p[1] == notToken {
				p[1] = extraID(right)
			}
			if p[2] == notToken {
				p[2] = extraID(left + right)
			}
		}
		t.merges[uint64(uint32(p[0]))<<32|uint64(uint32(p[1]))] = uint64(rank)<<32 | uint64(uint32(p[2]))
	}
	var enc [4]byte
	for b := 0; b < 256; b++ {
		s := string(appendCodePoint(enc[:0], byteToRune[b]))
		t.byteSym[b] = -1
		if id, ok := t.ids[s]; ok {
			t.byteSym[b] = id
		} else if id, ok := extraIDs[s]; ok {
			t.byteSym[b] = id
		}
	}
	return nil
}

// hasInnerSpaceMark reports whether s contains "▁" right after a character
// other than "▁".
func hasInnerSpaceMark(s string) bool {
	for i := 1; ; {
		j := strings.Index(s[i:], "\u2581")
		if j < 0 {
			return false
		}
		i += j
		if i < 3 || s[i-3:i] != "\u2581" {
			return true
		}
		i += 3
	}
}

const hexDigits = "0123456789ABCDEF"

// spmByteToken is llama.cpp's byte_to_token for SentencePiece vocabularies.
func (t *Tokenizer) spmByteToken(b byte) int32 {
	name := [6]byte{'<', '0', 'x', hexDigits[b>>4], hexDigits[b&15], '>'}
	if id, ok := t.ids[string(name[:])]; ok {
		return id
	}
	if id, ok := t.ids[string([]byte{b})]; ok {
		return id
	}
	return NoToken
}

func (t *Tokenizer) loadSpecialIDs(f *gguf.File) error {
	keys := []struct {
		key string
		id  *int32
	}{
		{"tokenizer.ggml.bos_token_id", &t.bos},
		{"tokenizer.ggml.eos_token_id", &t.eos},
		{"tokenizer.ggml.eot_token_id", &t.eot},
		{"tokenizer.ggml.eom_token_id", &t.eom},
		{"tokenizer.ggml.unknown_token_id", &t.unk},
		{"tokenizer.ggml.seperator_token_id", &t.sep},
		{"tokenizer.ggml.padding_token_id", &t.pad},
		{"tokenizer.ggml.mask_token_id", &t.mask},
		{"tokenizer.ggml.fim_pre_token_id", &t.fimPre},
		{"tokenizer.ggml.fim_suf_token_id", &t.fimSuf},
		{"tokenizer.ggml.fim_mid_token_id", &t.fimMid},
		{"tokenizer.ggml.fim_pad_token_id", &t.fimPad},
		{"tokenizer.ggml.fim_rep_token_id", &t.fimRep},
		{"tokenizer.ggml.fim_sep_token_id", &t.fimSep},
		{"tokenizer.ggml.prefix_token_id", &t.fimPre},
		{"tokenizer.ggml.suffix_token_id", &t.fimSuf},
		{"tokenizer.ggml.middle_token_id", &t.fimMid},
	}
	n := int64(len(t.texts))
	for _, k := range keys {
		if *k.id >= 0 && int64(*k.id) >= n {
			*k.id = NoToken // default out of range
		}
		if !f.Has(k.key) {
			continue
		}
		v, err := f.Uint32(k.key)
		if err != nil {
			return err
		}
		if int64(v) < n {
			*k.id = int32(v)
		}
	}
	if err := optBool(f, "tokenizer.ggml.add_bos_token", &t.addBOS); err != nil {
		return err
	}
	if err := optBool(f, "tokenizer.ggml.add_eos_token", &t.addEOS); err != nil {
		return err
	}
	if err := optBool(f, "tokenizer.ggml.add_sep_token", &t.addSep); err != nil {
		return err
	}
	if t.addBOS && t.bos < 0 {
		return errors.New("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set")
	}
	if t.addEOS && t.eos < 0 {
		return errors.New("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set")
	}
	if t.addSep && t.sep < 0 {
		return errors.New("tokenizer.ggml.add_sep_token is true, but tokenizer.ggml.seperator_token_id is not set")
	}
	t.lowercase = true
	if err := optBool(f, "tokenizer.ggml.normalizer.lowercase", &t.lowercase); err != nil {
		return err
	}
	t.stripAccents = t.lowercase
	return optBool(f, "tokenizer.ggml.normalizer.strip_accents", &t.stripAccents)
}

// Texts by which llama.cpp recognises special tokens that the converter did
// not record, in order of preference when several are present.
var (
	eotTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
		"<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}
	eomTexts    = []string{"<|eom_id|>"}
	fimPreTexts = []string{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>",
		"▁<PRE>", "<|code_prefix|>", "<|prefix|>"}
	fimSufTexts = []string{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>",
		"▁<SUF>", "<|code_suffix|>", "<|suffix|>"}
	fimMidTexts = []string{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>",
		"▁<MID>", "<|code_middle|>", "<|middle|>"}
	fimPadTexts = []string{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}
	fimRepTexts = []string{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}
	fimSepTexts = []string{"<|file_sep|>"}
	eogTexts    = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>",
		"<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
		"[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
		"<｜end▁of▁sentence｜>", "[e~["}
)

// detectSpecial finds EOT/EOM/FIM tokens by their text, marks them as control
// tokens and computes the end-of-generation set, following llama.cpp.
func (t *Tokenizer) detectSpecial() {
	find := func(dst *int32, texts []string) {
		if *dst != NoToken {
			return
		}
		for _, s := range texts {
			if id, ok := t.ids[s]; ok {
				*dst = id
				t.attrs[id] |= AttrControl
				return
			}
		}
	}
	find(&t.eot, eotTexts)
	find(&t.eom, eomTexts)
	find(&t.fimPre, fimPreTexts)
	find(&t.fimSuf, fimSufTexts)
	find(&t.fimMid, fimMidTexts)
	find(&t.fimPad, fimPadTexts)
	find(&t.fimRep, fimRepTexts)
	find(&t.fimSep, fimSepTexts)

	for id, a := range t.attrs {
		if a&AttrControl != 0 && strings.Contains(t.texts[id], "unused") {
			t.attrs[id] |= AttrUnused
		}
	}

	eog := map[int32]bool{}
	for _, id := range []int32{t.fimPad, t.fimRep, t.fimSep} {
		if id != NoToken {
			eog[id] = true
		}
	}
	for _, s := range eogTexts {
		if id, ok := t.ids[s]; ok {
			eog[id] = true
			t.attrs[id] |= AttrControl
		}
	}
	// gpt-oss: these are always rendered.
	for _, s := range []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"} {
		if id, ok := t.ids[s]; ok {
			t.attrs[id] = AttrUserDefined
		}
	}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id != NoToken {
			eog[id] = true
		}
	}
	// o200k_harmony and solar-open: "<|end|>" ends a message, not generation.
	has := func(s string) (int32, bool) {
		id, ok := t.ids[s]
		return id, ok && eog[id]
	}
	_, hasReturn := has("<|return|>")
	_, hasCall := has("<|call|>")
	_, hasCalls := has("<|calls|>")
	_, hasFlush := has("<|flush|>")
	if endID, hasEnd := has("<|end|>"); hasEnd && ((hasReturn && (hasCall || hasCalls)) || ((hasCall || hasCalls) && hasFlush)) {
		delete(eog, endID)
		t.attrs[endID] = AttrUserDefined
	}
	// gemma4 and paddleocr: "</s>" is not an end-of-generation token.
	if _, hasTool := has("<|tool_response>"); hasTool {
		if sID, hasS := has("</s>"); hasS {
			delete(eog, sID)
			t.attrs[sID] = AttrNormal
		}
	}
	t.eog = make([]int32, 0, len(eog))
	for id := range eog {
		t.eog = append(t.eog, id)
	}
	sort.Slice(t.eog, func(i, j int) bool { return t.eog[i] < t.eog[j] })
}

// buildSpecialCache lists the tokens that the special-token pass cuts out of
// text, longest first.
func (t *Tokenizer) buildSpecialCache() {
	for id, a := range t.attrs {
		if a&(AttrControl|AttrUserDefined|AttrUnknown) != 0 {
			t.special = append(t.special, int32(id))
		}
	}
	sort.SliceStable(t.special, func(i, j int) bool {
		return len(t.texts[t.special[i]]) > len(t.texts[t.special[j]])
	})
	t.specialTrie = newTrie(t.texts, t.special, func(int32) bool { return true })
	t.plainTrie = newTrie(t.texts, t.special, func(id int32) bool {
		return t.attrs[id]&(AttrControl|AttrUnknown) == 0
	})
}

// applyNamedAttrs sets the per-model token attributes llama.cpp derives from
// the model name, pre-tokenizer and architecture.
func (t *Tokenizer) applyNamedAttrs(f *gguf.File) error {
	name, err := optString(f, "general.name")
	if err != nil {
		return err
	}
	arch, err := optString(f, "general.architecture")
	if err != nil {
		return err
	}
	name = strings.ToLower(name) // ASCII tolower in llama.cpp; the names that matter are ASCII
	containsAny := func(s string, subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	set := func(text string, a Attr, on bool) {
		id, ok := t.ids[text]
		if !ok {
			return
		}
		if on {
			t.attrs[id] |= a
		} else {
			t.attrs[id] &^= a
		}
	}
	switch {
	case containsAny(t.pre, "jina-v2-de", "jina-v2-es", "jina-v2-code") || containsAny(arch, "nomic-bert-moe", "jina-bert-v3"):
		set("<mask>", AttrLStrip, true)
	case containsAny(name, "phi-3", "phi3"):
		for _, id := range t.special {
			t.attrs[id] |= AttrRStrip
		}
		set("</s>", AttrRStrip, true)
		for _, s := range []string{"<unk>", "<s>", "<|endoftext|>"} {
			set(s, AttrRStrip, false)
		}
	case containsAny(name, "modern-bert"):
		set("[MASK]", AttrLStrip, true)
	}
	return nil
}

// Kind returns the tokenization algorithm.
func (t *Tokenizer) Kind() Kind { return t.kind }

// Model returns tokenizer.ggml.model ("llama", "gpt2", "bert").
func (t *Tokenizer) Model() string { return t.model }

// Pre returns tokenizer.ggml.pre as stored in the file ("" if absent).
func (t *Tokenizer) Pre() string { return t.pre }

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.texts) }

// valid reports whether id is a token id.
func (t *Tokenizer) valid(id int32) bool { return id >= 0 && int(id) < len(t.texts) }

// TokenText returns the stored text of a token ("" for an invalid id).
func (t *Tokenizer) TokenText(id int32) string {
	if !t.valid(id) {
		return ""
	}
	return t.texts[id]
}

// TokenScore returns a token's score (SentencePiece log probability).
func (t *Tokenizer) TokenScore(id int32) float32 {
	if !t.valid(id) {
		return 0
	}
	return t.scores[id]
}

// TokenType returns a token's type as stored in the file (TypeNormal when
// the file has no types; -1 for an invalid id). See TokenAttr for the
// attributes llama.cpp derives from it.
func (t *Tokenizer) TokenType(id int32) TokenType {
	if !t.valid(id) {
		return -1
	}
	return t.types[id]
}

// TokenAttr returns a token's attributes (0 for an invalid id).
func (t *Tokenizer) TokenAttr(id int32) Attr {
	if !t.valid(id) {
		return 0
	}
	return t.attrs[id]
}

// IsControl reports whether id is a control token (BOS, EOS, chat markers…).
func (t *Tokenizer) IsControl(id int32) bool { return t.TokenAttr(id)&AttrControl != 0 }

// TokenID returns the id of the token whose stored text is s.
func (t *Tokenizer) TokenID(s string) (int32, bool) {
	id, ok := t.ids[s]
	return id, ok
}

// BOS returns the beginning-of-sequence token, or NoToken.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the end-of-sequence token, or NoToken.
func (t *Tokenizer) EOS() int32 { return t.eos }

// EOT returns the end-of-turn token, or NoToken.
func (t *Tokenizer) EOT() int32 { return t.eot }

// EOM returns the end-of-message token, or NoToken.
func (t *Tokenizer) EOM() int32 { return t.eom }

// UNK returns the unknown token, or NoToken.
func (t *Tokenizer) UNK() int32 { return t.unk }

// SEP returns the separator token, or NoToken.
func (t *Tokenizer) SEP() int32 { return t.sep }

// PAD returns the padding token, or NoToken.
func (t *Tokenizer) PAD() int32 { return t.pad }

// Mask returns the mask token, or NoToken.
func (t *Tokenizer) Mask() int32 { return t.mask }

// Newline returns the token llama.cpp uses for "\n", or NoToken.
func (t *Tokenizer) Newline() int32 { return t.nl }

// FIM returns the fill-in-the-middle tokens (prefix, suffix, middle, pad,
// repository, file separator); absent ones are NoToken.
func (t *Tokenizer) FIM() (pre, suf, mid, pad, rep, sep int32) {
	return t.fimPre, t.fimSuf, t.fimMid, t.fimPad, t.fimRep, t.fimSep
}

// AddBOS reports whether Encode with addSpecial prepends BOS.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// AddEOS reports whether Encode with addSpecial appends EOS.
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// IsEOG reports whether generation should stop at id.
func (t *Tokenizer) IsEOG(id int32) bool {
	for _, e := range t.eog {
		if e == id {
			return true
		}
	}
	return false
}

// EOG returns the end-of-generation tokens in increasing order.
func (t *Tokenizer) EOG() []int32 { return append([]int32(nil), t.eog...) }
