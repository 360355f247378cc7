package main

import (
	"flag"
	"fmt"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/embedded"
)

// modelFlags are the flags every verb that loads a model shares.
type modelFlags struct {
	path      string
	threads   int
	ctxSize   int
	batchSize int
	kvType    string
	noRepack  bool
}

func (f *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.path, "m", "", "model `file` (.gguf); default: the embedded stories260K")
	fs.StringVar(&f.path, "model", "", "model `file` (same as -m)")
	fs.IntVar(&f.threads, "t", 0, "CPU `threads` (0: all cores)")
	fs.IntVar(&f.threads, "threads", 0, "CPU `threads` (same as -t)")
	fs.IntVar(&f.ctxSize, "c", 0, "context size in `tokens` (0: the model's, at most 4096)")
	fs.IntVar(&f.ctxSize, "ctx-size", 0, "context size (same as -c)")
	fs.IntVar(&f.batchSize, "b", 512, "prompt batch size in `tokens`")
	fs.IntVar(&f.batchSize, "batch-size", 512, "prompt batch size (same as -b)")
	fs.StringVar(&f.kvType, "cache-type", "f16", "KV cache `type`: f16 or q8_0")
	fs.BoolVar(&f.noRepack, "no-repack", false, "keep weights in the file's layout (saves memory, slower matmuls)")
}

func (f *modelFlags) validate() error {
	switch {
	case f.threads < 0:
		return usageErrorf("-t must not be negative (got %d)", f.threads)
	case f.ctxSize < 0:
		return usageErrorf("-c must not be negative (got %d)", f.ctxSize)
	case f.batchSize <= 0:
		return usageErrorf("-b must be positive (got %d)", f.batchSize)
	case f.kvType != "f16" && f.kvType != "q8_0":
		return usageErrorf("--cache-type must be f16 or q8_0 (got %q)", f.kvType)
	}
	return nil
}

// load opens the model the flags name, or the embedded one.
func (f *modelFlags) load() (*gollm.Model, error) {
	opts := []gollm.Option{
		gollm.WithThreads(f.threads), gollm.WithContextSize(f.ctxSize),
		gollm.WithBatchSize(f.batchSize), gollm.WithKVCacheType(f.kvType),
		gollm.WithRepack(!f.noRepack),
	}
	if f.path == "" {
		return gollm.LoadBytes(embedded.Name, embedded.Stories260K, opts...)
	}
	m, err := gollm.Load(f.path, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	return m, nil
}
