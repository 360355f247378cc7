package kernels

import (
	"math"
	"testing"

	"github.com/x448/float16"
)

// TestF16ToF32 checks every binary16 pattern against the plain decoder of
// testutil_test.go.
func TestF16ToF32(t *testing.T) {
	var b [2]byte
	for h := 0; h < 1<<16; h++ {
		b[0], b[1] = byte(h), byte(h>>8)
		got, want := float64(f16ToF32(uint16(h))), refF16(b[:])
		if math.IsNaN(want) {
			if !math.IsNaN(got) {
				t.Fatalf("f16ToF32(%#04x) = %g, want NaN", h, got)
			}
			continue
		}
		if got != want || math.Signbit(got) != math.Signbit(want) {
			t.Fatalf("f16ToF32(%#04x) = %g, want %g", h, got, want)
		}
	}
}

// TestF32ToF16 compares with github.com/x448/float16 (round to nearest
// even) on every float32 whose low 13 bits are in a set that covers ties,
// just-below and just-above ties, across the whole exponent range.
func TestF32ToF16(t *testing.T) {
	lows := []uint32{0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff, 0x0800, 0x17ff}
	for hi := uint32(0); hi < 1<<19; hi++ {
		for _, lo := range lows {
			bits := hi<<13 | lo
			f := math.Float32frombits(bits)
			if f != f {
				continue // NaN payloads: only quietness is specified
			}
			got, want := f32ToF16(f), float16.Fromfloat32(f).Bits()
			if got != want {
				t.Fatalf("f32ToF16(%g = %#08x) = %#04x, want %#04x", f, bits, got, want)
			}
		}
	}
	for _, f := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		got := f32ToF16(f)
		if g := f16ToF32(got); !(g == f || g != g && f != f) {
			t.Errorf("f32ToF16(%g) = %#04x", f, got)
		}
	}
}
