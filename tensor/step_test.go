package tensor_test

import (
	"testing"

	"github.com/gollm/gollm/tensor"
)

// TestStepAllocatesNothing checks the per-step contract: once a graph has
// been built and computed at its shape, rebuilding it (Reset + the same op
// calls) and computing it again allocates nothing, at 1 and 2 threads.
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
		allocs := testing.AllocsPerRun(10, func() {
			if _, err := m.step(be, []int32{10}); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%d threads: %v allocations per step, want 0", threads, allocs)
		}
		be.Close()
	}
}
