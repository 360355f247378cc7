package tensor

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x74656e736f72)) }

// threadCounts are the worker counts every op is run with; results must be
// bit-identical across them.
var threadCounts = []int{1, 2, 4}

// external makes a caller-owned tensor holding vals converted to typ
// (F32, F16, BF16, I32 or Q8_0).
func external(t testing.TB, typ quant.Type, vals []float32, ne ...int) *Tensor {
	t.Helper()
	var probe Tensor
	if err := probe.init(typ, ne); err != nil {
		t.Fatal(err)
	}
	data := alignedBytes(probe.Bytes())
	switch typ {
	case quant.I32:
		for i, v := range vals {
			binary.LittleEndian.PutUint32(data[4*i:], uint32(int32(v)))
		}
	default:
		from := fromFloatFunc(typ)
		if from == nil {
			t.Fatalf("no converter to %v", typ)
		}
		rs := typ.RowSize(ne[0])
		for r := 0; r < len(vals)/ne[0]; r++ {
			from(data[r*rs:(r+1)*rs], vals[r*ne[0]:(r+1)*ne[0]])
		}
	}
	x, err := New(typ, data, ne...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func randFloats(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

// values reads a tensor of any plain or q8_0 type into float64s in logical
// order (ne[0] fastest), honouring strides.
func values(t testing.TB, x *Tensor) []float64 {
	t.Helper()
	out := make([]float64, 0, x.Elements())
	if x.typ.BlockSize() != 1 {
		row := make([]float32, x.ne[0])
		for r := 0; r < x.Rows(); r++ {
			i1, i2, i3 := rowIndex(r, x.ne)
			toF32(row, x.rowBytes(i1, i2, i3), x.typ)
			for _, v := range row {
				out = append(out, float64(v))
			}
		}
		return out
	}
	for i3 := 0; i3 < x.ne[3]; i3++ {
		for i2 := 0; i2 < x.ne[2]; i2++ {
			for i1 := 0; i1 < x.ne[1]; i1++ {
				for i0 := 0; i0 < x.ne[0]; i0++ {
					out = append(out, x.Float(i0, i1, i2, i3))
				}
			}
		}
	}
	return out
}

// at4 indexes a logical value slice of shape ne.
func at4(v []float64, ne [4]int, i0, i1, i2, i3 int) float64 {
	return v[((i3*ne[2]+i2)*ne[1]+i1)*ne[0]+i0]
}

// runThreads builds the graph with build (once per thread count), computes
// it with 1, 2 and 4 threads and checks that the output bytes are identical;
// it returns the output's values (and the output of the last run).
func runThreads(t *testing.T, build func(g *Graph) *Tensor) ([]float64, *Tensor) {
	t.Helper()
	var first []byte
	var vals []float64
	var last *Tensor
	for _, n := range threadCounts {
		be := NewCPU(n)
		g := NewGraph()
		out := build(g)
		g.Output(out)
		if err := g.Compute(be); err != nil {
			be.Close()
			t.Fatalf("%d threads: %v", n, err)
		}
		be.Close()
		b := append([]byte(nil), out.Data()...)
		if first == nil {
			first = b
			vals = values(t, out)
		} else if string(b) != string(first) {
			t.Fatalf("%d threads: result differs from 1 thread", n)
		}
		last = out
	}
	return vals, last
}

// checkClose compares got with want elementwise: |got-want| ≤ tol(i).
func checkClose(t *testing.T, got, want []float64, tol func(i int) float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d", len(got), len(want))
	}
	bad := 0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if !(d <= tol(i)) {
			if bad < 5 {
				t.Errorf("element %d: got %.9g, want %.9g (|diff| %.3g > %.3g)", i, got[i], want[i], d, tol(i))
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d elements differ", bad, len(got))
	}
}

func relTol(want []float64, rel, abs float64) func(int) float64 {
	return func(i int) float64 { return rel*math.Abs(want[i]) + abs }
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}

func roundF16(v float64) float64 { return float64(quant.FP16ToFP32(quant.FP32ToFP16(float32(v)))) }
