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
// The matmul driver is the entry point for the tensor graph. CheckMatMul
// says whether a weight type and row length can be multiplied at all (an
// error, never a panic later). A graph with its own workers quantizes the
// activations once per operation (QuantizeActivations, into the weight
// type's ActivationType; f32 activations are copied as they are) and has
// each worker compute a range of output rows with MatMulRows, which uses
// the type's multi-row × multi-column tile where the shape allows and the
// dot product elsewhere. Pool does the same with its own persistent
// goroutines. Neither allocates per call.
//
// Prompt processing runs on row-interleaved weights ("r16", repack.go):
// sixteen rows transposed by 32-bit words, so that one AVX-512 VNNI
// instruction multiplies four weights of each of sixteen rows with four
// broadcast activation bytes (two AVX2 or AVX-VNNI registers of eight
// rows, or four NEON registers of four rows with SDOT), and a block's
// weights, unpacked once, serve every column. Repack makes such a
// RepackedMatrix at load time (same size as the plain rows; CanRepack says
// where it applies: q4_K, q5_K, q6_K, q8_0, q4_0 on amd64 with AVX2 or
// better and on arm64 with dotprod), and MatMulRowsRepacked and
// Pool.MatMulRepacked multiply with it, one column or many. Without it,
// MatMulRows repacks sixteen rows at a time on the fly whenever a matmul
// has a few columns.
//
// Below the driver, the per-type kernel table (VecDot, VecDotType, Tile,
// FromFloat) and the exported kernels (DotQ8_0Q8_0, TileQ4_0Q8_0,
// QuantizeRowQ8K, …) are available for tests, tools and other backends.
//
// kernels imports quant for the block layouts and nothing above it.
package kernels
