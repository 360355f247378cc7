// Package quantize rewrites a GGUF model into another quantization mix the
// way llama.cpp's llama-quantize does: the same per-tensor type choices
// (llama_tensor_get_type: output and tied embeddings to Q6_K for the k-quant
// mixes, more bits for attn_v and ffn_down in the first and last eighth of
// the layers and every third layer between, norms and 1-D tensors left
// alone, fall-backs for rows that do not tile a type's blocks), the same
// tensor order and metadata (general.quantization_version and
// general.file_type moved to the end, split keys removed), and the same
// bytes: quantizing one of llama.cpp's F16 files gives llama-quantize's file
// byte for byte.
//
// It is a package of its own, not part of quant or bench: quant is the leaf
// that knows block formats and must not import gguf, while the mix rules
// need file metadata (architecture, layer and head counts) and the
// rewriter streams GGUF files. Both the quantize command and bench's
// synthetic-model maker (which writes a model directly in a mix, as if an
// F16 model had been quantized) use it.
//
// # Use
//
//	plan, err := quantize.NewPlan(info, f.Tensors, quantize.Options{FileType: gguf.FileTypeQ4KM})
//	res, err := quantize.RewriteFile("out.gguf", f, quantize.Options{FileType: gguf.FileTypeQ4KM})
//
// Conversion is multi-threaded (rows split across goroutines) and streamed:
// a tensor is converted and written in blocks of rows, so memory stays
// bounded by a few tens of megabytes whatever the model size.
//
// Only what gollm's quant package can encode is offered: the legacy types
// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0), the k-quant mixes (Q2_K, Q3_K_S/M/L,
// Q4_K_S/M, Q5_K_S/M, Q6_K), IQ4_NL, IQ4_XS and the float types F32, F16 and
// BF16. Mixes that need an importance matrix (IQ1–IQ3, Q2_K_S) are refused.
package quantize
