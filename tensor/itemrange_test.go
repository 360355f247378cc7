package tensor

import (
	"sync"
	"testing"
)

// TestClaimItemEachOnce checks that workers drawing from per-worker item
// ranges (own range from the front, others' from the back) take every
// item exactly once, also when some workers never start and the others
// must take their whole ranges.
func TestClaimItemEachOnce(t *testing.T) {
	for _, tc := range []struct {
		name           string
		workers, items int
		active         int // workers that claim items
	}{
		{"none", 2, 0, 2},
		{"fewer items than workers", 4, 3, 4},
		{"one worker", 1, 37, 1},
		{"two workers", 2, 128, 2},
		{"uneven", 3, 1000, 3},
		{"one of two works", 2, 65, 1},
		{"two of four work", 4, 257, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &CPU{n: tc.workers}
			s := &step{}
			for round := 0; round < 2; round++ { // ranges are reused
				c.splitItems(s, tc.items)
				seen := make([]int, tc.items)
				var mu sync.Mutex
				var wg sync.WaitGroup
				for w := 0; w < tc.active; w++ {
					wg.Add(1)
					go func(ith int) {
						defer wg.Done()
						var got []int
						for {
							item := c.claimItem(s, ith)
							if item < 0 {
								break
							}
							got = append(got, item)
						}
						mu.Lock()
						for _, item := range got {
							if item >= tc.items {
								t.Errorf("worker %d claimed item %d of %d", ith, item, tc.items)
								continue
							}
							seen[item]++
						}
						mu.Unlock()
					}(w)
				}
				wg.Wait()
				for item, n := range seen {
					if n != 1 {
						t.Fatalf("round %d: item %d claimed %d times", round, item, n)
					}
				}
			}
		})
	}
}
