package quant

import "fmt"

func init() {
	for _, r := range []struct {
		t      Type
		deq    func([]float32, []byte)
		q      func([]byte, []float32)
		vecDot Type
	}{
		{F32, DequantizeF32, QuantizeF32, F32},
		{F16, DequantizeF16, QuantizeF16, F16},
		{BF16, DequantizeBF16, QuantizeBF16, BF16},
		{Q4_0, DequantizeQ4_0, QuantizeQ4_0, Q8_0},
		{Q4_1, DequantizeQ4_1, QuantizeQ4_1, Q8_1},
		{Q5_0, DequantizeQ5_0, QuantizeQ5_0, Q8_0},
		{Q5_1, DequantizeQ5_1, QuantizeQ5_1, Q8_1},
		{Q8_0, DequantizeQ8_0, QuantizeQ8_0, Q8_0},
		{Q8_1, DequantizeQ8_1, QuantizeQ8_1, Q8_1},
		{Q2K, DequantizeQ2K, QuantizeQ2K, Q8K},
		{Q3K, DequantizeQ3K, QuantizeQ3K, Q8K},
		{Q4K, DequantizeQ4K, QuantizeQ4K, Q8K},
		{Q5K, DequantizeQ5K, QuantizeQ5K, Q8K},
		{Q6K, DequantizeQ6K, QuantizeQ6K, Q8K},
		{Q8K, DequantizeQ8K, QuantizeQ8K, F32}, // ggml leaves it unset (0 = f32): q8_K has no dot product
		{IQ4NL, DequantizeIQ4NL, QuantizeIQ4NL, Q8_0},
		{IQ4XS, DequantizeIQ4XS, QuantizeIQ4XS, Q8K},
	} {
		tr := &traits[r.t]
		tr.Dequantize, tr.Quantize, tr.VecDotType = r.deq, r.q, r.vecDot
	}
}

// checkArgs validates a conversion of n elements of t against a buffer of
// nBytes bytes.
func checkArgs(op string, t Type, n, nBytes int) (*Traits, error) {
	if !t.Known() {
		return nil, fmt.Errorf("quant: %s: unknown type %d", op, uint32(t))
	}
	tr := &traits[t]
	if n%tr.BlockSize != 0 {
		return nil, fmt.Errorf("quant: %s %v: %d elements is not a multiple of the block size %d", op, t, n, tr.BlockSize)
	}
	if need := n / tr.BlockSize * tr.TypeSize; nBytes != need {
		return nil, fmt.Errorf("quant: %s %v: %d elements take %d bytes, buffer has %d", op, t, n, need, nBytes)
	}
	return tr, nil
}

// Dequantize converts src, len(dst) elements of type t, to float32. len(dst)
// must be a multiple of t's block size and len(src) exactly t.RowSize(len(dst)).
// It returns an error for an unknown type, a type gollm cannot decode, or
// mismatched sizes.
func Dequantize(t Type, dst []float32, src []byte) error {
	tr, err := checkArgs("dequantize", t, len(dst), len(src))
	if err != nil {
		return err
	}
	if tr.Dequantize == nil {
		return fmt.Errorf("quant: dequantize: type %v is not supported", t)
	}
	tr.Dequantize(dst, src)
	return nil
}

// Quantize converts src to type t in dst with ggml's reference algorithm
// (no importance matrix), byte-identical to ggml_quantize_chunk (for q8_1
// and q8_K, which that function does not take, to ggml's reference
// from_float). len(src)
// must be a multiple of t's block size and len(dst) exactly
// t.RowSize(len(src)). Rows need not be given separately: every supported
// type quantizes each block independently. It returns an error for an
// unknown type, a type gollm cannot encode, or mismatched sizes.
func Quantize(t Type, dst []byte, src []float32) error {
	tr, err := checkArgs("quantize", t, len(src), len(dst))
	if err != nil {
		return err
	}
	if tr.Quantize == nil {
		return fmt.Errorf("quant: quantize: type %v is not supported", t)
	}
	tr.Quantize(dst, src)
	return nil
}
