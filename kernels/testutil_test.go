package kernels

// Shared test helpers for every kernel family: fixture loading, naive
// reference dequantizers and dots, random block generators and tolerance
// checks. Families that are not covered here (the k-quants, for instance)
// plug their reference dequantizer and block generator into refDequant and
// blockFixup from an init function in their own _test.go file.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/x448/float16"

	"github.com/gollm/gollm/quant"
)

// Fixture shape: every directory of testdata/quant holds R rows of C
// columns (see testdata/quant/README.md).
const (
	fixtureRows = 8
	fixtureCols = 1024
)

// fixture is one directory testdata/quant/<type>/ (a subset of
// /work/shared/fixtures/quant/<type>/ copied there). Files that are absent
// leave their field nil.
type fixture struct {
	name   string
	typ    quant.Type
	rowLen int // bytes of one row of q

	x      []float32 // x.f32: R×C inputs of q (falls back to testdata/quant/x.f32)
	q      []byte    // q.bin: the R rows of x quantized to typ
	y      []float32 // y.f32: C activations (falls back to testdata/quant/y.f32)
	yq     []byte    // yq.bin: y quantized by ggml's CPU quantizer of typ's vec_dot_type
	dot    []float32 // dot.f32: ggml's AVX vec_dot of each row of q with yq
	dotF64 []float64 // dot_f64.txt: exact Σ deq(q)·deq(yq) per row
}

// row returns row r of q.
func (f *fixture) row(r int) []byte { return f.q[r*f.rowLen : (r+1)*f.rowLen] }

// xRow returns row r of x.
func (f *fixture) xRow(r int) []float32 { return f.x[r*fixtureCols : (r+1)*fixtureCols] }

// loadFixture reads testdata/quant/<name>/ (or testdata/<name>/ where that
// is where a family keeps its files). name is ggml's type name, e.g.
// "q4_K". It fails the test when the directory holds no q.bin.
func loadFixture(t testing.TB, name string) *fixture {
	t.Helper()
	typ, err := quant.ParseType(name)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	dir := filepath.Join("testdata", "quant", name)
	if _, err := os.Stat(dir); err != nil {
		dir = filepath.Join("testdata", name)
	}
	f := &fixture{name: name, typ: typ, rowLen: typ.RowSize(fixtureCols)}
	read := func(file string, shared bool) []byte {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil && shared {
			b, err = os.ReadFile(filepath.Join("testdata", "quant", file))
		}
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			t.Fatalf("fixture %s: %v", name, err)
		}
		return b
	}
	f.q = read("q.bin", false)
	if len(f.q) != fixtureRows*f.rowLen {
		t.Fatalf("fixture %s: q.bin has %d bytes, want %d", name, len(f.q), fixtureRows*f.rowLen)
	}
	f.x = bytesToF32(read("x.f32", true))
	f.y = bytesToF32(read("y.f32", true))
	f.yq = read("yq.bin", false)
	f.dot = bytesToF32(read("dot.f32", false))
	if b := read("dot_f64.txt", false); b != nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			v, err := strconv.ParseFloat(string(bytes.TrimSpace(sc.Bytes())), 64)
			if err != nil {
				t.Fatalf("fixture %s: dot_f64.txt: %v", name, err)
			}
			f.dotF64 = append(f.dotF64, v)
		}
	}
	if f.dot != nil && len(f.dot) != fixtureRows || f.dotF64 != nil && len(f.dotF64) != fixtureRows {
		t.Fatalf("fixture %s: want %d dot values, have %d and %d", name, fixtureRows, len(f.dot), len(f.dotF64))
	}
	return f
}

func bytesToF32(b []byte) []float32 {
	if b == nil {
		return nil
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// ---------------------------------------------------------------------------
// Naive reference dequantizers, written from the block layouts in
// testdata/quant/README.md and checked against ggml through dot_f64.txt.

// refDequant holds, per type, a naive dequantizer that writes the value of
// every element of src (a whole number of blocks) to dst in float64.
var refDequant = map[quant.Type]func(dst []float64, src []byte){
	quant.F32: func(dst []float64, src []byte) {
		for i := range dst {
			dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:])))
		}
	},
	quant.F16: func(dst []float64, src []byte) {
		for i := range dst {
			dst[i] = refF16(src[2*i:])
		}
	},
	quant.BF16: func(dst []float64, src []byte) {
		for i := range dst {
			dst[i] = float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16))
		}
	},
	quant.Q8_0: func(dst []float64, src []byte) {
		for b := 0; b < len(dst)/32; b++ {
			blk := src[34*b:]
			d := refF16(blk)
			for i := 0; i < 32; i++ {
				dst[32*b+i] = float64(int8(blk[2+i])) * d
			}
		}
	},
	quant.Q8_1: func(dst []float64, src []byte) {
		for b := 0; b < len(dst)/32; b++ {
			blk := src[36*b:]
			d := refF16(blk)
			for i := 0; i < 32; i++ {
				dst[32*b+i] = float64(int8(blk[4+i])) * d
			}
		}
	},
	quant.Q8K: func(dst []float64, src []byte) {
		for b := 0; b < len(dst)/256; b++ {
			blk := src[292*b:]
			d := float64(math.Float32frombits(binary.LittleEndian.Uint32(blk)))
			for i := 0; i < 256; i++ {
				dst[256*b+i] = float64(int8(blk[4+i])) * d
			}
		}
	},
	quant.Q4_0: func(dst []float64, src []byte) {
		for b := 0; b < len(dst)/32; b++ {
			blk := src[18*b:]
			d := refF16(blk)
			for i := 0; i < 32; i++ {
				dst[32*b+i] = float64(refNibble(blk[2:], i)-8) * d
			}
		}
	},
	quant.Q4_1: func(dst []float64, src []byte) {
		for b := 0; b < len(dst)/32; b++ {
			blk := src[20*b:]
			d, m := refF16(blk), refF16(blk[2:])
			for i := 0; i < 32; i++ {
				dst[32*b+i] = float64(refNibble(blk[4:], i))*d + m
			}
		}
	},
	quant.Q5_0: func(dst []float64, src []byte) {
		for b := 0; b < len(dst)/32; b++ {
			blk := src[22*b:]
			d := refF16(blk)
			qh := binary.LittleEndian.Uint32(blk[2:])
			for i := 0; i < 32; i++ {
				q := refNibble(blk[6:], i) | int(qh>>i&1)<<4
				dst[32*b+i] = float64(q-16) * d
			}
		}
	},
	quant.Q5_1: func(dst []float64, src []byte) {
		for b := 0; b < len(dst)/32; b++ {
			blk := src[24*b:]
			d, m := refF16(blk), refF16(blk[2:])
			qh := binary.LittleEndian.Uint32(blk[4:])
			for i := 0; i < 32; i++ {
				q := refNibble(blk[8:], i) | int(qh>>i&1)<<4
				dst[32*b+i] = float64(q)*d + m
			}
		}
	},
	quant.IQ4NL: func(dst []float64, src []byte) {
		kv := [16]int{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}
		for b := 0; b < len(dst)/32; b++ {
			blk := src[18*b:]
			d := refF16(blk)
			for i := 0; i < 32; i++ {
				dst[32*b+i] = float64(kv[refNibble(blk[2:], i)]) * d
			}
		}
	},
}

// refNibble returns element i (0…31) of a 16-byte nibble array in ggml's
// layout A: byte j holds element j low and element j+16 high.
func refNibble(qs []byte, i int) int {
	if i < 16 {
		return int(qs[i] & 15)
	}
	return int(qs[i-16] >> 4)
}

// refF16 decodes the little-endian IEEE binary16 at b[0:2] the slow, plain
// way (sign, exponent, mantissa), independently of any kernel code.
func refF16(b []byte) float64 {
	h := binary.LittleEndian.Uint16(b)
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e := int(h >> 10 & 31)
	m := float64(h & 1023)
	switch e {
	case 0:
		return sign * math.Ldexp(m, -24)
	case 31:
		if m == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1024+m, e-25)
}

// refDequantize dequantizes n elements of type t with refDequant, or,
// for types that have none there, with package quant's dequantizer (which
// quant's own tests hold to ggml's fixtures).
func refDequantize(t testing.TB, typ quant.Type, src []byte, n int) []float64 {
	t.Helper()
	f := refDequant[typ]
	if f == nil && typ.Known() && typ.Traits().Dequantize != nil {
		deq := typ.Traits().Dequantize
		f = func(dst []float64, src []byte) {
			tmp := make([]float32, len(dst))
			deq(tmp, src[:typ.RowSize(len(dst))])
			for i, v := range tmp {
				dst[i] = float64(v)
			}
		}
	}
	if f == nil {
		t.Fatalf("no reference dequantizer for %v", typ)
	}
	if len(src) < typ.RowSize(n) {
		t.Fatalf("%v: %d bytes for %d elements, want %d", typ, len(src), n, typ.RowSize(n))
	}
	dst := make([]float64, n)
	f(dst, src)
	return dst
}

// refDotExact overrides refDot for weight types whose dot product is not
// Σ deq(w)·deq(y) by design: q4_1 and q5_1 use the activation's stored
// fp16 block sum s instead of d·Σq for the m term.
var refDotExact = map[quant.Type]func(t testing.TB, w, y []byte, n int) (dot, absSum float64){
	quant.Q4_1: func(t testing.TB, w, y []byte, n int) (float64, float64) {
		return refDotMin(t, quant.Q4_1, w, 20, y, n)
	},
	quant.Q5_1: func(t testing.TB, w, y []byte, n int) (float64, float64) {
		return refDotMin(t, quant.Q5_1, w, 24, y, n)
	},
}

// refDotMin is the format-exact dot of a q4_1/q5_1 row with a q8_1 row:
// Σ_blocks d_w·d_y·Σ q_w·q_y + m_w·s_y.
func refDotMin(t testing.TB, wt quant.Type, w []byte, wbytes int, y []byte, n int) (dot, absSum float64) {
	t.Helper()
	wd := refDequantize(t, wt, w, n) // q·d + m
	yd := refDequantize(t, quant.Q8_1, y, n)
	for b := 0; b < n/32; b++ {
		m := refF16(w[wbytes*b+2:])
		s := refF16(y[36*b+2:])
		dot += m * s
		absSum += math.Abs(m * s)
		for i := 32 * b; i < 32*b+32; i++ {
			p := (wd[i] - m) * yd[i]
			dot += p
			absSum += math.Abs(p)
		}
	}
	return dot, absSum
}

// refDot returns the exact dot product of n elements of weight row w (type
// wt) with activation row y (type yt), and Σ|wᵢ·yᵢ|, the scale that float32
// rounding errors of any summation order are bounded by.
func refDot(t testing.TB, wt quant.Type, w []byte, yt quant.Type, y []byte, n int) (dot, absSum float64) {
	t.Helper()
	if f := refDotExact[wt]; f != nil {
		return f(t, w, y, n)
	}
	wd := refDequantize(t, wt, w, n)
	yd := refDequantize(t, yt, y, n)
	for i := range wd {
		p := wd[i] * yd[i]
		dot += p
		absSum += math.Abs(p)
	}
	return dot, absSum
}

// dotTol is the relative tolerance of a float32 dot product with respect to
// Σ|wᵢ·yᵢ|.
const dotTol = 1e-5

// checkDot fails when got differs from want by more than rel·absSum (plus a
// denormal-sized slack so that all-zero rows compare exactly).
func checkDot(t testing.TB, what string, got float32, want, absSum, rel float64) {
	t.Helper()
	if math.IsNaN(float64(got)) || math.Abs(float64(got)-want) > rel*absSum+1e-30 {
		t.Errorf("%s: got %.9g, want %.9g (diff %.3g, allowed %.3g)", what, got, want,
			math.Abs(float64(got)-want), rel*absSum)
	}
}

// ---------------------------------------------------------------------------
// Random rows.

// blockKind selects what randRow fills blocks with.
type blockKind int

const (
	blockRandom  blockKind = iota // random quants, moderate random scales
	blockZero                     // every byte zero
	blockExtreme                  // largest-magnitude quants and scales
	blockMixed                    // each block randomly one of the above
)

func (k blockKind) String() string {
	return [...]string{"random", "zero", "extreme", "mixed"}[k]
}

// blockFixup holds, per type, a function that turns a block of random bytes
// into a valid block of the given kind (kind is never blockMixed or
// blockZero here): finite scales, int8 quants in −127…127, consistent sums.
var blockFixup = map[quant.Type]func(rng *rand.Rand, blk []byte, kind blockKind){
	quant.F32: func(rng *rand.Rand, blk []byte, kind blockKind) {
		v := float32(rng.NormFloat64())
		if kind == blockExtreme {
			v = float32(math.Copysign(1e18, rng.NormFloat64()))
		}
		binary.LittleEndian.PutUint32(blk, math.Float32bits(v))
	},
	quant.F16: func(rng *rand.Rand, blk []byte, kind blockKind) {
		v := rng.NormFloat64()
		if kind == blockExtreme {
			v = math.Copysign(65504, v)
		}
		putF16(blk, v)
	},
	quant.BF16: func(rng *rand.Rand, blk []byte, kind blockKind) {
		v := float32(rng.NormFloat64())
		if kind == blockExtreme {
			v = float32(math.Copysign(1e18, rng.NormFloat64()))
		}
		binary.LittleEndian.PutUint16(blk, uint16(math.Float32bits(v)>>16))
	},
	quant.Q8_0: func(rng *rand.Rand, blk []byte, kind blockKind) {
		putScaleF16(rng, blk, kind)
		fixInt8(rng, blk[2:34], kind)
	},
	quant.Q8_1: func(rng *rand.Rand, blk []byte, kind blockKind) {
		d := putScaleF16(rng, blk, kind)
		if kind == blockExtreme {
			// The largest d whose block sum d·Σq stays finite in fp16.
			putF16(blk, math.Copysign(16, d))
			d = refF16(blk)
		}
		s := fixInt8(rng, blk[4:36], kind)
		putF16(blk[2:], d*float64(s))
	},
	quant.Q8K: func(rng *rand.Rand, blk []byte, kind blockKind) {
		d := float32(math.Copysign(math.Exp(rng.Float64()*8-8), rng.NormFloat64()))
		if kind == blockExtreme {
			d = float32(math.Copysign(1e6, float64(d)))
		}
		binary.LittleEndian.PutUint32(blk, math.Float32bits(d))
		for g := 0; g < 16; g++ {
			s := fixInt8(rng, blk[4+16*g:4+16*g+16], kind)
			binary.LittleEndian.PutUint16(blk[260+2*g:], uint16(int16(s)))
		}
	},
	quant.Q4_0: func(rng *rand.Rand, blk []byte, kind blockKind) {
		putScaleF16(rng, blk, kind)
		fixNibbles(rng, blk[2:18], kind)
	},
	quant.Q4_1: func(rng *rand.Rand, blk []byte, kind blockKind) {
		putScaleF16(rng, blk, kind)
		putScaleF16(rng, blk[2:], kind)
		fixNibbles(rng, blk[4:20], kind)
	},
	quant.Q5_0: func(rng *rand.Rand, blk []byte, kind blockKind) {
		putScaleF16(rng, blk, kind)
		fixExtremeBytes(rng, blk[2:6], kind)
		fixNibbles(rng, blk[6:22], kind)
	},
	quant.Q5_1: func(rng *rand.Rand, blk []byte, kind blockKind) {
		putScaleF16(rng, blk, kind)
		putScaleF16(rng, blk[2:], kind)
		fixExtremeBytes(rng, blk[4:8], kind)
		fixNibbles(rng, blk[8:24], kind)
	},
	quant.IQ4NL: func(rng *rand.Rand, blk []byte, kind blockKind) {
		putScaleF16(rng, blk, kind)
		fixNibbles(rng, blk[2:18], kind)
	},
}

// putF16 stores v as binary16 (round to nearest even) at b[0:2].
func putF16(b []byte, v float64) {
	binary.LittleEndian.PutUint16(b, float16.Fromfloat32(float32(v)).Bits())
}

// putScaleF16 stores a random fp16 scale at b[0:2] and returns its value:
// magnitudes spread over e^−10…1 for blockRandom (subnormals included now
// and then), ±65504 for blockExtreme.
func putScaleF16(rng *rand.Rand, b []byte, kind blockKind) float64 {
	v := math.Copysign(math.Exp(rng.Float64()*10-10), rng.NormFloat64())
	switch {
	case kind == blockExtreme:
		v = math.Copysign(65504, v)
	case rng.IntN(16) == 0:
		v = math.Copysign(float64(rng.IntN(1024))*math.Ldexp(1, -24), v) // subnormal
	}
	putF16(b, v)
	return refF16(b)
}

// fixInt8 maps random bytes to int8 quants in −127…127 (±127 for
// blockExtreme; ggml's quantizers never write −128) and returns their sum.
func fixInt8(rng *rand.Rand, q []byte, kind blockKind) int {
	s := 0
	for i := range q {
		v := int8(q[i])
		if v == -128 {
			v = -127
		}
		if kind == blockExtreme {
			v = 127
			if rng.IntN(2) == 0 {
				v = -127
			}
		}
		q[i] = byte(v)
		s += int(v)
	}
	return s
}

// fixNibbles makes every nibble 0 or 15 for blockExtreme.
func fixNibbles(rng *rand.Rand, q []byte, kind blockKind) {
	if kind != blockExtreme {
		return
	}
	for i := range q {
		q[i] = byte([4]int{0x00, 0x0f, 0xf0, 0xff}[rng.IntN(4)])
	}
}

// fixExtremeBytes makes every byte 0x00 or 0xff for blockExtreme.
func fixExtremeBytes(rng *rand.Rand, q []byte, kind blockKind) {
	if kind != blockExtreme {
		return
	}
	for i := range q {
		q[i] = byte(-rng.IntN(2))
	}
}

// randRow returns n elements of type t (n a multiple of its block size) of
// the given kind; the bytes are random, then made valid by blockFixup. A
// type without a blockFixup entry gets random normal floats quantized by
// package quant's reference quantizer (all kinds but blockZero alike).
func randRow(t testing.TB, rng *rand.Rand, typ quant.Type, n int, kind blockKind) []byte {
	t.Helper()
	fix := blockFixup[typ]
	if fix == nil && typ.Known() && typ.Traits().Quantize != nil {
		bs := typ.BlockSize()
		x := make([]float32, bs)
		b := make([]byte, typ.RowSize(n))
		for off, blk := 0, 0; blk < n/bs; off, blk = off+typ.TypeSize(), blk+1 {
			k := kind
			if k == blockMixed {
				k = []blockKind{blockRandom, blockZero}[rng.IntN(2)]
			}
			for i := range x {
				x[i] = 0
				if k != blockZero {
					x[i] = float32(rng.NormFloat64())
				}
			}
			typ.Traits().Quantize(b[off:off+typ.TypeSize()], x)
		}
		return b
	}
	if fix == nil {
		t.Fatalf("no block generator for %v", typ)
	}
	bs, ts := typ.BlockSize(), typ.TypeSize()
	if n%bs != 0 {
		t.Fatalf("randRow %v: %d elements, not a multiple of %d", typ, n, bs)
	}
	b := make([]byte, n/bs*ts)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	for off := 0; off < len(b); off += ts {
		k := kind
		if k == blockMixed {
			k = []blockKind{blockRandom, blockRandom, blockZero, blockExtreme}[rng.IntN(4)]
		}
		blk := b[off : off+ts]
		if k == blockZero {
			clear(blk)
			continue
		}
		fix(rng, blk, k)
	}
	return b
}

// embed copies b into a larger buffer at a random offset (so the copy is
// not aligned), fills the bytes around it with junk, and returns the copy.
// Kernels must read exactly b, whatever its alignment.
func embed(rng *rand.Rand, b []byte) []byte {
	off := rng.IntN(64)
	buf := make([]byte, off+len(b)+rng.IntN(64))
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	copy(buf[off:], b)
	return buf[off : off+len(b) : off+len(b)]
}

// raggedLengths returns element counts 1…maxBlocks times bs (every count up
// to 18 blocks, then a sparse set of larger ones), the shapes that exercise
// every tail of an unrolled kernel loop.
func raggedLengths(bs, maxBlocks int) []int {
	var ns []int
	for nb := 1; nb <= maxBlocks; nb++ {
		if nb <= 18 || nb%7 == 0 || nb == maxBlocks {
			ns = append(ns, nb*bs)
		}
	}
	return ns
}

// newRNG returns a deterministic generator for one test.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x676f6c6c6d)) }
