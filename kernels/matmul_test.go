package kernels

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gollm/gollm/quant"
)

// matmulTypes are the weight types the driver tests run: every type with
// a dot product.
func matmulTypes(t testing.TB) []quant.Type {
	var ts []quant.Type
	for i := range table {
		if table[i].vecDot != nil {
			ts = append(ts, quant.Type(i))
		}
	}
	if len(ts) < 8 {
		t.Fatalf("only %d weight types to test", len(ts))
	}
	return ts
}

// TestMatMul compares Pool.MatMul with 1, 2 and 4 threads against a naive
// float64 matmul of the dequantized weights and dequantized (quantized)
// activations, for shapes around every tile size; the thread counts must
// agree bit for bit.
func TestMatMul(t *testing.T) {
	pools := map[int]*Pool{1: NewPool(1), 2: NewPool(2), 4: NewPool(4)}
	defer func() {
		for _, p := range pools {
			p.Close()
		}
	}()
	rng := newRNG(21)
	for _, wt := range matmulTypes(t) {
		at := ActivationType(wt)
		k := 2 * max(wt.BlockSize(), at.BlockSize())
		for _, shape := range [][2]int{{1, 1}, {5, 1}, {4, 4}, {9, 3}, {17, 5}, {8, 8}, {13, 9}, {33, 33}} {
			rows, cols := shape[0], shape[1]
			t.Run(fmt.Sprintf("%v/%dx%d", wt, rows, cols), func(t *testing.T) {
				w := randRow(t, rng, wt, rows*k, blockMixed)
				x := make([]float32, cols*k)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				xq := make([]byte, cols*ActivationRowSize(wt, k))
				if err := QuantizeActivations(wt, xq, x, k, cols); err != nil {
					t.Fatal(err)
				}
				var first []float32
				for _, threads := range []int{1, 2, 4} {
					dst := make([]float32, rows*cols)
					if err := pools[threads].MatMul(dst, w, wt, rows, k, x, cols); err != nil {
						t.Fatal(err)
					}
					for c := 0; c < cols; c++ {
						for r := 0; r < rows; r++ {
							want, absSum := refDot(t, wt, w[r*wt.RowSize(k):], at, xq[c*ActivationRowSize(wt, k):], k)
							checkDot(t, fmt.Sprintf("%d threads, r=%d c=%d", threads, r, c), dst[c*rows+r], want, absSum, dotTol)
						}
					}
					if first == nil {
						first = dst
					} else if !slices.Equal(first, dst) {
						t.Errorf("%d threads differ from 1 thread", threads)
					}
				}
			})
		}
	}
}

// TestMatMulRows checks that row ranges computed separately (as a graph's
// own workers would) give the Pool's result, including ranges that start
// inside a tile, and that the checked entry points reject bad input.
func TestMatMulRows(t *testing.T) {
	rng := newRNG(31)
	pool := NewPool(1)
	defer pool.Close()
	for _, wt := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.F16, quant.Q4_1} {
		const rows, cols, k = 23, 6, 128
		w := randRow(t, rng, wt, rows*k, blockRandom)
		x := make([]float32, cols*k)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		want := make([]float32, rows*cols)
		if err := pool.MatMul(want, w, wt, rows, k, x, cols); err != nil {
			t.Fatal(err)
		}
		xq := make([]byte, cols*ActivationRowSize(wt, k))
		if err := QuantizeActivations(wt, xq, x, k, cols); err != nil {
			t.Fatal(err)
		}
		const stride = rows + 3 // a padded output
		got := make([]float32, (cols-1)*stride+rows)
		for _, r := range [][2]int{{0, 1}, {1, 6}, {6, 6}, {6, 16}, {16, 23}} {
			if err := MatMulRows(got, stride, w, wt, k, r[0], r[1], xq, cols); err != nil {
				t.Fatal(err)
			}
		}
		for c := 0; c < cols; c++ {
			for r := 0; r < rows; r++ {
				want, absSum := refDot(t, wt, w[r*wt.RowSize(k):], ActivationType(wt), xq[c*ActivationRowSize(wt, k):], k)
				checkDot(t, fmt.Sprintf("%v r=%d c=%d", wt, r, c), got[c*stride+r], want, absSum, dotTol)
			}
		}
	}
}

// TestMatMulErrors feeds the checked entry points bad types, shapes and
// buffers: each must return an error (and never panic).
func TestMatMulErrors(t *testing.T) {
	pool := NewPool(2)
	k := 64
	w := make([]byte, 4*quant.Q8_0.RowSize(k))
	x := make([]float32, 2*k)
	dst := make([]float32, 8)
	xq := make([]byte, 2*ActivationRowSize(quant.Q8_0, k))
	cases := []struct {
		name string
		err  error
	}{
		{"unsupported type", pool.MatMul(dst, w, quant.IQ2XXS, 4, 256, x, 1)},
		{"integer type", pool.MatMul(dst, w, quant.I32, 4, k, x, 2)},
		{"unknown type", pool.MatMul(dst, w, quant.Type(200), 4, k, x, 2)},
		{"k not a block multiple", pool.MatMul(dst, w, quant.Q8_0, 4, 48, x, 2)},
		{"k zero", pool.MatMul(dst, w, quant.Q8_0, 4, 0, x, 2)},
		{"weights short", pool.MatMul(dst, w, quant.Q8_0, 5, k, x, 2)},
		{"activations short", pool.MatMul(dst, w, quant.Q8_0, 4, k, x, 3)},
		{"dst short", pool.MatMul(dst[:7], w, quant.Q8_0, 4, k, x, 2)},
		{"negative rows", pool.MatMul(dst, w, quant.Q8_0, -1, k, x, 2)},
		{"quantize short dst", QuantizeActivations(quant.Q8_0, xq[:10], x, k, 2)},
		{"quantize bad type", QuantizeActivations(quant.I8, xq, x, k, 2)},
		{"rows: reversed range", MatMulRows(dst, 4, w, quant.Q8_0, k, 3, 2, xq, 2)},
		{"rows: stride below rows", MatMulRows(dst, 2, w, quant.Q8_0, k, 0, 4, xq, 2)},
		{"rows: weights short", MatMulRows(dst, 4, w[:10], quant.Q8_0, k, 0, 4, xq, 2)},
		{"rows: bad type", MatMulRows(dst, 4, w, quant.IQ1S, 256, 0, 4, xq, 2)},
	}
	pool.Close()
	cases = append(cases, struct {
		name string
		err  error
	}{"closed pool", pool.MatMul(dst, w, quant.Q8_0, 4, k, x, 2)})
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if err := CheckMatMul(quant.IQ2XXS, 256); !errors.Is(err, ErrUnsupported) {
		t.Errorf("CheckMatMul(iq2_xxs) = %v, want ErrUnsupported", err)
	}
}

// TestMatMulAllocs requires MatMul to allocate nothing once its scratch has
// grown, for 1 and 4 threads, decode (1 column) and prompt (many columns)
// shapes, quantized and f32 activations.
func TestMatMulAllocs(t *testing.T) {
	rng := newRNG(41)
	for _, threads := range []int{1, 4} {
		pool := NewPool(threads)
		for _, tc := range []struct {
			wt         quant.Type
			rows, cols int
		}{{quant.Q4_0, 64, 1}, {quant.Q8_0, 64, 40}, {quant.F16, 16, 3}, {quant.Q4_0, 8, 1100}} {
			const k = 64
			w := randRow(t, rng, tc.wt, tc.rows*k, blockRandom)
			x := make([]float32, tc.cols*k)
			dst := make([]float32, tc.rows*tc.cols)
			allocs := testing.AllocsPerRun(20, func() {
				if err := pool.MatMul(dst, w, tc.wt, tc.rows, k, x, tc.cols); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%d threads, %v %dx%d: %v allocs per MatMul", threads, tc.wt, tc.rows, tc.cols, allocs)
			}
		}
		pool.Close()
	}
}
