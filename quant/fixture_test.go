package quant

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The fixtures in testdata come from llama.cpp build 10587 (see
// testdata/README.md): x.f32 is 8 rows × 1024 columns of varied data, q.bin
// is ggml_quantize_chunk of x (or the CPU from_float for q8_1 and q8_K),
// deq.f32 ggml's to_float of q.bin; y.f32 is one activation row and
// yq_<type>.bin its quantization by ggml's CPU from_float.

const fixtureRows, fixtureCols = 8, 1024

var fixtureTypes = []struct {
	dir string
	t   Type
}{
	{"f16", F16}, {"bf16", BF16},
	{"q4_0", Q4_0}, {"q4_1", Q4_1}, {"q5_0", Q5_0}, {"q5_1", Q5_1}, {"q8_0", Q8_0}, {"q8_1", Q8_1},
	{"q2_K", Q2K}, {"q3_K", Q3K}, {"q4_K", Q4K}, {"q5_K", Q5K}, {"q6_K", Q6K}, {"q8_K", Q8K},
	{"iq4_nl", IQ4NL}, {"iq4_xs", IQ4XS},
}

func readFile(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readF32(t testing.TB, elem ...string) []float32 {
	t.Helper()
	b := readFile(t, elem...)
	if len(b)%4 != 0 {
		t.Fatalf("%v: %d bytes is not a whole number of float32", elem, len(b))
	}
	f := make([]float32, len(b)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return f
}

func TestFixtureFilesHaveDocumentedSizes(t *testing.T) {
	if x := readF32(t, "x.f32"); len(x) != fixtureRows*fixtureCols {
		t.Fatalf("x.f32: %d floats, want %d", len(x), fixtureRows*fixtureCols)
	}
	for _, ft := range fixtureTypes {
		q := readFile(t, ft.dir, "q.bin")
		if want := fixtureRows * ft.t.RowSize(fixtureCols); len(q) != want {
			t.Errorf("%s/q.bin: %d bytes, want %d", ft.dir, len(q), want)
		}
	}
}

// TestDequantizeMatchesGGML checks every type's to-float bit for bit
// against ggml's output, negative zeros included.
func TestDequantizeMatchesGGML(t *testing.T) {
	for _, ft := range fixtureTypes {
		t.Run(ft.dir, func(t *testing.T) {
			q := readFile(t, ft.dir, "q.bin")
			want := readF32(t, ft.dir, "deq.f32")
			got := make([]float32, len(want))
			if err := Dequantize(ft.t, got, q); err != nil {
				t.Fatal(err)
			}
			bad, negZero := 0, 0
			for i := range want {
				if math.Float32bits(want[i]) == 0x80000000 {
					negZero++
				}
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					if bad < 5 {
						t.Errorf("element %d (row %d col %d): got %g (%#08x), want %g (%#08x)", i,
							i/fixtureCols, i%fixtureCols, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d elements differ", bad, len(want))
			}
			t.Logf("%d elements bit-exact, %d negative zeros", len(want), negZero)
		})
	}
}

// TestQuantizeMatchesGGML checks that quantizing x reproduces q.bin byte
// for byte (ggml_quantize_chunk; the CPU from_float for q8_1 and q8_K).
func TestQuantizeMatchesGGML(t *testing.T) {
	x := readF32(t, "x.f32")
	for _, ft := range fixtureTypes {
		t.Run(ft.dir, func(t *testing.T) {
			want := readFile(t, ft.dir, "q.bin")
			got := make([]byte, len(want))
			for i := range got {
				got[i] = 0xa5 // the quantizer must write every byte
			}
			if err := Quantize(ft.t, got, x); err != nil {
				t.Fatal(err)
			}
			compareBlocks(t, ft.t, got, want)
		})
	}
}

// TestActivationQuantizersMatchGGML checks the quantization of the
// activation row y into each vec_dot type against ggml's CPU from_float.
func TestActivationQuantizersMatchGGML(t *testing.T) {
	y := readF32(t, "y.f32")
	for _, tc := range []struct {
		file string
		t    Type
	}{
		{"yq_q8_0.bin", Q8_0}, {"yq_q8_1.bin", Q8_1}, {"yq_q8_K.bin", Q8K},
		{"yq_f16.bin", F16}, {"yq_bf16.bin", BF16},
	} {
		t.Run(tc.t.String(), func(t *testing.T) {
			want := readFile(t, tc.file)
			got := make([]byte, len(want))
			if err := Quantize(tc.t, got, y); err != nil {
				t.Fatal(err)
			}
			compareBlocks(t, tc.t, got, want)
		})
	}
	// Every type with a dot product names one of these as its activation
	// type, as ggml's CPU backend does.
	for _, ft := range fixtureTypes {
		switch vt := ft.t.Traits().VecDotType; vt {
		case F16, BF16, F32, Q8_0, Q8_1, Q8K:
		default:
			t.Errorf("%v: VecDotType %v has no activation fixture", ft.t, vt)
		}
	}
}

// compareBlocks fails with the first differing blocks and their count.
func compareBlocks(t *testing.T, typ Type, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	ts := typ.TypeSize()
	perRow := typ.RowSize(fixtureCols) / ts
	bad := 0
	for i := 0; i+ts <= len(want); i += ts {
		if !bytes.Equal(got[i:i+ts], want[i:i+ts]) {
			if bad < 3 {
				blk := i / ts
				t.Errorf("block %d (row %d, block %d of the row) differs:\n got  %x\n want %x",
					blk, blk/perRow, blk%perRow, got[i:i+ts], want[i:i+ts])
			}
			bad++
		}
	}
	t.Errorf("%d of %d blocks differ", bad, len(want)/ts)
}
