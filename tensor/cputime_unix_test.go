//go:build unix

package tensor_test

import "syscall"

// processCPU returns the CPU time the process has used (all threads), in
// nanoseconds: on a shared machine it shows the work a benchmark did
// independently of how long it waited for a core.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
