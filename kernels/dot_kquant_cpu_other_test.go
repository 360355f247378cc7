//go:build !linux

package kernels

import "time"

// kqThreadCPU reports no thread CPU time where the platform has no clock
// for it.
func kqThreadCPU() (time.Duration, bool) { return 0, false }
