package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/x448/float16"

	"github.com/gollm/gollm/quant"
)

// Tests of the attention kernels: every implementation against float64
// references (math.Exp, naive sums) and against the Go twin, on ragged
// shapes, padded strides and unaligned offsets, with the memory around
// what a kernel may write checked to be untouched.

// sentinel marks float32s a kernel must not write.
var sentinel = math.Float32frombits(0x7fc0dead)

func isSentinel(x float32) bool { return math.Float32bits(x) == 0x7fc0dead }

// floatBuf returns a slice of n float32s at a random offset inside a larger
// buffer whose other elements are sentinels, and that buffer.
func floatBuf(rng *rand.Rand, n int) (x, all []float32) {
	off := rng.IntN(17)
	all = make([]float32, off+n+rng.IntN(17))
	for i := range all {
		all[i] = sentinel
	}
	return all[off : off+n : off+n], all
}

// randStrided fills rows rows of cols values (ld apart) of x with normal
// values, leaving the padding between rows as sentinels.
func randStrided(rng *rand.Rand, x []float32, rows, cols, ld int) {
	for r := 0; r < rows; r++ {
		for i := 0; i < cols; i++ {
			x[r*ld+i] = float32(rng.NormFloat64())
		}
	}
}

// checkUntouched fails when an element of all outside the rows×cols block
// at x (ld apart) is not a sentinel any more.
func checkUntouched(t *testing.T, what string, all, x []float32, rows, cols, ld int) {
	t.Helper()
	inside := map[int]bool{}
	base := 0
	if len(x) > 0 {
		base = int(uintptr(unsafe.Pointer(&x[0]))-uintptr(unsafe.Pointer(&all[0]))) / 4
	}
	for r := 0; r < rows; r++ {
		for i := 0; i < cols; i++ {
			inside[base+r*ld+i] = true
		}
	}
	for i, v := range all {
		if !inside[i] && !isSentinel(v) {
			t.Fatalf("%s: element %d outside the result was written (%g)", what, i-base, v)
		}
	}
}

// ulpDiff is the distance between two float32s in units in the last place
// (both finite and of the same sign, or equal).
func ulpDiff(a, b float32) int64 {
	if a == b || (a != a && b != b) {
		return 0
	}
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if (ia^ib)>>31 != 0 || math.IsInf(float64(a), 0) || math.IsInf(float64(b), 0) || a != a || b != b {
		return math.MaxInt32
	}
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

func TestAttnExpSpecial(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	cases := []struct{ x, shift, want float32 }{
		{0, 0, 1},
		{-inf, 0, 0},
		{-inf, 5, 0},
		{inf, 0, inf},
		{-1000, 0, 0},
		{-110, 0, 0},
		{-104, 0, 0},
		{-87.34, 0, 0},
		{-87.3365402, 0, 1.1754997e-38},
		{1000, 0, inf},
		{89, 0, inf},
		{88.8, 0, inf},
		{3, 3, 1},
		{-1e30, 1e30, 0},
		{nan, 0, nan},
		{1, nan, nan},
	}
	for _, impl := range attnImpls() {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range cases {
				// In every lane position: alone, and inside a full vector.
				for _, n := range []int{1, 5, 16, 37} {
					x := make([]float32, n)
					for i := range x {
						x[i] = c.shift
					}
					x[n/2] = c.x
					dst := make([]float32, n)
					sum := impl.expShiftSum(dst, x, c.shift)
					got := dst[n/2]
					if ulpDiff(got, c.want) != 0 {
						t.Errorf("e^(%g−%g) = %g, want %g", c.x, c.shift, got, c.want)
					}
					wantSum := c.want + float32(n-1)
					if c.shift != c.shift {
						wantSum = c.want
					}
					if !(sum == wantSum || (sum != sum && wantSum != wantSum)) {
						t.Errorf("n=%d e^(%g−%g): sum %g, want %g", n, c.x, c.shift, sum, wantSum)
					}
				}
			}
		})
	}
}

// TestAttnExpAccuracy sweeps the whole range where e^x is a normal float32,
// the boundary below which results are flushed to 0 and the overflow
// boundary: at most 2 ulp from the correctly rounded value.
func TestAttnExpAccuracy(t *testing.T) {
	rng := newRNG(31)
	var xs []float32
	for i := 0; i < 40000; i++ {
		xs = append(xs, float32(-105+194*rng.Float64()))
	}
	for x := float32(88.5); x < 88.8; x += 0.001 {
		xs = append(xs, x)
	}
	for x := float32(-104); x < -86; x += 0.01 {
		xs = append(xs, x)
	}
	for x := float32(-1); x < 1; x += 1.0 / 1024 {
		xs = append(xs, x)
	}
	for _, impl := range attnImpls() {
		t.Run(impl.name, func(t *testing.T) {
			dst := make([]float32, len(xs))
			impl.expShiftSum(dst, xs, 0)
			worst := int64(0)
			for i, x := range xs {
				want := float32(math.Exp(float64(x)))
				if x < expLo {
					want = 0
				}
				if d := ulpDiff(dst[i], want); d > worst {
					worst = d
					if d > 2 {
						t.Fatalf("e^%g = %g (%#x), want %g (%#x): %d ulp", x, dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want), d)
					}
				}
			}
			t.Logf("worst error %d ulp over %d inputs", worst, len(xs))
		})
	}
}

// TestAttnExpRagged checks every tail length and offset, shifted inputs
// (softmax rows: x ≤ shift, some -Inf), the sum, and that nothing past
// the result is written.
func TestAttnExpRagged(t *testing.T) {
	impls := attnImpls()
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			rng := newRNG(32)
			for n := 0; n <= 70; n++ {
				for _, shift := range []float32{0, 3.5, -20} {
					x := make([]float32, n)
					for i := range x {
						x[i] = shift - float32(30*rng.Float64())
						if rng.IntN(8) == 0 {
							x[i] = float32(math.Inf(-1))
						}
					}
					dst, all := floatBuf(rng, n)
					var sum float32
					if n > 0 {
						sum = impl.expShiftSum(dst, x, shift)
					} else {
						sum = ExpShiftSum(dst, x, shift)
					}
					var want float64
					for i, v := range x {
						e := math.Exp(float64(v - shift))
						if v-shift < expLo {
							e = 0
						}
						want += e
						if d := ulpDiff(dst[i], float32(e)); d > 2 {
							t.Fatalf("n=%d: e^(%g−%g) = %g, want %g", n, v, shift, dst[i], e)
						}
					}
					if math.Abs(float64(sum)-want) > 1e-6*want {
						t.Fatalf("n=%d shift %g: sum %g, want %g", n, shift, sum, want)
					}
					checkUntouched(t, fmt.Sprintf("n=%d", n), all, dst, 1, n, n)
					if impl.name != "go" {
						ref := make([]float32, n)
						attnGo.expShiftSum(ref, x, shift)
						for i := range ref {
							if d := ulpDiff(dst[i], ref[i]); d > 2 {
								t.Fatalf("n=%d: %g, go twin %g", n, dst[i], ref[i])
							}
						}
					}
				}
			}
		})
	}
}

func TestAttnMax(t *testing.T) {
	ninf, nan := float32(math.Inf(-1)), float32(math.NaN())
	for _, impl := range attnImpls() {
		t.Run(impl.name, func(t *testing.T) {
			rng := newRNG(33)
			for n := 1; n <= 80; n++ {
				for trial := 0; trial < 4; trial++ {
					x, _ := floatBuf(rng, n)
					want := ninf
					for i := range x {
						switch rng.IntN(10) {
						case 0:
							x[i] = ninf
						case 1:
							x[i] = nan
						default:
							x[i] = float32(rng.NormFloat64()) - float32(trial*100)
						}
						if x[i] > want {
							want = x[i]
						}
					}
					if got := impl.max(x); got != want {
						t.Fatalf("n=%d: max %g, want %g (%v)", n, got, want, x)
					}
				}
			}
			if got := impl.max([]float32{nan, ninf, nan}); got != ninf {
				t.Errorf("max(NaN, -Inf, NaN) = %g", got)
			}
		})
	}
	if got := MaxF32(nil); got != ninf {
		t.Errorf("MaxF32(nil) = %g", got)
	}
}

// TestAttnSoftmaxRows checks the online softmax step against float64 on
// ragged rows: running maxima below, inside and above the tile's, rows
// with -Inf scores, rows with nothing seen yet (all -Inf), and rows hidden
// in this tile after earlier ones.
func TestAttnSoftmaxRows(t *testing.T) {
	ninf := float32(math.Inf(-1))
	for _, impl := range attnImpls() {
		t.Run(impl.name, func(t *testing.T) {
			rng := newRNG(39)
			for _, rows := range []int{1, 3, 8} {
				for n := 1; n <= 70; n += 1 + n/10 {
					lds := n + rng.IntN(3)
					s, all := floatBuf(rng, stridedLen(rows, n, lds))
					m := make([]float32, rows)
					l := make([]float32, rows)
					alpha := make([]float32, rows)
					kind := make([]int, rows)
					for r := 0; r < rows; r++ {
						kind[r] = rng.IntN(5)
						for j := 0; j < n; j++ {
							x := float32(4 * rng.NormFloat64())
							if kind[r] >= 3 || rng.IntN(6) == 0 {
								x = ninf
							}
							s[r*lds+j] = x
						}
						switch kind[r] {
						case 0, 3: // nothing seen before
							m[r], l[r] = ninf, 0
						case 1: // an earlier maximum below this tile's
							m[r], l[r] = -20, 3
						default: // an earlier maximum above it
							m[r], l[r] = 15, 2.5
						}
					}
					s0 := append([]float32(nil), s...)
					m0, l0 := append([]float32(nil), m...), append([]float32(nil), l...)
					impl.softmaxRows(s, lds, m, l, alpha, rows, n)
					what := fmt.Sprintf("rows=%d n=%d", rows, n)
					checkUntouched(t, what, all, s, rows, n, lds)
					for r := 0; r < rows; r++ {
						tm := math.Inf(-1)
						for j := 0; j < n; j++ {
							tm = math.Max(tm, float64(s0[r*lds+j]))
						}
						mNew := math.Max(float64(m0[r]), tm)
						if math.IsInf(mNew, -1) {
							if alpha[r] != 1 || m[r] != ninf || l[r] != l0[r] {
								t.Fatalf("%s row %d (all -Inf): alpha %g m %g l %g", what, r, alpha[r], m[r], l[r])
							}
							for j := 0; j < n; j++ {
								if s[r*lds+j] != 0 {
									t.Fatalf("%s row %d (all -Inf): weight %d = %g", what, r, j, s[r*lds+j])
								}
							}
							continue
						}
						if float64(m[r]) != mNew {
							t.Fatalf("%s row %d: max %g, want %g", what, r, m[r], mNew)
						}
						wantAlpha := float32(math.Exp(float64(m0[r] - float32(mNew))))
						if ulpDiff(alpha[r], wantAlpha) > 2 {
							t.Fatalf("%s row %d: alpha %g, want %g", what, r, alpha[r], wantAlpha)
						}
						sum := 0.0
						for j := 0; j < n; j++ {
							w := math.Exp(float64(s0[r*lds+j] - m[r]))
							sum += w
							if ulpDiff(s[r*lds+j], float32(w)) > 2 {
								t.Fatalf("%s row %d: weight %d = %g, want %g", what, r, j, s[r*lds+j], w)
							}
						}
						wantL := float64(wantAlpha)*float64(l0[r]) + sum
						if math.Abs(float64(l[r])-wantL) > 1e-6*wantL {
							t.Fatalf("%s row %d: sum %g, want %g", what, r, l[r], wantL)
						}
					}
				}
			}
		})
	}
}

// attnShapes are the (rows, keys, d) of the dot and axpy tests: every
// tail of the 4-row blocks, the 4-key blocks and the 16-lane chunks.
func attnShapes() [][3]int {
	var s [][3]int
	for _, rows := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13} {
		for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 17, 64, 131} {
			for _, d := range []int{1, 3, 8, 15, 16, 17, 31, 33, 64, 80, 128, 130} {
				s = append(s, [3]int{rows, n, d})
			}
		}
	}
	return s
}

func TestAttnDotRows(t *testing.T) {
	impls := attnImpls()
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			rng := newRNG(34)
			for _, sh := range attnShapes() {
				rows, n, d := sh[0], sh[1], sh[2]
				lds, ldq, ldk := n+rng.IntN(3), d+rng.IntN(3), d+rng.IntN(20)
				q, _ := floatBuf(rng, stridedLen(rows, d, ldq))
				k, _ := floatBuf(rng, stridedLen(n, d, ldk))
				randStrided(rng, q, rows, d, ldq)
				randStrided(rng, k, n, d, ldk)
				s, all := floatBuf(rng, stridedLen(rows, n, lds))
				impl.dotRows(s, lds, q, ldq, k, ldk, rows, n, d)
				what := fmt.Sprintf("rows=%d n=%d d=%d", rows, n, d)
				checkUntouched(t, what, all, s, rows, n, lds)
				ref := make([]float32, rows*n)
				attnGo.dotRows(ref, n, q, ldq, k, ldk, rows, n, d)
				for r := 0; r < rows; r++ {
					for j := 0; j < n; j++ {
						var want, abs float64
						for i := 0; i < d; i++ {
							p := float64(q[r*ldq+i]) * float64(k[j*ldk+i])
							want += p
							abs += math.Abs(p)
						}
						got := float64(s[r*lds+j])
						if math.Abs(got-want) > 1e-5*abs {
							t.Fatalf("%s: s[%d][%d] = %g, want %g", what, r, j, got, want)
						}
						if math.Abs(got-float64(ref[r*n+j])) > 1e-5*abs {
							t.Fatalf("%s: s[%d][%d] = %g, go twin %g", what, r, j, got, ref[r*n+j])
						}
					}
				}
			}
		})
	}
}

func TestAttnAxpyRows(t *testing.T) {
	impls := attnImpls()
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			rng := newRNG(35)
			shapes := attnShapes()
			shapes = append(shapes, [3]int{3, 0, 20}, [3]int{5, 0, 64})
			for _, sh := range shapes {
				rows, n, d := sh[0], sh[1], sh[2]
				ldo, ldp, ldv := d+rng.IntN(3), n+rng.IntN(3), d+rng.IntN(20)
				p, _ := floatBuf(rng, stridedLen(rows, n, ldp))
				v, _ := floatBuf(rng, stridedLen(n, d, ldv))
				randStrided(rng, p, rows, n, ldp)
				randStrided(rng, v, n, d, ldv)
				alpha := make([]float32, rows)
				for r := range alpha {
					alpha[r] = []float32{1, 0, 0.25, float32(rng.Float64())}[rng.IntN(4)]
				}
				o, all := floatBuf(rng, stridedLen(rows, d, ldo))
				randStrided(rng, o, rows, d, ldo)
				o0 := append([]float32(nil), o...)
				ref := append([]float32(nil), o...)
				impl.axpyRows(o, ldo, alpha, p, ldp, v, ldv, rows, n, d)
				attnGo.axpyRows(ref, ldo, alpha, p, ldp, v, ldv, rows, n, d)
				what := fmt.Sprintf("rows=%d n=%d d=%d", rows, n, d)
				checkUntouched(t, what, all, o, rows, d, ldo)
				for r := 0; r < rows; r++ {
					for i := 0; i < d; i++ {
						want := float64(alpha[r]) * float64(o0[r*ldo+i])
						abs := math.Abs(want)
						for j := 0; j < n; j++ {
							x := float64(p[r*ldp+j]) * float64(v[j*ldv+i])
							want += x
							abs += math.Abs(x)
						}
						got := float64(o[r*ldo+i])
						if math.Abs(got-want) > 1e-5*abs {
							t.Fatalf("%s: o[%d][%d] = %g, want %g", what, r, i, got, want)
						}
						if math.Abs(got-float64(ref[r*ldo+i])) > 1e-5*abs {
							t.Fatalf("%s: o[%d][%d] = %g, go twin %g", what, r, i, got, ref[r*ldo+i])
						}
					}
				}
			}
		})
	}
}

func TestAttnF16Rows(t *testing.T) {
	specials := []uint16{0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x3c00, 0xc000}
	for _, impl := range attnImpls() {
		t.Run(impl.name, func(t *testing.T) {
			rng := newRNG(36)
			for _, rows := range []int{1, 2, 5} {
				for cols := 1; cols <= 140; cols += 1 + cols/8 {
					lds := 2*cols + 2*rng.IntN(5) + rng.IntN(2) // odd strides too
					ldd := cols + rng.IntN(3)
					src := make([]byte, stridedLen(rows, 2*cols, lds))
					for i := range src {
						src[i] = byte(rng.Uint32())
					}
					for r := 0; r < rows; r++ {
						i := rng.IntN(cols)
						h := specials[rng.IntN(len(specials))]
						src[r*lds+2*i], src[r*lds+2*i+1] = byte(h), byte(h>>8)
					}
					src = embed(rng, src)
					dst, all := floatBuf(rng, stridedLen(rows, cols, ldd))
					impl.f16Rows(dst, ldd, src, lds, rows, cols)
					what := fmt.Sprintf("rows=%d cols=%d", rows, cols)
					checkUntouched(t, what, all, dst, rows, cols, ldd)
					for r := 0; r < rows; r++ {
						for i := 0; i < cols; i++ {
							h := uint16(src[r*lds+2*i]) | uint16(src[r*lds+2*i+1])<<8
							want := float16.Frombits(h).Float32()
							got := dst[r*ldd+i]
							if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
								t.Fatalf("%s: [%d][%d] = %#04x → %g, want %g", what, r, i, h, got, want)
							}
						}
					}
				}
			}
		})
	}
}

func TestAttnQ8Rows(t *testing.T) {
	for _, impl := range attnImpls() {
		t.Run(impl.name, func(t *testing.T) {
			rng := newRNG(42)
			for _, rows := range []int{1, 2, 5} {
				for _, cols := range []int{32, 64, 96, 256} {
					rs := cols / 32 * 34
					lds := rs + rng.IntN(7)
					ldd := cols + rng.IntN(3)
					src := make([]byte, stridedLen(rows, rs, lds))
					for i := range src {
						src[i] = byte(rng.Uint32())
					}
					src = embed(rng, src)
					dst, all := floatBuf(rng, stridedLen(rows, cols, ldd))
					impl.q8Rows(dst, ldd, src, lds, rows, cols)
					what := fmt.Sprintf("rows=%d cols=%d", rows, cols)
					checkUntouched(t, what, all, dst, rows, cols, ldd)
					want := make([]float32, cols)
					for r := 0; r < rows; r++ {
						quant.DequantizeQ8_0(want, src[r*lds:r*lds+rs])
						for i, w := range want {
							got := dst[r*ldd+i]
							if math.Float32bits(got) != math.Float32bits(w) && !(got != got && w != w) {
								t.Fatalf("%s: [%d][%d] = %g, want %g", what, r, i, got, w)
							}
						}
					}
				}
			}
		})
	}
}

// TestAttnExported checks the exported entry points against the chosen
// implementation and their panics on rows that do not fit.
func TestAttnExported(t *testing.T) {
	rng := newRNG(37)
	q := randFloatsF32(rng, 3*20)
	k := randFloatsF32(rng, 5*20)
	s := make([]float32, 3*5)
	want := make([]float32, 3*5)
	DotRowsF32(s, 5, q, 20, k, 20, 3, 5, 20)
	attn.dotRows(want, 5, q, 20, k, 20, 3, 5, 20)
	for i := range s {
		if s[i] != want[i] {
			t.Fatalf("DotRowsF32[%d] = %g, kernel %g", i, s[i], want[i])
		}
	}
	DotRowsF32(s, 5, q, 0, k, 0, 3, 5, 0)
	for i, v := range s {
		if v != 0 {
			t.Fatalf("d=0: s[%d] = %g", i, v)
		}
	}
	if got := ExpShiftSum(nil, nil, 1); got != 0 {
		t.Errorf("ExpShiftSum of nothing = %g", got)
	}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"DotRowsF32", func() { DotRowsF32(s, 5, q, 20, k, 20, 3, 6, 20) }},
		{"DotRowsF32", func() { DotRowsF32(s, 5, q, 19, k, 20, 3, 5, 20) }},
		{"DotRowsF32", func() { DotRowsF32(s[:14], 5, q, 20, k, 20, 3, 5, 20) }},
		{"AxpyRowsF32", func() { AxpyRowsF32(q, 20, []float32{1, 1}, s, 5, k, 20, 3, 5, 20) }},
		{"AxpyRowsF32", func() { AxpyRowsF32(q, 20, []float32{1, 1, 1}, s, 5, k, 20, 3, 6, 20) }},
		{"AxpyRowsF32", func() { AxpyRowsF32(q, 20, []float32{1, 1, 1}, s, 5, k, 20, 4, 5, 20) }},
		{"ExpShiftSum", func() { ExpShiftSum(s[:2], s[:3], 0) }},
		{"F16ToF32Rows", func() { F16ToF32Rows(s, 5, make([]byte, 29), 10, 3, 5) }},
		{"F16ToF32Rows", func() { F16ToF32Rows(s, 4, make([]byte, 30), 10, 3, 5) }},
		{"Q8_0ToF32Rows", func() { Q8_0ToF32Rows(make([]float32, 64), 32, make([]byte, 68), 34, 2, 30) }},
		{"Q8_0ToF32Rows", func() { Q8_0ToF32Rows(make([]float32, 64), 32, make([]byte, 67), 34, 2, 32) }},
		{"SoftmaxRowsF32", func() { SoftmaxRowsF32(s, 5, s[:2], s[:3], s[:3], 3, 5) }},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), c.name) {
					t.Errorf("%s: panic %v, want one naming it", c.name, r)
				}
			}()
			c.f()
		}()
	}
}

func randFloatsF32(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

var sinkF32s []float32

// BenchmarkAttn times each attention kernel on one tile of a Llama-shaped
// prompt step: 32 query rows (8 positions × 4 heads sharing a KV head),
// 128 keys, head size 64. flop/s counts 2 per multiply-add.
func BenchmarkAttn(b *testing.B) {
	const rows, n, d = 32, 128, 64
	rng := newRNG(38)
	q := randFloatsF32(rng, rows*d)
	k := randFloatsF32(rng, n*d)
	s := make([]float32, rows*n)
	for i := range s {
		s[i] = -float32(10 * rng.Float64())
	}
	o := make([]float32, rows*d)
	alpha := make([]float32, rows)
	for i := range alpha {
		alpha[i] = 1
	}
	h := make([]byte, 2*n*d)
	for i := range h {
		h[i] = byte(rng.Uint32() & 0x3f)
	}
	pw := make([]float32, n)
	m := make([]float32, rows)
	l := make([]float32, rows)
	for _, impl := range attnImpls() {
		flops := func(b *testing.B, f float64) {
			b.ReportMetric(f*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run("dotRows/"+impl.name, func(b *testing.B) {
			for b.Loop() {
				impl.dotRows(s, n, q, d, k, d, rows, n, d)
			}
			flops(b, 2*rows*n*d)
		})
		b.Run("axpyRows/"+impl.name, func(b *testing.B) {
			for b.Loop() {
				impl.axpyRows(o, d, alpha, s, n, k, d, rows, n, d)
			}
			flops(b, 2*rows*n*d)
		})
		b.Run("expShiftSum/"+impl.name, func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				sinkF32 = impl.expShiftSum(pw, s[:n], 0.5)
			}
		})
		b.Run("softmaxRows/"+impl.name, func(b *testing.B) {
			b.SetBytes(4 * rows * n)
			for b.Loop() {
				b.StopTimer()
				for i := range s {
					s[i] = -float32(i % 10)
				}
				for r := range m {
					m[r], l[r] = 0, 1
				}
				b.StartTimer()
				impl.softmaxRows(s, n, m, l, alpha, rows, n)
			}
			for i := range alpha {
				alpha[i] = 1
			}
		})
		b.Run("max/"+impl.name, func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				sinkF32 = impl.max(s[:n])
			}
		})
		b.Run("q8Rows/"+impl.name, func(b *testing.B) {
			q8 := make([]byte, n*d/32*34)
			for i := range q8 {
				q8[i] = byte(rng.Uint32() & 0x3f)
			}
			b.SetBytes(int64(len(q8)))
			for b.Loop() {
				impl.q8Rows(k, d, q8, d/32*34, n, d)
			}
		})
		b.Run("f16Rows/"+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(h)))
			for b.Loop() {
				impl.f16Rows(k, d, h, 2*d, n, d)
			}
		})
	}
	sinkF32s = o
}
