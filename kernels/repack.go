package kernels

import (
	"fmt"
	"unsafe"

	"github.com/gollm/gollm/quant"
)

// Row-interleaved weights ("r16"): the layout the prompt-processing kernels
// read, made from ordinary rows once at load time (Repack) or, where a
// matmul has enough columns, on the fly by the driver.
//
// Sixteen rows form a strip. A strip of nb blocks is the rows' blocks
// transposed by 32-bit words: for block b, word w of the block's word
// region (bytes dwordOff…dwordOff+4·dwords) of row r lies at
//
//	b·64·dwords + 64·w + 4·r
//
// so that one 512-bit load gives the same word of all sixteen rows, one
// row per 32-bit lane. The format's fp16 scales that lie outside the word
// region follow the words of all nb blocks: scale h of block b of row r at
//
//	nb·64·dwords + 32·(b·len(halves) + h) + 2·r
//
// (sixteen rows' scales in 32 bytes, ready for one VCVTPH2PS). A strip is
// exactly as large as its sixteen rows (16·nb·blockBytes): repacking costs
// no memory. Rows past the end of a matrix are zero in the last strip.
//
// The kernels then work with rows in lanes: a weight register holds four
// consecutive weights of each of the sixteen rows, the activation's four
// bytes are broadcast to all lanes, and one VPDPBUSD adds 64 products to
// sixteen per-row sums. Nothing is summed across lanes, the per-row float
// scales are vectors, and the weights unpacked into registers serve every
// activation column in turn (see the comments in repack_amd64.s and
// repack_kquant_amd64.s). Where a type has a two-strip kernel (r16X2:
// q8_0 and q4_0 with AVX-512 VNNI) the drivers hand it two consecutive
// strips (32 rows) at a time, which share each column's work. On CPUs
// with AMX-INT8, a q8_0 block's words are an AMX B tile as they lie: the
// q8_0 kernel there multiplies 16 rows by 16 columns per TDPBSSD; the
// q4_K and q5_K kernels unpack a chunk's words to the low and high
// nibbles' weights, two B tiles, and multiply 16 rows by 16 columns per
// sub-block and TDPBSUD; a q6_K kernel (one TDPBSUD per 16-weight
// sub-block) exists but is not faster than VNNI and not wired (see
// repack_amx_amd64.s).

// r16Rows is the number of rows in a strip.
const r16Rows = 16

// r16Format describes how the blocks of one weight type are repacked.
type r16Format struct {
	typ        quant.Type
	blockElems int   // elements per block
	blockBytes int   // bytes per block
	actBytes   int   // bytes per block of the activation type
	dwordOff   int   // first byte of the transposed word region
	dwords     int   // 32-bit words per block in it
	halves     []int // offsets of the fp16 scales outside it
}

var (
	r16Q4K  = r16Format{quant.Q4K, 256, kqQ4KBytes, kqQ8KBytes, 0, 36, nil}
	r16Q5K  = r16Format{quant.Q5K, 256, kqQ5KBytes, kqQ8KBytes, 0, 44, nil}
	r16Q6K  = r16Format{quant.Q6K, 256, kqQ6KBytes, kqQ8KBytes, 0, 52, []int{208}}
	r16Q8_0 = r16Format{quant.Q8_0, 32, bytesQ8_0, bytesQ8_0, 2, 8, []int{0}}
	r16Q4_0 = r16Format{quant.Q4_0, 32, bytesQ4_0, bytesQ8_0, 2, 4, []int{0}}
)

// r16Formats lists every repackable type.
var r16Formats = []*r16Format{&r16Q4K, &r16Q5K, &r16Q6K, &r16Q8_0, &r16Q4_0}

// r16ByType indexes r16Formats by type.
var r16ByType = func() (m [64]*r16Format) {
	for _, f := range r16Formats {
		m[f.typ] = f
	}
	return m
}()

// r16FormatOf returns the format of type t, or nil.
func r16FormatOf(t quant.Type) *r16Format {
	if int(t) >= len(r16ByType) {
		return nil
	}
	return r16ByType[t]
}

func init() {
	for _, f := range r16Formats {
		act := quant.Q8_0
		if f.actBytes == kqQ8KBytes {
			act = quant.Q8K
		}
		setImpl(fmt.Sprintf("strip %v·%v (16 rows, repacked)", f.typ, act), r16AsmName(f.typ))
	}
}

// stripBytes is the size of a strip of nb blocks.
func (f *r16Format) stripBytes(nb int) int { return nb * r16Rows * f.blockBytes }

// r16PackGeneric writes the strip of the first rows (≤ 16) rows of src
// (row r at src[r·srcStride:], nb blocks each) to dst; missing rows are
// zero. It is the Go twin of the assembly packer.
func r16PackGeneric(f *r16Format, dst, src []byte, srcStride, nb, rows int) {
	dst = dst[:f.stripBytes(nb)]
	words := nb * 64 * f.dwords
	nh := len(f.halves)
	for b := 0; b < nb; b++ {
		wb := dst[b*64*f.dwords : (b+1)*64*f.dwords]
		hb := dst[words+32*b*nh : words+32*(b+1)*nh]
		for r := 0; r < r16Rows; r++ {
			if r >= rows {
				for w := 0; w < f.dwords; w++ {
					clear(wb[64*w+4*r : 64*w+4*r+4])
				}
				for h := range f.halves {
					clear(hb[32*h+2*r : 32*h+2*r+2])
				}
				continue
			}
			blk := src[r*srcStride+b*f.blockBytes : r*srcStride+(b+1)*f.blockBytes]
			for w := 0; w < f.dwords; w++ {
				copy(wb[64*w+4*r:64*w+4*r+4], blk[f.dwordOff+4*w:])
			}
			for h, off := range f.halves {
				copy(hb[32*h+2*r:32*h+2*r+2], blk[off:])
			}
		}
	}
}

// r16Block rebuilds block b of row r of a strip of nb blocks in the
// type's own layout, into dst (f.blockBytes long).
func r16Block(f *r16Format, dst, strip []byte, nb, b, r int) {
	dst = dst[:f.blockBytes]
	wb := strip[b*64*f.dwords:]
	for w := 0; w < f.dwords; w++ {
		copy(dst[f.dwordOff+4*w:f.dwordOff+4*w+4], wb[64*w+4*r:])
	}
	hb := strip[nb*64*f.dwords+32*b*len(f.halves):]
	for h, off := range f.halves {
		copy(dst[off:off+2], hb[32*h+2*r:])
	}
}

// r16BlockDot is the per-block dot product of the Go twins: one weight
// block of type t in its own layout with one activation block.
func r16BlockDot(t quant.Type, xb, yb []byte) float32 {
	switch t {
	case quant.Q4K:
		return q4KBlockDot(xb, yb)
	case quant.Q5K:
		return q5KBlockDot(xb, yb)
	case quant.Q6K:
		return q6KBlockDot(xb, yb)
	case quant.Q8_0:
		return float32(blockDotQ8(xb[2:], yb[2:])) * (f16At(xb) * f16At(yb))
	case quant.Q4_0:
		return float32(blockDotNibbles(xb[2:], yb[2:], 8)) * (f16At(xb) * f16At(yb))
	}
	panic("kernels: no r16 block dot for " + t.String())
}

// r16Check panics unless a strip of nb blocks, cols activation columns
// yStride bytes apart and the 16×cols outputs fit their buffers.
func r16Check(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int) {
	if nb < 0 || cols < 0 || yStride < nb*f.actBytes || dstStride < 0 || cols > 1 && dstStride < r16Rows || len(strip) < f.stripBytes(nb) ||
		cols > 0 && (len(y) < (cols-1)*yStride+nb*f.actBytes || len(dst) < (cols-1)*dstStride+r16Rows) {
		panic(fmt.Sprintf("kernels: r16 %v: %d blocks × %d columns do not fit their buffers", f.typ, nb, cols))
	}
}

// r16GemmGeneric is the Go twin of the strip kernels: for c < cols and
// r < 16, dst[c·dstStride + r] gets (or, with accumulate, adds) the dot
// product of row r of the strip (nb blocks) with activation column c at
// y[c·yStride:].
func r16GemmGeneric(f *r16Format, strip []byte, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Check(f, strip, nb, y, yStride, cols, dst, dstStride)
	var blk [kqQ6KBytes]byte // the largest block
	for c := 0; c < cols; c++ {
		out := dst[c*dstStride : c*dstStride+r16Rows]
		if !accumulate {
			clear(out)
		}
		for b := 0; b < nb; b++ {
			yb := y[c*yStride+b*f.actBytes : c*yStride+(b+1)*f.actBytes]
			for r := range out {
				r16Block(f, blk[:], strip, nb, b, r)
				out[r] += r16BlockDot(f.typ, blk[:f.blockBytes], yb)
			}
		}
	}
}

// r16Check2 is r16Check for two strips (the second stripStride bytes
// after the first) and their 32×cols outputs.
func r16Check2(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int) {
	if stripStride < f.stripBytes(nb) || len(strips) < stripStride+f.stripBytes(nb) || cols > 1 && dstStride < 2*r16Rows ||
		cols > 0 && len(dst) < (cols-1)*dstStride+2*r16Rows {
		panic(fmt.Sprintf("kernels: r16 %v: two strips of %d blocks × %d columns do not fit their buffers", f.typ, nb, cols))
	}
	r16Check(f, strips, nb, y, yStride, cols, dst, dstStride)
}

// r16Gemm2Generic is the Go twin of the two-strip kernels: for c < cols
// and r < 32, dst[c·dstStride + r] gets (or, with accumulate, adds) the
// dot product of row r mod 16 of strip r/16 (strip 0 at strips[0:],
// strip 1 at strips[stripStride:], nb blocks each) with activation column
// c at y[c·yStride:].
func r16Gemm2Generic(f *r16Format, strips []byte, stripStride, nb int, y []byte, yStride, cols int, dst []float32, dstStride int, accumulate bool) {
	r16Check2(f, strips, stripStride, nb, y, yStride, cols, dst, dstStride)
	r16GemmGeneric(f, strips, nb, y, yStride, cols, dst, dstStride, accumulate)
	r16GemmGeneric(f, strips[stripStride:], nb, y, yStride, cols, dst[r16Rows:], dstStride, accumulate)
}

// RepackedMatrix is a weight matrix in the row-interleaved layout of the
// prompt-processing kernels, made by Repack. It holds the same bytes as
// the plain matrix (its last strip padded with zero rows to 16), so a
// graph can keep it instead of the plain rows. Row gives a plain row back.
type RepackedMatrix struct {
	typ     quant.Type
	rows, k int
	data    []byte // strips of 16 rows, 64-byte aligned
}

// Type returns the weight type.
func (m *RepackedMatrix) Type() quant.Type { return m.typ }

// Rows returns the number of rows.
func (m *RepackedMatrix) Rows() int { return m.rows }

// K returns the elements per row.
func (m *RepackedMatrix) K() int { return m.k }

// Bytes returns the memory the matrix holds.
func (m *RepackedMatrix) Bytes() int { return len(m.data) }

// strip returns strip s (rows 16s…16s+15).
func (m *RepackedMatrix) strip(s int) []byte {
	f := r16FormatOf(m.typ)
	n := f.stripBytes(m.k / f.blockElems)
	return m.data[s*n : (s+1)*n]
}

// Row writes row r in the type's plain layout to dst, which must hold
// m.Type().RowSize(m.K()) bytes.
func (m *RepackedMatrix) Row(dst []byte, r int) error {
	f := r16FormatOf(m.typ)
	nb := m.k / f.blockElems
	if r < 0 || r >= m.rows || len(dst) < nb*f.blockBytes {
		return fmt.Errorf("kernels: row %d of a %d-row repacked %v matrix into %d bytes", r, m.rows, m.typ, len(dst))
	}
	strip := m.strip(r / r16Rows)
	for b := 0; b < nb; b++ {
		r16Block(f, dst[b*f.blockBytes:], strip, nb, b, r%r16Rows)
	}
	return nil
}

// CanRepack reports whether Repack would repack weights of type wt with
// rows of k elements on this CPU: the type has a row-interleaved kernel
// here (q4_K, q5_K, q6_K, q8_0 and q4_0 on amd64 with AVX2, AVX-VNNI or
// AVX-512 VNNI, and on arm64 with dotprod) and k is whole blocks.
func CanRepack(wt quant.Type, k int) bool {
	f := r16FormatOf(wt)
	return f != nil && r16Fast && k > 0 && k%f.blockElems == 0 && CheckMatMul(wt, k) == nil
}

// Repack copies the rows×k matrix w of type wt into the row-interleaved
// layout, for MatMulRowsRepacked. It returns false (and does nothing) when
// CanRepack is false or w is too short; the plain layout and MatMulRows
// then serve as before. The result does not share memory with w.
func Repack(wt quant.Type, w []byte, rows, k int) (*RepackedMatrix, bool) {
	if !CanRepack(wt, k) || rows <= 0 || len(w) < rows*wt.RowSize(k) {
		return nil, false
	}
	return repack(r16FormatOf(wt), w, rows, k, true), true
}

// repack builds the matrix; fast picks the assembly packer for whole
// strips where there is one.
func repack(f *r16Format, w []byte, rows, k int, fast bool) *RepackedMatrix {
	nb := k / f.blockElems
	rowBytes := nb * f.blockBytes
	strips := (rows + r16Rows - 1) / r16Rows
	stripBytes := f.stripBytes(nb)
	buf := make([]byte, strips*stripBytes+63)
	adviseHugePages(buf)
	off := (64 - int(addrOf(buf))%64) % 64
	m := &RepackedMatrix{typ: f.typ, rows: rows, k: k, data: buf[off : off+strips*stripBytes : off+strips*stripBytes]}
	for s := 0; s < strips; s++ {
		n := min(r16Rows, rows-s*r16Rows)
		src := w[s*r16Rows*rowBytes:]
		if fast && r16Fast && n == r16Rows {
			r16Pack(f, m.strip(s), src, rowBytes, nb)
		} else {
			r16PackGeneric(f, m.strip(s), src, rowBytes, nb, n)
		}
	}
	return m
}

// RowGrain is the number of weight rows that calls of MatMulRows and
// MatMulRowsRepacked with weights of type wt are best given (ranges
// starting at its multiples): two strips of the row-interleaved layout
// (32 rows) where the type has a two-strip kernel on this CPU (q8_0 and
// q4_0 with AVX-512 VNNI), which then runs once for both; else one (16).
// It depends on the type and the CPU only.
func RowGrain(wt quant.Type) int {
	if r16X2(wt) {
		return 2 * r16Rows
	}
	return r16Rows
}

// MatMulRowsRepacked is MatMulRows for a repacked matrix: output rows
// [r0, r1) for all cols columns, dst[c·dstStride + r] = row r of m ·
// column c of xq, where xq holds cols columns quantized by
// QuantizeActivations for m.Type(). Row ranges that start and end on
// multiples of 16 (or at m.Rows()) need no extra work; disjoint ranges may
// run concurrently. It allocates nothing.
func MatMulRowsRepacked(dst []float32, dstStride int, m *RepackedMatrix, r0, r1 int, xq []byte, cols int) error {
	if m == nil || r16FormatOf(m.typ) == nil {
		return fmt.Errorf("kernels: matmul with a repacked matrix that Repack did not make")
	}
	if r0 < 0 || r1 < r0 || r1 > m.rows || cols < 0 || dstStride < r1 && cols > 1 {
		return fmt.Errorf("kernels: repacked matmul rows [%d, %d) of %d × %d columns with output stride %d: bad shape", r0, r1, m.rows, cols, dstStride)
	}
	if r1 == r0 || cols == 0 {
		return nil
	}
	if len(xq) < cols*ActivationRowSize(m.typ, m.k) || len(dst) < (cols-1)*dstStride+r1 {
		return fmt.Errorf("kernels: repacked matmul rows [%d, %d) × %d columns of %d %v: buffers too short (activations %d, dst %d)",
			r0, r1, cols, m.k, m.typ, len(xq), len(dst))
	}
	matMulRowsRepacked(dst, dstStride, m, r0, r1, xq, cols)
	return nil
}

// r16MaxCols is the most activation columns one strip kernel call takes:
// their blocks and outputs stay in the first-level cache.
const r16MaxCols = 64

// r16Out is the drivers' output buffer for one strip or two: 16 or 32
// rows of up to r16MaxCols columns, a column's outputs contiguous. The
// kernels update a column's outputs once per part of a block; in dst,
// whose column stride is often a power of two, the columns would all fall
// into one set of the first-level cache.
type r16Out [2 * r16Rows * r16MaxCols]float32

// store copies rows lo…hi−1 (of the strips starting at row r, per rows a
// column) of n columns to dst[c·dstStride + row].
func (o *r16Out) store(dst []float32, dstStride, per, r, lo, hi, n int) {
	for c := 0; c < n; c++ {
		copy(dst[c*dstStride+lo:c*dstStride+hi], o[c*per+lo-r:])
	}
}

// matMulRowsRepacked is MatMulRowsRepacked without checks. Where the type
// has a two-strip kernel (r16X2) it takes two strips at a time while the
// second has rows in [r0, r1).
func matMulRowsRepacked(dst []float32, dstStride int, m *RepackedMatrix, r0, r1 int, xq []byte, cols int) {
	f := r16FormatOf(m.typ)
	nb := m.k / f.blockElems
	colBytes := nb * f.actBytes
	stripBytes := f.stripBytes(nb)
	x2 := r16X2(m.typ)
	var out r16Out
	for s := r0 / r16Rows; s*r16Rows < r1; {
		ns := 1
		if x2 && (s+1)*r16Rows < r1 {
			ns = 2
		}
		strips := m.data[s*stripBytes : (s+ns)*stripBytes]
		per := ns * r16Rows
		lo, hi := max(r0, s*r16Rows), min(r1, (s+ns)*r16Rows)
		for c0 := 0; c0 < cols; c0 += r16MaxCols {
			n := min(r16MaxCols, cols-c0)
			if ns == 2 {
				r16Gemm2(f, strips, stripBytes, nb, xq[c0*colBytes:], colBytes, n, out[:], per, false)
			} else {
				r16Gemm(f, strips, nb, xq[c0*colBytes:], colBytes, n, out[:], per, false)
			}
			out.store(dst[c0*dstStride:], dstStride, per, s*r16Rows, lo, hi, n)
		}
		s += ns
	}
}

// r16OnTheFly says whether MatMulRows repacks weights of type wt on the
// fly for cols columns: from two columns on, packing and the strip kernel
// beat the plain dot products; q8_0's 8×4 tile, though, still wins at
// four (q8_0 has the most bytes to pack per weight).
func r16OnTheFly(wt quant.Type, cols int) bool {
	minCols := 2
	if wt == quant.Q8_0 {
		minCols = 5
	}
	return r16Fast && cols >= minCols && r16AsmType(wt)
}

// r16Buffer is the size of the on-the-fly strip buffer of the driver: a
// strip of that many bytes (whole blocks) is packed, multiplied with the
// columns, and the next part of the rows follows.
const r16Buffer = 36 << 10

// matMulRowsR16 computes the whole strips of rows [r0, r1) with weights
// repacked on the fly and returns the first row it left; two strips at a
// time where the type has a two-strip kernel (r16X2).
func matMulRowsR16(dst []float32, dstStride int, w []byte, f *r16Format, k, r0, r1 int, xq []byte, cols int) int {
	var buf [r16Buffer + 64]byte
	var out r16Out
	off := (64 - int(addrOf(buf[:]))%64) % 64
	r := r0
	if r16X2(f.typ) {
		for ; r+2*r16Rows <= r1; r += 2 * r16Rows {
			r16Fly(buf[off:off+r16Buffer], &out, dst, dstStride, w, f, k, r, 2, xq, cols)
		}
	}
	for ; r+r16Rows <= r1; r += r16Rows {
		r16Fly(buf[off:off+r16Buffer], &out, dst, dstStride, w, f, k, r, 1, xq, cols)
	}
	return r
}

// r16Fly computes the ns (1 or 2) strips of rows r… with weights packed
// into buf (64-byte aligned, r16Buffer bytes) in parts of whole blocks.
func r16Fly(buf []byte, out *r16Out, dst []float32, dstStride int, w []byte, f *r16Format, k, r, ns int, xq []byte, cols int) {
	nb := k / f.blockElems
	chunk := min(nb, r16Buffer/(ns*r16Rows*f.blockBytes))
	rowBytes := nb * f.blockBytes
	colBytes := nb * f.actBytes
	per := ns * r16Rows
	whole := chunk == nb // one part: pack once for all columns
	pack := func(b0, n int) {
		for i := 0; i < ns; i++ {
			r16Pack(f, buf[i*f.stripBytes(n):(i+1)*f.stripBytes(n)], w[(r+i*r16Rows)*rowBytes+b0*f.blockBytes:], rowBytes, n)
		}
	}
	if whole {
		pack(0, nb)
	}
	for c0 := 0; c0 < cols; c0 += r16MaxCols {
		nc := min(r16MaxCols, cols-c0)
		for b0 := 0; b0 < nb; b0 += chunk {
			n := min(chunk, nb-b0)
			if !whole {
				pack(b0, n)
			}
			y := xq[c0*colBytes+b0*f.actBytes:]
			if ns == 2 {
				r16Gemm2(f, buf[:2*f.stripBytes(n)], f.stripBytes(n), n, y, colBytes, nc, out[:], per, b0 > 0)
			} else {
				r16Gemm(f, buf[:f.stripBytes(n)], n, y, colBytes, nc, out[:], per, b0 > 0)
			}
		}
		out.store(dst[c0*dstStride:], dstStride, per, r, r, r+per, nc)
	}
}

// addrOf returns the address of b's first byte, for alignment.
func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
