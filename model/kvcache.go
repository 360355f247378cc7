package model

import (
	"fmt"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// KVCache holds the keys and values of every layer for up to Size
// positions of one sequence. Slot i holds position i. Layer l's keys are a
// [HeadDimK·NHeadKV, Size] matrix (one row per position, heads side by
// side), its values likewise, as llama.cpp lays out its cache.
type KVCache struct {
	Type quant.Type // F16 (default) or Q8_0
	Size int        // positions
	K, V []*tensor.Tensor

	headDimK, headDimV, nHeadKV int
	bufs                        []tensor.Buffer
}

// NewKVCache allocates a cache of size positions on be.
func NewKVCache(be tensor.Backend, hp *HParams, typ quant.Type, size int) (*KVCache, error) {
	if typ != quant.F16 && typ != quant.Q8_0 && typ != quant.F32 {
		return nil, fmt.Errorf("model: KV cache type %v is not supported (f16, q8_0, f32)", typ)
	}
	if size <= 0 {
		return nil, fmt.Errorf("model: context size %d must be positive", size)
	}
	if typ == quant.Q8_0 && (hp.HeadDimK%32 != 0 || hp.HeadDimV%32 != 0) {
		return nil, fmt.Errorf("model: q8_0 KV cache needs head sizes that are multiples of 32 (have %d/%d)", hp.HeadDimK, hp.HeadDimV)
	}
	c := &KVCache{Type: typ, Size: size, headDimK: hp.HeadDimK, headDimV: hp.HeadDimV, nHeadKV: hp.NHeadKV}
	for l := 0; l < hp.NLayer; l++ {
		k, kb, err := tensor.Alloc(be, typ, hp.HeadDimK*hp.NHeadKV, size)
		if err != nil {
			c.Free()
			return nil, fmt.Errorf("model: KV cache: %w", err)
		}
		v, vb, err := tensor.Alloc(be, typ, hp.HeadDimV*hp.NHeadKV, size)
		if err != nil {
			kb.Free()
			c.Free()
			return nil, fmt.Errorf("model: KV cache: %w", err)
		}
		k.SetName(fmt.Sprintf("cache_k_l%d", l))
		v.SetName(fmt.Sprintf("cache_v_l%d", l))
		c.K = append(c.K, k)
		c.V = append(c.V, v)
		c.bufs = append(c.bufs, kb, vb)
	}
	return c, nil
}

// Bytes returns the cache's memory size.
func (c *KVCache) Bytes() int {
	n := 0
	for i := range c.K {
		n += c.K[i].Bytes() + c.V[i].Bytes()
	}
	return n
}

// Free releases the cache's buffers.
func (c *KVCache) Free() {
	for _, b := range c.bufs {
		b.Free()
	}
	c.bufs = nil
}

// Store appends to g the copies of this batch's keys k ([HeadDimK, NHeadKV,
// n_tokens]) and values v into layer l's slots at the batch's positions.
func (c *KVCache) Store(g *tensor.Graph, l int, b *Batch, k, v *tensor.Tensor) {
	n := b.NTokens
	g.SetRows(c.K[l], g.Reshape(k, c.headDimK*c.nHeadKV, n), b.Pos)
	g.SetRows(c.V[l], g.Reshape(v, c.headDimV*c.nHeadKV, n), b.Pos)
}

// Keys returns a view of layer l's first nkv keys as [HeadDimK, nkv,
// NHeadKV], the layout FlashAttn takes.
func (c *KVCache) Keys(g *tensor.Graph, l, nkv int) *tensor.Tensor {
	t := c.K[l]
	return g.View3D(t, c.headDimK, nkv, c.nHeadKV, t.Nb(1), c.Type.RowSize(c.headDimK), 0)
}

// Values returns a view of layer l's first nkv values as [HeadDimV, nkv,
// NHeadKV].
func (c *KVCache) Values(g *tensor.Graph, l, nkv int) *tensor.Tensor {
	t := c.V[l]
	return g.View3D(t, c.headDimV, nkv, c.nHeadKV, t.Nb(1), c.Type.RowSize(c.headDimV), 0)
}
