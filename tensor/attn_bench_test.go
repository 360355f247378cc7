package tensor_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// BenchmarkFlashAttn times fused attention alone, shaped like a
// Llama-3.2-1B layer (32 query heads, 8 KV heads of 64, an f16 or q8_0
// cache laid out as the model's: [kv_dim, ctx], one view per head), causal
// by positions, one thread: prompt processing (512 queries over 512 keys)
// and decoding (1 query after 512 or 4096 keys). GFLOP/s counts 2·(d_k+d_v)
// flops per visible (query, key) pair and head; cpu-ns/op is the process's
// CPU time per op, which does not count time spent waiting for a core on a
// shared machine.
func BenchmarkFlashAttn(b *testing.B) {
	const heads, kvHeads, d = 32, 8, 64
	for _, c := range []struct {
		name    string
		nq, nkv int
		kv      quant.Type
	}{
		{"prompt/q512/kv512", 512, 512, quant.F16},
		{"decode/q1/kv512", 1, 512, quant.F16},
		{"decode/q1/kv4096", 1, 4096, quant.F16},
		{"prompt/q512/kv512/q8_0", 512, 512, quant.Q8_0},
		{"decode/q1/kv4096/q8_0", 1, 4096, quant.Q8_0},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			be := tensor.NewCPU(1)
			defer be.Close()
			rng := rand.New(rand.NewPCG(5, 5))
			cache := func() *tensor.Tensor {
				vals := make([]float32, kvHeads*d*c.nkv)
				for i := range vals {
					vals[i] = float32(rng.NormFloat64())
				}
				rs := c.kv.RowSize(kvHeads * d)
				data := make([]byte, rs*c.nkv)
				for r := 0; r < c.nkv; r++ {
					c.kv.Traits().Quantize(data[r*rs:(r+1)*rs], vals[r*kvHeads*d:(r+1)*kvHeads*d])
				}
				t, err := tensor.New(c.kv, data, kvHeads*d, c.nkv)
				if err != nil {
					b.Fatal(err)
				}
				return t
			}
			kc, vc := cache(), cache()
			g := tensor.NewGraph()
			q := g.Input(quant.F32, d, heads, c.nq)
			qs, _ := q.F32()
			for i := range qs {
				qs[i] = float32(rng.NormFloat64())
			}
			pos := g.Input(quant.I32, c.nq)
			ps, _ := pos.I32()
			pairs := 0
			for i := range ps {
				ps[i] = int32(c.nkv - c.nq + i)
				pairs += int(ps[i]) + 1
			}
			rs := kc.Nb(1)
			hs := c.kv.RowSize(d)
			ks := g.View3D(kc, d, c.nkv, kvHeads, rs, hs, 0)
			vs := g.View3D(vc, d, c.nkv, kvHeads, rs, hs, 0)
			out := g.Output(g.FlashAttn(g.Permute(q, 0, 2, 1, 3), ks, vs,
				tensor.AttnParams{Scale: float32(1 / math.Sqrt(d)), Pos: pos}))
			if err := g.Compute(be); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for b.Loop() {
				if err := g.Compute(be); err != nil {
					b.Fatal(err)
				}
			}
			cpu1 := processCPU()
			o, _ := out.F32()
			benchSink += o[0]
			flops := float64(pairs) * heads * 2 * (d + d)
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			cpuNs := float64(cpu1-cpu0) / float64(b.N)
			b.ReportMetric(cpuNs, "cpu-ns/op")
			b.ReportMetric(flops/ns, "GFLOP/s")
			b.ReportMetric(flops/cpuNs, "cpu-GFLOP/s")
		})
	}
}
