package gguf

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm/quant"
)

// allValues has one key of every value type, arrays of every element type
// (empty ones too) and nested arrays, in a deliberately unsorted order.
func allValues() []KV {
	return []KV{
		{"z.u8", Uint8(200)},
		{"a.i8", Int8(-100)},
		{"m.u16", Uint16(65000)},
		{"b.i16", Int16(-32000)},
		{"general.alignment", Uint32(64)},
		{"y.u32", Uint32(4000000000)},
		{"c.i32", Int32(-2000000000)},
		{"x.f32", Float32(float32(math.Pi))},
		{"d.bool.t", Bool(true)},
		{"d.bool.f", Bool(false)},
		{"w.str", String("héllo\x00world")},
		{"e.empty", String("")},
		{"v.u64", Uint64(math.MaxUint64)},
		{"f.i64", Int64(math.MinInt64)},
		{"u.f64", Float64(-1.5e300)},
		{"arr.u8", ArrayOf(Array{TypeUint8, []uint8{0, 1, 255}})},
		{"arr.i8", ArrayOf(Array{TypeInt8, []int8{-128, 127}})},
		{"arr.u16", ArrayOf(Array{TypeUint16, []uint16{1, 65535}})},
		{"arr.i16", ArrayOf(Array{TypeInt16, []int16{-1, 2}})},
		{"arr.u32", Uint32s([]uint32{7, 8, 9})},
		{"arr.i32", Int32s([]int32{-7, 8})},
		{"arr.f32", Float32s([]float32{0.5, float32(math.Inf(-1))})},
		{"arr.bool", Bools([]bool{true, false, true})},
		{"arr.str", Strings([]string{"a", "", "ccc", "日本"})},
		{"arr.u64", ArrayOf(Array{TypeUint64, []uint64{1 << 60}})},
		{"arr.i64", ArrayOf(Array{TypeInt64, []int64{-1 << 60}})},
		{"arr.f64", ArrayOf(Array{TypeFloat64, []float64{1e-300}})},
		{"arr.empty", Strings([]string{})},
		{"arr.nested", ArrayOf(Array{TypeArray, []Array{
			{TypeString, []string{"x", "yy"}},
			{TypeArray, []Array{{TypeUint8, []uint8{}}, {TypeFloat64, []float64{2}}}},
		}})},
	}
}

func testTensors() ([]TensorInfo, [][]byte) {
	infos := []TensorInfo{
		TensorInfoOf("f32.vec", quant.F32, 5),
		TensorInfoOf("q8.mat", quant.Q8_0, 64, 3),
		TensorInfoOf("empty", quant.F16, 8, 0),
		TensorInfoOf("q4k.3d", quant.Q4K, 256, 2, 2),
		TensorInfoOf("scalar", quant.I32),
	}
	data := make([][]byte, len(infos))
	for i, t := range infos {
		size, _ := tensorSize(&t)
		data[i] = make([]byte, size)
		for j := range data[i] {
			data[i][j] = byte(i*31 + j*7)
		}
	}
	return infos, data
}

func TestRoundTrip(t *testing.T) {
	kv := allValues()
	infos, data := testTensors()
	file, err := Marshal(kv, infos, data)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.KV, kv) {
		for i := range kv {
			if i >= len(f.KV) || !reflect.DeepEqual(f.KV[i], kv[i]) {
				t.Errorf("KV %d: got %#v, want %#v", i, f.KV[min(i, len(f.KV)-1)], kv[i])
			}
		}
	}
	if f.Alignment != 64 || f.DataOffset%64 != 0 {
		t.Errorf("alignment %d, data offset %d", f.Alignment, f.DataOffset)
	}
	var off uint64
	for i, want := range infos {
		got := f.Tensors[i]
		if got.Name != want.Name || got.Type != want.Type || !slices.Equal(got.Dims, want.Dims) {
			t.Errorf("tensor %d: %+v, want %+v", i, got, want)
		}
		if got.Offset != off {
			t.Errorf("tensor %q at %d, want %d (packed, padded to 64)", got.Name, got.Offset, off)
		}
		off += (got.Size + 63) / 64 * 64
		if !bytes.Equal(f.TensorData(&got), data[i]) {
			t.Errorf("tensor %q: data differs", got.Name)
		}
	}
	if want := f.DataOffset + int64(off); int64(len(file)) != want {
		t.Errorf("file is %d bytes, want %d (last tensor padded)", len(file), want)
	}
	// Padding is zero.
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		end := uint64(f.DataOffset) + ti.Offset + ti.Size
		for p := end; p%64 != 0; p++ {
			if file[p] != 0 {
				t.Fatalf("padding byte after %q at %d is %d", ti.Name, p, file[p])
			}
		}
	}
}

// TestRewriteFixtures re-writes the test fixtures' metadata and tensors and
// gets the original files back byte for byte: the layout is llama.cpp's.
func TestRewriteFixtures(t *testing.T) {
	for _, w := range fixtureFiles {
		t.Run(w.file, func(t *testing.T) {
			path := filepath.Join("testdata", w.file)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			data := make([][]byte, len(f.Tensors))
			for i := range f.Tensors {
				data[i] = f.TensorData(&f.Tensors[i])
			}
			// In memory.
			out, err := Marshal(f.KV, f.Tensors, data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, orig) {
				t.Fatalf("Marshal: %d bytes differ from the original %d (first difference at %d)", len(out), len(orig), firstDiff(out, orig))
			}
			// Streamed in awkward chunks through Write.
			var buf bytes.Buffer
			gw, err := NewWriter(&buf, f.KV, f.Tensors)
			if err != nil {
				t.Fatal(err)
			}
			if gw.DataOffset() != f.DataOffset && len(f.Tensors) > 0 {
				t.Errorf("DataOffset %d, want %d", gw.DataOffset(), f.DataOffset)
			}
			for i, ti := range gw.Tensors() {
				if ti.Offset != f.Tensors[i].Offset || ti.Size != f.Tensors[i].Size {
					t.Errorf("tensor %q: writer puts it at %d+%d, file at %d+%d", ti.Name, ti.Offset, ti.Size, f.Tensors[i].Offset, f.Tensors[i].Size)
				}
			}
			var all []byte
			for _, d := range data {
				all = append(all, d...)
			}
			for chunk := 1; len(all) > 0; chunk = chunk*3 + 1 {
				n := min(chunk, len(all))
				if k, err := gw.Write(all[:n]); err != nil || k != n {
					t.Fatalf("Write: %d, %v", k, err)
				}
				all = all[n:]
			}
			if err := gw.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), orig) {
				t.Fatalf("streamed: differs at %d", firstDiff(buf.Bytes(), orig))
			}
			// To a file.
			dst := filepath.Join(t.TempDir(), "out.gguf")
			if err := WriteFile(dst, f.KV, f.Tensors, data); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(dst); !bytes.Equal(got, orig) {
				t.Fatal("WriteFile output differs")
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestWriterErrors(t *testing.T) {
	one := []TensorInfo{TensorInfoOf("w", quant.F32, 4)}
	cases := []struct {
		name    string
		kv      []KV
		tensors []TensorInfo
		want    string
	}{
		{"duplicate key", []KV{{"k", Uint8(1)}, {"k", Uint8(2)}}, nil, `duplicate key "k"`},
		{"type mismatch", []KV{{"k", Value{TypeUint32, int64(1)}}}, nil, `key "k": value of Go type int64 does not match the declared type u32`},
		{"array mismatch", []KV{{"k", ArrayOf(Array{TypeInt32, []uint32{1}})}}, nil, `key "k": array values of Go type []uint32 do not match the element type i32`},
		{"array not an Array", []KV{{"k", Value{TypeArray, []string{"a"}}}}, nil, `key "k": value of Go type []string does not match the declared type arr`},
		{"unknown type", []KV{{"k", Value{ValueType(42), uint8(1)}}}, nil, `key "k": unknown value type 42`},
		{"nested too deep", []KV{{"k", deepValue(maxDepth + 1)}}, nil, `arrays nested deeper than 8 levels`},
		{"alignment not u32", []KV{{"general.alignment", Uint64(32)}}, nil, `key "general.alignment": want a u32 power of two`},
		{"alignment 24", []KV{{"general.alignment", Uint32(24)}}, nil, `want a u32 power of two up to 1048576, have 24`},
		{"duplicate tensor", nil, []TensorInfo{one[0], one[0]}, `duplicate tensor "w"`},
		{"unknown tensor type", nil, []TensorInfo{TensorInfoOf("t", quant.Type(5), 4)}, `tensor "t": unknown type id 5`},
		{"five dims", nil, []TensorInfo{TensorInfoOf("t", quant.F32, 1, 1, 1, 1, 1)}, `tensor "t": 5 dimensions`},
		{"row length", nil, []TensorInfo{TensorInfoOf("t", quant.Q4K, 128)}, `tensor "t": row length 128 is not a multiple of the q4_K block size 256`},
		{"overflow", nil, []TensorInfo{TensorInfoOf("t", quant.F32, 1<<40, 1<<40)}, `tensor "t": shape [1099511627776 1099511627776] has more than 2^63-1 elements`},
		{"long name", nil, []TensorInfo{TensorInfoOf(strings.Repeat("n", 64), quant.F32, 1)}, `name is 64 bytes long; llama.cpp allows at most 63`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := NewWriter(&buf, c.kv, c.tensors)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written despite the error", buf.Len())
			}
		})
	}
	if _, err := NewWriter(new(bytes.Buffer), []KV{{"k", deepValue(maxDepth)}}, nil); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
}

func deepValue(depth int) Value {
	a := Array{TypeUint8, []uint8{1}}
	for range depth - 1 {
		a = Array{TypeArray, []Array{a}}
	}
	return ArrayOf(a)
}

func TestWriterDataErrors(t *testing.T) {
	infos := []TensorInfo{TensorInfoOf("a", quant.F32, 2), TensorInfoOf("e", quant.F32, 0), TensorInfoOf("b", quant.F16, 2)}
	newW := func() *Writer {
		w, err := NewWriter(new(bytes.Buffer), nil, infos)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	check := func(name string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, want)
		}
	}
	w := newW()
	check("out of order", w.WriteTensor("b", make([]byte, 4)), `tensor "b" written out of order: tensor "a" comes first`)
	check("wrong size", w.WriteTensor("a", make([]byte, 4)), `tensor "a": 4 bytes of data, want 8 for f32 [2]`)
	check("undeclared", w.WriteTensor("zz", nil), `tensor "zz" was not declared`)
	check("incomplete", w.Close(), `tensor "a": only 0 of 8 bytes written (and 2 tensors after it)`)

	w = newW()
	if _, err := w.Write(make([]byte, 3)); err != nil {
		t.Fatal(err)
	}
	check("partly written", w.WriteTensor("a", make([]byte, 8)), `tensor "a": 3 bytes of it were already written with Write`)
	if _, err := w.Write(make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteTensor("e", nil); err != nil {
		t.Errorf("empty tensor: %v", err)
	}
	check("again", w.WriteTensor("a", make([]byte, 8)), `tensor "a": already written`)
	_, err := w.Write(make([]byte, 5))
	check("too much data", err, "1 bytes of tensor data beyond the declared tensors")

	w = newW()
	if err := w.WriteTensor("a", make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteTensor("b", make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = w.Write([]byte{1})
	check("write after close", err, "write after Close")

	if err := WriteFile(filepath.Join(t.TempDir(), "x.gguf"), nil, infos, nil); err == nil ||
		!strings.Contains(err.Error(), "3 tensors but 0 data slices") {
		t.Errorf("WriteFile with missing data: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "bad.gguf")
	if err := WriteFile(dst, nil, infos[:1], [][]byte{{1}}); err == nil {
		t.Error("WriteFile with short data: no error")
	} else if _, statErr := os.Stat(dst); statErr == nil {
		t.Error("WriteFile left a partial file behind")
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, os.ErrClosed
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriterUnderlyingError(t *testing.T) {
	infos := []TensorInfo{TensorInfoOf("big", quant.F32, 1<<19)} // 2 MiB, more than the buffer
	w, err := NewWriter(&failWriter{n: 100}, nil, infos)
	if err != nil {
		t.Fatal(err)
	}
	werr := w.WriteTensor("big", make([]byte, 1<<21))
	cerr := w.Close()
	if werr == nil && cerr == nil {
		t.Fatal("no error from a failing writer")
	}
}
