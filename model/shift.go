package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// ErrNoKeyShift is returned by Context.Shift for an architecture whose
// cached keys cannot be moved to other positions.
var ErrNoKeyShift = errors.New("model: this architecture's cache cannot be shifted")

// keyRoper is implemented by architectures whose cached keys carry a rotary
// position embedding: keyRope returns layer l's rope (parameters and
// frequency factors) for a cache of ctxSize positions, exactly as the
// forward pass applies it.
type keyRoper interface {
	keyRope(l, ctxSize int) (tensor.RopeParams, *tensor.Tensor)
}

// Shift drops the cached positions keep…keep+discard−1 and moves the later
// ones down by discard, so that evaluation goes on at Pos()−discard; it is
// llama.cpp's context shift. Values are copied as they are. Keys are
// rotated back by discard positions: a rotary embedding turns each pair of
// dimensions by an angle linear in the position, so turning a cached key by
// the angle of −discard gives the key its new position would have had, up
// to one rounding to the cache type. The caller re-evaluates nothing.
func (c *Context) Shift(keep, discard int) error {
	n := c.nPast
	if keep < 0 || discard <= 0 || keep+discard > n {
		return fmt.Errorf("model: shift: cannot drop %d positions after %d of %d", discard, keep, n)
	}
	kr, ok := c.m.Arch.(keyRoper)
	if !ok {
		return ErrNoKeyShift
	}
	if m := n - keep - discard; m > 0 {
		if c.gs == nil {
			c.gs = tensor.NewGraph()
		}
		g := c.gs
		g.Reset()
		src, dst, pos := g.Input(quant.I32, m), g.Input(quant.I32, m), g.Input(quant.I32, m)
		s, d, p := mustI32(src), mustI32(dst), mustI32(pos)
		for i := range m {
			s[i], d[i], p[i] = int32(keep+discard+i), int32(keep+i), int32(-discard)
		}
		kv := c.kv
		for l := range kv.K {
			rp, ff := kr.keyRope(l, kv.Size)
			k := g.GetRows(kv.K[l], src)
			k = g.Rope(g.Reshape(k, kv.headDimK, kv.nHeadKV, m), pos, ff, shiftRope(rp))
			g.SetRows(kv.K[l], g.Reshape(k, kv.headDimK*kv.nHeadKV, m), dst)
			// Through a copy: the source and destination rows may overlap.
			w, nb := kv.headDimV*kv.nHeadKV, kv.V[l].Nb(1)
			v := g.Cont(g.View2D(kv.V[l], w, m, nb, (keep+discard)*nb))
			g.Cpy(v, g.View2D(kv.V[l], w, m, nb, keep*nb))
		}
		if err := g.Err(); err != nil {
			return fmt.Errorf("model: shift: building the graph: %w", err)
		}
		if err := g.Compute(c.be); err != nil {
			return fmt.Errorf("model: shift: %w", err)
		}
	}
	c.nPast = n - discard
	return nil
}

// shiftRope is p with the magnitude factor taken out: a shift must turn
// the cached keys, which already carry YaRN's attention factor, without
// scaling them again. With YaRN (ExtFactor ≠ 0) the rope scales by
// AttnFactor·(1 + 0.1·ln(1/FreqScale)), else by AttnFactor.
func shiftRope(p tensor.RopeParams) tensor.RopeParams {
	p.AttnFactor = 1
	if p.ExtFactor != 0 && p.FreqScale != 0 {
		p.AttnFactor = float32(1 / (1 + 0.1*math.Log(1/float64(p.FreqScale))))
	}
	return p
}

func mustI32(t *tensor.Tensor) []int32 {
	v, err := t.I32()
	if err != nil {
		panic("model: " + err.Error()) // an I32 input always has I32 data
	}
	return v
}
