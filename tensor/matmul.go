package tensor

import (
	"fmt"
	"sync/atomic"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// The matmul driver: how activations are prepared for a weight type and how
// a block of weight rows is multiplied with them. driver is the single
// switch between the drivers below and the kernels package's matmul
// driver.
var driver mmDriver = kernelsDriver{}

type mmDriver interface {
	// actType returns the type activations for weights of type wt are
	// converted to (a row of k elements takes actRowSize bytes), and
	// whether b must always be converted (false: f32 activations are used
	// as they are when their rows are dense).
	actType(wt quant.Type, k int) (at quant.Type, mustConvert bool)
	// convert converts one activation row for weights of type wt.
	convert(dst []byte, wt quant.Type, src []float32)
	// rows computes dst[c*dstStride+r] = w[r] · x[c] for r in [r0, r1) and
	// c < cols; w's rows are wStride bytes apart, x's columns xStride.
	// tmp is per-worker scratch of tmpFloats(k) floats.
	rows(dst []float32, dstStride int, w []byte, wStride int, wt quant.Type, k, r0, r1 int, x []byte, xStride, cols int, tmp []float32)
	tmpFloats(k int) int
	// rowsRepacked is rows for a weight repacked by kernels.Repack (r0
	// and r1 multiples of 16 or m's row count); it reports false, having
	// done nothing, when the driver does not multiply repacked weights,
	// and the caller then uses rows on the plain bytes.
	rowsRepacked(dst []float32, dstStride int, m *kernels.RepackedMatrix, r0, r1 int, x []byte, xStride, cols int) bool
}

// checkMatMulType reports whether weights of type wt with rows of k
// elements can be multiplied.
func checkMatMulType(wt quant.Type, k int) error {
	if kernels.CheckMatMul(wt, k) == nil {
		return nil
	}
	if !canDequantize(wt) {
		return fmt.Errorf("no matmul for %v weights", wt)
	}
	if k%wt.BlockSize() != 0 {
		return fmt.Errorf("rows of %d are not whole %v blocks", k, wt)
	}
	return nil
}

func actRowSize(at quant.Type, k int) int { return at.RowSize(k) }

// goDriver is the portable fallback: activations stay f32 (rounded to f16 or
// bf16 for weights of those types, as ggml converts them); weight rows are
// converted to f32 and dotted in float64.
type goDriver struct{}

func (goDriver) actType(wt quant.Type, k int) (quant.Type, bool) {
	return quant.F32, wt == quant.F16 || wt == quant.BF16
}

func (goDriver) convert(dst []byte, wt quant.Type, src []float32) {
	d := f32s(dst)[:len(src)]
	switch wt {
	case quant.F16:
		for i, v := range src {
			d[i] = quant.FP16ToFP32(quant.FP32ToFP16(v))
		}
	case quant.BF16:
		for i, v := range src {
			d[i] = quant.BF16ToFP32(quant.FP32ToBF16(v))
		}
	default:
		copy(d, src)
	}
}

func (goDriver) tmpFloats(k int) int { return k }

func (goDriver) rows(dst []float32, dstStride int, w []byte, wStride int, wt quant.Type, k, r0, r1 int, x []byte, xStride, cols int, tmp []float32) {
	rs := wt.RowSize(k)
	for r := r0; r < r1; r++ {
		wr := tmp[:k]
		toF32(wr, w[r*wStride:r*wStride+rs], wt)
		for c := 0; c < cols; c++ {
			xc := f32s(x[c*xStride : c*xStride+4*k])
			dst[c*dstStride+r] = dotF32(wr, xc)
		}
	}
}

func (goDriver) rowsRepacked([]float32, int, *kernels.RepackedMatrix, int, int, []byte, int, int) bool {
	return false
}

// kernelsDriver is the kernels package's matmul driver (ggml-compatible
// activation quantizers, assembly dot products and tiles). Activations for
// f16 and bf16 weights are rounded to those types first, since ggml
// converts them (the kernels take them as f32). Weight types the kernels
// cannot multiply use goDriver.
type kernelsDriver struct{}

func (kernelsDriver) actType(wt quant.Type, k int) (quant.Type, bool) {
	if kernels.CheckMatMul(wt, k) != nil {
		return goDriver{}.actType(wt, k)
	}
	return kernels.ActivationType(wt), wt == quant.F16 || wt == quant.BF16
}

func (kernelsDriver) convert(dst []byte, wt quant.Type, src []float32) {
	k := len(src)
	if kernels.CheckMatMul(wt, k) != nil || wt == quant.F16 || wt == quant.BF16 {
		goDriver{}.convert(dst, wt, src)
		return
	}
	if err := kernels.QuantizeActivations(wt, dst, src, k, 1); err != nil {
		panic(err) // a bug: sizes are planned; exec reports it as an error
	}
}

func (kernelsDriver) tmpFloats(k int) int { return k }

func (kernelsDriver) rows(dst []float32, dstStride int, w []byte, wStride int, wt quant.Type, k, r0, r1 int, x []byte, xStride, cols int, tmp []float32) {
	if kernels.CheckMatMul(wt, k) != nil {
		goDriver{}.rows(dst, dstStride, w, wStride, wt, k, r0, r1, x, xStride, cols, tmp)
		return
	}
	if xStride != kernels.ActivationRowSize(wt, k) {
		panic(fmt.Sprintf("tensor: activation stride %d for %v rows of %d", xStride, wt, k))
	}
	if wStride == wt.RowSize(k) {
		if err := kernels.MatMulRows(dst, dstStride, w, wt, k, r0, r1, x, cols); err != nil {
			panic(err)
		}
		return
	}
	// Strided weight rows (a view): one row at a time.
	for r := r0; r < r1; r++ {
		if err := kernels.MatMulRows(dst[r:], dstStride, w[r*wStride:], wt, k, 0, 1, x, cols); err != nil {
			panic(err)
		}
	}
}

func (kernelsDriver) rowsRepacked(dst []float32, dstStride int, m *kernels.RepackedMatrix, r0, r1 int, x []byte, xStride, cols int) bool {
	if xStride != kernels.ActivationRowSize(m.Type(), m.K()) {
		panic(fmt.Sprintf("tensor: activation stride %d for repacked %v rows of %d", xStride, m.Type(), m.K()))
	}
	if err := kernels.MatMulRowsRepacked(dst, dstStride, m, r0, r1, x, cols); err != nil {
		panic(err)
	}
	return true
}

// dotF32 is Σ a[i]·b[i] accumulated in float64, four lanes.
func dotF32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float64(a[i]) * float64(b[i])
		s1 += float64(a[i+1]) * float64(b[i+1])
		s2 += float64(a[i+2]) * float64(b[i+2])
		s3 += float64(a[i+3]) * float64(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * float64(b[i])
	}
	return float32((s0 + s1) + (s2 + s3))
}

// mulMatChunkRows is the number of rows of weights of type wt per work
// item: kernels.RowGrain, two strips of the kernels' row-interleaved
// layout (32 rows) for the types whose strip kernel takes two at a time
// (sharing each column's work between them), else 16. It does not depend
// on the thread count, so every row is computed the same way (same tile
// grouping) whatever the number of workers.
func mulMatChunkRows(wt quant.Type) int { return kernels.RowGrain(wt) }

// mulMatPlan describes how a mul_mat node runs.
type mulMatPlan struct {
	at      quant.Type
	convert bool // b is converted into the shared scratch first
	xrs     int  // bytes per converted activation row
	// own: b is one row, which every worker converts into its own scratch
	// at the start of the product phase instead of in a phase of its own:
	// a decoding step saves a barrier per matrix product, and the other
	// workers no longer wait while one converts.
	own bool
}

// ownOffset is where the converted row of a mulMatPlan.own product lies
// in a worker's scratch: after the float32 rows of the product phase.
func ownOffset(b *Tensor, k int) int {
	return alignUp(4 * (b.ne[0] + driver.tmpFloats(k)))
}

func planMulMat(a, b *Tensor) mulMatPlan {
	at, must := driver.actType(a.typ, a.ne[0])
	p := mulMatPlan{at: at, xrs: actRowSize(at, a.ne[0])}
	p.convert = must || at != quant.F32 || !b.rowsContiguous() || (b.ne[1] > 1 && b.nb[1] != p.xrs)
	return p
}

// mulMatConvert is phase 0 of mul_mat: every worker converts its share of
// b's rows into the shared scratch.
func (c *CPU) mulMatConvert(s *step, ith, nth int) {
	t := s.t
	a, b := t.src[0], t.src[1]
	nrows := b.Rows()
	lo, hi := split(nrows, ith, nth)
	tmp := c.threadFloats(s, ith)
	for r := lo; r < hi; r++ {
		i1, i2, i3 := r%b.ne[1], r/b.ne[1]%b.ne[2], r/(b.ne[1]*b.ne[2])
		row := c.rowAsF32(b, i1, i2, i3, tmp)
		driver.convert(c.scratch[r*s.mm.xrs:(r+1)*s.mm.xrs], a.typ, row)
	}
}

// rowAsF32 returns row (i1, i2, i3) of the F32 tensor b, gathered into tmp
// when its elements are strided.
func (c *CPU) rowAsF32(b *Tensor, i1, i2, i3 int, tmp []float32) []float32 {
	if b.rowsContiguous() {
		return b.rowF32(i1, i2, i3)
	}
	base := i1*b.nb[1] + i2*b.nb[2] + i3*b.nb[3]
	row := tmp[:b.ne[0]]
	for i := range row {
		row[i] = *(*float32)(b.at(base + i*b.nb[0]))
	}
	return row
}

// mulMatItems is the number of (batch, row chunk) work items of a*b.
func mulMatItems(a, b *Tensor) int {
	rows := mulMatChunkRows(a.typ)
	nchunks := (a.ne[1] + rows - 1) / rows
	return nchunks * b.ne[2] * b.ne[3]
}

// itemRange is a range [lo, hi) of work items, packed as lo | hi<<32 so
// that its owner (from the front) and other workers (from the back) can
// take items with one compare-and-swap. It fills a cache line so that
// workers draining their own ranges share no line.
type itemRange struct {
	v atomic.Uint64
	_ [56]byte
}

// splitItems gives each worker a contiguous range of step s's n items.
// Decoding (one activation column) reads every weight row once and is
// bound by memory reads: a worker streaming through adjacent rows keeps
// the hardware prefetchers ahead, where workers taking alternate chunks
// from one shared counter interleave their streams and bounce the
// counter's cache line between cores at every chunk.
func (c *CPU) splitItems(s *step, n int) {
	if len(s.ranges) < c.n {
		s.ranges = make([]itemRange, c.n)
	}
	for i := 0; i < c.n; i++ {
		lo, hi := split(n, i, c.n)
		s.ranges[i].v.Store(uint64(lo) | uint64(hi)<<32)
	}
	s.useRanges = true
}

// claimItem returns the next work item of step s for worker ith, or -1
// when none is left: from the front of its own range, then from the back
// of the other workers' ranges (a worker that falls behind is helped).
func (c *CPU) claimItem(s *step, ith int) int {
	own := &s.ranges[ith].v
	for {
		old := own.Load()
		lo, hi := uint32(old), uint32(old>>32)
		if lo >= hi {
			break
		}
		if own.CompareAndSwap(old, uint64(lo+1)|uint64(hi)<<32) {
			return int(lo)
		}
	}
	for j := 1; j < c.n; j++ {
		r := &s.ranges[(ith+j)%c.n].v
		for {
			old := r.Load()
			lo, hi := uint32(old), uint32(old>>32)
			if lo >= hi {
				break
			}
			if r.CompareAndSwap(old, uint64(lo)|uint64(hi-1)<<32) {
				return int(hi - 1)
			}
		}
	}
	return -1
}

// mulMatRun is the product phase: workers take (batch, row chunk) items
// from a shared counter, or, for one activation column, from per-worker
// ranges (claimItem).
func (c *CPU) mulMatRun(s *step, ith int) {
	t := s.t
	a, b := t.src[0], t.src[1]
	k, m := a.ne[0], a.ne[1]
	r2, r3 := b.ne[2]/a.ne[2], b.ne[3]/a.ne[3]
	chunkRows := mulMatChunkRows(a.typ)
	nchunks := (m + chunkRows - 1) / chunkRows
	total := nchunks * b.ne[2] * b.ne[3]
	tmp := c.threadFloats(s, ith)[b.ne[0]:]
	dstStride := t.nb[1] / 4
	var own []byte
	if s.mm.own {
		own = c.threadBytes(s, ith)[ownOffset(b, k):][:s.mm.xrs]
		row := c.rowAsF32(b, 0, 0, 0, c.threadFloats(s, ith)[:b.ne[0]])
		driver.convert(own, a.typ, row)
	}
	for {
		var item int
		if s.useRanges {
			item = c.claimItem(s, ith)
		} else {
			item = int(s.counter.Add(1)) - 1
		}
		if item < 0 || item >= total {
			return
		}
		batch, chunk := item/nchunks, item%nchunks
		i12, i13 := batch%b.ne[2], batch/b.ne[2]
		i02, i03 := i12/r2, i13/r3
		r0 := chunk * chunkRows
		r1 := min(r0+chunkRows, m)
		w := a.data[i02*a.nb[2]+i03*a.nb[3]:]
		var x []byte
		var xStride int
		if s.mm.own {
			x, xStride = own, s.mm.xrs
		} else if s.mm.convert {
			first := (i13*b.ne[2] + i12) * b.ne[1]
			x = c.scratch[first*s.mm.xrs : (first+b.ne[1])*s.mm.xrs]
			xStride = s.mm.xrs
		} else {
			x = b.data[i12*b.nb[2]+i13*b.nb[3]:]
			xStride = b.nb[1]
			if b.ne[1] == 1 {
				xStride = s.mm.xrs // one column: its stride does not matter
			}
		}
		dst := f32s(t.data[i12*t.nb[2]+i13*t.nb[3]:])
		if rp := a.repackedPlane(i02); rp != nil && driver.rowsRepacked(dst, dstStride, rp, r0, r1, x, xStride, b.ne[1]) {
			continue
		}
		driver.rows(dst, dstStride, w, a.nb[1], a.typ, k, r0, r1, x, xStride, b.ne[1], tmp)
	}
}

// mul_mat_id runs in four phases: 0 groups the (slot, token) columns by
// expert, 1 converts the activations into that grouped order, 2 multiplies
// each used expert's rows with its columns, 3 scatters the results.

type mulMatIDLayout struct {
	used               int // int32 in the shared scratch: number of grouped columns
	counts, offs, cols int // int32 arrays in the shared scratch: [nexp], [nexp], [ncols]
	acts               int // grouped converted activations
	out                int // grouped f32 results
}

func mulMatIDScratch(t *Tensor, p mulMatPlan) (mulMatIDLayout, int) {
	as := t.src[0]
	nexp, ncols, m := as.ne[2], t.ne[1]*t.ne[2], as.ne[1]
	var l mulMatIDLayout
	off := 0
	next := func(n int) int {
		o := off
		off += (n + alignment - 1) &^ (alignment - 1)
		return o
	}
	l.used = next(4)
	l.counts = next(4 * nexp)
	l.offs = next(4 * nexp)
	l.cols = next(4 * ncols)
	l.acts = next(ncols * p.xrs)
	l.out = next(4 * ncols * m)
	return l, off
}

func (c *CPU) mulMatIDGroup(s *step) {
	t := s.t
	as, ids := t.src[0], t.src[2]
	nexp, nused, ntok := as.ne[2], ids.ne[0], ids.ne[1]
	l := &s.mmid
	counts := i32s(c.scratch[l.counts:])[:nexp]
	offs := i32s(c.scratch[l.offs:])[:nexp]
	cols := i32s(c.scratch[l.cols:])[:nused*ntok]
	clear(counts)
	for tok := 0; tok < ntok; tok++ {
		for e := 0; e < nused; e++ {
			id := int(*(*int32)(ids.at(e*ids.nb[0] + tok*ids.nb[1])))
			if id < 0 || id >= nexp {
				c.setErr(fmt.Errorf("mul_mat_id %s: expert id %d out of range [0, %d)", t.label(), id, nexp))
				continue
			}
			counts[id]++
		}
	}
	var sum int32
	for e := range offs {
		offs[e] = sum
		sum += counts[e]
	}
	clear(counts)
	for tok := 0; tok < ntok; tok++ {
		for e := 0; e < nused; e++ {
			id := int(*(*int32)(ids.at(e*ids.nb[0] + tok*ids.nb[1])))
			if id < 0 || id >= nexp {
				continue
			}
			cols[offs[id]+counts[id]] = int32(tok*nused + e)
			counts[id]++
		}
	}
	// Columns with an invalid id keep whatever is in cols beyond sum; they
	// are never used (phases 1–3 only look at the first sum entries).
	i32s(c.scratch[l.used:])[0] = sum
}

func (c *CPU) mulMatIDConvert(s *step, ith, nth int) {
	t := s.t
	as, b, ids := t.src[0], t.src[1], t.src[2]
	l := &s.mmid
	cols := i32s(c.scratch[l.cols:])
	nused := ids.ne[0]
	lo, hi := split(int(i32s(c.scratch[l.used:])[0]), ith, nth)
	tmp := c.threadFloats(s, ith)
	for gi := lo; gi < hi; gi++ {
		col := int(cols[gi])
		tok, e := col/nused, col%nused
		row := c.rowAsF32(b, e%b.ne[1], tok, 0, tmp)
		dst := c.scratch[l.acts+gi*s.mm.xrs : l.acts+(gi+1)*s.mm.xrs]
		driver.convert(dst, as.typ, row)
	}
}

func (c *CPU) mulMatIDRun(s *step, ith int) {
	t := s.t
	as := t.src[0]
	k, m, nexp := as.ne[0], as.ne[1], as.ne[2]
	l := &s.mmid
	counts := i32s(c.scratch[l.counts:])[:nexp]
	offs := i32s(c.scratch[l.offs:])[:nexp]
	chunkRows := mulMatChunkRows(as.typ)
	nchunks := (m + chunkRows - 1) / chunkRows
	total := nchunks * nexp
	tmp := c.threadFloats(s, ith)[as.ne[0]:]
	out := f32s(c.scratch[l.out:])
	for {
		item := int(s.counter.Add(1)) - 1
		if item >= total {
			return
		}
		e, chunk := item/nchunks, item%nchunks
		n := int(counts[e])
		if n == 0 {
			continue
		}
		r0 := chunk * chunkRows
		r1 := min(r0+chunkRows, m)
		g0 := int(offs[e])
		x := c.scratch[l.acts+g0*s.mm.xrs : l.acts+(g0+n)*s.mm.xrs]
		if rp := as.repackedPlane(e); rp != nil && driver.rowsRepacked(out[g0*m:], m, rp, r0, r1, x, s.mm.xrs, n) {
			continue
		}
		w := as.data[e*as.nb[2]:]
		driver.rows(out[g0*m:], m, w, as.nb[1], as.typ, k, r0, r1, x, s.mm.xrs, n, tmp)
	}
}

func (c *CPU) mulMatIDScatter(s *step, ith, nth int) {
	t := s.t
	ids := t.src[2]
	l := &s.mmid
	cols := i32s(c.scratch[l.cols:])
	m := t.ne[0]
	nused := ids.ne[0]
	out := f32s(c.scratch[l.out:])
	lo, hi := split(int(i32s(c.scratch[l.used:])[0]), ith, nth)
	for gi := lo; gi < hi; gi++ {
		col := int(cols[gi])
		tok, e := col/nused, col%nused
		copy(t.rowF32(e, tok, 0), out[gi*m:(gi+1)*m])
	}
}
