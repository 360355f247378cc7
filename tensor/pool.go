package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// barrier is a reusable barrier for a fixed number of workers. Waiters spin
// briefly (the next node usually starts within microseconds), then yield,
// then sleep on a condition variable so that a long single-worker stretch
// does not burn the other cores.
type barrier struct {
	n        int32
	count    atomic.Int32
	gen      atomic.Uint32
	sleepers atomic.Int32
	mu       sync.Mutex
	cond     sync.Cond
}

const (
	barrierSpins  = 100 // busy polls before yielding
	barrierYields = 200 // runtime.Gosched polls before sleeping
)

func newBarrier(n int) *barrier {
	b := &barrier{n: int32(n)}
	b.cond.L = &b.mu
	return b
}

func (b *barrier) wait() {
	if b.n == 1 {
		return
	}
	gen := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.gen.Add(1)
		if b.sleepers.Load() > 0 {
			b.mu.Lock()
			b.cond.Broadcast()
			b.mu.Unlock()
		}
		return
	}
	for i := 0; i < barrierSpins+barrierYields; i++ {
		if b.gen.Load() != gen {
			return
		}
		if i >= barrierSpins {
			runtime.Gosched()
		}
	}
	b.mu.Lock()
	b.sleepers.Add(1)
	for b.gen.Load() == gen {
		b.cond.Wait()
	}
	b.sleepers.Add(-1)
	b.mu.Unlock()
}

// pool is a fixed set of worker goroutines that run a job together: every
// worker walks the same list of steps, does its share of each, and meets
// the others at the barrier before the next step. The caller of run is
// worker 0, so n workers use n-1 goroutines. No goroutine is started per
// op or per compute.
type pool struct {
	n    int
	wake []chan struct{} // wake[i] starts worker i (i ≥ 1)
	bar  *barrier
	work func(ith int) // the job: walks the current step list
	once sync.Once
}

// newPool starts n-1 workers that run work (set once, so that running a job
// allocates nothing).
func newPool(n int, work func(ith int)) *pool {
	p := &pool{n: n, bar: newBarrier(n), wake: make([]chan struct{}, n), work: work}
	for i := 1; i < n; i++ {
		p.wake[i] = make(chan struct{})
		go p.worker(i)
	}
	return p
}

func (p *pool) worker(ith int) {
	for range p.wake[ith] {
		p.work(ith)
		p.bar.wait()
	}
}

// run executes work(ith) on every worker and returns when all are done.
func (p *pool) run() {
	for i := 1; i < p.n; i++ {
		p.wake[i] <- struct{}{}
	}
	p.work(0)
	p.bar.wait()
}

// close stops the workers.
func (p *pool) close() {
	p.once.Do(func() {
		for i := 1; i < p.n; i++ {
			close(p.wake[i])
		}
	})
}

// split returns the part [lo, hi) of n items that worker ith of nth does.
func split(n, ith, nth int) (lo, hi int) {
	per := (n + nth - 1) / nth
	lo = per * ith
	hi = lo + per
	if lo > n {
		lo = n
	}
	if hi > n {
		hi = n
	}
	return lo, hi
}
