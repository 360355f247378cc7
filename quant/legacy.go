package quant

import "math"

// The 32-element formats: q4_0, q4_1, q5_0, q5_1, q8_0, q8_1.
//
// Quantizers follow ggml's quantize_row_*_ref, which is what
// ggml_quantize_chunk runs for these types without an importance matrix.
// q8_0 and q8_1 also serve as activation formats (see QuantizeQ8_0).

// DequantizeQ4_0 decodes len(dst) elements (a multiple of 32) of q4_0.
func DequantizeQ4_0(dst []float32, src []byte) {
	checkDequant("DequantizeQ4_0", len(dst), len(src), 32, 18)
	blocks := Blocks[BlockQ4_0](src)[:len(dst)/32]
	for i := range blocks {
		b := &blocks[i]
		d := f16(b.D)
		y := (*[32]float32)(dst[32*i:])
		for j := 0; j < 16; j++ {
			y[j] = float32(int(b.Qs[j]&0xf)-8) * d
			y[j+16] = float32(int(b.Qs[j]>>4)-8) * d
		}
	}
}

// QuantizeQ4_0 encodes len(src) elements (a multiple of 32) as q4_0:
// d = max/−8 where max is the element of largest magnitude, signed.
func QuantizeQ4_0(dst []byte, src []float32) {
	checkQuant("QuantizeQ4_0", len(dst), len(src), 32, 18)
	blocks := Blocks[BlockQ4_0](dst)
	for i := range len(src) / 32 {
		x := (*[32]float32)(src[32*i:])
		b := &blocks[i]
		var amax, xmax float32
		for _, v := range x {
			if ax := abs32(v); amax < ax {
				amax, xmax = ax, v
			}
		}
		d := xmax / -8
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(&b.D, d)
		for j := 0; j < 16; j++ {
			x0 := min(15, int8(float32(x[j]*id)+8.5))
			x1 := min(15, int8(float32(x[j+16]*id)+8.5))
			b.Qs[j] = uint8(x0) | uint8(x1)<<4
		}
	}
}

// DequantizeQ4_1 decodes len(dst) elements (a multiple of 32) of q4_1.
func DequantizeQ4_1(dst []float32, src []byte) {
	checkDequant("DequantizeQ4_1", len(dst), len(src), 32, 20)
	blocks := Blocks[BlockQ4_1](src)[:len(dst)/32]
	for i := range blocks {
		b := &blocks[i]
		d, m := f16(b.D), f16(b.M)
		y := (*[32]float32)(dst[32*i:])
		for j := 0; j < 16; j++ {
			y[j] = float32(float32(b.Qs[j]&0xf)*d) + m
			y[j+16] = float32(float32(b.Qs[j]>>4)*d) + m
		}
	}
}

// QuantizeQ4_1 encodes len(src) elements (a multiple of 32) as q4_1:
// m = min, d = (max−min)/15.
func QuantizeQ4_1(dst []byte, src []float32) {
	checkQuant("QuantizeQ4_1", len(dst), len(src), 32, 20)
	blocks := Blocks[BlockQ4_1](dst)
	for i := range len(src) / 32 {
		x := (*[32]float32)(src[32*i:])
		b := &blocks[i]
		mn, mx := float32(math.MaxFloat32), float32(-math.MaxFloat32)
		for _, v := range x {
			if v < mn {
				mn = v
			}
			if v > mx {
				mx = v
			}
		}
		d := (mx - mn) / 15
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(&b.D, d)
		putF16(&b.M, mn)
		for j := 0; j < 16; j++ {
			x0 := min(15, int8(float32((x[j]-mn)*id)+0.5))
			x1 := min(15, int8(float32((x[j+16]-mn)*id)+0.5))
			b.Qs[j] = uint8(x0) | uint8(x1)<<4
		}
	}
}

// DequantizeQ5_0 decodes len(dst) elements (a multiple of 32) of q5_0.
func DequantizeQ5_0(dst []float32, src []byte) {
	checkDequant("DequantizeQ5_0", len(dst), len(src), 32, 22)
	blocks := Blocks[BlockQ5_0](src)[:len(dst)/32]
	for i := range blocks {
		b := &blocks[i]
		d := f16(b.D)
		qh := le32(b.Qh)
		y := (*[32]float32)(dst[32*i:])
		for j := 0; j < 16; j++ {
			h0 := int(qh>>(j&15)) << 4 & 0x10
			h1 := int(qh>>((j+12)&31)) & 0x10
			y[j] = float32(int(b.Qs[j]&0xf)|h0-16) * d
			y[j+16] = float32(int(b.Qs[j]>>4)|h1-16) * d
		}
	}
}

// QuantizeQ5_0 encodes len(src) elements (a multiple of 32) as q5_0:
// d = max/−16 where max is the element of largest magnitude, signed.
func QuantizeQ5_0(dst []byte, src []float32) {
	checkQuant("QuantizeQ5_0", len(dst), len(src), 32, 22)
	blocks := Blocks[BlockQ5_0](dst)
	for i := range len(src) / 32 {
		x := (*[32]float32)(src[32*i:])
		b := &blocks[i]
		var amax, xmax float32
		for _, v := range x {
			if ax := abs32(v); amax < ax {
				amax, xmax = ax, v
			}
		}
		d := xmax / -16
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(&b.D, d)
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := uint8(min(31, int8(float32(x[j]*id)+16.5)))
			x1 := uint8(min(31, int8(float32(x[j+16]*id)+16.5)))
			b.Qs[j] = x0&0xf | (x1&0xf)<<4
			qh |= uint32(x0>>4) << j
			qh |= uint32(x1>>4) << (j + 16)
		}
		putLE32(&b.Qh, qh)
	}
}

// DequantizeQ5_1 decodes len(dst) elements (a multiple of 32) of q5_1.
func DequantizeQ5_1(dst []float32, src []byte) {
	checkDequant("DequantizeQ5_1", len(dst), len(src), 32, 24)
	blocks := Blocks[BlockQ5_1](src)[:len(dst)/32]
	for i := range blocks {
		b := &blocks[i]
		d, m := f16(b.D), f16(b.M)
		qh := le32(b.Qh)
		y := (*[32]float32)(dst[32*i:])
		for j := 0; j < 16; j++ {
			h0 := int(qh>>(j&15)) << 4 & 0x10
			h1 := int(qh>>((j+12)&31)) & 0x10
			y[j] = float32(float32(int(b.Qs[j]&0xf)|h0)*d) + m
			y[j+16] = float32(float32(int(b.Qs[j]>>4)|h1)*d) + m
		}
	}
}

// QuantizeQ5_1 encodes len(src) elements (a multiple of 32) as q5_1:
// m = min, d = (max−min)/31.
func QuantizeQ5_1(dst []byte, src []float32) {
	checkQuant("QuantizeQ5_1", len(dst), len(src), 32, 24)
	blocks := Blocks[BlockQ5_1](dst)
	for i := range len(src) / 32 {
		x := (*[32]float32)(src[32*i:])
		b := &blocks[i]
		mn, mx := float32(math.MaxFloat32), float32(-math.MaxFloat32)
		for _, v := range x {
			if v < mn {
				mn = v
			}
			if v > mx {
				mx = v
			}
		}
		d := (mx - mn) / 31
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(&b.D, d)
		putF16(&b.M, mn)
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := uint8(float32((x[j]-mn)*id) + 0.5)
			x1 := uint8(float32((x[j+16]-mn)*id) + 0.5)
			b.Qs[j] = x0&0xf | (x1&0xf)<<4
			qh |= uint32(x0&0x10>>4) << j
			qh |= uint32(x1&0x10>>4) << (j + 16)
		}
		putLE32(&b.Qh, qh)
	}
}

// DequantizeQ8_0 decodes len(dst) elements (a multiple of 32) of q8_0.
func DequantizeQ8_0(dst []float32, src []byte) {
	checkDequant("DequantizeQ8_0", len(dst), len(src), 32, 34)
	blocks := Blocks[BlockQ8_0](src)[:len(dst)/32]
	for i := range blocks {
		b := &blocks[i]
		d := f16(b.D)
		y := (*[32]float32)(dst[32*i:])
		for j := range y {
			y[j] = float32(b.Qs[j]) * d
		}
	}
}

// QuantizeQ8_0 encodes len(src) elements (a multiple of 32) as q8_0 with
// ggml's reference algorithm (quantize_row_q8_0_ref): d = amax/127,
// q = round(x·(1/d)) half away from zero.
//
// It is also gollm's activation quantizer for q8_0 (and QuantizeQ8_1 for
// q8_1): gollm follows the reference deliberately, so that weights and
// activations share one definition on every CPU. ggml's x86 AVX2 from_float
// computes q = round-half-even(x·(127/amax)) instead; the two can differ
// where x·id lands exactly on a half or where 127/amax and 1/(amax/127)
// round differently, which the llama.cpp fixtures' x and y never hit (both
// give identical bytes there).
func QuantizeQ8_0(dst []byte, src []float32) {
	checkQuant("QuantizeQ8_0", len(dst), len(src), 32, 34)
	blocks := Blocks[BlockQ8_0](dst)
	for i := range len(src) / 32 {
		x := (*[32]float32)(src[32*i:])
		b := &blocks[i]
		var amax float32
		for _, v := range x {
			if a := abs32(v); !(amax > a) { // C's MAX(amax, a)
				amax = a
			}
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(&b.D, d)
		for j, v := range x {
			b.Qs[j] = int8(roundAway(v * id))
		}
	}
}

// DequantizeQ8_1 decodes len(dst) elements (a multiple of 32) of q8_1:
// d·q. (ggml has no q8_1 to_float; s is not needed to decode.)
func DequantizeQ8_1(dst []float32, src []byte) {
	checkDequant("DequantizeQ8_1", len(dst), len(src), 32, 36)
	blocks := Blocks[BlockQ8_1](src)[:len(dst)/32]
	for i := range blocks {
		b := &blocks[i]
		d := f16(b.D)
		y := (*[32]float32)(dst[32*i:])
		for j := range y {
			y[j] = float32(b.Qs[j]) * d
		}
	}
}

// QuantizeQ8_1 encodes len(src) elements (a multiple of 32) as q8_1 with
// ggml's reference algorithm (quantize_row_q8_1_ref): as QuantizeQ8_0, plus
// s = fp16(Σq · d) with the float32 d before rounding.
func QuantizeQ8_1(dst []byte, src []float32) {
	checkQuant("QuantizeQ8_1", len(dst), len(src), 32, 36)
	blocks := Blocks[BlockQ8_1](dst)
	for i := range len(src) / 32 {
		x := (*[32]float32)(src[32*i:])
		b := &blocks[i]
		var amax float32
		for _, v := range x {
			if a := abs32(v); !(amax > a) { // C's MAX(amax, a)
				amax = a
			}
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(&b.D, d)
		sum := 0
		for j, v := range x {
			q := int8(roundAway(v * id))
			b.Qs[j] = q
			sum += int(q)
		}
		putF16(&b.S, float32(sum)*d)
	}
}

// roundAway is C's roundf for |f| < 2³¹: the nearest integer, halfway
// cases away from zero. f − trunc(f) is exact, so the comparison with ½ is.
func roundAway(f float32) int32 {
	t := int32(f)
	r := f - float32(t)
	var up, down int32 // set without branches: r is unpredictable
	if r >= 0.5 {
		up = 1
	}
	if r <= -0.5 {
		down = 1
	}
	return t + up - down
}
