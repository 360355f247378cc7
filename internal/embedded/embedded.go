// Package embedded holds the model built into the gollm binary:
// stories260K, a 260K-parameter Llama trained on TinyStories (llama2.c,
// converted to GGUF by llama.cpp), so that `gollm generate` works offline on
// a fresh machine with no model file. It is a separate package so that only
// the binaries that want the 1.2 MB of weights link them.
package embedded

import _ "embed"

// Stories260K is the GGUF file of stories260K (F32 weights, SentencePiece
// vocabulary of 512 tokens).
//
//go:embed stories260K.gguf
var Stories260K []byte

// Name is the name gollm shows for the embedded model.
const Name = "stories260K"
