package tensor

import (
	"errors"
	"fmt"

	"github.com/gollm/gollm/quant"
)

const (
	maxSrc    = 5
	maxParams = 12
	blockLen  = 256 // tensors per slab block
	alignment = 64  // byte alignment of arena and input slots
)

// Graph builds and runs a computation. Op methods (MulMat, RMSNorm, …)
// append nodes in call order, which is a topological order because an op's
// operands exist before it; Compute plans memory and runs the nodes on a
// backend.
//
// A Graph is reusable: Reset forgets every node but keeps the memory (the
// tensor slab, the input area, the arena and the planner's tables), so a
// model can rebuild its per-token graph from scratch each step without
// allocating once the graph has reached its largest shape. A graph can also
// be built once and computed many times, refilling its inputs in between.
//
// Errors from op constructors (shape or type mismatches) are sticky: the
// failing constructor returns a placeholder tensor, later constructors are
// no-ops, and Err and Compute report the first error. Building code therefore
// needs no error checks per op.
//
// A Graph is not safe for concurrent use.
type Graph struct {
	blocks []*[blockLen]Tensor
	nodes  []*Tensor // every tensor created since Reset, in creation order
	gen    uint32    // incremented by Reset; tensors remember the generation they were made in
	err    error
	bad    Tensor // the placeholder returned after an error

	inputs inputArea

	// planner state, reused across steps
	planned   bool // the last plan is still valid (no node or output added since)
	plannedBE Backend
	exec      []*Tensor // compute nodes to run, in order
	free      freeList
	arena     Buffer
	arenaBE   Backend
	arenaSize int // bytes the last plan needed
	hasOutput bool
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{} }

// Reset forgets all nodes and inputs so that the graph can be built again.
// Tensors created before Reset must not be used afterwards: their memory is
// recycled for the new nodes (a stale tensor is reported when its slot has
// not been reused yet, but not always). The arena is kept: its contents are
// overwritten by the next Compute.
func (g *Graph) Reset() {
	g.nodes = g.nodes[:0]
	g.gen++
	g.err = nil
	g.inputs.reset()
	g.planned = false
	g.plannedBE = nil
	g.exec = g.exec[:0]
	g.hasOutput = false
}

// Err returns the first error recorded while building, or nil.
func (g *Graph) Err() error { return g.err }

// Len returns the number of tensors created since the last Reset.
func (g *Graph) Len() int { return len(g.nodes) }

// fail records err (the first one wins) and returns the placeholder tensor.
func (g *Graph) fail(err error) *Tensor {
	if g.err == nil {
		g.err = err
	}
	g.bad = Tensor{typ: quant.F32, ne: [4]int{1, 1, 1, 1}, nb: [4]int{4, 4, 4, 4}, g: g, idx: -1}
	return &g.bad
}

func (g *Graph) failf(format string, args ...any) *Tensor {
	return g.fail(fmt.Errorf("tensor: "+format, args...))
}

// ok checks that the operands belong to this graph or are external, and
// that no error has been recorded. It reports false when the op must not be
// built.
func (g *Graph) ok(ts ...*Tensor) bool {
	if g.err != nil {
		return false
	}
	for _, t := range ts {
		if t == nil {
			g.fail(errors.New("tensor: nil operand"))
			return false
		}
		if t.g != nil && t.g != g {
			g.fail(fmt.Errorf("tensor: operand %s belongs to another graph", t.label()))
			return false
		}
		if t.g == g && (t.gen != g.gen || t.idx < 0 || int(t.idx) >= len(g.nodes) || g.nodes[t.idx] != t) {
			g.fail(fmt.Errorf("tensor: operand %s is stale (built before Reset)", t.label()))
			return false
		}
	}
	return true
}

// newTensor takes a fresh tensor from the slab.
func (g *Graph) newTensor() *Tensor {
	n := len(g.nodes)
	b, i := n/blockLen, n%blockLen
	if b == len(g.blocks) {
		g.blocks = append(g.blocks, new([blockLen]Tensor))
	}
	t := &g.blocks[b][i]
	*t = Tensor{g: g, gen: g.gen, idx: int32(n), lastUse: -1}
	g.nodes = append(g.nodes, t)
	g.planned = false
	return t
}

// newOp creates the result tensor of op with a contiguous layout.
func (g *Graph) newOp(op Op, typ quant.Type, ne [4]int, srcs ...*Tensor) *Tensor {
	t := g.newTensor()
	t.op = op
	t.typ = typ
	t.ne = ne
	if err := t.setContiguous(); err != nil {
		g.nodes = g.nodes[:len(g.nodes)-1]
		return g.fail(fmt.Errorf("tensor: %v: %w", op, err))
	}
	copy(t.src[:], srcs)
	return t
}

// Input returns a new tensor of type typ and shape ne whose contents the
// caller fills (token ids, positions, masks…) before Compute. Its storage is
// available at once (Data, F32, I32) and stays valid until Reset.
func (g *Graph) Input(typ quant.Type, ne ...int) *Tensor {
	if g.err != nil {
		return &g.bad
	}
	t := g.newTensor()
	if err := t.init(typ, ne); err != nil {
		g.nodes = g.nodes[:len(g.nodes)-1]
		return g.fail(err)
	}
	t.kind = storageInput
	t.data = g.inputs.alloc(t.Bytes())
	return t
}

// Output marks t as a result the caller reads after Compute: its storage is
// not reused by later nodes, and the nodes it depends on are computed. If no
// tensor is marked, the last node created is the output.
func (g *Graph) Output(t *Tensor) *Tensor {
	if !g.ok(t) {
		return &g.bad
	}
	if t.g != g {
		return g.failf("output %s was not made by this graph", t.label())
	}
	t.output = true
	g.hasOutput = true
	g.planned = false
	return t
}

// Nodes returns the compute nodes of the last plan, in execution order.
// Backends walk this list; it is valid until the graph changes.
func (g *Graph) Nodes() []*Tensor { return g.exec }

// ArenaSize returns the bytes of intermediate storage the last plan needed.
func (g *Graph) ArenaSize() int { return g.arenaSize }

// inputArea hands out input storage. It grows by adding chunks (so earlier
// slices stay valid) and consolidates them into one chunk on reset.
type inputArea struct {
	chunks [][]byte
	used   int // bytes used in the last chunk
	total  int // bytes handed out since reset
}

func (a *inputArea) alloc(n int) []byte {
	n0 := n
	n = (n + alignment - 1) &^ (alignment - 1)
	a.total += n
	if len(a.chunks) > 0 {
		c := a.chunks[len(a.chunks)-1]
		if a.used+n <= len(c) {
			s := c[a.used : a.used+n0 : a.used+n0]
			a.used += n
			return s
		}
	}
	size := 4096
	if len(a.chunks) > 0 {
		size = 2 * len(a.chunks[len(a.chunks)-1])
	}
	for size < n {
		size *= 2
	}
	a.chunks = append(a.chunks, alignedBytes(size))
	a.used = n
	return a.chunks[len(a.chunks)-1][:n0:n0]
}

func (a *inputArea) reset() {
	if len(a.chunks) > 1 {
		size := 0
		for _, c := range a.chunks {
			size += len(c)
		}
		a.chunks = append(a.chunks[:0], alignedBytes(size))
	}
	a.used = 0
	a.total = 0
}

// alignedBytes returns n zeroed bytes starting at a 64-byte boundary.
func alignedBytes(n int) []byte {
	b := make([]byte, n+alignment)
	off := 0
	if r := int(uintptrOf(b) % alignment); r != 0 {
		off = alignment - r
	}
	return b[off : off+n : off+n]
}
