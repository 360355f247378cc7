package main

// gollm quantize IN.gguf OUT.gguf TYPE [NTHREADS] rewrites a model into a
// quantization mix as llama-quantize does (same per-tensor types, same
// bytes, same metadata), showing a progress bar on stderr and a summary of
// the sizes before and after.

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quantize"
)

func init() {
	register(&command{
		name:    "quantize",
		summary: "quantize a GGUF model with llama-quantize's mixes (Q4_K_M, Q8_0, …)",
		run:     runQuantize,
	})
}

// typeFlag is an optional ggml tensor type flag.
type typeFlag struct{ t *quant.Type }

func (f *typeFlag) String() string {
	if f == nil || f.t == nil {
		return ""
	}
	return f.t.String()
}

func (f *typeFlag) Set(s string) error {
	t, err := quant.ParseType(s)
	if err != nil {
		return err
	}
	f.t = &t
	return nil
}

// ruleList is the repeatable --tensor-type flag.
type ruleList []quantize.TensorTypeRule

func (r *ruleList) String() string { return "" }
func (r *ruleList) Set(s string) error {
	rule, err := quantize.ParseTensorTypeRule(s)
	if err != nil {
		return err
	}
	*r = append(*r, rule)
	return nil
}

func runQuantize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("quantize", stderr)
	var (
		opt          quantize.Options
		outT, embedT typeFlag
		rules        ruleList
	)
	fs.IntVar(&opt.Threads, "threads", 0, "quantization `threads` (0: all cores)")
	fs.BoolVar(&opt.Pure, "pure", false, "quantize every tensor to the default type of the mix (no mix rules)")
	fs.BoolVar(&opt.AllowRequantize, "allow-requantize", false, "allow converting already quantized tensors")
	fs.BoolVar(&opt.LeaveOutput, "leave-output-tensor", false, "leave output.weight as it is")
	fs.Var(&outT, "output-tensor-type", "ggml `type` for output.weight")
	fs.Var(&embedT, "token-embedding-type", "ggml `type` for token_embd.weight")
	fs.Var(&rules, "tensor-type", "`PATTERN=TYPE`: give tensors whose name matches the regular expression this ggml type (repeatable)")
	oneLineFlagErrors(fs, args, stderr, func() {
		fmt.Fprintln(stderr, "usage: gollm quantize [flags] IN.gguf OUT.gguf TYPE [NTHREADS]")
		fmt.Fprintf(stderr, "\nTYPE: %s\n\nflags:\n", strings.Join(quantize.FileTypeNames(), ", "))
	})
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 3 || len(pos) > 4 {
		return usageErrorf("want IN.gguf OUT.gguf TYPE [NTHREADS], got %d arguments", len(pos))
	}
	in, out := pos[0], pos[1]
	if opt.FileType, err = quantize.ParseFileType(pos[2]); err != nil {
		return usageErrorf("%s", strings.TrimPrefix(err.Error(), "quantize: "))
	}
	if len(pos) == 4 {
		n, err := strconv.Atoi(pos[3])
		if err != nil || n <= 0 {
			return usageErrorf("NTHREADS must be a positive integer (got %q)", pos[3])
		}
		opt.Threads = n
	}
	if opt.Threads < 0 {
		return usageErrorf("--threads must not be negative (got %d)", opt.Threads)
	}
	if opt.Threads == 0 {
		opt.Threads = runtime.NumCPU()
	}
	opt.OutputType, opt.TokenEmbdType, opt.TensorTypes = outT.t, embedT.t, rules

	src, err := gguf.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	bar := newProgressBar(stderr)
	opt.Progress = bar.update
	start := time.Now()
	fmt.Fprintf(stderr, "quantizing %s to %s (%s) with %d threads\n", in, out, quantize.FileTypeName(opt.FileType), opt.Threads)
	res, err := quantize.RewriteFile(out, src, opt)
	bar.finish()
	if err != nil {
		return err
	}
	printQuantizeSummary(stdout, res, time.Since(start), out)
	return nil
}

// oneLineFlagErrors keeps a bad flag to the one error line main prints:
// the flag package's own message and usage are silenced unless help was
// asked for, in which case header and the flag list are printed.
func oneLineFlagErrors(fs *flag.FlagSet, args []string, stderr io.Writer, header func()) {
	help := false
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			help = true
		}
	}
	if !help {
		fs.SetOutput(io.Discard)
	}
	fs.Usage = func() {
		if help {
			header()
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
	}
}

// printQuantizeSummary prints llama-quantize's size lines and the tensor
// type counts.
func printQuantizeSummary(w io.Writer, res *quantize.Result, took time.Duration, out string) {
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	bpw := func(n int64) float64 { return float64(n) * 8 / float64(res.Elements) }
	fmt.Fprintf(w, "model size  = %8.2f MiB (%.2f BPW)\n", mib(res.BytesIn), bpw(res.BytesIn))
	fmt.Fprintf(w, "quant size  = %8.2f MiB (%.2f BPW)\n", mib(res.BytesOut), bpw(res.BytesOut))
	counts := map[quant.Type]int{}
	for _, t := range res.Plan.Tensors {
		counts[t.To]++
	}
	types := make([]quant.Type, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b quant.Type) int { return counts[b] - counts[a] })
	var parts []string
	for _, t := range types {
		parts = append(parts, fmt.Sprintf("%v x%d", t, counts[t]))
	}
	fmt.Fprintf(w, "tensor types: %s\n", strings.Join(parts, ", "))
	if res.Plan.Fallbacks > 0 {
		fmt.Fprintf(w, "%d of %d tensors required fall-back quantization\n", res.Plan.Fallbacks, len(res.Plan.Tensors))
	}
	fmt.Fprintf(w, "wrote %s in %.2f s\n", out, took.Seconds())
}

// progressBar draws quantization progress on stderr: one self-overwriting
// line on a terminal, one line per finished tensor otherwise.
type progressBar struct {
	w        io.Writer
	terminal bool
	start    time.Time
	last     time.Time
	lastLen  int
	cur      quantize.Progress
	started  bool
}

func newProgressBar(w io.Writer) *progressBar {
	term := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			term = true
		}
	}
	return &progressBar{w: w, terminal: term, start: time.Now()}
}

func (b *progressBar) update(p quantize.Progress) {
	b.cur, b.started = p, true
	done := p.TensorDone >= p.TensorBytes
	if b.terminal {
		if now := time.Now(); done || now.Sub(b.last) >= 100*time.Millisecond {
			b.last = now
			b.draw(false)
		}
		return
	}
	if done {
		b.draw(true)
	}
}

// draw writes the current state; newline ends the line (non-terminal).
func (b *progressBar) draw(newline bool) {
	p := b.cur
	frac := 1.0
	if p.TensorBytes > 0 {
		frac = float64(p.TensorDone) / float64(p.TensorBytes)
	}
	// Rate of source bytes consumed; of bytes written when there is no
	// source (a synthetic model).
	done := float64(p.BytesIn) + frac*float64(p.SourceBytes)
	if p.BytesIn == 0 && p.SourceBytes == 0 {
		done = float64(p.BytesOut)
	}
	rate := done / 1e6 / max(time.Since(b.start).Seconds(), 1e-9)
	const width = 20
	filled := int(frac * width)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	line := fmt.Sprintf("[%4d/%4d] %-32s %6s -> %-6s [%s] %3.0f%% %8.1f MB/s",
		p.Index+1, p.Count, p.Name, p.From, p.To, bar, frac*100, rate)
	if newline {
		fmt.Fprintln(b.w, line)
		return
	}
	pad := ""
	if n := b.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	b.lastLen = len(line)
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
}

// finish ends the terminal line.
func (b *progressBar) finish() {
	if b.terminal && b.started {
		fmt.Fprintln(b.w)
	}
}
