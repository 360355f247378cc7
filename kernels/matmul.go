package kernels

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gollm/gollm/quant"
)

// The matmul driver: what the tensor graph calls for a mul_mat node.
//
// A weight matrix has rows of k elements of type wt, stored one after the
// other (row r at w[r·wt.RowSize(k):]). Activations are cols columns of k
// floats; they are quantized once per operation into wt's activation type
// (ActivationType), column c at c·ActivationRowSize(wt, k). The output is
// dst[c·dstStride + r]: one column of rows floats per activation column.
//
// Two ways to run it:
//   - a caller with its own worker pool quantizes once (QuantizeActivations)
//     and lets each worker compute a range of output rows (MatMulRows);
//   - Pool does both with its own persistent goroutines.

// ErrUnsupported is wrapped by the errors of CheckMatMul for weight types
// the CPU kernels cannot multiply.
var ErrUnsupported = errors.New("unsupported weight type")

// CheckMatMul reports whether weights of type wt with rows of k elements
// can be multiplied on the CPU: wt has a dot product and k is a positive
// multiple of the block sizes of wt and of its activation type.
func CheckMatMul(wt quant.Type, k int) error {
	if !wt.Known() || int(wt) >= len(table) || table[wt].vecDot == nil {
		return fmt.Errorf("kernels: matmul with %v weights: %w", wt, ErrUnsupported)
	}
	at := table[wt].vecDotType
	if at != quant.F32 && table[at].fromFloat == nil {
		return fmt.Errorf("kernels: matmul with %v weights: no quantizer for activation type %v: %w", wt, at, ErrUnsupported)
	}
	if bs := max(wt.BlockSize(), at.BlockSize()); k <= 0 || k%bs != 0 {
		return fmt.Errorf("kernels: matmul with %v weights: row length %d is not a positive multiple of %d", wt, k, bs)
	}
	return nil
}

// ActivationType returns the type activations are quantized to for
// weights of type wt (f32 means they are used as they are). wt must pass
// CheckMatMul.
func ActivationType(wt quant.Type) quant.Type { return table[wt].vecDotType }

// ActivationRowSize returns the bytes of one quantized activation column
// of k elements for weights of type wt (which must pass CheckMatMul).
func ActivationRowSize(wt quant.Type, k int) int { return table[wt].vecDotType.RowSize(k) }

// QuantizeActivations converts cols columns of k floats (column c at
// x[c·k:]) into dst in wt's activation type, column c at
// c·ActivationRowSize(wt, k); f32 activations are copied. It allocates
// nothing.
func QuantizeActivations(wt quant.Type, dst []byte, x []float32, k, cols int) error {
	if err := CheckMatMul(wt, k); err != nil {
		return err
	}
	if cols < 0 || len(x) < k*cols || len(dst) < ActivationRowSize(wt, k)*cols {
		return fmt.Errorf("kernels: quantize activations: %d columns of %d need %d floats and %d bytes, have %d and %d",
			cols, k, k*cols, ActivationRowSize(wt, k)*cols, len(x), len(dst))
	}
	quantizeColumns(wt, dst, x, k, 0, cols)
	return nil
}

// quantizeColumns quantizes columns [c0, c1) without checks.
func quantizeColumns(wt quant.Type, dst []byte, x []float32, k, c0, c1 int) {
	at := table[wt].vecDotType
	colBytes := at.RowSize(k)
	if at == quant.F32 {
		copy(dst[c0*colBytes:c1*colBytes], F32Bytes(x[c0*k:c1*k]))
		return
	}
	q := table[at].fromFloat
	for c := c0; c < c1; c++ {
		q(dst[c*colBytes:(c+1)*colBytes], x[c*k:(c+1)*k])
	}
}

// MatMulRows computes output rows [r0, r1) for all cols columns:
// dst[c·dstStride + r] = row r of w · column c of xq, where w holds at
// least r1 rows of k elements of type wt and xq holds cols columns
// quantized by QuantizeActivations. With two or more columns (q8_0: five)
// and a row-interleaved kernel for the type, it repacks the whole strips
// of 16 rows from r0 on, on the fly (see Repack), and runs the strip
// kernel on them; otherwise, and for the rows left over, it uses the
// type's multi-row × multi-column tile where the shape allows and the dot
// product for the rest. Disjoint row ranges may run concurrently. It
// allocates nothing.
func MatMulRows(dst []float32, dstStride int, w []byte, wt quant.Type, k, r0, r1 int, xq []byte, cols int) error {
	if err := CheckMatMul(wt, k); err != nil {
		return err
	}
	if r0 < 0 || r1 < r0 || cols < 0 || dstStride < r1 && cols > 1 {
		return fmt.Errorf("kernels: matmul rows [%d, %d) × %d columns with output stride %d: bad shape", r0, r1, cols, dstStride)
	}
	if r1 == r0 || cols == 0 {
		return nil
	}
	if len(w) < r1*wt.RowSize(k) || len(xq) < cols*ActivationRowSize(wt, k) || len(dst) < (cols-1)*dstStride+r1 {
		return fmt.Errorf("kernels: matmul rows [%d, %d) × %d columns of %d %v: buffers too short (w %d, activations %d, dst %d)",
			r0, r1, cols, k, wt, len(w), len(xq), len(dst))
	}
	matMulRows(dst, dstStride, w, wt, k, r0, r1, xq, cols)
	return nil
}

// matMulRows is MatMulRows without checks. For each group of tile rows it
// walks all columns, so the weights stream through once while the
// activations stay in cache.
func matMulRows(dst []float32, dstStride int, w []byte, wt quant.Type, k, r0, r1 int, xq []byte, cols int) {
	kern := &table[wt]
	dot := kern.vecDot
	rowBytes := wt.RowSize(k)
	colBytes := kern.vecDotType.RowSize(k)
	r := r0
	if f := r16FormatOf(wt); f != nil && r16OnTheFly(wt, cols) && r1-r0 >= r16Rows {
		r = matMulRowsR16(dst, dstStride, w, f, k, r, r1, xq, cols)
	}
	if tile, tr, tc := kern.tile, kern.tileRows, kern.tileCols; tile != nil && cols >= tc {
		for ; r+tr <= r1; r += tr {
			c := 0
			for ; c+tc <= cols; c += tc {
				tile(k, w[r*rowBytes:], rowBytes, xq[c*colBytes:], colBytes, dst[c*dstStride+r:], dstStride)
			}
			for ; c < cols; c++ {
				y := xq[c*colBytes:]
				for i := r; i < r+tr; i++ {
					dst[c*dstStride+i] = dot(k, w[i*rowBytes:], y)
				}
			}
		}
	}
	for ; r < r1; r++ {
		x := w[r*rowBytes:]
		for c := 0; c < cols; c++ {
			dst[c*dstStride+r] = dot(k, x, xq[c*colBytes:])
		}
	}
}

// Pool multiplies matrices with a fixed set of persistent goroutines. The
// calling goroutine works too, so NewPool(1) starts none. Rows are handed
// out in chunks from an atomic counter (workers that finish early take
// more); activations are quantized into scratch memory the pool keeps, so
// a MatMul allocates nothing once the scratch has grown to the largest
// activations seen. A Pool runs one MatMul at a time; concurrent calls
// wait for each other.
type Pool struct {
	mu      sync.Mutex      // serializes MatMul and Close
	threads int             // goroutines working on one MatMul, the caller included
	wake    []chan struct{} // one per pool goroutine
	done    sync.WaitGroup  // pool goroutines still working on the current phase
	closed  bool
	scratch []byte // quantized activations

	// The current phase, set before the goroutines are woken.
	quantize bool // quantize activation columns instead of multiplying
	next     atomic.Int64
	chunk    int
	dst      []float32
	w        []byte
	m        *RepackedMatrix // instead of w
	wt       quant.Type
	rows, k  int
	x        []float32
	xq       []byte
	cols     int
}

// NewPool starts a pool of threads workers (the caller of MatMul counts as
// one). threads < 1 means runtime.GOMAXPROCS(0).
func NewPool(threads int) *Pool {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	p := &Pool{threads: threads, wake: make([]chan struct{}, threads-1)}
	for i := range p.wake {
		p.wake[i] = make(chan struct{})
		go p.worker(p.wake[i])
	}
	return p
}

// Threads returns the number of workers, the caller of MatMul included.
func (p *Pool) Threads() int { return p.threads }

func (p *Pool) worker(wake chan struct{}) {
	for range wake {
		p.work()
		p.done.Done()
	}
}

// run executes the current phase on every worker and waits for it.
func (p *Pool) run() {
	p.next.Store(0)
	p.done.Add(len(p.wake))
	for _, c := range p.wake {
		c <- struct{}{}
	}
	p.work()
	p.done.Wait()
}

// work takes chunks of the current phase until none are left.
func (p *Pool) work() {
	if p.quantize {
		for {
			c0 := int(p.next.Add(int64(p.chunk))) - p.chunk
			if c0 >= p.cols {
				return
			}
			quantizeColumns(p.wt, p.xq, p.x, p.k, c0, min(c0+p.chunk, p.cols))
		}
	}
	for {
		r0 := int(p.next.Add(int64(p.chunk))) - p.chunk
		if r0 >= p.rows {
			return
		}
		r1 := min(r0+p.chunk, p.rows)
		if p.m != nil {
			matMulRowsRepacked(p.dst, p.rows, p.m, r0, r1, p.xq, p.cols)
		} else {
			matMulRows(p.dst, p.rows, p.w, p.wt, p.k, r0, r1, p.xq, p.cols)
		}
	}
}

// MatMul computes dst[c·rows + r] = row r of w · column c of x for rows
// rows of k elements of type wt and cols columns of k floats (column c at
// x[c·k:]). It returns an error, before doing any work, when the type is
// unsupported, the shapes do not fit the buffers, or the pool is closed.
func (p *Pool) MatMul(dst []float32, w []byte, wt quant.Type, rows, k int, x []float32, cols int) error {
	if err := CheckMatMul(wt, k); err != nil {
		return err
	}
	if rows < 0 || cols < 0 || len(w) < rows*wt.RowSize(k) || len(x) < cols*k || len(dst) < rows*cols {
		return fmt.Errorf("kernels: matmul %d×%d %v by %d columns: buffers too short (w %d bytes, x %d, dst %d)",
			rows, k, wt, cols, len(w), len(x), len(dst))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("kernels: matmul on a closed Pool")
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	p.w, p.m = w, nil
	p.matMul(dst, wt, rows, k, x, cols)
	return nil
}

// MatMulRepacked is MatMul for a matrix made by Repack: dst[c·m.Rows() +
// r] = row r of m · column c of x (cols columns of m.K() floats).
func (p *Pool) MatMulRepacked(dst []float32, m *RepackedMatrix, x []float32, cols int) error {
	if m == nil || r16FormatOf(m.typ) == nil {
		return errors.New("kernels: matmul with a repacked matrix that Repack did not make")
	}
	rows, k := m.rows, m.k
	if cols < 0 || len(x) < cols*k || len(dst) < rows*cols {
		return fmt.Errorf("kernels: matmul repacked %d×%d %v by %d columns: buffers too short (x %d, dst %d)",
			rows, k, m.typ, cols, len(x), len(dst))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("kernels: matmul on a closed Pool")
	}
	if cols == 0 {
		return nil
	}
	p.w, p.m = nil, m
	p.matMul(dst, m.typ, rows, k, x, cols)
	return nil
}

// matMul runs a checked MatMul or MatMulRepacked (weights in p.w or p.m)
// with p.mu held.
func (p *Pool) matMul(dst []float32, wt quant.Type, rows, k int, x []float32, cols int) {
	p.wt, p.rows, p.k, p.x, p.cols, p.dst = wt, rows, k, x, cols, dst

	// Activations: f32 ones are used in place; others are quantized into
	// the scratch, by all workers when there are many.
	if ActivationType(wt) == quant.F32 {
		p.xq = F32Bytes(x[:cols*k])
	} else {
		need := cols * ActivationRowSize(wt, k)
		if cap(p.scratch) < need {
			p.scratch = make([]byte, need)
		}
		p.xq = p.scratch[:need]
		if cols*k >= 1<<16 && p.threads > 1 {
			p.quantize = true
			p.chunk = max(1, cols/(4*p.threads))
			p.run()
			p.quantize = false
		} else {
			quantizeColumns(wt, p.xq, x, k, 0, cols)
		}
	}

	// Rows: about four chunks per worker, whole tiles (or strips) each.
	unit := 1
	if tr := table[wt].tileRows; table[wt].tile != nil && cols >= table[wt].tileCols {
		unit = tr
	}
	if p.m != nil || r16OnTheFly(wt, cols) {
		unit = r16Rows
		if r16X2(wt) {
			unit = 2 * r16Rows // the two-strip kernels
		}
	}
	units := (rows + unit - 1) / unit
	p.chunk = (units + 4*p.threads - 1) / (4 * p.threads) * unit
	if p.threads == 1 {
		p.next.Store(0)
		p.work()
	} else {
		p.run()
	}
	p.dst, p.w, p.m, p.x, p.xq = nil, nil, nil, nil, nil
}

// Close stops the pool's goroutines. MatMul fails afterwards.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, c := range p.wake {
		close(c)
	}
}
