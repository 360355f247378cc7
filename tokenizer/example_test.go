package tokenizer_test

import (
	"fmt"
	"strings"

	"github.com/gollm/gollm/tokenizer"
)

func Example() {
	tk, err := tokenizer.LoadFile("testdata/ggml-vocab-llama-bpe.gguf")
	if err != nil {
		panic(err)
	}
	// A chat turn: BOS added (the vocabulary asks for it), markers parsed.
	ids := tk.Encode("<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>", true, true)
	fmt.Println(ids)
	fmt.Printf("%q\n", tk.Detokenize(ids, false, true))
	fmt.Println(tk.IsEOG(ids[len(ids)-1]))

	// Streaming generated tokens: "🦙" is split over two byte-level tokens
	// and only comes out once complete.
	d := tk.NewStreamDecoder(false)
	var chunks []string
	for _, id := range tk.Encode(" llama 🦙", false, false) {
		chunks = append(chunks, d.Add(id))
	}
	chunks = append(chunks, d.Flush())
	fmt.Printf("%q\n", strings.Join(chunks, "|"))
	// Output:
	// [128000 128006 882 128007 271 13347 0 128009]
	// "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
	// true
	// " llama| ||🦙|"
}
