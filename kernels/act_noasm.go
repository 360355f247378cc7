//go:build noasm || !amd64

package kernels

// actImpls lists the activation kernels this build runs: the Go twin.
func actImpls() []actImpl { return []actImpl{actGo} }
