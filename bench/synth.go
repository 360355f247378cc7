package bench

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quantize"
)

// Llama3Rope is Llama 3.1's RoPE frequency scaling, which converted models
// store as the rope_freqs.weight tensor (one divisor per rotary pair).
type Llama3Rope struct {
	Factor         float64
	LowFreqFactor  float64
	HighFreqFactor float64
	OrigCtx        int // original_max_position_embeddings
}

// Shape is the architecture of a model: everything but the weights.
type Shape struct {
	Name      string // what `gollm bench --make` calls it, e.g. "llama-1b"
	ModelName string // general.name (gollm adds a "synthetic" note)
	SizeLabel string // general.size_label
	NLayer    int
	NEmbd     int
	NFF       int
	NHead     int
	NHeadKV   int
	NVocab    int // the vocabulary size the model has; 0: whatever the vocabulary file has
	CtxTrain  int
	RopeBase  float32
	NormEps   float32
	Tied      bool       // no output.weight: token_embd is the output matrix too
	Rope      Llama3Rope // Factor 0: no rope_freqs.weight
}

// shapes are the real models whose shapes the maker knows, from their
// Hugging Face config.json as llama.cpp's convert_hf_to_gguf turns them
// into GGUF metadata.
var shapes = []Shape{
	{Name: "llama-1b", ModelName: "Llama 3.2 1B", SizeLabel: "1B", NLayer: 16, NEmbd: 2048, NFF: 8192,
		NHead: 32, NHeadKV: 8, NVocab: 128256, CtxTrain: 131072, RopeBase: 500000, NormEps: 1e-5, Tied: true,
		Rope: Llama3Rope{Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OrigCtx: 8192}},
	{Name: "llama-3b", ModelName: "Llama 3.2 3B", SizeLabel: "3B", NLayer: 28, NEmbd: 3072, NFF: 8192,
		NHead: 24, NHeadKV: 8, NVocab: 128256, CtxTrain: 131072, RopeBase: 500000, NormEps: 1e-5, Tied: true,
		Rope: Llama3Rope{Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OrigCtx: 8192}},
	{Name: "llama-8b", ModelName: "Llama 3.1 8B", SizeLabel: "8B", NLayer: 32, NEmbd: 4096, NFF: 14336,
		NHead: 32, NHeadKV: 8, NVocab: 128256, CtxTrain: 131072, RopeBase: 500000, NormEps: 1e-5, Tied: false,
		Rope: Llama3Rope{Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OrigCtx: 8192}},
}

// Shapes returns the shapes the maker knows.
func Shapes() []Shape { return append([]Shape(nil), shapes...) }

// ShapeNamed returns the known shape called name.
func ShapeNamed(name string) (Shape, error) {
	var names []string
	for _, s := range shapes {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Shape{}, fmt.Errorf("bench: unknown model shape %q (want one of %s)", name, strings.Join(names, ", "))
}

func (s Shape) headDim() int { return s.NEmbd / s.NHead }

func (s Shape) check() error {
	switch {
	case s.NLayer <= 0 || s.NEmbd <= 0 || s.NFF <= 0 || s.NHead <= 0 || s.NHeadKV <= 0:
		return fmt.Errorf("bench: shape %q: layer, width and head counts must be positive", s.Name)
	case s.NEmbd%s.NHead != 0 || s.NHead%s.NHeadKV != 0:
		return fmt.Errorf("bench: shape %q: %d heads do not divide width %d or are not a multiple of %d KV heads",
			s.Name, s.NHead, s.NEmbd, s.NHeadKV)
	case s.headDim()%2 != 0:
		return fmt.Errorf("bench: shape %q: odd head size %d", s.Name, s.headDim())
	}
	return nil
}

// Tensors returns the tensors of the model as an F16 conversion declares
// them (convert_hf_to_gguf --outtype f16: matrices F16, vectors F32), for a
// vocabulary of nVocab tokens.
func (s Shape) Tensors(nVocab int) []gguf.TensorInfo {
	e, f, kv := uint64(s.NEmbd), uint64(s.NFF), uint64(s.NHeadKV*s.headDim())
	v := uint64(nVocab)
	var ts []gguf.TensorInfo
	add := func(name string, dims ...uint64) {
		typ := quant.F16
		if len(dims) == 1 {
			typ = quant.F32
		}
		ts = append(ts, gguf.TensorInfoOf(name, typ, dims...))
	}
	if s.Rope.Factor != 0 {
		add("rope_freqs.weight", uint64(s.headDim()/2))
	}
	add("token_embd.weight", e, v)
	for l := range s.NLayer {
		p := fmt.Sprintf("blk.%d.", l)
		add(p+"attn_norm.weight", e)
		add(p+"attn_q.weight", e, e)
		add(p+"attn_k.weight", e, kv)
		add(p+"attn_v.weight", e, kv)
		add(p+"attn_output.weight", e, e)
		add(p+"ffn_norm.weight", e)
		add(p+"ffn_gate.weight", e, f)
		add(p+"ffn_up.weight", e, f)
		add(p+"ffn_down.weight", f, e)
	}
	add("output_norm.weight", e)
	if !s.Tied {
		add("output.weight", e, v)
	}
	return ts
}

// Plan returns the tensors of the model quantized to ft, with the types
// llama-quantize would choose for its F16 conversion, in output order.
func (s Shape) Plan(ft gguf.FileType, nVocab int) (*quantize.Plan, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	info := quantize.ModelInfo{Arch: "llama", NLayer: s.NLayer, NHead: s.NHead, NHeadKV: s.NHeadKV}
	return quantize.NewPlan(info, s.Tensors(nVocab), quantize.Options{FileType: ft})
}

// metadata is what convert_hf_to_gguf writes for the shape (F16), with the
// vocabulary's tokenizer keys, in its order.
func (s Shape) metadata(nVocab int, vocab []gguf.KV) []gguf.KV {
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "general.type", Value: gguf.String("model")},
		{Key: "general.name", Value: gguf.String(s.ModelName + " (gollm synthetic, random weights)")},
	}
	if s.SizeLabel != "" {
		kv = append(kv, gguf.KV{Key: "general.size_label", Value: gguf.String(s.SizeLabel)})
	}
	u := func(k string, v int) gguf.KV { return gguf.KV{Key: "llama." + k, Value: gguf.Uint32(uint32(v))} }
	kv = append(kv,
		u("block_count", s.NLayer), u("context_length", s.CtxTrain), u("embedding_length", s.NEmbd),
		u("feed_forward_length", s.NFF), u("attention.head_count", s.NHead), u("attention.head_count_kv", s.NHeadKV),
		gguf.KV{Key: "llama.rope.freq_base", Value: gguf.Float32(s.RopeBase)},
		gguf.KV{Key: "llama.attention.layer_norm_rms_epsilon", Value: gguf.Float32(s.NormEps)},
		u("attention.key_length", s.headDim()), u("attention.value_length", s.headDim()),
		gguf.KV{Key: gguf.KeyFileType, Value: gguf.Uint32(uint32(gguf.FileTypeF16))},
		u("vocab_size", nVocab), u("rope.dimension_count", s.headDim()),
		gguf.KV{Key: quantize.KeyQuantizationVersion, Value: gguf.Uint32(quantize.QuantizationVersion)},
	)
	return append(kv, vocab...)
}

// ropeFreqs computes rope_freqs.weight as convert_hf_to_gguf does for
// Llama 3.1: for each rotary pair the divisor of its frequency (1 for short
// wavelengths, Factor for long ones, a smooth blend between).
func (s Shape) ropeFreqs() []float32 {
	dim := s.headDim()
	r := s.Rope
	lowWave := float64(r.OrigCtx) / r.LowFreqFactor
	highWave := float64(r.OrigCtx) / r.HighFreqFactor
	out := make([]float32, dim/2)
	for i := range out {
		freq := 1 / math.Pow(float64(s.RopeBase), float64(float32(2*i)/float32(dim)))
		wave := 2 * math.Pi / freq
		switch {
		case wave < highWave:
			out[i] = 1
		case wave > lowWave:
			out[i] = float32(r.Factor)
		default:
			smooth := (float64(r.OrigCtx)/wave - r.LowFreqFactor) / (r.HighFreqFactor - r.LowFreqFactor)
			out[i] = float32(1 / ((1-smooth)/r.Factor + smooth))
		}
	}
	return out
}

// MakeOptions configure Make.
type MakeOptions struct {
	Shape    Shape
	FileType gguf.FileType // the quantization mix, as llama-quantize applies it
	// Vocab is a GGUF file whose tokenizer.* keys the model gets (e.g.
	// ggml-vocab-llama-bpe.gguf for the Llama 3 shapes). Required.
	Vocab *gguf.File
	Seed  uint64
	// Threads generating and quantizing weights; 0: all cores.
	Threads int
	// PoolBlocks is how many distinct random 256-weight blocks a pool
	// holds (0: DefaultPoolBlocks); a negative value draws and quantizes
	// every block of every tensor independently, which is as slow as
	// quantizing a real model.
	PoolBlocks int
	// Progress, when set, is called as tensors are written.
	Progress func(quantize.Progress)
}

// DefaultPoolBlocks is the default size of a weight pool.
const DefaultPoolBlocks = 8192

// MakeResult summarises a made model.
type MakeResult struct {
	Plan   *quantize.Plan
	Bytes  int64  // tensor bytes
	Params uint64 // weights
}

// MakeFile writes a synthetic model to path (through a temporary file
// renamed when complete).
func MakeFile(path string, opt MakeOptions) (res *MakeResult, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if res, err = Make(tmp, opt); err != nil {
		return nil, err
	}
	if err = tmp.Close(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return res, nil
}

// Make streams a GGUF file with the shape, metadata and quantization mix
// of opt.Shape and random weights to w: exactly what llama-quantize would
// make of an F16 conversion of such a model, except for the values.
//
// Weights are seeded random numbers, approximately normal (a sum of four
// uniforms) with standard deviation 1/sqrt(row length), so that every
// matrix-vector product keeps unit scale and activations stay finite; norm
// weights are 1 and rope_freqs holds the real Llama 3 values. To make
// multi-gigabyte models in seconds, a matrix is built from a pool of
// PoolBlocks random 256-weight blocks quantized once (one pool per type and
// scale): each row is a seeded random sequence of pool blocks. Every
// supported type quantizes 256-weight blocks independently, so the result
// is exactly the quantization of a random F32 matrix (whose blocks repeat).
// With PoolBlocks < 0 every block is drawn and quantized on its own.
// The output does not depend on the number of threads.
func Make(w io.Writer, opt MakeOptions) (*MakeResult, error) {
	s := opt.Shape
	if opt.Vocab == nil {
		return nil, fmt.Errorf("bench: a vocabulary file is needed for the tokenizer metadata")
	}
	vocabKV, nVocab, err := tokenizerKV(opt.Vocab)
	if err != nil {
		return nil, err
	}
	if s.NVocab != 0 && s.NVocab != nVocab {
		return nil, fmt.Errorf("bench: shape %q has %d tokens, the vocabulary %d", s.Name, s.NVocab, nVocab)
	}
	plan, err := s.Plan(opt.FileType, nVocab)
	if err != nil {
		return nil, err
	}
	infos := make([]gguf.TensorInfo, len(plan.Tensors))
	for i, tp := range plan.Tensors {
		infos[i] = gguf.TensorInfoOf(tp.Name, tp.To, tp.Dims...)
	}
	kv := quantize.OutputKV(s.metadata(nVocab, vocabKV), opt.FileType)
	gw, err := gguf.NewWriter(w, kv, infos)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	poolBlocks := opt.PoolBlocks
	if poolBlocks == 0 {
		poolBlocks = DefaultPoolBlocks
	}
	g := &generator{seed: opt.Seed, threads: threads, poolBlocks: poolBlocks, pools: map[poolKey][]byte{}}
	res := &MakeResult{Plan: plan}
	var buf []byte
	for i, tp := range plan.Tensors {
		size := int64(gw.Tensors()[i].Size)
		pr := quantize.Progress{Index: i, Count: len(plan.Tensors), Name: tp.Name, From: tp.From, To: tp.To,
			TensorBytes: size, BytesOut: res.Bytes}
		done := func(n int64) {
			if opt.Progress != nil {
				pr.TensorDone += n
				pr.BytesOut += n
				opt.Progress(pr)
			}
		}
		if buf, err = g.tensor(gw, buf, s, tp, done); err != nil {
			return nil, fmt.Errorf("bench: tensor %q: %w", tp.Name, err)
		}
		res.Bytes += size
		n := uint64(1)
		for _, d := range tp.Dims {
			n *= d
		}
		res.Params += n
	}
	if err := gw.Close(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return res, nil
}

// tokenizerKV returns the tokenizer.* keys of a vocabulary file and its
// token count.
func tokenizerKV(f *gguf.File) ([]gguf.KV, int, error) {
	var kv []gguf.KV
	for _, e := range f.KV {
		if strings.HasPrefix(e.Key, "tokenizer.") {
			kv = append(kv, e)
		}
	}
	v, ok := f.Get("tokenizer.ggml.tokens")
	if !ok || v.Type != gguf.TypeArray {
		return nil, 0, fmt.Errorf("bench: the vocabulary file has no tokenizer.ggml.tokens")
	}
	n := v.V.(gguf.Array).Len()
	if n == 0 {
		return nil, 0, fmt.Errorf("bench: the vocabulary file has no tokens")
	}
	return kv, n, nil
}

// poolKey identifies a pool of quantized random blocks.
type poolKey struct {
	typ   quant.Type
	unit  int // weights per pool entry
	scale float32
}

// generator makes the data of the tensors of a synthetic model.
type generator struct {
	seed       uint64
	threads    int
	poolBlocks int
	pools      map[poolKey][]byte
	scratch    [][]float32
}

// tensor writes the data of one tensor.
func (g *generator) tensor(w io.Writer, buf []byte, s Shape, tp quantize.TensorPlan, done func(int64)) ([]byte, error) {
	switch {
	case tp.Name == "rope_freqs.weight":
		return buf, writeFloats(w, s.ropeFreqs(), done)
	case len(tp.Dims) == 1:
		ones := make([]float32, tp.Dims[0])
		for i := range ones {
			ones[i] = 1
		}
		return buf, writeFloats(w, ones, done)
	}
	rowLen := int(tp.Dims[0])
	rows := 1
	for _, d := range tp.Dims[1:] {
		rows *= int(d)
	}
	scale := float32(1 / math.Sqrt(float64(rowLen)))
	tseed := g.seed ^ nameHash(tp.Name)
	rowBytes := tp.To.RowSize(rowLen)
	if g.poolBlocks < 0 {
		if len(g.scratch) < g.threads {
			g.scratch = make([][]float32, g.threads)
		}
		q := tp.To.Traits().Quantize
		fill := func(worker int, dst []byte, first, n int) error {
			if cap(g.scratch[worker]) < rowLen {
				g.scratch[worker] = make([]float32, rowLen)
			}
			x := g.scratch[worker][:rowLen]
			for r := first; r < first+n; r++ {
				randomRow(x, rand.NewPCG(tseed, uint64(r)), scale)
				q(dst[(r-first)*rowBytes:(r-first+1)*rowBytes], x)
			}
			return nil
		}
		return quantize.WriteRows(w, buf, rows, rowBytes, g.threads, fill, done)
	}
	unit := rowLen
	if rowLen%256 == 0 {
		unit = 256
	}
	pool := g.pool(poolKey{tp.To, unit, scale})
	unitBytes := tp.To.RowSize(unit)
	perRow := rowLen / unit
	fill := func(_ int, dst []byte, first, n int) error {
		for r := first; r < first+n; r++ {
			rng := rand.New(rand.NewPCG(tseed, uint64(r)))
			row := dst[(r-first)*rowBytes:]
			for k := range perRow {
				j := rng.IntN(g.poolBlocks)
				copy(row[k*unitBytes:(k+1)*unitBytes], pool[j*unitBytes:(j+1)*unitBytes])
			}
		}
		return nil
	}
	return quantize.WriteRows(w, buf, rows, rowBytes, g.threads, fill, done)
}

// pool returns (making it on first use) the quantized random blocks of a
// type and scale; entry j is drawn from its own seeded stream.
func (g *generator) pool(k poolKey) []byte {
	if p, ok := g.pools[k]; ok {
		return p
	}
	unitBytes := k.typ.RowSize(k.unit)
	p := make([]byte, g.poolBlocks*unitBytes)
	pseed := g.seed ^ nameHash(fmt.Sprintf("pool %v %d %g", k.typ, k.unit, k.scale))
	q := k.typ.Traits().Quantize
	var wg sync.WaitGroup
	per := (g.poolBlocks + g.threads - 1) / g.threads
	for lo := 0; lo < g.poolBlocks; lo += per {
		hi := min(lo+per, g.poolBlocks)
		wg.Go(func() {
			x := make([]float32, k.unit)
			for j := lo; j < hi; j++ {
				randomRow(x, rand.NewPCG(pseed, uint64(j)), k.scale)
				q(p[j*unitBytes:(j+1)*unitBytes], x)
			}
		})
	}
	wg.Wait()
	g.pools[k] = p
	return p
}

// randomRow fills x with approximately normal values of standard deviation
// scale: each is the sum of four uniform 16-bit numbers (Irwin–Hall),
// centred and scaled, from one 64-bit draw.
func randomRow(x []float32, src rand.Source, scale float32) {
	k := scale * float32(math.Sqrt(3)) / 65536
	for i := range x {
		u := src.Uint64()
		s := u&0xffff + u>>16&0xffff + u>>32&0xffff + u>>48
		x[i] = (float32(s) - 2*65535) * k
	}
}

func nameHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func writeFloats(w io.Writer, x []float32, done func(int64)) error {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	done(int64(len(b)))
	return nil
}
