package model

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
	"github.com/gollm/gollm/tokenizer"
)

// Arch is one loaded architecture: its weights bound and its forward pass.
type Arch interface {
	// Forward appends the forward pass of batch b to g and returns the F32
	// logits [n_vocab, len(b.Outputs)], or with b.Embed the final normalised
	// hidden states [n_embd, len(b.Outputs)].
	Forward(g *tensor.Graph, b *Batch) *tensor.Tensor
}

// Constructor binds an architecture's weights in m and returns it. It checks
// every tensor's presence and shape and returns a descriptive error for the
// first problem.
type Constructor func(m *Model) (Arch, error)

var (
	regMu sync.RWMutex
	archs = map[string]Constructor{}
)

// Register makes an architecture available under its general.architecture
// name. Architecture files call it from init.
func Register(name string, c Constructor) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := archs[name]; dup {
		panic("model: architecture registered twice: " + name)
	}
	archs[name] = c
}

// Architectures lists the registered architectures, sorted.
func Architectures() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	names := make([]string, 0, len(archs))
	for n := range archs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Model is a GGUF file bound to an architecture: hyperparameters, weights
// (zero-copy views of the mapped file), tokenizer and forward pass.
type Model struct {
	File *gguf.File
	HP   *HParams
	Tok  *tokenizer.Tokenizer
	Arch Arch

	weights map[string]*tensor.Tensor
	used    map[string]bool

	repackOnce    sync.Once
	repacked      int   // weights RepackWeights gave a repacked copy
	repackedBytes int64 // the memory those copies hold
	repackErr     error
}

// Option configures New.
type Option func(*options)

type options struct {
	noRepack bool
}

// WithRepack sets whether New repacks the weights (RepackWeights); the
// default is true. Repacked copies make matrix products several times
// faster on CPUs with a repacked kernel (AVX-512 VNNI) but take memory
// next to the mapped file: up to the size of the quantized matrices. Pass
// false where memory is tight.
func WithRepack(on bool) Option { return func(o *options) { o.noRepack = !on } }

// New binds the model in f and, unless WithRepack(false) is given, repacks
// its matrix weights (RepackWeights). It does not take ownership of f: the
// caller closes f after it is done with the model.
func New(f *gguf.File, opts ...Option) (*Model, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	arch, err := f.Architecture()
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	regMu.RLock()
	ctor, ok := archs[arch]
	regMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("model: %w %q (supported: %s)", errUnsupportedArch, arch, strings.Join(Architectures(), ", "))
	}
	hp, err := ReadHParams(f)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(f)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	m := &Model{File: f, HP: hp, Tok: tok, weights: map[string]*tensor.Tensor{}, used: map[string]bool{}}
	if m.Arch, err = ctor(m); err != nil {
		return nil, err
	}
	if !o.noRepack {
		if _, _, err := m.RepackWeights(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Weight returns the tensor called name with the shape ne (ne[0] fastest),
// or an error naming the tensor if it is missing or shaped differently.
func (m *Model) Weight(name string, ne ...int) (*tensor.Tensor, error) {
	t, ok, err := m.lookup(name, ne)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("model: %s: missing tensor %q", m.HP.Arch, name)
	}
	return t, nil
}

// OptionalWeight is Weight for tensors a file may leave out: it returns nil
// without error when the tensor is absent.
func (m *Model) OptionalWeight(name string, ne ...int) (*tensor.Tensor, error) {
	t, _, err := m.lookup(name, ne)
	return t, err
}

func (m *Model) lookup(name string, ne []int) (*tensor.Tensor, bool, error) {
	if t, ok := m.weights[name]; ok {
		return t, true, nil
	}
	info, ok := m.File.Tensor(name)
	if !ok {
		return nil, false, nil
	}
	dims := make([]int, len(info.Dims))
	for i, d := range info.Dims {
		dims[i] = int(d)
	}
	for len(dims) > 1 && dims[len(dims)-1] == 1 && len(dims) > len(ne) {
		dims = dims[:len(dims)-1]
	}
	want := slices.Clone(ne)
	for len(want) < len(dims) {
		want = append(want, 1)
	}
	for len(dims) < len(want) {
		dims = append(dims, 1)
	}
	if !slices.Equal(dims, want) {
		return nil, false, fmt.Errorf("model: %s: tensor %q has shape %v, want %v", m.HP.Arch, name, dims, want)
	}
	if info.Type.Traits().Dequantize == nil && info.Type != quant.F32 {
		return nil, false, fmt.Errorf("model: tensor %q: type %v is not supported", name, info.Type)
	}
	t, err := tensor.New(info.Type, m.File.TensorData(info), dims...)
	if err != nil {
		return nil, false, fmt.Errorf("model: tensor %q: %w", name, err)
	}
	t.SetName(name)
	m.weights[name] = t
	m.used[name] = true
	return t, true, nil
}

// Batch is one step of evaluation for a single sequence: NTokens tokens at
// consecutive positions starting at Pos0, attending to the KV cache.
type Batch struct {
	Tokens  *tensor.Tensor // I32 [n_tokens]
	Pos     *tensor.Tensor // I32 [n_tokens]: positions
	Outputs *tensor.Tensor // I32 [n_out]: which of the batch's rows need logits
	NTokens int
	Pos0    int // position of the first token
	KV      *KVCache
	Embed   bool // return hidden states instead of logits
}

// NKV returns how many cache positions the batch attends over.
func (b *Batch) NKV() int { return b.Pos0 + b.NTokens }

// RepackWeights gives every weight that the forward pass uses as the
// matrix of a matrix product (attention and FFN projections, MoE experts,
// the router, the output projection, and the token embeddings when the
// output is tied to them) a row-interleaved copy, which the CPU backend's
// matrix products then read (tensor.Tensor.Repack). Weights of types or on
// CPUs without a repacked kernel keep the plain path; everything else
// (get_rows on the embeddings, norms, biases) keeps reading the mapped
// file. It returns how many weights it repacked and the memory their
// copies hold.
//
// The weights are found by building the forward pass of a one-token batch
// and taking the weight operand of each of its MulMat and MulMatID nodes.
// It runs once per model: contexts and sessions share the weights, and
// later calls return the first call's figures. New calls it unless given
// WithRepack(false); calling it afterwards must not overlap a Decode.
func (m *Model) RepackWeights() (n int, bytes int64, err error) {
	m.repackOnce.Do(func() {
		var ws []*tensor.Tensor
		if ws, m.repackErr = m.matMulWeights(); m.repackErr != nil {
			return
		}
		// One weight at a time per core: repacking is memory-bound
		// copying, and the largest matrices take tens of milliseconds.
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(runtime.GOMAXPROCS(0), len(ws)) {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < len(ws); i = int(next.Add(1)) - 1 {
					ws[i].Repack()
				}
			})
		}
		wg.Wait()
		for _, w := range ws {
			if b := w.RepackedBytes(); b > 0 {
				m.repacked++
				m.repackedBytes += int64(b)
			}
		}
	})
	return m.repacked, m.repackedBytes, m.repackErr
}

// matMulWeights returns the bound weights that are the matrix operand of a
// MulMat or MulMatID of the forward pass, each once, in graph order.
func (m *Model) matMulWeights() ([]*tensor.Tensor, error) {
	hp := m.HP
	// A one-position cache in plain memory: the probe graph is planned to
	// list its nodes (side-effecting cache writes included, which hang off
	// the K and V projections), never computed.
	kv := &KVCache{Type: quant.F16, Size: 1, headDimK: hp.HeadDimK, headDimV: hp.HeadDimV, nHeadKV: hp.NHeadKV}
	for l := 0; l < hp.NLayer; l++ {
		k, err := tensor.New(quant.F16, make([]byte, quant.F16.RowSize(hp.HeadDimK*hp.NHeadKV)), hp.HeadDimK*hp.NHeadKV, 1)
		if err != nil {
			return nil, fmt.Errorf("model: %s: repacking: %w", hp.Arch, err)
		}
		v, err := tensor.New(quant.F16, make([]byte, quant.F16.RowSize(hp.HeadDimV*hp.NHeadKV)), hp.HeadDimV*hp.NHeadKV, 1)
		if err != nil {
			return nil, fmt.Errorf("model: %s: repacking: %w", hp.Arch, err)
		}
		kv.K = append(kv.K, k)
		kv.V = append(kv.V, v)
	}
	g := tensor.NewGraph()
	b := &Batch{NTokens: 1, KV: kv}
	b.Tokens = g.Input(quant.I32, 1)
	b.Pos = g.Input(quant.I32, 1)
	b.Outputs = g.Input(quant.I32, 1)
	for _, in := range []*tensor.Tensor{b.Tokens, b.Pos, b.Outputs} {
		if v, err := in.I32(); err == nil {
			clear(v)
		}
	}
	g.Output(m.Arch.Forward(g, b))
	be := tensor.NewCPU(1)
	defer be.Close()
	if err := g.Plan(be); err != nil {
		return nil, fmt.Errorf("model: %s: repacking: building the graph: %w", hp.Arch, err)
	}
	bound := make(map[*tensor.Tensor]bool, len(m.weights))
	for _, w := range m.weights {
		bound[w] = true
	}
	var ws []*tensor.Tensor
	for _, t := range g.Nodes() {
		if op := t.Op(); op != tensor.OpMulMat && op != tensor.OpMulMatID {
			continue
		}
		if w := t.Src(0); bound[w] {
			ws = append(ws, w)
			delete(bound, w)
		}
	}
	return ws, nil
}
