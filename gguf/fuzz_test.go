package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpus in testdata/fuzz/FuzzParse")

// FuzzParse checks that Parse never panics, that every error it returns
// wraps ErrFormat, and that whatever it accepts can be used: tensor data
// slices are in bounds, accessors answer, and re-writing the file and
// parsing it again gives the same metadata and data.
//
// Run it with: go test -run '^$' -fuzz FuzzParse -fuzztime 120s -parallel 1 ./gguf
func FuzzParse(f *testing.F) {
	for _, s := range seedFiles(f) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %q does not wrap ErrFormat", err)
			}
			return
		}
		tensorData := make([][]byte, len(file.Tensors))
		for i := range file.Tensors {
			ti := &file.Tensors[i]
			tensorData[i] = file.TensorData(ti)
			if uint64(len(tensorData[i])) != ti.Size {
				t.Fatalf("tensor %q: %d bytes of data, size %d", ti.Name, len(tensorData[i]), ti.Size)
			}
			if got, ok := file.Tensor(ti.Name); !ok || got != ti {
				t.Fatalf("Tensor(%q) does not find it", ti.Name)
			}
		}
		for _, kv := range file.KV {
			// Any of these may fail on a type mismatch; none may panic.
			file.Uint32(kv.Key)
			file.Int(kv.Key)
			file.Float32(kv.Key)
			file.String(kv.Key)
			file.Strings(kv.Key)
			file.Int32s(kv.Key)
			file.Uint32s(kv.Key)
			if v, ok := file.Get(kv.Key); !ok || v.Type != kv.Value.Type {
				t.Fatalf("Get(%q) = %v, %v", kv.Key, v, ok)
			}
		}
		file.FileType()
		file.ArchUint32("block_count")

		out, err := Marshal(file.KV, file.Tensors, tensorData)
		if err != nil {
			return // the writer is stricter (names, alignment type)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of the re-written file: %v", err)
		}
		data2 := make([][]byte, len(again.Tensors))
		for i := range again.Tensors {
			data2[i] = again.TensorData(&again.Tensors[i])
			if !bytes.Equal(data2[i], tensorData[i]) {
				t.Fatalf("tensor %q: data changed in the round trip", again.Tensors[i].Name)
			}
		}
		// Compare encodings rather than values so that NaNs compare equal.
		out2, err := Marshal(again.KV, again.Tensors, data2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second round trip differs (%v)", err)
		}
	})
}

type seed struct {
	name string
	data []byte
}

// seedFiles returns the seed corpus: small files built from the fixtures
// (their metadata with arrays cut short, their tensors shrunk), the start
// of each fixture, and truncated and mutated copies.
func seedFiles(tb testing.TB) []seed {
	var seeds []seed
	add := func(name string, data []byte) { seeds = append(seeds, seed{name, data}) }

	kv := allValues()
	infos, tdata := testTensors()
	synth, err := Marshal(kv, infos, tdata)
	if err != nil {
		tb.Fatal(err)
	}
	add("synthetic-all-types", synth)
	add("synthetic-truncated-half", synth[:len(synth)/2])

	var moe []byte // the shrunk MoE model, to mutate
	for _, name := range []string{"stories260K-q8_0.gguf", "tiny-qwen3moe-q4_k_m.gguf", "ggml-vocab-llama-spm.gguf"} {
		f, err := Open(filepath.Join("testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		small, err := shrink(f)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		base := name[:len(name)-len(".gguf")]
		add(base+"-small", small)
		if base == "tiny-qwen3moe-q4_k_m" {
			moe = small
		}
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		add(base+"-head", raw[:1024])
	}

	// Mutations of the shrunk qwen3moe file, one field each.
	small := moe
	le := binary.LittleEndian
	mutate := func(name string, at int, fn func(b []byte)) {
		b := bytes.Clone(small)
		fn(b[at:])
		add(name, b)
	}
	mutate("mut-version-1", 4, func(b []byte) { le.PutUint32(b, 1) })
	mutate("mut-tensor-count", 8, func(b []byte) { le.PutUint64(b, le.Uint64(b)+1) })
	mutate("mut-kv-count", 16, func(b []byte) { le.PutUint64(b, le.Uint64(b)+1) })
	mutate("mut-first-key-length", 24, func(b []byte) { le.PutUint64(b, 1<<40) })
	end := tensorInfoEnd(small)
	mutate("mut-last-offset", end-8, func(b []byte) { le.PutUint64(b, le.Uint64(b)+32) })
	mutate("mut-last-type", end-12, func(b []byte) { le.PutUint32(b, 4) })
	mutate("mut-flip-middle", len(small)/3, func(b []byte) { b[0] ^= 0xff })
	add("mut-truncated-infos", small[:end-3])
	return seeds
}

// tensorInfoEnd returns where the tensor infos of a valid file end: after
// the last tensor's name, n_dims, dims, type and offset.
func tensorInfoEnd(file []byte) int {
	f, err := Parse(file)
	if err != nil {
		panic(err)
	}
	last := f.Tensors[len(f.Tensors)-1]
	at := bytes.LastIndex(file[:f.DataOffset], []byte(last.Name))
	return at + len(last.Name) + 4 + 8*len(last.Dims) + 4 + 8
}

// shrink re-writes f with arrays cut to 4 elements and each tensor cut to
// one block row (its type kept), so that a seed stays small.
func shrink(f *File) ([]byte, error) {
	kv := make([]KV, len(f.KV))
	for i, e := range f.KV {
		kv[i] = e
		if a, ok := e.Value.V.(Array); ok && a.Len() > 4 {
			kv[i].Value = ArrayOf(cutArray(a, 4))
		}
	}
	var infos []TensorInfo
	var data [][]byte
	for _, t := range f.Tensors {
		if len(infos) == 6 {
			break
		}
		bs := uint64(t.Type.BlockSize())
		small := TensorInfo{Name: t.Name, Type: t.Type, Dims: []uint64{bs}}
		if len(t.Dims) > 1 {
			small.Dims = append(small.Dims, 1)
		}
		infos = append(infos, small)
		data = append(data, f.TensorData(&t)[:t.Type.TypeSize()])
	}
	return Marshal(kv, infos, data)
}

func cutArray(a Array, n int) Array {
	switch v := a.Values.(type) {
	case []string:
		return Array{a.Type, v[:n]}
	case []float32:
		return Array{a.Type, v[:n]}
	case []int32:
		return Array{a.Type, v[:n]}
	case []uint32:
		return Array{a.Type, v[:n]}
	}
	panic(fmt.Sprintf("cutArray: %T", a.Values))
}

// TestFuzzSeedCorpus checks that testdata/fuzz/FuzzParse holds the seeds
// seedFiles makes (go test -run FuzzParse runs every file there, crashers
// kept as regressions included). -update-seeds rewrites them.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for _, s := range seedFiles(t) {
		want := fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", s.data)
		path := filepath.Join(dir, "seed-"+s.name)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("seed %s: %v (run go test -run TestFuzzSeedCorpus -update-seeds)", s.name, err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("seed %s is stale (run go test -run TestFuzzSeedCorpus -update-seeds)", s.name)
		}
	}
}
