package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// event is a generation counter that goroutines wait on for a change. A
// waiter polls, yielding the processor to other goroutines, for a short
// time (most waits between two nodes are a few microseconds); then it
// sleeps between polls with a growing back-off, which leaves the core to
// the workers still busy when the machine is oversubscribed; after a long
// wait it blocks on a condition variable. Polling and sleeping allocate
// nothing, unlike blocking: a blocked goroutine takes a sudog from per-P
// caches that refill by allocating when goroutines migrate between Ps.
type event struct {
	gen      atomic.Uint32
	sleepers atomic.Int32
	mu       sync.Mutex
	cond     sync.Cond
}

const (
	waitSpins = 64                     // busy polls before yielding
	sleepMin  = 5 * time.Microsecond   // first sleep between polls
	sleepMax  = 500 * time.Microsecond // longest sleep between polls
	idleBlock = 20 * time.Millisecond  // sleeping time before blocking
	// barrierPoll is how long a worker polls at a barrier between two
	// nodes before it sleeps; startPoll how long an idle worker polls for
	// the next graph (a generation loop computes again within it).
	barrierPoll = 100 * time.Microsecond
	startPoll   = 200 * time.Microsecond
)

func (e *event) init() { e.cond.L = &e.mu }

// wait returns once the generation differs from old.
func (e *event) wait(old uint32, poll time.Duration) {
	var t0 time.Time
	for i := 0; ; i++ {
		if e.gen.Load() != old {
			return
		}
		if i < waitSpins {
			continue
		}
		runtime.Gosched()
		if i%32 == 0 {
			if t0.IsZero() {
				t0 = time.Now()
			} else if time.Since(t0) > poll {
				break
			}
		}
	}
	slept := time.Duration(0)
	for d := sleepMin; slept < idleBlock; d = min(2*d, sleepMax) {
		time.Sleep(d)
		slept += d
		if e.gen.Load() != old {
			return
		}
	}
	e.mu.Lock()
	e.sleepers.Add(1)
	for e.gen.Load() == old {
		e.cond.Wait()
	}
	e.sleepers.Add(-1)
	e.mu.Unlock()
}

// bump advances the generation and wakes blocked waiters.
func (e *event) bump() {
	e.gen.Add(1)
	if e.sleepers.Load() > 0 {
		e.mu.Lock()
		e.cond.Broadcast()
		e.mu.Unlock()
	}
}

// barrier is a reusable barrier for a fixed number of workers.
type barrier struct {
	n     int32
	count atomic.Int32
	done  event
}

func newBarrier(n int) *barrier {
	b := &barrier{n: int32(n)}
	b.done.init()
	return b
}

func (b *barrier) wait() {
	if b.n == 1 {
		return
	}
	gen := b.done.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.done.bump()
		return
	}
	b.done.wait(gen, barrierPoll)
}

// pool is a fixed set of worker goroutines that run a job together: every
// worker walks the same list of steps, does its share of each, and meets
// the others at the barrier before the next step. The caller of run is
// worker 0, so n workers use n-1 goroutines. No goroutine is started per
// op or per compute.
type pool struct {
	n      int
	start  event // bumped to start a job
	bar    *barrier
	work   func(ith int) // the job: walks the current step list
	closed atomic.Bool
}

// newPool starts n-1 workers that run work (set once, so that running a job
// allocates nothing).
func newPool(n int, work func(ith int)) *pool {
	p := &pool{n: n, bar: newBarrier(n), work: work}
	p.start.init()
	for i := 1; i < n; i++ {
		go p.worker(i, p.start.gen.Load())
	}
	return p
}

// worker runs jobs until the pool closes; seen is the start generation
// when it was created (a job started before the goroutine runs is not
// missed).
func (p *pool) worker(ith int, seen uint32) {
	for {
		p.start.wait(seen, startPoll)
		seen = p.start.gen.Load()
		if p.closed.Load() {
			return
		}
		p.work(ith)
		p.bar.wait()
	}
}

// run executes work(ith) on every worker and returns when all are done.
func (p *pool) run() {
	p.start.bump()
	p.work(0)
	p.bar.wait()
}

// close stops the workers.
func (p *pool) close() {
	if !p.closed.Swap(true) {
		p.start.bump()
	}
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
