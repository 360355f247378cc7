package kernels

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/quant"
)

// Kernels for fused attention (the tensor package's flash_attn), which
// streams over the keys of a KV cache in tiles:
//
//   - F16ToF32Rows and Q8_0ToF32Rows widen a tile of f16 or q8_0 K or V
//     rows (strided, as a cache view has them) to f32 rows;
//   - DotRowsF32 computes the tile's scores: every query row (several
//     query heads and positions at once) dotted with every key row, the
//     queries kept in registers across a block of keys;
//   - SoftmaxRowsF32 advances the online softmax of every row by the
//     tile: the new running maximum, the weights e^(s−max) in place of
//     the scores, their sum, and the factor that rescales what came
//     before; MaxF32 and ExpShiftSum are its two halves for one row, with
//     the same polynomial exp;
//   - AxpyRowsF32 accumulates the weighted values p·V into the output rows,
//     rescaling them first (the online softmax's correction when the
//     running maximum grows).
//
// Each has a Go twin (below), used on other architectures and under the
// noasm tag, and on amd64 AVX2 and AVX-512 assembly (attn_amd64.s).

// attnImpl is one implementation of the attention kernels. The slice
// arguments have been checked by the exported functions: every row that is
// read or written lies within its slice.
type attnImpl struct {
	name string
	// f16Rows: dst[r·ldd+i] = f16(src[r·lds+2i:]) for r < rows, i < cols
	// (lds in bytes).
	f16Rows func(dst []float32, ldd int, src []byte, lds int, rows, cols int)
	// dotRows: s[r·lds+j] = Σ_{i<d} q[r·ldq+i]·k[j·ldk+i] for r < rows, j < n.
	dotRows func(s []float32, lds int, q []float32, ldq int, k []float32, ldk int, rows, n, d int)
	// expShiftSum: dst[i] = e^(x[i]−shift), returning Σ dst[i].
	expShiftSum func(dst, x []float32, shift float32) float32
	// max: the largest element, -Inf when empty; NaNs are skipped.
	max func(x []float32) float32
	// axpyRows: o[r·ldo+i] = alpha[r]·o[r·ldo+i] + Σ_{j<n} p[r·ldp+j]·v[j·ldv+i].
	axpyRows func(o []float32, ldo int, alpha, p []float32, ldp int, v []float32, ldv int, rows, n, d int)
	// softmaxRows: see SoftmaxRowsF32 (n ≥ 1).
	softmaxRows func(s []float32, lds int, m, l, alpha []float32, rows, n int)
	// q8Rows: as f16Rows for q8_0 rows (cols a multiple of 32).
	q8Rows func(dst []float32, ldd int, src []byte, lds int, rows, cols int)
}

var attnGo = attnImpl{"go", f16RowsGeneric, dotRowsGeneric, expShiftSumGeneric, maxGeneric, axpyRowsGeneric, softmaxRowsGeneric, q8RowsGeneric}

// attn is the implementation chosen for this CPU (the last of attnImpls).
var attn = func() attnImpl {
	impls := attnImpls()
	return impls[len(impls)-1]
}()

func init() { setImpl("attention", attn.name) }

// stridedLen is the length a slice needs to hold rows rows of cols
// elements, ld apart.
func stridedLen(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

// checkRows panics unless rows rows of cols elements, ld apart, fit in a
// slice of length n (and ld ≥ cols, so that the rows do not overlap).
func checkRows(fn, what string, n, rows, cols, ld int) {
	if rows < 0 || cols < 0 || ld < cols || n < stridedLen(rows, cols, ld) {
		panic(fmt.Sprintf("kernels: %s: %s: %d rows of %d, %d apart, in %d elements", fn, what, rows, cols, ld, n))
	}
}

// F16ToF32Rows converts rows rows of cols binary16 values, the rows
// srcStride bytes apart in src, to float32 rows dstStride elements apart
// in dst, exactly. It panics when a row does not fit.
func F16ToF32Rows(dst []float32, dstStride int, src []byte, srcStride int, rows, cols int) {
	checkRows("F16ToF32Rows", "dst", len(dst), rows, cols, dstStride)
	checkRows("F16ToF32Rows", "src", len(src), rows, 2*cols, srcStride)
	if rows == 0 || cols == 0 {
		return
	}
	attn.f16Rows(dst, dstStride, src, srcStride, rows, cols)
}

// Q8_0ToF32Rows dequantizes rows rows of cols q8_0 values (cols a multiple
// of 32; 34 bytes per block of 32), the rows srcStride bytes apart in src,
// to float32 rows dstStride elements apart in dst, as
// quant.DequantizeQ8_0 does (each value int8·scale, rounded once). It
// panics when cols is not a multiple of 32 or a row does not fit.
func Q8_0ToF32Rows(dst []float32, dstStride int, src []byte, srcStride int, rows, cols int) {
	if cols%32 != 0 {
		panic(fmt.Sprintf("kernels: Q8_0ToF32Rows: %d columns, not a multiple of 32", cols))
	}
	checkRows("Q8_0ToF32Rows", "dst", len(dst), rows, cols, dstStride)
	checkRows("Q8_0ToF32Rows", "src", len(src), rows, cols/32*34, srcStride)
	if rows == 0 || cols == 0 {
		return
	}
	attn.q8Rows(dst, dstStride, src, srcStride, rows, cols)
}

// DotRowsF32 sets s[r·sStride+j] = Σ_{i<d} q[r·qStride+i]·k[j·kStride+i]
// for every query row r < rows and key row j < n: one tile of attention
// scores, Q·Kᵀ. It panics when a row does not fit.
func DotRowsF32(s []float32, sStride int, q []float32, qStride int, k []float32, kStride int, rows, n, d int) {
	checkRows("DotRowsF32", "s", len(s), rows, n, sStride)
	checkRows("DotRowsF32", "q", len(q), rows, d, qStride)
	checkRows("DotRowsF32", "k", len(k), n, d, kStride)
	if rows == 0 || n == 0 {
		return
	}
	if d == 0 {
		for r := 0; r < rows; r++ {
			clear(s[r*sStride : r*sStride+n])
		}
		return
	}
	attn.dotRows(s, sStride, q, qStride, k, kStride, rows, n, d)
}

// ExpShiftSum sets dst[i] = e^(x[i]−shift) for i < len(x) and returns the
// sum of those values. x[i]−shift is rounded to float32 first; the
// exponential is a polynomial accurate to 2 ulp, e^-Inf = 0, results below
// the smallest normal float32 (x[i]−shift < -87.33654) are 0 and above the
// largest float32 +Inf. It panics when dst is shorter than x.
func ExpShiftSum(dst, x []float32, shift float32) float32 {
	if len(dst) < len(x) {
		panic(fmt.Sprintf("kernels: ExpShiftSum: %d results for %d inputs", len(dst), len(x)))
	}
	if len(x) == 0 {
		return 0
	}
	return attn.expShiftSum(dst[:len(x)], x, shift)
}

// MaxF32 returns the largest element of x, ignoring NaNs; -Inf when x is
// empty or all NaN.
func MaxF32(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	return attn.max(x)
}

// SoftmaxRowsF32 advances an online softmax by one tile of scores. For
// each row r < rows, with its n scores s[r·stride : r·stride+n], running
// maximum m[r] and running sum l[r], it computes the new maximum
// m' = max(m[r], maxⱼ s[r][j]) (NaN scores are skipped), the rescale
// factor alpha[r] = e^(m[r]−m'), the weights s[r][j] = e^(s[r][j]−m') in
// place of the scores, l[r] = alpha[r]·l[r] + Σⱼ s[r][j] and m[r] = m'.
// A row whose scores and running maximum are all -Inf gets weights 0 and
// alpha 1. The exponentials are ExpShiftSum's. It panics when a row does
// not fit or m, l or alpha has fewer than rows elements.
func SoftmaxRowsF32(s []float32, stride int, m, l, alpha []float32, rows, n int) {
	checkRows("SoftmaxRowsF32", "s", len(s), rows, n, stride)
	if len(m) < rows || len(l) < rows || len(alpha) < rows {
		panic(fmt.Sprintf("kernels: SoftmaxRowsF32: %d rows, %d/%d/%d maxima/sums/scales", rows, len(m), len(l), len(alpha)))
	}
	if rows == 0 {
		return
	}
	if n == 0 {
		for r := 0; r < rows; r++ {
			alpha[r] = 1
		}
		return
	}
	attn.softmaxRows(s, stride, m, l, alpha, rows, n)
}

// AxpyRowsF32 sets o[r·oStride+i] = alpha[r]·o[r·oStride+i] +
// Σ_{j<n} p[r·pStride+j]·v[j·vStride+i] for r < rows and i < d: the
// softmax weights p of rows queries applied to n value rows, added to the
// output rows after rescaling them. It panics when a row does not fit or
// alpha has fewer than rows elements.
func AxpyRowsF32(o []float32, oStride int, alpha, p []float32, pStride int, v []float32, vStride int, rows, n, d int) {
	checkRows("AxpyRowsF32", "o", len(o), rows, d, oStride)
	checkRows("AxpyRowsF32", "p", len(p), rows, n, pStride)
	checkRows("AxpyRowsF32", "v", len(v), n, d, vStride)
	if len(alpha) < rows {
		panic(fmt.Sprintf("kernels: AxpyRowsF32: %d scales for %d rows", len(alpha), rows))
	}
	if rows == 0 || d == 0 {
		return
	}
	attn.axpyRows(o, oStride, alpha, p, pStride, v, vStride, rows, n, d)
}

func f16RowsGeneric(dst []float32, ldd int, src []byte, lds int, rows, cols int) {
	for r := 0; r < rows; r++ {
		d := dst[r*ldd : r*ldd+cols]
		s := src[r*lds : r*lds+2*cols]
		for i := range d {
			d[i] = quant.FP16ToFP32(uint16(s[2*i]) | uint16(s[2*i+1])<<8)
		}
	}
}

func q8RowsGeneric(dst []float32, ldd int, src []byte, lds int, rows, cols int) {
	for r := 0; r < rows; r++ {
		d := dst[r*ldd : r*ldd+cols]
		s := src[r*lds : r*lds+cols/32*34]
		for b := 0; b < cols/32; b++ {
			blk := s[34*b : 34*b+34]
			scale := quant.FP16ToFP32(uint16(blk[0]) | uint16(blk[1])<<8)
			y := d[32*b : 32*b+32]
			for i := range y {
				y[i] = float32(int8(blk[2+i])) * scale
			}
		}
	}
}

// dotRowsGeneric takes two keys at a time, each dot product in two
// partial sums.
func dotRowsGeneric(s []float32, lds int, q []float32, ldq int, k []float32, ldk int, rows, n, d int) {
	for r := 0; r < rows; r++ {
		qr := q[r*ldq : r*ldq+d]
		sr := s[r*lds : r*lds+n]
		j := 0
		for ; j+2 <= n; j += 2 {
			k0 := k[j*ldk : j*ldk+d]
			k1 := k[(j+1)*ldk : (j+1)*ldk+d]
			var a0, a1, b0, b1 float32
			i := 0
			for ; i+2 <= d; i += 2 {
				a0 += qr[i] * k0[i]
				a1 += qr[i+1] * k0[i+1]
				b0 += qr[i] * k1[i]
				b1 += qr[i+1] * k1[i+1]
			}
			if i < d {
				a0 += qr[i] * k0[i]
				b0 += qr[i] * k1[i]
			}
			sr[j], sr[j+1] = a0+a1, b0+b1
		}
		if j < n {
			k0 := k[j*ldk : j*ldk+d]
			var a float32
			for i, x := range qr {
				a += x * k0[i]
			}
			sr[j] = a
		}
	}
}

// Exponential: e^x = 2^n·e^r with n = round(x·log₂e) and r = x − n·ln2
// (ln2 in two parts, the first with few enough bits that n·ln2Hi is
// exact), e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2 (Cephes' expf
// coefficients), and the scaling by 2^n done in two exact-then-rounded
// steps. x below expLo, where e^x is no longer a normal float32, gives 0
// (a subnormal result would cost the assembly a microcode assist); x is
// clamped to expHi, where e^x overflows, so that n stays small.
const (
	expLo    = -87.3365402 // the first float32 with e^x ≥ 2⁻¹²⁶
	expHi    = 89
	expLog2e = 1.44269504088896341
	expLn2Hi = 0.693359375
	expLn2Lo = -2.12194440e-4
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
)

// expf is the Go twin's exponential (see above).
func expf(x float32) float32 {
	switch {
	case x != x:
		return x
	case x < expLo:
		return 0
	case x > expHi:
		x = expHi
	}
	n := float32(math.RoundToEven(float64(x * expLog2e)))
	r := x - n*expLn2Hi
	r -= n * expLn2Lo
	p := float32(expP0)
	p = p*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	y := p*(r*r) + r + 1
	ni := int32(n)
	n1 := ni >> 1
	n2 := ni - n1
	y *= math.Float32frombits(uint32(n1+127) << 23)
	return y * math.Float32frombits(uint32(n2+127)<<23)
}

func expShiftSumGeneric(dst, x []float32, shift float32) float32 {
	dst = dst[:len(x)]
	var sum float32
	for i, v := range x {
		e := expf(v - shift)
		dst[i] = e
		sum += e
	}
	return sum
}

func maxGeneric(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// axpyRowsGeneric adds two value rows at a time.
func axpyRowsGeneric(o []float32, ldo int, alpha, p []float32, ldp int, v []float32, ldv int, rows, n, d int) {
	for r := 0; r < rows; r++ {
		or := o[r*ldo : r*ldo+d]
		if a := alpha[r]; a != 1 {
			for i := range or {
				or[i] *= a
			}
		}
		pr := p[r*ldp : r*ldp+n]
		j := 0
		for ; j+2 <= n; j += 2 {
			p0, p1 := pr[j], pr[j+1]
			v0 := v[j*ldv : j*ldv+d]
			v1 := v[(j+1)*ldv : (j+1)*ldv+d]
			for i := range or {
				or[i] += p0*v0[i] + p1*v1[i]
			}
		}
		if j < n {
			p0 := pr[j]
			v0 := v[j*ldv : j*ldv+d]
			for i := range or {
				or[i] += p0 * v0[i]
			}
		}
	}
}

func softmaxRowsGeneric(s []float32, lds int, m, l, alpha []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		sr := s[r*lds : r*lds+n]
		mNew := max(m[r], maxGeneric(sr))
		if mNew == float32(math.Inf(-1)) {
			clear(sr)
			alpha[r] = 1
			continue
		}
		a := expf(m[r] - mNew)
		alpha[r] = a
		l[r] = a*l[r] + expShiftSumGeneric(sr, sr, mNew)
		m[r] = mNew
	}
}
