// Package bench holds gollm's measuring tools, used by the gollm command
// (bench, perplexity) and by tests, never by the engine itself:
//
//   - a llama-bench-compatible speed harness: prompt processing (pp, one
//     batch of random tokens) and text generation (tg, one random token at a
//     time) from an empty cache, a warm-up run and repetitions, mean and
//     standard deviation, printed as llama-bench's markdown table or its
//     JSON, JSONL and CSV records with the same field names (Run, Printer);
//   - llama.cpp's perplexity procedure (Perplexity);
//   - a STREAM-like memory bandwidth probe, to put text generation speed
//     next to the machine's roofline (MeasureBandwidth);
//   - a synthetic model maker: random-weight GGUF files with the exact
//     tensor shapes, metadata and quantization mixes of real models
//     (Llama 3.2 1B and 3B, Llama 3.1 8B), written in streaming fashion on
//     several threads (Make), for benchmarks that need real shapes without
//     downloading real weights.
package bench
