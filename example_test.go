package gollm_test

import (
	"context"
	"fmt"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/embedded"
)

// Embedding gollm: load a model and stream a greedy continuation.
func Example() {
	m, err := gollm.LoadBytes("stories260K", embedded.Stories260K) // or gollm.Load("model.gguf")
	if err != nil {
		panic(err)
	}
	defer m.Close()
	for tok, err := range m.Generate(context.Background(), "Once upon a time", gollm.GenerateOptions{MaxTokens: 12}) {
		if err != nil {
			panic(err)
		}
		fmt.Print(tok.Text)
	}
	fmt.Println()
	// Output: , there was a little girl named Lily. She
}
