package kernels

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// kqSink keeps benchmark results alive.
var kqSink float32

// kqMeasure runs body in b's loop on one locked OS thread and reports
// ns/256 (wall time per 256-element block, blocks per iteration given) and,
// where the OS has a thread clock, cpu-ns/256 (the same in thread CPU time,
// which is immune to other processes sharing the machine).
func kqMeasure(b *testing.B, blocks int, body func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	c0, okCPU := kqThreadCPU()
	for b.Loop() {
		body()
	}
	c1, _ := kqThreadCPU()
	per := float64(b.N) * float64(blocks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/256")
	if okCPU {
		b.ReportMetric(float64((c1-c0).Nanoseconds())/per, "cpu-ns/256")
	}
}

// kqBenchValues is the weight working set of every benchmark: 64K values,
// resident in L2 as in ggml's kernel measurements.
const kqBenchValues = 1 << 16

// BenchmarkKQuantDot measures every dot-product path, single-threaded, on
// 16 rows of 4096 weights against one activation row. Bytes are weight
// bytes; ns/256 is the time per 256-element block.
func BenchmarkKQuantDot(b *testing.B) {
	const n = 4096
	const rows = kqBenchValues / n
	r := rand.New(rand.NewPCG(7, 8))
	for i := range kqTypes {
		k := &kqTypes[i]
		rowBytes := n / 256 * k.bytes
		x := make([]byte, rows*rowBytes)
		for blk := 0; blk < len(x)/k.bytes; blk++ {
			k.randBlock(r, x[blk*k.bytes:(blk+1)*k.bytes])
		}
		y := make([]byte, n/256*kqQ8KBytes)
		kqRandQ8K(r, y, n/256, -127, 127)
		for _, p := range kqDotPaths(b, k) {
			if p.name == "table" {
				continue
			}
			b.Run(k.dir+"/"+p.name, func(b *testing.B) {
				b.SetBytes(int64(len(x)))
				var s float32
				kqMeasure(b, kqBenchValues/256, func() {
					for row := 0; row < rows; row++ {
						s += p.dot(n, x[row*rowBytes:(row+1)*rowBytes], y)
					}
				})
				kqSink = s
			})
		}
	}
}

// BenchmarkKQuantTile measures every tile path on one tile of 64K weight
// values (rows × 64K/rows) against its columns. Bytes count each weight
// byte once per column it meets, and ns/256 is the time per 256-element
// block and column, so both compare directly with BenchmarkKQuantDot.
func BenchmarkKQuantTile(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	for i := range kqTypes {
		k := &kqTypes[i]
		if k.tile == nil {
			continue
		}
		rows, cols := k.tileRows, k.tileCols
		n := kqBenchValues / rows
		rowBytes := n / 256 * k.bytes
		x := make([]byte, rows*rowBytes)
		for blk := 0; blk < len(x)/k.bytes; blk++ {
			k.randBlock(r, x[blk*k.bytes:(blk+1)*k.bytes])
		}
		yStride := n / 256 * kqQ8KBytes
		y := make([]byte, cols*yStride)
		kqRandQ8K(r, y, cols*n/256, -127, 127)
		dst := make([]float32, rows*cols)
		for _, p := range kqTilePaths(b, k) {
			if p.name == "table" {
				continue
			}
			b.Run(k.dir+"/"+p.name, func(b *testing.B) {
				b.SetBytes(int64(len(x) * cols))
				kqMeasure(b, kqBenchValues/256*cols, func() {
					p.tile(n, x, rowBytes, y, yStride, dst, rows)
				})
				kqSink = dst[0]
			})
		}
	}
}
