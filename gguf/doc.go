// Package gguf reads and writes GGUF files, the model container of ggml and
// llama.cpp.
//
// # Reading
//
// Open memory-maps a file read-only and parses GGUF versions 2 and 3 (one
// layout; version 1 is refused). Parse does the same for bytes in memory.
// Every structure is checked against the file size before it is trusted:
// counts, string lengths, array element types and nesting (at most 8
// levels), tensor names (unique), shapes (at most 4 dimensions, element and
// byte counts below 2^63), type ids, offsets (aligned to general.alignment,
// default 32, inside the data section, no two tensors overlapping). A bad
// file gives an error wrapping ErrFormat that names the key or tensor at
// fault; no input makes the reader panic. Nothing is allocated on the word
// of a count: memory grows only with bytes actually present, about the
// file's metadata size for real files and at most a small multiple (see
// TestAllocationBound) for adversarial ones.
//
// gollm accepts a little more than llama.cpp: tensors may be stored in any
// order and with gaps (llama.cpp wants them packed in declaration order),
// names may exceed 63 bytes, general.alignment may have any integer type,
// and metadata arrays may nest.
//
// Tensor data is handed out as zero-copy slices of the mapping, valid until
// Close. Metadata values are copied out while parsing and outlive Close.
// Typed accessors (Uint32, Float32, String, Strings, …) return an error
// naming the key on a missing key or a wrong type; integer accessors accept
// any integer type whose value fits. ArchUint32 and friends read
// "<general.architecture>.<key>".
//
// # Writing
//
// Writer streams a file in llama.cpp's layout: NewWriter takes the metadata
// (written in the order given) and the tensor declarations (name, type,
// dims), computes offsets and writes everything up to the data section;
// the tensors' data then follow in declaration order, padded by Writer.
// Marshal and WriteFile do it in one call for data held in memory. Reading
// a llama.cpp or gguf-py file and writing its metadata and tensors back
// reproduces it byte for byte.
package gguf
