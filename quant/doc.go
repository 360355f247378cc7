// Package quant holds ggml's tensor element types: one traits table keyed by
// the ggml type id (block size, block bytes, conversions), the Go layout of
// every block format, and reference quantizers and dequantizers that are
// bit-compatible with ggml.
//
// quant is a leaf package: it imports nothing else from gollm.
package quant
