// Package gollm runs GGUF language models in pure Go: load a model file,
// generate text token by token, chat with the model's template, tokenize.
//
//	m, err := gollm.Load("model.gguf")
//	if err != nil { … }
//	defer m.Close()
//	for tok, err := range m.Generate(ctx, "Once upon a time", gollm.GenerateOptions{MaxTokens: 64}) {
//		if err != nil { … }
//		fmt.Print(tok.Text)
//	}
//
// A Model runs one generation at a time; a second concurrent call fails
// with ErrBusy (the server package schedules requests over several
// sessions).
package gollm

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gollm/gollm/chat"
	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
	"github.com/gollm/gollm/tokenizer"
)

// ErrBusy is returned when a generation is started on a Model that is
// already generating.
var ErrBusy = errors.New("gollm: model is busy with another generation")

// Option configures Load.
type Option func(*config)

type config struct {
	ctxSize   int
	batchSize int
	threads   int
	kvType    quant.Type
	noRepack  bool
}

// WithContextSize sets the number of positions of the KV cache (default:
// the model's training context, at most 4096).
func WithContextSize(n int) Option { return func(c *config) { c.ctxSize = n } }

// WithBatchSize sets how many prompt tokens are evaluated per step
// (default 512).
func WithBatchSize(n int) Option { return func(c *config) { c.batchSize = n } }

// WithThreads sets the number of CPU threads (default: all cores).
func WithThreads(n int) Option { return func(c *config) { c.threads = n } }

// WithKVCacheType sets the KV cache element type: "f16" (default) or
// "q8_0".
func WithKVCacheType(name string) Option {
	return func(c *config) {
		switch strings.ToLower(name) {
		case "", "f16":
			c.kvType = quant.F16
		case "q8_0":
			c.kvType = quant.Q8_0
		default:
			c.kvType = quant.Type(1 << 30) // rejected by Load
		}
	}
}

// WithRepack sets whether Load gives the matrix weights a copy in the
// row-interleaved layout of the CPU's prompt-processing kernels (default
// true). On CPUs with those kernels (AVX-512 VNNI; types q4_K, q5_K, q6_K,
// q8_0 and q4_0) the copy makes prompt processing and generation markedly
// faster, but it stays resident in addition to the mapped file, up to the
// size of the quantized matrices (about the file size), and repacking adds
// to the load time. Pass false where memory is tight; elsewhere it is a
// no-op. The copy is made once per Model: sessions share it.
func WithRepack(on bool) Option { return func(c *config) { c.noRepack = !on } }

// Model is a loaded model with one evaluation context.
type Model struct {
	name    string
	file    *gguf.File
	m       *model.Model
	be      tensor.Backend
	cfg     config
	loadDur time.Duration
	tmpl    *chat.Template
	tmplErr error // why the file's template could not be used (a fallback is in tmpl)

	filterMu sync.Mutex
	pieces   [][]byte                                  // every token's bytes, for grammar filters (under filterMu)
	filters  map[*grammar.Grammar]*grammar.TokenFilter // built filters, by grammar

	mu       sync.Mutex
	def      *Session // the session Model.Generate and Model.Chat use
	sessions map[*Session]bool
	closed   bool
}

// Load opens a GGUF file and prepares it for generation.
func Load(path string, opts ...Option) (*Model, error) {
	start := time.Now()
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := load(f, path, start, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return m, nil
}

// LoadBytes is Load for a GGUF file held in memory (an embedded model).
// data must stay unchanged while the Model is in use.
func LoadBytes(name string, data []byte, opts ...Option) (*Model, error) {
	start := time.Now()
	f, err := gguf.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return load(f, name, start, opts)
}

func load(f *gguf.File, name string, start time.Time, opts []Option) (*Model, error) {
	cfg := config{kvType: quant.F16}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.kvType != quant.F16 && cfg.kvType != quant.Q8_0 {
		return nil, fmt.Errorf("gollm: KV cache type must be f16 or q8_0")
	}
	if cfg.ctxSize < 0 || cfg.batchSize < 0 || cfg.threads < 0 {
		return nil, fmt.Errorf("gollm: context size, batch size and threads must not be negative")
	}
	if cfg.threads == 0 {
		cfg.threads = runtime.GOMAXPROCS(0)
	}
	mm, err := model.New(f, model.WithRepack(!cfg.noRepack))
	if err != nil {
		return nil, err
	}
	m := &Model{name: name, file: f, m: mm, cfg: cfg, sessions: map[*Session]bool{}}
	src, _ := f.String("tokenizer.chat_template")
	m.tmpl, m.tmplErr = chat.Load(src)
	m.be = tensor.NewCPU(cfg.threads)
	if m.def, err = m.NewSession(); err != nil {
		m.be.Close()
		return nil, err
	}
	m.loadDur = time.Since(start)
	return m, nil
}

// Close releases the model's memory and threads. Generations still
// running fail at their next token.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for s := range m.sessions {
		s.close()
	}
	if m.be != nil {
		m.be.Close()
		m.be = nil
	}
	if m.file != nil {
		err := m.file.Close()
		m.file = nil
		return err
	}
	return nil
}

// Info describes a loaded model.
type Info struct {
	Name         string
	Architecture string
	Parameters   int64
	FileSize     int64
	ContextSize  int // of the loaded context
	TrainContext int
	VocabSize    int
	Threads      int
	LoadDuration time.Duration
}

// Info returns a description of the model.
func (m *Model) Info() Info {
	var params int64
	for i := range m.file.Tensors {
		params += int64(m.file.Tensors[i].Elements())
	}
	return Info{
		Name: m.name, Architecture: m.m.HP.Arch, Parameters: params, FileSize: m.file.Size(),
		ContextSize: m.def.ctx.Size(), TrainContext: m.m.HP.CtxTrain, VocabSize: m.m.HP.NVocab,
		Threads: m.cfg.threads, LoadDuration: m.loadDur,
	}
}

// maxFilters bounds the filter cache: a server reuses the grammars it
// compiled (one per distinct schema), a filter costs tens of MB for a large
// vocabulary.
const maxFilters = 8

// tokenFilter returns a grammar filter over the model's vocabulary. Building
// one walks the whole vocabulary, so filters are kept per grammar and shared
// by generations (a TokenFilter is immutable; each generation has its own
// State).
func (m *Model) tokenFilter(g *grammar.Grammar) (*grammar.TokenFilter, error) {
	m.filterMu.Lock()
	defer m.filterMu.Unlock()
	if f, ok := m.filters[g]; ok {
		return f, nil
	}
	tok := m.m.Tok
	if m.pieces == nil {
		m.pieces = make([][]byte, tok.VocabSize())
		for i := range m.pieces {
			if !tok.IsControl(int32(i)) {
				m.pieces[i] = tok.Piece(int32(i), false)
			}
		}
	}
	eog := make([]int, 0, len(tok.EOG()))
	for _, id := range tok.EOG() {
		eog = append(eog, int(id))
	}
	f, err := grammar.NewTokenFilter(g, m.pieces, eog)
	if err != nil {
		return nil, fmt.Errorf("gollm: grammar: %w", err)
	}
	if len(m.filters) >= maxFilters || m.filters == nil {
		m.filters = map[*grammar.Grammar]*grammar.TokenFilter{}
	}
	m.filters[g] = f
	return f, nil
}

// Tokenizer returns the model's tokenizer.
func (m *Model) Tokenizer() *tokenizer.Tokenizer { return m.m.Tok }

// Internal returns the underlying model (architecture, hyperparameters,
// weights) for tools that need more than this package offers.
func (m *Model) Internal() *model.Model { return m.m }

// Tokenize turns text into token ids, adding BOS/EOS as the model's
// vocabulary asks and turning special-token text into special tokens when
// parseSpecial is set.
func (m *Model) Tokenize(text string, parseSpecial bool) []int32 {
	return m.m.Tok.Encode(text, true, parseSpecial)
}

// Detokenize turns token ids back into text (special tokens omitted).
func (m *Model) Detokenize(ids []int32) string {
	return m.m.Tok.Detokenize(ids, true, false)
}
