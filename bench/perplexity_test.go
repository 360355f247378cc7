package bench

import (
	"errors"
	"math"
	"testing"
)

// fakeLM is a Decoder whose next-token distribution is the same at every
// position: token 1 has probability 1/3, the four others 1/6 each. It
// records what it was asked to evaluate.
type fakeLM struct {
	pos        int
	firstToks  []int32 // first token decoded after each Truncate(0)
	batchSizes []int
	logits     []float32
}

const fakeVocab = 5

func (f *fakeLM) Decode(tokens []int32, all bool) ([]float32, error) {
	if f.pos == 0 {
		f.firstToks = append(f.firstToks, tokens[0])
	}
	f.pos += len(tokens)
	f.batchSizes = append(f.batchSizes, len(tokens))
	n := 1
	if all {
		n = len(tokens)
	}
	f.logits = f.logits[:0]
	for range n {
		f.logits = append(f.logits, 0, float32(math.Ln2), 0, 0, 0)
	}
	return f.logits, nil
}

func (f *fakeLM) Truncate(n int) { f.pos = n }

// TestPerplexityProcedure checks the chunking, BOS substitution and
// scoring against a direct statement of llama-perplexity's rules: chunk i
// covers tokens [i·n, (i+1)·n); targets i·n + n/2 + 1 … (i+1)·n − 1 are
// scored; PPL = exp(mean NLL) ± PPL·sqrt(var/(count−1)).
func TestPerplexityProcedure(t *testing.T) {
	tokens := make([]int32, 103) // 6 chunks of 16, 7 left over
	for i := range tokens {
		tokens[i] = int32(i*7%fakeVocab + 0)
	}
	const nCtx = 16
	var lm fakeLM
	var chunks []int
	res, err := Perplexity(&lm, tokens, PerplexityParams{NCtx: nCtx, AddBOS: true, BOS: 4, Threads: 3,
		Chunk: func(i int, _ float64) { chunks = append(chunks, i) }})
	if err != nil {
		t.Fatal(err)
	}
	var sum, sum2 float64
	count := 0
	for c := range len(tokens) / nCtx {
		for j := c*nCtx + nCtx/2 + 1; j < (c+1)*nCtx; j++ {
			nll := math.Log(6)
			if tokens[j] == 1 {
				nll = math.Log(3)
			}
			sum += nll
			sum2 += nll * nll
			count++
		}
	}
	mean := sum / float64(count)
	wantPPL := math.Exp(mean)
	wantErr := math.Sqrt((sum2/float64(count)-mean*mean)/float64(count-1)) * wantPPL
	if res.Count != count || res.Chunks != 6 || len(chunks) != 6 || chunks[5] != 6 {
		t.Errorf("count %d chunks %d callbacks %v; want %d tokens in 6 chunks", res.Count, res.Chunks, chunks, count)
	}
	if math.Abs(res.PPL-wantPPL) > 1e-6*wantPPL || math.Abs(res.PPLError-wantErr) > 1e-6*wantErr {
		t.Errorf("PPL %v ± %v, want %v ± %v", res.PPL, res.PPLError, wantPPL, wantErr)
	}
	for i, tok := range lm.firstToks {
		if tok != 4 {
			t.Errorf("chunk %d starts with token %d, want BOS 4", i, tok)
		}
	}
	if len(lm.firstToks) != 6 {
		t.Errorf("%d chunks started from an empty cache, want 6", len(lm.firstToks))
	}
	for _, n := range lm.batchSizes {
		if n != nCtx/2 {
			t.Errorf("decode of %d tokens, want halves of %d", n, nCtx/2)
		}
	}
}

func TestPerplexityErrors(t *testing.T) {
	tokens := make([]int32, 40)
	if _, err := Perplexity(&fakeLM{}, tokens, PerplexityParams{NCtx: 32}); !errors.Is(err, ErrTooFewTokens) {
		t.Errorf("short text: err = %v, want ErrTooFewTokens", err)
	}
	if _, err := Perplexity(&fakeLM{}, tokens, PerplexityParams{NCtx: 2}); err == nil {
		t.Error("context of 2: no error")
	}
	tokens[28] = 9 // a scored target outside the fake vocabulary of 5
	if _, err := Perplexity(&fakeLM{}, tokens, PerplexityParams{NCtx: 16}); err == nil {
		t.Error("token outside the vocabulary: no error")
	}
}
