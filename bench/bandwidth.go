package bench

import (
	"math"
	"sync"
	"time"
	"unsafe"

	"github.com/gollm/gollm/kernels"
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
		d = parts(func(part, lo, hi int) { sums[part] = readWords(a[lo:hi]) })
		bw.Read = max(bw.Read, float64(8*n)/d.Seconds())
	}
	for _, s := range sums {
		bandwidthSink += s
	}
	bandwidthSink += b[n-1]
	return bw
}

// readWords reads every byte of a with the widest loads the CPU has: the
// f32 dot-product kernel (AVX-512 or AVX2 or NEON) over its two halves, so
// that the probe, like the model's kernels, is limited by memory and not
// by instruction throughput. Where the assembly is off it falls back to
// sumWords.
func readWords(a []uint64) uint64 {
	h := len(a) / 2
	if h == 0 {
		return sumWords(a)
	}
	f := unsafe.Slice((*float32)(unsafe.Pointer(&a[0])), 2*len(a))
	r := kernels.DotF32F32(f[:2*h], f[2*h:4*h])
	return uint64(math.Float32bits(r)) + sumWords(a[2*h:])
}

// sumWords adds the words of a. It walks four quarters of a at once, four
// words of each per step: four concurrent streams keep more cache-line
// fetches in flight than one (a single stream reaches about two thirds of
// the bandwidth on typical x86 cores), and independent accumulators keep
// the loop limited by memory, not by the addition chain. The re-slicing
// lets the compiler drop the bounds checks.
func sumWords(a []uint64) uint64 {
	q := len(a) / 4 &^ 3
	w, x, y, z := a[:q], a[q:2*q], a[2*q:3*q], a[3*q:4*q]
	var s0, s1, s2, s3 uint64
	for len(w) >= 4 && len(x) >= 4 && len(y) >= 4 && len(z) >= 4 {
		w4, x4, y4, z4 := w[:4:4], x[:4:4], y[:4:4], z[:4:4]
		s0 += w4[0] + w4[1] + w4[2] + w4[3]
		s1 += x4[0] + x4[1] + x4[2] + x4[3]
		s2 += y4[0] + y4[1] + y4[2] + y4[3]
		s3 += z4[0] + z4[1] + z4[2] + z4[3]
		w, x, y, z = w[4:], x[4:], y[4:], z[4:]
	}
	for _, v := range a[4*q:] {
		s0 += v
	}
	return s0 + s1 + s2 + s3
}
