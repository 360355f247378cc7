package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gollm/gollm/server"
)

func init() {
	register(&command{
		name:    "list",
		summary: "list the models gollm can find (built-in, --models, Ollama's store, the Hugging Face cache)",
		run:     runList,
	})
}

func runList(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("list", stderr)
	var sf storeFlags
	sf.register(fs)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print /api/tags' JSON instead of a table")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected arguments %q", pos)
	}
	st := sf.store()
	var models []server.ListModel
	for _, m := range st.List() {
		lm := server.ListModel{Name: m.Name, Model: m.Name, ModifiedAt: m.ModifiedAt, Size: m.Size, Digest: strings.TrimPrefix(m.Digest, "sha256:")}
		if sr, err := server.Show(st, m.Name, false); err == nil {
			lm.Details = sr.Details
		}
		models = append(models, lm)
	}
	if asJSON {
		if models == nil {
			models = []server.ListModel{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(server.ListResponse{Models: models})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 4, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tSIZE\tPARAMETERS\tQUANT\tMODIFIED")
	now := time.Now()
	for _, m := range models {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, shortID(m.Digest), formatSize(m.Size),
			m.Details.ParameterSize, m.Details.QuantizationLevel, formatWhen(m.ModifiedAt, now))
	}
	return tw.Flush()
}

// shortID is the first 12 hex digits of a digest, as Ollama shows IDs.
func shortID(digest string) string {
	digest = strings.TrimPrefix(digest, "sha256:")
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

// formatSize writes a byte count with decimal units, as Ollama does
// ("4.7 GB", "1.2 MB").
func formatSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	for f >= unit && i < 5 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", f, "kMGTPE"[i-1])
}

// formatWhen writes a time relative to now ("3 minutes ago", "in 4
// minutes").
func formatWhen(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = "less than a minute"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 60*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	case d < 2*365*24*time.Hour:
		s = plural(int(d/(30*24*time.Hour)), "month")
	default:
		s = plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
