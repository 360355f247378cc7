//go:build arm64 && !noasm

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"

	"github.com/gollm/gollm/quant"
)

// Tests of the arm64 assembly. Every NEON and dotprod kernel is called
// directly, whatever the kernel table chose, and held to the naive float64
// reference of the test helpers, to its Go twin and to ggml's results on
// the fixtures in testdata. Under `qemu-aarch64 -cpu max` both variants
// run; on a CPU without the dotprod extension only the NEON one does, and
// the test log says so.

// arm64Kernel is one dot product with its two assembly variants.
type arm64Kernel struct {
	wt, yt        quant.Type
	neon, dotprod VecDotFunc
	impl          string // the name Implementations gives it
}

// arm64KQuants are the k-quant kernels (activations q8_K, blocks of 256).
var arm64KQuants = []arm64Kernel{
	{quant.Q4K, quant.Q8K, dotQ4KQ8KNEON, dotQ4KQ8KDotProd, "dot q4_K·q8_K"},
	{quant.Q5K, quant.Q8K, dotQ5KQ8KNEON, dotQ5KQ8KDotProd, "dot q5_K·q8_K"},
	{quant.Q6K, quant.Q8K, dotQ6KQ8KNEON, dotQ6KQ8KDotProd, "dot q6_K·q8_K"},
}

// arm64Q8Blocks are the kernels on blocks of 32 (activations q8_0).
var arm64Q8Blocks = []arm64Kernel{
	{quant.Q8_0, quant.Q8_0, dotQ8_0NEON, dotQ8_0DotProd, "dot q8_0·q8_0"},
	{quant.Q4_0, quant.Q8_0, dotQ4_0NEON, dotQ4_0DotProd, "dot q4_0·q8_0"},
}

// arm64Path is one assembly variant that this CPU runs.
type arm64Path struct {
	name string // "neon" or "dotprod"
	f    VecDotFunc
}

// paths returns the variants of k this CPU runs and logs which ran. It
// asks the CPU itself rather than hasNEON and hasDotProd, so that the
// assembly is tested under GOLLM_NOASM=1 too, and fails the test when the
// CPU reports no NEON, which every arm64 CPU has.
func (k *arm64Kernel) paths(tb testing.TB) []arm64Path {
	tb.Helper()
	if !cpuid.CPU.Supports(cpuid.ASIMD) {
		tb.Fatalf("%v: CPU feature detection reports no NEON (ASIMD)", k.wt)
	}
	out := []arm64Path{{"neon", k.neon}}
	if cpuid.CPU.Supports(cpuid.ASIMDDP) {
		out = append(out, arm64Path{"dotprod", k.dotprod})
	} else {
		tb.Logf("%v: CPU lacks dotprod (ASIMDDP); only the neon path is tested", k.wt)
	}
	for _, p := range out {
		tb.Logf("%v: testing the %s path directly", k.wt, p.name)
	}
	return out
}

// kqType returns the k-quant test description of k's weight type.
func (k *arm64Kernel) kqType(tb testing.TB) *kqType {
	tb.Helper()
	for i := range kqTypes {
		if kqTypes[i].t == k.wt {
			return &kqTypes[i]
		}
	}
	tb.Fatalf("%v: not in kqTypes", k.wt)
	return nil
}

// TestARM64Chosen checks what the kernel table chose: dotprod where the CPU
// has it, else NEON.
func TestARM64Chosen(t *testing.T) {
	want := "go"
	switch {
	case hasDotProd:
		want = "dotprod"
	case hasNEON:
		want = "neon"
	}
	t.Logf("NEON %v, dotprod %v: expecting %q", hasNEON, hasDotProd, want)
	chosen := map[string]string{}
	for _, im := range Implementations() {
		chosen[im.Kernel] = im.Name
	}
	for _, k := range append(append([]arm64Kernel(nil), arm64KQuants...), arm64Q8Blocks...) {
		if got := chosen[k.impl]; got != want {
			t.Errorf("%s: chose %q, want %q", k.impl, got, want)
		}
	}
}

// TestARM64KQuantFixtures holds each variant to ggml's result on the fixture
// rows (|got − ggml| ≤ 1e-5·Σ|wᵢ·yᵢ|) and to the Go twin.
func TestARM64KQuantFixtures(t *testing.T) {
	const rows, cols = 8, 1024
	for i := range arm64KQuants {
		k := &arm64KQuants[i]
		kt := k.kqType(t)
		t.Run(kt.dir, func(t *testing.T) {
			q, yq, dot, _ := kqReadFixture(t, kt.dir)
			rowBytes := cols / 256 * kt.bytes
			if len(q) != rows*rowBytes || len(dot) != rows {
				t.Fatalf("fixture sizes: q %d dot %d", len(q), len(dot))
			}
			for _, p := range k.paths(t) {
				for r := 0; r < rows; r++ {
					x := q[r*rowBytes : (r+1)*rowBytes]
					_, abs := kqRef(kt, x, yq, cols)
					got := p.f(cols, x, yq)
					if d := math.Abs(float64(got) - float64(dot[r])); d > 1e-5*abs {
						t.Errorf("%s row %d: got %.9g, ggml %.9g (|diff| %.3g > %.3g)", p.name, r, got, dot[r], d, 1e-5*abs)
					}
					if twin := kt.generic(cols, x, yq); math.Abs(float64(got)-float64(twin)) > 1e-6*abs {
						t.Errorf("%s row %d: got %.9g, Go twin %.9g", p.name, r, got, twin)
					}
				}
			}
		})
	}
}

// TestARM64KQuantRandom checks each variant against the naive reference and
// the Go twin on random, zero and extreme blocks (kqCases, 1…16 blocks) and
// on longer random rows, all at unaligned addresses with junk around them.
func TestARM64KQuantRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for i := range arm64KQuants {
		k := &arm64KQuants[i]
		kt := k.kqType(t)
		t.Run(kt.dir, func(t *testing.T) {
			paths := k.paths(t)
			cases := kqCases()
			for _, nb := range []int{24, 41, 64} {
				cases = append(cases, kqCase{fmt.Sprintf("random/%dblocks", nb), nb, cases[0].fill})
			}
			for _, c := range cases {
				x := embed(r, make([]byte, c.nb*kt.bytes))
				y := embed(r, make([]byte, c.nb*kqQ8KBytes))
				c.fill(r, kt, x, y, c.nb)
				n := c.nb * 256
				ref, abs := kqRef(kt, x, y, n)
				twin := kt.generic(n, x, y)
				for _, p := range paths {
					got := p.f(n, x, y)
					if d := math.Abs(float64(got) - ref); d > 1e-5*abs || math.IsNaN(float64(got)) {
						t.Errorf("%s %s: got %.9g, reference %.9g (|diff| %.3g, Σ|w·y| %.3g)", c.name, p.name, got, ref, d, abs)
					}
					if d := math.Abs(float64(got) - float64(twin)); d > 1e-6*abs {
						t.Errorf("%s %s: got %.9g, Go twin %.9g", c.name, p.name, got, twin)
					}
				}
			}
			for _, p := range paths {
				if got := p.f(0, nil, nil); got != 0 {
					t.Errorf("%s n=0: got %g", p.name, got)
				}
			}
		})
	}
}

// TestARM64KQuantBadLength checks that each variant panics with the
// kernel's message, before the assembly runs, on rows too short for n.
func TestARM64KQuantBadLength(t *testing.T) {
	for i := range arm64KQuants {
		k := &arm64KQuants[i]
		kt := k.kqType(t)
		for _, p := range k.paths(t) {
			for _, bad := range []struct{ n, xb, yb int }{{512, kt.bytes, 2 * kqQ8KBytes}, {512, 2 * kt.bytes, kqQ8KBytes}, {300, kt.bytes, kqQ8KBytes}} {
				func() {
					defer func() {
						msg, _ := recover().(string)
						if !strings.HasPrefix(msg, "kernels: ") {
							t.Errorf("%s %s n=%d: recovered %q, want a kernels: panic", kt.dir, p.name, bad.n, msg)
						}
					}()
					p.f(bad.n, make([]byte, bad.xb), make([]byte, bad.yb))
				}()
			}
		}
	}
}

// TestARM64Q8BlockFixtures holds the variants of the 32-element families to
// ggml's results and to the exact value on the fixture rows.
func TestARM64Q8BlockFixtures(t *testing.T) {
	for i := range arm64Q8Blocks {
		k := &arm64Q8Blocks[i]
		t.Run(k.wt.String(), func(t *testing.T) {
			f := loadFixture(t, k.wt.String())
			for _, p := range k.paths(t) {
				for r := 0; r < fixtureRows; r++ {
					want, absSum := refDot(t, k.wt, f.row(r), k.yt, f.yq, fixtureCols)
					got := p.f(fixtureCols, f.row(r), f.yq)
					checkDot(t, fmt.Sprintf("%s row %d vs ggml", p.name, r), got, float64(f.dot[r]), absSum, dotTol)
					checkDot(t, fmt.Sprintf("%s row %d vs exact", p.name, r), got, want, absSum, dotTol)
				}
			}
		})
	}
}

// TestARM64Q8BlockRandom checks the variants of the 32-element families
// against the exact reference and the Go twin on rows of every length up to
// 18 blocks and longer ones (every tail of the two-block loop), of random,
// zero, extreme and mixed blocks, at unaligned addresses.
func TestARM64Q8BlockRandom(t *testing.T) {
	for i := range arm64Q8Blocks {
		k := &arm64Q8Blocks[i]
		t.Run(k.wt.String(), func(t *testing.T) {
			paths := k.paths(t)
			twin := dotQ8_0Generic
			if k.wt == quant.Q4_0 {
				twin = dotQ4_0Generic
			}
			rng := newRNG(uint64(k.wt)<<8 | 64)
			for _, n := range raggedLengths(32, 70) {
				for kind := blockRandom; kind <= blockMixed; kind++ {
					x := embed(rng, randRow(t, rng, k.wt, n, kind))
					y := embed(rng, randRow(t, rng, k.yt, n, kind%2*blockMixed))
					want, absSum := refDot(t, k.wt, x, k.yt, y, n)
					tw := twin(n, x, y)
					for _, p := range paths {
						got := p.f(n, x, y)
						what := fmt.Sprintf("%s n=%d %v", p.name, n, kind)
						checkDot(t, what+" vs exact", got, want, absSum, dotTol)
						checkDot(t, what+" vs go", got, float64(tw), absSum, dotTol)
					}
				}
			}
			for _, p := range paths {
				if got := p.f(0, nil, nil); got != 0 {
					t.Errorf("%s n=0: got %g", p.name, got)
				}
			}
		})
	}
}

// TestARM64Q8BlockMinus128 feeds −128 quants, which ggml's quantizers never
// write but a file may hold: the NEON variant must not overflow its int16
// products (−128·−128 = 16384, two of which do not fit).
func TestARM64Q8BlockMinus128(t *testing.T) {
	for i := range arm64Q8Blocks {
		k := &arm64Q8Blocks[i]
		t.Run(k.wt.String(), func(t *testing.T) {
			paths := k.paths(t)
			const nb = 5
			n := 32 * nb
			x := make([]byte, nb*k.wt.TypeSize())
			y := make([]byte, nb*bytesQ8_0)
			for b := 0; b < nb; b++ {
				xb, yb := x[b*k.wt.TypeSize():], y[b*bytesQ8_0:]
				putF16(xb, 0.5)
				putF16(yb, -0.25)
				for j := 2; j < k.wt.TypeSize(); j++ {
					xb[j] = 0x80 // q8_0: −128; q4_0: nibbles 0 and 8, i.e. −8 and 0
				}
				for j := 2; j < bytesQ8_0; j++ {
					yb[j] = 0x80
				}
			}
			want, absSum := refDot(t, k.wt, x, k.yt, y, n)
			for _, p := range paths {
				checkDot(t, p.name, p.f(n, x, y), want, absSum, dotTol)
			}
		})
	}
}

// TestARM64Q8BlockBadLength checks the panics of the assembly wrappers.
func TestARM64Q8BlockBadLength(t *testing.T) {
	for i := range arm64Q8Blocks {
		k := &arm64Q8Blocks[i]
		xb := k.wt.TypeSize()
		for _, p := range k.paths(t) {
			for _, bad := range []struct{ n, xl, yl int }{{64, xb, 2 * bytesQ8_0}, {64, 2 * xb, bytesQ8_0}, {48, 2 * xb, 2 * bytesQ8_0}, {-32, 0, 0}} {
				func() {
					defer func() {
						msg, _ := recover().(string)
						if !strings.HasPrefix(msg, "kernels: ") {
							t.Errorf("%v %s n=%d: recovered %q, want a kernels: panic", k.wt, p.name, bad.n, msg)
						}
					}()
					p.f(bad.n, make([]byte, bad.xl), make([]byte, bad.yl))
				}()
			}
		}
	}
}

// BenchmarkARM64KQuantDot measures the arm64 k-quant variants the way
// BenchmarkKQuantDot measures the Go twins (16 rows of 4096 weights against
// one activation row; ns/256 and cpu-ns/256 per 256-element block); the
// q8_0 and q4_0 variants show up in BenchmarkDot. Timings under qemu mean
// nothing; run it on arm64 hardware.
func BenchmarkARM64KQuantDot(b *testing.B) {
	const n = 4096
	const rows = kqBenchValues / n
	r := rand.New(rand.NewPCG(7, 8))
	for i := range arm64KQuants {
		k := &arm64KQuants[i]
		kt := k.kqType(b)
		rowBytes := n / 256 * kt.bytes
		x := make([]byte, rows*rowBytes)
		for blk := 0; blk < len(x)/kt.bytes; blk++ {
			kt.randBlock(r, x[blk*kt.bytes:(blk+1)*kt.bytes])
		}
		y := make([]byte, n/256*kqQ8KBytes)
		kqRandQ8K(r, y, n/256, -127, 127)
		for _, p := range k.paths(b) {
			b.Run(kt.dir+"/"+p.name, func(b *testing.B) {
				b.SetBytes(int64(len(x)))
				var s float32
				kqMeasure(b, kqBenchValues/256, func() {
					for row := 0; row < rows; row++ {
						s += p.f(n, x[row*rowBytes:(row+1)*rowBytes], y)
					}
				})
				kqSink = s
			})
		}
	}
}
