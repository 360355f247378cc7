package gguf

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

// raw builds GGUF bytes by hand, independently of Writer, so that the
// corrupt-input tests control every field.
type raw struct{ b []byte }

func (r *raw) u8(v uint8) *raw   { r.b = append(r.b, v); return r }
func (r *raw) u32(v uint32) *raw { r.b = binary.LittleEndian.AppendUint32(r.b, v); return r }
func (r *raw) u64(v uint64) *raw { r.b = binary.LittleEndian.AppendUint64(r.b, v); return r }
func (r *raw) str(s string) *raw { return r.u64(uint64(len(s))).bytes(s) }
func (r *raw) bytes(s string) *raw {
	r.b = append(r.b, s...)
	return r
}

// header writes magic, version and counts.
func (r *raw) header(version uint32, nTensors, nKV uint64) *raw {
	return r.bytes("GGUF").u32(version).u64(nTensors).u64(nKV)
}

// kvU32 writes a u32 key-value pair.
func (r *raw) kvU32(key string, v uint32) *raw { return r.str(key).u32(uint32(TypeUint32)).u32(v) }

// tensor writes a tensor info.
func (r *raw) tensor(name string, typ uint32, offset uint64, dims ...uint64) *raw {
	r.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		r.u64(d)
	}
	return r.u32(typ).u64(offset)
}

// padTo appends zeros up to a multiple of n.
func (r *raw) padTo(n int) *raw {
	for len(r.b)%n != 0 {
		r.b = append(r.b, 0)
	}
	return r
}

// zeros appends n zero bytes.
func (r *raw) zeros(n int) *raw {
	r.b = append(r.b, make([]byte, n)...)
	return r
}

// validFile is a small well-formed file: one key, two f32 tensors of 8
// elements (32 bytes each).
func validFile() *raw {
	r := (&raw{}).header(3, 2, 1).kvU32("a.b", 7)
	r.tensor("t0", 0, 0, 8).tensor("t1", 0, 32, 8)
	return r.padTo(32).zeros(64)
}

func TestValidFileBuilder(t *testing.T) {
	f, err := Parse(validFile().b)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 2 || f.Tensors[1].Offset != 32 || f.Tensors[1].Size != 32 {
		t.Fatalf("tensors %+v", f.Tensors)
	}
	// Version 2 has the same layout.
	b := validFile().b
	b[4] = 2
	if f, err := Parse(b); err != nil || f.Version != 2 {
		t.Fatalf("v2: %v", err)
	}
}

func TestCorruptInputs(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string // a part of the error message
	}{
		{"empty file", nil, `bad magic ""`},
		{"bad magic", (&raw{}).bytes("GGML").u32(3).u64(0).u64(0).b, `bad magic "GGML"`},
		{"short magic", []byte("GG"), `bad magic "GG"`},
		{"version 1", (&raw{}).header(1, 0, 0).b, "unsupported version 1"},
		{"version 4", (&raw{}).header(4, 0, 0).b, "unsupported version 4"},
		{"big-endian version", (&raw{}).header(3<<24, 0, 0).b, "big-endian"},
		{"truncated version", []byte("GGUF\x03\x00"), "version: needs 4 bytes at offset 4"},
		{"truncated tensor count", (&raw{}).bytes("GGUF").u32(3).u32(0).b, "tensor count: needs 8 bytes"},
		{"truncated metadata count", (&raw{}).bytes("GGUF").u32(3).u64(0).b, "metadata count: needs 8 bytes"},
		{"metadata count larger than file", (&raw{}).header(3, 0, 1<<40).b, "metadata count 1099511627776 cannot fit"},
		{"tensor count larger than file", (&raw{}).header(3, math.MaxUint64, 0).b, "tensor count 18446744073709551615 cannot fit"},
		{"huge key length", (&raw{}).header(3, 0, 1).u64(1 << 62).zeros(16).b, "key #0: string length 4611686018427387904"},
		{"truncated key", (&raw{}).header(3, 0, 1).u64(20).bytes("0123456789").b, "key #0: string length 20 at offset 24 runs past the end of the file (42 bytes)"},
		{"truncated value type", (&raw{}).header(3, 0, 1).str("abcd").u8(4).u8(0).b, `key "abcd" type: needs 4 bytes at offset 36`},
		{"unknown value type", (&raw{}).header(3, 0, 1).str("k").u32(13).u32(0).b, `key "k": unknown value type 13`},
		{"truncated value", (&raw{}).header(3, 0, 1).str("k").u32(uint32(TypeUint64)).u32(0).b, `key "k" value: needs 8 bytes`},
		{"huge string value", (&raw{}).header(3, 0, 1).str("name").u32(uint32(TypeString)).u64(1 << 40).zeros(8).b, `key "name": string length 1099511627776`},
		{"bool byte 2", (&raw{}).header(3, 0, 1).str("flag").u32(uint32(TypeBool)).u8(2).zeros(12).b, `key "flag": bool byte is 2`},
		{"bool array byte 2", (&raw{}).header(3, 0, 1).str("flags").u32(uint32(TypeArray)).u32(uint32(TypeBool)).u64(3).u8(1).u8(0).u8(2).b, `key "flags"[2]: bool byte is 2`},
		{"array count larger than file", (&raw{}).header(3, 0, 1).str("arr").u32(uint32(TypeArray)).u32(uint32(TypeUint32)).u64(1 << 40).zeros(64).b, `key "arr": array of 1099511627776 u32 elements cannot fit`},
		{"string array count larger than file", (&raw{}).header(3, 0, 1).str("toks").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(100).zeros(64).b, `key "toks": array of 100 str elements cannot fit`},
		{"string array element too long", (&raw{}).header(3, 0, 1).str("toks").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(2).str("a").u64(1 << 33).zeros(8).b, `key "toks"[1]: string length 8589934592`},
		{"unknown array element type", (&raw{}).header(3, 0, 1).str("arr").u32(uint32(TypeArray)).u32(99).u64(0).b, `key "arr": unknown array element type 99`},
		{"nested arrays too deep", deepArray(maxDepth + 1), "nested deeper than 8 levels"},
		{"duplicate key", (&raw{}).header(3, 0, 2).kvU32("dup.key", 1).kvU32("dup.key", 2).b, `duplicate key "dup.key"`},
		{"alignment not a power of two", (&raw{}).header(3, 0, 1).kvU32("general.alignment", 48).b, `key "general.alignment": alignment 48 (u32) is not a power of two`},
		{"alignment zero", (&raw{}).header(3, 0, 1).kvU32("general.alignment", 0).b, "alignment 0 (u32) is not a power of two"},
		{"alignment string", (&raw{}).header(3, 0, 1).str("general.alignment").u32(uint32(TypeString)).str("32").b, "alignment 32 (str) is not a power of two"},
		{"huge tensor name length", (&raw{}).header(3, 1, 0).u64(1 << 50).zeros(32).b, "tensor #0 name: string length 1125899906842624"},
		{"n_dims 5", (&raw{}).header(3, 1, 0).tensor("five", 0, 0, 1, 1, 1, 1, 1).b, `tensor "five": 5 dimensions (at most 4)`},
		{"truncated dims", (&raw{}).header(3, 1, 0).str("t").u32(3).u64(1).zeros(16).b[:24+9+4+8+4], `tensor "t" dims: needs 24 bytes`},
		{"negative dim", (&raw{}).header(3, 1, 0).tensor("neg", 0, 0, 1<<63).b, `tensor "neg": dimension 0 is negative`},
		{"dims product overflow", (&raw{}).header(3, 1, 0).tensor("big", 0, 0, 1<<32, 1<<32).zeros(32).b, `tensor "big": shape [4294967296 4294967296] has more than 2^63-1 elements`},
		{"byte size overflow", (&raw{}).header(3, 1, 0).tensor("wide", 28, 0, 1<<61).zeros(32).b, `tensor "wide": shape [2305843009213693952] of f64 needs more than 2^63-1 bytes`},
		{"unknown tensor type", (&raw{}).header(3, 1, 0).tensor("weird", 4, 0, 32).b, `tensor "weird": unknown type id 4`},
		{"tensor type out of range", (&raw{}).header(3, 1, 0).tensor("weird", 1000, 0, 32).b, `tensor "weird": unknown type id 1000`},
		{"row not a multiple of the block", (&raw{}).header(3, 1, 0).tensor("q", 2, 0, 33).b, `tensor "q": row length 33 is not a multiple of the q4_0 block size 32`},
		{"scalar quantized tensor", (&raw{}).header(3, 1, 0).tensor("q", 2, 0).b, `tensor "q": row length 1 is not a multiple`},
		{"truncated tensor offset", (&raw{}).header(3, 1, 0).tensor("t", 0, 0, 8).b[:24+9+4+8+4+3], `tensor "t" offset: needs 8 bytes`},
		{"duplicate tensor", (&raw{}).header(3, 2, 0).tensor("w", 0, 0, 8).tensor("w", 0, 32, 8).padTo(32).zeros(64).b, `duplicate tensor "w" (tensors #0 and #1)`},
		{"unaligned tensor offset", (&raw{}).header(3, 1, 0).tensor("t", 0, 16, 8).padTo(32).zeros(64).b, `tensor "t": data offset 16 is not a multiple of the alignment 32`},
		{"tensor outside data section", (&raw{}).header(3, 1, 0).tensor("t", 0, 64, 8).padTo(32).zeros(64).b, `tensor "t": data [64, 64+32) lies outside the data section (64 bytes)`},
		{"tensor offset huge", (&raw{}).header(3, 1, 0).tensor("t", 0, 1<<63, 8).padTo(32).zeros(64).b, `tensor "t": data [9223372036854775808`},
		{"data range overflow", (&raw{}).header(3, 1, 0).tensor("t", 0, math.MaxUint64-31, 8).padTo(32).zeros(64).b, `tensor "t": data [18446744073709551584, 18446744073709551584+32) lies outside`},
		{"data section past the end", (&raw{}).header(3, 1, 0).tensor("t", 0, 0, 8).b, "data section would start at offset 64, past the end of the file (57 bytes)"},
		{"overlapping tensors", (&raw{}).header(3, 2, 0).tensor("a", 0, 0, 16).tensor("b", 0, 32, 8).padTo(32).zeros(64).b, `tensors "a" [0, +64) and "b" [32, +32) overlap`},
	}
	if len(cases) < 15 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(c.data)
			if err == nil {
				t.Fatalf("no error; parsed %d keys, %d tensors", len(f.KV), len(f.Tensors))
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %q does not wrap ErrFormat", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", err, c.want)
			}
		})
	}
}

// deepArray returns a file with one key whose value is depth nested arrays.
func deepArray(depth int) []byte {
	r := (&raw{}).header(3, 0, 1).str("deep").u32(uint32(TypeArray))
	for range depth - 1 {
		r.u32(uint32(TypeArray)).u64(1)
	}
	return r.u32(uint32(TypeUint8)).u64(1).u8(9).b
}

func TestAcceptedEdgeCases(t *testing.T) {
	// Nested arrays up to the limit, a zero-sized tensor, an alignment of
	// 64, tensors stored out of order with a gap, and a zero-dimension
	// (scalar) f32 tensor all parse.
	if f, err := Parse(deepArray(maxDepth)); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	} else {
		v, _ := f.Get("deep")
		for range maxDepth - 1 {
			v = Value{TypeArray, v.V.(Array).Values.([]Array)[0]}
		}
		if got := v.V.(Array).Values.([]uint8); len(got) != 1 || got[0] != 9 {
			t.Errorf("innermost array %v", got)
		}
	}
	r := (&raw{}).header(3, 4, 1).kvU32("general.alignment", 64)
	r.tensor("late", 0, 128, 16).tensor("empty", 0, 0, 16, 0).tensor("early", 0, 0, 4).tensor("scalar", 0, 64)
	f, err := Parse(r.padTo(64).zeros(192).b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Alignment != 64 || f.DataOffset%64 != 0 {
		t.Errorf("alignment %d, data offset %d", f.Alignment, f.DataOffset)
	}
	want := map[string]uint64{"late": 64, "empty": 0, "early": 16, "scalar": 4}
	for name, size := range want {
		ti, ok := f.Tensor(name)
		if !ok || ti.Size != size || uint64(len(f.TensorData(ti))) != size {
			t.Errorf("tensor %q: %+v", name, ti)
		}
	}
}
