package main

// gollm perplexity -m FILE -f TEXT [-c 512] [-b N] runs llama.cpp's
// perplexity procedure (llama-perplexity without --ppl-stride): the text is
// tokenized whole with BOS, cut into chunks of -c tokens whose first token
// becomes BOS, and the second half of each chunk is scored. It prints the
// running estimate per chunk ("[1]3.1234,[2]…") and
// "Final estimate: PPL = X +/- Y" as llama.cpp does.

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gollm/gollm/bench"
	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/quant"
)

func init() {
	register(&command{
		name:    "perplexity",
		summary: "measure a model's perplexity on a text file as llama-perplexity does",
		run:     runPerplexity,
	})
}

func runPerplexity(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("perplexity", stderr)
	var mf modelFlags
	mf.register(fs)
	var (
		textFile string
		nChunks  int
	)
	fs.StringVar(&textFile, "f", "", "text `file` to score")
	fs.StringVar(&textFile, "file", "", "text file (same as -f)")
	fs.IntVar(&nChunks, "chunks", -1, "score at most this many `chunks` (-1: all)")
	oneLineFlagErrors(fs, args, stderr, func() {
		fmt.Fprintln(stderr, "usage: gollm perplexity [-m FILE] -f TEXT [-c 512] [-b N] [-t N]\n\nflags:")
	})
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := mf.validate(); err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageErrorf("unexpected argument %q", pos[0])
	case textFile == "":
		return usageErrorf("-f TEXT is required")
	}
	nCtx := mf.ctxSize
	if nCtx == 0 {
		nCtx = 512 // llama-perplexity's default
	}
	if nCtx < 4 {
		return usageErrorf("-c must be at least 4 (got %d)", nCtx)
	}
	text, err := os.ReadFile(textFile)
	if err != nil {
		return err
	}
	m, closeModel, err := openModel(mf.path)
	if err != nil {
		return err
	}
	defer closeModel()
	if m.Tok.AddEOS() {
		return fmt.Errorf("the vocabulary adds EOS to every text, which perplexity does not support")
	}
	t0 := time.Now()
	tokens := m.Tok.Encode(string(text), true, false)
	tokTime := time.Since(t0)
	if len(tokens) < 2*nCtx {
		return fmt.Errorf("%s tokenizes to %d tokens; a context of %d needs at least %d", textFile, len(tokens), nCtx, 2*nCtx)
	}
	kvType := quant.F16
	if mf.kvType == "q8_0" {
		kvType = quant.Q8_0
	}
	batch := min(mf.batchSize, nCtx)
	ctx, err := m.NewContext(model.ContextParams{CtxSize: nCtx, BatchSize: batch, Threads: mf.threads, KVType: kvType})
	if err != nil {
		return err
	}
	defer ctx.Close()
	fmt.Fprintf(stderr, "perplexity: tokenization took %.3f ms (%d tokens)\n", float64(tokTime.Microseconds())/1e3, len(tokens))
	if nCtx > m.HP.CtxTrain && m.HP.CtxTrain > 0 {
		fmt.Fprintf(stderr, "perplexity: model was trained on only %d context tokens (%d specified)\n", m.HP.CtxTrain, nCtx)
	}
	n := len(tokens) / nCtx
	if nChunks > 0 {
		n = min(n, nChunks)
	}
	fmt.Fprintf(stderr, "perplexity: calculating perplexity over %d chunks, n_ctx=%d, batch_size=%d, n_seq=1\n", n, nCtx, batch)
	start := time.Now()
	res, err := bench.Perplexity(ctx, tokens, bench.PerplexityParams{
		NCtx: nCtx, NChunks: nChunks, AddBOS: m.Tok.AddBOS(), BOS: m.Tok.BOS(), Threads: mf.threads,
		Chunk: func(i int, ppl float64) {
			if i == 1 {
				fmt.Fprintf(stderr, "perplexity: %.2f seconds per pass\n", time.Since(start).Seconds())
			}
			fmt.Fprintf(stdout, "[%d]%.4f,", i, ppl)
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if res.PPLError != res.PPLError { // NaN: no spread in the scores
		fmt.Fprintf(stdout, "Final estimate: PPL = %.4f (unexpected non-positive variance of log(prob))\n", res.PPL)
		return nil
	}
	fmt.Fprintf(stdout, "Final estimate: PPL = %.4f +/- %.5f\n", res.PPL, res.PPLError)
	return nil
}

// openModel binds the model at path, or the embedded stories260K when path
// is empty, without allocating a context.
func openModel(path string) (*model.Model, func(), error) {
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
		return nil, nil, err
	}
	m, err := model.New(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("loading model: %w", err)
	}
	return m, func() { f.Close() }, nil
}
