package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// One transformer layer shaped like Llama-3.2-1B (n_embd 2048, n_ff 8192,
// 32 query heads and 8 KV heads of 64), random Q4_K weights, F16 KV cache
// with 256 tokens of context, fused attention.
const (
	benchEmbd    = 2048
	benchFF      = 8192
	benchHeads   = 32
	benchKVHeads = 8
	benchHeadDim = 64
	benchCtx     = 512
	benchPast    = 256
)

type benchLayer struct {
	attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down *tensor.Tensor
	kCache, vCache                                    *tensor.Tensor
}

// randQ4K returns rows×k random but well-formed q4_K weights (small
// scales, random 6-bit sub-block scales and 4-bit quants).
func randQ4K(rng *rand.Rand, k, rows int) *tensor.Tensor {
	nb := k / quant.QK_K * rows
	data := make([]byte, nb*144)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for b := 0; b < nb; b++ {
		blk := data[b*144:]
		d := quant.FP32ToFP16(float32(1e-4 * (1 + rng.Float64())))
		dmin := quant.FP32ToFP16(float32(1e-4 * rng.Float64()))
		blk[0], blk[1], blk[2], blk[3] = byte(d), byte(d>>8), byte(dmin), byte(dmin>>8)
	}
	t, err := tensor.New(quant.Q4K, data, k, rows)
	if err != nil {
		panic(err)
	}
	return t
}

func onesF32(n int) *tensor.Tensor {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return f32Tensor(v, n)
}

func newBenchLayer(be tensor.Backend, repack bool) (*benchLayer, error) {
	rng := rand.New(rand.NewPCG(7, 7))
	kvDim := benchKVHeads * benchHeadDim
	L := &benchLayer{
		attnNorm: onesF32(benchEmbd),
		ffnNorm:  onesF32(benchEmbd),
		wq:       randQ4K(rng, benchEmbd, benchEmbd),
		wk:       randQ4K(rng, benchEmbd, kvDim),
		wv:       randQ4K(rng, benchEmbd, kvDim),
		wo:       randQ4K(rng, benchEmbd, benchEmbd),
		gate:     randQ4K(rng, benchEmbd, benchFF),
		up:       randQ4K(rng, benchEmbd, benchFF),
		down:     randQ4K(rng, benchFF, benchEmbd),
	}
	if repack {
		for _, w := range []*tensor.Tensor{L.wq, L.wk, L.wv, L.wo, L.gate, L.up, L.down} {
			w.Repack() // false (plain weights) where the CPU has no repacked kernel
		}
	}
	for _, c := range []**tensor.Tensor{&L.kCache, &L.vCache} {
		t, _, err := tensor.Alloc(be, quant.F16, kvDim, benchCtx)
		if err != nil {
			return nil, err
		}
		h, _ := t.F16()
		for i := range h {
			h[i] = quant.FP32ToFP16(float32(rng.NormFloat64()))
		}
		*c = t
	}
	return L, nil
}

// build appends the layer for n tokens at positions benchPast… to g and
// returns the layer output.
func (L *benchLayer) build(g *tensor.Graph, n int, xv []float32) *tensor.Tensor {
	x := g.Input(quant.F32, benchEmbd, n)
	pos := g.Input(quant.I32, n)
	xs, _ := x.F32()
	copy(xs, xv)
	ps, _ := pos.I32()
	for i := range ps {
		ps[i] = int32(benchPast + i)
	}
	const eps = 1e-5
	rope := tensor.RopeParams{Dims: benchHeadDim, Mode: tensor.RopeNormal, FreqBase: 500000}
	kvDim, nkv := benchKVHeads*benchHeadDim, benchPast+n
	rowBytes := L.kCache.Nb(1)

	h := g.Mul(g.RMSNorm(x, eps), L.attnNorm)
	q := g.Rope(g.Reshape(g.MulMat(L.wq, h), benchHeadDim, benchHeads, n), pos, nil, rope)
	k := g.Rope(g.Reshape(g.MulMat(L.wk, h), benchHeadDim, benchKVHeads, n), pos, nil, rope)
	v := g.MulMat(L.wv, h)
	g.Cpy(k, g.View2D(L.kCache, kvDim, n, rowBytes, benchPast*rowBytes))
	g.Cpy(v, g.View2D(L.vCache, kvDim, n, rowBytes, benchPast*rowBytes))
	ks := g.View3D(L.kCache, benchHeadDim, nkv, benchKVHeads, rowBytes, 2*benchHeadDim, 0)
	vs := g.View3D(L.vCache, benchHeadDim, nkv, benchKVHeads, rowBytes, 2*benchHeadDim, 0)
	a := g.FlashAttn(g.Permute(q, 0, 2, 1, 3), ks, vs,
		tensor.AttnParams{Scale: float32(1 / math.Sqrt(benchHeadDim)), Pos: pos})
	x = g.Add(x, g.MulMat(L.wo, g.Reshape(a, benchEmbd, n)))
	h = g.Mul(g.RMSNorm(x, eps), L.ffnNorm)
	x = g.Add(x, g.MulMat(L.down, g.SwiGLU(g.MulMat(L.gate, h), g.MulMat(L.up, h))))
	return g.Output(x)
}

var benchSink float32

// BenchmarkLlamaLayer runs one Llama-3.2-1B-shaped layer per op (graph
// rebuilt every op, as a model does per step) at batch 1 and 64 with 1 and
// 2 threads, with plain and repacked weights (Tensor.Repack). ns/op is the time per layer; it also reports the graph build
// time, the arena size and the allocations per step.
func BenchmarkLlamaLayer(b *testing.B) {
	for _, batch := range []int{1, 64} {
		for _, threads := range []int{1, 2} {
			for _, repack := range []bool{false, true} {
				benchLlamaLayer(b, batch, threads, repack)
			}
		}
	}
}

func benchLlamaLayer(b *testing.B, batch, threads int, repack bool) {
	b.Run(fmt.Sprintf("batch=%d/threads=%d/repack=%v", batch, threads, repack), func(b *testing.B) {
		be := tensor.NewCPU(threads)
		defer be.Close()
		L, err := newBenchLayer(be, repack)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 3))
		xv := make([]float32, benchEmbd*batch)
		for i := range xv {
			xv[i] = float32(rng.NormFloat64())
		}
		g := tensor.NewGraph()
		step := func() time.Duration {
			t0 := time.Now()
			g.Reset()
			out := L.build(g, batch, xv)
			built := time.Since(t0)
			if err := g.Compute(be); err != nil {
				b.Fatal(err)
			}
			o, _ := out.F32()
			benchSink += o[0]
			return built
		}
		// Warm-up: the arena, scratch and slab, and the runtime's
		// own caches (the sudogs of goroutines waiting at the
		// barrier are allocated until its per-P caches fill up).
		for i := 0; i < 10; i++ {
			step()
		}
		b.ReportAllocs()
		b.ResetTimer()
		var build time.Duration
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		cpu0 := processCPU()
		for i := 0; i < b.N; i++ {
			build += step()
		}
		cpu1 := processCPU()
		runtime.ReadMemStats(&ms1)
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N), "allocs/step")
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(build.Nanoseconds())/float64(b.N), "build-ns/op")
		b.ReportMetric(float64(g.ArenaSize()), "arena-B")
		b.ReportMetric(float64(batch)*1e9/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "tok/s")
	})
}

// BenchmarkLlamaLayerBuild measures building and planning the layer's graph
// alone (Reset, the op calls, Plan), without computing it.
func BenchmarkLlamaLayerBuild(b *testing.B) {
	be := tensor.NewCPU(1)
	defer be.Close()
	L, err := newBenchLayer(be, false)
	if err != nil {
		b.Fatal(err)
	}
	xv := make([]float32, benchEmbd)
	g := tensor.NewGraph()
	g.Reset()
	L.build(g, 1, xv)
	if err := g.Plan(be); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.Reset()
		L.build(g, 1, xv)
		if err := g.Plan(be); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Len()), "tensors")
}
