package server

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/chat"
	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/server/store"
)

// The scheduler. A runner is one loaded model (at one context size); it
// owns a pool of slots, each a sequence of its own (today a gollm.Session
// with its own KV cache). A request first gets the runner (loading the
// model if needed, apart from the request so that a client leaving does not
// waste a load and other models are not held up), then a slot from the
// pool, waiting in the pool's FIFO queue when all are busy.
//
// For continuous batching later, a slot becomes a sequence id in the
// runner's shared batch: the pool and queue stay as they are, and
// slot.generate is the one place that changes.

// runnerKey identifies a runner: the model (by canonical name and digest,
// so a re-pulled model loads afresh) and its context size.
type runnerKey struct {
	name, digest string
	ctx          int
}

// sequence is what a slot generates with: a gollm.Session, or the
// gollm.Model itself (its default session) for the first slot.
type sequence interface {
	GenerateTokens(ctx context.Context, prompt []int32, opts gollm.GenerateOptions) iter.Seq2[gollm.Token, error]
	Embed(ctx context.Context, text string, pool gollm.Pooling) ([]float32, error)
}

// slot is one sequence of a runner and the tokens it last held, for
// choosing the slot whose KV cache shares the longest prefix with a new
// prompt.
type slot struct {
	id      int
	seq     sequence
	history []int32
}

// generate runs one generation on the slot, remembering its tokens.
func (sl *slot) generate(ctx context.Context, prompt []int32, opts gollm.GenerateOptions) iter.Seq2[gollm.Token, error] {
	return func(yield func(gollm.Token, error) bool) {
		sl.history = append(sl.history[:0], prompt...)
		for tok, err := range sl.seq.GenerateTokens(ctx, prompt, opts) {
			if err == nil && tok.ID >= 0 {
				sl.history = append(sl.history, tok.ID)
			}
			if !yield(tok, err) {
				return
			}
		}
	}
}

func (sl *slot) embed(ctx context.Context, text string, pool gollm.Pooling) ([]float32, error) {
	sl.history = sl.history[:0] // Embed clears the session's cache
	return sl.seq.Embed(ctx, text, pool)
}

// runner is one loaded (or loading) model.
type runner struct {
	key   runnerKey
	ref   *store.Model
	ready chan struct{} // closed when loading has ended
	// Set before ready is closed:
	err      error
	model    *gollm.Model
	tmpl     *chat.Template // the chat template in use
	pooling  gollm.Pooling
	slots    *slotPool
	loadTime time.Duration
	loadedAt time.Time

	// Guarded by Server.mu:
	active    int // requests holding or waiting for the runner
	keepAlive time.Duration
	expiresAt time.Time // zero while active or kept forever
	timer     *time.Timer
	timerGen  int
	lastUsed  time.Time
}

func (r *runner) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.timerGen++
}

// unload waits for the load to end and frees the model.
func (r *runner) unload() {
	<-r.ready
	if r.model != nil {
		r.model.Close()
	}
}

// ctxSize returns the context size a request gets: its num_ctx, else the
// server's default, capped at the model's training context.
func (s *Server) ctxSize(ref *store.Model, numCtx int) (int, error) {
	n := numCtx
	if n == 0 {
		n = s.cfg.ContextSize
	}
	train, err := s.trainContext(ref)
	if err != nil {
		return 0, err
	}
	if train > 0 && n > train {
		n = train
	}
	return n, nil
}

// trainContext reads (once per model version) the model's training
// context length from its GGUF metadata.
func (s *Server) trainContext(ref *store.Model) (int, error) {
	s.mu.Lock()
	n, ok := s.ctxTrain[ref.Digest]
	s.mu.Unlock()
	if ok {
		return n, nil
	}
	meta, err := s.meta(ref)
	if err != nil {
		return 0, err
	}
	return meta.trainCtx, nil
}

// acquireRunner returns the runner of ref at context size ctxSize, loading
// the model if needed, and counts the caller as active until
// releaseRunner. It also returns how long the caller waited for the load.
func (s *Server) acquireRunner(ctx context.Context, ref *store.Model, ctxSize int, keepAlive *time.Duration) (*runner, time.Duration, error) {
	key := runnerKey{name: ref.Name, digest: ref.Digest, ctx: ctxSize}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, 0, errClosed
	}
	r := s.runners[key]
	var evict []*runner
	if r == nil {
		evict = s.evictLocked()
		r = &runner{key: key, ref: ref, ready: make(chan struct{}), keepAlive: s.cfg.KeepAlive}
		s.runners[key] = r
		s.loads.Add(1)
		go s.load(r)
	}
	r.active++
	r.stopTimer()
	r.expiresAt = time.Time{}
	r.lastUsed = time.Now()
	if keepAlive != nil {
		r.keepAlive = *keepAlive
	}
	s.mu.Unlock()
	for _, e := range evict {
		go e.unload()
	}

	start := time.Now()
	select {
	case <-r.ready:
	default:
		select {
		case <-r.ready:
		case <-ctx.Done():
			s.releaseRunner(r)
			return nil, 0, ctx.Err()
		}
	}
	wait := time.Since(start)
	if r.err != nil {
		s.releaseRunner(r)
		return nil, 0, r.err
	}
	return r, wait, nil
}

// evictLocked removes the least recently used idle runners while one more
// would exceed MaxLoaded, and returns them for unloading.
func (s *Server) evictLocked() []*runner {
	if s.cfg.MaxLoaded == 0 {
		return nil
	}
	var out []*runner
	for len(s.runners) >= s.cfg.MaxLoaded {
		var lru *runner
		for _, r := range s.runners {
			if r.active == 0 && (lru == nil || r.lastUsed.Before(lru.lastUsed)) {
				lru = r
			}
		}
		if lru == nil {
			break // all busy: load anyway
		}
		delete(s.runners, lru.key)
		lru.stopTimer()
		out = append(out, lru)
	}
	return out
}

// releaseRunner ends a caller's use of r; the last one out starts the
// keep-alive countdown (or unloads at once for a keep-alive of 0).
func (s *Server) releaseRunner(r *runner) {
	s.mu.Lock()
	r.active--
	r.lastUsed = time.Now()
	if r.active > 0 || s.runners[r.key] != r {
		s.mu.Unlock()
		return
	}
	r.stopTimer()
	switch ka := r.keepAlive; {
	case ka < 0:
		r.expiresAt = time.Time{}
		s.mu.Unlock()
	case ka == 0:
		delete(s.runners, r.key)
		s.mu.Unlock()
		r.unload()
	default:
		r.expiresAt = time.Now().Add(ka)
		gen := r.timerGen
		r.timer = time.AfterFunc(ka, func() { s.expire(r, gen) })
		s.mu.Unlock()
	}
}

// expire unloads r if it is still idle and its countdown is the latest.
func (s *Server) expire(r *runner, gen int) {
	s.mu.Lock()
	if r.active > 0 || r.timerGen != gen || s.runners[r.key] != r {
		s.mu.Unlock()
		return
	}
	delete(s.runners, r.key)
	r.timer = nil
	s.mu.Unlock()
	s.log.Info("unloading idle model", "model", r.key.name, "ctx", r.key.ctx)
	r.unload()
}

// unloadModel handles a keep_alive of 0 with nothing to generate (Ollama's
// way to unload): every runner of the model unloads when idle.
func (s *Server) unloadModel(ref *store.Model) {
	var now []*runner
	s.mu.Lock()
	for k, r := range s.runners {
		if k.name != ref.Name {
			continue
		}
		r.keepAlive = 0
		if r.active == 0 {
			r.stopTimer()
			delete(s.runners, k)
			now = append(now, r)
		}
	}
	s.mu.Unlock()
	for _, r := range now {
		r.unload()
	}
}

// load loads r's model and creates its slots.
func (s *Server) load(r *runner) {
	defer s.loads.Done()
	if s.loadHook != nil {
		s.loadHook(r.ref.Name)
	}
	start := time.Now()
	err := s.loadRunner(r)
	r.loadTime = time.Since(start)
	r.loadedAt = time.Now()
	if err != nil {
		r.err = fmt.Errorf("loading model %s: %w", r.ref.Name, err)
		s.log.Error("model load failed", "model", r.ref.Name, "err", err)
		s.mu.Lock()
		if s.runners[r.key] == r {
			delete(s.runners, r.key)
		}
		s.mu.Unlock()
	} else {
		s.metrics.loads.Add(1)
		s.log.Info("model loaded", "model", r.ref.Name, "ctx", r.key.ctx, "slots", s.cfg.Parallel, "duration", r.loadTime)
	}
	close(r.ready)
}

func (s *Server) loadRunner(r *runner) error {
	opts := []gollm.Option{gollm.WithContextSize(r.key.ctx), gollm.WithThreads(s.cfg.Threads)}
	if s.cfg.BatchSize > 0 {
		opts = append(opts, gollm.WithBatchSize(s.cfg.BatchSize))
	}
	if s.cfg.KVCacheType != "" {
		opts = append(opts, gollm.WithKVCacheType(s.cfg.KVCacheType))
	}
	var m *gollm.Model
	var err error
	if r.ref.Data != nil {
		m, err = gollm.LoadBytes(r.ref.Name, r.ref.Data, opts...)
	} else {
		m, err = gollm.Load(r.ref.Path, opts...)
	}
	if err != nil {
		return err
	}
	slots := []*slot{{id: 0, seq: m}}
	for i := 1; i < s.cfg.Parallel; i++ {
		sess, err := m.NewSession()
		if err != nil {
			m.Close()
			return fmt.Errorf("slot %d: %w", i, err)
		}
		slots = append(slots, &slot{id: i, seq: sess})
	}
	r.model = m
	r.tmpl = chooseTemplate(m, r.ref)
	r.pooling = poolingOf(m.Internal().File)
	r.slots = newSlotPool(slots, s.cfg.MaxQueue, &s.metrics)
	return nil
}

// chooseTemplate returns the chat template to render with: the file's,
// unless the file has none (or an unusable one) and the model came from
// Ollama with a template whose format chat.Detect recognizes.
func chooseTemplate(m *gollm.Model, ref *store.Model) *chat.Template {
	t := m.Template()
	src, _ := m.Internal().File.String("tokenizer.chat_template")
	if (src == "" || m.TemplateError() != nil) && ref.Template != "" {
		if name := chat.Detect(ref.Template); name != "" {
			if bt, err := chat.Builtin(name); err == nil {
				return bt
			}
		}
	}
	return t
}

// poolingOf returns the embedding pooling the model's metadata asks for
// (<arch>.pooling_type 3: last token), else mean pooling.
func poolingOf(f *gguf.File) gollm.Pooling {
	if v, err := f.ArchUint32("pooling_type"); err == nil && v == 3 {
		return gollm.PoolLast
	}
	return gollm.PoolMean
}

// slotPool hands out a runner's slots, queueing requests FIFO when all are
// busy.
type slotPool struct {
	mu       sync.Mutex
	free     []*slot
	waiters  []*slotWaiter
	maxQueue int
	n        int // slots in all
	m        *metrics
}

type slotWaiter struct {
	ch     chan *slot // buffered: release never blocks
	prompt []int32
}

func newSlotPool(slots []*slot, maxQueue int, m *metrics) *slotPool {
	return &slotPool{free: slots, maxQueue: maxQueue, n: len(slots), m: m}
}

// size returns the number of slots.
func (p *slotPool) size() int { return p.n }

// acquire returns a free slot, preferring the one whose last tokens share
// the longest prefix with prompt, or waits for one. A full queue gives
// errQueueFull; a cancelled ctx gives ctx.Err().
func (p *slotPool) acquire(ctx context.Context, prompt []int32) (*slot, error) {
	p.mu.Lock()
	if len(p.free) > 0 {
		best, bestN := 0, -1
		for i, sl := range p.free {
			if n := commonPrefix(sl.history, prompt); n > bestN {
				best, bestN = i, n
			}
		}
		sl := p.free[best]
		p.free = append(p.free[:best], p.free[best+1:]...)
		p.mu.Unlock()
		p.m.processing.Add(1)
		return sl, nil
	}
	if len(p.waiters) >= p.maxQueue {
		p.mu.Unlock()
		p.m.rejected.Add(1)
		return nil, errQueueFull
	}
	w := &slotWaiter{ch: make(chan *slot, 1), prompt: prompt}
	p.waiters = append(p.waiters, w)
	p.m.queued.Add(1)
	p.mu.Unlock()

	select {
	case sl := <-w.ch:
		return sl, nil
	case <-ctx.Done():
		p.mu.Lock()
		for i, x := range p.waiters {
			if x == w {
				p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
				p.m.queued.Add(-1)
				p.mu.Unlock()
				return nil, ctx.Err()
			}
		}
		p.mu.Unlock()
		// A slot was handed over as ctx ended: pass it on.
		p.release(<-w.ch)
		return nil, ctx.Err()
	}
}

// release returns a slot: to the first waiter, else to the free list.
func (p *slotPool) release(sl *slot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.m.queued.Add(-1)
		w.ch <- sl
		return
	}
	p.free = append(p.free, sl)
	p.m.processing.Add(-1)
}

// queued returns the number of waiting requests.
func (p *slotPool) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waiters)
}

func commonPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// errNoModel is returned when a request names no model and there is no
// default.
var errNoModel = badParam("model", "model is required")

// resolve finds a model by name, or the default model for an empty name
// where the API allows one.
func (s *Server) resolve(name string, allowDefault bool) (*store.Model, error) {
	if name == "" {
		if !allowDefault {
			return nil, errNoModel
		}
		if s.cfg.DefaultModel != "" {
			name = s.cfg.DefaultModel
		} else if n := s.onlyLoaded(); n != "" {
			name = n
		} else {
			return nil, errNoModel
		}
	}
	ref, err := s.store.Resolve(name)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &httpError{status: 404, msg: fmt.Sprintf("model %q not found", name), code: "model_not_found", param: "model", typ: "invalid_request_error"}
		}
		return nil, err
	}
	return ref, nil
}

// onlyLoaded returns the name of the single loaded model, if exactly one
// is loaded.
func (s *Server) onlyLoaded() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := ""
	for k := range s.runners {
		if name != "" && name != k.name {
			return ""
		}
		name = k.name
	}
	return name
}

// Preload loads a model (at the default context size) and keeps it for
// the configured keep-alive, as a request naming it would.
func (s *Server) Preload(ctx context.Context, name string) error {
	ref, err := s.resolve(name, false)
	if err != nil {
		return err
	}
	n, err := s.ctxSize(ref, 0)
	if err != nil {
		return err
	}
	r, _, err := s.acquireRunner(ctx, ref, n, nil)
	if err != nil {
		return err
	}
	s.releaseRunner(r)
	return nil
}
