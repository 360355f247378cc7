// Package model turns a GGUF file into a language model: a registry of
// architectures keyed by general.architecture, each binding its weights by
// name and describing its forward pass as a tensor graph (one file per
// architecture, readable top to bottom), plus the KV cache and the sampler
// chain.
package model
