package tensor

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// float32 libm equivalents: the float64 function rounded to float32, which
// matches a correctly rounded expf/tanhf/… except in rare double-rounding
// cases.

func expf(x float32) float32  { return float32(math.Exp(float64(x))) }
func tanhf(x float32) float32 { return float32(math.Tanh(float64(x))) }
func sqrtf(x float32) float32 { return float32(math.Sqrt(float64(x))) }
func logf(x float32) float32  { return float32(math.Log(float64(x))) }
func erff(x float32) float32  { return float32(math.Erf(float64(x))) }
func cosf(x float32) float32  { return float32(math.Cos(float64(x))) }
func sinf(x float32) float32  { return float32(math.Sin(float64(x))) }
func powf(x, y float32) float32 {
	return float32(math.Pow(float64(x), float64(y)))
}

func ldF32(t *Tensor, off int) float32 { return *(*float32)(unsafe.Pointer(&t.data[off])) }

// rowIndex splits row number r of a tensor with sizes ne into (i1, i2, i3).
func rowIndex(r int, ne [4]int) (i1, i2, i3 int) {
	return r % ne[1], r / ne[1] % ne[2], r / (ne[1] * ne[2])
}

func (c *CPU) getRows(t *Tensor, ith, nth int) {
	a, idx := t.src[0], t.src[1]
	lo, hi := split(t.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i10, i11, i12 := rowIndex(r, t.ne)
		row := int(*(*int32)(idx.at(i10*idx.nb[0] + i11*idx.nb[1] + i12*idx.nb[2])))
		if row < 0 || row >= a.ne[1] {
			c.setErr(fmt.Errorf("get_rows %s: index %d out of range [0, %d)", t.label(), row, a.ne[1]))
			continue
		}
		toF32(t.rowF32(i10, i11, i12), a.rowBytes(row, i11, i12), a.typ)
	}
}

func (c *CPU) binary(t *Tensor, ith, nth int) {
	a, b := t.src[0], t.src[1]
	fast := a.nb[0] == 4 && b.nb[0] == 4 && b.ne[0] == t.ne[0]
	lo, hi := split(t.Rows(), ith, nth)
	c0, c1 := 0, t.ne[0]
	if fast {
		lo, hi, c0, c1 = elementSplit(t.Rows(), t.ne[0], ith, nth)
	}
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		dst := t.rowF32(i1, i2, i3)
		b1, b2, b3 := i1%b.ne[1], i2%b.ne[2], i3%b.ne[3]
		if fast {
			x, y := a.rowF32(i1, i2, i3)[c0:c1], b.rowF32(b1, b2, b3)[c0:c1]
			dst = dst[c0:c1]
			switch t.op {
			case OpAdd:
				for i := range x {
					dst[i] = x[i] + y[i]
				}
			case OpSub:
				for i := range x {
					dst[i] = x[i] - y[i]
				}
			case OpMul:
				for i := range x {
					dst[i] = x[i] * y[i]
				}
			case OpDiv:
				for i := range x {
					dst[i] = x[i] / y[i]
				}
			}
			continue
		}
		aoff := i1*a.nb[1] + i2*a.nb[2] + i3*a.nb[3]
		boff := b1*b.nb[1] + b2*b.nb[2] + b3*b.nb[3]
		for i := range dst {
			x := ldF32(a, aoff+i*a.nb[0])
			y := ldF32(b, boff+(i%b.ne[0])*b.nb[0])
			switch t.op {
			case OpAdd:
				dst[i] = x + y
			case OpSub:
				dst[i] = x - y
			case OpMul:
				dst[i] = x * y
			case OpDiv:
				dst[i] = x / y
			}
		}
	}
}

// GELU constants as ggml spells them (float32).
const (
	geluCoefA   float32 = 0.044715
	sqrt2OverPi float32 = 0.79788456080286535587989211986876
	sqrt2Inv    float32 = 0.70710678118654752440084436210484
)

func geluF32(x float32) float32 {
	return 0.5 * x * (1 + tanhf(sqrt2OverPi*x*(1+geluCoefA*x*x)))
}

// geluTable maps every binary16 input to its binary16 GELU, as ggml's CPU
// backend precomputes it.
var geluTable = sync.OnceValue(func() *[1 << 16]uint16 {
	var t [1 << 16]uint16
	for i := range t {
		t[i] = quant.FP32ToFP16(geluF32(quant.FP16ToFP32(uint16(i))))
	}
	return &t
})

// gelu is ggml_vec_gelu_f32 with GGML_GELU_FP16.
func gelu(tab *[1 << 16]uint16, x float32) float32 {
	switch {
	case x <= -10:
		return 0
	case x >= 10:
		return x
	}
	return quant.FP16ToFP32(tab[quant.FP32ToFP16(x)])
}

func geluErf(x float32) float32 { return 0.5 * x * (1 + erff(x*sqrt2Inv)) }

func silu(x float32) float32 { return x / (1 + expf(-x)) }

// elementSplit gives worker ith of nth its share of an elementwise op over
// rows rows of n elements: whole rows when there are at least as many rows
// as workers, else the same range of columns (a multiple of 64 wide) of
// every row, so that a decoding step's single row is shared too.
func elementSplit(rows, n, ith, nth int) (r0, r1, c0, c1 int) {
	const align = 64
	if rows >= nth || n < 2*align {
		r0, r1 = split(rows, ith, nth)
		return r0, r1, 0, n
	}
	per := (n + nth*align - 1) / (nth * align) * align
	return 0, rows, min(ith*per, n), min((ith+1)*per, n)
}

func (c *CPU) unary(t *Tensor, ith, nth int) {
	a := t.src[0]
	p0, p1 := t.fparams[0], t.fparams[1]
	var tab *[1 << 16]uint16
	if t.op == OpGelu {
		tab = geluTable()
	}
	var inv float32
	if t.op == OpSoftcap {
		inv = 1 / p0
	}
	r0, r1, c0, c1 := elementSplit(t.Rows(), t.ne[0], ith, nth)
	for r := r0; r < r1; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		dst := t.rowF32(i1, i2, i3)[c0:c1]
		var x []float32
		if a.nb[0] == 4 {
			x = a.rowF32(i1, i2, i3)[c0:c1]
		} else {
			off := i1*a.nb[1] + i2*a.nb[2] + i3*a.nb[3]
			for i := range dst {
				dst[i] = ldF32(a, off+(c0+i)*a.nb[0])
			}
			x = dst
		}
		x = x[:len(dst)]
		switch t.op {
		case OpScale:
			if p1 == 0 {
				for i, v := range x {
					dst[i] = v * p0
				}
			} else {
				for i, v := range x {
					dst[i] = v*p0 + p1
				}
			}
		case OpSilu:
			kernels.SiLU(dst, x)
		case OpGelu:
			for i, v := range x {
				dst[i] = gelu(tab, v)
			}
		case OpGeluErf:
			for i, v := range x {
				dst[i] = geluErf(v)
			}
		case OpTanh:
			for i, v := range x {
				dst[i] = tanhf(v)
			}
		case OpSoftcap:
			for i, v := range x {
				dst[i] = tanhf(v*inv) * p0
			}
		}
	}
}

func (c *CPU) rmsNorm(t *Tensor, ith, nth int) {
	a := t.src[0]
	eps := t.fparams[0]
	lo, hi := split(t.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		x := a.rowF32(i1, i2, i3)
		var sum float64
		for _, v := range x {
			sum += float64(v * v)
		}
		mean := float32(sum / float64(len(x)))
		scale := 1 / sqrtf(mean+eps)
		y := t.rowF32(i1, i2, i3)[:len(x)]
		for i, v := range x {
			y[i] = v * scale
		}
	}
}

func (c *CPU) norm(t *Tensor, ith, nth int) {
	a := t.src[0]
	eps := t.fparams[0]
	lo, hi := split(t.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		x := a.rowF32(i1, i2, i3)
		var sum float64
		for _, v := range x {
			sum += float64(v)
		}
		mean := float32(sum) / float32(len(x))
		y := t.rowF32(i1, i2, i3)[:len(x)]
		var sum2 float64
		for i, v := range x {
			d := v - mean
			y[i] = d
			sum2 += float64(d * d)
		}
		variance := float32(sum2 / float64(len(x)))
		scale := 1 / sqrtf(variance+eps)
		for i := range y {
			y[i] *= scale
		}
	}
}

// yarnCorrDims is ggml_rope_yarn_corr_dims.
func yarnCorrDims(nDims, nCtxOrig int, base, betaFast, betaSlow float32) [2]float32 {
	corrDim := func(nRot float32) float32 {
		return float32(nDims) * logf(float32(nCtxOrig)/(nRot*2*float32(math.Pi))) / (2 * logf(base))
	}
	start := float32(math.Floor(float64(corrDim(betaFast))))
	end := float32(math.Ceil(float64(corrDim(betaSlow))))
	return [2]float32{max(0, start), min(float32(nDims-1), end)}
}

// ropeCache fills cache[2i], cache[2i+1] with cos θ_i, sin θ_i (times the
// magnitude scale) for i < len(cache)/2, as ggml_rope_cache_init does:
// θ_0 = p and θ_{i+1} = θ_i·thetaScale in float32.
func ropeCache(cache []float32, p, freqScale float32, ff []float32, corr [2]float32, extFactor, mscale, thetaScale float32) {
	theta := p
	for i0 := 0; i0+1 < len(cache); i0 += 2 {
		f := float32(1)
		if ff != nil {
			f = ff[i0/2]
		}
		extrap := theta / f
		interp := freqScale * extrap
		th, ms := interp, mscale
		if extFactor != 0 {
			y := (float32(i0/2) - corr[0]) / max(0.001, corr[1]-corr[0])
			rampMix := (1 - min(1, max(0, y))) * extFactor
			th = float32(interp*(1-rampMix)) + float32(extrap*rampMix)
			ms *= 1 + 0.1*logf(1/freqScale)
		}
		cache[i0] = cosf(th) * ms
		cache[i0+1] = sinf(th) * ms
		theta *= thetaScale
	}
}

func (c *CPU) rope(s *step, ith, nth int) {
	t := s.t
	x, pos, ffT := t.src[0], t.src[1], t.src[2]
	dims, mode, nCtxOrig := int(t.iparams[0]), RopeMode(t.iparams[1]), int(t.iparams[2])
	base, freqScale, extFactor, attnFactor := t.fparams[0], t.fparams[1], t.fparams[2], t.fparams[3]
	betaFast, betaSlow := t.fparams[4], t.fparams[5]
	thetaScale := powf(base, -2/float32(dims))
	corr := yarnCorrDims(dims, nCtxOrig, base, betaFast, betaSlow)
	var ff []float32
	if ffT != nil {
		ff = f32s(ffT.data)
	}
	cache := c.threadFloats(s, ith)[:dims]
	lo, hi := split(t.Rows(), ith, nth)
	last := -1
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		if i2 != last {
			p := *(*int32)(pos.at(i2 * pos.nb[0]))
			ropeCache(cache, float32(p), freqScale, ff, corr, extFactor, attnFactor, thetaScale)
			last = i2
		}
		src, dst := x.rowF32(i1, i2, i3), t.rowF32(i1, i2, i3)
		if mode == RopeNormal {
			for i0 := 0; i0 < dims; i0 += 2 {
				cs, sn := cache[i0], cache[i0+1]
				x0, x1 := src[i0], src[i0+1]
				dst[i0] = x0*cs - x1*sn
				dst[i0+1] = x0*sn + x1*cs
			}
		} else {
			h := dims / 2
			for i := 0; i < h; i++ {
				cs, sn := cache[2*i], cache[2*i+1]
				x0, x1 := src[i], src[i+h]
				dst[i] = x0*cs - x1*sn
				dst[i+h] = x0*sn + x1*cs
			}
		}
		copy(dst[dims:], src[dims:])
	}
}

func (c *CPU) softMax(s *step, ith, nth int) {
	t := s.t
	a, mask := t.src[0], t.src[1]
	scale, softcap := t.fparams[0], t.fparams[1]
	var inv float32
	if softcap != 0 {
		inv = 1 / softcap
	}
	wp := c.threadFloats(s, ith)[:a.ne[0]]
	lo, hi := split(t.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		sp := a.rowF32(i1, i2, i3)
		if softcap != 0 {
			for i, v := range sp {
				wp[i] = tanhf(v*inv) * softcap
			}
		} else {
			copy(wp, sp)
		}
		for i := range wp {
			wp[i] *= scale
		}
		if mask != nil {
			m2, m3 := i2%mask.ne[2], i3%mask.ne[3]
			if mask.typ == quant.F16 {
				mp := u16s(mask.rowBytes(i1, m2, m3))[:len(wp)]
				for i, h := range mp {
					wp[i] += quant.FP16ToFP32(h)
				}
			} else {
				mp := mask.rowF32(i1, m2, m3)[:len(wp)]
				for i, v := range mp {
					wp[i] += v
				}
			}
		}
		dp := t.rowF32(i1, i2, i3)[:len(wp)]
		mx := float32(math.Inf(-1))
		for _, v := range wp {
			if v > mx {
				mx = v
			}
		}
		if math.IsInf(float64(mx), -1) {
			clear(dp)
			continue
		}
		var sum float64
		for i, v := range wp {
			e := expf(v - mx)
			sum += float64(e)
			dp[i] = e
		}
		isum := float32(1 / sum)
		for i := range dp {
			dp[i] *= isum
		}
	}
}

func (c *CPU) glu(t *Tensor, ith, nth int) {
	a, b := t.src[0], t.src[1]
	n := t.ne[0]
	var tab *[1 << 16]uint16
	if t.op == OpGeGLU {
		tab = geluTable()
	}
	r0, r1, c0, c1 := elementSplit(t.Rows(), n, ith, nth)
	for r := r0; r < r1; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		var x, y []float32
		if b == nil {
			row := a.rowF32(i1, i2, i3)
			x, y = row[:n], row[n:2*n]
		} else {
			x, y = a.rowF32(i1, i2, i3), b.rowF32(i1, i2, i3)[:n]
		}
		dst := t.rowF32(i1, i2, i3)[c0:c1]
		x, y = x[c0:c1], y[c0:c1]
		switch t.op {
		case OpSwiGLU:
			kernels.SwiGLU(dst, x, y)
		case OpGeGLU:
			for i, v := range x {
				switch {
				case v <= -10:
					dst[i] = 0
				case v >= 10:
					dst[i] = v * y[i]
				default:
					dst[i] = quant.FP16ToFP32(tab[quant.FP32ToFP16(v)]) * y[i]
				}
			}
		case OpGeGLUErf:
			for i, v := range x {
				dst[i] = 0.5 * v * (1 + erff(v*sqrt2Inv)) * y[i]
			}
		}
	}
}

func (c *CPU) argmax(t *Tensor, ith, nth int) {
	a := t.src[0]
	out := i32s(t.data)
	lo, hi := split(a.ne[1], ith, nth)
	for r := lo; r < hi; r++ {
		x := a.rowF32(r, 0, 0)
		mx := float32(math.Inf(-1))
		idx := 0
		for i, v := range x {
			mx = max(mx, v)
			if mx == v {
				idx = i
			}
		}
		out[r] = int32(idx)
	}
}

func (c *CPU) topK(s *step, ith, nth int) {
	t := s.t
	a := t.src[0]
	k := t.ne[0]
	best := i32s(c.threadBytes(s, ith))[:k]
	lo, hi := split(t.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		x := a.rowF32(i1, i2, i3)
		n := 0 // best[:n] holds indices sorted by value descending, index ascending
		for i, v := range x {
			if n == k && !(v > x[best[k-1]]) {
				continue
			}
			j := n
			if n < k {
				n++
			} else {
				j = k - 1
			}
			for j > 0 && v > x[best[j-1]] {
				best[j] = best[j-1]
				j--
			}
			best[j] = int32(i)
		}
		dst := i32s(t.data[i1*t.nb[1]+i2*t.nb[2]+i3*t.nb[3]:])
		copy(dst[:k], best)
	}
}

func (c *CPU) concat(t *Tensor, ith, nth int) {
	a, b := t.src[0], t.src[1]
	dim := int(t.iparams[0])
	es := t.typ.TypeSize()
	lo, hi := split(t.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		doff := i1*t.nb[1] + i2*t.nb[2] + i3*t.nb[3]
		for i0 := 0; i0 < t.ne[0]; i0++ {
			idx := [4]int{i0, i1, i2, i3}
			src := a
			if idx[dim] >= a.ne[dim] {
				idx[dim] -= a.ne[dim]
				src = b
			}
			soff := idx[0]*src.nb[0] + idx[1]*src.nb[1] + idx[2]*src.nb[2] + idx[3]*src.nb[3]
			copy(t.data[doff+i0*es:doff+i0*es+es], src.data[soff:soff+es])
		}
	}
}

func (c *CPU) sumRows(t *Tensor, ith, nth int) {
	a := t.src[0]
	lo, hi := split(t.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i1, i2, i3 := rowIndex(r, t.ne)
		off := i1*a.nb[1] + i2*a.nb[2] + i3*a.nb[3]
		var sum float64
		for i := 0; i < a.ne[0]; i++ {
			sum += float64(ldF32(a, off+i*a.nb[0]))
		}
		t.rowF32(i1, i2, i3)[0] = float32(sum)
	}
}

func (c *CPU) setRows(t *Tensor, ith, nth int) {
	src, idx, dst := t.src[0], t.src[1], t.src[2]
	from := fromFloatFunc(dst.typ)
	lo, hi := split(src.Rows(), ith, nth)
	for r := lo; r < hi; r++ {
		i, i2, i3 := rowIndex(r, src.ne)
		row := int(*(*int32)(idx.at(i*idx.nb[0] + (i2%idx.ne[1])*idx.nb[1] + (i3%idx.ne[2])*idx.nb[2])))
		if row < 0 || row >= dst.ne[1] {
			c.setErr(fmt.Errorf("set_rows %s: row index %d out of range [0, %d)", t.label(), row, dst.ne[1]))
			continue
		}
		from(t.rowBytes(row, i2, i3), src.rowF32(i, i2, i3))
	}
}

// cpy copies src into dst (t aliases dst, or is a fresh contiguous tensor
// for Cont) in logical element order.
func (c *CPU) cpy(s *step, ith, nth int) {
	t := s.t
	src := t.src[0]
	sq, dq := src.typ.BlockSize() != 1, t.typ.BlockSize() != 1
	if sq || dq || (src.ne[0] == t.ne[0] && src.rowsContiguous() && t.rowsContiguous()) {
		// Row by row (equal row lengths).
		lo, hi := split(src.Rows(), ith, nth)
		tmp := c.threadFloats(s, ith)
		var from func([]byte, []float32)
		if src.typ != t.typ {
			from = fromFloatFunc(t.typ)
		}
		for r := lo; r < hi; r++ {
			i1, i2, i3 := rowIndex(r, src.ne)
			o1, o2, o3 := rowIndex(r, t.ne)
			sr, dr := src.rowBytes(i1, i2, i3), t.rowBytes(o1, o2, o3)
			switch {
			case src.typ == t.typ:
				copy(dr, sr)
			case src.typ == quant.F32:
				from(dr, f32s(sr)[:src.ne[0]])
			default:
				row := tmp[:src.ne[0]]
				toF32(row, sr, src.typ)
				if t.typ == quant.F32 {
					copy(f32s(dr), row)
				} else {
					from(dr, row)
				}
			}
		}
		return
	}
	// Element by element over a share of the linear index range.
	n := src.Elements()
	lo, hi := split(n, ith, nth)
	if lo >= hi {
		return
	}
	var si, di [4]int
	unflatten(lo, src.ne, &si)
	unflatten(lo, t.ne, &di)
	same := src.typ == t.typ
	es := src.typ.TypeSize()
	for l := lo; l < hi; l++ {
		soff := si[0]*src.nb[0] + si[1]*src.nb[1] + si[2]*src.nb[2] + si[3]*src.nb[3]
		doff := di[0]*t.nb[0] + di[1]*t.nb[1] + di[2]*t.nb[2] + di[3]*t.nb[3]
		if same {
			copy(t.data[doff:doff+es], src.data[soff:soff+es])
		} else {
			storeFloat(t, doff, loadFloat(src, soff))
		}
		next(&si, src.ne)
		next(&di, t.ne)
	}
}

func unflatten(l int, ne [4]int, idx *[4]int) {
	idx[0] = l % ne[0]
	l /= ne[0]
	idx[1] = l % ne[1]
	l /= ne[1]
	idx[2] = l % ne[2]
	idx[3] = l / ne[2]
}

func next(idx *[4]int, ne [4]int) {
	for d := 0; d < MaxDims; d++ {
		idx[d]++
		if idx[d] < ne[d] {
			return
		}
		idx[d] = 0
	}
}

func loadFloat(t *Tensor, off int) float32 {
	p := t.at(off)
	switch t.typ {
	case quant.F16:
		return quant.FP16ToFP32(*(*uint16)(p))
	case quant.BF16:
		return quant.BF16ToFP32(*(*uint16)(p))
	}
	return *(*float32)(p)
}

func storeFloat(t *Tensor, off int, v float32) {
	p := t.at(off)
	switch t.typ {
	case quant.F16:
		*(*uint16)(p) = quant.FP32ToFP16(v)
	case quant.BF16:
		*(*uint16)(p) = quant.FP32ToBF16(v)
	default:
		*(*float32)(p) = v
	}
}
