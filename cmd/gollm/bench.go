package main

// gollm bench measures prompt processing (pp) and text generation (tg)
// speed like llama-bench and prints its table, or its JSON, JSONL or CSV
// records with the same field names. --roofline adds a STREAM-like memory
// bandwidth measurement and puts text generation next to it.
//
// gollm bench --make SHAPE --type MIX -o FILE writes a synthetic model
// (random weights, real shapes and metadata, llama-quantize's mix) to
// benchmark without real weights: llama-1b, llama-3b, llama-8b.

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/gollm/gollm/bench"
	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quantize"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure pp/tg speed like llama-bench (--roofline: memory bandwidth; --make: synthetic models)",
		run:     runBench,
	})
}

// defaultVocab is where --make looks for the Llama 3 vocabulary when
// --vocab is not given (the repository's tokenizer fixtures, relative to
// the repository root).
const defaultVocab = "tokenizer/testdata/ggml-vocab-llama-bpe.gguf"

type benchFlags struct {
	models                 stringList
	prompts, gens, threads string
	depths                 string
	promptGens             stringList // -pg pp,tg (repeatable)
	batches, ubatches      string
	typeK, typeV           string
	reps                   int
	output                 string
	noWarmup, progress     bool
	roofline               bool
	cpuProfile             string
	rooflineMiB            int
	seed                   uint64

	make, mix, vocab string
	pool             int
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	var f benchFlags
	fs.Var(&f.models, "m", "model `file` (repeatable)")
	fs.Var(&f.models, "model", "model file (same as -m)")
	fs.StringVar(&f.prompts, "p", "512", "prompt `tokens` of the pp tests (list: 128,512 or 128-512*2; 0: none)")
	fs.StringVar(&f.prompts, "n-prompt", "512", "same as -p")
	fs.StringVar(&f.gens, "n", "128", "generated `tokens` of the tg tests (list; 0: none)")
	fs.StringVar(&f.gens, "n-gen", "128", "same as -n")
	fs.Var(&f.promptGens, "pg", "prompt and generation `pp,tg` timed together, as one pp+tg test (repeatable)")
	fs.StringVar(&f.depths, "d", "0", "`tokens` already in the KV cache when each test starts (list)")
	fs.StringVar(&f.depths, "n-depth", "0", "same as -d")
	fs.StringVar(&f.threads, "t", strconv.Itoa(runtime.NumCPU()), "`threads` (list)")
	fs.StringVar(&f.threads, "threads", strconv.Itoa(runtime.NumCPU()), "same as -t")
	fs.StringVar(&f.batches, "b", "2048", "logical batch `size` (list)")
	fs.StringVar(&f.batches, "batch-size", "2048", "same as -b")
	fs.StringVar(&f.ubatches, "ub", "512", "physical batch `size` (list)")
	fs.StringVar(&f.ubatches, "ubatch-size", "512", "same as -ub")
	fs.StringVar(&f.typeK, "ctk", "f16", "KV cache `type` of K: f16 or q8_0 (list)")
	fs.StringVar(&f.typeK, "cache-type-k", "f16", "same as -ctk")
	fs.StringVar(&f.typeV, "ctv", "f16", "KV cache `type` of V (gollm: the same as K)")
	fs.StringVar(&f.typeV, "cache-type-v", "f16", "same as -ctv")
	fs.IntVar(&f.reps, "r", 5, "`repetitions` of each test")
	fs.IntVar(&f.reps, "repetitions", 5, "same as -r")
	fs.StringVar(&f.output, "o", "", "output `format`: md, json, jsonl or csv (default md); with --make: the model file")
	fs.StringVar(&f.output, "output", "", "same as -o")
	fs.BoolVar(&f.noWarmup, "no-warmup", false, "skip the warm-up runs")
	fs.BoolVar(&f.progress, "progress", false, "print progress on stderr")
	fs.BoolVar(&f.roofline, "roofline", false, "measure memory bandwidth and compare text generation with it")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured runs to `file` (go tool pprof reads it)")
	fs.IntVar(&f.rooflineMiB, "roofline-mib", defaultRooflineMiB(), "`MiB` per array of the bandwidth test; the default is twice the last-level cache, at least 256")
	fs.Uint64Var(&f.seed, "seed", 1, "random `seed` (tokens; weights with --make)")
	fs.StringVar(&f.make, "make", "", "write a synthetic model of this `shape` (llama-1b, llama-3b, llama-8b) to the -o file")
	fs.StringVar(&f.mix, "type", "Q4_K_M", "quantization `mix` of --make (as gollm quantize takes it)")
	fs.StringVar(&f.vocab, "vocab", "", "GGUF `file` whose tokenizer --make copies (default "+defaultVocab+")")
	fs.IntVar(&f.pool, "pool", 0, "random blocks per weight pool of --make (0: default; -1: every block random, slow)")
	oneLineFlagErrors(fs, args, stderr, func() {
		fmt.Fprintln(stderr, "usage: gollm bench -m FILE [-m FILE…] [-p 512] [-n 128] [-pg 512,128] [-d 0,4096] [-t 1,2] [-r 5] [-o md|json|jsonl|csv] [--roofline]")
		fmt.Fprintln(stderr, "       gollm bench --roofline [-t 1,2]")
		fmt.Fprintln(stderr, "       gollm bench --make llama-1b --type Q4_K_M [--vocab FILE] -o FILE.gguf\n\nflags:")
	})
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	if f.make != "" {
		return runMake(&f, stdout, stderr)
	}
	if f.cpuProfile != "" {
		out, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: cpu profile: %w", err)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return fmt.Errorf("bench: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return runSpeed(&f, stdout, stderr)
}

// rangeItem is one element of llama-bench's list syntax:
// first[-last[(+|*)step]].
var rangeItem = regexp.MustCompile(`^(\d+)(?:-(\d+)(?:([+*])(\d+))?)?$`)

// parseIntList parses llama-bench's integer lists: "1,2", "1-4",
// "128-512*2", "128-512+128".
func parseIntList(flagName, s string) ([]int, error) {
	var out []int
	for item := range strings.SplitSeq(s, ",") {
		m := rangeItem.FindStringSubmatch(strings.TrimSpace(item))
		if m == nil {
			return nil, usageErrorf("-%s: bad list %q (want N, N,M or FIRST-LAST[+|*STEP])", flagName, s)
		}
		first, _ := strconv.Atoi(m[1])
		last, step, op := first, 1, "+"
		if m[2] != "" {
			last, _ = strconv.Atoi(m[2])
		}
		if m[4] != "" {
			step, _ = strconv.Atoi(m[4])
			op = m[3]
		}
		for i := first; i <= last; {
			out = append(out, i)
			prev := i
			if op == "+" {
				i += step
			} else {
				i *= step
			}
			if i <= prev {
				return nil, usageErrorf("-%s: range %q does not advance", flagName, item)
			}
			if len(out) > 4096 {
				return nil, usageErrorf("-%s: list %q is too long", flagName, s)
			}
		}
	}
	return out, nil
}

func parseKVTypes(flagName, s string) ([]quant.Type, error) {
	var out []quant.Type
	for item := range strings.SplitSeq(s, ",") {
		switch item {
		case "f16":
			out = append(out, quant.F16)
		case "q8_0":
			out = append(out, quant.Q8_0)
		default:
			return nil, usageErrorf("-%s: KV cache type must be f16 or q8_0 (got %q)", flagName, item)
		}
	}
	return out, nil
}

// benchPlan is the parsed speed-test configuration.
type benchPlan struct {
	prompts, gens, threads, batches, ubatches []int
	depths                                    []int
	promptGens                                [][2]int
	typesK, typesV                            []quant.Type
	format                                    bench.Format
}

func (f *benchFlags) plan() (*benchPlan, error) {
	var p benchPlan
	var err error
	lists := []struct {
		name, val string
		dst       *[]int
		min       int
	}{
		{"p", f.prompts, &p.prompts, 0}, {"n", f.gens, &p.gens, 0}, {"t", f.threads, &p.threads, 1},
		{"b", f.batches, &p.batches, 1}, {"ub", f.ubatches, &p.ubatches, 1}, {"d", f.depths, &p.depths, 0},
	}
	for _, l := range lists {
		if *l.dst, err = parseIntList(l.name, l.val); err != nil {
			return nil, err
		}
		for _, v := range *l.dst {
			if v < l.min {
				return nil, usageErrorf("-%s: values must be at least %d (got %d)", l.name, l.min, v)
			}
		}
	}
	for _, pg := range f.promptGens {
		pp, tg, ok := strings.Cut(pg, ",")
		np, err1 := strconv.Atoi(strings.TrimSpace(pp))
		ng, err2 := strconv.Atoi(strings.TrimSpace(tg))
		if !ok || err1 != nil || err2 != nil || np < 0 || ng < 0 || np+ng == 0 {
			return nil, usageErrorf("-pg: want PROMPT,GEN token counts (got %q)", pg)
		}
		p.promptGens = append(p.promptGens, [2]int{np, ng})
	}
	if p.typesK, err = parseKVTypes("ctk", f.typeK); err != nil {
		return nil, err
	}
	if p.typesV, err = parseKVTypes("ctv", f.typeV); err != nil {
		return nil, err
	}
	if f.reps <= 0 {
		return nil, usageErrorf("-r must be positive (got %d)", f.reps)
	}
	out := f.output
	if out == "" {
		out = "md"
	}
	if p.format, err = bench.ParseFormat(out); err != nil {
		return nil, usageErrorf("-o: unknown output format %q (want md, json, jsonl or csv)", out)
	}
	return &p, nil
}

func runSpeed(f *benchFlags, stdout, stderr io.Writer) error {
	p, err := f.plan()
	if err != nil {
		return err
	}
	if f.rooflineMiB <= 0 {
		return usageErrorf("--roofline-mib must be positive (got %d)", f.rooflineMiB)
	}
	if len(f.models) == 0 && !f.roofline {
		return usageErrorf("-m FILE is required (or --roofline alone, or --make)")
	}
	var bws []bench.Bandwidth
	if f.roofline {
		for _, t := range p.threads {
			if f.progress {
				fmt.Fprintf(stderr, "gollm bench: memory bandwidth with %d threads\n", t)
			}
			bws = append(bws, bench.MeasureBandwidth(t, f.rooflineMiB<<20, 3))
		}
	}
	var results []*bench.Result
	if len(f.models) > 0 {
		if results, err = runTests(f, p, stdout, stderr); err != nil {
			return err
		}
	}
	if f.roofline {
		w := stdout
		if p.format != bench.FormatMarkdown && len(f.models) > 0 {
			w = stderr // keep machine-readable output clean
		}
		printRoofline(w, bws, results, f.rooflineMiB, len(f.models) > 0)
	}
	return nil
}

func runTests(f *benchFlags, p *benchPlan, stdout, stderr io.Writer) ([]*bench.Result, error) {
	var tests []bench.Test
	for _, nb := range p.batches {
		for _, nub := range p.ubatches {
			for _, tk := range p.typesK {
				for _, tv := range p.typesV {
					if tk != tv {
						return nil, usageErrorf("gollm's KV cache has one type: -ctk and -ctv must match (%v, %v)", tk, tv)
					}
					for _, nt := range p.threads {
						for _, nd := range p.depths {
							base := bench.Test{NBatch: nb, NUBatch: nub, Threads: nt, TypeK: tk, TypeV: tv,
								NDepth: nd, Reps: f.reps, Warmup: !f.noWarmup, Seed: f.seed}
							for _, np := range p.prompts {
								if np > 0 {
									t := base
									t.NPrompt = np
									tests = append(tests, t)
								}
							}
							for _, ng := range p.gens {
								if ng > 0 {
									t := base
									t.NGen = ng
									tests = append(tests, t)
								}
							}
							for _, pg := range p.promptGens {
								t := base
								t.NPrompt, t.NGen = pg[0], pg[1]
								tests = append(tests, t)
							}
						}
					}
				}
			}
		}
	}
	if len(tests) == 0 {
		return nil, usageErrorf("no tests: -p and -n are both 0 and there is no -pg")
	}
	pr := bench.NewPrinter(stdout, p.format, bench.TableOptions{
		NBatch: len(p.batches) > 1 || p.batches[0] != 2048, NUBatch: len(p.ubatches) > 1 || p.ubatches[0] != 512,
		TypeK: len(p.typesK) > 1 || p.typesK[0] != quant.F16, TypeV: len(p.typesV) > 1 || p.typesV[0] != quant.F16,
	})
	pr.Header()
	var results []*bench.Result
	total, idx := len(tests)*len(f.models), 0
	for _, path := range f.models {
		m, closeModel, err := openModel(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		info := bench.ModelInfoOf(m, path)
		for _, t := range tests {
			idx++
			if f.progress {
				fmt.Fprintf(stderr, "gollm bench: benchmark %d/%d: %s %s, %d threads\n", idx, total, info.Desc, t.Name(), t.Threads)
			}
			r, err := bench.Run(m, info, t)
			if err != nil {
				closeModel()
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			pr.Print(r)
			results = append(results, r)
		}
		closeModel()
	}
	pr.Footer()
	return results, nil
}

// printRoofline prints the bandwidth table and, for each tg result, the
// bandwidth its weight reads reach and their fraction of the read
// bandwidth at the same thread count.
// defaultRooflineMiB sizes the bandwidth test's arrays at twice the
// last-level cache (some servers report hundreds of MiB), so that the test
// reads memory, not cache.
func defaultRooflineMiB() int {
	l3 := cpuid.CPU.Cache.L3
	if l3 <= 0 {
		return 256
	}
	return max(256, (2*l3+(1<<20)-1)>>20)
}

func printRoofline(w io.Writer, bws []bench.Bandwidth, results []*bench.Result, mib int, withTests bool) {
	if withTests {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "memory bandwidth (STREAM-like, %d MiB arrays, best of 3):\n\n", mib)
	fmt.Fprintln(w, "| threads |  copy GB/s |  read GB/s |")
	fmt.Fprintln(w, "| ------: | ---------: | ---------: |")
	byThreads := map[int]bench.Bandwidth{}
	for _, b := range bws {
		byThreads[b.Threads] = b
		fmt.Fprintf(w, "| %7d | %10.2f | %10.2f |\n", b.Threads, b.Copy/1e9, b.Read/1e9)
	}
	var lines []string
	for _, r := range results {
		if r.NGen == 0 || r.NPrompt != 0 || r.NDepth != 0 {
			continue // only plain tg tests read nothing but the weights
		}
		bw := byThreads[r.Threads]
		perTok := float64(r.Model.WeightBytes)
		got := perTok * r.AvgTS()
		lines = append(lines, fmt.Sprintf("| %-30s | %7d | %15s | %10.2f | %10.2f | %10.2f | %7.1f%% |",
			r.Model.Desc, r.Threads, r.Name(), r.AvgTS(), perTok/(1<<20), got/1e9, 100*got/bw.Read))
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\ntext generation against the read bandwidth (weights read per token × t/s):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| model                          | threads |            test |        t/s | MiB/token  |       GB/s | of read |")
	fmt.Fprintln(w, "| ------------------------------ | ------: | --------------: | ---------: | ---------: | ---------: | ------: |")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

func runMake(f *benchFlags, stdout, stderr io.Writer) error {
	shape, err := bench.ShapeNamed(f.make)
	if err != nil {
		return usageErrorf("%s", strings.TrimPrefix(err.Error(), "bench: "))
	}
	ft, err := quantize.ParseFileType(f.mix)
	if err != nil {
		return usageErrorf("--type: %s", strings.TrimPrefix(err.Error(), "quantize: "))
	}
	if f.output == "" {
		return usageErrorf("--make needs -o FILE.gguf")
	}
	threads, err := parseIntList("t", f.threads)
	if err != nil {
		return err
	}
	nt := 0
	for _, t := range threads {
		nt = max(nt, t)
	}
	if f.pool < -1 {
		return usageErrorf("--pool must be -1 or more (got %d)", f.pool)
	}
	vocabPath := f.vocab
	if vocabPath == "" {
		vocabPath = defaultVocab
	}
	vocab, err := gguf.Open(vocabPath)
	if err != nil {
		return fmt.Errorf("vocabulary (--vocab): %w", err)
	}
	defer vocab.Close()
	bar := newProgressBar(stderr)
	start := time.Now()
	res, err := bench.MakeFile(f.output, bench.MakeOptions{
		Shape: shape, FileType: ft, Vocab: vocab, Seed: f.seed, Threads: nt, PoolBlocks: f.pool, Progress: bar.update,
	})
	bar.finish()
	if err != nil {
		return err
	}
	size := fmt.Sprintf("%.2f MiB", float64(res.Bytes)/(1<<20))
	if res.Bytes >= 1<<30 {
		size = fmt.Sprintf("%.2f GiB", float64(res.Bytes)/(1<<30))
	}
	fmt.Fprintf(stdout, "wrote %s: %s %s (%s), %s, %.2f B parameters, in %.1f s\n",
		f.output, shape.ModelName, quantize.FileTypeName(ft), ft, size, float64(res.Params)/1e9, time.Since(start).Seconds())
	return nil
}
