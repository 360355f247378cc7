package bench

import (
	"sync"
	"time"
)

// Bandwidth is a STREAM-like measurement of main-memory speed with a
// number of threads, in bytes per second (best of the repetitions, as
// STREAM reports).
type Bandwidth struct {
	Threads int
	Bytes   int     // size of each array
	Copy    float64 // copy a → b: bytes read + bytes written per second
	Read    float64 // sum of a: bytes read per second
}

// bandwidthSink keeps the read loop's result alive.
var bandwidthSink uint64

// MeasureBandwidth times copying one array of size bytes into another and
// reading one, split across threads goroutines, reps times each (size
// should be well beyond the last-level cache: 256 MiB is typical).
func MeasureBandwidth(threads, size, reps int) Bandwidth {
	threads = max(threads, 1)
	reps = max(reps, 1)
	n := max(size/8, threads)
	a := make([]uint64, n)
	b := make([]uint64, n)
	for i := range a {
		a[i] = uint64(i) // touch every page before timing
	}
	clear(b)
	parts := func(f func(part, lo, hi int)) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		per := (n + threads - 1) / threads
		for part := range threads {
			lo, hi := part*per, min((part+1)*per, n)
			if lo < hi {
				wg.Go(func() { f(part, lo, hi) })
			}
		}
		wg.Wait()
		return time.Since(start)
	}
	bw := Bandwidth{Threads: threads, Bytes: n * 8}
	sums := make([]uint64, threads)
	for range reps {
		d := parts(func(_, lo, hi int) { copy(b[lo:hi], a[lo:hi]) })
		bw.Copy = max(bw.Copy, float64(2*8*n)/d.Seconds())
		d = parts(func(part, lo, hi int) { sums[part] = sumWords(a[lo:hi]) })
		bw.Read = max(bw.Read, float64(8*n)/d.Seconds())
	}
	for _, s := range sums {
		bandwidthSink += s
	}
	bandwidthSink += b[n-1]
	return bw
}

// sumWords adds the words of a with eight independent accumulators, so
// that the loop is limited by loads, not by the addition chain (the
// re-slicing lets the compiler drop the bounds checks).
func sumWords(a []uint64) uint64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	for len(a) >= 8 {
		b := a[:8:8]
		s0 += b[0]
		s1 += b[1]
		s2 += b[2]
		s3 += b[3]
		s4 += b[4]
		s5 += b[5]
		s6 += b[6]
		s7 += b[7]
		a = a[8:]
	}
	for _, v := range a {
		s0 += v
	}
	return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
}
