// Package jinja is a Jinja2 template engine for chat templates: the
// templates Hugging Face models ship in tokenizer_config.json and GGUF
// files carry under tokenizer.chat_template.
//
// It follows Python Jinja2 semantics as transformers configures them
// (trim_blocks and lstrip_blocks on, the loopcontrols and do extensions,
// raise_exception, a tojson that keeps key order and non-ASCII text), plus
// the Python string, list and dict methods templates call (.strip(),
// .split(), .items(), .get(), .append(), ...). Where llama.cpp's engine is
// more lenient than Python it is followed: a missing attribute of an
// undefined value is undefined, "str" + undefined is the string, and
// select/reject/map of None are empty.
//
// Templates come from model files, so nothing a template does may hang or
// crash the caller: parsing bounds the nesting depth, rendering counts
// steps (builtins pay for the data they touch), bounds macro recursion and
// the size of every string and list it builds (see Limits), and errors
// carry the line and column (see Error).
//
// Why not a library: github.com/ardanlabs/jinja v1.8.0 renders all 68 of
// llama.cpp's reference templates correctly, but a self-recursive macro
// overflows the goroutine stack (a fatal error no recover can catch) and
// range(10**11) or "a" * 10**10 never return, which a server loading
// third-party GGUF files cannot accept; its errors carry no column.
// github.com/nikolalohinski/gonja/v2 v2.9.1 renders 42 of the 68.
package jinja
