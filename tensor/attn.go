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

// attnScratch is the per-worker scratch of a flash_attn node: q converted
// to K's type (≤ 4 bytes per element), q rounded back to f32, and the f32
// V accumulator and V row.
func attnScratch(t *Tensor) int {
	dk, dv := t.src[1].ne[0], t.src[2].ne[0]
	return alignUp(4*dk) + 4*dk + 8*dv
}

// flashAttn: workers take (head, query) rows from a shared counter; each
// streams over its keys with an online softmax (running max M, running sum
// S, output accumulator rescaled when the max grows).
func (c *CPU) flashAttn(s *step, ith int) {
	t := s.t
	q, k, v, mask, pos := t.src[0], t.src[1], t.src[2], t.src[3], t.src[4]
	dk, dv := k.ne[0], v.ne[0]
	nq, nhead, nkv := q.ne[1], q.ne[2], k.ne[1]
	group := nhead / k.ne[2]
	scale, softcap := t.fparams[0], t.fparams[1]
	window := int(t.iparams[0])
	if softcap != 0 {
		scale /= softcap
	}

	buf := c.threadBytes(s, ith)
	qq := buf[:alignUp(4*dk)]                        // q in K's dot type
	qf := f32s(buf[alignUp(4*dk):])[:dk]             // q rounded to K's precision, as f32
	acc := f32s(buf[alignUp(4*dk)+4*dk:])[:dv]       // V accumulator
	vrow := f32s(buf[alignUp(4*dk)+4*dk+4*dv:])[:dv] // one V row as f32

	// As in ggml, q is converted to K's dot type: f16 for an f16 cache,
	// q8_0 for a q8_0 cache. qf is that rounded q as f32.
	qType := k.typ
	qFrom := fromFloatFunc(qType)
	// The kernels' dot product when it takes q in that form (or as f32
	// values, which qf is), else a float64 dot with qf.
	vecDot := kernels.VecDot(k.typ)
	var qDot []byte
	if kt, ok := kernels.VecDotType(k.typ); vecDot != nil && ok {
		switch kt {
		case qType:
			qDot = qq
		case quant.F32:
			qDot = buf[alignUp(4*dk) : alignUp(4*dk)+4*dk]
		default:
			vecDot = nil
		}
	} else {
		vecDot = nil
	}

	total := nq * nhead
	negInf := float32(math.Inf(-1))
	for {
		ir := int(s.counter.Add(1)) - 1
		if ir >= total {
			return
		}
		h, iq := ir/nq, ir%nq
		hk := h / group
		qrow := q.rowF32(iq, h, 0)
		qFrom(qq, qrow)
		toF32(qf, qq, qType)

		lo, hi := 0, nkv
		if pos != nil {
			p := int(*(*int32)(pos.at(iq * pos.nb[0])))
			hi = min(nkv, p+1)
			if window > 0 {
				lo = max(0, p-window+1)
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

		M, S := negInf, float32(0)
		clear(acc)
		for j := lo; j < hi; j++ {
			var mv float32
			if mrowF != nil {
				mv = mrowF[j]
			} else if mrowH != nil {
				mv = quant.FP16ToFP32(mrowH[j])
			}
			if mv == negInf {
				continue
			}
			kb := k.rowBytes(j, hk, 0)
			var sc float32
			if vecDot != nil {
				sc = vecDot(dk, kb, qDot)
			} else {
				sc = dotRow(kb, k.typ, qf)
			}
			sc *= scale
			if softcap != 0 {
				sc = softcap * tanhf(sc)
			}
			sc += mv

			ms, vs := float32(1), float32(1)
			if sc > M {
				if M != negInf {
					ms = expf(M - sc)
					for i := range acc {
						acc[i] *= ms
					}
				} else {
					ms = 0
				}
				M = sc
			} else {
				vs = expf(sc - M)
			}
			vb := v.rowBytes(j, hk, 0)
			if v.typ == quant.F32 {
				vr := f32s(vb)[:dv]
				for i, x := range vr {
					acc[i] += x * vs
				}
			} else {
				toF32(vrow, vb, v.typ)
				for i, x := range vrow {
					acc[i] += x * vs
				}
			}
			S = S*ms + vs
		}
		out := t.rowF32(h, iq, 0)[:dv]
		var inv float32
		if S != 0 {
			inv = 1 / S
		}
		for i, x := range acc {
			out[i] = x * inv
		}
	}
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
