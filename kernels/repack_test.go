package kernels

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gollm/gollm/quant"
)

// Tests of the row-interleaved (r16) layout: the packers against their
// definition (every word and scale where the layout says), the strip
// kernels against the naive float64 reference and their Go twins, and the
// repacked and on-the-fly drivers against MatMulRows.

// r16KQ returns the k-quant test description of t, or nil.
func r16KQ(t quant.Type) *kqType {
	for i := range kqTypes {
		if kqTypes[i].t == t {
			return &kqTypes[i]
		}
	}
	return nil
}

// r16RandRows returns rows×nb random blocks of f's type, rowStride bytes
// apart, at an unaligned address: random bytes with finite scales for the
// k-quants (every bit pattern of quants, scales and mins occurs), ggml-valid
// blocks for q8_0 and q4_0, with zero and extreme blocks mixed in.
func r16RandRows(t testing.TB, rng *rand.Rand, f *r16Format, rows, rowStride, nb int) []byte {
	x := kqUnaligned(rng, (rows-1)*rowStride+nb*f.blockBytes)
	for i := range x {
		x[i] = byte(rng.Uint32())
	}
	for r := 0; r < rows; r++ {
		row := x[r*rowStride : r*rowStride+nb*f.blockBytes]
		if k := r16KQ(f.typ); k != nil {
			for b := 0; b < nb; b++ {
				blk := row[b*f.blockBytes : (b+1)*f.blockBytes]
				k.randBlock(rng, blk)
				switch rng.IntN(8) {
				case 0:
					clear(blk)
				case 1: // largest quants, scales and mins
					for i := range blk {
						blk[i] = 0xff
					}
					for _, o := range kqHalfOffsets(f.typ) {
						putF16(blk[o:], math.Copysign(rng.Float64(), rng.NormFloat64()))
					}
				}
			}
			continue
		}
		copy(row, randRow(t, rng, f.typ, nb*f.blockElems, blockMixed))
	}
	return x
}

// r16RandActs returns cols activation columns of nb blocks, yStride bytes
// apart, at an unaligned address.
func r16RandActs(t testing.TB, rng *rand.Rand, f *r16Format, cols, yStride, nb int) []byte {
	y := kqUnaligned(rng, (cols-1)*yStride+nb*f.actBytes)
	for c := 0; c < cols; c++ {
		if f.actBytes == kqQ8KBytes {
			kqRandQ8K(rng, y[c*yStride:], nb, -128, 127)
			if rng.IntN(6) == 0 {
				kqConstQ8K(y[c*yStride:], nb, -128, 0.25)
			}
			continue
		}
		copy(y[c*yStride:], randRow(t, rng, quant.Q8_0, nb*32, blockMixed))
	}
	return y
}

// r16Ref is the exact dot product of one weight row with one activation
// column, and Σ|wᵢ·yᵢ|.
func r16Ref(t testing.TB, f *r16Format, x, y []byte, nb int) (float64, float64) {
	if k := r16KQ(f.typ); k != nil {
		return kqRef(k, x, y, nb*256)
	}
	return refDot(t, f.typ, x, quant.Q8_0, y, nb*f.blockElems)
}

// TestR16Pack checks the Go packer against the layout's definition (each
// word and fp16 scale at its place, missing rows zero, r16Block the exact
// inverse) and the assembly packer against the Go one, byte for byte.
func TestR16Pack(t *testing.T) {
	rng := newRNG(61)
	for _, f := range r16Formats {
		t.Run(f.typ.String(), func(t *testing.T) {
			for _, nb := range []int{1, 2, 3, 5, 8, 13} {
				for _, rows := range []int{1, 7, 15, 16} {
					stride := nb*f.blockBytes + rng.IntN(3)*f.blockBytes/2 + rng.IntN(5)
					src := r16RandRows(t, rng, f, rows, stride, nb)
					strip := make([]byte, f.stripBytes(nb))
					for i := range strip {
						strip[i] = 0xa5
					}
					r16PackGeneric(f, strip, src, stride, nb, rows)
					words := nb * 64 * f.dwords
					for b := 0; b < nb; b++ {
						for r := 0; r < r16Rows; r++ {
							var blk []byte
							if r < rows {
								blk = src[r*stride+b*f.blockBytes : r*stride+(b+1)*f.blockBytes]
							} else {
								blk = make([]byte, f.blockBytes)
							}
							for w := 0; w < f.dwords; w++ {
								at := b*64*f.dwords + 64*w + 4*r
								if !bytes.Equal(strip[at:at+4], blk[f.dwordOff+4*w:f.dwordOff+4*w+4]) {
									t.Fatalf("nb=%d rows=%d: block %d row %d word %d misplaced", nb, rows, b, r, w)
								}
							}
							for h, off := range f.halves {
								at := words + 32*(b*len(f.halves)+h) + 2*r
								if !bytes.Equal(strip[at:at+2], blk[off:off+2]) {
									t.Fatalf("nb=%d rows=%d: block %d row %d scale %d misplaced", nb, rows, b, r, h)
								}
							}
							got := make([]byte, f.blockBytes)
							r16Block(f, got, strip, nb, b, r)
							if !bytes.Equal(got, blk) {
								t.Fatalf("nb=%d rows=%d: r16Block(%d, %d) is not the block", nb, rows, b, r)
							}
						}
					}
					if rows < r16Rows {
						continue
					}
					fast := make([]byte, f.stripBytes(nb)+1)
					fast[len(fast)-1] = 0x5a
					r16Pack(f, fast[:f.stripBytes(nb)], src, stride, nb)
					if !bytes.Equal(fast[:len(strip)], strip) || fast[len(strip)] != 0x5a {
						t.Fatalf("nb=%d: r16Pack differs from the Go packer", nb)
					}
				}
			}
		})
	}
}

// TestR16Gemm runs every strip kernel on random strips of 1…20 blocks
// against the naive reference for each (row, column), and against its Go
// twin; with padded strides, unaligned buffers, 1…70 columns, outputs
// overwritten and accumulated, and nothing written outside the outputs.
func TestR16Gemm(t *testing.T) {
	for _, f := range r16Formats {
		for _, impl := range r16Impls(f.typ) {
			t.Run(f.typ.String()+"/"+impl.name, func(t *testing.T) {
				rng := newRNG(uint64(f.typ)<<8 | 62)
				for _, nb := range []int{1, 2, 3, 4, 5, 7, 9, 16, 20} {
					for _, cols := range []int{1, 2, 3, 9, 70} {
						if cols == 70 && nb > 2 {
							continue // more columns than one kernel call takes
						}
						rowBytes := nb * f.blockBytes
						x := r16RandRows(t, rng, f, r16Rows, rowBytes, nb)
						strip := kqUnaligned(rng, f.stripBytes(nb))
						r16PackGeneric(f, strip, x, rowBytes, nb, r16Rows)
						yStride := nb*f.actBytes + rng.IntN(40)
						y := r16RandActs(t, rng, f, cols, yStride, nb)
						dstStride := r16Rows + rng.IntN(5)
						dst := make([]float32, (cols-1)*dstStride+r16Rows+1)
						for i := range dst {
							dst[i] = -7
						}
						impl.f(f, strip, nb, y, yStride, cols, dst, dstStride, false)
						twin := make([]float32, len(dst))
						r16GemmGeneric(f, strip, nb, y, yStride, cols, twin, dstStride, false)
						acc := slices.Clone(dst)
						impl.f(f, strip, nb, y, yStride, cols, acc, dstStride, true)
						for i := range dst {
							r, c := i%dstStride, i/dstStride
							if r >= r16Rows || c >= cols {
								if dst[i] != -7 || acc[i] != -7 {
									t.Fatalf("nb=%d cols=%d: wrote dst[%d] outside the outputs", nb, cols, i)
								}
								continue
							}
							want, abs := r16Ref(t, f, x[r*rowBytes:], y[c*yStride:], nb)
							what := fmt.Sprintf("nb=%d cols=%d r=%d c=%d", nb, cols, r, c)
							checkDot(t, what+" vs exact", dst[i], want, abs, dotTol)
							checkDot(t, what+" vs go", dst[i], float64(twin[i]), abs, dotTol)
							checkDot(t, what+" accumulated", acc[i], 2*want, 2*abs, dotTol)
						}
					}
				}
			})
		}
	}
}

// TestR16Gemm2 runs every two-strip kernel (and the Go twin) on two
// random strips of 1…20 blocks, the second a padded stride after the
// first, against the naive reference for each (row, column) and, bit for
// bit, against the one-strip kernel r16Gemm runs on each strip (the
// drivers mix both, so the results must not depend on which ran); with
// 1…70 columns (across the drivers' 64-column split), unaligned buffers,
// outputs overwritten and accumulated, nothing written outside the
// outputs, and blocks of extreme weights (all −128 or 0 against
// activations of −128) and of zero scales.
func TestR16Gemm2(t *testing.T) {
	for _, f := range []*r16Format{&r16Q8_0, &r16Q4_0, &r16Q4K} {
		for _, impl := range r16Impls2(f.typ) {
			t.Run(f.typ.String()+"/"+impl.name, func(t *testing.T) {
				rng := newRNG(uint64(f.typ)<<8 | 67)
				for _, nb := range []int{1, 2, 3, 5, 8, 13, 20} {
					if f.blockElems == 256 && nb > 3 {
						continue
					}
					for _, cols := range []int{1, 2, 3, 4, 7, 64, 65, 70} {
						if cols > 7 && nb > 3 {
							continue
						}
						for _, extreme := range []bool{false, true} {
							what := fmt.Sprintf("nb=%d cols=%d extreme=%v", nb, cols, extreme)
							testR16Gemm2Case(t, rng, f, impl, nb, cols, extreme, what)
						}
					}
				}
			})
		}
	}
}

// testR16Gemm2Case is one case of TestR16Gemm2.
func testR16Gemm2Case(t *testing.T, rng *rand.Rand, f *r16Format, impl r16Impl2, nb, cols int, extreme bool, what string) {
	rowBytes := nb * f.blockBytes
	const rows = 2 * r16Rows
	x := r16RandRows(t, rng, f, rows, rowBytes, nb)
	y := r16RandActs(t, rng, f, cols, nb*f.actBytes+rng.IntN(40), nb)
	yStride := (len(y) - nb*f.actBytes) / max(1, cols-1)
	if cols == 1 {
		yStride = nb * f.actBytes
	}
	if extreme && f.blockElems == 32 {
		// Rows 0…7 and 20…23: every quant −128 (q4_0: nibble 0 = −8), a
		// random scale; rows 8…11 and 24…27: zero scales; the activations
		// all −128 in every other column.
		for r := 0; r < rows; r++ {
			for b := 0; b < nb; b++ {
				blk := x[r*rowBytes+b*f.blockBytes : r*rowBytes+(b+1)*f.blockBytes]
				switch {
				case r < 8 || r >= 20 && r < 24:
					fill := byte(0x80)
					if f.typ == quant.Q4_0 {
						fill = 0
					}
					for i := 2; i < len(blk); i++ {
						blk[i] = fill
					}
					putF16(blk, rng.Float64()+0.5)
				case r < 12 || r >= 24 && r < 28:
					putF16(blk, 0)
				}
			}
		}
		for c := 0; c < cols; c += 2 {
			for b := 0; b < nb; b++ {
				blk := y[c*yStride+b*f.actBytes : c*yStride+(b+1)*f.actBytes]
				for i := 2; i < len(blk); i++ {
					blk[i] = 0x80
				}
				putF16(blk, rng.Float64()+0.5)
			}
		}
	}
	stripStride := f.stripBytes(nb) + 64*rng.IntN(2) + rng.IntN(8)
	strips := kqUnaligned(rng, stripStride+f.stripBytes(nb))
	r16PackGeneric(f, strips, x, rowBytes, nb, r16Rows)
	r16PackGeneric(f, strips[stripStride:], x[r16Rows*rowBytes:], rowBytes, nb, r16Rows)
	dstStride := rows + rng.IntN(5)
	dst := make([]float32, (cols-1)*dstStride+rows+1)
	for i := range dst {
		dst[i] = -7
	}
	impl.f(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride, false)
	// The one-strip kernel on each strip, which the drivers mix with the
	// two-strip kernel where r16X2 (not where a link-time r16Force picks
	// the AVX2 kernels, which differ for −128·−128).
	one := slices.Clone(dst)
	r16Gemm(f, strips, nb, y, yStride, cols, one, dstStride, false)
	r16Gemm(f, strips[stripStride:], nb, y, yStride, cols, one[r16Rows:], dstStride, false)
	twin := slices.Clone(dst)
	r16Gemm2Generic(f, strips, stripStride, nb, y, yStride, cols, twin, dstStride, false)
	acc := slices.Clone(dst)
	impl.f(f, strips, stripStride, nb, y, yStride, cols, acc, dstStride, true)
	for i := range dst {
		r, c := i%dstStride, i/dstStride
		if r >= rows || c >= cols {
			if dst[i] != -7 || acc[i] != -7 {
				t.Fatalf("%s: wrote dst[%d] outside the outputs", what, i)
			}
			continue
		}
		if impl.name != "go" && r16X2(f.typ) && math.Float32bits(dst[i]) != math.Float32bits(one[i]) {
			t.Fatalf("%s r=%d c=%d: %.9g, the one-strip kernel %.9g", what, r, c, dst[i], one[i])
		}
		want, abs := r16Ref(t, f, x[r*rowBytes:], y[c*yStride:], nb)
		w := fmt.Sprintf("%s r=%d c=%d", what, r, c)
		checkDot(t, w+" vs exact", dst[i], want, abs, dotTol)
		checkDot(t, w+" vs go", dst[i], float64(twin[i]), abs, dotTol)
		checkDot(t, w+" accumulated", acc[i], 2*want, 2*abs, dotTol)
	}
}

// TestRepack checks Repack and MatMulRowsRepacked against MatMulRows on
// the plain rows, for row ranges aligned to strips and not, with a padded
// output, and Row against the plain rows.
func TestRepack(t *testing.T) {
	rng := newRNG(63)
	for _, f := range r16Formats {
		t.Run(f.typ.String(), func(t *testing.T) {
			const rows, cols = 37, 11
			nb := 3
			if f.blockElems == 32 {
				nb = 24
			}
			k := nb * f.blockElems
			rowBytes := f.typ.RowSize(k)
			w := r16RandRows(t, rng, f, rows, rowBytes, nb)
			for _, fast := range []bool{false, true} {
				m := repack(f, w, rows, k, fast)
				if m.Rows() != rows || m.K() != k || m.Type() != f.typ || m.Bytes() != 3*r16Rows*rowBytes {
					t.Fatalf("matrix %v %dx%d, %d bytes", m.Type(), m.Rows(), m.K(), m.Bytes())
				}
				row := make([]byte, rowBytes)
				for r := 0; r < rows; r++ {
					if err := m.Row(row, r); err != nil || !bytes.Equal(row, w[r*rowBytes:(r+1)*rowBytes]) {
						t.Fatalf("fast=%v: Row(%d) = %v, not the plain row", fast, r, err)
					}
				}
				if m.Row(row, rows) == nil || m.Row(row[:1], 0) == nil {
					t.Error("Row accepted a bad row or a short buffer")
				}
				xq := r16RandActs(t, rng, f, cols, nb*f.actBytes, nb)
				const stride = rows + 3
				got := make([]float32, (cols-1)*stride+rows)
				// Tilings of the rows: by strips, by two strips (where
				// the type has a two-strip kernel), and ranges whose two
				// strips reach past them.
				for _, tiling := range [][][2]int{
					{{0, 5}, {5, 16}, {16, 32}, {32, 33}, {33, 37}},
					{{0, 37}},
					{{0, 3}, {3, 20}, {20, 33}, {33, 37}},
				} {
					for i := range got {
						got[i] = float32(math.NaN())
					}
					for _, r := range tiling {
						if err := MatMulRowsRepacked(got, stride, m, r[0], r[1], xq, cols); err != nil {
							t.Fatal(err)
						}
					}
					for c := 0; c < cols; c++ {
						for r := 0; r < rows; r++ {
							want, abs := r16Ref(t, f, w[r*rowBytes:], xq[c*nb*f.actBytes:], nb)
							checkDot(t, fmt.Sprintf("fast=%v %v r=%d c=%d", fast, tiling, r, c), got[c*stride+r], want, abs, dotTol)
						}
					}
				}
				// The pool, on float activations: the same kernels on the
				// same strips, so the same values bit for bit, whatever the
				// thread count.
				x := make([]float32, cols*k)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				if err := QuantizeActivations(f.typ, xq, x, k, cols); err != nil {
					t.Fatal(err)
				}
				want := make([]float32, rows*cols)
				if err := MatMulRowsRepacked(want, rows, m, 0, rows, xq, cols); err != nil {
					t.Fatal(err)
				}
				for _, threads := range []int{1, 3} {
					pool := NewPool(threads)
					pg := make([]float32, rows*cols)
					if err := pool.MatMulRepacked(pg, m, x, cols); err != nil {
						t.Fatal(err)
					}
					pool.Close()
					if !slices.Equal(pg, want) {
						t.Errorf("fast=%v: Pool(%d).MatMulRepacked differs from MatMulRowsRepacked", fast, threads)
					}
				}
			}
		})
	}
}

// TestRowGrain checks that RowGrain is two strips exactly for the types
// the drivers run two strips at a time (q8_0 and q4_0 where the CPU has
// their two-strip kernels), one strip otherwise.
func TestRowGrain(t *testing.T) {
	for _, c := range []struct {
		wt   quant.Type
		want int
	}{
		{quant.Q8_0, 16 + 16*b2i(r16X2(quant.Q8_0))},
		{quant.Q4_0, 16 + 16*b2i(r16X2(quant.Q4_0))},
		{quant.Q4K, 16},
		{quant.Q6K, 16},
		{quant.Q2K, 16},
		{quant.F16, 16},
	} {
		if got := RowGrain(c.wt); got != c.want {
			t.Errorf("RowGrain(%v) = %d, want %d", c.wt, got, c.want)
		}
	}
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRepackAPI checks Repack's refusals and MatMulRowsRepacked's errors.
func TestRepackAPI(t *testing.T) {
	k := 256
	w := make([]byte, 20*quant.Q4K.RowSize(k))
	if m, ok := Repack(quant.Q4K, w, 20, k); ok != r16Fast || ok && m.Rows() != 20 {
		t.Errorf("Repack(q4_K) = %v, want %v (r16Fast)", ok, r16Fast)
	}
	if CanRepack(quant.Q4K, k) != r16Fast {
		t.Errorf("CanRepack(q4_K) = %v, want %v", CanRepack(quant.Q4K, k), r16Fast)
	}
	for _, bad := range []struct {
		name    string
		wt      quant.Type
		w       []byte
		rows, k int
	}{
		{"no kernel", quant.Q2K, w, 1, 256},
		{"k not whole blocks", quant.Q4K, w, 1, 128},
		{"weights short", quant.Q4K, w[:100], 20, 256},
		{"no rows", quant.Q4K, w, 0, 256},
	} {
		if _, ok := Repack(bad.wt, bad.w, bad.rows, bad.k); ok {
			t.Errorf("%s: Repack accepted", bad.name)
		}
	}
	m := repack(&r16Q4K, w, 20, k, false)
	xq := make([]byte, 2*quant.Q8K.RowSize(k))
	dst := make([]float32, 40)
	for _, c := range []struct {
		name string
		err  error
	}{
		{"nil matrix", MatMulRowsRepacked(dst, 20, nil, 0, 1, xq, 1)},
		{"reversed", MatMulRowsRepacked(dst, 20, m, 5, 4, xq, 1)},
		{"past the rows", MatMulRowsRepacked(dst, 21, m, 0, 21, xq, 1)},
		{"stride below rows", MatMulRowsRepacked(dst, 10, m, 0, 20, xq, 2)},
		{"activations short", MatMulRowsRepacked(dst, 20, m, 0, 20, xq, 3)},
		{"dst short", MatMulRowsRepacked(dst[:30], 20, m, 0, 20, xq, 2)},
	} {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if err := MatMulRowsRepacked(dst, 20, m, 3, 3, xq, 2); err != nil {
		t.Errorf("empty range: %v", err)
	}
	pool := NewPool(2)
	x := make([]float32, 2*k)
	for _, c := range []struct {
		name string
		err  error
	}{
		{"pool: nil matrix", pool.MatMulRepacked(dst, nil, x, 1)},
		{"pool: x short", pool.MatMulRepacked(dst, m, x, 3)},
		{"pool: dst short", pool.MatMulRepacked(dst[:39], m, x, 2)},
	} {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	pool.Close()
	if pool.MatMulRepacked(dst, m, x, 2) == nil {
		t.Error("closed pool: no error")
	}
}

// TestMatMulOnTheFly checks the driver's on-the-fly repacking (MatMulRows
// with many columns) on rows long enough to be packed in several parts,
// against the reference, with strips and leftover rows, and that it
// allocates nothing.
func TestMatMulOnTheFly(t *testing.T) {
	rng := newRNG(64)
	for _, f := range r16Formats {
		t.Run(f.typ.String(), func(t *testing.T) {
			chunk := r16Buffer / (r16Rows * f.blockBytes)
			nb := 2*chunk + 3
			k := nb * f.blockElems
			const rows, cols = 35, 12
			rowBytes := f.typ.RowSize(k)
			w := r16RandRows(t, rng, f, rows, rowBytes, nb)
			xq := r16RandActs(t, rng, f, cols, nb*f.actBytes, nb)
			const stride = rows + 1
			got := make([]float32, (cols-1)*stride+rows)
			if err := MatMulRows(got, stride, w, f.typ, k, 1, rows, xq, cols); err != nil {
				t.Fatal(err)
			}
			for c := 0; c < cols; c++ {
				for r := 1; r < rows; r++ {
					want, abs := r16Ref(t, f, w[r*rowBytes:], xq[c*nb*f.actBytes:], nb)
					checkDot(t, fmt.Sprintf("r=%d c=%d", r, c), got[c*stride+r], want, abs, dotTol)
				}
			}
			allocs := testing.AllocsPerRun(5, func() {
				if err := MatMulRows(got, stride, w, f.typ, k, 0, rows, xq, cols); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocs per MatMulRows", allocs)
			}
			m := repack(f, w, rows, k, true)
			allocs = testing.AllocsPerRun(5, func() {
				if err := MatMulRowsRepacked(got, stride, m, 0, rows, xq, cols); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocs per MatMulRowsRepacked", allocs)
			}
			pool := NewPool(2)
			defer pool.Close()
			x := make([]float32, cols*k)
			out := make([]float32, rows*cols)
			if err := pool.MatMulRepacked(out, m, x, cols); err != nil { // grows the scratch
				t.Fatal(err)
			}
			allocs = testing.AllocsPerRun(5, func() {
				if err := pool.MatMulRepacked(out, m, x, cols); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocs per Pool.MatMulRepacked", allocs)
			}
		})
	}
}

// BenchmarkR16 measures every strip kernel, single-threaded, on one strip
// of 16 rows × 4096 weights (64K values, as BenchmarkKQuantTile) against
// 1…64 columns, with the weights repacked beforehand ("packed") and packed
// inside the loop as the driver does on the fly ("pack+gemm"). Bytes count
// each weight byte once per column; ns/256 and cpu-ns/256 are per 256
// weights per column, comparable with BenchmarkKQuantDot and BenchmarkDot.
// The two-strip kernels ("-x2") run on 32 rows × 4096 weights.
func BenchmarkR16(b *testing.B) {
	const n = 4096
	for _, f := range r16Formats {
		rng := newRNG(65)
		nb := n / f.blockElems
		rowBytes := nb * f.blockBytes
		x := r16RandRows(b, rng, f, r16Rows, rowBytes, nb)
		strip := make([]byte, f.stripBytes(nb))
		r16Pack(f, strip, x, rowBytes, nb)
		const maxCols = 64
		y := r16RandActs(b, rng, f, maxCols, nb*f.actBytes, nb)
		dst := make([]float32, r16Rows*maxCols)
		for _, impl := range r16Impls(f.typ) {
			for _, cols := range []int{1, 2, 4, 8, 16, 32, 64} {
				if impl.name == "go" && cols > 4 {
					continue
				}
				b.Run(fmt.Sprintf("%v/%s/packed/cols=%d", f.typ, impl.name, cols), func(b *testing.B) {
					b.SetBytes(int64(len(x) * cols))
					kqMeasure(b, r16Rows*n/256*cols, func() {
						impl.f(f, strip, nb, y, nb*f.actBytes, cols, dst, r16Rows, false)
					})
				})
				if impl.name == "go" {
					continue
				}
				b.Run(fmt.Sprintf("%v/%s/pack+gemm/cols=%d", f.typ, impl.name, cols), func(b *testing.B) {
					b.SetBytes(int64(len(x) * cols))
					kqMeasure(b, r16Rows*n/256*cols, func() {
						r16Pack(f, strip, x, rowBytes, nb)
						impl.f(f, strip, nb, y, nb*f.actBytes, cols, dst, r16Rows, false)
					})
				})
			}
		}
		// The two-strip kernels on 32 rows (the strip above and a second
		// one right after it, as in a RepackedMatrix).
		x2 := r16RandRows(b, rng, f, r16Rows, rowBytes, nb)
		strips := make([]byte, 2*len(strip))
		copy(strips, strip)
		r16Pack(f, strips[len(strip):], x2, rowBytes, nb)
		dst2 := make([]float32, 2*r16Rows*maxCols)
		for _, impl := range r16Impls2(f.typ) {
			if impl.name == "go" {
				continue
			}
			for _, cols := range []int{1, 2, 4, 8, 16, 32, 64} {
				b.Run(fmt.Sprintf("%v/%s-x2/packed/cols=%d", f.typ, impl.name, cols), func(b *testing.B) {
					b.SetBytes(int64(2 * len(x) * cols))
					kqMeasure(b, 2*r16Rows*n/256*cols, func() {
						impl.f(f, strips, len(strip), nb, y, nb*f.actBytes, cols, dst2, 2*r16Rows, false)
					})
				})
			}
		}
	}
}

// BenchmarkR16Pack measures the packer alone on one strip of 16 rows ×
// 4096 weights; ns/256 is per 256 weights.
func BenchmarkR16Pack(b *testing.B) {
	const n = 4096
	for _, f := range r16Formats {
		rng := newRNG(66)
		nb := n / f.blockElems
		rowBytes := nb * f.blockBytes
		x := r16RandRows(b, rng, f, r16Rows, rowBytes, nb)
		strip := make([]byte, f.stripBytes(nb))
		b.Run(f.typ.String()+"/go", func(b *testing.B) {
			b.SetBytes(int64(len(x)))
			kqMeasure(b, r16Rows*n/256, func() { r16PackGeneric(f, strip, x, rowBytes, nb, r16Rows) })
		})
		b.Run(f.typ.String()+"/table", func(b *testing.B) {
			b.SetBytes(int64(len(x)))
			kqMeasure(b, r16Rows*n/256, func() { r16Pack(f, strip, x, rowBytes, nb) })
		})
	}
}

// BenchmarkMatMulRepacked is BenchmarkMatMul's single-threaded case with
// the weights repacked at load time: QuantizeActivations and
// MatMulRowsRepacked over all rows, per 256 weights per column.
func BenchmarkMatMulRepacked(b *testing.B) {
	const rows, k = 2048, 8192
	for _, wt := range []quant.Type{quant.Q4K, quant.Q5K, quant.Q6K, quant.Q4_0, quant.Q8_0} {
		w := benchMatrix(b, wt, rows, k)
		m, ok := Repack(wt, w, rows, k)
		if !ok {
			b.Skipf("%v: no row-interleaved kernel on this CPU", wt)
		}
		for _, cols := range []int{1, 4, 32} {
			x := make([]float32, cols*k)
			rng := newRNG(5)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			xq := make([]byte, cols*ActivationRowSize(wt, k))
			dst := make([]float32, rows*cols)
			b.Run(fmt.Sprintf("%v/cols=%d", wt, cols), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				kqMeasure(b, rows*k/256*cols, func() {
					if err := QuantizeActivations(wt, xq, x, k, cols); err != nil {
						b.Fatal(err)
					}
					if err := MatMulRowsRepacked(dst, rows, m, 0, rows, xq, cols); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
