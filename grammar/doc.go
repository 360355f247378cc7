// Package grammar constrains generation to a formal language: GBNF grammars
// (llama.cpp's syntax) and JSON Schemas compiled to GBNF.
//
// Parse compiles GBNF text into a Grammar. A State tracks how far generated
// text has matched; a TokenFilter applies a Grammar to a model vocabulary
// and tells the sampler which tokens may come next:
//
//	g, err := grammar.Parse(src)                  // or grammar.CompileJSONSchema(schema)
//	f, err := grammar.NewTokenFilter(g, pieces, eogIDs) // once per grammar and vocabulary
//	st := g.NewState()                            // once per generation
//	for {
//		id := sample(logits)
//		if !f.Allowed(st, id) {                  // cheap: walks one token
//			f.MaskLogits(st, logits)              // the whole vocabulary
//			id = sample(logits)
//		}
//		f.Accept(st, id)
//	}
//
// The matcher is llama.cpp's pushdown automaton (a set of stacks of grammar
// positions), working on bytes rather than code points so that tokens that
// split a UTF-8 character need no special case. Stacks and stack sets are
// interned and their transitions cached, which turns the automaton into a
// lazily built DFA: after warm-up, advancing by a token and masking the
// vocabulary allocate nothing.
package grammar
