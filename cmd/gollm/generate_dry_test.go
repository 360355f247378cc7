package main

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm"
)

func TestDRYFlags(t *testing.T) {
	tests := []struct {
		args     []string
		breakers []string
	}{
		{nil, []string{"\n", ":", "\"", "*"}},
		// The first use replaces llama.cpp's defaults; later ones add.
		{[]string{"--dry-sequence-breaker", "###"}, []string{"###"}},
		{[]string{"--dry-sequence-breaker", "a", "--dry-sequence-breaker", "b"}, []string{"a", "b"}},
		{[]string{"--dry-sequence-breaker", "none"}, nil},
		{[]string{"--dry-sequence-breaker", "a", "--dry-sequence-breaker", "none", "--dry-sequence-breaker", "b"}, []string{"b"}},
	}
	for _, tc := range tests {
		sp := gollm.DefaultSamplerParams()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		registerDRYFlags(fs, &sp)
		args := append([]string{"--dry-multiplier", "0.8", "--dry-base", "2", "--dry-allowed-length", "3", "--dry-penalty-last-n", "128"}, tc.args...)
		if err := fs.Parse(args); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if sp.DRYMultiplier != 0.8 || sp.DRYBase != 2 || sp.DRYAllowedLength != 3 || sp.DRYPenaltyLastN != 128 {
			t.Errorf("%q: settings %v %v %v %v", args, sp.DRYMultiplier, sp.DRYBase, sp.DRYAllowedLength, sp.DRYPenaltyLastN)
		}
		if !slices.Equal(sp.DRYSequenceBreakers, tc.breakers) {
			t.Errorf("%q: breakers %q, want %q", tc.args, sp.DRYSequenceBreakers, tc.breakers)
		}
	}
}

func TestGenerateDRY(t *testing.T) {
	args := []string{"generate", "-n", "120", "--temp", "0", "Once upon a time"}
	code, plain, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, dry, errOut := runCLI(t, append(args, "--dry-multiplier", "2", "--dry-allowed-length", "1")...)
	if code != 0 {
		t.Fatalf("with DRY: exit %d: %s", code, errOut)
	}
	// Greedy decoding of the tiny model repeats itself; DRY must change
	// the text, and leave the prompt and the first repeat-free words.
	if dry == plain {
		t.Errorf("DRY changed nothing: %q", dry)
	}
	if !strings.HasPrefix(dry, "Once upon a time") {
		t.Errorf("output %q lost the prompt", dry)
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--dry-multiplier", "1", "--dry-base", "0.5"}, "DRY base 0.5 must be"},
		{[]string{"--dry-multiplier", "-1"}, "DRY multiplier -1 must be"},
		{[]string{"--dry-penalty-last-n", "-2"}, "DRY penalty-last-n -2 is below -1"},
		{[]string{"--dry-allowed-length", "-1"}, "DRY allowed length -1 is negative"},
		{[]string{"--dry-sequence-breaker", ""}, "DRY sequence breaker 0 is empty"},
	}
	for _, tc := range bad {
		code, _, errOut := runCLI(t, append([]string{"generate"}, append(tc.args, "hi")...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
