//go:build linux

package kernels

import (
	"time"

	"golang.org/x/sys/unix"
)

// kqThreadCPU returns the CPU time the calling OS thread has used. The
// benchmarks report it beside wall time so that a machine shared with other
// work still gives usable figures.
func kqThreadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
