//go:build arm64 && !noasm && (linux || darwin)

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/unix"
)

// guardedTail returns a slice of n bytes that ends where an inaccessible
// page begins, so that an assembly kernel reading even one byte past its
// input faults instead of passing unnoticed.
func guardedTail(t *testing.T, n int) []byte {
	t.Helper()
	page := unix.Getpagesize()
	size := (n+page-1)/page*page + page
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[size-page:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return mem[size-page-n : size-page : size-page]
}

// TestARM64NoReadPastEnd runs every arm64 variant on rows that end at a
// guard page (1, 2 and 3 blocks, so that the last block of every loop
// shape touches it) and checks the result against the Go twin.
func TestARM64NoReadPastEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for i := range arm64KQuants {
		k := &arm64KQuants[i]
		kt := k.kqType(t)
		for _, p := range k.paths(t) {
			for nb := 1; nb <= 3; nb++ {
				x := guardedTail(t, nb*kt.bytes)
				y := guardedTail(t, nb*kqQ8KBytes)
				for b := 0; b < nb; b++ {
					kt.randBlock(r, x[b*kt.bytes:(b+1)*kt.bytes])
				}
				kqRandQ8K(r, y, nb, -127, 127)
				n := nb * 256
				_, abs := kqRef(kt, x, y, n)
				got, twin := p.f(n, x, y), kt.generic(n, x, y)
				if math.Abs(float64(got)-float64(twin)) > 1e-6*abs {
					t.Errorf("%s %s nb=%d: got %.9g, Go twin %.9g", kt.dir, p.name, nb, got, twin)
				}
			}
		}
	}
	for i := range arm64Q8Blocks {
		k := &arm64Q8Blocks[i]
		for _, p := range k.paths(t) {
			for nb := 1; nb <= 3; nb++ {
				n := 32 * nb
				x := guardedTail(t, nb*k.wt.TypeSize())
				y := guardedTail(t, nb*bytesQ8_0)
				copy(x, randRow(t, r, k.wt, n, blockRandom))
				copy(y, randRow(t, r, k.yt, n, blockRandom))
				want, absSum := refDot(t, k.wt, x, k.yt, y, n)
				checkDot(t, p.name, p.f(n, x, y), want, absSum, dotTol)
			}
		}
	}
}
