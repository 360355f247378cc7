package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/x448/float16"
)

// TestFP16ToFP32AllValues compares every binary16 pattern with
// github.com/x448/float16, an independent implementation.
func TestFP16ToFP32AllValues(t *testing.T) {
	bad := 0
	for h := 0; h < 1<<16; h++ {
		got := FP16ToFP32(uint16(h))
		want := float16.Frombits(uint16(h)).Float32()
		if math.Float32bits(got) != math.Float32bits(want) {
			if bad < 5 {
				t.Errorf("FP16ToFP32(%#04x) = %g (%#08x), want %g (%#08x)", h, got, math.Float32bits(got), want, math.Float32bits(want))
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of 65536 values differ", bad)
	}
}

// fp32ToFP16Inputs returns edge cases plus random bit patterns, so that
// every exponent (normal, subnormal, overflow) and many rounding cases are
// hit.
func fp32ToFP16Inputs() []float32 {
	in := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 65504, -65504, 65519.99, 65520, 65536, 1e10,
		float32(math.Inf(1)), float32(math.Inf(-1)), 0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1p-26, 0x1p-14,
		0x1.ffcp-15, 0x1.ffdp-15, 0x1.ffep-15, 0x1.ff8p-15, 1.0009765625, 1.00048828125, 1.000732421875,
		1.000244140625, 0.1, 1.0 / 3, math.MaxFloat32, math.SmallestNonzeroFloat32}
	// Every binary16 value and every midpoint between neighbours.
	for h := uint16(0); h < 0x7c00; h++ {
		f := float16.Frombits(h).Float32()
		next := float16.Frombits(h + 1).Float32()
		mid := float32((float64(f) + float64(next)) / 2)
		in = append(in, f, -f, mid, -mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		in = append(in, math.Float32frombits(r.Uint32()))
	}
	return in
}

// TestFP32ToFP16 compares the conversion with github.com/x448/float16
// (round to nearest even); any NaN must give ggml's quiet NaN 0x7e00 with
// the input's sign.
func TestFP32ToFP16(t *testing.T) {
	bad := 0
	for _, f := range fp32ToFP16Inputs() {
		got := FP32ToFP16(f)
		want := float16.Fromfloat32(f).Bits()
		if f != f {
			want = 0x7e00 | uint16(math.Float32bits(f)>>16)&0x8000
		}
		if got != want {
			if bad < 5 {
				t.Errorf("FP32ToFP16(%g = %#08x) = %#04x, want %#04x", f, math.Float32bits(f), got, want)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d values differ", bad)
	}
}

// bf16Naive rounds f to bfloat16 from the definition: of the two bfloat16
// neighbours, the nearer in float64, the even one on a tie; NaNs quieted.
func bf16Naive(f float32) uint16 {
	u := math.Float32bits(f)
	if f != f {
		return uint16(u>>16) | 0x40
	}
	lo := u >> 16
	if u&0xffff == 0 {
		return uint16(lo)
	}
	hi := lo + 1
	flo := float64(math.Float32frombits(lo << 16))
	var fhi float64
	if hi&0x7fff == 0x7f80 { // rounding up reaches infinity: 2^128 in magnitude
		fhi = math.Copysign(math.Ldexp(1, 128), flo)
	} else {
		fhi = float64(math.Float32frombits(hi << 16))
	}
	dlo, dhi := math.Abs(float64(f)-flo), math.Abs(fhi-float64(f))
	switch {
	case dlo < dhi:
		return uint16(lo)
	case dhi < dlo:
		return uint16(hi)
	case lo&1 == 0:
		return uint16(lo)
	default:
		return uint16(hi)
	}
}

func TestFP32ToBF16(t *testing.T) {
	bad := 0
	for _, f := range fp32ToFP16Inputs() {
		got, want := FP32ToBF16(f), bf16Naive(f)
		if got != want {
			if bad < 5 {
				t.Errorf("FP32ToBF16(%g = %#08x) = %#04x, want %#04x", f, math.Float32bits(f), got, want)
			}
			bad++
		}
		// And back: BF16ToFP32 is exact, so it must return the top bits.
		if back := math.Float32bits(BF16ToFP32(got)); back != uint32(got)<<16 {
			t.Fatalf("BF16ToFP32(%#04x) = %#08x", got, back)
		}
	}
	if bad > 0 {
		t.Errorf("%d values differ", bad)
	}
}

// TestRowConversions checks the row helpers element by element against the
// scalar conversions (tested above against outside references).
func TestRowConversions(t *testing.T) {
	in := fp32ToFP16Inputs()
	h := make([]uint16, len(in))
	FP32ToFP16Row(h, in)
	b := make([]uint16, len(in))
	FP32ToBF16Row(b, in)
	for i, f := range in {
		if h[i] != FP32ToFP16(f) || b[i] != FP32ToBF16(f) {
			t.Fatalf("element %d (%g): rows give %#04x %#04x, scalars %#04x %#04x", i, f, h[i], b[i], FP32ToFP16(f), FP32ToBF16(f))
		}
	}
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	f := make([]float32, len(all))
	FP16ToFP32Row(f, all)
	g := make([]float32, len(all))
	BF16ToFP32Row(g, all)
	for i, v := range all {
		if math.Float32bits(f[i]) != math.Float32bits(FP16ToFP32(v)) || math.Float32bits(g[i]) != math.Float32bits(BF16ToFP32(v)) {
			t.Fatalf("%#04x: rows give %g %g", v, f[i], g[i])
		}
	}
}

var sinkF32 float32
var sinkU16 uint16

func BenchmarkFP16ToFP32(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += FP16ToFP32(uint16(i * 7919))
	}
	sinkF32 = s
}

func BenchmarkFP32ToFP16(b *testing.B) {
	var s uint16
	f := float32(0.001)
	for i := 0; i < b.N; i++ {
		s ^= FP32ToFP16(f)
		f += 0.37
	}
	sinkU16 = s
}

func BenchmarkFP32ToBF16(b *testing.B) {
	var s uint16
	f := float32(0.001)
	for i := 0; i < b.N; i++ {
		s ^= FP32ToBF16(f)
		f += 0.37
	}
	sinkU16 = s
}
