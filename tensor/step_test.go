package tensor_test

import (
	"runtime"
	"testing"

	"github.com/gollm/gollm/tensor"
)

// TestStepAllocatesNothing checks the per-step contract: once a graph has
// been built and computed at its shape, rebuilding it (Reset + the same op
// calls) and computing it again allocates nothing. With one thread every
// heap allocation in the process is counted over 20 steps. With two, the
// average over 10 steps must be below one: a worker that waits at a
// barrier longer than its polling time blocks, and the runtime may then
// allocate a sudog for it, which a loaded test machine can provoke.
func TestStepAllocatesNothing(t *testing.T) {
	for _, threads := range []int{1, 2} {
		be := tensor.NewCPU(threads)
		m, err := newToyModel(be)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.step(be, []int32{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.step(be, []int32{9}); err != nil { // warm up the decode shape
			t.Fatal(err)
		}
		step := func() {
			if _, err := m.step(be, []int32{10}); err != nil {
				t.Fatal(err)
			}
		}
		if threads == 1 {
			var a, b runtime.MemStats
			runtime.ReadMemStats(&a)
			for i := 0; i < 20; i++ {
				step()
			}
			runtime.ReadMemStats(&b)
			if n := b.Mallocs - a.Mallocs; n != 0 {
				t.Errorf("1 thread: %d allocations in 20 steps, want 0", n)
			}
		} else if allocs := testing.AllocsPerRun(10, step); allocs != 0 {
			t.Errorf("%d threads: %v allocations per step, want 0", threads, allocs)
		}
		be.Close()
	}
}
