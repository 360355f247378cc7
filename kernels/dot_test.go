package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/gollm/gollm/quant"
)

// dotFamily describes one weight type's dot product for the table-driven
// tests and benchmarks below.
type dotFamily struct {
	wt, yt       quant.Type                // weight type, activation type
	impls        func() []dotImpl          // every implementation this CPU runs, Go twin first
	exported     func(x, y []byte) float32 // the exported entry point
	tile         func() []tileImpl         // tiles, or nil
	exportedTile TileFunc                  // exported tile, or nil
	tileShape    func() (rows, cols int)   // shape of the exported tile
}

// dotFamilies lists the dot products of this package's own families (the
// k-quants test themselves in dot_kquant_test.go).
var dotFamilies = []dotFamily{
	{wt: quant.Q8_0, yt: quant.Q8_0, impls: dotQ8_0Impls, exported: DotQ8_0Q8_0, tile: tileQ8_0Impls, exportedTile: TileQ8_0Q8_0,
		tileShape: func() (int, int) { return tileQ8_0Rows, tileQ8_0Cols }},
	{wt: quant.Q4_0, yt: quant.Q8_0, impls: dotQ4_0Impls, exported: DotQ4_0Q8_0, tile: tileQ4_0Impls, exportedTile: TileQ4_0Q8_0,
		tileShape: func() (int, int) { return tileQ4_0Rows, tileQ4_0Cols }},
	{wt: quant.Q4_1, yt: quant.Q8_1, impls: dotQ4_1Impls, exported: DotQ4_1Q8_1},
	{wt: quant.Q5_0, yt: quant.Q8_0, impls: dotQ5_0Impls, exported: DotQ5_0Q8_0},
	{wt: quant.Q5_1, yt: quant.Q8_1, impls: dotQ5_1Impls, exported: DotQ5_1Q8_1},
	{wt: quant.IQ4NL, yt: quant.Q8_0, impls: dotIQ4NLImpls, exported: DotIQ4NLQ8_0},
	{wt: quant.F32, yt: quant.F32, impls: dotF32Impls, exported: func(x, y []byte) float32 { return DotF32F32(bytesToF32(x), bytesToF32(y)) }},
	{wt: quant.F16, yt: quant.F32, impls: dotF16Impls, exported: func(x, y []byte) float32 { return DotF16F32(x, bytesToF32(y)) }},
	{wt: quant.BF16, yt: quant.F32, impls: dotBF16Impls, exported: func(x, y []byte) float32 { return DotBF16F32(x, bytesToF32(y)) }},
}

// fixtureActivations returns the activation row of fixture f in type yt:
// yq.bin itself, or for f16/bf16 weights (whose kernels take f32
// activations) yq.bin widened to float32, which gives the same products.
func fixtureActivations(t testing.TB, f *fixture, yt quant.Type) []byte {
	t.Helper()
	if yt != quant.F32 {
		return f.yq
	}
	src := f.typ
	if src == quant.F32 {
		src = quant.F16 // widened from the f16 fixture
	}
	return widen(t, src, f.yq)
}

// widen converts f16 or bf16 values to float32 bytes.
func widen(t testing.TB, typ quant.Type, b []byte) []byte {
	t.Helper()
	src := refDequantize(t, typ, b, len(b)/2)
	out := make([]byte, 4*len(src))
	for i, v := range src {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(v)))
	}
	return out
}

func widenF16(t testing.TB, b []byte) []byte { return widen(t, quant.F16, b) }

// TestDotFixtures holds every implementation to ggml's AVX result on the
// fixture rows: |got − dot.f32| ≤ 1e-5·Σ|wᵢ·yᵢ|, and the same bound around
// the exact value.
func TestDotFixtures(t *testing.T) {
	for _, fam := range dotFamilies {
		var f *fixture
		if fam.wt == quant.F32 {
			// No f32 fixture: the f16 one widened has the same products.
			f = loadFixture(t, "f16")
			f.q = widenF16(t, f.q)
			f.typ, f.rowLen = quant.F32, 4*fixtureCols
		} else {
			f = loadFixture(t, fam.wt.String())
		}
		y := fixtureActivations(t, f, fam.yt)
		for _, impl := range fam.impls() {
			t.Run(fam.wt.String()+"/"+impl.name, func(t *testing.T) {
				for r := 0; r < fixtureRows; r++ {
					want, absSum := refDot(t, fam.wt, f.row(r), fam.yt, y, fixtureCols)
					got := impl.f(fixtureCols, f.row(r), y)
					checkDot(t, fmt.Sprintf("row %d vs ggml", r), got, float64(f.dot[r]), absSum, dotTol)
					checkDot(t, fmt.Sprintf("row %d vs exact", r), got, want, absSum, dotTol)
				}
			})
		}
	}
}

// TestDotRandom compares every implementation with the exact reference and
// with its Go twin on random rows of every length up to 40 blocks (and
// some longer ones), with zero, extreme and mixed blocks, at random
// unaligned offsets.
func TestDotRandom(t *testing.T) {
	for _, fam := range dotFamilies {
		bs := max(fam.wt.BlockSize(), fam.yt.BlockSize())
		impls := fam.impls()
		for _, impl := range impls {
			t.Run(fam.wt.String()+"/"+impl.name, func(t *testing.T) {
				rng := newRNG(uint64(fam.wt)<<8 | 1)
				for _, n := range raggedLengths(bs, 40) {
					for kind := blockRandom; kind <= blockMixed; kind++ {
						x := embed(rng, randRow(t, rng, fam.wt, n, kind))
						y := embed(rng, randRow(t, rng, fam.yt, n, kind%2*blockMixed))
						want, absSum := refDot(t, fam.wt, x, fam.yt, y, n)
						got := impl.f(n, x, y)
						what := fmt.Sprintf("n=%d %v", n, kind)
						checkDot(t, what+" vs exact", got, want, absSum, dotTol)
						checkDot(t, what+" vs go", got, float64(impls[0].f(n, x, y)), absSum, dotTol)
					}
				}
				if got := impl.f(0, nil, nil); got != 0 {
					t.Errorf("n=0: got %g", got)
				}
			})
		}
	}
}

// TestDotExported checks the exported entry points: the same value as the
// chosen kernel, and a panic that names the function on mismatched rows.
func TestDotExported(t *testing.T) {
	for _, fam := range dotFamilies {
		t.Run(fam.wt.String(), func(t *testing.T) {
			rng := newRNG(7)
			n := 8 * max(fam.wt.BlockSize(), fam.yt.BlockSize())
			x := randRow(t, rng, fam.wt, n, blockRandom)
			y := randRow(t, rng, fam.yt, n, blockRandom)
			if got, want := fam.exported(x, y), VecDot(fam.wt)(n, x, y); got != want {
				t.Errorf("exported %g, table %g", got, want)
			}
			if vt, ok := VecDotType(fam.wt); !ok || vt != fam.yt {
				t.Errorf("VecDotType = %v, %v; want %v", vt, ok, fam.yt)
			}
			for _, bad := range [][2][]byte{{x, y[:len(y)-1]}, {x[:len(x)-1], y}, {x, append(y, y...)}} {
				func() {
					defer func() {
						if r := recover(); r == nil {
							t.Errorf("lengths %d, %d: no panic", len(bad[0]), len(bad[1]))
						}
					}()
					fam.exported(bad[0], bad[1])
				}()
			}
		})
	}
}
