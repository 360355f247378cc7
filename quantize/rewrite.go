package quantize

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// QuantizationVersion is the value llama-quantize stores in
// general.quantization_version (GGML_QNT_VERSION).
const QuantizationVersion = 2

// Metadata keys the rewrite sets or drops.
const (
	KeyQuantizationVersion = "general.quantization_version"
	keySplitNo             = "split.no"
	keySplitCount          = "split.count"
	keySplitTensorsCount   = "split.tensors.count"
)

// Progress reports how far a conversion has come.
type Progress struct {
	Index, Count int // current tensor (0-based) and number of tensors
	Name         string
	From, To     quant.Type
	TensorDone   int64 // output bytes of the current tensor written so far
	TensorBytes  int64 // output bytes of the current tensor
	SourceBytes  int64 // source bytes of the current tensor
	BytesIn      int64 // source tensor bytes consumed so far, whole file
	BytesOut     int64 // tensor bytes written so far, whole file
}

// Result summarises a rewrite.
type Result struct {
	Plan     *Plan
	BytesIn  int64  // tensor bytes of the source
	BytesOut int64  // tensor bytes of the output
	Elements uint64 // weights in the model
}

// OutputKV returns the metadata llama-quantize writes for a quantization
// of a file with metadata kv to ft: every key copied in order, except the
// split keys (dropped) and general.quantization_version and
// general.file_type, which move to the end with their new values.
func OutputKV(kv []gguf.KV, ft gguf.FileType) []gguf.KV {
	out := make([]gguf.KV, 0, len(kv)+2)
	for _, e := range kv {
		switch e.Key {
		case KeyQuantizationVersion, gguf.KeyFileType, keySplitNo, keySplitCount, keySplitTensorsCount:
			continue
		}
		out = append(out, e)
	}
	return append(out,
		gguf.KV{Key: KeyQuantizationVersion, Value: gguf.Uint32(QuantizationVersion)},
		gguf.KV{Key: gguf.KeyFileType, Value: gguf.Uint32(uint32(ft))})
}

// RewriteFile quantizes src into a new file at path (written to a
// temporary file next to it and renamed when complete; removed on error).
func RewriteFile(path string, src *gguf.File, opt Options) (res *Result, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	if res, err = Rewrite(tmp, src, opt); err != nil {
		return nil, err
	}
	if err = tmp.Close(); err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	return res, nil
}

// Rewrite quantizes the model in src to opt.FileType and streams the new
// GGUF file to w.
func Rewrite(w io.Writer, src *gguf.File, opt Options) (*Result, error) {
	info, err := ModelInfoOf(src)
	if err != nil {
		return nil, err
	}
	plan, err := NewPlan(info, src.Tensors, opt)
	if err != nil {
		return nil, err
	}
	infos := make([]gguf.TensorInfo, len(plan.Tensors))
	for i, tp := range plan.Tensors {
		infos[i] = gguf.TensorInfoOf(tp.Name, tp.To, tp.Dims...)
		if err := checkConvertible(tp, opt.AllowRequantize); err != nil {
			return nil, err
		}
	}
	gw, err := gguf.NewWriter(w, OutputKV(src.KV, opt.FileType), infos)
	if err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	res := &Result{Plan: plan}
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	conv := newConverter(threads)
	for i, tp := range plan.Tensors {
		ti, _ := src.Tensor(tp.Name)
		data := src.TensorData(ti)
		outBytes := int64(gw.Tensors()[i].Size)
		pr := Progress{Index: i, Count: len(plan.Tensors), Name: tp.Name, From: tp.From, To: tp.To,
			TensorBytes: outBytes, SourceBytes: int64(len(data)), BytesIn: res.BytesIn, BytesOut: res.BytesOut}
		report := func(n int64) {
			if opt.Progress != nil {
				pr.TensorDone += n
				pr.BytesOut += n
				opt.Progress(pr)
			}
		}
		if err := conv.convert(gw, data, tp, report); err != nil {
			return nil, fmt.Errorf("quantize: tensor %q: %w", tp.Name, err)
		}
		res.BytesIn += int64(len(data))
		res.BytesOut += outBytes
		res.Elements += ti.Elements()
	}
	if err := gw.Close(); err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	return res, nil
}

// checkConvertible refuses conversions llama-quantize refuses: from a
// quantized type without AllowRequantize, or from a type that cannot be
// turned into floats.
func checkConvertible(tp TensorPlan, allowRequantize bool) error {
	if tp.From == tp.To {
		return nil
	}
	if !tp.From.Known() {
		return fmt.Errorf("quantize: tensor %q: unknown type %v", tp.Name, tp.From)
	}
	tr := tp.From.Traits()
	switch {
	case tr.Quantized && !allowRequantize:
		return fmt.Errorf("quantize: tensor %q: requantizing from type %v is disabled (use --allow-requantize)", tp.Name, tp.From)
	case tr.Dequantize == nil || (!tr.Quantized && tp.From != quant.F32 && tp.From != quant.F16 && tp.From != quant.BF16):
		return fmt.Errorf("quantize: tensor %q: %w: cannot convert from type %v", tp.Name, ErrUnsupported, tp.From)
	}
	return nil
}

// converter turns tensors into another type on several goroutines,
// reusing its buffers from tensor to tensor.
type converter struct {
	threads int
	scratch [][]float32 // per worker
	buf     []byte
}

func newConverter(threads int) *converter {
	return &converter{threads: threads, scratch: make([][]float32, threads)}
}

// convert writes tensor data of type tp.From as tp.To to w.
func (c *converter) convert(w io.Writer, data []byte, tp TensorPlan, done func(int64)) error {
	if tp.From == tp.To {
		if _, err := w.Write(data); err != nil {
			return err
		}
		done(int64(len(data)))
		return nil
	}
	rowLen := int(tp.Dims[0])
	rows := len(data) / tp.From.RowSize(rowLen)
	srcRow := tp.From.RowSize(rowLen)
	deq := tp.From.Traits().Dequantize
	q := tp.To.Traits().Quantize
	fill := func(worker int, dst []byte, first, n int) error {
		need := n * rowLen
		if cap(c.scratch[worker]) < need {
			c.scratch[worker] = make([]float32, need)
		}
		f := c.scratch[worker][:need]
		deq(f, data[first*srcRow:(first+n)*srcRow])
		q(dst, f)
		return nil
	}
	var err error
	c.buf, err = WriteRows(w, c.buf, rows, tp.To.RowSize(rowLen), c.threads, fill, done)
	return err
}

// RowFunc fills dst with rows first … first+n−1 of a tensor. worker
// (0 ≤ worker < threads) tells which goroutine calls, so that the function
// can keep per-worker scratch buffers without locking.
type RowFunc func(worker int, dst []byte, first, n int) error

// blockBytes is about how many output bytes WriteRows produces between
// writes.
const blockBytes = 16 << 20

// WriteRows produces rows rows of rowBytes bytes each with fill, splitting
// each block of rows across threads goroutines, and writes them to w in
// order; done (if not nil) is told the bytes of each block written. buf is
// a buffer to reuse (may be nil); the one used is returned.
func WriteRows(w io.Writer, buf []byte, rows, rowBytes, threads int, fill RowFunc, done func(int64)) ([]byte, error) {
	if threads < 1 {
		threads = 1
	}
	perBlock := max(blockBytes/max(rowBytes, 1), threads)
	perBlock = min(perBlock, rows)
	if need := perBlock * rowBytes; cap(buf) < need {
		buf = make([]byte, need)
	}
	errs := make([]error, threads)
	for first := 0; first < rows; first += perBlock {
		n := min(perBlock, rows-first)
		block := buf[:n*rowBytes]
		per := (n + threads - 1) / threads
		var wg sync.WaitGroup
		for t := range threads {
			lo := t * per
			hi := min(lo+per, n)
			if lo >= hi {
				break
			}
			wg.Go(func() {
				errs[t] = fill(t, block[lo*rowBytes:hi*rowBytes], first+lo, hi-lo)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return buf, err
			}
		}
		if _, err := w.Write(block); err != nil {
			return buf, err
		}
		if done != nil {
			done(int64(len(block)))
		}
	}
	return buf, nil
}
