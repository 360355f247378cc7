package quant

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// supported lists every type gollm converts both ways.
var supported = []Type{F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1,
	Q2K, Q3K, Q4K, Q5K, Q6K, Q8K, IQ4NL, IQ4XS}

func TestTraitsTable(t *testing.T) {
	wantVecDot := map[Type]Type{
		F32: F32, F16: F16, BF16: BF16,
		Q4_0: Q8_0, Q5_0: Q8_0, Q8_0: Q8_0, IQ4NL: Q8_0,
		Q4_1: Q8_1, Q5_1: Q8_1, Q8_1: Q8_1,
		Q2K: Q8K, Q3K: Q8K, Q4K: Q8K, Q5K: Q8K, Q6K: Q8K, IQ4XS: Q8K,
		Q8K: F32, // ggml's CPU traits leave it unset
	}
	for _, typ := range supported {
		tr := typ.Traits()
		if tr.Dequantize == nil || tr.Quantize == nil {
			t.Errorf("%v: conversions not wired", typ)
		}
		if tr.VecDotType != wantVecDot[typ] {
			t.Errorf("%v: VecDotType %v, want %v", typ, tr.VecDotType, wantVecDot[typ])
		}
		if got, err := ParseType(tr.Name); err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v", tr.Name, got, err)
		}
	}
	// Types gollm cannot convert keep nil conversions, so callers can tell.
	for _, typ := range []Type{IQ2XXS, IQ2XS, IQ3XXS, IQ1S, IQ3S, IQ2S, IQ1M, TQ1_0, TQ2_0, MXFP4, I8, I16, I32, I64, F64} {
		if tr := typ.Traits(); tr.Dequantize != nil || tr.Quantize != nil {
			t.Errorf("%v: unexpected conversion", typ)
		}
	}
}

// TestBlockLayouts checks each block struct against the byte offsets that
// ggml's block structs have (ggml-common.h), and its size against the
// traits table.
func TestBlockLayouts(t *testing.T) {
	for _, tc := range []struct {
		t       Type
		block   any
		offsets map[string]uintptr
	}{
		{Q4_0, BlockQ4_0{}, map[string]uintptr{"D": 0, "Qs": 2}},
		{Q4_1, BlockQ4_1{}, map[string]uintptr{"D": 0, "M": 2, "Qs": 4}},
		{Q5_0, BlockQ5_0{}, map[string]uintptr{"D": 0, "Qh": 2, "Qs": 6}},
		{Q5_1, BlockQ5_1{}, map[string]uintptr{"D": 0, "M": 2, "Qh": 4, "Qs": 8}},
		{Q8_0, BlockQ8_0{}, map[string]uintptr{"D": 0, "Qs": 2}},
		{Q8_1, BlockQ8_1{}, map[string]uintptr{"D": 0, "S": 2, "Qs": 4}},
		{Q2K, BlockQ2K{}, map[string]uintptr{"Scales": 0, "Qs": 16, "D": 80, "Dmin": 82}},
		{Q3K, BlockQ3K{}, map[string]uintptr{"Hmask": 0, "Qs": 32, "Scales": 96, "D": 108}},
		{Q4K, BlockQ4K{}, map[string]uintptr{"D": 0, "Dmin": 2, "Scales": 4, "Qs": 16}},
		{Q5K, BlockQ5K{}, map[string]uintptr{"D": 0, "Dmin": 2, "Scales": 4, "Qh": 16, "Qs": 48}},
		{Q6K, BlockQ6K{}, map[string]uintptr{"Ql": 0, "Qh": 128, "Scales": 192, "D": 208}},
		{Q8K, BlockQ8K{}, map[string]uintptr{"D": 0, "Qs": 4, "Bsums": 260}},
		{IQ4NL, BlockIQ4NL{}, map[string]uintptr{"D": 0, "Qs": 2}},
		{IQ4XS, BlockIQ4XS{}, map[string]uintptr{"D": 0, "ScalesH": 2, "ScalesL": 4, "Qs": 8}},
	} {
		rt := reflect.TypeOf(tc.block)
		if int(rt.Size()) != tc.t.TypeSize() || rt.Align() != 1 {
			t.Errorf("%v: %s has size %d align %d, want size %d align 1", tc.t, rt.Name(), rt.Size(), rt.Align(), tc.t.TypeSize())
		}
		if rt.NumField() != len(tc.offsets) {
			t.Errorf("%v: %s has %d fields, want %d", tc.t, rt.Name(), rt.NumField(), len(tc.offsets))
		}
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if off, ok := tc.offsets[f.Name]; !ok || off != f.Offset {
				t.Errorf("%v: field %s at %d, want %d (known: %v)", tc.t, f.Name, f.Offset, off, ok)
			}
		}
	}
}

func TestBlocksViewAliases(t *testing.T) {
	raw := make([]byte, 3*18+5) // three blocks and a tail
	v := Blocks[BlockQ4_0](raw)
	if len(v) != 3 {
		t.Fatalf("len = %d, want 3", len(v))
	}
	v[1].Qs[0] = 0x7f
	if raw[18+2] != 0x7f {
		t.Fatal("view does not alias the bytes")
	}
	if uintptr(unsafe.Pointer(&v[2])) != uintptr(unsafe.Pointer(&raw[36])) {
		t.Fatal("block 2 is not at byte 36")
	}
	if Blocks[BlockQ8K](raw) != nil {
		t.Fatal("a view shorter than one block must be empty")
	}
}

// TestBlockAccessors decodes fixture blocks with the accessor methods and
// compares with ggml's dequantized values, so the accessors agree with the
// documented layouts.
func TestBlockAccessors(t *testing.T) {
	q := readFile(t, "q4_K", "q.bin")
	deq := readF32(t, "q4_K", "deq.f32")
	for i, b := range Blocks[BlockQ4K](q) {
		for j := 0; j < 8; j++ {
			sc, m := b.ScaleMin(j)
			for l := 0; l < 32; l++ {
				nib := b.Qs[32*(j/2)+l] >> (4 * (j % 2)) & 0xf
				want := deq[QK_K*i+32*j+l]
				got := float32(b.Scale()*float32(sc)*float32(nib)) - b.MinScale()*float32(m)
				if got != want {
					t.Fatalf("q4_K block %d sub-block %d element %d: %g, want %g", i, j, l, got, want)
				}
			}
		}
	}
	q = readFile(t, "q3_K", "q.bin")
	deq = readF32(t, "q3_K", "deq.f32")
	for i, b := range Blocks[BlockQ3K](q) {
		sc := b.Scales16()
		// First element of each 16-group: group g = 8n + 2s + h starts at
		// 128n + 32s + 16h and reads qs[32n+16h] and hmask[16h].
		for g := 0; g < 16; g++ {
			n, s, h := g/8, g%8/2, g%2
			v := int(b.Qs[32*n+16*h]>>(2*s)&3) - 4
			if b.Hmask[16*h]&(1<<(4*n+s)) != 0 {
				v += 4
			}
			want := deq[QK_K*i+128*n+32*s+16*h]
			if got := b.Scale() * float32(int(sc[g])-32) * float32(v); got != want {
				t.Fatalf("q3_K block %d group %d: %g, want %g", i, g, got, want)
			}
		}
	}
	q = readFile(t, "q8_K", "q.bin")
	for _, b := range Blocks[BlockQ8K](q) {
		for j := 0; j < 16; j++ {
			sum := 0
			for _, v := range b.Qs[16*j : 16*j+16] {
				sum += int(v)
			}
			if int(b.BSum(j)) != sum {
				t.Fatalf("q8_K bsum %d = %d, want %d", j, b.BSum(j), sum)
			}
		}
	}
	q = readFile(t, "iq4_xs", "q.bin")
	deq = readF32(t, "iq4_xs", "deq.f32")
	for i, b := range Blocks[BlockIQ4XS](q) {
		for ib := 0; ib < 8; ib++ {
			want := deq[QK_K*i+32*ib]
			got := b.Scale() * float32(b.SubScale(ib)-32) * float32(IQ4NLValues[b.Qs[16*ib]&0xf])
			if got != want {
				t.Fatalf("iq4_xs block %d sub-block %d: %g, want %g", i, ib, got, want)
			}
		}
	}
}

func TestConversionArgumentErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		t      Type
		n      int // elements
		nBytes int
		want   string
	}{
		{"unknown type", Type(4), 32, 18, "unknown type 4"},
		{"out of range type", Type(1000), 32, 18, "unknown type 1000"},
		{"unsupported type", IQ2XXS, 256, 66, "not supported"},
		{"partial block", Q4_0, 33, 18, "not a multiple of the block size 32"},
		{"short buffer", Q4K, 512, 144, "take 288 bytes, buffer has 144"},
		{"long buffer", Q8_0, 32, 35, "take 34 bytes, buffer has 35"},
		{"f16 odd bytes", F16, 4, 7, "take 8 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := make([]float32, tc.n)
			b := make([]byte, tc.nBytes)
			for op, err := range map[string]error{
				"Dequantize": Dequantize(tc.t, f, b),
				"Quantize":   Quantize(tc.t, b, f),
			} {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "quant: ") {
					t.Errorf("%s: error %v, want one containing %q", op, err, tc.want)
				}
			}
		})
	}
	// Empty input is valid and writes nothing.
	for _, typ := range supported {
		if err := Quantize(typ, nil, nil); err != nil {
			t.Errorf("%v: Quantize(empty): %v", typ, err)
		}
		if err := Dequantize(typ, nil, nil); err != nil {
			t.Errorf("%v: Dequantize(empty): %v", typ, err)
		}
	}
}

// TestLowLevelMisusePanicsClearly: the per-type functions are for callers
// that sized their buffers from the traits; a mistake is a programming
// error reported by a panic that names the function.
func TestLowLevelMisusePanicsClearly(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"dequantize partial block", func() { DequantizeQ4K(make([]float32, 100), make([]byte, 144)) }, "DequantizeQ4K: 100 elements"},
		{"dequantize short src", func() { DequantizeQ8_0(make([]float32, 64), make([]byte, 34)) }, "DequantizeQ8_0: 64 elements need 68 bytes"},
		{"quantize short dst", func() { QuantizeIQ4XS(make([]byte, 10), make([]float32, 256)) }, "QuantizeIQ4XS: 256 elements need 136 bytes"},
		{"quantize partial block", func() { QuantizeF16(make([]byte, 10), make([]float32, 3)) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if tc.want == "" {
					if r != nil {
						t.Errorf("unexpected panic %v", r)
					}
					return
				}
				if !strings.HasPrefix(msg, "quant: ") || !strings.Contains(msg, tc.want) {
					t.Errorf("panic %v, want a message containing %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

// gaussianRows returns n float32 drawn from N(0, 1)·scale.
func gaussianRows(seed uint64, n int, scale float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// TestRoundTripError quantizes random data and checks the relative RMS
// error of the decoded values against a per-type bound (about 1.25× what
// these formats achieve on Gaussian data; a broken layout or scale gives
// errors near or above 1). The bound holds at any magnitude: the formats
// are scale-invariant up to fp16 range.
func TestRoundTripError(t *testing.T) {
	bound := map[Type]float64{
		F32: 0, F16: 0.0003, BF16: 0.0022,
		Q8_0: 0.007, Q8_1: 0.007, Q8K: 0.009,
		Q6K: 0.023, Q5_0: 0.054, Q5_1: 0.048, Q5K: 0.046,
		Q4_0: 0.108, Q4_1: 0.099, Q4K: 0.09, IQ4NL: 0.097, IQ4XS: 0.097,
		Q3K: 0.19, Q2K: 0.37,
	}
	for _, scale := range []float64{1, 1e-3, 300} {
		x := gaussianRows(7, 64*QK_K, scale)
		for _, typ := range supported {
			q := make([]byte, typ.RowSize(len(x)))
			y := make([]float32, len(x))
			if err := Quantize(typ, q, x); err != nil {
				t.Fatal(err)
			}
			if err := Dequantize(typ, y, q); err != nil {
				t.Fatal(err)
			}
			var se, sx float64
			for i := range x {
				d := float64(x[i]) - float64(y[i])
				se += d * d
				sx += float64(x[i]) * float64(x[i])
			}
			if rel := math.Sqrt(se / sx); rel > bound[typ] {
				t.Errorf("%v at scale %g: relative RMS error %.4f > %.4f", typ, scale, rel, bound[typ])
			}
		}
	}
}

// TestQ8_0ElementError checks the per-element bound of q8_0 from its
// definition: |x − q·d16| ≤ d/2 + 127·|d − d16| with d = amax/127 and d16
// its fp16 rounding (relative error ≤ 2⁻¹¹).
func TestQ8_0ElementError(t *testing.T) {
	x := gaussianRows(11, 32*256, 1)
	q := make([]byte, Q8_0.RowSize(len(x)))
	y := make([]float32, len(x))
	QuantizeQ8_0(q, x)
	DequantizeQ8_0(y, q)
	for b := 0; b < len(x)/32; b++ {
		var amax float64
		for _, v := range x[32*b : 32*b+32] {
			amax = math.Max(amax, math.Abs(float64(v)))
		}
		d := amax / 127
		limit := d/2 + 127*d*0x1p-11 + 1e-7
		for i := 32 * b; i < 32*b+32; i++ {
			if e := math.Abs(float64(x[i]) - float64(y[i])); e > limit {
				t.Fatalf("element %d: error %g > %g", i, e, limit)
			}
		}
	}
}

// TestZeroBlocksDecodeToZero: an all-zero block must come back as zeros
// (of either sign) for every type.
func TestZeroBlocksDecodeToZero(t *testing.T) {
	x := make([]float32, 2*QK_K)
	for _, typ := range supported {
		q := make([]byte, typ.RowSize(len(x)))
		y := make([]float32, len(x))
		for i := range y {
			y[i] = 1
		}
		Quantize(typ, q, x)
		Dequantize(typ, y, q)
		for i, v := range y {
			if v != 0 {
				t.Errorf("%v: element %d = %g", typ, i, v)
				break
			}
		}
	}
}

// TestNonFiniteInputNeverPanics: NaN, ±Inf and huge values give
// meaningless blocks (as in ggml) but must not panic or hang, and the
// output must not depend on dst's previous contents.
func TestNonFiniteInputNeverPanics(t *testing.T) {
	x := gaussianRows(5, 2*QK_K, 1)
	x[3] = float32(math.NaN())
	x[40] = float32(math.Inf(1))
	x[300] = float32(math.Inf(-1))
	x[301] = math.MaxFloat32
	x[302] = -3e38
	for _, typ := range supported {
		a := make([]byte, typ.RowSize(len(x)))
		b := bytes.Repeat([]byte{0xff}, len(a))
		Quantize(typ, a, x)
		Quantize(typ, b, x)
		if !bytes.Equal(a, b) {
			t.Errorf("%v: output depends on dst's old contents", typ)
		}
		Dequantize(typ, make([]float32, len(x)), a)
	}
}
