package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gollm/gollm/hfhub"
)

func init() {
	register(&command{
		name:    "pull",
		summary: "download a GGUF model from Hugging Face (org/repo[:QUANT]) into the HF cache",
		run:     runPull,
	})
}

// hfCacheDir returns the Hugging Face hub cache directory from the
// environment (HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, then the home
// directory), as huggingface_hub chooses it.
func hfCacheDir() string {
	home, _ := os.UserHomeDir()
	return hfhub.DefaultCacheDir(os.Getenv("HF_HUB_CACHE"), os.Getenv("HF_HOME"), os.Getenv("XDG_CACHE_HOME"), home)
}

// hfToken returns the Hugging Face token from the environment, if any.
func hfToken() string {
	if t := os.Getenv("HF_TOKEN"); t != "" {
		return t
	}
	return os.Getenv("HUGGING_FACE_HUB_TOKEN")
}

func runPull(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("pull", stderr)
	var (
		endpoint = os.Getenv("HF_ENDPOINT")
		cacheDir string
		quiet    bool
	)
	fs.StringVar(&endpoint, "endpoint", endpoint, "Hub `URL` (default: $HF_ENDPOINT or "+hfhub.DefaultEndpoint+")")
	fs.StringVar(&cacheDir, "cache-dir", "", "hub cache `directory` (default: $HF_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub or ~/.cache/huggingface/hub)")
	fs.StringVar(&cacheDir, "hf-cache", "", "same as --cache-dir (serve's spelling)")
	fs.BoolVar(&quiet, "q", false, "no progress bar")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gollm pull [flags] org/repo[@revision][:QUANT]")
		fmt.Fprintln(stderr, "\nDownloads the GGUF file of quantization QUANT (default Q4_K_M, or the only")
		fmt.Fprintln(stderr, "GGUF file) and prints its path. An interrupted download resumes.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("give one model reference, org/repo[:QUANT] (got %d arguments)", len(pos))
	}
	ref, err := hfhub.ParseRef(pos[0])
	if err != nil {
		return usageErrorf("%v", err)
	}
	if cacheDir == "" {
		cacheDir = hfCacheDir()
	}
	c := &hfhub.Client{Endpoint: endpoint, Token: hfToken(), CacheDir: cacheDir}
	var bar *downloadBar
	if !quiet {
		f, tty := stderr.(*os.File)
		bar = newDownloadBar(stderr, tty && isTerminal(f), time.Now)
		c.Progress = bar.update
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	paths, err := c.Pull(ctx, ref)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted; run the same command again to resume")
		}
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// downloadBar draws download progress on one line of a terminal
// ("\r"-redrawn at most every 100 ms), or, when the output is not a
// terminal, as a line at most every 5 seconds.
type downloadBar struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	every time.Duration

	file        string
	start       time.Time // of this file's transfer
	startBytes  int64     // bytes present when the transfer began (resumed)
	lastDraw    time.Time
	done, total int64
	drawn       bool // a line of this file is on screen
}

func newDownloadBar(w io.Writer, tty bool, now func() time.Time) *downloadBar {
	every := 5 * time.Second
	if tty {
		every = 100 * time.Millisecond
	}
	return &downloadBar{w: w, tty: tty, now: now, every: every}
}

// update is the hfhub.Client.Progress callback.
func (p *downloadBar) update(file string, done, total int64) {
	t := p.now()
	if file != p.file {
		p.finish()
		p.file, p.start, p.startBytes, p.lastDraw = file, t, done, time.Time{}
	}
	p.done, p.total = done, total
	if done >= total && total >= 0 || t.Sub(p.lastDraw) >= p.every {
		p.lastDraw = t
		p.draw(t)
	}
}

// finish ends the current file's line.
func (p *downloadBar) finish() {
	if p.file != "" && p.drawn {
		if p.tty {
			fmt.Fprintln(p.w)
		}
	}
	p.file, p.drawn = "", false
}

func (p *downloadBar) draw(t time.Time) {
	line := downloadLine(p.file, p.done, p.total, p.done-p.startBytes, t.Sub(p.start))
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.drawn = true
}

// downloadLine formats one progress report: name, percent, a bar, bytes,
// the rate of this transfer (moved bytes over elapsed time) and the time
// left at that rate.
func downloadLine(file string, done, total, moved int64, elapsed time.Duration) string {
	const width = 24
	name := file
	if len(name) > 40 {
		name = "…" + name[len(name)-39:]
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(moved) / s
	}
	if total <= 0 {
		return fmt.Sprintf("%s %s %s/s", name, formatDownloadBytes(done), formatDownloadBytes(int64(rate)))
	}
	frac := min(float64(done)/float64(total), 1)
	fill := int(frac * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	eta := "--:--"
	switch {
	case done >= total:
		eta = formatETA(elapsed)
	case rate > 0:
		eta = formatETA(time.Duration(float64(total-done) / rate * float64(time.Second)))
	}
	return fmt.Sprintf("%s %3.0f%% %s %s/%s %s/s %s", name, frac*100, bar, formatDownloadBytes(done), formatDownloadBytes(total), formatDownloadBytes(int64(rate)), eta)
}

// formatDownloadBytes writes n in decimal units (as download tools do).
func formatDownloadBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// formatETA writes d as m:ss or h:mm:ss.
func formatETA(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
