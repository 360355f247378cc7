//go:build noasm || !amd64

package kernels

// attnImpls lists the attention kernels this build runs: the Go twins.
func attnImpls() []attnImpl { return []attnImpl{attnGo} }
