package bench

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Decoder is what Perplexity and the speed tests evaluate: one sequence
// with a KV cache (model.Context satisfies it).
type Decoder interface {
	// Decode evaluates tokens at the next positions and returns the logits
	// of the last token, or of every token when all is set (row-major).
	Decode(tokens []int32, all bool) ([]float32, error)
	// Truncate forgets every position from n on.
	Truncate(n int)
}

// PerplexityParams configure Perplexity.
type PerplexityParams struct {
	NCtx    int   // tokens per chunk (llama.cpp -c)
	NChunks int   // chunks to evaluate; 0 or less: all that fit
	AddBOS  bool  // replace the first token of each chunk with BOS
	BOS     int32 // the BOS token id
	Threads int   // goroutines computing log-probabilities; 0: all cores
	// Chunk, when set, is called after each chunk with its 1-based index
	// and the running perplexity estimate.
	Chunk func(i int, ppl float64)
}

// PerplexityResult is the outcome of Perplexity.
type PerplexityResult struct {
	PPL      float64 // exp of the mean negative log-likelihood
	PPLError float64 // standard error of PPL (NaN when the variance is not positive)
	NLL      float64 // mean negative log-likelihood
	Count    int     // scored tokens
	Chunks   int     // evaluated chunks
}

// ErrTooFewTokens is returned when the text is shorter than two chunks.
var ErrTooFewTokens = errors.New("bench: too few tokens for perplexity")

// Perplexity computes the perplexity of tokens (the whole text tokenized,
// BOS included) the way llama.cpp's llama-perplexity does: the text is cut
// into chunks of NCtx tokens, each evaluated from an empty cache with its
// first token replaced by BOS, and only the second half of each chunk is
// scored: the logits at positions NCtx/2 … NCtx−2 predicting the tokens
// after them. The estimate is exp(mean NLL) ± PPL·sqrt(var(NLL)/(count−1)).
//
// Each chunk is decoded in two steps, the unscored first half without
// logits and the second half with them, which is what llama.cpp computes
// (it requests logits only for the scored positions).
func Perplexity(d Decoder, tokens []int32, p PerplexityParams) (PerplexityResult, error) {
	var res PerplexityResult
	nCtx := p.NCtx
	if nCtx < 4 {
		return res, fmt.Errorf("bench: perplexity context of %d tokens is too small", nCtx)
	}
	if len(tokens) < 2*nCtx {
		return res, fmt.Errorf("%w: %d tokens, a context of %d needs at least %d", ErrTooFewTokens, len(tokens), nCtx, 2*nCtx)
	}
	nChunk := len(tokens) / nCtx
	if p.NChunks > 0 {
		nChunk = min(nChunk, p.NChunks)
	}
	threads := p.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	first := nCtx / 2
	nScored := nCtx - 1 - first
	chunk := make([]int32, nCtx)
	rowNLL := make([]float64, nScored)
	var nll, nll2 float64
	for i := range nChunk {
		start := i * nCtx
		copy(chunk, tokens[start:start+nCtx])
		if p.AddBOS {
			chunk[0] = p.BOS
		}
		d.Truncate(0)
		if _, err := d.Decode(chunk[:first], false); err != nil {
			return res, fmt.Errorf("bench: chunk %d: %w", i+1, err)
		}
		logits, err := d.Decode(chunk[first:], true)
		if err != nil {
			return res, fmt.Errorf("bench: chunk %d: %w", i+1, err)
		}
		nVocab := len(logits) / (nCtx - first)
		targets := tokens[start+first+1 : start+nCtx]
		if err := scoreRows(logits, nVocab, targets, rowNLL, threads); err != nil {
			return res, fmt.Errorf("bench: chunk %d: %w", i+1, err)
		}
		for _, v := range rowNLL {
			nll += v
			nll2 += v * v
		}
		res.Count += nScored
		res.Chunks++
		if p.Chunk != nil {
			p.Chunk(i+1, math.Exp(nll/float64(res.Count)))
		}
	}
	n := float64(res.Count)
	res.NLL = nll / n
	res.PPL = math.Exp(res.NLL)
	variance := nll2/n - res.NLL*res.NLL
	res.PPLError = math.NaN()
	if variance > 0 {
		res.PPLError = math.Sqrt(variance/(n-1)) * res.PPL
	}
	return res, nil
}

// scoreRows stores in out[i] the negative log-probability that row i of
// logits gives targets[i], on several goroutines.
func scoreRows(logits []float32, nVocab int, targets []int32, out []float64, threads int) error {
	for _, t := range targets[:len(out)] {
		if t < 0 || int(t) >= nVocab {
			return fmt.Errorf("token %d outside the vocabulary of %d", t, nVocab)
		}
	}
	var wg sync.WaitGroup
	per := (len(out) + threads - 1) / threads
	for lo := 0; lo < len(out); lo += per {
		hi := min(lo+per, len(out))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				out[i] = -logSoftmax(logits[i*nVocab:(i+1)*nVocab], targets[i])
			}
		})
	}
	wg.Wait()
	return nil
}

// logSoftmax is log p(tok) under softmax(logits), in llama.cpp's
// arithmetic: float32 differences from the maximum, float32 exponentials
// summed in float64.
func logSoftmax(logits []float32, tok int32) float64 {
	maxLogit := logits[0]
	for _, v := range logits[1:] {
		maxLogit = max(maxLogit, v)
	}
	var sum float64
	for _, v := range logits {
		sum += float64(float32(math.Exp(float64(v - maxLogit))))
	}
	return float64(logits[tok]-maxLogit) - math.Log(sum)
}
