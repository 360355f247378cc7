package quantize

import (
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

func TestParseFileType(t *testing.T) {
	tests := []struct {
		in      string
		want    gguf.FileType
		wantErr string
	}{
		{"Q4_K_M", gguf.FileTypeQ4KM, ""},
		{"q4_k_m", gguf.FileTypeQ4KM, ""},
		{"Q4_K", gguf.FileTypeQ4KM, ""},
		{"Q3_K", gguf.FileTypeQ3KM, ""},
		{"Q5_K", gguf.FileTypeQ5KM, ""},
		{"IQ4_XS", gguf.FileTypeIQ4XS, ""},
		{"bf16", gguf.FileTypeBF16, ""},
		{"F32", gguf.FileTypeAllF32, ""},
		{"15", gguf.FileTypeQ4KM, ""},
		{"19", 0, "not supported"},
		{"IQ2_XXS", 0, "unknown type"},
		{"", 0, "unknown type"},
	}
	for _, tc := range tests {
		got, err := ParseFileType(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseFileType(%q) err = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFileType(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, name := range FileTypeNames() {
		ft, err := ParseFileType(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if back, _ := ParseFileType(FileTypeName(ft)); back != ft {
			t.Errorf("%s: FileTypeName gives %s", name, FileTypeName(ft))
		}
		def, ok := DefaultType(ft)
		if !ok || def.Traits().Quantize == nil {
			t.Errorf("%s: default type %v cannot be encoded", name, def)
		}
	}
}

// TestFallback checks llama.cpp's table of replacement types for rows that
// do not tile a type's blocks.
func TestFallback(t *testing.T) {
	tests := []struct {
		typ      quant.Type
		ncols    uint64
		want     quant.Type
		fellBack bool
	}{
		{quant.Q4K, 4096, quant.Q4K, false},
		{quant.Q4K, 96, quant.Q5_0, true},
		{quant.Q5K, 96, quant.Q5_1, true},
		{quant.Q6K, 96, quant.Q8_0, true},
		{quant.Q2K, 96, quant.Q4_0, true},
		{quant.Q3K, 96, quant.Q4_0, true},
		{quant.IQ4XS, 96, quant.IQ4NL, true},
		{quant.Q4K, 172, quant.F16, true},
		{quant.Q6K, 172, quant.F16, true},
		{quant.Q8_0, 64, quant.Q8_0, false},
	}
	for _, tc := range tests {
		got, fb, err := fallback(tc.typ, tc.ncols)
		if err != nil || got != tc.want || fb != tc.fellBack {
			t.Errorf("fallback(%v, %d) = %v, %v, %v; want %v, %v", tc.typ, tc.ncols, got, fb, err, tc.want, tc.fellBack)
		}
	}
	for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_1, quant.IQ4NL} {
		if _, _, err := fallback(typ, 172); err == nil {
			t.Errorf("fallback(%v, 172): no error", typ)
		}
	}
}

// TestSortTensors checks llama.cpp's weight order: non-block tensors first,
// then blocks numerically (blk.10 after blk.2), names bytewise.
func TestSortTensors(t *testing.T) {
	names := []string{"blk.10.attn_q.weight", "token_embd.weight", "blk.2.ffn_up.weight",
		"output_norm.weight", "blk.2.attn_k.weight", "output.weight", "rope_freqs.weight"}
	var ts []gguf.TensorInfo
	for _, n := range names {
		ts = append(ts, gguf.TensorInfo{Name: n})
	}
	var got []string
	for _, ti := range SortTensors(ts) {
		got = append(got, ti.Name)
	}
	want := "output.weight output_norm.weight rope_freqs.weight token_embd.weight blk.2.attn_k.weight blk.2.ffn_up.weight blk.10.attn_q.weight"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v\nwant %s", got, want)
	}
}

// TestUseMoreBits lists the layers of a 16- and a 32-layer model that the
// medium mixes give more bits (first and last eighth, every third between).
func TestUseMoreBits(t *testing.T) {
	tests := []struct {
		n    int
		want []int
	}{
		{16, []int{0, 1, 4, 7, 10, 13, 14, 15}},
		{32, []int{0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}},
		{2, []int{1}}, // tiny-llama: only blk.1 gets q6_K
	}
	for _, tc := range tests {
		var got []int
		for i := range tc.n {
			if useMoreBits(i, tc.n) {
				got = append(got, i)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("n=%d: %v, want %v", tc.n, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("n=%d: %v, want %v", tc.n, got, tc.want)
				break
			}
		}
	}
}

func TestParseTensorTypeRule(t *testing.T) {
	r, err := ParseTensorTypeRule(`blk\.[0-3]\.ffn_down=q8_0`)
	if err != nil || r.Type != quant.Q8_0 || !r.Pattern.MatchString("blk.2.ffn_down.weight") || r.Pattern.MatchString("blk.5.ffn_down.weight") {
		t.Errorf("rule %+v, %v", r, err)
	}
	for _, bad := range []string{"ffn_down", "=q8_0", "ffn_down=", "ffn_down=q9_9", "([=f16"} {
		if _, err := ParseTensorTypeRule(bad); err == nil {
			t.Errorf("ParseTensorTypeRule(%q): no error", bad)
		}
	}
}
