package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/tokenizer"
)

func init() {
	register(&command{
		name:    "tokenize",
		summary: "print the token ids of a text (any GGUF file, vocabulary-only ones too)",
		run:     runTokenize,
	})
	register(&command{
		name:    "detokenize",
		summary: "print the text of token ids",
		run:     runDetokenize,
	})
}

// loadTokenizer reads the vocabulary of a GGUF file, or of the embedded
// model when path is empty. Only the metadata is read.
func loadTokenizer(path string) (*tokenizer.Tokenizer, error) {
	var (
		f   *gguf.File
		err error
	)
	if path == "" {
		f, err = gguf.Parse(embedded.Stories260K)
	} else {
		f, err = gguf.Open(path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tk, err := tokenizer.Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tk, nil
}

func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenize", stderr)
	var (
		path, file                  string
		noBOS, parseSpecial, pieces bool
	)
	fs.StringVar(&path, "m", "", "model or vocabulary `file` (.gguf); default: the embedded stories260K")
	fs.StringVar(&path, "model", "", "model `file` (same as -m)")
	fs.StringVar(&file, "f", "", "read the text from `file` (- for standard input)")
	fs.StringVar(&file, "file", "", "same as -f")
	fs.BoolVar(&noBOS, "no-bos", false, "do not add the BOS/EOS tokens the vocabulary asks for")
	fs.BoolVar(&parseSpecial, "parse-special", false, "turn the text of control tokens (e.g. <|im_start|>) into those tokens")
	fs.BoolVar(&pieces, "pieces", false, "print one line \"id -> 'piece'\" per token instead of the id array")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gollm tokenize [-m FILE] [--no-bos] [--parse-special] [--pieces] (TEXT | -f FILE)")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var text string
	switch {
	case file != "" && len(pos) > 0:
		return usageErrorf("give the text either as an argument or with -f, not both")
	case file == "-":
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		text = string(b)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		text = string(b)
	case len(pos) == 0:
		return usageErrorf("no text: give it as an argument or with -f FILE")
	default:
		text = strings.Join(pos, " ")
	}
	tk, err := loadTokenizer(path)
	if err != nil {
		return err
	}
	ids := tk.Encode(text, !noBOS, parseSpecial)

	w := bufio.NewWriter(stdout)
	if pieces {
		for _, id := range ids {
			fmt.Fprintf(w, "%6d -> '", id)
			w.Write(tk.Piece(id, true))
			w.WriteString("'\n")
		}
	} else {
		w.Write(appendIDs(nil, ids))
		w.WriteByte('\n')
	}
	return w.Flush()
}

// appendIDs formats ids as a JSON array, "[1, 2, 3]".
func appendIDs(b []byte, ids []int32) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return append(b, ']')
}

func runDetokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("detokenize", stderr)
	var (
		path                  string
		noSpecial, removeSpec bool
	)
	fs.StringVar(&path, "m", "", "model or vocabulary `file` (.gguf); default: the embedded stories260K")
	fs.StringVar(&path, "model", "", "model `file` (same as -m)")
	fs.BoolVar(&noSpecial, "no-special", false, "render control tokens (BOS, EOS, chat markers) as nothing")
	fs.BoolVar(&removeSpec, "remove-special", false, "drop the leading BOS and trailing EOS the vocabulary adds")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gollm detokenize [-m FILE] [--no-special] [--remove-special] IDS")
		fmt.Fprintln(stderr, "IDS: a JSON array ([1, 2, 3]) or ids separated by commas or spaces")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErrorf("no token ids given")
	}
	ids, err := parseIDs(strings.Join(pos, " "))
	if err != nil {
		return usageErrorf("%v", err)
	}
	tk, err := loadTokenizer(path)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id < 0 || int(id) >= tk.VocabSize() {
			return fmt.Errorf("token id %d is out of range: the vocabulary has %d tokens", id, tk.VocabSize())
		}
	}
	_, err = io.WriteString(stdout, tk.Detokenize(ids, removeSpec, !noSpecial)+"\n")
	return err
}

// parseIDs reads token ids written as a JSON array or separated by commas
// and/or whitespace.
func parseIDs(s string) ([]int32, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if !strings.HasSuffix(s, "]") {
			return nil, fmt.Errorf("unterminated id array %q", s)
		}
		s = s[1 : len(s)-1]
	}
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	ids := make([]int32, 0, len(fields))
	for _, f := range fields {
		v, err := strconv.ParseInt(f, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bad token id %q", f)
		}
		ids = append(ids, int32(v))
	}
	return ids, nil
}
