package quant

import "fmt"

// Type is a ggml tensor element type, numbered exactly as ggml numbers it
// (enum ggml_type). The number is what GGUF files store.
type Type uint32

// The ggml types. Ids that ggml has retired (4, 5, 31–33, 36–38) are absent.
const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2K     Type = 10
	Q3K     Type = 11
	Q4K     Type = 12
	Q5K     Type = 13
	Q6K     Type = 14
	Q8K     Type = 15
	IQ2XXS  Type = 16
	IQ2XS   Type = 17
	IQ3XXS  Type = 18
	IQ1S    Type = 19
	IQ4NL   Type = 20
	IQ3S    Type = 21
	IQ2S    Type = 22
	IQ4XS   Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1M    Type = 29
	BF16    Type = 30
	TQ1_0   Type = 34
	TQ2_0   Type = 35
	MXFP4   Type = 39
	numType Type = 40
)

// QK_K is the number of elements in a k-quant super-block.
const QK_K = 256

// Traits describes one element type. It is the single table that drives
// per-type code throughout gollm: sizes for the file reader, conversions for
// the quantizer and the graph, the activation type for the CPU kernels.
type Traits struct {
	Name      string // ggml's name, e.g. "q4_K"
	BlockSize int    // elements per block (1 for plain types)
	TypeSize  int    // bytes per block
	Quantized bool   // true for block-quantized formats

	// Dequantize converts len(dst) elements (a multiple of BlockSize) from
	// src to float32. Nil when gollm cannot decode the type.
	Dequantize func(dst []float32, src []byte)

	// Quantize is the reference quantizer (no importance matrix) that
	// converts len(src) elements (a multiple of BlockSize) into dst, as
	// ggml_quantize_chunk does. Nil when gollm cannot encode the type.
	Quantize func(dst []byte, src []float32)

	// VecDotType is the type the CPU dot product wants the activations in.
	VecDotType Type
}

// traits holds the sizes of every type ggml knows, so that a GGUF file of
// any type can be validated even when gollm cannot compute with it. It is a
// package-level variable, initialized before any init function runs; the
// init function in convert.go then adds the conversions and the activation
// types.
var traits = func() (traits [numType]Traits) {
	for _, t := range []struct {
		t     Type
		name  string
		bs    int
		ts    int
		quant bool
	}{
		{F32, "f32", 1, 4, false},
		{F16, "f16", 1, 2, false},
		{Q4_0, "q4_0", 32, 18, true},
		{Q4_1, "q4_1", 32, 20, true},
		{Q5_0, "q5_0", 32, 22, true},
		{Q5_1, "q5_1", 32, 24, true},
		{Q8_0, "q8_0", 32, 34, true},
		{Q8_1, "q8_1", 32, 36, true},
		{Q2K, "q2_K", QK_K, 84, true},
		{Q3K, "q3_K", QK_K, 110, true},
		{Q4K, "q4_K", QK_K, 144, true},
		{Q5K, "q5_K", QK_K, 176, true},
		{Q6K, "q6_K", QK_K, 210, true},
		{Q8K, "q8_K", QK_K, 292, true},
		{IQ2XXS, "iq2_xxs", QK_K, 66, true},
		{IQ2XS, "iq2_xs", QK_K, 74, true},
		{IQ3XXS, "iq3_xxs", QK_K, 98, true},
		{IQ1S, "iq1_s", QK_K, 50, true},
		{IQ4NL, "iq4_nl", 32, 18, true},
		{IQ3S, "iq3_s", QK_K, 110, true},
		{IQ2S, "iq2_s", QK_K, 82, true},
		{IQ4XS, "iq4_xs", QK_K, 136, true},
		{I8, "i8", 1, 1, false},
		{I16, "i16", 1, 2, false},
		{I32, "i32", 1, 4, false},
		{I64, "i64", 1, 8, false},
		{F64, "f64", 1, 8, false},
		{IQ1M, "iq1_m", QK_K, 56, true},
		{BF16, "bf16", 1, 2, false},
		{TQ1_0, "tq1_0", QK_K, 54, true},
		{TQ2_0, "tq2_0", QK_K, 66, true},
		{MXFP4, "mxfp4", 32, 17, true},
	} {
		tr := &traits[t.t]
		tr.Name, tr.BlockSize, tr.TypeSize, tr.Quantized = t.name, t.bs, t.ts, t.quant
		tr.VecDotType = t.t
	}
	return traits
}()

// Known reports whether t is a type ggml defines (and so has known sizes).
func (t Type) Known() bool { return t < numType && traits[t].BlockSize != 0 }

// Traits returns the traits of t. It panics if t is not Known; check first
// when t comes from a file.
func (t Type) Traits() *Traits {
	if !t.Known() {
		panic(fmt.Sprintf("quant: unknown type %d", uint32(t)))
	}
	return &traits[t]
}

// String returns ggml's name for t, or "type(N)" for an unknown id.
func (t Type) String() string {
	if !t.Known() {
		return fmt.Sprintf("type(%d)", uint32(t))
	}
	return traits[t].Name
}

// BlockSize returns the number of elements per block of t.
func (t Type) BlockSize() int { return t.Traits().BlockSize }

// TypeSize returns the number of bytes per block of t.
func (t Type) TypeSize() int { return t.Traits().TypeSize }

// RowSize returns the bytes needed for n elements of t. n must be a multiple
// of the block size.
func (t Type) RowSize(n int) int {
	tr := t.Traits()
	return n / tr.BlockSize * tr.TypeSize
}

// ParseType returns the type whose ggml name is name (case-insensitive).
func ParseType(name string) (Type, error) {
	for i := range traits {
		if traits[i].BlockSize != 0 && equalFold(traits[i].Name, name) {
			return Type(i), nil
		}
	}
	return 0, fmt.Errorf("quant: unknown type name %q", name)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
