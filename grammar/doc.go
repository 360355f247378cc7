// Package grammar constrains generation to a formal language: GBNF grammars
// (llama.cpp's syntax) and JSON Schemas compiled to GBNF.
//
// Parse compiles GBNF text into a Grammar; CompileJSONSchema compiles a
// JSON Schema (or the string "json", any JSON value). A State tracks how
// far generated text has matched. A TokenFilter applies a Grammar to a
// model vocabulary and tells the sampler which tokens may come next:
//
//	g, err := grammar.CompileJSONSchema(schema, nil)        // or grammar.Parse(gbnf)
//	f, err := grammar.NewTokenFilter(g, pieces, eogIDs)    // once per grammar and vocabulary
//	st := g.NewState()                                    // once per generation
//	for {
//		id := sample(logits)
//		if !f.Allowed(st, id) {                      // cheap: walks one token
//			f.MaskLogits(st, logits)              // the whole vocabulary
//			id = sample(logits)
//		}
//		if isEOG(id) { break }
//		f.Accept(st, id)
//	}
//
// # Matching
//
// The matcher is llama.cpp's pushdown automaton (a set of stacks of grammar
// positions), working on bytes rather than code points: each character
// class is a small automaton over its UTF-8 encoding, so tokens that split
// a character need no special case, and invalid UTF-8 never matches.
// Stacks and sets of stacks are interned and their transitions cached, so
// the automaton becomes a lazily built DFA: after warm-up, advancing by a
// token and masking the vocabulary allocate nothing. Alternatives that can
// never finish are dropped when compiling, so Accepts is exact: a prefix is
// accepted only if some complete string extends it, and sampling from the
// mask never reaches a dead end.
//
// A mask walks a preorder trie of the vocabulary. Where every byte below a
// trie node leads from the current position back to itself (the inside of
// a JSON string, say), the node's whole subtree is allowed without walking
// it. Masks are also cached per position.
//
// # GBNF compatibility
//
// Parse accepts llama.cpp's syntax: rules "name ::= ...", alternation,
// grouping, * + ? {m} {m,} {m,n}, string literals and character classes
// with the escapes \n \t \r \\ \" \[ \] \- \xHH \uHHHH \UHHHHHHHH, negated
// classes, ".", comments and rules spanning lines (newlines are allowed
// after ::=, after | and inside parentheses). Differences: rule names may
// also contain '_'; token references (<[id]>, <text>, !<...>) are refused;
// a rule defined twice, a raw newline inside a literal or class, an empty
// class and invalid UTF-8 are errors; repetition counts above llama.cpp's
// 2000 are honoured exactly (llama.cpp treats such a maximum as
// unbounded), within a size limit. Like llama.cpp, left recursion is an
// error; so is a start rule that no finite string matches.
//
// # JSON Schema
//
// SchemaToGBNF follows llama.cpp's json-schema-to-grammar: the same
// optional whitespace after each token, required properties first (in
// schema order) and then optional ones (in schema order, each may be left
// out), no additional properties unless additionalProperties allows them,
// exact tuples, exact digit-range rules for integer bounds, llama.cpp's
// date, time, date-time and uuid formats. Beyond it: number bounds (integer
// ones), unanchored patterns, pattern characters escaped as JSON, allOf
// merging of most keywords, and errors naming the schema path for what it
// cannot enforce (SchemaOptions.Lenient ignores those instead, as
// llama.cpp does).
package grammar
