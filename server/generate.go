package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/chat"
	"github.com/gollm/gollm/chat/toolcall"
	"github.com/gollm/gollm/server/store"
)

// job is one generation, from its validated request to its slot: every
// API's handler builds one with newJob, streams run's tokens in its own
// format, and calls finish.
type job struct {
	s          *Server
	req        *http.Request
	ref        *store.Model
	r          *runner
	sl         *slot
	start      time.Time
	loadWait   time.Duration
	prompt     []int32
	opts       gollm.GenerateOptions
	numPredict int
	stats      gollm.Stats
	ids        []int32 // generated token ids
	// preserve gives the text of control tokens the reply parser needs to
	// see (they detokenize to nothing), by id.
	preserve map[int32]string
}

// promptFunc builds a request's prompt tokens once its model is loaded.
type promptFunc func(r *runner) ([]int32, error)

// newJob loads the model (if needed), builds and checks the prompt, and
// waits for a slot. The caller must call finish when newJob succeeds.
func (s *Server) newJob(req *http.Request, ref *store.Model, samp sampling, keepAlive *time.Duration, format *formatSpec, prompt promptFunc) (*job, error) {
	start := time.Now()
	if err := samp.finish(); err != nil {
		return nil, err
	}
	j := &job{s: s, req: req, ref: ref, start: start, numPredict: samp.numPredict}
	j.opts = gollm.GenerateOptions{Sampler: samp.params, Stop: samp.stop, Stats: &j.stats,
		// num_predict -2 means "fill the context": no shift then.
		ContextShift: samp.shift && samp.numPredict != -2, Keep: samp.keep}
	if samp.numPredict > 0 {
		j.opts.MaxTokens = samp.numPredict
	}
	if err := s.applyFormat(format, &j.opts); err != nil {
		return nil, err
	}
	ctxSize, err := s.ctxSize(ref, samp.numCtx)
	if err != nil {
		return nil, err
	}
	ctx := req.Context()
	r, wait, err := s.acquireRunner(ctx, ref, ctxSize, keepAlive)
	if err != nil {
		return nil, err
	}
	j.r, j.loadWait = r, wait
	toks, err := prompt(r)
	if err == nil {
		err = checkPrompt(r, toks)
	}
	if err != nil {
		s.releaseRunner(r)
		return nil, err
	}
	j.prompt = toks
	sl, err := r.slots.acquire(ctx, toks)
	if err != nil {
		s.releaseRunner(r)
		return nil, err
	}
	j.sl = sl
	if s.slotHook != nil {
		s.slotHook(req)
	}
	return j, nil
}

// checkPrompt refuses prompts the context cannot hold (with room for at
// least one generated token) and empty ones.
func checkPrompt(r *runner, toks []int32) error {
	n := r.key.ctx
	switch {
	case len(toks) == 0:
		return badParam("prompt", "the prompt is empty")
	case len(toks) >= n:
		return &httpError{
			status: http.StatusBadRequest, code: "context_length_exceeded", param: "messages",
			msg: fmt.Sprintf("the prompt is %d tokens, more than the context of %d tokens can hold (shorten it, or raise num_ctx up to the model's training context)", len(toks), n),
		}
	}
	vocab := int32(r.model.Tokenizer().VocabSize())
	for _, t := range toks {
		if t < 0 || t >= vocab {
			return badParam("prompt", "token id %d is outside the vocabulary (0..%d)", t, vocab-1)
		}
	}
	return nil
}

// run generates, calling emit with each piece of text. It stops when emit
// fails (the client went away) or the request's context ends.
func (j *job) run(emit func(text string) error) error {
	if j.numPredict == 0 {
		j.stats = gollm.Stats{PromptTokens: len(j.prompt), StopReason: "length"}
		return nil
	}
	ctx := j.req.Context()
	var runErr error
	for tok, err := range j.sl.generate(ctx, j.prompt, j.opts) {
		if err != nil {
			runErr = err
			break
		}
		if tok.ID >= 0 {
			j.ids = append(j.ids, tok.ID)
		}
		text := tok.Text
		if m, ok := j.preserve[tok.ID]; ok {
			// A control token adds nothing itself: any text is what was
			// held back before it.
			text += m
		}
		if text == "" {
			continue
		}
		if err := emit(text); err != nil {
			runErr = err
			break
		}
		if j.s.tokenHook != nil {
			j.s.tokenHook(j.req)
		}
	}
	j.s.metrics.generation(j.stats.PromptEvaluated, j.stats.PromptDuration, j.stats.GeneratedTokens, j.stats.GenerateDuration)
	if runErr != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return runErr
}

// finish frees the slot and the caller's hold on the model.
func (j *job) finish() {
	if j.sl != nil {
		j.r.slots.release(j.sl)
		j.sl = nil
	}
	if j.r != nil {
		j.s.releaseRunner(j.r)
		j.r = nil
	}
}

// doneReason maps a stop reason to Ollama's done_reason and OpenAI's
// finish_reason.
func (j *job) doneReason() string {
	switch j.stats.StopReason {
	case "length", "context":
		return "length"
	}
	return "stop"
}

// renderChat renders a conversation with the runner's chat template and an
// opened assistant turn.
func renderChat(r *runner, msgs []chat.Message, opts gollm.ChatOptions) (string, error) {
	if r.tmpl == r.model.Template() {
		return r.model.ChatPrompt(msgs, opts)
	}
	tok := r.model.Tokenizer()
	o := chat.Options{
		AddGenerationPrompt: true, TokenizerAddsBOS: tok.AddBOS(), TokenizerAddsEOS: tok.AddEOS(),
		Tools: opts.Tools, EnableThinking: opts.Thinking, ExtraVars: opts.TemplateVars,
	}
	if id := tok.BOS(); id >= 0 {
		o.BOS = tok.TokenText(id)
	}
	if id := tok.EOS(); id >= 0 {
		o.EOS = tok.TokenText(id)
	}
	return r.tmpl.Render(msgs, o)
}

// chatPrompt returns a promptFunc rendering msgs with the chat template;
// the rendered text goes to *rendered (when not nil).
func chatPrompt(msgs []chat.Message, opts gollm.ChatOptions, rendered *string) promptFunc {
	return func(r *runner) ([]int32, error) {
		text, err := renderChat(r, msgs, opts)
		if err != nil {
			return nil, badRequest("applying the chat template: %v", err)
		}
		if rendered != nil {
			*rendered = text
		}
		return r.model.Tokenize(text, true), nil
	}
}

// replyParser returns the parser that splits the job's reply, generated
// from a prompt rendered with the runner's chat template, into content,
// thinking and (when tools were offered) tool calls. Without
// splitThinking the reasoning markers stay in the content. The markers
// that are control tokens in the model's vocabulary are rendered as text
// for it, as llama-server does with its preserved tokens.
func (j *job) replyParser(prompt string, tools []chat.Tool, splitThinking bool) *toolcall.Parser {
	syn := toolcall.Detect(j.r.tmpl.Source())
	if !splitThinking {
		syn.ThinkOpen, syn.ThinkClose = "", ""
	}
	tok := j.r.model.Tokenizer()
	for _, m := range syn.Markers(len(tools) > 0) {
		if id, ok := tok.TokenID(m); ok && tok.IsControl(id) {
			if j.preserve == nil {
				j.preserve = map[int32]string{}
			}
			j.preserve[id] = m
		}
	}
	return toolcall.New(toolcall.Options{Syntax: syn, Tools: tools, InThinking: toolcall.StartsInThinking(prompt, syn)})
}

// runParsed is run with each piece split by p; emit gets what each piece
// settled (often nothing, while a marker may be starting) and, at the end,
// what p held back.
func (j *job) runParsed(p *toolcall.Parser, emit func(d toolcall.Delta) error) error {
	if err := j.run(func(piece string) error { return emit(p.Add(piece)) }); err != nil {
		return err
	}
	return emit(p.Finish())
}

// hasTemplate reports whether the model brings a chat template (its own
// or one recognized from Ollama's template layer).
func (r *runner) hasTemplate() bool {
	src, _ := r.model.Internal().File.String("tokenizer.chat_template")
	return src != "" || r.tmpl != r.model.Template()
}

// loadOnly answers a generate or chat request with nothing to generate,
// which Ollama treats as "load the model" (or, with keep_alive 0, "unload
// it"). It returns "load" or "unload".
func (s *Server) loadOnly(req *http.Request, ref *store.Model, samp sampling, keepAlive *time.Duration) (string, error) {
	if keepAlive != nil && *keepAlive == 0 {
		s.unloadModel(ref)
		return "unload", nil
	}
	ctxSize, err := s.ctxSize(ref, samp.numCtx)
	if err != nil {
		return "", err
	}
	r, _, err := s.acquireRunner(req.Context(), ref, ctxSize, keepAlive)
	if err != nil {
		return "", err
	}
	s.releaseRunner(r)
	return "load", nil
}

// withModel loads a model (no slot needed) for the tokenizer endpoints.
func (s *Server) withModel(ctx context.Context, name string, fn func(r *runner) error) error {
	ref, err := s.resolve(name, true)
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
	defer s.releaseRunner(r)
	return fn(r)
}

// errStreamWrite marks a failed write to the client.
var errStreamWrite = errors.New("writing to the client failed")
