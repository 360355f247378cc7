package tensor

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/klauspost/cpuid/v2"
)

func init() {
	if err := Register(cpuReg{}); err != nil {
		panic(err) // only a second registration of "CPU" in this package could cause it
	}
}

// cpuReg is the CPU backend's registry entry; it has one device.
type cpuReg struct{}

func (cpuReg) Name() string      { return "CPU" }
func (cpuReg) Devices() []Device { return []Device{cpuDevice{}} }

// cpuDevice is the host CPU; Init starts a CPU backend on it.
type cpuDevice struct{}

func (cpuDevice) Name() string { return "CPU" }
func (cpuDevice) Description() string {
	if name := cpuid.CPU.BrandName; name != "" {
		return name
	}
	return runtime.GOARCH + " CPU"
}
func (cpuDevice) Type() DeviceType             { return DeviceCPU }
func (cpuDevice) Memory() (free, total uint64) { return 0, 0 }
func (cpuDevice) Init(opts BackendOptions) (Backend, error) {
	if opts.Threads < 0 {
		return nil, fmt.Errorf("tensor: %d threads", opts.Threads)
	}
	return NewCPU(opts.Threads), nil
}

// CPU is the CPU backend: a persistent pool of worker goroutines that run
// every node of a graph together, each taking its share (rows of the
// result, or row chunks from a shared counter for matrix products), with a
// barrier between nodes. A CPU backend runs one graph at a time; Compute
// calls from several goroutines are serialised.
type CPU struct {
	n    int
	pool *pool

	mu      sync.Mutex
	steps   []step
	nsteps  int
	scratch []byte

	errMu sync.Mutex
	err   error
}

// NewCPU starts a CPU backend with the given number of worker threads
// (0: runtime.GOMAXPROCS(0)). Close stops the workers.
func NewCPU(threads int) *CPU {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	c := &CPU{n: threads}
	c.pool = newPool(threads, c.work)
	return c
}

// Name returns "CPU".
func (c *CPU) Name() string { return "CPU" }

// Device returns the CPU device.
func (c *CPU) Device() Device { return cpuDevice{} }

// Threads returns the number of worker threads.
func (c *CPU) Threads() int { return c.n }

// Close stops the worker goroutines.
func (c *CPU) Close() error {
	c.pool.close()
	return nil
}

// cpuBuffer is host memory handed out by CPU.Alloc.
type cpuBuffer struct{ b []byte }

func (b *cpuBuffer) Bytes() []byte { return b.b }
func (b *cpuBuffer) Free()         { b.b = nil }

// Alloc returns n bytes of 64-byte aligned host memory.
func (c *CPU) Alloc(n int) (Buffer, error) {
	if n < 0 {
		return nil, fmt.Errorf("tensor: alloc of %d bytes", n)
	}
	return &cpuBuffer{alignedBytes(n)}, nil
}

// step is one unit of work between two barriers: a node, or one phase of a
// node that needs several (matrix products convert their activations
// first).
type step struct {
	t       *Tensor
	phase   int8
	counter atomic.Int64 // next work item, for dynamically shared work
	// ranges, when set, are the work items split into one contiguous
	// range per worker (one-column matrix products): a worker walks its
	// own range from the front and, once done, takes items from the back
	// of the others' (see claimItem).
	ranges    []itemRange
	useRanges bool

	shared    int // bytes of scratch shared by all workers
	perThread int // bytes of scratch per worker, after the shared part

	mm   mulMatPlan
	mmid mulMatIDLayout
}

func alignUp(n int) int { return (n + alignment - 1) &^ (alignment - 1) }

func (c *CPU) addStep(t *Tensor, phase int8) *step {
	if c.nsteps == len(c.steps) {
		c.steps = append(c.steps, step{})
	}
	s := &c.steps[c.nsteps]
	c.nsteps++
	s.t, s.phase = t, phase
	s.counter.Store(0)
	s.useRanges = false
	s.shared, s.perThread = 0, 0
	s.mm, s.mmid = mulMatPlan{}, mulMatIDLayout{}
	return s
}

// prepare turns the graph's nodes into steps and sizes the scratch memory.
func (c *CPU) prepare(g *Graph) {
	c.nsteps = 0
	need := 0
	for _, t := range g.Nodes() {
		first := c.nsteps
		var shared, per int
		switch t.op {
		case OpMulMat:
			a, b := t.src[0], t.src[1]
			p := planMulMat(a, b)
			per = 4 * (b.ne[0] + driver.tmpFloats(a.ne[0]))
			switch {
			case p.convert && b.Rows() == 1 && c.n > 1:
				p.own = true
				per = ownOffset(b, a.ne[0]) + p.xrs
			case p.convert:
				shared = b.Rows() * p.xrs
				c.addStep(t, 0).mm = p
			}
			run := c.addStep(t, 1)
			run.mm = p
			if b.ne[1] == 1 {
				c.splitItems(run, mulMatItems(a, b))
			}
		case OpMulMatID:
			as, b := t.src[0], t.src[1]
			p := planMulMat(as, b)
			p.convert = true
			l, sh := mulMatIDScratch(t, p)
			shared = sh
			per = 4 * (b.ne[0] + driver.tmpFloats(as.ne[0]))
			for ph := int8(0); ph < 4; ph++ {
				s := c.addStep(t, ph)
				s.mm, s.mmid = p, l
			}
		case OpRope, OpSoftMax, OpTopK:
			per = 4 * t.src[0].ne[0]
			c.addStep(t, 0)
		case OpCpy:
			per = 4 * t.src[0].ne[0]
			c.addStep(t, 0)
		case OpFlashAttn:
			per = attnScratch(t)
			c.addStep(t, 0)
		default:
			c.addStep(t, 0)
		}
		shared, per = alignUp(shared), alignUp(per)
		for i := first; i < c.nsteps; i++ {
			c.steps[i].shared, c.steps[i].perThread = shared, per
		}
		need = max(need, shared+c.n*per)
	}
	if len(c.scratch) < need {
		c.scratch = alignedBytes(need)
	}
}

// Compute runs the graph's planned nodes.
func (c *CPU) Compute(g *Graph) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prepare(g)
	c.err = nil
	if c.nsteps == 0 {
		return nil
	}
	c.pool.run()
	return c.err
}

// work is what every worker runs: all steps, with a barrier between two.
func (c *CPU) work(ith int) {
	for i := 0; i < c.nsteps; i++ {
		if i > 0 {
			c.pool.bar.wait()
		}
		c.exec(&c.steps[i], ith)
	}
}

func (c *CPU) setErr(err error) {
	c.errMu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.errMu.Unlock()
}

// threadFloats returns worker ith's scratch for step s as float32s.
func (c *CPU) threadFloats(s *step, ith int) []float32 {
	off := s.shared + ith*s.perThread
	return f32s(c.scratch[off : off+s.perThread])
}

func (c *CPU) threadBytes(s *step, ith int) []byte {
	off := s.shared + ith*s.perThread
	return c.scratch[off : off+s.perThread]
}

// exec runs worker ith's share of step s. A panic (a bug) is turned into
// an error so that the other workers still meet at the barriers.
func (c *CPU) exec(s *step, ith int) {
	defer func() {
		if r := recover(); r != nil {
			c.setErr(fmt.Errorf("%v %s: internal error: %v", s.t.op, s.t.label(), r))
		}
	}()
	nth := c.n
	t := s.t
	switch t.op {
	case OpMulMat:
		if s.phase == 0 {
			c.mulMatConvert(s, ith, nth)
		} else {
			c.mulMatRun(s, ith)
		}
	case OpMulMatID:
		switch s.phase {
		case 0:
			if ith == 0 {
				c.mulMatIDGroup(s)
			}
		case 1:
			c.mulMatIDConvert(s, ith, nth)
		case 2:
			c.mulMatIDRun(s, ith)
		case 3:
			c.mulMatIDScatter(s, ith, nth)
		}
	case OpGetRows:
		c.getRows(t, ith, nth)
	case OpAdd, OpSub, OpMul, OpDiv:
		c.binary(t, ith, nth)
	case OpScale, OpSilu, OpGelu, OpGeluErf, OpTanh, OpSoftcap:
		c.unary(t, ith, nth)
	case OpRMSNorm:
		c.rmsNorm(t, ith, nth)
	case OpNorm:
		c.norm(t, ith, nth)
	case OpRope:
		c.rope(s, ith, nth)
	case OpSoftMax:
		c.softMax(s, ith, nth)
	case OpSwiGLU, OpGeGLU, OpGeGLUErf:
		c.glu(t, ith, nth)
	case OpArgmax:
		c.argmax(t, ith, nth)
	case OpTopK:
		c.topK(s, ith, nth)
	case OpConcat:
		c.concat(t, ith, nth)
	case OpCpy:
		c.cpy(s, ith, nth)
	case OpSetRows:
		c.setRows(t, ith, nth)
	case OpSumRows:
		c.sumRows(t, ith, nth)
	case OpFlashAttn:
		c.flashAttn(s, ith)
	default:
		if ith == 0 {
			c.setErr(fmt.Errorf("%v %s: not supported by the CPU backend", t.op, t.label()))
		}
	}
}
