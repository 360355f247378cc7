package kernels

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/gollm/gollm/quant"
)

// quantizerFamily describes one activation quantizer.
type quantizerFamily struct {
	typ      quant.Type
	impls    func() []fromFloatImpl
	exported func(dst []byte, src []float32)
	yqFrom   string // fixture directory whose yq.bin is y quantized to typ
}

var quantizerFamilies = []quantizerFamily{
	{quant.Q8_0, quantizeQ8_0Impls, QuantizeRowQ8_0, "q8_0"},
	{quant.Q8_1, quantizeQ8_1Impls, QuantizeRowQ8_1, "q4_1"},
	{quant.Q8K, quantizeQ8KImpls, QuantizeRowQ8K, ""},
}

// TestQuantizeFixtures requires every implementation to reproduce ggml's
// bytes: x.f32 (rows of zeros, constants, outliers, 1000× scale, …) →
// <type>/q.bin, and y.f32 → the yq.bin of a weight type that pairs with it.
func TestQuantizeFixtures(t *testing.T) {
	for _, fam := range quantizerFamilies {
		f := loadFixture(t, fam.typ.String())
		var yq []byte
		if fam.yqFrom != "" {
			yq = loadFixture(t, fam.yqFrom).yq
		}
		for _, impl := range fam.impls() {
			t.Run(fam.typ.String()+"/"+impl.name, func(t *testing.T) {
				for r := 0; r < fixtureRows; r++ {
					got := make([]byte, f.rowLen)
					impl.f(got, f.xRow(r))
					diffBlocks(t, fmt.Sprintf("x row %d", r), fam.typ, got, f.row(r))
				}
				if yq != nil {
					got := make([]byte, len(yq))
					impl.f(got, f.y)
					diffBlocks(t, "y", fam.typ, got, yq)
				}
			})
		}
	}
}

// diffBlocks reports the first blocks where got and want differ.
func diffBlocks(t *testing.T, what string, typ quant.Type, got, want []byte) {
	t.Helper()
	ts := typ.TypeSize()
	bad := 0
	for off := 0; off < len(want); off += ts {
		if !bytes.Equal(got[off:off+ts], want[off:off+ts]) {
			if bad++; bad <= 3 {
				t.Errorf("%s: block %d differs:\n got %x\nwant %x", what, off/ts, got[off:off+ts], want[off:off+ts])
			}
		}
	}
}

// quantizeInputs returns float rows that probe the quantizers' corners:
// random magnitudes, exact halves after scaling (ties), negative maxima,
// ±max twice with the negative first, zeros, a lone denormal, huge values.
func quantizeInputs(n int) [][]float32 {
	rng := newRNG(3)
	var rows [][]float32
	row := func(f func(i int) float32) {
		r := make([]float32, n)
		for i := range r {
			r[i] = f(i)
		}
		rows = append(rows, r)
	}
	row(func(i int) float32 { return float32(rng.NormFloat64() * math.Exp(rng.Float64()*20-10)) })
	row(func(i int) float32 { return float32(rng.NormFloat64()) })
	row(func(i int) float32 { return float32(i%255-127) / 2 })           // q = 2x·127/127: many exact .5 ties
	row(func(i int) float32 { return float32(i%19-12) + 0.5 })           // halves with a negative max
	row(func(i int) float32 { return []float32{-3, 3, 1.5, -1.5}[i%4] }) // −max first
	row(func(i int) float32 { return 0 })
	row(func(i int) float32 {
		if i%32 == 5 {
			return 1e-40
		}
		return 0
	})
	row(func(i int) float32 { return float32(rng.NormFloat64() * 3e37) })
	row(func(i int) float32 { return float32(int(rng.Uint32()%7) - 3) })
	return rows
}

// TestQuantizeRandom checks every implementation byte for byte against the
// Go twin, and the Go twin against the definition: each dequantized value
// is within half a step d/2 of its input (q8_K: d = max/−127 exactly as
// float32 1/iscale; q8_0/q8_1: d = amax/127 rounded to fp16) and q8_1's s
// and q8_K's bsums are the sums they claim to be.
func TestQuantizeRandom(t *testing.T) {
	for _, fam := range quantizerFamilies {
		bs, ts := fam.typ.BlockSize(), fam.typ.TypeSize()
		impls := fam.impls()
		for _, impl := range impls {
			t.Run(fam.typ.String()+"/"+impl.name, func(t *testing.T) {
				rng := newRNG(5)
				for _, nb := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33} {
					for i, x := range quantizeInputs(nb * bs) {
						got := embed(rng, make([]byte, nb*ts))
						want := make([]byte, nb*ts)
						impl.f(got, x)
						impls[0].f(want, x)
						diffBlocks(t, fmt.Sprintf("input %d, %d blocks", i, nb), fam.typ, got, want)
					}
				}
			})
		}
	}
	for _, fam := range quantizerFamilies {
		bs, ts := fam.typ.BlockSize(), fam.typ.TypeSize()
		for i, x := range quantizeInputs(4 * bs) {
			q := make([]byte, 4*ts)
			fam.impls()[0].f(q, x)
			deq := refDequantize(t, fam.typ, q, len(x))
			for b := 0; b < 4; b++ {
				blk := q[b*ts:]
				xs := x[b*bs : b*bs+bs]
				var amax float64
				for _, v := range xs {
					amax = math.Max(amax, math.Abs(float64(v)))
				}
				step := amax / 127
				if math.IsInf(float64(127/float32(amax)), 0) || math.IsInf(float64(float32(amax)/127*127), 0) {
					continue // the scale or its inverse overflows float32
				}
				for j, v := range xs {
					// fp16 rounding of d moves the grid by ≤ 2⁻¹¹ per step.
					tol := step/2*(1+1e-6) + 127*step*math.Ldexp(1, -11) + 1e-45
					if fam.typ == quant.Q8_0 || fam.typ == quant.Q8_1 {
						if step < 6e-5 || step > 65504 { // d leaves fp16's normal range
							continue
						}
					}
					if e := math.Abs(deq[b*bs+j] - float64(v)); e > tol {
						t.Fatalf("%v input %d block %d elem %d: x=%g deq=%g (err %g > %g)", fam.typ, i, b, j, v, deq[b*bs+j], e, tol)
					}
				}
				switch fam.typ {
				case quant.Q8_1:
					sum := 0
					for _, v := range blk[4:36] {
						sum += int(int8(v))
					}
					want := quant.FP32ToFP16(float32(amax/127) * float32(sum))
					if amax == 0 {
						want = 0
					}
					if got := binary.LittleEndian.Uint16(blk[2:]); got != want && float32(amax)/127 == float32(amax/127) {
						t.Errorf("q8_1 input %d block %d: s = %#04x, want %#04x", i, b, got, want)
					}
				case quant.Q8K:
					for g := 0; g < 16; g++ {
						sum := 0
						for _, v := range blk[4+16*g : 20+16*g] {
							sum += int(int8(v))
						}
						if got := int16(binary.LittleEndian.Uint16(blk[260+2*g:])); int(got) != sum {
							t.Errorf("q8_K input %d block %d: bsums[%d] = %d, want %d", i, b, g, got, sum)
						}
					}
				}
			}
		}
	}
}

// TestQuantizeExported checks the exported quantizers and FromFloat against
// the chosen implementation, and their panics on bad lengths.
func TestQuantizeExported(t *testing.T) {
	for _, fam := range quantizerFamilies {
		bs, ts := fam.typ.BlockSize(), fam.typ.TypeSize()
		x := quantizeInputs(2 * bs)[0]
		a, b := make([]byte, 2*ts), make([]byte, 2*ts)
		fam.exported(a, x)
		FromFloat(fam.typ)(b, x)
		if !bytes.Equal(a, b) {
			t.Errorf("%v: exported and table quantizers differ", fam.typ)
		}
		for _, bad := range []struct {
			dst []byte
			src []float32
		}{{a[:2*ts-1], x}, {a, x[:bs+1]}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%v: %d bytes, %d floats: no panic", fam.typ, len(bad.dst), len(bad.src))
					}
				}()
				fam.exported(bad.dst, bad.src)
			}()
		}
	}
}
