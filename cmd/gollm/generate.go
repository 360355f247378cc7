package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/kernels"
)

func init() {
	register(&command{
		name:    "generate",
		summary: "generate text from a prompt (default model: the embedded stories260K)",
		run:     runGenerate,
	})
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", stderr)
	var mf modelFlags
	mf.register(fs)
	var (
		prompt, system, grammarFile, schemaFile      string
		n                                            int
		sp                                           = gollm.DefaultSamplerParams()
		seed                                         int64
		verbose, ignoreEOS, shift, chatMode, anyJSON bool
		stops                                        stringList
		keep                                         int
	)
	fs.StringVar(&prompt, "p", "", "the `prompt` (or a positional argument, or standard input)")
	fs.StringVar(&prompt, "prompt", "", "the `prompt` (same as -p)")
	fs.IntVar(&n, "n", -1, "`tokens` to generate (-1: until the model ends the text)")
	fs.IntVar(&n, "n-predict", -1, "same as -n")
	fs.Var((*float32Flag)(&sp.Temperature), "temp", "sampling temperature (0: greedy)")
	fs.IntVar(&sp.TopK, "top-k", sp.TopK, "top-k sampling (0: off)")
	fs.Var((*float32Flag)(&sp.TopP), "top-p", "top-p sampling (1: off)")
	fs.Var((*float32Flag)(&sp.MinP), "min-p", "min-p sampling (0: off)")
	fs.Var((*float32Flag)(&sp.TypicalP), "typical", "locally typical sampling (1: off)")
	fs.Var((*float32Flag)(&sp.RepeatPenalty), "repeat-penalty", "penalty for repeated tokens (1: off)")
	fs.IntVar(&sp.RepeatLastN, "repeat-last-n", sp.RepeatLastN, "tokens of history the penalties look at (-1: all)")
	fs.Var((*float32Flag)(&sp.PresencePenalty), "presence-penalty", "presence penalty (0: off)")
	fs.Var((*float32Flag)(&sp.FrequencyPenalty), "frequency-penalty", "frequency penalty (0: off)")
	fs.IntVar(&sp.Mirostat, "mirostat", 0, "mirostat sampling version (0: off, 1, 2)")
	fs.Var((*float32Flag)(&sp.MirostatTau), "mirostat-ent", "mirostat target entropy (tau)")
	fs.Var((*float32Flag)(&sp.MirostatEta), "mirostat-lr", "mirostat learning rate (eta)")
	fs.Var((*float32Flag)(&sp.XTCProbability), "xtc-probability", "XTC removal probability (0: off)")
	fs.Var((*float32Flag)(&sp.XTCThreshold), "xtc-threshold", "XTC probability threshold")
	registerDRYFlags(fs, &sp)
	fs.Int64Var(&seed, "seed", -1, "random `seed` (-1: random)")
	fs.Var(&stops, "stop", "stop generation at this `string` (repeatable)")
	fs.BoolVar(&ignoreEOS, "ignore-eos", false, "keep generating after end-of-text tokens")
	fs.IntVar(&keep, "keep", 0, "prompt `tokens` kept when the context shifts (-1: all)")
	fs.BoolVar(&shift, "context-shift", false, "when the context is full, drop half of it and go on (default: stop)")
	fs.StringVar(&grammarFile, "grammar", "", "constrain the output to the GBNF grammar in `file`")
	fs.StringVar(&schemaFile, "json-schema", "", "constrain the output to the JSON schema in `file`")
	fs.BoolVar(&anyJSON, "json", false, "constrain the output to a JSON value")
	fs.BoolVar(&chatMode, "chat", false, "format the prompt with the model's chat template as a user message")
	fs.StringVar(&system, "system", "", "system `message` for --chat")
	fs.BoolVar(&verbose, "verbose", false, "print model metadata, prompt tokens and kernel implementations")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := mf.validate(); err != nil {
		return err
	}
	switch {
	case n < -1:
		return usageErrorf("-n must be -1 or more (got %d)", n)
	case keep < -1:
		return usageErrorf("--keep must be -1 or more (got %d)", keep)
	case prompt != "" && len(pos) > 0:
		return usageErrorf("give the prompt either with -p or as an argument, not both")
	case system != "" && !chatMode:
		return usageErrorf("--system needs --chat")
	case len(pos) > 1:
		return usageErrorf("too many arguments (quote the prompt): %q", pos)
	}
	if len(pos) == 1 {
		prompt = pos[0]
	}
	if err := sp.Validate(); err != nil {
		return usageErrorf("%s", strings.TrimPrefix(err.Error(), "sampler: "))
	}
	g, err := loadGrammar(grammarFile, schemaFile, anyJSON)
	if err != nil {
		return err
	}
	if prompt == "" && len(pos) == 0 && !isTerminal(os.Stdin) {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("reading the prompt from standard input: %w", err)
		}
		prompt = string(b)
	}
	if seed < 0 {
		sp.Seed = rand.Uint64()
	} else {
		sp.Seed = uint64(seed)
	}

	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Close()
	info := m.Info()
	if verbose {
		fmt.Fprintf(stderr, "model: %s (%s, %.2fM parameters, %d bytes)\n", info.Name, info.Architecture, float64(info.Parameters)/1e6, info.FileSize)
		fmt.Fprintf(stderr, "context: %d tokens (trained %d), vocabulary %d, threads %d\n", info.ContextSize, info.TrainContext, info.VocabSize, info.Threads)
		var impl []string
		for _, k := range kernels.Implementations() {
			impl = append(impl, k.Kernel+"="+k.Name)
		}
		fmt.Fprintf(stderr, "kernels: %s\n", strings.Join(impl, " | "))
	}
	text := prompt
	if chatMode {
		var msgs []gollm.Message
		if system != "" {
			msgs = append(msgs, gollm.Message{Role: "system", Content: system})
		}
		msgs = append(msgs, gollm.Message{Role: "user", Content: prompt})
		if text, err = m.ChatPrompt(msgs, gollm.ChatOptions{}); err != nil {
			return fmt.Errorf("chat template: %w", err)
		}
		if verbose {
			if terr := m.TemplateError(); terr != nil {
				fmt.Fprintf(stderr, "chat template: %v\n", terr)
			}
			fmt.Fprintf(stderr, "chat prompt: %q\n", text)
		}
	}
	if verbose {
		fmt.Fprintf(stderr, "prompt tokens: %v\n", m.Tokenize(text, true))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var st gollm.Stats
	out := bufio.NewWriter(stdout)
	if !chatMode {
		fmt.Fprint(out, prompt)
	}
	out.Flush()
	for tok, err := range m.Generate(ctx, text, gollm.GenerateOptions{
		Grammar: g, MaxTokens: n, Sampler: sp, Stop: stops, IgnoreEOS: ignoreEOS, ContextShift: shift, Keep: keep, Stats: &st,
	}) {
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return err
		}
		out.WriteString(tok.Text)
		out.Flush()
	}
	fmt.Fprintln(out)
	out.Flush()
	printTimings(stderr, info, st)
	return nil
}

// loadGrammar compiles the output constraint the flags ask for (at most
// one), before any model is loaded, so that a bad grammar fails fast.
func loadGrammar(grammarFile, schemaFile string, anyJSON bool) (*grammar.Grammar, error) {
	n := 0
	for _, set := range []bool{grammarFile != "", schemaFile != "", anyJSON} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return nil, usageErrorf("give at most one of --grammar, --json-schema and --json")
	case anyJSON:
		return grammar.AnyJSON(), nil
	case grammarFile != "":
		src, err := os.ReadFile(grammarFile)
		if err != nil {
			return nil, err
		}
		g, err := grammar.Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", grammarFile, err)
		}
		return g, nil
	case schemaFile != "":
		src, err := os.ReadFile(schemaFile)
		if err != nil {
			return nil, err
		}
		g, err := grammar.CompileJSONSchema(src, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", schemaFile, err)
		}
		return g, nil
	}
	return nil, nil
}

// printTimings prints llama.cpp's end-of-run performance summary.
func printTimings(w io.Writer, info gollm.Info, st gollm.Stats) {
	ms := func(d interface{ Seconds() float64 }) float64 { return d.Seconds() * 1000 }
	rate := func(n int, sec float64) float64 {
		if sec <= 0 {
			return 0
		}
		return float64(n) / sec
	}
	fmt.Fprintf(w, "\n")
	fmt.Fprintf(w, "load time        = %10.2f ms\n", ms(info.LoadDuration))
	fmt.Fprintf(w, "prompt eval time = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)\n",
		ms(st.PromptDuration), st.PromptEvaluated, ms(st.PromptDuration)/float64(max(st.PromptEvaluated, 1)), rate(st.PromptEvaluated, st.PromptDuration.Seconds()))
	fmt.Fprintf(w, "eval time        = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)\n",
		ms(st.GenerateDuration), st.GeneratedTokens, ms(st.GenerateDuration)/float64(max(st.GeneratedTokens, 1)), rate(st.GeneratedTokens, st.GenerateDuration.Seconds()))
	fmt.Fprintf(w, "total time       = %10.2f ms / %5d tokens\n", ms(info.LoadDuration)+ms(st.PromptDuration)+ms(st.GenerateDuration), st.PromptTokens+st.GeneratedTokens)
}

// float32Flag is a float32 flag value.
type float32Flag float32

func (f *float32Flag) String() string { return fmt.Sprint(float32(*f)) }
func (f *float32Flag) Set(s string) error {
	var v float64
	if _, err := fmt.Sscanf(s, "%g", &v); err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	*f = float32Flag(v)
	return nil
}

// registerDRYFlags adds llama.cpp's DRY sampler flags, writing into sp.
func registerDRYFlags(fs *flag.FlagSet, sp *gollm.SamplerParams) {
	fs.Var((*float32Flag)(&sp.DRYMultiplier), "dry-multiplier", "DRY repetition penalty multiplier (0: off)")
	fs.Var((*float32Flag)(&sp.DRYBase), "dry-base", "DRY penalty growth per repeated token (>= 1)")
	fs.IntVar(&sp.DRYAllowedLength, "dry-allowed-length", sp.DRYAllowedLength, "repeats up to this many `tokens` go unpenalised by DRY")
	fs.IntVar(&sp.DRYPenaltyLastN, "dry-penalty-last-n", sp.DRYPenaltyLastN, "`tokens` of history DRY looks at (-1: the context size, 0: off)")
	fs.Var(&breakerFlag{dst: &sp.DRYSequenceBreakers}, "dry-sequence-breaker",
		"DRY sequence breaker `string` (repeatable; the first use drops the defaults \\n, :, \", *; \"none\" drops them all)")
}

// breakerFlag is --dry-sequence-breaker as llama.cpp has it: the first use
// replaces the default breakers, "none" clears the list.
type breakerFlag struct {
	dst     *[]string
	cleared bool
}

func (f *breakerFlag) String() string {
	if f.dst == nil {
		return ""
	}
	return fmt.Sprintf("%q", *f.dst)
}

func (f *breakerFlag) Set(v string) error {
	if !f.cleared || v == "none" {
		*f.dst = nil
		f.cleared = true
	}
	if v != "none" {
		*f.dst = append(*f.dst, v)
	}
	return nil
}

// isTerminal reports whether f is a character device (a terminal), so that
// a prompt is not awaited on an interactive standard input.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err != nil || st.Mode()&os.ModeCharDevice != 0
}
