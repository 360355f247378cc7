//go:build !noasm && !linux

package kernels

// amxRequest reports whether this process may use the AMX tile data: only
// on Linux (where it asks for it) does gollm use AMX.
func amxRequest() bool { return false }
