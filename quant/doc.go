// Package quant holds ggml's tensor element types: one traits table keyed by
// the ggml type id (block size, block bytes, conversions), the Go layout of
// every block format, and reference quantizers and dequantizers that are
// bit-compatible with ggml.
//
// # Conversions
//
// Quantize and Dequantize convert whole rows for any supported type and
// return errors for bad arguments. The per-type functions they dispatch to
// (QuantizeQ4K, DequantizeQ4K, …, also reachable through Type.Traits) take
// buffers sized from the traits and panic on a size mismatch, a
// programming error. Supported both ways: f32, f16, bf16, q4_0, q4_1, q5_0,
// q5_1, q8_0, q8_1, q2_K, q3_K, q4_K, q5_K, q6_K, q8_K, iq4_nl, iq4_xs.
//
// Dequantizers give exactly ggml's to_float bits, negative zeros included:
// they multiply in ggml's order ((d·scale)·q for q6_K, not d·(scale·q)).
// Quantizers are ggml's reference algorithms without an importance matrix,
// as ggml_quantize_chunk (and so llama-quantize) runs them, and give the
// same bytes. Every float32 operation is evaluated in ggml's order with no
// fused multiply-add (ggml's library is built without FMA on x86-64); the
// code forbids Go's own fusion with explicit float32 conversions, so results
// are the same on every GOARCH and GOAMD64 level. The activation formats
// q8_0, q8_1 and q8_K use the reference algorithms too (see QuantizeQ8_0
// for how that relates to ggml's x86 kernels).
//
// # Block layouts
//
// BlockQ4_0 … BlockIQ4XS document each format field by field and are its
// exact byte image (alignment 1, no padding); Blocks views raw bytes as a
// slice of them without copying, and their methods decode the packed
// scales.
//
// # Half precision
//
// FP16ToFP32, FP32ToFP16, BF16ToFP32 and FP32ToBF16 convert single values
// (round to nearest even, as ggml); the *Row variants convert slices.
//
// quant is a leaf package: it imports nothing else from gollm.
package quant
