package tensor

import (
	"math"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// attnKVType reports whether FlashAttn supports a K/V cache of type t.
func attnKVType(t quant.Type) bool {
	return t == quant.F16 || t == quant.Q8_0 || t == quant.F32
}

// Work items of flash_attn are (KV head, block of query positions): every
// query head that shares the KV head (grouped-query attention) and every
// position of the block make the item's rows, about attnRows of them, so
// that each K/V tile is read and widened to f32 once for all of them.
// Keys are taken in tiles of attnTile:
//
//  1. the tile's scores S = Q·Kᵀ for all rows at once (kernels.DotRowsF32,
//     q already rounded to K's dot type and multiplied by the scale);
//  2. soft-capping, the mask and the positions' causal/sliding window;
//  3. per row, the online softmax: the tile's maximum, the running maximum
//     M, the rescale factor α = e^(M_old−M_new), the weights p = e^(s−M)
//     in place of the scores and their running sum S
//     (kernels.SoftmaxRowsF32);
//  4. acc = α·acc + p·V for all rows (kernels.AxpyRowsF32).
//
// At the end each output row is acc divided by the sum of its weights.
// Items are fixed by the shapes alone, so every output row is computed the
// same way whatever the number of workers.
const (
	attnTile = 128
	attnRows = 64
)

// attnLayout is the per-worker scratch of a flash_attn node: q converted
// to K's type (one row), the rows' scaled f32 queries, output
// accumulators, softmax state (M, S, α) and tile scores; the K and V tiles
// widened to f32; the block's mask rows as f32 and visible key ranges.
type attnLayout struct {
	qBlock, rows, dk, dv                       int
	qq, qf, acc, m, s, alpha, sc, kt, vt, mrow int // byte offsets
	vis                                        int
}

func newAttnLayout(t *Tensor) (attnLayout, int) {
	q, k, v := t.src[0], t.src[1], t.src[2]
	group := q.ne[2] / k.ne[2]
	qBlock := max(1, attnRows/group)
	l := attnLayout{qBlock: qBlock, rows: qBlock * group, dk: k.ne[0], dv: v.ne[0]}
	off := 0
	next := func(n int) int {
		o := off
		off += alignUp(n)
		return o
	}
	l.qq = next(4 * l.dk) // at least the size of a row of K's type
	l.qf = next(4 * l.rows * l.dk)
	l.acc = next(4 * l.rows * l.dv)
	l.m = next(4 * l.rows)
	l.s = next(4 * l.rows)
	l.alpha = next(4 * l.rows)
	l.sc = next(4 * l.rows * attnTile)
	l.kt = next(4 * attnTile * l.dk)
	l.vt = next(4 * attnTile * l.dv)
	l.mrow = next(4 * qBlock * attnTile)
	l.vis = next(4 * 2 * qBlock)
	return l, off
}

func attnScratch(t *Tensor) int {
	_, n := newAttnLayout(t)
	return n
}

// attnTileF32 returns rows j0…j0+n-1 of head h of the K or V cache x as f32
// rows and their stride: x's own storage when it is f32, else the rows
// converted into buf.
func attnTileF32(x *Tensor, j0, n, h int, buf []float32) ([]float32, int) {
	d := x.ne[0]
	off := j0*x.nb[1] + h*x.nb[2]
	end := off + (n-1)*x.nb[1] + x.typ.RowSize(d)
	switch {
	case x.typ == quant.F32 && x.nb[1]%4 == 0 && x.nb[1] >= 4*d:
		return f32s(x.data[off:end]), x.nb[1] / 4
	case x.typ == quant.F16 && x.nb[1] >= 2*d:
		kernels.F16ToF32Rows(buf, d, x.data[off:end], x.nb[1], n, d)
	case x.typ == quant.Q8_0 && x.nb[1] >= x.typ.RowSize(d):
		kernels.Q8_0ToF32Rows(buf, d, x.data[off:end], x.nb[1], n, d)
	default:
		for j := 0; j < n; j++ {
			toF32(buf[j*d:(j+1)*d], x.rowBytes(j0+j, h, 0), x.typ)
		}
	}
	return buf, d
}

// roundToF16Scaled sets dst[i] = f16(src[i])·scale, where f16(x) is x
// rounded to the nearest binary16 value (ties to even) as quant.FP32ToFP16
// rounds.
func roundToF16Scaled(dst, src []float32, scale float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		b := math.Float32bits(x)
		if b>>23&0xff-(127-14) < 29 {
			// A normal binary16 magnitude below 2¹⁵: round the mantissa
			// to 10 bits (a carry into the exponent is the right result).
			b += 0xfff + (b>>13)&1
			dst[i] = math.Float32frombits(b&^0x1fff) * scale
		} else {
			dst[i] = quant.FP16ToFP32(quant.FP32ToFP16(x)) * scale
		}
	}
}

// flashAttn runs worker ith's share of a flash_attn node (see above).
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
	qq := buf[l.qq : l.qq+k.typ.RowSize(dk)]
	qf := f32s(buf[l.qf:])[:l.rows*dk]
	acc := f32s(buf[l.acc:])[:l.rows*dv]
	M := f32s(buf[l.m:])[:l.rows]
	S := f32s(buf[l.s:])[:l.rows]
	alpha := f32s(buf[l.alpha:])[:l.rows]
	sc := f32s(buf[l.sc:])[:l.rows*attnTile]
	kt := f32s(buf[l.kt:])[:attnTile*dk]
	vt := f32s(buf[l.vt:])[:attnTile*dv]
	mrows := f32s(buf[l.mrow:])[:l.qBlock*attnTile]
	vis := i32s(buf[l.vis:])[:2*l.qBlock]

	// As in ggml, q is converted to K's dot type (f16 for an f16 cache,
	// q8_0 for a q8_0 cache); the scores are those of the rounded q.
	qFrom := fromFloatFunc(k.typ)
	qpos := func(iq int) int { return int(*(*int32)(pos.at(iq * pos.nb[0]))) }

	nqb := (nq + l.qBlock - 1) / l.qBlock
	total := nkvHeads * nqb
	negInf := float32(math.Inf(-1))
	for {
		item := int(s.counter.Add(1)) - 1
		if item >= total {
			return
		}
		hk, qb := item/nqb, item%nqb
		q0, q1 := qb*l.qBlock, min((qb+1)*l.qBlock, nq)
		rows := (q1 - q0) * group
		for r := 0; r < rows; r++ {
			iq, h := q0+r/group, hk*group+r%group
			qr := qf[r*dk : (r+1)*dk]
			switch k.typ {
			case quant.F16:
				roundToF16Scaled(qr, q.rowF32(iq, h, 0), scale)
			default:
				qFrom(qq, q.rowF32(iq, h, 0))
				toF32(qr, qq, k.typ)
				for i := range qr {
					qr[i] *= scale
				}
			}
			clear(acc[r*dv : (r+1)*dv])
			M[r], S[r] = negInf, 0
		}

		// Keys any query of the block may see.
		lo, hi := 0, nkv
		if pos != nil {
			lo, hi = nkv, 0
			for iq := q0; iq < q1; iq++ {
				p := qpos(iq)
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
			// Per query: the visible keys [vlo, vhi) of the tile and its
			// mask row.
			anyVisible := false
			for iq := q0; iq < q1; iq++ {
				vlo, vhi := j0, j1
				if pos != nil {
					p := qpos(iq)
					vhi = max(j0, min(j1, p+1))
					if window > 0 {
						vlo = min(vhi, max(j0, p-window+1))
					}
				}
				if mask != nil && vlo < vhi {
					m := mrows[(iq-q0)*attnTile:][:n]
					if mask.typ == quant.F16 {
						kernels.F16ToF32Rows(m, n, mask.rowBytes(iq, 0, 0)[2*j0:2*j1], 2*n, 1, n)
					} else {
						copy(m, mask.rowF32(iq, 0, 0)[j0:j1])
					}
					for vlo < vhi && m[vlo-j0] == negInf {
						vlo++
					}
					for vhi > vlo && m[vhi-1-j0] == negInf {
						vhi--
					}
				}
				vis[2*(iq-q0)], vis[2*(iq-q0)+1] = int32(vlo), int32(vhi)
				anyVisible = anyVisible || vlo < vhi
			}
			if !anyVisible {
				continue
			}

			kf, ldk := attnTileF32(k, j0, n, hk, kt)
			kernels.DotRowsF32(sc, attnTile, qf, dk, kf, ldk, rows, n, dk)

			// Scores of hidden keys → -Inf, soft cap, mask.
			for r := 0; r < rows; r++ {
				i := r / group
				vlo, vhi := int(vis[2*i])-j0, int(vis[2*i+1])-j0
				sr := sc[r*attnTile : r*attnTile+n]
				if vlo >= vhi {
					vlo, vhi = 0, 0
				}
				for j := range vlo {
					sr[j] = negInf
				}
				for j := vhi; j < n; j++ {
					sr[j] = negInf
				}
				vr := sr[vlo:vhi]
				if softcap != 0 {
					for j, x := range vr {
						vr[j] = softcap * tanhf(x)
					}
				}
				if mask != nil {
					m := mrows[i*attnTile+vlo : i*attnTile+vhi]
					for j, mv := range m {
						if mv == negInf {
							vr[j] = negInf
						} else {
							vr[j] += mv
						}
					}
				}
			}
			kernels.SoftmaxRowsF32(sc, attnTile, M, S, alpha, rows, n)

			vf, ldv := attnTileF32(v, j0, n, hk, vt)
			kernels.AxpyRowsF32(acc, dv, alpha, sc, attnTile, vf, ldv, rows, n, dv)
		}
		for r := 0; r < rows; r++ {
			iq, h := q0+r/group, hk*group+r%group
			out := t.rowF32(h, iq, 0)[:dv]
			var inv float32
			if S[r] != 0 {
				inv = 1 / S[r]
			}
			for i, x := range acc[r*dv : (r+1)*dv] {
				out[i] = x * inv
			}
		}
	}
}
