// Package kernels holds gollm's CPU compute kernels: activation quantizers,
// dot products of quantized weight rows with quantized activations, multi-row
// by multi-column tiles for prompt processing, and the matmul driver that the
// tensor graph calls.
//
// Every assembly kernel (amd64 AVX2 and AVX-512 VNNI, arm64 NEON and
// dotprod) has a pure-Go twin that computes the same result. The assembly is
// chosen once at init from the CPU's features; the noasm build tag or the
// environment variable GOLLM_NOASM=1 (read here, and only here, in the whole
// module) forces the Go twins. Implementations reports what was chosen.
//
// kernels imports quant for the block layouts and nothing above it.
package kernels
