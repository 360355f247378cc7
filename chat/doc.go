// Package chat turns conversations into prompts the way llama.cpp does.
//
// A Template wraps a model's chat template (the GGUF key
// tokenizer.chat_template), run by the Jinja engine in chat/jinja, and
// applies llama.cpp's adjustments around it: a system message is folded
// into the first user turn for templates that reject the system role,
// "developer" becomes "system", enable_thinking follows whether the
// template has a reasoning block, the date_string and datetime variables
// and strftime_now come from Options.Now, tool call arguments become
// mappings for templates that want them, and the Ministral 3 and gpt-oss
// templates get their message shapes. Render of every template llama.cpp
// ships matches llama.cpp's output byte for byte (see testdata).
//
// Models without a template use a built-in format (Builtin, Builtins),
// written in Go like llama.cpp's llm_chat_apply_template; Detect names the
// built-in format a template's text corresponds to, as llama.cpp's
// --chat-template NAME and its template detection do.
package chat
