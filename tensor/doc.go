// Package tensor is gollm's compute graph: tensors with ggml's memory
// layout, a graph builder with ggml's ops, a memory planner that places
// intermediate results in a reusable arena, and backends that run graphs.
// The CPU backend (a persistent pool of worker goroutines) is always
// registered; GPU backends register themselves by name.
//
// # Tensors
//
// A Tensor has an element type (any quant.Type), up to four dimensions
// with ne[0] the fastest-varying, and byte strides nb as in ggml. Views
// (View1D…View4D, Reshape, Permute, Transpose) share their source's bytes;
// Cont makes a contiguous copy. Block-quantized types keep their blocks
// along dimension 0.
//
// # Building and running a graph
//
// A Graph is built by calling op methods, which append nodes in call order
// (a valid execution order, since operands exist before their ops):
//
//	g := tensor.NewGraph()          // once; reused every step
//	...
//	g.Reset()                       // each step: forget the last graph, keep the memory
//	tok := g.Input(quant.I32, n)    // inputs: fill them now
//	x := g.GetRows(tokEmbd, tok)
//	x = g.Mul(g.RMSNorm(x, eps), norm)
//	...
//	logits := g.Output(g.MulMat(output, x))
//	err := g.Compute(backend)       // plan (if changed) and run
//
// Op constructors do not return errors: the first invalid op records an
// error that Err and Compute report, and later ops are no-ops. Rebuilding a
// per-token graph costs microseconds (BenchmarkLlamaLayerBuild: about 8 µs
// for a 29-tensor Llama layer, including planning) and, once the graph has
// been computed at its largest shape, allocates nothing; a graph can also be
// built once and computed repeatedly with refilled inputs. Example shows a
// two-layer toy model built this way.
//
// # Who owns what
//
// Weights enter graphs through New, which wraps caller-owned bytes without
// copying: typically a view into the mmapped GGUF file. Any number of
// tensors, views and graphs (also on several goroutines) may refer to
// such bytes; ops only read their operands, so the bytes are never written,
// and the caller must keep them mapped (the gguf.File open) as long as any
// tensor refers to them. A weight must never be the destination of Cpy or
// SetRows (a read-only mapping would fault).
//
// Persistent state, such as a KV cache, lives in a backend buffer (Alloc):
// it belongs to the caller, outlives every graph, and is freed with
// Buffer.Free. A graph writes into it with Cpy or SetRows on a view of it;
// those copies always run (even if nothing reads their results) and run in
// creation order, so create the copy before the ops that read the cache.
//
// Every tensor a Graph makes (inputs, views, op results) belongs to the
// graph and is invalid after Reset, which recycles it. Input storage is
// the graph's, available as soon as Input returns, and stays put until
// Reset. Intermediate results get arena slots when the graph is planned:
// a slot is reused by later nodes as soon as every reader of its tensor
// has run (liveness as in ggml-alloc), and elementwise ops write over a
// dying operand in place. So after Compute only the tensors marked with
// Output (and views of them) hold their values, until the next Compute or
// Reset; copy out what must survive. The arena belongs to the graph, is
// allocated from the backend on first use and grows only when a larger
// graph needs it (ArenaSize reports the last plan's need; Plan on the
// largest graph reserves it up front).
//
// # The CPU executor
//
// The CPU backend runs a graph with N workers (default runtime.GOMAXPROCS,
// which follows the container's CPU quota): N-1 persistent goroutines and
// the caller. Every worker walks the node list and does its share of each
// node, rows of the result for most ops, row chunks taken from a shared
// counter for matrix products and (KV head, query block) items for
// attention, then waits at a barrier before the next node. A waiting
// worker polls for about 100 µs (200 µs between graphs), then sleeps
// between polls with a growing back-off, leaving its core to the others,
// and blocks only after 20 ms; waiting allocates nothing in steady state.
// No goroutine is started per op. A matrix product first
// converts its activations into the weights' dot-product type (q8_0, q8_K,
// f16-rounded f32…) once, all workers sharing that phase, then multiplies
// through the kernels package's driver. Work is always cut on a fixed grid,
// so results are bit-for-bit identical for any number of workers. A
// product with one activation row skips the shared phase: every worker
// converts the row itself (no barrier between the phases when decoding).
//
// A weight may carry a copy in the kernels' row-interleaved layout, made
// once at load time by Tensor.Repack (model.New does it for every matrix
// of a product). MulMat and MulMatID whose weight operand is that tensor
// itself (not a view of it) then multiply with the copy, kernels.RowGrain
// rows per work item (one strip of 16 rows, or two where the CPU has a
// two-strip kernel for the type); get_rows, views and every other op keep
// reading the plain bytes.
//
// # Numerics
//
// The ops follow ggml's CPU backend, since model tests compare logits with
// llama.cpp: rms_norm sums squares in float64 and scales by
// 1/sqrtf(mean+eps); soft_max subtracts the max, exponentiates and sums in
// float64; rope computes θ by repeated float32 multiplication by
// base^(-2/n_dims) and applies YaRN as rope_yarn does; the tanh GELU is the
// f16 lookup table; matrix products quantize activations as ggml does
// (f16 activations for f16 weights). Fused attention converts q to K's
// type as ggml's flash attention does but accumulates in float32.
//
// # Backends
//
// Backends register a Reg by name (Register), which lists Devices; a
// Device starts a Backend (Init), which allocates Buffers and computes
// graphs: ggml's reg → device → backend flow. InitBackend("CPU", opts) and
// DefaultBackend start the CPU backend, which every test uses.
package tensor
