// Package metal is the home of gollm's Apple GPU backend: Metal compute
// kernels driven through Metal.framework with github.com/ebitengine/purego
// (no cgo, no Objective-C), registered with package tensor's backend
// registry under the name "Metal" so that models run on it unchanged.
//
// The backend is not written yet: on every platform today the registry
// holds only the CPU backend, and gollm computes on the CPU. This package
// exists so that the layering (a backend depends on tensor's Backend
// interface, never the reverse) is fixed before the first GPU kernel lands.
package metal
