package quant

import "math"

// The k-quants: 256-element super-blocks of 16 or 32-element groups with
// their own scales, quantized by a scale search (quantize_row_*_ref) and
// then re-quantized against the stored (rounded) scales.

// DequantizeQ2K decodes len(dst) elements (a multiple of 256) of q2_K.
func DequantizeQ2K(dst []float32, src []byte) {
	checkDequant("DequantizeQ2K", len(dst), len(src), QK_K, 84)
	blocks := Blocks[BlockQ2K](src)[:len(dst)/QK_K]
	for i := range blocks {
		b := &blocks[i]
		d, dmin := f16(b.D), f16(b.Dmin)
		y := (*[QK_K]float32)(dst[QK_K*i:])
		is, k := 0, 0
		for n := 0; n < 2; n++ {
			q := (*[32]byte)(b.Qs[32*n:])
			for shift := uint(0); shift < 8; shift += 2 {
				for half := 0; half < 2; half++ {
					sc := b.Scales[is&15]
					is++
					dl := d * float32(sc&0xf)
					ml := dmin * float32(sc>>4)
					qq := (*[16]byte)(q[16*half:])
					yy := (*[16]float32)(y[k:])
					for l := range yy {
						yy[l] = float32(dl*float32(qq[l]>>(shift&7)&3)) - ml
					}
					k += 16
				}
			}
		}
	}
}

// QuantizeQ2K encodes len(src) elements (a multiple of 256) as q2_K
// (quantize_row_q2_K_ref: make_qkx2_quants per 16-element group with |x|
// weights, 4-bit scales and mins).
func QuantizeQ2K(dst []byte, src []float32) {
	checkQuant("QuantizeQ2K", len(dst), len(src), QK_K, 84)
	blocks := Blocks[BlockQ2K](dst)
	var (
		L       [QK_K]uint8
		Laux    [16]uint8
		weights [16]float32
		mins    [QK_K / 16]float32
		scales  [QK_K / 16]float32
	)
	const q4scale = 15
	for i := range len(src) / QK_K {
		x := (*[QK_K]float32)(src[QK_K*i:])
		b := &blocks[i]
		var maxScale, maxMin float32
		for j := 0; j < QK_K/16; j++ {
			xg := x[16*j : 16*j+16]
			for l, v := range xg {
				weights[l] = abs32(v)
			}
			scales[j] = makeQKX2Quants(3, xg, weights[:], L[16*j:16*j+16], Laux[:], &mins[j], -0.5, 0.1, 15, true)
			if scales[j] > maxScale {
				maxScale = scales[j]
			}
			if mins[j] > maxMin {
				maxMin = mins[j]
			}
		}
		if maxScale > 0 {
			iscale := q4scale / maxScale
			for j := range scales {
				b.Scales[j] = uint8(nearestInt(iscale * scales[j]))
			}
			putF16(&b.D, maxScale/q4scale)
		} else {
			b.Scales = [16]byte{}
			putF16(&b.D, 0)
		}
		if maxMin > 0 {
			iscale := q4scale / maxMin
			for j := range mins {
				b.Scales[j] |= uint8(nearestInt(iscale*mins[j]) << 4)
			}
			putF16(&b.Dmin, maxMin/q4scale)
		} else {
			putF16(&b.Dmin, 0)
		}
		for j := 0; j < QK_K/16; j++ {
			d := f16(b.D) * float32(b.Scales[j]&0xf)
			if d == 0 {
				continue
			}
			dm := f16(b.Dmin) * float32(b.Scales[j]>>4)
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = uint8(clampInt(nearestInt((x[16*j+ii]+dm)/d), 0, 3))
			}
		}
		packQ2(&b.Qs, &L)
	}
}

// packQ2 stores 256 2-bit levels: byte 32h+l holds elements 128h+l+32s in
// bits 2s (s = 0…3).
func packQ2(qs *[64]byte, L *[QK_K]uint8) {
	for j := 0; j < QK_K; j += 128 {
		for l := 0; l < 32; l++ {
			qs[j/4+l] = L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6
		}
	}
}

// DequantizeQ3K decodes len(dst) elements (a multiple of 256) of q3_K.
func DequantizeQ3K(dst []float32, src []byte) {
	checkDequant("DequantizeQ3K", len(dst), len(src), QK_K, 110)
	blocks := Blocks[BlockQ3K](src)[:len(dst)/QK_K]
	for i := range blocks {
		b := &blocks[i]
		dAll := f16(b.D)
		scales := b.Scales16()
		y := (*[QK_K]float32)(dst[QK_K*i:])
		is, k := 0, 0
		for n := 0; n < 2; n++ {
			q := (*[32]byte)(b.Qs[32*n:])
			for shift := uint(0); shift < 8; shift += 2 {
				hbit := (4*uint(n) + shift/2) & 7 // the hmask bit of this step
				for half := 0; half < 2; half++ {
					dl := dAll * float32(int(scales[is])-32)
					is++
					qq := (*[16]byte)(q[16*half:])
					hm := (*[16]byte)(b.Hmask[16*half:])
					yy := (*[16]float32)(y[k:])
					for l := range yy {
						// low 2 bits, minus 4 unless the high bit is set
						v := int(qq[l]>>shift&3) + int(hm[l]>>hbit&1)<<2 - 4
						yy[l] = dl * float32(v)
					}
					k += 16
				}
			}
		}
	}
}

// QuantizeQ3K encodes len(src) elements (a multiple of 256) as q3_K
// (quantize_row_q3_K_ref: make_q3_quants per 16-element group, 6-bit
// signed scales).
func QuantizeQ3K(dst []byte, src []float32) {
	checkQuant("QuantizeQ3K", len(dst), len(src), QK_K, 110)
	blocks := Blocks[BlockQ3K](dst)
	var (
		L      [QK_K]int8
		scales [QK_K / 16]float32
	)
	for i := range len(src) / QK_K {
		x := (*[QK_K]float32)(src[QK_K*i:])
		b := &blocks[i]
		var maxScale, amax float32
		for j := 0; j < QK_K/16; j++ {
			scales[j] = makeQ3Quants(4, x[16*j:16*j+16], L[16*j:16*j+16])
			if s := abs32(scales[j]); s > amax {
				amax, maxScale = s, scales[j]
			}
		}
		b.Scales = [12]byte{}
		if maxScale != 0 {
			iscale := -32 / maxScale
			for j := 0; j < QK_K/16; j++ {
				l := int8(nearestInt(iscale * scales[j]))
				l = int8(clampInt(int(l), -32, 31)) + 32
				if j < 8 {
					b.Scales[j] = uint8(l) & 0xf
				} else {
					b.Scales[j-8] |= (uint8(l) & 0xf) << 4
				}
				l >>= 4
				b.Scales[j%4+8] |= uint8(l) << (2 * (j / 4))
			}
			putF16(&b.D, 1/iscale)
		} else {
			putF16(&b.D, 0)
		}
		for j := 0; j < QK_K/16; j++ {
			var sc uint8
			if j < 8 {
				sc = b.Scales[j] & 0xf
			} else {
				sc = b.Scales[j-8] >> 4
			}
			sc |= (b.Scales[8+j%4] >> (2 * (j / 4)) & 3) << 4
			d := f16(b.D) * float32(int(sc)-32)
			if d == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = int8(clampInt(nearestInt(x[16*j+ii]/d), -4, 3) + 4)
			}
		}
		b.Hmask = [32]byte{}
		m, hm := 0, uint8(1)
		for j := range L {
			if L[j] > 3 {
				b.Hmask[m] |= hm
				L[j] -= 4
			}
			if m++; m == QK_K/8 {
				m, hm = 0, hm<<1
			}
		}
		for j := 0; j < QK_K; j += 128 {
			for l := 0; l < 32; l++ {
				b.Qs[j/4+l] = uint8(L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6)
			}
		}
	}
}

// DequantizeQ4K decodes len(dst) elements (a multiple of 256) of q4_K.
func DequantizeQ4K(dst []float32, src []byte) {
	checkDequant("DequantizeQ4K", len(dst), len(src), QK_K, 144)
	blocks := Blocks[BlockQ4K](src)[:len(dst)/QK_K]
	for i := range blocks {
		b := &blocks[i]
		d, dmin := f16(b.D), f16(b.Dmin)
		y := (*[QK_K]float32)(dst[QK_K*i:])
		for c := 0; c < 4; c++ {
			sc, m := scaleMinK4(2*c, &b.Scales)
			d1, m1 := d*float32(sc), dmin*float32(m)
			sc, m = scaleMinK4(2*c+1, &b.Scales)
			d2, m2 := d*float32(sc), dmin*float32(m)
			q := (*[32]byte)(b.Qs[32*c:])
			lo := (*[32]float32)(y[64*c:])
			hi := (*[32]float32)(y[64*c+32:])
			for l, v := range q {
				lo[l] = float32(d1*float32(v&0xf)) - m1
				hi[l] = float32(d2*float32(v>>4)) - m2
			}
		}
	}
}

// QuantizeQ4K encodes len(src) elements (a multiple of 256) as q4_K
// (quantize_row_q4_K_ref: make_qkx2_quants per 32-element sub-block with
// weights rms+|x|, 6-bit scales and mins).
func QuantizeQ4K(dst []byte, src []float32) {
	checkQuant("QuantizeQ4K", len(dst), len(src), QK_K, 144)
	blocks := Blocks[BlockQ4K](dst)
	var L [QK_K]uint8
	for i := range len(src) / QK_K {
		x := (*[QK_K]float32)(src[QK_K*i:])
		b := &blocks[i]
		quantizeK45(x, &L, 15, -1, 0.1, 20, &b.D, &b.Dmin, &b.Scales)
		for c := 0; c < 4; c++ {
			for l := 0; l < 32; l++ {
				b.Qs[32*c+l] = L[64*c+l] | L[64*c+l+32]<<4
			}
		}
	}
}

// quantizeK45 is the part q4_K and q5_K share: per-sub-block scale search,
// the 6-bit packing of scales and mins into sc, and the final levels
// (0…nmax) in L.
func quantizeK45(x *[QK_K]float32, L *[QK_K]uint8, nmax int, rmin, rdelta float32, nstep int,
	dh, dminh *[2]byte, sc *[12]byte) {
	var (
		Laux    [32]uint8
		weights [32]float32
		mins    [QK_K / 32]float32
		scales  [QK_K / 32]float32
	)
	var maxScale, maxMin float32
	for j := 0; j < QK_K/32; j++ {
		xs := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range xs {
			sumX2 += float32(v * v)
		}
		avX := sqrt32(sumX2 / 32)
		for l, v := range xs {
			weights[l] = avX + abs32(v)
		}
		scales[j] = makeQKX2Quants(nmax, xs, weights[:], L[32*j:32*j+32], Laux[:], &mins[j], rmin, rdelta, nstep, false)
		if scales[j] > maxScale {
			maxScale = scales[j]
		}
		if mins[j] > maxMin {
			maxMin = mins[j]
		}
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	for j := 0; j < QK_K/32; j++ {
		ls := min(63, uint8(nearestInt(invScale*scales[j])))
		lm := min(63, uint8(nearestInt(invMin*mins[j])))
		if j < 4 {
			sc[j] = ls
			sc[j+4] = lm
		} else {
			sc[j+4] = ls&0xf | (lm&0xf)<<4
			sc[j-4] |= (ls >> 4) << 6
			sc[j] |= (lm >> 4) << 6
		}
	}
	putF16(dh, maxScale/63)
	putF16(dminh, maxMin/63)
	for j := 0; j < QK_K/32; j++ {
		s, m := scaleMinK4(j, sc)
		d := f16(*dh) * float32(s)
		if d == 0 {
			continue
		}
		dm := f16(*dminh) * float32(m)
		for ii := 0; ii < 32; ii++ {
			L[32*j+ii] = uint8(clampInt(nearestInt((x[32*j+ii]+dm)/d), 0, nmax))
		}
	}
}

// DequantizeQ5K decodes len(dst) elements (a multiple of 256) of q5_K.
func DequantizeQ5K(dst []float32, src []byte) {
	checkDequant("DequantizeQ5K", len(dst), len(src), QK_K, 176)
	blocks := Blocks[BlockQ5K](src)[:len(dst)/QK_K]
	for i := range blocks {
		b := &blocks[i]
		d, dmin := f16(b.D), f16(b.Dmin)
		y := (*[QK_K]float32)(dst[QK_K*i:])
		u1, u2 := uint8(1), uint8(2)
		for c := 0; c < 4; c++ {
			sc, m := scaleMinK4(2*c, &b.Scales)
			d1, m1 := d*float32(sc), dmin*float32(m)
			sc, m = scaleMinK4(2*c+1, &b.Scales)
			d2, m2 := d*float32(sc), dmin*float32(m)
			q := (*[32]byte)(b.Qs[32*c:])
			lo := (*[32]float32)(y[64*c:])
			hi := (*[32]float32)(y[64*c+32:])
			for l, v := range q {
				h := b.Qh[l]
				q0, q1 := v&0xf, v>>4
				if h&u1 != 0 {
					q0 += 16
				}
				if h&u2 != 0 {
					q1 += 16
				}
				lo[l] = float32(d1*float32(q0)) - m1
				hi[l] = float32(d2*float32(q1)) - m2
			}
			u1, u2 = u1<<2, u2<<2
		}
	}
}

// QuantizeQ5K encodes len(src) elements (a multiple of 256) as q5_K
// (quantize_row_q5_K_ref: as q4_K with 5-bit levels).
func QuantizeQ5K(dst []byte, src []float32) {
	checkQuant("QuantizeQ5K", len(dst), len(src), QK_K, 176)
	blocks := Blocks[BlockQ5K](dst)
	var L [QK_K]uint8
	for i := range len(src) / QK_K {
		x := (*[QK_K]float32)(src[QK_K*i:])
		b := &blocks[i]
		quantizeK45(x, &L, 31, -0.5, 0.1, 15, &b.D, &b.Dmin, &b.Scales)
		b.Qh = [32]byte{}
		m1, m2 := uint8(1), uint8(2)
		for c := 0; c < 4; c++ {
			for j := 0; j < 32; j++ {
				l1, l2 := L[64*c+j], L[64*c+j+32]
				if l1 > 15 {
					l1 -= 16
					b.Qh[j] |= m1
				}
				if l2 > 15 {
					l2 -= 16
					b.Qh[j] |= m2
				}
				b.Qs[32*c+j] = l1 | l2<<4
			}
			m1, m2 = m1<<2, m2<<2
		}
	}
}

// DequantizeQ6K decodes len(dst) elements (a multiple of 256) of q6_K.
func DequantizeQ6K(dst []float32, src []byte) {
	checkDequant("DequantizeQ6K", len(dst), len(src), QK_K, 210)
	blocks := Blocks[BlockQ6K](src)[:len(dst)/QK_K]
	for i := range blocks {
		b := &blocks[i]
		d := f16(b.D)
		for n := 0; n < 2; n++ {
			y := (*[128]float32)(dst[QK_K*i+128*n:])
			ql := (*[64]byte)(b.Ql[64*n:])
			qh := (*[32]byte)(b.Qh[32*n:])
			sc := (*[8]int8)(b.Scales[8*n:])
			for is := 0; is < 2; is++ {
				// ggml computes d*scale first, then times q.
				d1, d2 := d*float32(sc[is]), d*float32(sc[is+2])
				d3, d4 := d*float32(sc[is+4]), d*float32(sc[is+6])
				for l := 16 * is; l < 16*is+16; l++ {
					q1 := int(ql[l]&0xf|(qh[l]>>0&3)<<4) - 32
					q2 := int(ql[l+32]&0xf|(qh[l]>>2&3)<<4) - 32
					q3 := int(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
					q4 := int(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
					y[l] = d1 * float32(q1)
					y[l+32] = d2 * float32(q2)
					y[l+64] = d3 * float32(q3)
					y[l+96] = d4 * float32(q4)
				}
			}
		}
	}
}

// QuantizeQ6K encodes len(src) elements (a multiple of 256) as q6_K
// (quantize_row_q6_K_ref: make_qx_quants per 16-element group, 8-bit
// signed scales).
func QuantizeQ6K(dst []byte, src []float32) {
	checkQuant("QuantizeQ6K", len(dst), len(src), QK_K, 210)
	blocks := Blocks[BlockQ6K](dst)
	var (
		L      [QK_K]int8
		scales [QK_K / 16]float32
	)
	for i := range len(src) / QK_K {
		x := (*[QK_K]float32)(src[QK_K*i:])
		b := &blocks[i]
		var maxScale, maxAbsScale float32
		for ib := 0; ib < QK_K/16; ib++ {
			s := makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
			scales[ib] = s
			if as := abs32(s); as > maxAbsScale {
				maxAbsScale, maxScale = as, s
			}
		}
		if maxAbsScale < groupMaxEps {
			*b = BlockQ6K{}
			continue
		}
		iscale := -128 / maxScale
		putF16(&b.D, 1/iscale)
		for ib := range scales {
			b.Scales[ib] = int8(min(127, nearestInt(iscale*scales[ib])))
		}
		for j := 0; j < QK_K/16; j++ {
			d := f16(b.D) * float32(b.Scales[j])
			if d == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = int8(clampInt(nearestInt(x[16*j+ii]/d), -32, 31) + 32)
			}
		}
		for n := 0; n < 2; n++ {
			j := 128 * n
			ql := (*[64]byte)(b.Ql[64*n:])
			qh := (*[32]byte)(b.Qh[32*n:])
			for l := 0; l < 32; l++ {
				q1 := uint8(L[j+l]) & 0xf
				q2 := uint8(L[j+l+32]) & 0xf
				q3 := uint8(L[j+l+64]) & 0xf
				q4 := uint8(L[j+l+96]) & 0xf
				ql[l] = q1 | q3<<4
				ql[l+32] = q2 | q4<<4
				qh[l] = uint8(L[j+l])>>4 | uint8(L[j+l+32])>>4<<2 | uint8(L[j+l+64])>>4<<4 | uint8(L[j+l+96])>>4<<6
			}
		}
	}
}

// DequantizeQ8K decodes len(dst) elements (a multiple of 256) of q8_K
// (dequantize_row_q8_K).
func DequantizeQ8K(dst []float32, src []byte) {
	checkDequant("DequantizeQ8K", len(dst), len(src), QK_K, 292)
	blocks := Blocks[BlockQ8K](src)[:len(dst)/QK_K]
	for i := range blocks {
		b := &blocks[i]
		d := math.Float32frombits(le32(b.D))
		y := (*[QK_K]float32)(dst[QK_K*i:])
		for j, q := range b.Qs {
			y[j] = d * float32(q)
		}
	}
}

// QuantizeQ8K encodes len(src) elements (a multiple of 256) as q8_K
// (quantize_row_q8_K_ref, which is also ggml's x86 CPU path): with max the
// first element of largest magnitude, signed, q = min(127,
// round-half-even(−127/max·x)), d = 1/(−127/max), and the 16 group sums.
func QuantizeQ8K(dst []byte, src []float32) {
	checkQuant("QuantizeQ8K", len(dst), len(src), QK_K, 292)
	blocks := Blocks[BlockQ8K](dst)
	for i := range len(src) / QK_K {
		x := (*[QK_K]float32)(src[QK_K*i:])
		b := &blocks[i]
		var xmax, amax float32
		for _, v := range x {
			if ax := abs32(v); ax > amax {
				amax, xmax = ax, v
			}
		}
		if amax == 0 {
			// ggml clears d and qs and leaves bsums as they were; gollm
			// clears them too so that the output does not depend on dst's
			// old contents.
			*b = BlockQ8K{}
			continue
		}
		iscale := -127 / xmax
		for j, v := range x {
			b.Qs[j] = int8(min(127, nearestInt(iscale*v)))
		}
		for j := 0; j < QK_K/16; j++ {
			sum := 0
			for _, q := range b.Qs[16*j : 16*j+16] {
				sum += int(q)
			}
			b.Bsums[2*j], b.Bsums[2*j+1] = byte(sum), byte(sum>>8)
		}
		putLE32(&b.D, math.Float32bits(1/iscale))
	}
}
