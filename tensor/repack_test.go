package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// repackTypes are the weight types with a repacked kernel, and a row length
// each.
var repackTypes = []struct {
	typ quant.Type
	k   int
}{
	{quant.Q4K, 512}, {quant.Q5K, 256}, {quant.Q6K, 256}, {quant.Q8_0, 96}, {quant.Q4_0, 96},
}

// repackTol is the kernels package's tolerance for a dot product:
// |got − exact| ≤ repackTol · Σ|w_i·x_i|, exact being the product of the
// weights with the quantized activations.
const repackTol = 1e-5

// repackedCopy returns a tensor over a copy of w's bytes, repacked, with
// its plain bytes then zeroed: a product that reads them gives zeros, so
// right results prove that the repacked copy was used. It skips the test
// (after checking that Repack declines) where this CPU has no repacked
// kernel for the type.
func repackedCopy(t *testing.T, w *Tensor) *Tensor {
	t.Helper()
	ne := w.Shape()
	data := alignedBytes(len(w.Data()))
	copy(data, w.Data())
	rep, err := New(w.Type(), data, ne[:]...)
	if err != nil {
		t.Fatal(err)
	}
	if !kernels.CanRepack(w.Type(), ne[0]) {
		if rep.Repack() {
			t.Fatalf("Repack accepted %v rows of %d, which kernels.CanRepack rejects", w.Type(), ne[0])
		}
		t.Skipf("no repacked %v kernel on this CPU (needs AVX-512 VNNI; arm64 and noasm builds keep the plain path, tested above)", w.Type())
	}
	if !rep.Repack() || !rep.Repack() {
		t.Fatalf("Repack declined %v%v", w.Type(), ne)
	}
	if got, want := rep.RepackedBytes(), len(data); got < want || got > want+ne[2]*16*len(data)/(ne[1]*ne[2]) {
		t.Errorf("RepackedBytes = %d for %d bytes of rows", got, want)
	}
	clear(data)
	return rep
}

// quantizedActs returns cols columns of k floats as the matmul driver
// quantizes them for weights of type wt, dequantized (column c at c·k).
func quantizedActs(t *testing.T, wt quant.Type, x []float32, k, cols int) []float64 {
	t.Helper()
	at := kernels.ActivationType(wt)
	rs := kernels.ActivationRowSize(wt, k)
	xq := make([]byte, cols*rs)
	if err := kernels.QuantizeActivations(wt, xq, x, k, cols); err != nil {
		t.Fatal(err)
	}
	col := make([]float32, k)
	out := make([]float64, 0, cols*k)
	for c := 0; c < cols; c++ {
		if err := quant.Dequantize(at, col, xq[c*rs:(c+1)*rs]); err != nil {
			t.Fatal(err)
		}
		for _, v := range col {
			out = append(out, float64(v))
		}
	}
	return out
}

// exactDot is Σ w_i·x_i in float64 and Σ|w_i·x_i|.
func exactDot(w, x []float64) (dot, abs float64) {
	for i := range w {
		dot += w[i] * x[i]
		abs += math.Abs(w[i] * x[i])
	}
	return dot, abs
}

// mulMatInput computes a·b for the F32 activations xv of shape bne with
// 1, 2 and 4 threads (runThreads checks that they agree bit for bit).
func mulMatInput(t *testing.T, a *Tensor, xv []float32, bne ...int) []float64 {
	t.Helper()
	got, _ := runThreads(t, func(g *Graph) *Tensor {
		b := g.Input(quant.F32, bne...)
		x, err := b.F32()
		if err != nil {
			t.Fatal(err)
		}
		copy(x, xv)
		return g.MulMat(a, b)
	})
	return got
}

// TestMulMatRepacked checks MulMat with repacked weights against the exact
// products of the weights with the quantized activations, within the
// kernels' tolerance, for matrix-vector and matrix-matrix products, row
// counts that are and are not multiples of 16, and weights with a batch
// dimension broadcast over the activations'; and the plain path on the
// same weights alike. Results are identical for 1, 2 and 4 threads, and
// identical to the plain path's in whole strips from five columns on
// (one column and the rows of a last partial strip run other kernels
// there: dot products and tiles).
func TestMulMatRepacked(t *testing.T) {
	shapes := []struct {
		rows, cols int
		a2, b2     int // weight planes, activation planes
	}{
		{16, 1, 1, 1}, {37, 1, 1, 1}, {37, 5, 1, 1}, {53, 16, 1, 1}, {21, 40, 1, 1}, {48, 40, 1, 1},
		{19, 5, 2, 4},
	}
	for _, wt := range repackTypes {
		for _, sh := range shapes {
			name := fmt.Sprintf("%v/%dx%d/planes%d-%d", wt.typ, sh.rows, sh.cols, sh.a2, sh.b2)
			t.Run(name, func(t *testing.T) {
				k := wt.k
				rng := newRNG(20)
				plain, wv := quantized(t, rng, wt.typ, k, sh.rows, sh.a2)
				rep := repackedCopy(t, plain)
				xv := randFloats(rng, k*sh.cols*sh.b2, 1)
				xd := quantizedActs(t, wt.typ, xv, k, sh.cols*sh.b2)
				gotRep := mulMatInput(t, rep, xv, k, sh.cols, sh.b2)
				gotPlain := mulMatInput(t, plain, xv, k, sh.cols, sh.b2)
				var want, bound []float64
				for i2 := 0; i2 < sh.b2; i2++ {
					a2 := i2 / (sh.b2 / sh.a2)
					for c := 0; c < sh.cols; c++ {
						x := xd[(i2*sh.cols+c)*k:][:k]
						for r := 0; r < sh.rows; r++ {
							d, abs := exactDot(wv[(a2*sh.rows+r)*k:][:k], x)
							want = append(want, d)
							bound = append(bound, repackTol*abs+1e-30)
						}
					}
				}
				tol := func(i int) float64 { return bound[i] }
				checkClose(t, gotRep, want, tol)
				checkClose(t, gotPlain, want, tol)
				// With five or more columns, the plain path repacks whole
				// strips of 16 rows on the fly and runs the same strip
				// kernel: those rows agree bit for bit.
				if sh.cols >= 5 {
					for i := range gotRep {
						if r := i % sh.rows; r < sh.rows/16*16 && gotRep[i] != gotPlain[i] {
							t.Fatalf("row %d of column %d: repacked %.9g, plain %.9g", r, i/sh.rows, gotRep[i], gotPlain[i])
						}
					}
				}
			})
		}
	}
}

// TestMulMatIDRepacked checks mul_mat_id with repacked experts (a row
// count that is not a multiple of 16, some experts unused) against the
// exact products.
func TestMulMatIDRepacked(t *testing.T) {
	for _, wt := range repackTypes {
		t.Run(wt.typ.String(), func(t *testing.T) {
			const m, nexp, nused, ntok = 37, 5, 2, 6
			k := wt.k
			rng := newRNG(21)
			plain, wv := quantized(t, rng, wt.typ, k, m, nexp)
			rep := repackedCopy(t, plain)
			xv := randFloats(rng, k*ntok, 1)
			xd := quantizedActs(t, wt.typ, xv, k, ntok)
			ids := make([]float32, nused*ntok)
			for tok := 0; tok < ntok; tok++ {
				p := rng.Perm(nexp - 1) // expert 4 is never used
				for e := 0; e < nused; e++ {
					ids[tok*nused+e] = float32(p[e])
				}
			}
			var want, bound []float64
			for tok := 0; tok < ntok; tok++ {
				for e := 0; e < nused; e++ {
					ex := int(ids[tok*nused+e])
					for r := 0; r < m; r++ {
						d, abs := exactDot(wv[(ex*m+r)*k:][:k], xd[tok*k:][:k])
						want = append(want, d)
						bound = append(bound, repackTol*abs+1e-30)
					}
				}
			}
			got, out := runThreads(t, func(g *Graph) *Tensor {
				b := g.Input(quant.F32, k, 1, ntok)
				x, _ := b.F32()
				copy(x, xv)
				return g.MulMatID(rep, b, external(t, quant.I32, ids, nused, ntok))
			})
			if out.ne != [4]int{m, nused, ntok, 1} {
				t.Fatalf("shape %v", out.ne)
			}
			checkClose(t, got, want, func(i int) float64 { return bound[i] })
		})
	}
}

// TestRepackViewsAndGetRows checks that views of a repacked weight and
// get_rows on it read the plain rows: a view of rows 16…36 multiplies
// like the same view of the weight without the repacked copy, and
// get_rows returns the dequantized rows.
func TestRepackViewsAndGetRows(t *testing.T) {
	const k, rows = 256, 37
	rng := newRNG(22)
	plain, wv := quantized(t, rng, quant.Q4K, k, rows)
	data := alignedBytes(len(plain.Data()))
	copy(data, plain.Data())
	rep, err := New(quant.Q4K, data, k, rows)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Repack() && kernels.CanRepack(quant.Q4K, k) {
		t.Fatal("Repack declined a q4_K matrix")
	}
	xv := randFloats(rng, 3*k, 1)
	viewProduct := func(w *Tensor) []float64 {
		got, _ := runThreads(t, func(g *Graph) *Tensor {
			b := g.Input(quant.F32, k, 3)
			x, _ := b.F32()
			copy(x, xv)
			return g.MulMat(g.View2D(w, k, 21, w.nb[1], 16*w.nb[1]), b)
		})
		return got
	}
	if got, want := viewProduct(rep), viewProduct(plain); !slices.Equal(got, want) {
		t.Error("a view of the repacked weight multiplies differently from the same view of the plain weight")
	}
	got, _ := runThreads(t, func(g *Graph) *Tensor {
		return g.GetRows(rep, external(t, quant.I32, []float32{36, 0, 17}, 3))
	})
	var want []float64
	for _, r := range []int{36, 0, 17} {
		want = append(want, wv[r*k:(r+1)*k]...)
	}
	checkClose(t, got, want, func(int) float64 { return 0 })
}

// TestRepackDeclined checks that Repack leaves alone the tensors it cannot
// or must not repack, and that an f16 weight whose repacking was declined
// still multiplies correctly.
func TestRepackDeclined(t *testing.T) {
	g := NewGraph()
	q4k := func(ne ...int) *Tensor {
		x, _ := quantized(t, newRNG(23), quant.Q4K, ne...)
		return x
	}
	cases := []struct {
		name string
		x    *Tensor
	}{
		{"f16", external(t, quant.F16, randFloats(newRNG(24), 64*5, 1), 64, 5)},
		{"f32", external(t, quant.F32, randFloats(newRNG(25), 64*5, 1), 64, 5)},
		{"q5_0", external(t, quant.Q5_0, randFloats(newRNG(26), 64*5, 1), 64, 5)},
		{"4-D", q4k(256, 4, 2, 2)},
		{"view", g.View2D(q4k(256, 8), 256, 4, quant.Q4K.RowSize(256), 0)},
		{"input", g.Input(quant.Q4K, 256, 4)},
		{"empty", external(t, quant.Q4K, nil, 256, 0)},
	}
	for _, c := range cases {
		if c.x.Repack() {
			t.Errorf("%s: Repack accepted %v", c.name, c.x)
		}
		if n := c.x.RepackedBytes(); n != 0 {
			t.Errorf("%s: RepackedBytes = %d after a declined Repack", c.name, n)
		}
	}

	const k, m, n = 64, 19, 5
	rng := newRNG(27)
	w, wv := quantized(t, rng, quant.F16, k, m)
	if w.Repack() {
		t.Fatal("Repack accepted an f16 weight")
	}
	xv := randFloats(rng, k*n, 1)
	got := mulMatInput(t, w, xv, k, n)
	var want, bound []float64
	for c := 0; c < n; c++ {
		x := make([]float64, k)
		for i := range x {
			x[i] = float64(xv[c*k+i])
		}
		ex := actErrBound(quant.F16, x)
		for r := 0; r < m; r++ {
			d, e := refDot(wv[r*k:(r+1)*k], x, ex)
			want = append(want, d)
			bound = append(bound, e)
		}
	}
	checkClose(t, got, want, func(i int) float64 { return bound[i] })
}
