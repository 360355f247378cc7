package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

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
}

// New binds the model in f. It does not take ownership of f: the caller
// closes f after it is done with the model.
func New(f *gguf.File) (*Model, error) {
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
