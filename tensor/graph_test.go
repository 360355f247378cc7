package tensor

import (
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

func TestPlannerReusesArena(t *testing.T) {
	const n, steps = 1024, 10
	slot := 4 * n * 4 // a [n, 4] f32 tensor
	cases := []struct {
		name     string
		build    func(g *Graph, x *Tensor) *Tensor
		maxArena int
		want     func(x float64) float64
	}{
		// Cont cannot run in place: live are the current input and output.
		{"copies", func(g *Graph, x *Tensor) *Tensor {
			for i := 0; i < steps; i++ {
				x = g.Cont(x)
			}
			return x
		}, 2 * slot, func(x float64) float64 { return x }},
		// Scale overwrites its dying operand: one slot for the whole chain
		// (the first Scale reads the external input, so it gets a slot).
		{"in-place", func(g *Graph, x *Tensor) *Tensor {
			for i := 0; i < steps; i++ {
				x = g.Scale(x, 2)
			}
			return x
		}, slot, func(x float64) float64 { return x * 1024 }},
		// Two branches joined by Add: at most three slots live at once.
		{"diamond", func(g *Graph, x *Tensor) *Tensor {
			for i := 0; i < steps; i++ {
				a := g.Cont(x)
				b := g.Scale(x, 0.5)
				x = g.Add(a, b)
			}
			return x
		}, 3 * slot, func(x float64) float64 { return x * 57.6650390625 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			be := NewCPU(2)
			defer be.Close()
			g := NewGraph()
			in := g.Input(quant.F32, n, 4)
			iv, _ := in.F32()
			for i := range iv {
				iv[i] = float32(i%7) - 3
			}
			out := g.Output(tc.build(g, in))
			if err := g.Compute(be); err != nil {
				t.Fatal(err)
			}
			if g.ArenaSize() > tc.maxArena {
				t.Errorf("arena %d bytes, want ≤ %d", g.ArenaSize(), tc.maxArena)
			}
			got := values(t, out)
			for i, v := range got {
				if want := tc.want(float64(iv[i])); v != want {
					t.Fatalf("element %d: got %v, want %v", i, v, want)
				}
			}
		})
	}
}

func TestOutputsSurvive(t *testing.T) {
	// An intermediate marked as output keeps its value although later
	// nodes would otherwise reuse its slot.
	be := NewCPU(1)
	defer be.Close()
	g := NewGraph()
	in := g.Input(quant.F32, 256)
	iv, _ := in.F32()
	for i := range iv {
		iv[i] = float32(i)
	}
	mid := g.Output(g.Cont(g.Scale(in, 3)))
	x := mid
	for i := 0; i < 5; i++ {
		x = g.Cont(g.Scale(x, 0.5))
	}
	last := g.Output(x)
	if err := g.Compute(be); err != nil {
		t.Fatal(err)
	}
	mv, lv := values(t, mid), values(t, last)
	for i := range mv {
		if mv[i] != 3*float64(i) || lv[i] != 3*float64(i)/32 {
			t.Fatalf("element %d: mid %v last %v", i, mv[i], lv[i])
		}
	}
}

func TestRecomputeWithNewInputs(t *testing.T) {
	// A graph built once can be computed many times with refilled inputs
	// (no re-planning, same arena).
	be := NewCPU(2)
	defer be.Close()
	g := NewGraph()
	in := g.Input(quant.F32, 8, 3)
	out := g.Output(g.SumRows(g.Scale(in, 2)))
	iv, _ := in.F32()
	for round := 0; round < 3; round++ {
		for i := range iv {
			iv[i] = float32(round + i)
		}
		if err := g.Compute(be); err != nil {
			t.Fatal(err)
		}
		ov, _ := out.F32()
		for r := 0; r < 3; r++ {
			want := float32(0)
			for i := 0; i < 8; i++ {
				want += 2 * float32(round+r*8+i)
			}
			if ov[r] != want {
				t.Fatalf("round %d row %d: %v, want %v", round, r, ov[r], want)
			}
		}
	}
}

func TestPlanReservesArena(t *testing.T) {
	be := NewCPU(1)
	defer be.Close()
	g := NewGraph()
	build := func(n int) *Tensor {
		g.Reset()
		in := g.Input(quant.F32, n)
		return g.Output(g.Cont(g.Cont(in)))
	}
	build(4096)
	if err := g.Plan(be); err != nil {
		t.Fatal(err)
	}
	arena := g.arena
	for _, n := range []int{16, 1000, 4096} {
		build(n)
		if err := g.Compute(be); err != nil {
			t.Fatal(err)
		}
		if g.arena != arena {
			t.Fatalf("n=%d: the arena was reallocated", n)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	ext := external(t, quant.F32, make([]float32, 12), 4, 3)
	cases := []struct {
		name  string
		build func(g *Graph)
		want  string
	}{
		{"mul_mat shapes", func(g *Graph) { g.MulMat(ext, g.Input(quant.F32, 5, 2)) }, "mul_mat: shapes"},
		{"broadcast", func(g *Graph) { g.Add(ext, g.Input(quant.F32, 3)) }, "cannot be broadcast"},
		{"reshape size", func(g *Graph) { g.Reshape(ext, 5, 2) }, "elements"},
		{"reshape non-contiguous", func(g *Graph) { g.Reshape(g.Transpose(ext), 12) }, "not contiguous"},
		{"permute axes", func(g *Graph) { g.Permute(ext, 0, 0, 1, 2) }, "not a permutation"},
		{"view out of bounds", func(g *Graph) { g.View1D(ext, 8, 24) }, "exceed"},
		{"rope dims", func(g *Graph) {
			g.Rope(g.Input(quant.F32, 8, 2, 3), g.Input(quant.I32, 3), nil, RopeParams{Dims: 10})
		}, "rotated dimensions"},
		{"types", func(g *Graph) { g.RMSNorm(g.Input(quant.I32, 4), 1e-5) }, "has type i32"},
		{"nil operand", func(g *Graph) { g.Silu(nil) }, "nil operand"},
		{"attn kv type", func(g *Graph) {
			k := g.Input(quant.BF16, 4, 5, 1)
			g.FlashAttn(g.Input(quant.F32, 4, 2, 1), k, k, AttnParams{})
		}, "k/v types"},
		{"window without positions", func(g *Graph) {
			k := g.Input(quant.F16, 4, 5, 1)
			g.FlashAttn(g.Input(quant.F32, 4, 2, 1), k, k, AttnParams{Window: 3})
		}, "sliding window"},
		{"output of a weight", func(g *Graph) { g.Output(ext) }, "not made by this graph"},
		{"cpy sizes", func(g *Graph) { g.Cpy(ext, g.Input(quant.F16, 5)) }, "differ in size"},
		{"mul_mat_id ids", func(g *Graph) {
			g.MulMatID(g.Input(quant.F32, 4, 3, 2), g.Input(quant.F32, 4, 1, 2), g.Input(quant.I32, 1, 3))
		}, "do not match"},
	}
	be := NewCPU(1)
	defer be.Close()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph()
			tc.build(g)
			if g.Err() == nil || !strings.Contains(g.Err().Error(), tc.want) {
				t.Fatalf("Err() = %v, want it to mention %q", g.Err(), tc.want)
			}
			// Later constructors are no-ops that return a usable placeholder.
			x := g.Silu(g.Scale(g.Input(quant.F32, 4), 2))
			if x == nil || x.Elements() != 1 {
				t.Fatalf("placeholder %v", x)
			}
			if err := g.Compute(be); err == nil || err.Error() != g.Err().Error() {
				t.Fatalf("Compute = %v, want the build error", err)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	be := NewCPU(2)
	defer be.Close()
	cases := []struct {
		name  string
		build func(g *Graph) *Tensor
		want  string
	}{
		{"get_rows index", func(g *Graph) *Tensor {
			idx := g.Input(quant.I32, 2)
			iv, _ := idx.I32()
			iv[0], iv[1] = 1, 7
			return g.GetRows(external(t, quant.F32, make([]float32, 12), 4, 3), idx)
		}, "index 7 out of range"},
		{"mul_mat_id expert", func(g *Graph) *Tensor {
			ids := g.Input(quant.I32, 1, 2)
			iv, _ := ids.I32()
			iv[0], iv[1] = 0, -1
			return g.MulMatID(g.Input(quant.F32, 4, 3, 2), g.Input(quant.F32, 4, 1, 2), ids)
		}, "expert id -1"},
		{"set_rows index", func(g *Graph) *Tensor {
			idx := g.Input(quant.I32, 1)
			iv, _ := idx.I32()
			iv[0] = 3
			dst := external(t, quant.F16, make([]float32, 12), 4, 3)
			return g.SetRows(dst, g.Input(quant.F32, 4, 1), idx)
		}, "row index 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph()
			g.Output(tc.build(g))
			err := g.Compute(be)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compute = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestStaleAndForeignTensors(t *testing.T) {
	g1, g2 := NewGraph(), NewGraph()
	a := g1.Input(quant.F32, 4)
	g2.Silu(a)
	if g2.Err() == nil || !strings.Contains(g2.Err().Error(), "another graph") {
		t.Errorf("foreign operand: %v", g2.Err())
	}
	b := g1.Silu(a)
	g1.Reset()
	g1.Input(quant.F32, 4) // reuses a's slot; b's is not reused
	g1.Silu(b)
	if g1.Err() == nil || !strings.Contains(g1.Err().Error(), "stale") {
		t.Errorf("stale operand: %v", g1.Err())
	}
}

func TestNewChecksSize(t *testing.T) {
	if _, err := New(quant.F32, make([]byte, 15), 4); err == nil {
		t.Error("New accepted 15 bytes for 4 floats")
	}
	if _, err := New(quant.Q4K, make([]byte, 144), 100); err == nil {
		t.Error("New accepted a q4_K row that is not whole blocks")
	}
	if _, err := New(quant.Type(99), nil, 1); err == nil {
		t.Error("New accepted an unknown type")
	}
	if x, err := New(quant.Q4K, make([]byte, 2*144), 256, 2); err != nil || x.Bytes() != 288 {
		t.Errorf("q4_K [256, 2]: %v, %d bytes", err, x.Bytes())
	}
}

func TestRegistry(t *testing.T) {
	r, ok := RegByName("CPU")
	if !ok {
		t.Fatal("CPU backend not registered")
	}
	devs := r.Devices()
	if len(devs) != 1 || devs[0].Type() != DeviceCPU || devs[0].Description() == "" {
		t.Fatalf("devices %v", devs)
	}
	be, err := devs[0].Init(BackendOptions{Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if be.Name() != "CPU" || be.(*CPU).Threads() != 3 {
		t.Errorf("backend %s with %d threads", be.Name(), be.(*CPU).Threads())
	}
	buf, err := be.Alloc(1000)
	if err != nil || len(buf.Bytes()) != 1000 || uintptrOf(buf.Bytes())%alignment != 0 {
		t.Fatalf("Alloc: %v", err)
	}
	buf.Free()
	if err := Register(cpuReg{}); err == nil {
		t.Error("registering CPU twice succeeded")
	}
	if _, err := InitBackend("NoSuchBackend", BackendOptions{}); err == nil {
		t.Error("InitBackend of an unknown name succeeded")
	}
	found := false
	for _, r := range Regs() {
		found = found || r.Name() == "CPU"
	}
	if !found {
		t.Error("Regs does not list CPU")
	}
	d, err := DefaultBackend()
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
}

// TestSharedWeightsConcurrently runs two graphs on two backends at the same
// time over the same external weights (as two sequences of one model would)
// and checks both results against a serial run.
func TestSharedWeightsConcurrently(t *testing.T) {
	rng := newRNG(20)
	w := external(t, quant.F32, randFloats(rng, 64*48, 1), 64, 48)
	view := func(g *Graph) *Tensor { return g.View2D(w, 64, 24, w.nb[1], 24*w.nb[1]) }
	build := func(g *Graph, seed float32) *Tensor {
		x := g.Input(quant.F32, 64, 3)
		xv, _ := x.F32()
		for i := range xv {
			xv[i] = seed + float32(i%13)
		}
		return g.Output(g.Silu(g.MulMat(view(g), g.RMSNorm(x, 1e-5))))
	}
	want := make([][]float64, 2)
	for i := range want {
		be := NewCPU(1)
		g := NewGraph()
		out := build(g, float32(i))
		if err := g.Compute(be); err != nil {
			t.Fatal(err)
		}
		want[i] = values(t, out)
		be.Close()
	}
	done := make(chan error, 2)
	got := make([][]float64, 2)
	for i := 0; i < 2; i++ {
		go func() {
			be := NewCPU(2)
			defer be.Close()
			g := NewGraph()
			for round := 0; round < 20; round++ {
				g.Reset()
				out := build(g, float32(i))
				if err := g.Compute(be); err != nil {
					done <- err
					return
				}
				got[i] = values(t, out)
			}
			done <- nil
		}()
	}
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i := range want {
		checkClose(t, got[i], want[i], func(int) float64 { return 0 })
	}
}

func TestOutputAfterComputeReplans(t *testing.T) {
	// Marking another output after a Compute must keep that tensor's value
	// on the next Compute (the plan is redone).
	be := NewCPU(1)
	defer be.Close()
	g := NewGraph()
	in := g.Input(quant.F32, 64)
	iv, _ := in.F32()
	for i := range iv {
		iv[i] = float32(i)
	}
	mid := g.Cont(g.Scale(in, 2))
	x := mid
	for i := 0; i < 4; i++ {
		x = g.Cont(g.Scale(x, 0.5))
	}
	g.Output(x)
	if err := g.Compute(be); err != nil {
		t.Fatal(err)
	}
	g.Output(mid)
	if err := g.Compute(be); err != nil {
		t.Fatal(err)
	}
	for i, v := range values(t, mid) {
		if v != 2*float64(i) {
			t.Fatalf("element %d: %v, want %v", i, v, 2*float64(i))
		}
	}
}
