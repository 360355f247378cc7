package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

// This file tests the k-quant dot products (q2_K, q3_K, q4_K, q5_K, q6_K,
// iq4_xs against q8_K) and their tiles. Correctness comes from two outside
// sources: ggml's own results on the fixtures in testdata/<type>/, and a
// naive float64 dot product of values decoded by the small dequantizers
// below, written from the block layouts alone.

// kqType describes one weight format under test.
type kqType struct {
	t        quant.Type
	dir      string // testdata/<dir>
	bytes    int    // bytes per 256-element block
	deq      func(dst []float64, b []byte)
	generic  VecDotFunc
	tile     TileFunc // Go twin of the tile, nil if none
	tileRows int
	tileCols int
	// randBlock fills b with a random block whose float16 scales are finite.
	randBlock func(r *rand.Rand, b []byte)
}

// kqDotPath is one implementation of a dot product.
type kqDotPath struct {
	name string
	dot  VecDotFunc
}

// kqTilePath is one implementation of a tile.
type kqTilePath struct {
	name string
	tile TileFunc
}

var kqTypes = []kqType{
	{t: quant.Q4K, dir: "q4_K", bytes: kqQ4KBytes, deq: kqDeqQ4K, generic: dotQ4KQ8KGeneric,
		tile: tileQ4KQ8KGeneric, tileRows: Q4KTileRows, tileCols: Q4KTileCols, randBlock: kqRandHalves(0, 2)},
	{t: quant.Q5K, dir: "q5_K", bytes: kqQ5KBytes, deq: kqDeqQ5K, generic: dotQ5KQ8KGeneric,
		tile: tileQ5KQ8KGeneric, tileRows: Q5KTileRows, tileCols: Q5KTileCols, randBlock: kqRandHalves(0, 2)},
	{t: quant.Q6K, dir: "q6_K", bytes: kqQ6KBytes, deq: kqDeqQ6K, generic: dotQ6KQ8KGeneric,
		tile: tileQ6KQ8KGeneric, tileRows: Q6KTileRows, tileCols: Q6KTileCols, randBlock: kqRandHalves(208)},
	{t: quant.Q2K, dir: "q2_K", bytes: kqQ2KBytes, deq: kqDeqQ2K, generic: dotQ2KQ8K, randBlock: kqRandHalves(80, 82)},
	{t: quant.Q3K, dir: "q3_K", bytes: kqQ3KBytes, deq: kqDeqQ3K, generic: dotQ3KQ8K, randBlock: kqRandHalves(108)},
	{t: quant.IQ4XS, dir: "iq4_xs", bytes: kqIq4XSBytes, deq: kqDeqIQ4XS, generic: dotIQ4XSQ8K, randBlock: kqRandHalves(0)},
}

// kqDotPaths lists every implementation of t's dot product that this CPU
// can run: the Go twin, the assembly variants (kqArchDotPaths) and the one
// the kernel table chose.
func kqDotPaths(tb testing.TB, k *kqType) []kqDotPath {
	paths := []kqDotPath{{"go", k.generic}}
	paths = append(paths, kqArchDotPaths(tb, k.t)...)
	return append(paths, kqDotPath{"table", VecDot(k.t)})
}

// kqTilePaths lists every implementation of t's tile that this CPU can run.
func kqTilePaths(tb testing.TB, k *kqType) []kqTilePath {
	if k.tile == nil {
		return nil
	}
	paths := []kqTilePath{{"go", k.tile}}
	paths = append(paths, kqArchTilePaths(tb, k.t)...)
	if f, _, _ := Tile(k.t); f != nil {
		paths = append(paths, kqTilePath{"table", f})
	} else {
		tb.Logf("%s: the kernel table has no tile on this CPU", k.dir)
	}
	return paths
}

// --- naive dequantizers, written from the block layouts ---

func kqF16(b []byte) float32 {
	h := binary.LittleEndian.Uint16(b)
	sign := float32(1)
	if h&0x8000 != 0 {
		sign = -1
	}
	e := int(h >> 10 & 0x1f)
	m := float64(h & 0x3ff)
	switch e {
	case 0:
		return sign * float32(m*math.Pow(2, -24))
	case 31:
		if m == 0 {
			return sign * float32(math.Inf(1))
		}
		return float32(math.NaN())
	}
	return sign * float32((1+m/1024)*math.Pow(2, float64(e-15)))
}

// kqDeqQ8K decodes one q8_K block: value = q·d.
func kqDeqQ8K(dst []float64, b []byte) {
	d := math.Float32frombits(binary.LittleEndian.Uint32(b))
	for i := 0; i < 256; i++ {
		dst[i] = float64(d * float32(int8(b[4+i])))
	}
}

// kqScaleMinK4 is get_scale_min_k4 as the layout describes it.
func kqScaleMinK4(j int, s []byte) (sc, mn byte) {
	if j < 4 {
		return s[j] & 63, s[j+4] & 63
	}
	return s[j+4]&15 | (s[j-4]>>6)<<4, s[j+4]>>4 | (s[j]>>6)<<4
}

func kqDeqQ4K(dst []float64, b []byte) {
	d, dmin := kqF16(b[0:]), kqF16(b[2:])
	s := b[4:16]
	for j := 0; j < 4; j++ {
		sc0, m0 := kqScaleMinK4(2*j, s)
		sc1, m1 := kqScaleMinK4(2*j+1, s)
		for l := 0; l < 32; l++ {
			q := b[16+32*j+l]
			dst[64*j+l] = float64(d*float32(sc0)*float32(q&15) - dmin*float32(m0))
			dst[64*j+32+l] = float64(d*float32(sc1)*float32(q>>4) - dmin*float32(m1))
		}
	}
}

func kqDeqQ5K(dst []float64, b []byte) {
	d, dmin := kqF16(b[0:]), kqF16(b[2:])
	s := b[4:16]
	qh := b[16:48]
	for j := 0; j < 4; j++ {
		sc0, m0 := kqScaleMinK4(2*j, s)
		sc1, m1 := kqScaleMinK4(2*j+1, s)
		for l := 0; l < 32; l++ {
			q := b[48+32*j+l]
			lo, hi := q&15, q>>4
			if qh[l]&(1<<(2*j)) != 0 {
				lo += 16
			}
			if qh[l]&(1<<(2*j+1)) != 0 {
				hi += 16
			}
			dst[64*j+l] = float64(d*float32(sc0)*float32(lo) - dmin*float32(m0))
			dst[64*j+32+l] = float64(d*float32(sc1)*float32(hi) - dmin*float32(m1))
		}
	}
}

func kqDeqQ6K(dst []float64, b []byte) {
	d := kqF16(b[208:])
	for n := 0; n < 2; n++ {
		ql, qh, sc := b[64*n:], b[128+32*n:], b[192+8*n:]
		for l := 0; l < 32; l++ {
			is := l / 16
			q1 := int(ql[l]&15|(qh[l]&3)<<4) - 32
			q2 := int(ql[l+32]&15|(qh[l]>>2&3)<<4) - 32
			q3 := int(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
			q4 := int(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
			o := dst[128*n:]
			o[l] = float64(d * float32(int8(sc[is])) * float32(q1))
			o[l+32] = float64(d * float32(int8(sc[is+2])) * float32(q2))
			o[l+64] = float64(d * float32(int8(sc[is+4])) * float32(q3))
			o[l+96] = float64(d * float32(int8(sc[is+6])) * float32(q4))
		}
	}
}

func kqDeqQ2K(dst []float64, b []byte) {
	d, dmin := kqF16(b[80:]), kqF16(b[82:])
	i, is := 0, 0
	for n := 0; n < 2; n++ {
		q := b[16+32*n:]
		for shift := 0; shift < 8; shift += 2 {
			for g := 0; g < 2; g++ {
				sc := b[is]
				is++
				for l := 0; l < 16; l++ {
					dst[i] = float64(d*float32(sc&15)*float32(q[16*g+l]>>shift&3) - dmin*float32(sc>>4))
					i++
				}
			}
		}
	}
}

func kqDeqQ3K(dst []float64, b []byte) {
	d := kqF16(b[108:])
	a0 := binary.LittleEndian.Uint32(b[96:])
	a1 := binary.LittleEndian.Uint32(b[100:])
	a2 := binary.LittleEndian.Uint32(b[104:])
	const k1, k2 = 0x03030303, 0x0f0f0f0f
	s := [4]uint32{
		(a0 & k2) | ((a2 & k1) << 4),
		(a1 & k2) | (((a2 >> 2) & k1) << 4),
		((a0 >> 4) & k2) | (((a2 >> 4) & k1) << 4),
		((a1 >> 4) & k2) | (((a2 >> 6) & k1) << 4),
	}
	var scales [16]int8
	for i := range scales {
		scales[i] = int8(s[i/4] >> (8 * (i % 4)))
	}
	hm := b[0:32]
	i, is := 0, 0
	m := byte(1)
	for n := 0; n < 2; n++ {
		q := b[32+32*n:]
		for shift := 0; shift < 8; shift += 2 {
			for g := 0; g < 2; g++ {
				dl := d * float32(int(scales[is])-32)
				is++
				for l := 0; l < 16; l++ {
					v := int(q[16*g+l] >> shift & 3)
					if hm[16*g+l]&m == 0 {
						v -= 4
					}
					dst[i] = float64(dl * float32(v))
					i++
				}
			}
			m <<= 1
		}
	}
}

func kqDeqIQ4XS(dst []float64, b []byte) {
	kv := [16]float32{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}
	d := kqF16(b[0:])
	sh := binary.LittleEndian.Uint16(b[2:])
	for ib := 0; ib < 8; ib++ {
		ls := int(b[4+ib/2]>>(4*(ib%2))&15) | int(sh>>(2*ib)&3)<<4
		dl := d * float32(ls-32)
		for j := 0; j < 16; j++ {
			q := b[8+16*ib+j]
			dst[32*ib+j] = float64(dl * kv[q&15])
			dst[32*ib+16+j] = float64(dl * kv[q>>4])
		}
	}
}

// kqRef returns Σ wᵢ·yᵢ in float64 over the decoded values, and Σ|wᵢ·yᵢ|.
func kqRef(k *kqType, x, y []byte, n int) (dot, abs float64) {
	w := make([]float64, 256)
	a := make([]float64, 256)
	for b := 0; b < n/256; b++ {
		k.deq(w, x[b*k.bytes:])
		kqDeqQ8K(a, y[b*kqQ8KBytes:])
		for i := range w {
			p := w[i] * a[i]
			dot += p
			abs += math.Abs(p)
		}
	}
	return dot, abs
}

// --- random data ---

// kqRandHalves returns a block filler that writes random bytes and then a
// random finite float16 (magnitude 2⁻¹⁴…2) at each of the given offsets.
func kqRandHalves(offs ...int) func(r *rand.Rand, b []byte) {
	return func(r *rand.Rand, b []byte) {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		for _, o := range offs {
			h := uint16(r.IntN(16)+1)<<10 | uint16(r.IntN(1024)) | uint16(r.IntN(2))<<15
			binary.LittleEndian.PutUint16(b[o:], h)
		}
	}
}

// kqRandQ8K fills y with nb valid q8_K blocks (qs in lo…hi, bsums
// consistent) whose scale d is random.
func kqRandQ8K(r *rand.Rand, y []byte, nb int, lo, hi int) {
	for b := 0; b < nb; b++ {
		yb := y[b*kqQ8KBytes:]
		d := float32(r.NormFloat64() * 0.01)
		binary.LittleEndian.PutUint32(yb, math.Float32bits(d))
		for g := 0; g < 16; g++ {
			var s int
			for l := 0; l < 16; l++ {
				v := lo + r.IntN(hi-lo+1)
				yb[4+16*g+l] = byte(int8(v))
				s += v
			}
			binary.LittleEndian.PutUint16(yb[260+2*g:], uint16(int16(s)))
		}
	}
}

// kqConstQ8K fills y with nb q8_K blocks whose every quant is v.
func kqConstQ8K(y []byte, nb int, v int8, d float32) {
	for b := 0; b < nb; b++ {
		yb := y[b*kqQ8KBytes:]
		binary.LittleEndian.PutUint32(yb, math.Float32bits(d))
		for i := 0; i < 256; i++ {
			yb[4+i] = byte(v)
		}
		for g := 0; g < 16; g++ {
			binary.LittleEndian.PutUint16(yb[260+2*g:], uint16(int16(16*int(v))))
		}
	}
}

// kqUnaligned returns a slice of n bytes at a random offset 0…63 into a
// larger buffer, so that kernels see unaligned inputs.
func kqUnaligned(r *rand.Rand, n int) []byte {
	buf := make([]byte, n+64)
	o := r.IntN(64)
	return buf[o : o+n : o+n]
}

// --- tests ---

func kqReadFixture(t *testing.T, dir string) (q, yq []byte, dot []float32, f64 []float64) {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	q, yq = read("q.bin"), read("yq.bin")
	d := read("dot.f32")
	for i := 0; i+4 <= len(d); i += 4 {
		dot = append(dot, math.Float32frombits(binary.LittleEndian.Uint32(d[i:])))
	}
	for _, line := range strings.Fields(string(read("dot_f64.txt"))) {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			t.Fatal(err)
		}
		f64 = append(f64, v)
	}
	return q, yq, dot, f64
}

// TestKQuantFixtures checks every implementation against ggml's AVX kernel
// result (dot.f32) on the fixture rows: |got − want| ≤ 1e-5·Σ|wᵢ·yᵢ|. It
// first checks the test's own dequantizers against ggml's exact dot
// (dot_f64.txt).
func TestKQuantFixtures(t *testing.T) {
	const rows, cols = 8, 1024
	for i := range kqTypes {
		k := &kqTypes[i]
		t.Run(k.dir, func(t *testing.T) {
			q, yq, dot, f64 := kqReadFixture(t, k.dir)
			rowBytes := cols / 256 * k.bytes
			if len(q) != rows*rowBytes || len(yq) != cols/256*kqQ8KBytes || len(dot) != rows || len(f64) != rows {
				t.Fatalf("fixture sizes: q %d yq %d dot %d f64 %d", len(q), len(yq), len(dot), len(f64))
			}
			abs := make([]float64, rows)
			for r := 0; r < rows; r++ {
				ref, a := kqRef(k, q[r*rowBytes:(r+1)*rowBytes], yq, cols)
				abs[r] = a
				if math.Abs(ref-f64[r]) > 1e-12*a {
					t.Fatalf("test dequantizer: row %d: Σ w·y = %.17g, ggml's exact %.17g", r, ref, f64[r])
				}
			}
			for _, p := range kqDotPaths(t, k) {
				for r := 0; r < rows; r++ {
					got := p.dot(cols, q[r*rowBytes:(r+1)*rowBytes], yq)
					if d := math.Abs(float64(got) - float64(dot[r])); d > 1e-5*abs[r] {
						t.Errorf("%s row %d: got %.9g, ggml %.9g (|diff| %.3g > %.3g)", p.name, r, got, dot[r], d, 1e-5*abs[r])
					}
				}
			}
		})
	}
}

// kqCase is one random or extreme input to a dot product.
type kqCase struct {
	name string
	nb   int
	fill func(r *rand.Rand, k *kqType, x, y []byte, nb int)
}

func kqCases() []kqCase {
	random := func(r *rand.Rand, k *kqType, x, y []byte, nb int) {
		for b := 0; b < nb; b++ {
			k.randBlock(r, x[b*k.bytes:(b+1)*k.bytes])
		}
		kqRandQ8K(r, y, nb, -127, 127)
	}
	var cases []kqCase
	for nb := 1; nb <= 16; nb++ {
		cases = append(cases, kqCase{fmt.Sprintf("random/%dblocks", nb), nb, random})
	}
	cases = append(cases,
		kqCase{"zero-weights", 3, func(r *rand.Rand, k *kqType, x, y []byte, nb int) {
			clear(x)
			kqRandQ8K(r, y, nb, -127, 127)
		}},
		kqCase{"zero-activations", 3, func(r *rand.Rand, k *kqType, x, y []byte, nb int) {
			random(r, k, x, y, nb)
			kqConstQ8K(y, nb, 0, 0)
		}},
		kqCase{"some-zero-blocks", 5, func(r *rand.Rand, k *kqType, x, y []byte, nb int) {
			random(r, k, x, y, nb)
			clear(x[k.bytes : 2*k.bytes])
			kqConstQ8K(y[3*kqQ8KBytes:], 1, 0, 0)
		}},
	)
	// Extreme: every weight byte 0xff (largest quants and scales) or 0x00
	// outside the float16 scales, against activations of −128 or 127.
	for _, wb := range []byte{0xff, 0x00, 0x55, 0xaa} {
		for _, yv := range []int8{-128, 127, -127} {
			cases = append(cases, kqCase{fmt.Sprintf("extreme/w%02x/y%d", wb, yv), 4, func(r *rand.Rand, k *kqType, x, y []byte, nb int) {
				for b := 0; b < nb; b++ {
					xb := x[b*k.bytes : (b+1)*k.bytes]
					k.randBlock(r, xb) // places finite scales
					var keep [2][2]byte
					halves := kqHalfOffsets(k.t)
					for i, o := range halves {
						copy(keep[i][:], xb[o:o+2])
					}
					for i := range xb {
						xb[i] = wb
					}
					for i, o := range halves {
						copy(xb[o:o+2], keep[i][:])
					}
				}
				kqConstQ8K(y, nb, yv, 0.5)
			}})
		}
	}
	return cases
}

// kqHalfOffsets lists where the float16 scales of a block of type t lie.
func kqHalfOffsets(t quant.Type) []int {
	switch t {
	case quant.Q4K, quant.Q5K:
		return []int{0, 2}
	case quant.Q6K:
		return []int{208}
	case quant.Q2K:
		return []int{80, 82}
	case quant.Q3K:
		return []int{108}
	case quant.IQ4XS:
		return []int{0}
	}
	panic("kqHalfOffsets: " + t.String())
}

// TestKQuantDotRandom checks every implementation against the naive float64
// reference on random, zero and extreme blocks of 1…16 blocks at unaligned
// addresses, and the assembly against the Go twin.
func TestKQuantDotRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range kqTypes {
		k := &kqTypes[i]
		paths := kqDotPaths(t, k)
		for _, c := range kqCases() {
			x := kqUnaligned(r, c.nb*k.bytes)
			y := kqUnaligned(r, c.nb*kqQ8KBytes)
			c.fill(r, k, x, y, c.nb)
			n := c.nb * 256
			ref, abs := kqRef(k, x, y, n)
			twin := k.generic(n, x, y)
			for _, p := range paths {
				got := p.dot(n, x, y)
				if d := math.Abs(float64(got) - ref); d > 1e-5*abs {
					t.Errorf("%s %s %s: got %.9g, reference %.9g (|diff| %.3g, Σ|w·y| %.3g)", k.dir, c.name, p.name, got, ref, d, abs)
				}
				if d := math.Abs(float64(got) - float64(twin)); d > 1e-6*abs {
					t.Errorf("%s %s %s: got %.9g, Go twin %.9g", k.dir, c.name, p.name, got, twin)
				}
			}
		}
	}
}

// TestKQuantTile checks every tile implementation against the naive
// reference for each (row, column) pair, with strides larger than a row and
// unaligned buffers.
func TestKQuantTile(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range kqTypes {
		k := &kqTypes[i]
		paths := kqTilePaths(t, k)
		if paths == nil {
			continue
		}
		rows, cols := k.tileRows, k.tileCols
		if f, tr, tc := Tile(k.t); f != nil && (tr != rows || tc != cols) {
			t.Errorf("%s: table tile %dx%d, want %dx%d", k.dir, tr, tc, rows, cols)
		}
		for _, nb := range []int{1, 2, 3, 7, 16} {
			n := nb * 256
			xStride := nb*k.bytes + 3
			yStride := nb*kqQ8KBytes + 5
			x := kqUnaligned(r, (rows-1)*xStride+nb*k.bytes)
			y := kqUnaligned(r, (cols-1)*yStride+nb*kqQ8KBytes)
			for row := 0; row < rows; row++ {
				for b := 0; b < nb; b++ {
					k.randBlock(r, x[row*xStride+b*k.bytes:][:k.bytes])
				}
			}
			for c := 0; c < cols; c++ {
				kqRandQ8K(r, y[c*yStride:], nb, -127, 127)
			}
			if nb == 3 { // a zero block in one row, zero activations in one column
				clear(x[xStride+k.bytes : xStride+2*k.bytes])
				kqConstQ8K(y[yStride:], nb, 0, 0)
			}
			const dstStride = 7
			for _, p := range paths {
				dst := make([]float32, (cols-1)*dstStride+rows)
				p.tile(n, x, xStride, y, yStride, dst, dstStride)
				for c := 0; c < cols; c++ {
					for row := 0; row < rows; row++ {
						xr, yc := x[row*xStride:], y[c*yStride:]
						ref, abs := kqRef(k, xr, yc, n)
						single := k.generic(n, xr, yc)
						got := dst[c*dstStride+row]
						if d := math.Abs(float64(got) - ref); d > 1e-5*abs {
							t.Errorf("%s %s nb=%d (r%d,c%d): got %.9g, reference %.9g", k.dir, p.name, nb, row, c, got, ref)
						}
						if d := math.Abs(float64(got) - float64(single)); d > 1e-6*abs {
							t.Errorf("%s %s nb=%d (r%d,c%d): got %.9g, single dot %.9g", k.dir, p.name, nb, row, c, got, single)
						}
					}
				}
			}
		}
	}
}

// TestKQuantTileEmpty checks that a tile of zero elements writes zeros.
func TestKQuantTileEmpty(t *testing.T) {
	for i := range kqTypes {
		k := &kqTypes[i]
		for _, p := range kqTilePaths(t, k) {
			dst := make([]float32, (k.tileCols-1)*k.tileRows+k.tileRows)
			for j := range dst {
				dst[j] = 1
			}
			p.tile(0, nil, 0, nil, 0, dst, k.tileRows)
			for j, v := range dst {
				if v != 0 {
					t.Errorf("%s %s: dst[%d] = %g after an empty tile, want 0", k.dir, p.name, j, v)
				}
			}
		}
	}
}

// TestKQuantBadLength checks that a row too short for n panics with the
// kernel's message instead of reading out of bounds.
func TestKQuantBadLength(t *testing.T) {
	for i := range kqTypes {
		k := &kqTypes[i]
		for _, p := range kqDotPaths(t, k) {
			func() {
				defer func() {
					msg, _ := recover().(string)
					if !strings.HasPrefix(msg, "kernels: ") {
						t.Errorf("%s %s: recovered %q, want a kernels: panic", k.dir, p.name, msg)
					}
				}()
				p.dot(512, make([]byte, k.bytes), make([]byte, 2*kqQ8KBytes))
			}()
		}
	}
}

// TestKQuantExported checks the exported wrappers and the kernel table.
func TestKQuantExported(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	exported := map[quant.Type]func(x, y []byte) float32{
		quant.Q2K: DotQ2KQ8K, quant.Q3K: DotQ3KQ8K, quant.Q4K: DotQ4KQ8K,
		quant.Q5K: DotQ5KQ8K, quant.Q6K: DotQ6KQ8K, quant.IQ4XS: DotIQ4XSQ8K,
	}
	for i := range kqTypes {
		k := &kqTypes[i]
		if vt, ok := VecDotType(k.t); !ok || vt != quant.Q8K {
			t.Errorf("%s: VecDotType = %v, %v; want q8_K", k.dir, vt, ok)
		}
		x := make([]byte, 2*k.bytes)
		y := make([]byte, 2*kqQ8KBytes)
		k.randBlock(r, x[:k.bytes])
		k.randBlock(r, x[k.bytes:])
		kqRandQ8K(r, y, 2, -127, 127)
		ref, abs := kqRef(k, x, y, 512)
		if got := exported[k.t](x, y); math.Abs(float64(got)-ref) > 1e-5*abs {
			t.Errorf("%s: exported dot %.9g, reference %.9g", k.dir, got, ref)
		}
	}
}
