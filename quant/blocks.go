package quant

import (
	"fmt"
	"math"
	"unsafe"
)

// Block layouts.
//
// Each block type below is the exact byte image of one ggml block: every
// field is a byte array, so the struct has alignment 1, no padding, and the
// size ggml gives the type (checked by the tests). Multi-byte fields are
// little-endian; "f16" is an IEEE binary16 value, decoded with the methods.
// Blocks views raw bytes (a GGUF mapping, a quantized row) as a slice of
// blocks without copying.
//
// "Nibble layout A" (q4_0, q4_1, q5_0, q5_1, iq4_nl, each 32-element
// sub-block of iq4_xs): byte j of the 16 holds element j in its low nibble
// and element j+16 in its high nibble.

// Block is the set of block layouts that Blocks can view.
type Block interface {
	BlockQ4_0 | BlockQ4_1 | BlockQ5_0 | BlockQ5_1 | BlockQ8_0 | BlockQ8_1 |
		BlockQ2K | BlockQ3K | BlockQ4K | BlockQ5K | BlockQ6K | BlockQ8K |
		BlockIQ4NL | BlockIQ4XS
}

// Blocks returns b viewed as blocks of type B, without copying: element i
// aliases b[i*size : (i+1)*size]. Trailing bytes that do not fill a block
// are not part of the view. The view shares b's memory and lifetime.
func Blocks[B Block](b []byte) []B {
	size := int(unsafe.Sizeof(*new(B)))
	n := len(b) / size
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*B)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

func f16(b [2]byte) float32 { return fp16Table[uint16(b[0])|uint16(b[1])<<8] }

func putF16(b *[2]byte, f float32) {
	h := FP32ToFP16(f)
	b[0], b[1] = byte(h), byte(h>>8)
}

func le32(b [4]byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func putLE32(b *[4]byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// BlockQ4_0 is one q4_0 block: 32 elements in 18 bytes.
//
//	@0  d   f16      scale
//	@2  qs  [16]u8   4-bit quants, nibble layout A
//
// Element value: (nibble − 8)·d.
type BlockQ4_0 struct {
	D  [2]byte
	Qs [16]byte
}

// Scale returns d.
func (b *BlockQ4_0) Scale() float32 { return f16(b.D) }

// BlockQ4_1 is one q4_1 block: 32 elements in 20 bytes.
//
//	@0  d   f16      scale
//	@2  m   f16      minimum (offset)
//	@4  qs  [16]u8   4-bit quants, nibble layout A
//
// Element value: nibble·d + m.
type BlockQ4_1 struct {
	D  [2]byte
	M  [2]byte
	Qs [16]byte
}

// Scale returns d.
func (b *BlockQ4_1) Scale() float32 { return f16(b.D) }

// Min returns m.
func (b *BlockQ4_1) Min() float32 { return f16(b.M) }

// BlockQ5_0 is one q5_0 block: 32 elements in 22 bytes.
//
//	@0  d   f16      scale
//	@2  qh  u32      bit k = fifth bit of element k
//	@6  qs  [16]u8   low 4 bits, nibble layout A
//
// Element value: (q − 16)·d with q = nibble | qh bit << 4.
type BlockQ5_0 struct {
	D  [2]byte
	Qh [4]byte
	Qs [16]byte
}

// Scale returns d.
func (b *BlockQ5_0) Scale() float32 { return f16(b.D) }

// High returns qh, the fifth bits of the 32 elements.
func (b *BlockQ5_0) High() uint32 { return le32(b.Qh) }

// BlockQ5_1 is one q5_1 block: 32 elements in 24 bytes.
//
//	@0  d   f16      scale
//	@2  m   f16      minimum (offset)
//	@4  qh  u32      bit k = fifth bit of element k
//	@8  qs  [16]u8   low 4 bits, nibble layout A
//
// Element value: q·d + m with q = nibble | qh bit << 4.
type BlockQ5_1 struct {
	D  [2]byte
	M  [2]byte
	Qh [4]byte
	Qs [16]byte
}

// Scale returns d.
func (b *BlockQ5_1) Scale() float32 { return f16(b.D) }

// Min returns m.
func (b *BlockQ5_1) Min() float32 { return f16(b.M) }

// High returns qh, the fifth bits of the 32 elements.
func (b *BlockQ5_1) High() uint32 { return le32(b.Qh) }

// BlockQ8_0 is one q8_0 block: 32 elements in 34 bytes.
//
//	@0  d   f16      scale
//	@2  qs  [32]i8   quants, in element order
//
// Element value: q·d.
type BlockQ8_0 struct {
	D  [2]byte
	Qs [32]int8
}

// Scale returns d.
func (b *BlockQ8_0) Scale() float32 { return f16(b.D) }

// BlockQ8_1 is one q8_1 block (an activation format): 32 elements in 36
// bytes.
//
//	@0  d   f16      scale
//	@2  s   f16      d₃₂·Σqs, d₃₂ being the float32 scale before rounding to f16
//	@4  qs  [32]i8   quants, in element order
//
// Element value: q·d.
type BlockQ8_1 struct {
	D  [2]byte
	S  [2]byte
	Qs [32]int8
}

// Scale returns d.
func (b *BlockQ8_1) Scale() float32 { return f16(b.D) }

// Sum returns s.
func (b *BlockQ8_1) Sum() float32 { return f16(b.S) }

// BlockQ2K is one q2_K super-block: 256 elements in 84 bytes.
//
//	@0   scales [16]u8  per 16-element group: low nibble scale, high nibble min
//	@16  qs     [64]u8  2-bit quants
//	@80  d      f16     super-block scale of the scales
//	@82  dmin   f16     super-block scale of the mins
//
// Half n (0, 1) uses qs[32n : 32n+32]. Within it, for shift = 0, 2, 4, 6
// come two 16-element groups: elements l < 16 from qs[l], then from
// qs[16+l], each group taking the next scale byte sc. Element value:
// (d·(sc&15))·((q>>shift)&3) − dmin·(sc>>4).
type BlockQ2K struct {
	Scales [16]byte
	Qs     [64]byte
	D      [2]byte
	Dmin   [2]byte
}

// Scale returns d.
func (b *BlockQ2K) Scale() float32 { return f16(b.D) }

// MinScale returns dmin.
func (b *BlockQ2K) MinScale() float32 { return f16(b.Dmin) }

// BlockQ3K is one q3_K super-block: 256 elements in 110 bytes.
//
//	@0    hmask  [32]u8  high (third) bits
//	@32   qs     [64]u8  low 2 bits
//	@96   scales [12]u8  16 6-bit scales, packed (see Scales)
//	@108  d      f16     super-block scale
//
// Walk as q2_K (two halves of 128, four shifts, two 16-element groups each,
// one scale per group), with a mask bit m = 1, 2, 4, … 128 advancing per
// shift step across both halves. Element value:
// (d·(scale−32))·(((q>>shift)&3) − (hmask[l or 16+l]&m ? 0 : 4)).
type BlockQ3K struct {
	Hmask  [32]byte
	Qs     [64]byte
	Scales [12]byte
	D      [2]byte
}

// Scale returns d.
func (b *BlockQ3K) Scale() float32 { return f16(b.D) }

// Scales16 returns the 16 group scales, still biased by 32 (0…63). Group j's
// low 4 bits are the low (j<8) or high (j≥8) nibble of scales[j%8]; its
// top 2 bits are bits 2·(j/4) of scales[8+j%4].
func (b *BlockQ3K) Scales16() [16]int8 {
	const k1, k2 = 0x03030303, 0x0f0f0f0f
	a0 := uint32(b.Scales[0]) | uint32(b.Scales[1])<<8 | uint32(b.Scales[2])<<16 | uint32(b.Scales[3])<<24
	a1 := uint32(b.Scales[4]) | uint32(b.Scales[5])<<8 | uint32(b.Scales[6])<<16 | uint32(b.Scales[7])<<24
	a2 := uint32(b.Scales[8]) | uint32(b.Scales[9])<<8 | uint32(b.Scales[10])<<16 | uint32(b.Scales[11])<<24
	s := [4]uint32{
		a0&k2 | (a2&k1)<<4,
		a1&k2 | ((a2>>2)&k1)<<4,
		(a0>>4)&k2 | ((a2>>4)&k1)<<4,
		(a1>>4)&k2 | ((a2>>6)&k1)<<4,
	}
	var out [16]int8
	for i, v := range s {
		out[4*i], out[4*i+1], out[4*i+2], out[4*i+3] = int8(v), int8(v>>8), int8(v>>16), int8(v>>24)
	}
	return out
}

// BlockQ4K is one q4_K super-block: 256 elements in 144 bytes.
//
//	@0   d      f16       super-block scale of the scales
//	@2   dmin   f16       super-block scale of the mins
//	@4   scales [12]u8    8 6-bit scales and 8 6-bit mins (see ScaleMin)
//	@16  qs     [128]u8   4-bit quants
//
// Chunk j = 0…3 uses qs[32j : 32j+32]: the low nibbles are sub-block 2j,
// the high nibbles sub-block 2j+1 (32 elements each). Element value:
// (d·sc)·nibble − dmin·m with (sc, m) = ScaleMin(sub-block).
type BlockQ4K struct {
	D      [2]byte
	Dmin   [2]byte
	Scales [12]byte
	Qs     [128]byte
}

// Scale returns d.
func (b *BlockQ4K) Scale() float32 { return f16(b.D) }

// MinScale returns dmin.
func (b *BlockQ4K) MinScale() float32 { return f16(b.Dmin) }

// ScaleMin returns the 6-bit scale and min of sub-block j (0…7).
func (b *BlockQ4K) ScaleMin(j int) (sc, m uint8) { return scaleMinK4(j, &b.Scales) }

// scaleMinK4 unpacks the 6-bit (scale, min) pair j of q4_K and q5_K: for
// j < 4 the low 6 bits of bytes j and j+4; otherwise the nibbles of byte
// j+4 with the top 2 bits of bytes j−4 and j as the high bits.
func scaleMinK4(j int, q *[12]byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xf | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// BlockQ5K is one q5_K super-block: 256 elements in 176 bytes.
//
//	@0   d      f16       super-block scale of the scales
//	@2   dmin   f16       super-block scale of the mins
//	@4   scales [12]u8    as q4_K
//	@16  qh     [32]u8    fifth bits
//	@48  qs     [128]u8   low 4 bits, as q4_K
//
// As q4_K, plus 16 when bit 2j (low nibbles of chunk j) or bit 2j+1 (high
// nibbles) of qh[l] is set, l being the position within the chunk.
type BlockQ5K struct {
	D      [2]byte
	Dmin   [2]byte
	Scales [12]byte
	Qh     [32]byte
	Qs     [128]byte
}

// Scale returns d.
func (b *BlockQ5K) Scale() float32 { return f16(b.D) }

// MinScale returns dmin.
func (b *BlockQ5K) MinScale() float32 { return f16(b.Dmin) }

// ScaleMin returns the 6-bit scale and min of sub-block j (0…7).
func (b *BlockQ5K) ScaleMin(j int) (sc, m uint8) { return scaleMinK4(j, &b.Scales) }

// BlockQ6K is one q6_K super-block: 256 elements in 210 bytes.
//
//	@0    ql     [128]u8  low 4 bits
//	@128  qh     [64]u8   high 2 bits
//	@192  scales [16]i8   per 16-element group
//	@208  d      f16      super-block scale
//
// Half n (0, 1) uses ql[64n:], qh[32n:], scales[8n:]; for l < 32, with
// is = l/16, its 128 elements are
//
//	y[l]    = ql[l]&15    | (qh[l]>>0&3)<<4, scale scales[is+0]
//	y[l+32] = ql[l+32]&15 | (qh[l]>>2&3)<<4, scale scales[is+2]
//	y[l+64] = ql[l]>>4    | (qh[l]>>4&3)<<4, scale scales[is+4]
//	y[l+96] = ql[l+32]>>4 | (qh[l]>>6&3)<<4, scale scales[is+6]
//
// Element value: (d·scale)·(q − 32).
type BlockQ6K struct {
	Ql     [128]byte
	Qh     [64]byte
	Scales [16]int8
	D      [2]byte
}

// Scale returns d.
func (b *BlockQ6K) Scale() float32 { return f16(b.D) }

// BlockQ8K is one q8_K super-block (the k-quants' activation format): 256
// elements in 292 bytes.
//
//	@0    d      f32        scale (negative when the largest-magnitude element is positive)
//	@4    qs     [256]i8    quants, in element order
//	@260  bsums  [16]i16    sum of each group of 16 quants
//
// Element value: d·q.
type BlockQ8K struct {
	D     [4]byte
	Qs    [256]int8
	Bsums [32]byte
}

// Scale returns d.
func (b *BlockQ8K) Scale() float32 { return math.Float32frombits(le32(b.D)) }

// BSum returns bsums[i], the sum of quants 16i … 16i+15.
func (b *BlockQ8K) BSum(i int) int16 { return int16(uint16(b.Bsums[2*i]) | uint16(b.Bsums[2*i+1])<<8) }

// BlockIQ4NL is one iq4_nl block: 32 elements in 18 bytes.
//
//	@0  d   f16      scale
//	@2  qs  [16]u8   4-bit indices into IQ4NLValues, nibble layout A
//
// Element value: d·IQ4NLValues[nibble].
type BlockIQ4NL struct {
	D  [2]byte
	Qs [16]byte
}

// Scale returns d.
func (b *BlockIQ4NL) Scale() float32 { return f16(b.D) }

// BlockIQ4XS is one iq4_xs super-block: 256 elements in 136 bytes.
//
//	@0  d         f16       super-block scale
//	@2  scales_h  u16       high 2 bits of the 8 sub-block scales (bits 2ib, 2ib+1)
//	@4  scales_l  [4]u8     low 4 bits (sub-block ib: nibble ib%2 of byte ib/2)
//	@8  qs        [128]u8   sub-block ib uses qs[16ib:16ib+16], nibble layout A
//
// Element value: (d·(ls−32))·IQ4NLValues[nibble], ls the 6-bit scale of the
// element's sub-block (SubScale).
type BlockIQ4XS struct {
	D       [2]byte
	ScalesH [2]byte
	ScalesL [4]byte
	Qs      [128]byte
}

// Scale returns d.
func (b *BlockIQ4XS) Scale() float32 { return f16(b.D) }

// SubScale returns the 6-bit scale ls (0…63, biased by 32) of sub-block ib
// (0…7).
func (b *BlockIQ4XS) SubScale(ib int) int {
	h := uint16(b.ScalesH[0]) | uint16(b.ScalesH[1])<<8
	return int(b.ScalesL[ib/2]>>(4*(ib%2)))&0xf | int(h>>(2*ib))&3<<4
}

// IQ4NLValues is the non-linear codebook of iq4_nl and iq4_xs. Read-only.
var IQ4NLValues = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// checkDequant panics when a dequantizer is asked for a partial block or
// src is short: these are programming errors of the caller, who must size
// buffers from the type's traits (Dequantize does and returns errors).
func checkDequant(name string, nDst, nSrc, bs, ts int) {
	if nDst%bs != 0 {
		panic(fmt.Sprintf("quant: %s: %d elements is not a multiple of the block size %d", name, nDst, bs))
	}
	if need := nDst / bs * ts; nSrc < need {
		panic(fmt.Sprintf("quant: %s: %d elements need %d bytes, have %d", name, nDst, need, nSrc))
	}
}

// checkQuant is checkDequant for quantizers.
func checkQuant(name string, nDst, nSrc, bs, ts int) {
	if nSrc%bs != 0 {
		panic(fmt.Sprintf("quant: %s: %d elements is not a multiple of the block size %d", name, nSrc, bs))
	}
	if need := nSrc / bs * ts; nDst < need {
		panic(fmt.Sprintf("quant: %s: %d elements need %d bytes, have %d", name, nSrc, need, nDst))
	}
}
