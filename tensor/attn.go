package tensor

import (
	"math"
	"unsafe"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// attnKVType reports whether FlashAttn supports a K/V cache of type t.
func attnKVType(t quant.Type) bool {
	return t == quant.F16 || t == quant.Q8_0 || t == quant.F32
}

// Work items of flash_attn are (KV head, block of attnQBlock queries):
// every query head of the block that shares the KV head (grouped-query
// attention) is processed together, so each K/V tile is read and
// converted once for up to attnQBlock·group rows. Keys are taken in tiles
// of attnTile: the scores of a tile, then the tile's softmax weights p,
// then acc[d] += p·V[:, d] as dot products over the tile (V transposed to
// f32 in scratch), which run on the kernels' SIMD dot product.
const (
	attnTile   = 128
	attnQBlock = 8
)

// attnLayout is the per-worker scratch of a flash_attn node. Per row
// (query, head): q converted to K's type, q rounded back to f32, an f32
// output accumulator, the online softmax state (M, S) and the tile's
// scores; shared by the rows: the softmax weights of one row and the
// transposed V tile.
type attnLayout struct {
	rows, qqStride, dk, dv             int
	qq, qf, acc, m, s, sc, p, vt, vrow int // byte offsets
}

func newAttnLayout(t *Tensor) (attnLayout, int) {
	k, v := t.src[1], t.src[2]
	group := t.src[0].ne[2] / k.ne[2]
	l := attnLayout{rows: attnQBlock * group, dk: k.ne[0], dv: v.ne[0], qqStride: alignUp(4 * k.ne[0])}
	off := 0
	next := func(n int) int {
		o := off
		off += alignUp(n)
		return o
	}
	l.qq = next(l.rows * l.qqStride)
	l.qf = next(l.rows * 4 * l.dk)
	l.acc = next(l.rows * 4 * l.dv)
	l.m = next(4 * l.rows)
	l.s = next(4 * l.rows)
	l.sc = next(l.rows * 4 * attnTile)
	l.p = next(4 * attnTile)
	l.vt = next(4 * attnTile * l.dv)
	l.vrow = next(4 * l.dv)
	return l, off
}

func attnScratch(t *Tensor) int {
	_, n := newAttnLayout(t)
	return n
}

// flashAttn runs worker ith's share of a flash_attn node: an online
// softmax per row (running max M, running sum S, output accumulator
// rescaled by exp(M_old - M_new) when the max grows). Work items are fixed
// blocks, so each output row is computed the same way whatever the number
// of workers.
func (c *CPU) flashAttn(s *step, ith int) {
	t := s.t
	q, k, v, mask, pos := t.src[0], t.src[1], t.src[2], t.src[3], t.src[4]
	nq, nhead, nkv, nkvHeads := q.ne[1], q.ne[2], k.ne[1], k.ne[2]
	group := nhead / nkvHeads
	scale, softcap := t.fparams[0], t.fparams[1]
	window := int(t.iparams[0])
	if softcap != 0 {
		scale /= softcap
	}

	l, _ := newAttnLayout(t)
	dk, dv := l.dk, l.dv
	buf := c.threadBytes(s, ith)
	qq := func(r int) []byte { return buf[l.qq+r*l.qqStride : l.qq+(r+1)*l.qqStride] }
	qfBytes := func(r int) []byte { return buf[l.qf+4*r*dk : l.qf+4*(r+1)*dk] }
	acc := func(r int) []float32 { return f32s(buf[l.acc+4*r*dv:])[:dv] }
	scores := func(r int) []float32 { return f32s(buf[l.sc+4*r*attnTile:])[:attnTile] }
	M := f32s(buf[l.m:])[:l.rows]
	S := f32s(buf[l.s:])[:l.rows]
	pw := f32s(buf[l.p:])[:attnTile]
	vt := f32s(buf[l.vt:])[:attnTile*dv]
	vrow := f32s(buf[l.vrow:])[:dv]

	// As in ggml, q is converted to K's dot type: f16 for an f16 cache,
	// q8_0 for a q8_0 cache; qf is that rounded q as f32. The kernels' dot
	// product is used when it takes q in that form (or as f32 values, which
	// qf is), else a float64 dot with qf.
	qType := k.typ
	qFrom := fromFloatFunc(qType)
	vecDot := kernels.VecDot(k.typ)
	qAsF32 := false
	if kt, ok := kernels.VecDotType(k.typ); vecDot != nil && ok {
		switch kt {
		case qType:
		case quant.F32:
			qAsF32 = true
		default:
			vecDot = nil
		}
	} else {
		vecDot = nil
	}
	dotF := kernels.VecDot(quant.F32) // for p·V

	nqb := (nq + attnQBlock - 1) / attnQBlock
	total := nkvHeads * nqb
	negInf := float32(math.Inf(-1))
	for {
		item := int(s.counter.Add(1)) - 1
		if item >= total {
			return
		}
		hk, qb := item/nqb, item%nqb
		q0, q1 := qb*attnQBlock, min((qb+1)*attnQBlock, nq)
		rows := (q1 - q0) * group
		for r := 0; r < rows; r++ {
			iq, h := q0+r/group, hk*group+r%group
			qFrom(qq(r), q.rowF32(iq, h, 0))
			toF32(f32s(qfBytes(r))[:dk], qq(r), qType)
			clear(acc(r))
			M[r], S[r] = negInf, 0
		}

		// Keys any query of the block may see.
		lo, hi := 0, nkv
		if pos != nil {
			lo, hi = nkv, 0
			for iq := q0; iq < q1; iq++ {
				p := int(*(*int32)(pos.at(iq * pos.nb[0])))
				hi = max(hi, min(nkv, p+1))
				if window > 0 {
					lo = min(lo, max(0, p-window+1))
				} else {
					lo = 0
				}
			}
		}

		for j0 := lo; j0 < hi; j0 += attnTile {
			j1 := min(j0+attnTile, hi)
			n := j1 - j0
			// Scores of the tile; -inf where a key is hidden.
			anyVisible := false
			for iq := q0; iq < q1; iq++ {
				p, vlo, vhi := 0, j0, j1
				if pos != nil {
					p = int(*(*int32)(pos.at(iq * pos.nb[0])))
					vhi = min(j1, p+1)
					if window > 0 {
						vlo = max(j0, p-window+1)
					}
				}
				var mrowF []float32
				var mrowH []uint16
				if mask != nil {
					if mask.typ == quant.F16 {
						mrowH = u16s(mask.rowBytes(iq, 0, 0))
					} else {
						mrowF = mask.rowF32(iq, 0, 0)
					}
				}
				r0 := (iq - q0) * group
				for r := r0; r < r0+group; r++ {
					sc := scores(r)[:n]
					for j := range sc {
						sc[j] = negInf
					}
				}
				for j := vlo; j < vhi; j++ {
					var mv float32
					if mrowF != nil {
						mv = mrowF[j]
					} else if mrowH != nil {
						mv = quant.FP16ToFP32(mrowH[j])
					}
					if mv == negInf {
						continue
					}
					anyVisible = true
					kb := k.rowBytes(j, hk, 0)
					for r := r0; r < r0+group; r++ {
						var x float32
						switch {
						case vecDot != nil && qAsF32:
							x = vecDot(dk, kb, qfBytes(r))
						case vecDot != nil:
							x = vecDot(dk, kb, qq(r))
						default:
							x = dotRow(kb, k.typ, f32s(qfBytes(r))[:dk])
						}
						x *= scale
						if softcap != 0 {
							x = softcap * tanhf(x)
						}
						scores(r)[j-j0] = x + mv
					}
				}
			}
			if !anyVisible {
				continue
			}
			// V tile, transposed: vt[d·attnTile + j] = V[j0+j][d].
			for j := 0; j < n; j++ {
				vb := v.rowBytes(j0+j, hk, 0)
				var vr []float32
				switch v.typ {
				case quant.F32:
					vr = f32s(vb)[:dv]
				case quant.F16:
					h := u16s(vb)[:dv]
					for d, x := range h {
						vt[d*attnTile+j] = quant.FP16ToFP32(x)
					}
					continue
				default:
					toF32(vrow, vb, v.typ)
					vr = vrow
				}
				for d, x := range vr {
					vt[d*attnTile+j] = x
				}
			}
			// Online softmax update and acc += p·V per row.
			for r := 0; r < rows; r++ {
				sc := scores(r)[:n]
				mt := negInf
				for _, x := range sc {
					mt = max(mt, x)
				}
				if mt == negInf {
					continue
				}
				if mt > M[r] {
					if M[r] != negInf {
						ms := expf(M[r] - mt)
						a := acc(r)
						for i := range a {
							a[i] *= ms
						}
						S[r] *= ms
					}
					M[r] = mt
				}
				p := pw[:n]
				var sum float32
				for j, x := range sc {
					e := float32(0)
					if x != negInf {
						e = expf(x - M[r])
					}
					p[j] = e
					sum += e
				}
				S[r] += sum
				a := acc(r)
				pb := f32Bytes(p)
				for d := range a {
					col := vt[d*attnTile : d*attnTile+n]
					if dotF != nil {
						a[d] += dotF(n, pb, f32Bytes(col))
					} else {
						a[d] += dotF32(p, col)
					}
				}
			}
		}
		for r := 0; r < rows; r++ {
			iq, h := q0+r/group, hk*group+r%group
			out := t.rowF32(h, iq, 0)[:dv]
			var inv float32
			if S[r] != 0 {
				inv = 1 / S[r]
			}
			for i, x := range acc(r) {
				out[i] = x * inv
			}
		}
	}
}

// f32Bytes views float32s as bytes.
func f32Bytes(x []float32) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x))
}

// dotRow is Σ k[i]·q[i] in float64 for a K row of type typ (f16, q8_0, f32)
// and q as f32 (already rounded to K's dot type).
func dotRow(kb []byte, typ quant.Type, q []float32) float32 {
	var s0, s1 float64
	switch typ {
	case quant.F16:
		h := u16s(kb)[:len(q)]
		i := 0
		for ; i+2 <= len(q); i += 2 {
			s0 += float64(quant.FP16ToFP32(h[i])) * float64(q[i])
			s1 += float64(quant.FP16ToFP32(h[i+1])) * float64(q[i+1])
		}
		for ; i < len(q); i++ {
			s0 += float64(quant.FP16ToFP32(h[i])) * float64(q[i])
		}
		return float32(s0 + s1)
	case quant.F32:
		return dotF32(f32s(kb), q)
	}
	return dotQ8(kb, q)
}

const qk8_0 = 32 // elements per q8_0 block

func dotQ8(kb []byte, q []float32) float32 {
	var s float64
	for b := 0; b < len(q)/qk8_0; b++ {
		blk := kb[b*34 : (b+1)*34]
		d := float64(quant.FP16ToFP32(uint16(blk[0]) | uint16(blk[1])<<8))
		var bs float64
		for i := 0; i < qk8_0; i++ {
			bs += float64(int8(blk[2+i])) * float64(q[b*qk8_0+i])
		}
		s += d * bs
	}
	return float32(s)
}
