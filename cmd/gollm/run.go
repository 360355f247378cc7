package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/chat"
	"github.com/gollm/gollm/internal/embedded"
	"github.com/gollm/gollm/server/store"
)

func init() {
	register(&command{
		name:    "run",
		summary: "chat with a model: one answer to PROMPT, or an interactive session (Ollama's REPL)",
		run:     runRun,
	})
}

// The input and interrupts of `gollm run`; tests replace them.
var (
	// runInput returns the REPL's input and whether it is a terminal.
	runInput = func() (io.Reader, bool) { return os.Stdin, isTerminal(os.Stdin) }
	// runInterrupts delivers Ctrl-C; stop ends the delivery.
	runInterrupts = func() (ch <-chan os.Signal, stop func()) {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		return c, func() { signal.Stop(c) }
	}
)

// defaultHost is where Ollama (and gollm serve) listen by default.
const defaultHost = "127.0.0.1:11434"

// serverURL turns a GOLLM_HOST/OLLAMA_HOST value ("host", "host:port",
// ":port", "http://host:port") into a base URL; the port defaults to
// 11434 and an empty or unspecified host to 127.0.0.1.
func serverURL(host string) (string, error) {
	host = strings.TrimSpace(host)
	if host == "" {
		host = defaultHost
	}
	scheme := "http"
	if s, rest, ok := strings.Cut(host, "://"); ok {
		scheme, host = s, rest
	}
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("host %q: scheme must be http or https", host)
	}
	host, path, _ := strings.Cut(host, "/")
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		h, port = host, "11434"
		if scheme == "https" {
			port = "443"
		}
	}
	if h == "" || h == "0.0.0.0" || h == "::" || h == "[::]" {
		h = "127.0.0.1"
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("host %q: bad port %q", host, port)
	}
	u := scheme + "://" + net.JoinHostPort(strings.Trim(h, "[]"), port)
	if path = strings.Trim(path, "/"); path != "" {
		u += "/" + path
	}
	return u, nil
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	var mf modelFlags
	mf.register(fs)
	var sf storeFlags // where names are looked up when no server runs
	sf.register(fs)
	hostDefault := os.Getenv("GOLLM_HOST")
	if hostDefault == "" {
		hostDefault = os.Getenv("OLLAMA_HOST")
	}
	var (
		host                      string
		local, verbose, forceREPL bool
		think                     optBool
		hide                      bool
	)
	fs.StringVar(&host, "host", hostDefault, "server `address` to use if one runs there (default $GOLLM_HOST, $OLLAMA_HOST or "+defaultHost+")")
	fs.BoolVar(&local, "local", false, "load the model in this process even if a server runs")
	fs.BoolVar(&verbose, "verbose", false, "print timings after each answer")
	fs.BoolVar(&forceREPL, "i", false, "interactive session even when standard input is not a terminal")
	fs.Var(&think, "think", "turn the model's reasoning on (--think) or off (--think=false); default: the model's choice")
	fs.BoolVar(&hide, "hidethinking", false, "do not print the model's reasoning")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gollm run [flags] MODEL [PROMPT]")
		fmt.Fprintln(stderr, "\nMODEL is a model name (as `gollm serve` resolves it: the built-in "+embedded.Name+",")
		fmt.Fprintln(stderr, "gollm's and Ollama's model stores, org/repo:QUANT in the Hugging Face cache)")
		fmt.Fprintln(stderr, "or a .gguf path. A running server answers if there is one; else the model")
		fmt.Fprintln(stderr, "is loaded in this process.")
		fmt.Fprintln(stderr, "With PROMPT: one answer (standard input, if piped, is appended). Without:")
		fmt.Fprintln(stderr, "an interactive session (type /? for help), or, when standard input is")
		fmt.Fprintln(stderr, "piped and -i is not given, one answer to all of it.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := mf.validate(); err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErrorf("name a model (e.g. %s, or a .gguf file)", embedded.Name)
	}
	if mf.path != "" {
		return usageErrorf("give the model as the first argument, not with -m")
	}
	name, prompt := pos[0], strings.Join(pos[1:], " ")

	in, tty := runInput()
	interactive := prompt == "" && (tty || forceREPL)
	if !interactive && !tty {
		b, err := io.ReadAll(in)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		if s := strings.TrimSpace(string(b)); s != "" {
			if prompt != "" {
				prompt += "\n\n"
			}
			prompt += s
		}
	}
	if !interactive && prompt == "" {
		return usageErrorf("no prompt (give one as an argument or on standard input)")
	}

	st := sf.store()
	var be chatBackend
	if !local {
		base, err := serverURL(host)
		if err != nil {
			return usageErrorf("%v", err)
		}
		if version, ok := probeServer(base); ok {
			if verbose {
				fmt.Fprintf(stderr, "using the server at %s (version %s)\n", base, version)
			}
			rb := &remoteBackend{base: base, model: name, client: &http.Client{}}
			switch err := rb.check(); {
			case err == nil:
				be = rb
			case errors.Is(err, errNotOnServer) && resolves(st, name):
				// A file the server cannot see (or will not open): run it here.
				if verbose {
					fmt.Fprintf(stderr, "the server does not know %q; loading it in this process\n", name)
				}
			default:
				return err
			}
		}
	}
	r := &repl{out: stdout, errOut: stderr, verbose: verbose, params: map[string]any{}, think: think.v, hide: hide}
	if be == nil {
		lb, err := newLocalBackend(st, name, mf)
		if err != nil {
			return err
		}
		defer lb.Close()
		be = lb
		// An Ollama model's own system message, as Ollama uses it.
		r.system = lb.resolved.System
	}
	r.be = be
	if !interactive {
		return r.answerOnce(prompt)
	}
	return r.loop(in)
}

// probeServer reports whether an Ollama-API server answers GET
// /api/version at base, and its version.
func probeServer(base string) (string, bool) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(base + "/api/version")
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var v struct {
		Version string `json:"version"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&v) != nil {
		return "", false
	}
	return v.Version, true
}

// answerStats are what a backend reports about one answer.
type answerStats struct {
	stopped                   bool // cut short by Ctrl-C
	promptTokens, evalTokens  int
	promptDuration, evalTotal time.Duration
	totalDuration             time.Duration
	loadDuration              time.Duration
	doneReason                string
}

// chatBackend answers a conversation, streaming the answer through out
// (thinking set for the model's reasoning, which a server separates from
// the answer).
type chatBackend interface {
	// chat generates the assistant's next message. params are Ollama
	// option names and values (see runParams). A cancelled ctx ends the
	// answer early without error (stats.stopped).
	// think turns the model's reasoning on or off (nil: the model's
	// default).
	chat(ctx context.Context, msgs []gollm.Message, params map[string]any, think *bool, out func(piece string, thinking bool)) (answerStats, error)
	// info describes the model for /show info.
	info() (string, error)
}

// runParams are the parameters /set parameter accepts: Ollama's option
// names, with the kind of value each takes.
var runParams = map[string]string{
	"temperature": "float", "top_k": "int", "top_p": "float", "min_p": "float",
	"num_predict": "int", "seed": "int", "repeat_penalty": "float", "repeat_last_n": "int",
	"num_ctx": "int",
}

func parseParam(name, value string) (any, error) {
	kind, ok := runParams[name]
	if !ok {
		names := make([]string, 0, len(runParams))
		for n := range runParams {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("unknown parameter %q (known: %s)", name, strings.Join(names, ", "))
	}
	if kind == "int" {
		n, err := strconv.Atoi(value)
		if err != nil {
			return nil, fmt.Errorf("parameter %s takes an integer (got %q)", name, value)
		}
		if name == "num_ctx" && n < 1 || name == "top_k" && n < 0 || name == "num_predict" && n < -2 || name == "repeat_last_n" && n < -1 {
			return nil, fmt.Errorf("parameter %s: %d is out of range", name, n)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || f < 0 || f != f {
		return nil, fmt.Errorf("parameter %s takes a non-negative number (got %q)", name, value)
	}
	return f, nil
}

// repl is the interactive session (and the one-answer mode).
type repl struct {
	be      chatBackend
	out     io.Writer
	errOut  io.Writer
	verbose bool
	params  map[string]any
	system  string
	history []gollm.Message
	think   *bool // /set think, /set nothink, --think (nil: the model's default)
	hide    bool  // --hidethinking: reasoning is not printed

	mu     sync.Mutex
	cancel context.CancelFunc // of the answer running now, if any
}

func (r *repl) messages() []gollm.Message {
	var msgs []gollm.Message
	if r.system != "" {
		msgs = append(msgs, gollm.Message{Role: "system", Content: r.system})
	}
	return append(msgs, r.history...)
}

// ask sends prompt as the next user turn and streams the answer. Ctrl-C
// (through interrupt) stops the answer; what was said so far stays in the
// conversation.
func (r *repl) ask(ctx context.Context, prompt string) error {
	ctx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.cancel = nil
		r.mu.Unlock()
		cancel()
	}()
	r.history = append(r.history, gollm.Message{Role: "user", Content: prompt})
	var answer strings.Builder
	w := bufio.NewWriter(r.out)
	thinking := false // inside the reasoning, shown as Ollama's CLI shows it
	st, err := r.be.chat(ctx, r.messages(), r.params, r.think, func(s string, think bool) {
		if think && r.hide {
			return
		}
		switch {
		case think && !thinking:
			w.WriteString("Thinking...\n")
			thinking = true
		case !think && thinking && s != "":
			w.WriteString("\n...done thinking.\n\n")
			thinking = false
		}
		if !think {
			answer.WriteString(s)
		}
		w.WriteString(s)
		w.Flush()
	})
	if thinking {
		w.WriteString("\n...done thinking.\n")
	}
	if err != nil {
		r.history = r.history[:len(r.history)-1]
		return err
	}
	r.history = append(r.history, gollm.Message{Role: "assistant", Content: answer.String()})
	if st.stopped {
		fmt.Fprint(w, "\n[stopped]")
	}
	fmt.Fprintln(w)
	w.Flush()
	if r.verbose {
		printRunStats(r.errOut, st)
	}
	return nil
}

// interrupt stops the answer running now, if any, and reports whether
// there was one.
func (r *repl) interrupt() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel == nil {
		return false
	}
	r.cancel()
	return true
}

func (r *repl) answerOnce(prompt string) error {
	ch, stop := runInterrupts()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-ch:
			cancel()
		case <-ctx.Done():
		}
	}()
	return r.ask(ctx, prompt)
}

const replHelp = `Available commands:
  /set parameter <name> <value>   set a sampling parameter: temperature, top_k,
                                  top_p, min_p, num_predict, seed, repeat_penalty,
                                  repeat_last_n, num_ctx
  /set system <text>              set the system message ("""…""" for several lines)
  /set think, /set nothink        turn the model's reasoning on or off
  /show info                      describe the model
  /show parameters                list the parameters set
  /show system                    print the system message
  /clear                          forget the conversation (keeps the system message)
  /bye                            exit (so does Ctrl-D)
  /?, /help                       this help

Use """ to begin and end a message of several lines.
Ctrl-C stops an answer.
`

// lineReader reads input lines without any line-editing library: the
// terminal's own line discipline does the editing (backspace, Ctrl-U).
type lineReader struct {
	br  *bufio.Reader
	out io.Writer
}

// readLine prints prompt and returns the next line without its newline;
// io.EOF when the input has ended (a last line without a newline is
// returned first).
func (lr *lineReader) readLine(prompt string) (string, error) {
	fmt.Fprint(lr.out, prompt)
	s, err := lr.br.ReadString('\n')
	if err == io.EOF && s != "" {
		err = nil
	}
	return strings.TrimRight(s, "\r\n"), err
}

// readInput reads one message or command. A line with an unclosed `"""`
// goes on over the following lines (prompted with "... ") up to the line
// that closes it; the markers are removed.
func (lr *lineReader) readInput() (string, error) {
	line, err := lr.readLine(">>> ")
	if err != nil {
		return "", err
	}
	if strings.Count(line, `"""`)%2 == 0 {
		if strings.Count(line, `"""`) == 2 {
			line = strings.Replace(strings.Replace(line, `"""`, "", 1), `"""`, "", 1)
		}
		return line, nil
	}
	open := strings.Index(line, `"""`)
	var parts []string
	if first := line[:open] + line[open+3:]; strings.TrimSpace(first) != "" {
		parts = append(parts, first)
	}
	for {
		next, err := lr.readLine("... ")
		if err != nil { // input ended inside the block: take what came
			return strings.Join(parts, "\n"), nil
		}
		if i := strings.Index(next, `"""`); i >= 0 {
			if last := next[:i] + next[i+3:]; strings.TrimSpace(last) != "" {
				parts = append(parts, last)
			}
			return strings.Join(parts, "\n"), nil
		}
		parts = append(parts, next)
	}
}

// loop runs the interactive session until /bye or the end of input.
func (r *repl) loop(in io.Reader) error {
	ch, stop := runInterrupts()
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-ch:
				if !r.interrupt() {
					fmt.Fprint(r.out, "\nUse Ctrl + d or /bye to exit.\n>>> ")
				}
			case <-done:
				return
			}
		}
	}()
	lr := &lineReader{br: bufio.NewReader(in), out: r.out}
	for {
		text, err := lr.readInput()
		if err == io.EOF {
			fmt.Fprintln(r.out)
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading input: %w", err)
		}
		trimmed := strings.TrimSpace(text)
		switch {
		case trimmed == "":
			continue
		case strings.HasPrefix(trimmed, "/"):
			if bye := r.command(trimmed); bye {
				return nil
			}
		default:
			if err := r.ask(context.Background(), text); err != nil {
				fmt.Fprintf(r.out, "\nError: %v\n", err)
			}
		}
	}
}

// command runs a /command and reports whether the session should end.
func (r *repl) command(line string) (bye bool) {
	fields := strings.Fields(line)
	switch fields[0] {
	case "/bye", "/exit":
		return true
	case "/?", "/help":
		fmt.Fprint(r.out, replHelp)
	case "/clear":
		r.history = nil
		fmt.Fprintln(r.out, "Cleared session context.")
	case "/set":
		r.set(line, fields)
	case "/show":
		r.show(fields)
	default:
		fmt.Fprintf(r.out, "Unknown command '%s'. Type /? for help\n", fields[0])
	}
	return false
}

func (r *repl) set(line string, fields []string) {
	switch {
	case len(fields) >= 2 && fields[1] == "system":
		// Keep the text as typed (spacing, several lines).
		rest := strings.TrimPrefix(strings.TrimSpace(line), "/set")
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "system"))
		r.system = strings.Trim(rest, `"`)
		if r.system == "" {
			fmt.Fprintln(r.out, "Cleared system message.")
			return
		}
		fmt.Fprintln(r.out, "Set system message.")
	case len(fields) == 2 && (fields[1] == "think" || fields[1] == "nothink"):
		on := fields[1] == "think"
		r.think = &on
		if on {
			fmt.Fprintln(r.out, "Set 'think' mode.")
		} else {
			fmt.Fprintln(r.out, "Set 'nothink' mode.")
		}
	case len(fields) == 4 && fields[1] == "parameter":
		v, err := parseParam(fields[2], fields[3])
		if err != nil {
			fmt.Fprintf(r.out, "Error: %v\n", err)
			return
		}
		r.params[fields[2]] = v
		fmt.Fprintf(r.out, "Set parameter '%s' to '%s'\n", fields[2], fields[3])
	default:
		fmt.Fprintln(r.out, "Usage: /set parameter <name> <value>  or  /set system <text>")
	}
}

func (r *repl) show(fields []string) {
	what := ""
	if len(fields) == 2 {
		what = fields[1]
	}
	switch what {
	case "info":
		s, err := r.be.info()
		if err != nil {
			fmt.Fprintf(r.out, "Error: %v\n", err)
			return
		}
		fmt.Fprint(r.out, s)
	case "parameters":
		if len(r.params) == 0 {
			fmt.Fprintln(r.out, "No parameters set; the defaults apply.")
			return
		}
		names := make([]string, 0, len(r.params))
		for n := range r.params {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(r.out, "%-16s %v\n", n, r.params[n])
		}
	case "system":
		if r.system == "" {
			fmt.Fprintln(r.out, "No system message set.")
			return
		}
		fmt.Fprintln(r.out, r.system)
	default:
		fmt.Fprintln(r.out, "Usage: /show info | parameters | system")
	}
}

func printRunStats(w io.Writer, st answerStats) {
	rate := func(n int, d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return float64(n) / d.Seconds()
	}
	fmt.Fprintf(w, "total duration:       %v\n", st.totalDuration)
	if st.loadDuration > 0 {
		fmt.Fprintf(w, "load duration:        %v\n", st.loadDuration)
	}
	fmt.Fprintf(w, "prompt eval count:    %d token(s)\n", st.promptTokens)
	fmt.Fprintf(w, "prompt eval duration: %v\n", st.promptDuration)
	fmt.Fprintf(w, "prompt eval rate:     %.2f tokens/s\n", rate(st.promptTokens, st.promptDuration))
	fmt.Fprintf(w, "eval count:           %d token(s)\n", st.evalTokens)
	fmt.Fprintf(w, "eval duration:        %v\n", st.evalTotal)
	fmt.Fprintf(w, "eval rate:            %.2f tokens/s\n", rate(st.evalTokens, st.evalTotal))
}

// localBackend runs the model in this process.
type localBackend struct {
	resolved *store.Model
	mf       modelFlags
	model    *gollm.Model
	session  *gollm.Session
	ctxSize  int // num_ctx the model was loaded with (0: its default)
}

// resolves reports whether st finds the model name refers to.
func resolves(st *store.Store, name string) bool {
	_, err := st.Resolve(name)
	return err == nil
}

// newLocalBackend loads the model name refers to, found as `gollm serve`
// finds it (server/store): the built-in model, a .gguf path, gollm's and
// Ollama's model directories, the Hugging Face cache.
func newLocalBackend(st *store.Store, name string, mf modelFlags) (*localBackend, error) {
	m, err := st.Resolve(name)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w (no server runs at the host; `gollm pull org/repo:QUANT` downloads a GGUF model)", err)
		}
		return nil, err
	}
	b := &localBackend{resolved: m, mf: mf}
	if err := b.load(mf.ctxSize); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *localBackend) load(ctxSize int) error {
	opts := []gollm.Option{
		gollm.WithThreads(b.mf.threads), gollm.WithContextSize(ctxSize),
		gollm.WithBatchSize(b.mf.batchSize), gollm.WithKVCacheType(b.mf.kvType),
	}
	var m *gollm.Model
	var err error
	if b.resolved.Data != nil {
		m, err = gollm.LoadBytes(b.resolved.Name, b.resolved.Data, opts...)
	} else {
		m, err = gollm.Load(b.resolved.Path, opts...)
	}
	if err != nil {
		return fmt.Errorf("loading %s: %w", b.resolved.Name, err)
	}
	s, err := m.NewSession()
	if err != nil {
		m.Close()
		return fmt.Errorf("new session: %w", err)
	}
	if b.model != nil {
		b.model.Close()
	}
	b.model, b.session, b.ctxSize = m, s, ctxSize
	return nil
}

func (b *localBackend) Close() {
	if b.model != nil {
		b.model.Close()
	}
}

// ollamaDefaults are the sampling defaults of Ollama's API, which `gollm
// run` keeps in-process too so an answer does not depend on where it ran.
func ollamaDefaults() gollm.SamplerParams {
	p := gollm.DefaultSamplerParams()
	p.Temperature, p.TopK, p.TopP, p.MinP, p.TypicalP = 0.8, 40, 0.9, 0, 1
	p.RepeatPenalty, p.RepeatLastN = 1.1, 64
	return p
}

func (b *localBackend) chat(ctx context.Context, msgs []gollm.Message, params map[string]any, think *bool, out func(string, bool)) (answerStats, error) {
	sp := ollamaDefaults()
	sp.Seed = rand.Uint64()
	maxTokens := -1
	var stop []string
	all := map[string]any{}
	for k, v := range b.resolved.Params { // the Ollama model's defaults
		if s, ok := v.([]any); ok && k == "stop" {
			for _, x := range s {
				if str, ok := x.(string); ok {
					stop = append(stop, str)
				}
			}
			continue
		}
		if f, ok := v.(float64); ok && runParams[k] != "" {
			if runParams[k] == "int" {
				all[k] = int(f)
			} else {
				all[k] = f
			}
		}
	}
	for k, v := range params {
		all[k] = v
	}
	for k, v := range all {
		switch k {
		case "temperature":
			sp.Temperature = float32(v.(float64))
		case "top_k":
			sp.TopK = v.(int)
		case "top_p":
			sp.TopP = float32(v.(float64))
		case "min_p":
			sp.MinP = float32(v.(float64))
		case "repeat_penalty":
			sp.RepeatPenalty = float32(v.(float64))
		case "repeat_last_n":
			sp.RepeatLastN = v.(int)
		case "seed":
			if n := v.(int); n >= 0 {
				sp.Seed = uint64(n)
			}
		case "num_predict":
			maxTokens = v.(int)
		case "num_ctx":
			if n := v.(int); n != b.ctxSize {
				if err := b.load(n); err != nil {
					return answerStats{}, fmt.Errorf("reloading with num_ctx %d: %w", n, err)
				}
			}
		}
	}
	if maxTokens == 0 {
		return answerStats{}, nil
	}
	var st gollm.Stats
	opts := gollm.ChatOptions{GenerateOptions: gollm.GenerateOptions{MaxTokens: maxTokens, Sampler: sp, Stop: stop, Stats: &st}}
	switch {
	case think == nil:
	case *think:
		opts.Thinking = chat.ThinkingOn
	default:
		opts.Thinking = chat.ThinkingOff
	}
	start := time.Now()
	var res answerStats
	for tok, err := range b.session.Chat(ctx, msgs, opts) {
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return res, err
		}
		out(tok.Text, false)
	}
	res.stopped = ctx.Err() != nil
	res.promptTokens, res.evalTokens = st.PromptEvaluated, st.GeneratedTokens
	res.promptDuration, res.evalTotal = st.PromptDuration, st.GenerateDuration
	res.totalDuration = time.Since(start)
	res.doneReason = st.StopReason
	return res, nil
}

func (b *localBackend) info() (string, error) {
	in := b.model.Info()
	var sb strings.Builder
	fmt.Fprintf(&sb, "  Model\n")
	fmt.Fprintf(&sb, "    %-20s %s\n", "name", b.resolved.Name)
	fmt.Fprintf(&sb, "    %-20s %s\n", "architecture", in.Architecture)
	fmt.Fprintf(&sb, "    %-20s %s\n", "parameters", formatParams(in.Parameters))
	fmt.Fprintf(&sb, "    %-20s %d\n", "context length", in.TrainContext)
	fmt.Fprintf(&sb, "    %-20s %d\n", "loaded context", in.ContextSize)
	fmt.Fprintf(&sb, "    %-20s %d\n", "vocabulary", in.VocabSize)
	fmt.Fprintf(&sb, "    %-20s %s\n", "file size", formatDownloadBytes(in.FileSize))
	if b.resolved.Path != "" {
		fmt.Fprintf(&sb, "    %-20s %s\n", "file", b.resolved.Path)
	}
	fmt.Fprintf(&sb, "    %-20s %s\n", "runs", "in this process")
	return sb.String(), nil
}

// formatParams writes a parameter count as Ollama does ("260.1K", "1.2B").
func formatParams(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return strconv.FormatInt(n, 10)
}

// remoteBackend talks to a server's Ollama API.
type remoteBackend struct {
	base   string
	model  string
	client *http.Client
}

// apiError reads an Ollama-style {"error": "..."} body.
func apiError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var e struct {
		Error any `json:"error"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil && e.Error != nil {
		switch v := e.Error.(type) {
		case string:
			msg = v
		case map[string]any:
			msg = fmt.Sprint(v["message"])
		}
	}
	return fmt.Errorf("%s %s: %d %s: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, http.StatusText(resp.StatusCode), msg)
}

func (b *remoteBackend) post(ctx context.Context, path string, body any) (*http.Response, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+path, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return b.client.Do(req)
}

// show returns the server's /api/show answer for the model.
func (b *remoteBackend) show() (map[string]any, error) {
	resp, err := b.post(context.Background(), "/api/show", map[string]any{"model": b.model})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, apiError(resp)
	}
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("/api/show: %w", err)
	}
	return v, nil
}

// errNotOnServer reports a model name the server does not know.
var errNotOnServer = errors.New("model not found on the server")

// check makes sure the server knows the model, for a clear error before
// the first prompt.
func (b *remoteBackend) check() error {
	_, err := b.show()
	if err != nil && strings.Contains(err.Error(), ": 404 ") {
		return fmt.Errorf("%w at %s: %q (%v)", errNotOnServer, b.base, b.model, err)
	}
	return nil // other failures show up at the first answer
}

func (b *remoteBackend) chat(ctx context.Context, msgs []gollm.Message, params map[string]any, think *bool, out func(string, bool)) (answerStats, error) {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	req := struct {
		Model    string         `json:"model"`
		Messages []message      `json:"messages"`
		Stream   bool           `json:"stream"`
		Think    *bool          `json:"think,omitempty"`
		Options  map[string]any `json:"options,omitempty"`
	}{Model: b.model, Stream: true, Think: think, Options: params}
	for _, m := range msgs {
		req.Messages = append(req.Messages, message{m.Role, m.Content})
	}
	var st answerStats
	resp, err := b.post(ctx, "/api/chat", req)
	if err != nil {
		if ctx.Err() != nil {
			st.stopped = true
			return st, nil
		}
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, apiError(resp)
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var chunk struct {
			Message struct {
				Content  string `json:"content"`
				Thinking string `json:"thinking"`
			} `json:"message"`
			Done            bool   `json:"done"`
			DoneReason      string `json:"done_reason"`
			Error           string `json:"error"`
			TotalDuration   int64  `json:"total_duration"`
			LoadDuration    int64  `json:"load_duration"`
			PromptEvalCount int    `json:"prompt_eval_count"`
			PromptEvalDur   int64  `json:"prompt_eval_duration"`
			EvalCount       int    `json:"eval_count"`
			EvalDuration    int64  `json:"eval_duration"`
		}
		if err := dec.Decode(&chunk); err != nil {
			if ctx.Err() != nil {
				st.stopped = true
				return st, nil
			}
			if errors.Is(err, io.EOF) {
				return st, errors.New("the server ended the answer early")
			}
			return st, fmt.Errorf("reading the answer: %w", err)
		}
		if chunk.Error != "" {
			return st, errors.New(chunk.Error)
		}
		if chunk.Message.Thinking != "" {
			out(chunk.Message.Thinking, true)
		}
		out(chunk.Message.Content, false)
		if chunk.Done {
			st.doneReason = chunk.DoneReason
			st.totalDuration, st.loadDuration = time.Duration(chunk.TotalDuration), time.Duration(chunk.LoadDuration)
			st.promptTokens, st.promptDuration = chunk.PromptEvalCount, time.Duration(chunk.PromptEvalDur)
			st.evalTokens, st.evalTotal = chunk.EvalCount, time.Duration(chunk.EvalDuration)
			return st, nil
		}
	}
}

func (b *remoteBackend) info() (string, error) {
	v, err := b.show()
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "  Model\n")
	if d, ok := v["details"].(map[string]any); ok {
		for _, k := range []string{"family", "parameter_size", "quantization_level", "format"} {
			if s, ok := d[k].(string); ok && s != "" {
				fmt.Fprintf(&sb, "    %-20s %s\n", strings.ReplaceAll(k, "_", " "), s)
			}
		}
	}
	if mi, ok := v["model_info"].(map[string]any); ok {
		arch, _ := mi["general.architecture"].(string)
		if arch != "" {
			fmt.Fprintf(&sb, "    %-20s %s\n", "architecture", arch)
		}
		if n, ok := mi[arch+".context_length"].(float64); ok {
			fmt.Fprintf(&sb, "    %-20s %.0f\n", "context length", n)
		}
		if n, ok := mi["general.parameter_count"].(float64); ok {
			fmt.Fprintf(&sb, "    %-20s %s\n", "parameters", formatParams(int64(n)))
		}
	}
	fmt.Fprintf(&sb, "    %-20s %s\n", "runs", "on the server at "+b.base)
	return sb.String(), nil
}

// optBool is a boolean flag that remembers whether it was given:
// --think, --think=true, --think=false.
type optBool struct{ v *bool }

func (o *optBool) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return strconv.FormatBool(*o.v)
}

func (o *optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	o.v = &b
	return nil
}

// IsBoolFlag lets the flag stand alone (--think).
func (o *optBool) IsBoolFlag() bool { return true }
