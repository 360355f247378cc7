package gguf

import (
	"runtime"
	"strconv"
	"testing"
)

// TestAllocationBound parses files built to make the parser allocate as much
// as possible per byte of input and checks that memory stays within a small
// multiple of the file size (real files need about one), and that a count
// the file cannot hold costs nothing.
func TestAllocationBound(t *testing.T) {
	const n = 1 << 18
	build := func(fn func(r *raw)) []byte {
		r := &raw{}
		fn(r)
		return r.b
	}
	cases := []struct {
		name   string
		data   []byte
		factor float64 // allowed bytes allocated per byte of file
	}{
		{"nested empty arrays", build(func(r *raw) {
			r.header(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeArray)).u64(n)
			for range n {
				r.u32(uint32(TypeUint8)).u64(0)
			}
		}), 4},
		{"nested one-byte arrays", build(func(r *raw) {
			r.header(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeArray)).u64(n)
			for range n {
				r.u32(uint32(TypeUint8)).u64(1).u8(1)
			}
		}), 6},
		{"empty strings", build(func(r *raw) {
			r.header(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(n)
			for range n {
				r.u64(0)
			}
		}), 4},
		{"many keys", build(func(r *raw) {
			r.header(3, 0, n)
			for i := range n {
				r.str(strconv.Itoa(i)).u32(uint32(TypeUint8)).u8(1)
			}
		}), 16}, // KV, index entry and key: ~70 bytes per ~18-byte pair, and growth
		{"many scalar tensors", build(func(r *raw) {
			r.header(3, n, 0)
			for i := range n {
				r.tensor(strconv.Itoa(i), 0, uint64(32*i))
			}
			r.padTo(32).zeros(32 * n)
		}), 6},
		{"lying array count", build(func(r *raw) {
			r.header(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeUint8)).u64(n * 64).zeros(n)
		}), 0.1},
		{"lying tensor count", build(func(r *raw) {
			r.header(3, n*64, 0).zeros(n)
		}), 0.1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse(c.data)
			runtime.ReadMemStats(&after)
			lying := c.factor < 1
			if (err != nil) != lying {
				t.Fatalf("error %v", err)
			}
			ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(c.data))
			if ratio > c.factor {
				t.Errorf("allocated %.2f bytes per byte of a %d-byte file, want at most %g", ratio, len(c.data), c.factor)
			}
		})
	}
}
