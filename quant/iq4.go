package quant

// The 4-bit non-linear formats iq4_nl and iq4_xs: each element is an index
// into IQ4NLValues, scaled per 32-element block.

// DequantizeIQ4NL decodes len(dst) elements (a multiple of 32) of iq4_nl.
func DequantizeIQ4NL(dst []float32, src []byte) {
	checkDequant("DequantizeIQ4NL", len(dst), len(src), 32, 18)
	blocks := Blocks[BlockIQ4NL](src)[:len(dst)/32]
	for i := range blocks {
		b := &blocks[i]
		d := f16(b.D)
		y := (*[32]float32)(dst[32*i:])
		for j := 0; j < 16; j++ {
			y[j] = d * float32(IQ4NLValues[b.Qs[j]&0xf])
			y[j+16] = d * float32(IQ4NLValues[b.Qs[j]>>4])
		}
	}
}

// QuantizeIQ4NL encodes len(src) elements (a multiple of 32) as iq4_nl the
// way ggml_quantize_chunk (and so llama-quantize) does: quantize_iq4_nl
// with ntry = 7, that is 15 trial scales, then every element re-chosen for
// the best one. (ggml's from_float and from_float_ref for iq4_nl use
// ntry = −1 instead, a single trial scale and no re-choice: other bytes,
// and a worse fit. gollm does not offer that variant; iq4_nl's activations
// are q8_0.)
func QuantizeIQ4NL(dst []byte, src []float32) {
	checkQuant("QuantizeIQ4NL", len(dst), len(src), 32, 18)
	blocks := Blocks[BlockIQ4NL](dst)
	for i := range len(src) / 32 {
		x := (*[32]float32)(src[32*i:])
		b := &blocks[i]
		d := iq4Scale(x)
		putF16(&b.D, d)
		var id float32
		if d != 0 {
			id = 1 / d
		}
		for j := 0; j < 16; j++ {
			b.Qs[j] = uint8(bestIndexIQ4NL(id*x[j]) | bestIndexIQ4NL(id*x[j+16])<<4)
		}
	}
}

// iq4NTry is ggml_quantize_chunk's ntry for iq4_nl and iq4_xs: the trial
// scales are (itry − 127)/max for itry = −7 … 7.
const iq4NTry = 7

// iq4Scale is the per-32-element scale search of ggml's
// quantize_row_iq4_nl_impl with ntry = 7 and no importance weights (weight
// x²): a least-squares scale for the levels that −max/−127 gives, then 15
// trial scales, keeping the one with the best weighted fit. 0 for an
// all-zero block.
func iq4Scale(x *[32]float32) float32 {
	var weight [32]float32
	var amax, xmax float32
	for j, v := range x {
		weight[j] = float32(v * v)
		if ax := abs32(v); ax > amax {
			amax, xmax = ax, v
		}
	}
	if amax < groupMaxEps {
		return 0
	}
	v0 := float32(IQ4NLValues[0])
	d := -xmax / v0
	id := 1 / d
	var sumqx, sumq2 float32
	for j, v := range x {
		q := float32(IQ4NLValues[bestIndexIQ4NL(id*v)])
		w := weight[j]
		sumqx += float32(float32(w*q) * v)
		sumq2 += float32(float32(w*q) * q)
	}
	d = 0
	if sumq2 > 0 {
		d = sumqx / sumq2
	}
	best := d * sumqx
	for itry := -iq4NTry; itry <= iq4NTry; itry++ {
		id = float32(itry+int(IQ4NLValues[0])) / xmax
		sumqx, sumq2 = 0, 0
		for j, v := range x {
			q := float32(IQ4NLValues[bestIndexIQ4NL(id*v)])
			w := weight[j]
			sumqx += float32(float32(w*q) * v)
			sumq2 += float32(float32(w*q) * q)
		}
		if sumq2 > 0 && sumqx*sumqx > best*sumq2 {
			d = sumqx / sumq2
			best = d * sumqx
		}
	}
	return d
}

// DequantizeIQ4XS decodes len(dst) elements (a multiple of 256) of iq4_xs.
func DequantizeIQ4XS(dst []float32, src []byte) {
	checkDequant("DequantizeIQ4XS", len(dst), len(src), QK_K, 136)
	blocks := Blocks[BlockIQ4XS](src)[:len(dst)/QK_K]
	for i := range blocks {
		b := &blocks[i]
		d := f16(b.D)
		for ib := 0; ib < QK_K/32; ib++ {
			dl := d * float32(b.SubScale(ib)-32)
			q := (*[16]byte)(b.Qs[16*ib:])
			y := (*[32]float32)(dst[QK_K*i+32*ib:])
			for j, v := range q {
				y[j] = dl * float32(IQ4NLValues[v&0xf])
				y[j+16] = dl * float32(IQ4NLValues[v>>4])
			}
		}
	}
}

// QuantizeIQ4XS encodes len(src) elements (a multiple of 256) as iq4_xs
// (quantize_iq4_xs, ntry = 7, which is also ggml's from_float for it):
// a scale per 32-element block, the 8 scales quantized to 6 bits against
// d = −max/32, and the levels re-chosen for each rounded scale.
func QuantizeIQ4XS(dst []byte, src []float32) {
	checkQuant("QuantizeIQ4XS", len(dst), len(src), QK_K, 136)
	blocks := Blocks[BlockIQ4XS](dst)
	var (
		L      [32]uint8
		scales [QK_K / 32]float32
	)
	for i := range len(src) / QK_K {
		x := (*[QK_K]float32)(src[QK_K*i:])
		b := &blocks[i]
		var maxScale, amaxScale float32
		for ib := range scales {
			s := iq4Scale((*[32]float32)(x[32*ib:]))
			scales[ib] = s
			if as := abs32(s); as > amaxScale {
				amaxScale, maxScale = as, s
			}
		}
		d := -maxScale / 32
		putF16(&b.D, d)
		var id float32
		if d != 0 {
			id = 1 / d
		}
		var scalesH uint16
		for ib := range scales {
			l := clampInt(nearestInt(id*scales[ib]), -32, 31)
			dl := d * float32(l)
			var idl float32
			if dl != 0 {
				idl = 1 / dl
			}
			xb := (*[32]float32)(x[32*ib:])
			for j, v := range xb {
				L[j] = uint8(bestIndexIQ4NL(idl * v))
			}
			for j := 0; j < 16; j++ {
				b.Qs[16*ib+j] = L[j] | L[j+16]<<4
			}
			l += 32
			if ib%2 == 0 {
				b.ScalesL[ib/2] = uint8(l & 0xf)
			} else {
				b.ScalesL[ib/2] |= uint8(l&0xf) << 4
			}
			scalesH |= uint16(l>>4) << (2 * ib)
		}
		b.ScalesH[0], b.ScalesH[1] = byte(scalesH), byte(scalesH>>8)
	}
}
