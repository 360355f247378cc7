//go:build !noasm

package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/gollm/gollm/quant"
	"github.com/klauspost/cpuid/v2"
)

// amxSkip skips a test of the AMX kernel where it does not run, saying
// why.
func amxSkip(t *testing.T) {
	switch {
	case noASM:
		t.Skip("platform: assembly off (GOLLM_NOASM=1), no AMX-INT8 kernel")
	case !cpuid.CPU.Supports(cpuid.AMXTILE, cpuid.AMXINT8) || !hasVNNI:
		t.Skip("platform: CPU without AMX-INT8 (and AVX-512 VNNI)")
	case !hasAMX:
		t.Skip("platform: CPU with AMX-INT8, but the OS did not grant this process the tile data (arch_prctl)")
	}
}

// TestR16GemmAMX runs the AMX q8_0 strip kernel (through its wrappers for
// one strip and two) on random strips of 1…20 blocks against the naive
// reference, the Go twin and, bit for bit, the AVX-512 VNNI kernels: 16,
// 32, 48 and 64 columns (whole AMX groups) and 17, 31 and 70 (a rest for
// the VNNI kernel), unaligned activations with padded strides, outputs
// overwritten and accumulated, nothing written outside them, and extreme
// blocks (all quants −127, 127 or −128 against −127, 127 or −128, zero
// scales in weights and activations).
func TestR16GemmAMX(t *testing.T) {
	amxSkip(t)
	f := &r16Q8_0
	rng := newRNG(0x414d58)
	for nb := 1; nb <= 20; nb++ {
		for _, cols := range []int{16, 32, 48, 64, 17, 31, 70} {
			if cols > 32 && nb > 5 && nb != 20 {
				continue
			}
			for _, extreme := range []bool{false, true} {
				what := fmt.Sprintf("nb=%d cols=%d extreme=%v", nb, cols, extreme)
				testR16GemmAMXCase(t, rng, f, nb, cols, extreme, what)
			}
		}
	}
}

// TestR16GemmAMXQ4K runs the AMX q4_K strip kernel (through its
// wrapper) on random strips of 1…12 super-blocks against the naive
// reference, the Go twin and, bit for bit, the AVX-512 VNNI kernel: 16,
// 32, 48 and 64 columns (whole AMX groups) and 17, 31 and 70 (a rest for
// the VNNI kernel), unaligned activations with padded strides, outputs
// overwritten and accumulated, nothing written outside them, and extreme
// blocks (all nibbles 15 with 6-bit scales and mins 63, zero d and dmin,
// activations all −128 or 127, zero d_y).
func TestR16GemmAMXQ4K(t *testing.T) {
	amxSkip(t)
	f := &r16Q4K
	rng := newRNG(0x414d5834)
	for nb := 1; nb <= 12; nb++ {
		for _, cols := range []int{16, 32, 48, 64, 17, 31, 70} {
			if cols > 32 && nb > 4 && nb != 12 {
				continue
			}
			for _, extreme := range []bool{false, true} {
				what := fmt.Sprintf("nb=%d cols=%d extreme=%v", nb, cols, extreme)
				testR16GemmAMXCase(t, rng, f, nb, cols, extreme, what)
			}
		}
	}
}

// TestR16GemmAMXQ5K runs the AMX q5_K strip kernel (through its
// wrapper) on random strips of 1…12 super-blocks against the naive
// reference, the Go twin and, bit for bit, the AVX-512 VNNI kernel: 16,
// 32, 48 and 64 columns (whole AMX groups) and 17, 31 and 70 (a rest for
// the VNNI kernel), unaligned activations with padded strides, outputs
// overwritten and accumulated, nothing written outside them, and extreme
// blocks (all 5-bit values 31 with 6-bit scales and mins 63, zero d and
// dmin, activations all −128 or 127 with their bsums, zero d_y).
func TestR16GemmAMXQ5K(t *testing.T) {
	amxSkip(t)
	f := &r16Q5K
	rng := newRNG(0x414d5835)
	for nb := 1; nb <= 12; nb++ {
		for _, cols := range []int{16, 32, 48, 64, 17, 31, 70} {
			if cols > 32 && nb > 4 && nb != 12 {
				continue
			}
			for _, extreme := range []bool{false, true} {
				what := fmt.Sprintf("nb=%d cols=%d extreme=%v", nb, cols, extreme)
				testR16GemmAMXCase(t, rng, f, nb, cols, extreme, what)
			}
		}
	}
}

// amxExtremeQ5K overwrites some q5_K rows and q8_K columns with extreme
// blocks: rows of all-ones bytes (5-bit values 31, scales and mins 63)
// with large d and dmin of either sign, rows with zero d and dmin, rows
// whose scales and mins are 63 over random values, rows of all-zero
// values with scales and mins 63; columns all −128 or all 127 (bsums to
// match) and columns with zero d_y.
func amxExtremeQ5K(rng *rand.Rand, x []byte, rows, rowBytes int, y []byte, cols, yStride, nb int) {
	for r := 0; r < rows; r++ {
		for b := 0; b < nb; b++ {
			blk := x[r*rowBytes+b*kqQ5KBytes : r*rowBytes+(b+1)*kqQ5KBytes]
			switch r % 4 {
			case 0:
				for i := range blk {
					blk[i] = 0xff
				}
				putF16(blk[0:], math.Copysign(rng.Float64()+0.5, float64(1-2*(b%2))))
				putF16(blk[2:], math.Copysign(rng.Float64()+0.5, float64(1-2*(r/4%2))))
			case 1:
				clear(blk[:4])
			case 2:
				for i := 4; i < 16; i++ {
					blk[i] = 0xff
				}
			case 3:
				for i := 4; i < 16; i++ {
					blk[i] = 0xff
				}
				clear(blk[16:])
			}
		}
	}
	for c := 0; c < cols; c++ {
		for b := 0; b < nb; b++ {
			yb := y[c*yStride+b*kqQ8KBytes:]
			switch c % 5 {
			case 4:
				binary.LittleEndian.PutUint32(yb, 0)
			case 0, 2:
				kqConstQ8K(yb, 1, -128, float32(rng.Float64()+0.5))
			case 1:
				kqConstQ8K(yb, 1, 127, float32(rng.Float64()+0.5))
			}
		}
	}
}

// TestR16GemmAMXQ6K runs the AMX q6_K strip kernel (through its
// wrapper) on random strips of 1…12 super-blocks against the naive
// reference, the Go twin and, bit for bit, the AVX-512 VNNI kernel: 16,
// 32, 48 and 64 columns (whole AMX groups) and 17, 31 and 70 (a rest for
// the VNNI kernel), unaligned activations with padded strides, outputs
// overwritten and accumulated, nothing written outside them, and extreme
// blocks (all 6-bit values 63 or 0 with scales 127 and −128, zero d,
// activations all −128 or 127 with their bsums, zero d_y).
func TestR16GemmAMXQ6K(t *testing.T) {
	amxSkip(t)
	f := &r16Q6K
	rng := newRNG(0x414d5836)
	for nb := 1; nb <= 12; nb++ {
		for _, cols := range []int{16, 32, 48, 64, 17, 31, 70} {
			if cols > 32 && nb > 4 && nb != 12 {
				continue
			}
			for _, extreme := range []bool{false, true} {
				what := fmt.Sprintf("nb=%d cols=%d extreme=%v", nb, cols, extreme)
				testR16GemmAMXCase(t, rng, f, nb, cols, extreme, what)
			}
		}
	}
}

// amxExtremeQ6K overwrites some q6_K rows and q8_K columns with extreme
// blocks: rows of all-63 values (ql and qh all ones) with scales 127 and
// −128 alternating and d of either sign, rows with zero d, rows whose
// scales are 127 or −128 over random values, rows of all-0 values (−32
// each) with scales −128; columns all −128 or all 127 (bsums to match)
// and columns with zero d_y.
func amxExtremeQ6K(rng *rand.Rand, x []byte, rows, rowBytes int, y []byte, cols, yStride, nb int) {
	for r := 0; r < rows; r++ {
		for b := 0; b < nb; b++ {
			blk := x[r*rowBytes+b*kqQ6KBytes : r*rowBytes+(b+1)*kqQ6KBytes]
			switch r % 4 {
			case 0:
				for i := 0; i < 192; i++ {
					blk[i] = 0xff
				}
				for i := 192; i < 208; i++ {
					blk[i] = [2]byte{0x7f, 0x80}[(i+b+r/4)%2]
				}
				putF16(blk[208:], math.Copysign(rng.Float64()+0.5, float64(1-2*(b%2))))
			case 1:
				putF16(blk[208:], 0)
			case 2:
				for i := 192; i < 208; i++ {
					blk[i] = [2]byte{0x7f, 0x80}[rng.IntN(2)]
				}
			case 3:
				clear(blk[:192])
				for i := 192; i < 208; i++ {
					blk[i] = 0x80
				}
				putF16(blk[208:], rng.Float64()+0.5)
			}
		}
	}
	for c := 0; c < cols; c++ {
		for b := 0; b < nb; b++ {
			yb := y[c*yStride+b*kqQ8KBytes:]
			switch c % 5 {
			case 4:
				binary.LittleEndian.PutUint32(yb, 0)
			case 0, 2:
				kqConstQ8K(yb, 1, -128, float32(rng.Float64()+0.5))
			case 1:
				kqConstQ8K(yb, 1, 127, float32(rng.Float64()+0.5))
			}
		}
	}
}

// amxExtremeQ4K overwrites some q4_K rows and q8_K columns with extreme
// blocks: rows of all-ones bytes (nibbles 15, scales and mins 63) with
// large d and dmin of either sign, rows with zero d and dmin, rows whose
// scales and mins are 63 over random nibbles; columns all −128 or all
// 127 (bsums to match) and columns with zero d_y.
func amxExtremeQ4K(rng *rand.Rand, x []byte, rows, rowBytes int, y []byte, cols, yStride, nb int) {
	for r := 0; r < rows; r++ {
		for b := 0; b < nb; b++ {
			blk := x[r*rowBytes+b*kqQ4KBytes : r*rowBytes+(b+1)*kqQ4KBytes]
			switch r % 4 {
			case 0:
				for i := range blk {
					blk[i] = 0xff
				}
				putF16(blk[0:], math.Copysign(rng.Float64()+0.5, float64(1-2*(b%2))))
				putF16(blk[2:], math.Copysign(rng.Float64()+0.5, float64(1-2*(r/4%2))))
			case 1:
				clear(blk[:4])
			case 2:
				for i := 4; i < 16; i++ {
					blk[i] = 0xff
				}
			}
		}
	}
	for c := 0; c < cols; c++ {
		for b := 0; b < nb; b++ {
			yb := y[c*yStride+b*kqQ8KBytes:]
			switch c % 5 {
			case 4:
				binary.LittleEndian.PutUint32(yb, 0)
			case 0, 2:
				kqConstQ8K(yb, 1, -128, float32(rng.Float64()+0.5))
			case 1:
				kqConstQ8K(yb, 1, 127, float32(rng.Float64()+0.5))
			}
		}
	}
}

// amxExtreme overwrites some rows and columns with extreme blocks.
func amxExtreme(rng *rand.Rand, x []byte, rows, rowBytes int, y []byte, cols, yStride, nb int) {
	fills := []byte{0x81, 0x7f, 0x80} // −127, 127, −128
	for r := 0; r < rows; r++ {
		for b := 0; b < nb; b++ {
			blk := x[r*rowBytes+b*bytesQ8_0 : r*rowBytes+(b+1)*bytesQ8_0]
			switch r % 4 {
			case 0, 1, 2:
				for i := 2; i < len(blk); i++ {
					blk[i] = fills[(r+b)%3]
				}
				putF16(blk, rng.Float64()+0.5)
			case 3:
				putF16(blk, 0)
			}
		}
	}
	for c := 0; c < cols; c++ {
		for b := 0; b < nb; b++ {
			blk := y[c*yStride+b*bytesQ8_0 : c*yStride+(b+1)*bytesQ8_0]
			if c%5 == 4 {
				putF16(blk, 0)
				continue
			}
			for i := 2; i < len(blk); i++ {
				blk[i] = fills[(c+2*b)%3]
			}
			putF16(blk, rng.Float64()+0.5)
		}
	}
}

// testR16GemmAMXCase is one case of TestR16GemmAMX.
func testR16GemmAMXCase(t *testing.T, rng *rand.Rand, f *r16Format, nb, cols int, extreme bool, what string) {
	const rows = 2 * r16Rows
	rowBytes := nb * f.blockBytes
	x := r16RandRows(t, rng, f, rows, rowBytes, nb)
	yStride := nb*f.actBytes + rng.IntN(40)
	y := r16RandActs(t, rng, f, cols, yStride, nb)
	switch {
	case extreme && f.typ == quant.Q4K:
		amxExtremeQ4K(rng, x, rows, rowBytes, y, cols, yStride, nb)
	case extreme && f.typ == quant.Q5K:
		amxExtremeQ5K(rng, x, rows, rowBytes, y, cols, yStride, nb)
	case extreme && f.typ == quant.Q6K:
		amxExtremeQ6K(rng, x, rows, rowBytes, y, cols, yStride, nb)
	case extreme:
		amxExtreme(rng, x, rows, rowBytes, y, cols, yStride, nb)
	}
	stripStride := f.stripBytes(nb) + 64*rng.IntN(2) + rng.IntN(8)
	strips := kqUnaligned(rng, stripStride+f.stripBytes(nb))
	r16PackGeneric(f, strips, x, rowBytes, nb, r16Rows)
	r16PackGeneric(f, strips[stripStride:], x[r16Rows*rowBytes:], rowBytes, nb, r16Rows)
	twos := []bool{false, true}
	if f.typ != quant.Q8_0 { // no two-strip kernels: r16Gemm2 runs r16Gemm on each strip
		twos = twos[:1]
	}
	for _, two := range twos {
		n := r16Rows
		if two {
			n = rows
		}
		dstStride := n + rng.IntN(5)
		dst := make([]float32, (cols-1)*dstStride+n+1)
		for i := range dst {
			dst[i] = -7
		}
		run := func(out []float32, accumulate bool, amx bool) {
			switch {
			case two && amx:
				r16Gemm2AMX(f, strips, stripStride, nb, y, yStride, cols, out, dstStride, accumulate)
			case two:
				r16Gemm2VNNI(f, strips, stripStride, nb, y, yStride, cols, out, dstStride, accumulate)
			case amx:
				r16GemmAMX(f, strips, nb, y, yStride, cols, out, dstStride, accumulate)
			default:
				r16GemmVNNI(f, strips, nb, y, yStride, cols, out, dstStride, accumulate)
			}
		}
		twin := slices.Clone(dst)
		if two {
			r16Gemm2Generic(f, strips, stripStride, nb, y, yStride, cols, twin, dstStride, false)
		} else {
			r16GemmGeneric(f, strips, nb, y, yStride, cols, twin, dstStride, false)
		}
		vnni := slices.Clone(dst)
		run(vnni, false, false)
		run(dst, false, true)
		acc := slices.Clone(dst)
		run(acc, true, true)
		vnniAcc := slices.Clone(vnni)
		run(vnniAcc, true, false)
		for i := range dst {
			r, c := i%dstStride, i/dstStride
			if r >= n || c >= cols {
				if dst[i] != -7 || acc[i] != -7 {
					t.Fatalf("%s two=%v: wrote dst[%d] outside the outputs", what, two, i)
				}
				continue
			}
			w := fmt.Sprintf("%s two=%v r=%d c=%d", what, two, r, c)
			if math.Float32bits(dst[i]) != math.Float32bits(vnni[i]) || math.Float32bits(acc[i]) != math.Float32bits(vnniAcc[i]) {
				t.Fatalf("%s: amx %.9g (accumulated %.9g), vnni %.9g (%.9g)", w, dst[i], acc[i], vnni[i], vnniAcc[i])
			}
			want, abs := r16Ref(t, f, x[r*rowBytes:], y[c*yStride:], nb)
			checkDot(t, w+" vs exact", dst[i], want, abs, dotTol)
			checkDot(t, w+" vs go", dst[i], float64(twin[i]), abs, dotTol)
			checkDot(t, w+" accumulated", acc[i], 2*want, 2*abs, dotTol)
		}
	}
}

// TestR16AMXLevel checks the dispatch: with AMX the q8_0, q4_K and q5_K
// kernels r16Gemm and r16Gemm2 run are the AMX wrappers (whose outputs
// the drivers mix with the VNNI kernels' for the other columns), and the
// names reported.
func TestR16AMXLevel(t *testing.T) {
	amxSkip(t)
	if r16Force != "" {
		t.Skipf("platform: r16Force=%q at link time, AMX off", r16Force)
	}
	if !r16AMX {
		t.Fatal("AMX usable but r16AMX off")
	}
	if got := r16AsmName(quant.Q8_0); got != "amx-int8" {
		t.Errorf("r16AsmName(q8_0) = %q, want amx-int8", got)
	}
	if got := r16AsmName(quant.Q4K); got != "amx-int8" {
		t.Errorf("r16AsmName(q4_K) = %q, want amx-int8", got)
	}
	if got := r16AsmName(quant.Q5K); got != "amx-int8" {
		t.Errorf("r16AsmName(q5_K) = %q, want amx-int8", got)
	}
	if got := r16AsmName(quant.Q6K); got != "avx512vnni" {
		t.Errorf("r16AsmName(q6_K) = %q, want avx512vnni (its AMX kernel is not wired)", got)
	}
	if got := r16AsmName(quant.Q4_0); got != "avx512vnni" {
		t.Errorf("r16AsmName(q4_0) = %q, want avx512vnni", got)
	}
}

// TestMatMulAMX runs q8_0, q4_K and q5_K matmuls of 16 columns and more through the
// drivers (MatMulRows packing on the fly, in parts of a row, and
// MatMulRowsRepacked over strip pairs, a single strip and unaligned row
// ranges), where the AMX kernel takes the whole groups of 16 columns,
// against the naive reference for every output.
func TestMatMulAMX(t *testing.T) {
	amxSkip(t)
	for _, f := range []*r16Format{&r16Q8_0, &r16Q4K, &r16Q5K} {
		t.Run(f.typ.String(), func(t *testing.T) { testMatMulAMX(t, f) })
	}
}

// testMatMulAMX is TestMatMulAMX for format f.
func testMatMulAMX(t *testing.T, f *r16Format) {
	rng := newRNG(0x414d59)
	chunk := r16Buffer / (2 * r16Rows * f.blockBytes)
	nb := 2*chunk + 3 // on the fly: three parts of a row
	k := nb * f.blockElems
	const rows = 50
	rowBytes := f.typ.RowSize(k)
	w := r16RandRows(t, rng, f, rows, rowBytes, nb)
	m, ok := Repack(f.typ, w, rows, k)
	if !ok {
		t.Fatalf("Repack refused %v", f.typ)
	}
	for _, cols := range []int{16, 45, 130} {
		xq := r16RandActs(t, rng, f, cols, nb*f.actBytes, nb)
		stride := rows + 3
		for _, tc := range []struct {
			name   string
			r0, r1 int
		}{{"all", 0, rows}, {"part", 5, 41}} {
			fly := make([]float32, (cols-1)*stride+rows)
			if err := MatMulRows(fly, stride, w, f.typ, k, tc.r0, tc.r1, xq, cols); err != nil {
				t.Fatal(err)
			}
			rep := make([]float32, len(fly))
			if err := MatMulRowsRepacked(rep, stride, m, tc.r0, tc.r1, xq, cols); err != nil {
				t.Fatal(err)
			}
			for c := 0; c < cols; c++ {
				for r := tc.r0; r < tc.r1; r++ {
					want, abs := r16Ref(t, f, w[r*rowBytes:], xq[c*nb*f.actBytes:], nb)
					what := fmt.Sprintf("cols=%d %s r=%d c=%d", cols, tc.name, r, c)
					checkDot(t, what+" on the fly", fly[c*stride+r], want, abs, dotTol)
					checkDot(t, what+" repacked", rep[c*stride+r], want, abs, dotTol)
				}
			}
		}
	}
}

// TestR16AMXConcurrent runs the AMX kernel from several goroutines at
// once, moved between OS threads and interrupted by the runtime's
// preemption signals (a collector keeps running), each against the VNNI
// kernel's result bit for bit: the kernel configures the tiles itself on
// whichever thread runs it, and the OS keeps each thread's tile state.
func TestR16AMXConcurrent(t *testing.T) {
	amxSkip(t)
	for _, tc := range []struct {
		f         *r16Format
		nb, calls int
	}{{&r16Q8_0, 24, 2000}, {&r16Q4K, 3, 1000}, {&r16Q5K, 3, 1000}, {&r16Q6K, 3, 1000}} {
		t.Run(tc.f.typ.String(), func(t *testing.T) { testR16AMXConcurrent(t, tc.f, tc.nb, tc.calls) })
	}
}

// testR16AMXConcurrent is TestR16AMXConcurrent for format f.
func testR16AMXConcurrent(t *testing.T, f *r16Format, nb, calls int) {
	const cols, workers = 48, 4
	rowBytes := nb * f.blockBytes
	errs := make(chan error, workers)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	defer close(stop)
	for g := 0; g < workers; g++ {
		rng := newRNG(uint64(0x414d5a + g))
		x := r16RandRows(t, rng, f, r16Rows, rowBytes, nb)
		strip := make([]byte, f.stripBytes(nb))
		r16PackGeneric(f, strip, x, rowBytes, nb, r16Rows)
		yStride := nb * f.actBytes
		y := r16RandActs(t, rng, f, cols, yStride, nb)
		want := make([]float32, cols*r16Rows)
		r16GemmVNNI(f, strip, nb, y, yStride, cols, want, r16Rows, false)
		go func() {
			got := make([]float32, len(want))
			for i := 0; i < calls; i++ {
				r16GemmAMX(f, strip, nb, y, yStride, cols, got, r16Rows, false)
				for j := range got {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						errs <- fmt.Errorf("worker %d call %d: dst[%d] = %.9g, want %.9g", g, i, j, got[j], want[j])
						return
					}
				}
				runtime.Gosched()
			}
			errs <- nil
		}()
	}
	for g := 0; g < workers; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
