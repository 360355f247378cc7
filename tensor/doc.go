// Package tensor is gollm's compute graph: tensors with ggml's layout, a
// graph builder with ggml's ops, a memory planner that places intermediate
// results in a reusable arena, and backends that run graphs (the CPU
// backend, a pool of worker threads, is always available).
package tensor
