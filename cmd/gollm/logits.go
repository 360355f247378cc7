package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gollm/gollm/model"
)

func init() {
	register(&command{
		name:    "logits",
		summary: "evaluate a prompt, write every position's logits, decode greedily (parity tool)",
		run:     runLogits,
	})
}

// logitsResult is what `gollm logits` prints: the fields of llama.cpp's
// reference dumps that a parity check compares.
type logitsResult struct {
	Tokens        []int32 `json:"tokens"`
	GreedyIDs     []int32 `json:"greedy_ids"`
	GreedyText    string  `json:"greedy_text"`
	GreedyTextHex string  `json:"greedy_text_hex"`
	NVocab        int     `json:"n_vocab"`
	LogitsFile    string  `json:"logits_file,omitempty"`
}

func runLogits(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("logits", stderr)
	var mf modelFlags
	mf.register(fs)
	var prompt, tokens, out string
	var n int
	fs.StringVar(&prompt, "prompt", "", "text `prompt` (tokenized with BOS, special-token text kept as text)")
	fs.StringVar(&prompt, "p", "", "same as --prompt")
	fs.StringVar(&tokens, "tokens", "", "comma-separated token `ids`, used as given (no BOS added)")
	fs.IntVar(&n, "n", 16, "greedy `tokens` to decode after the prompt")
	fs.StringVar(&out, "out", "", "write all-position logits to `PREFIX`.logits.f32 (float32 LE, n_tokens × n_vocab)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := mf.validate(); err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageErrorf("unexpected arguments %q", pos)
	case (prompt == "") == (tokens == ""):
		return usageErrorf("give exactly one of --prompt and --tokens")
	case n < 0:
		return usageErrorf("-n must not be negative (got %d)", n)
	}
	var ids []int32
	if tokens != "" {
		for _, f := range strings.FieldsFunc(tokens, func(r rune) bool { return r == ',' || r == ' ' || r == '[' || r == ']' }) {
			v, err := strconv.ParseInt(f, 10, 32)
			if err != nil {
				return usageErrorf("--tokens: %q is not a token id", f)
			}
			ids = append(ids, int32(v))
		}
		if len(ids) == 0 {
			return usageErrorf("--tokens: no token ids")
		}
	}
	if mf.ctxSize == 0 {
		mf.ctxSize = 256 // what the fixtures' reference runs use
	}
	gm, err := mf.load()
	if err != nil {
		return err
	}
	defer gm.Close()
	m := gm.Internal()
	if prompt != "" {
		ids = m.Tok.Encode(prompt, true, false)
	}
	ctx, err := m.NewContext(model.ContextParams{CtxSize: max(mf.ctxSize, len(ids)+n), BatchSize: max(len(ids), 1), Threads: mf.threads})
	if err != nil {
		return err
	}
	defer ctx.Close()
	logits, err := ctx.Decode(ids, true)
	if err != nil {
		return err
	}
	nv := m.HP.NVocab
	res := logitsResult{Tokens: ids, GreedyIDs: []int32{}, NVocab: nv}
	if out != "" {
		res.LogitsFile = out + ".logits.f32"
		buf := make([]byte, 4*len(logits))
		for i, v := range logits {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		if err := os.WriteFile(res.LogitsFile, buf, 0o644); err != nil {
			return err
		}
	}
	last := append([]float32(nil), logits[len(logits)-nv:]...)
	var text []byte
	for i := 0; i < n; i++ {
		id := int32(0)
		for j, v := range last {
			if v > last[id] {
				id = int32(j)
			}
		}
		res.GreedyIDs = append(res.GreedyIDs, id)
		text = m.Tok.AppendPiece(text, id, false)
		if i == n-1 {
			break
		}
		if last, err = ctx.Decode([]int32{id}, false); err != nil {
			return err
		}
	}
	res.GreedyText = strings.ToValidUTF8(string(text), string(utf8.RuneError))
	res.GreedyTextHex = hex.EncodeToString(text)
	enc := json.NewEncoder(stdout)
	return enc.Encode(res)
}
