package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gollm/gollm/server"
)

func init() {
	register(&command{
		name:    "ps",
		summary: "list the models a running gollm serve (or Ollama) has loaded",
		run:     runPS,
	})
}

func runPS(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ps", stderr)
	var host, key string
	var asJSON bool
	fs.StringVar(&host, "host", envOr("GOLLM_HOST", envOr("OLLAMA_HOST", "127.0.0.1:"+defaultPort)), "server `address` ($GOLLM_HOST, $OLLAMA_HOST)")
	fs.StringVar(&key, "api-key", "", "bearer `key` for a server started with --api-key ($GOLLM_API_KEY)")
	fs.BoolVar(&asJSON, "json", false, "print /api/ps' JSON instead of a table")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected arguments %q", pos)
	}
	if key == "" {
		key = os.Getenv("GOLLM_API_KEY")
	}
	base, err := baseURL(host)
	if err != nil {
		return usageErrorf("--host: %v", err)
	}
	req, err := http.NewRequest(http.MethodGet, base+"/api/ps", nil)
	if err != nil {
		return err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no server at %s (start one with gollm serve): %w", base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("reading %s/api/ps: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s/api/ps: %s (%s)", base, e.Error, resp.Status)
		}
		return fmt.Errorf("%s/api/ps: %s", base, resp.Status)
	}
	var ps server.ProcessResponse
	if err := json.Unmarshal(raw, &ps); err != nil {
		return fmt.Errorf("%s/api/ps: %w", base, err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ps)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 4, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tSIZE\tPROCESSOR\tCONTEXT\tSLOTS\tUNTIL")
	now := time.Now()
	for _, m := range ps.Models {
		until := formatWhen(m.ExpiresAt, now)
		if m.ExpiresAt.Year() > 2200 {
			until = "Forever"
		}
		slots := "-"
		if m.Slots > 0 {
			slots = fmt.Sprintf("%d/%d busy", m.Active-min(m.Active, m.QueueDepth), m.Slots)
			if m.QueueDepth > 0 {
				slots += fmt.Sprintf(", %d queued", m.QueueDepth)
			}
		}
		proc := "100% CPU"
		if m.SizeVRAM > 0 && m.Size > 0 {
			proc = fmt.Sprintf("%d%% GPU", m.SizeVRAM*100/m.Size)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", m.Name, shortID(m.Digest), formatSize(m.Size), proc, m.ContextLength, slots, strings.TrimSpace(until))
	}
	return tw.Flush()
}
