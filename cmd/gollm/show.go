package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gollm/gollm/server"
)

func init() {
	register(&command{
		name:    "show",
		summary: "show a model's details, template and parameters, as ollama show does",
		run:     runShow,
	})
}

func runShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("show", stderr)
	var sf storeFlags
	sf.register(fs)
	var modelfile, params, template, system, license, verbose, asJSON bool
	fs.BoolVar(&modelfile, "modelfile", false, "print the Modelfile")
	fs.BoolVar(&params, "parameters", false, "print the parameters")
	fs.BoolVar(&template, "template", false, "print the chat template")
	fs.BoolVar(&system, "system", false, "print the system message")
	fs.BoolVar(&license, "license", false, "print the license")
	fs.BoolVar(&verbose, "verbose", false, "include every metadata key (vocabularies too)")
	fs.BoolVar(&asJSON, "json", false, "print /api/show's JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("want one model name (got %d arguments)", len(pos))
	}
	picked := 0
	for _, b := range []bool{modelfile, params, template, system, license, asJSON} {
		if b {
			picked++
		}
	}
	if picked > 1 {
		return usageErrorf("give at most one of --modelfile, --parameters, --template, --system, --license, --json")
	}
	sr, err := server.Show(sf.store(), pos[0], verbose)
	if err != nil {
		return err
	}
	switch {
	case asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sr)
	case modelfile:
		fmt.Fprint(stdout, sr.Modelfile)
	case params:
		fmt.Fprint(stdout, sr.Parameters)
	case template:
		fmt.Fprintln(stdout, sr.Template)
	case system:
		fmt.Fprintln(stdout, sr.System)
	case license:
		fmt.Fprintln(stdout, sr.License)
	default:
		printShow(stdout, sr, verbose)
	}
	return nil
}

// printShow writes the summary ollama show prints: model, capabilities,
// parameters, system, license.
func printShow(w io.Writer, sr *server.ShowResponse, verbose bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 4, ' ', 0)
	arch := sr.Details.Family
	row := func(k string, v any) { fmt.Fprintf(tw, "    %s\t%v\n", k, v) }
	fmt.Fprintln(tw, "  Model")
	row("architecture", arch)
	row("parameters", sr.Details.ParameterSize)
	for _, k := range []string{"context_length", "embedding_length"} {
		if v, ok := sr.ModelInfo[arch+"."+k]; ok {
			row(strings.ReplaceAll(k, "_", " "), v)
		}
	}
	row("quantization", sr.Details.QuantizationLevel)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "  Capabilities")
	for _, c := range sr.Capabilities {
		fmt.Fprintf(tw, "    %s\n", c)
	}
	if sr.Parameters != "" {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "  Parameters")
		for _, line := range strings.Split(strings.TrimSpace(sr.Parameters), "\n") {
			k, v, _ := strings.Cut(line, " ")
			row(k, strings.TrimSpace(v))
		}
	}
	if sr.System != "" {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "  System")
		fmt.Fprintf(tw, "    %s\n", firstLines(sr.System, 3))
	}
	if sr.License != "" {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "  License")
		fmt.Fprintf(tw, "    %s\n", firstLines(sr.License, 2))
	}
	if verbose {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "  Metadata")
		keys := make([]string, 0, len(sr.ModelInfo))
		for k := range sr.ModelInfo {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(sr.ModelInfo[k])
			s := strings.TrimSpace(b.String())
			if len(s) > 80 {
				s = s[:77] + "..."
			}
			row(k, s)
		}
	}
	fmt.Fprintln(tw)
	tw.Flush()
}

// firstLines returns the first n lines of s, with "..." when cut.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n    ")
}
