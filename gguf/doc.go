// Package gguf reads and writes GGUF files, the model container of ggml and
// llama.cpp.
//
// Open memory-maps a file read-only and validates every structure against the
// file size before trusting it: counts, string lengths, tensor shapes, types,
// offsets and alignment. Tensor data is handed out as zero-copy slices of the
// mapping; they stay valid until Close. Metadata values are copied out of the
// mapping while parsing, so they outlive Close.
//
// Writer produces files that llama.cpp reads, with the same alignment padding.
package gguf
