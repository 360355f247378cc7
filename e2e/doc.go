// Package e2e tests `gollm serve` from the outside, with the clients people
// actually use: github.com/openai/openai-go/v3 and
// github.com/ollama/ollama/api here, and the openai and ollama npm packages
// plus a headless Chromium on the chat page in node/ (see run.sh).
//
// It is a module of its own so that those clients and their dependencies
// never enter the main module's go.mod. The tests build cmd/gollm (or use
// $GOLLM_BIN), start `gollm serve --host 127.0.0.1:<free port>` with a
// fresh HOME, so the only model it finds is the built-in stories260K, and
// stop it at the end.
package e2e
