//go:build amd64 && !noasm

package kernels

import (
	"testing"

	"github.com/gollm/gollm/quant"
)

// kqArchDotPaths lists the assembly dot products of t that this CPU runs;
// each is tested by calling it directly, whatever the table chose.
func kqArchDotPaths(tb testing.TB, t quant.Type) []kqDotPath {
	var avx2, vnni VecDotFunc
	switch t {
	case quant.Q4K:
		avx2, vnni = dotQ4KQ8KAVX2, dotQ4KQ8KVNNI
	case quant.Q5K:
		avx2, vnni = dotQ5KQ8KAVX2, dotQ5KQ8KVNNI
	case quant.Q6K:
		avx2, vnni = dotQ6KQ8KAVX2, dotQ6KQ8KVNNI
	default:
		return nil
	}
	return kqArchFilter(tb, t, []kqDotPath{{"avx2", avx2}, {"avx512vnni", vnni}})
}

// kqArchTilePaths lists the assembly tiles of t that this CPU runs.
func kqArchTilePaths(tb testing.TB, t quant.Type) []kqTilePath {
	var vnni TileFunc
	switch t {
	case quant.Q4K:
		vnni = tileQ4KQ8KVNNI
	case quant.Q5K:
		vnni = tileQ5KQ8KVNNI
	case quant.Q6K:
		vnni = tileQ6KQ8KVNNI
	default:
		return nil
	}
	if !hasVNNI {
		tb.Logf("%v: CPU lacks avx512vnni; its tile is not tested here", t)
		return nil
	}
	tb.Logf("%v: testing the avx512vnni tile directly", t)
	return []kqTilePath{{"avx512vnni", vnni}}
}

// kqArchFilter keeps the paths whose CPU features are present and logs the
// ones it has to skip.
func kqArchFilter[P any](tb testing.TB, t quant.Type, paths []P) []P {
	tb.Helper()
	var out []P
	for i, p := range paths {
		name := []string{"avx2", "avx512vnni"}[i]
		ok := (name == "avx2" && hasAVX2) || (name == "avx512vnni" && hasVNNI)
		if ok {
			out = append(out, p)
			if _, isT := tb.(*testing.T); isT {
				tb.Logf("%v: testing the %s path directly", t, name)
			}
		} else {
			tb.Logf("%v: CPU lacks %s; that path is not tested here", t, name)
		}
	}
	return out
}

// TestKQuantImplementations checks that the kernel table chose the best
// path this CPU has and reports it.
func TestKQuantImplementations(t *testing.T) {
	want := "go"
	switch {
	case hasVNNI:
		want = "avx512vnni"
	case hasAVX2:
		want = "avx2"
	}
	got := map[string]string{}
	for _, im := range Implementations() {
		got[im.Kernel] = im.Name
	}
	for _, k := range []string{"dot q4_K·q8_K", "dot q5_K·q8_K", "dot q6_K·q8_K"} {
		if got[k] != want {
			t.Errorf("%s: implementation %q, want %q", k, got[k], want)
		}
	}
	for _, k := range []string{"dot q2_K·q8_K", "dot q3_K·q8_K", "dot iq4_xs·q8_K"} {
		if got[k] != "go" {
			t.Errorf("%s: implementation %q, want go", k, got[k])
		}
	}
	if hasVNNI {
		for _, k := range []string{"tile q4_K·q8_K", "tile q5_K·q8_K", "tile q6_K·q8_K"} {
			if got[k] != "avx512vnni" {
				t.Errorf("%s: implementation %q, want avx512vnni", k, got[k])
			}
		}
	}
	t.Logf("chose %q for the q4_K, q5_K, q6_K dot products", want)
}
