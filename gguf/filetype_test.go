package gguf

import (
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/quant"
)

// TestFileTypeNames checks names against the model descriptions llama.cpp
// printed for the fixture models ("qwen3moe ?B Q4_K - Medium", "llama ?B
// (guessed) all F32", …) and llama.h's numbering.
func TestFileTypeNames(t *testing.T) {
	cases := []struct {
		ft   FileType
		want string
	}{
		{FileTypeAllF32 | FileTypeGuessed, "(guessed) all F32"},
		{FileTypeF16, "F16"},
		{FileTypeQ4_0, "Q4_0"},
		{FileTypeQ8_0, "Q8_0"},
		{FileTypeQ4KM, "Q4_K - Medium"},
		{FileTypeQ5KM, "Q5_K - Medium"},
		{FileTypeQ6K, "Q6_K"},
		{FileType(15), "Q4_K - Medium"},
		{FileType(7), "Q8_0"},
		{FileType(32), "BF16"},
		{FileType(27), "IQ3_S mix - 3.66 bpw"},
		{FileType(5), "unknown file type 5"},
		{FileType(999), "unknown file type 999"},
	}
	for _, c := range cases {
		if got := c.ft.String(); got != c.want {
			t.Errorf("FileType(%d) = %q, want %q", uint32(c.ft), got, c.want)
		}
	}
}

func TestFileTypeGuess(t *testing.T) {
	build := func(withKey bool, types ...quant.Type) *File {
		t.Helper()
		var kv []KV
		if withKey {
			kv = append(kv, KV{KeyFileType, Uint32(uint32(FileTypeQ6K))})
		}
		infos := make([]TensorInfo, len(types))
		data := make([][]byte, len(types))
		for i, ty := range types {
			infos[i] = TensorInfoOf(string(rune('a'+i)), ty, 256)
			data[i] = make([]byte, ty.TypeSize()*(256/ty.BlockSize()))
		}
		b, err := Marshal(kv, infos, data)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	cases := []struct {
		name string
		f    *File
		want FileType
		ok   bool
	}{
		{"stored key wins", build(true, quant.F32, quant.F32), FileTypeQ6K, true},
		{"all f32", build(false, quant.F32, quant.F32, quant.Q8_0), FileTypeAllF32 | FileTypeGuessed, true},
		{"mostly q4_K", build(false, quant.F32, quant.Q4K, quant.Q4K, quant.Q6K), FileTypeQ4KM | FileTypeGuessed, true},
		// Ties go to the type that reached the top count first, as in
		// llama.cpp's loader.
		{"tie", build(false, quant.Q8_0, quant.F16), FileTypeQ8_0 | FileTypeGuessed, true},
		{"tie reached later", build(false, quant.Q8_0, quant.F16, quant.F16, quant.Q8_0), FileTypeF16 | FileTypeGuessed, true},
		{"q8_K has no mix", build(false, quant.Q8K), FileTypeAllF32 | FileTypeGuessed, true},
		{"nothing to guess from", build(false), 0, false},
	}
	for _, c := range cases {
		if got, ok := c.f.FileType(); got != c.want || ok != c.ok {
			t.Errorf("%s: %v (%d), %v; want %v, %v", c.name, got, uint32(got), ok, c.want, c.ok)
		}
	}
}

// TestParameters checks the parameter and byte totals against sums made
// with an independent reader (Python struct) over the fixtures.
func TestParameters(t *testing.T) {
	for _, c := range []struct {
		file          string
		params, bytes uint64
	}{
		{"stories260K-q8_0.gguf", 292800, 364768},
		{"tiny-qwen3moe-q4_k_m.gguf", 3806720, 2411520},
		{"ggml-vocab-llama-spm.gguf", 0, 0},
	} {
		f, err := Open(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		if p, b := f.Parameters(), f.TensorBytes(); p != c.params || b != c.bytes {
			t.Errorf("%s: %d parameters, %d bytes; want %d, %d", c.file, p, b, c.params, c.bytes)
		}
		f.Close()
	}
}
