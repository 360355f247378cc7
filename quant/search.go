package quant

import "math"

// The scale searches of ggml's reference quantizers, evaluated in ggml's
// float32 order so that the bytes match.
//
// Go may fuse x*y+z into one FMA instruction (it does on arm64, ppc64,
// s390x and on amd64 with GOAMD64=v3), which rounds once instead of twice.
// ggml-base is built without FMA on x86-64, so every product that feeds an
// addition here is wrapped in float32(…), which forbids the fusion.

// groupMaxEps is ggml's GROUP_MAX_EPS: a group whose largest magnitude is
// below it is treated as all zeros.
const groupMaxEps = 1e-15

// nearestInt rounds f to the nearest integer, ties to even, for
// |f| ≤ 4194303: adding 1.5·2²³ leaves the integer in the low mantissa bits.
func nearestInt(f float32) int {
	v := f + 12582912
	return int(math.Float32bits(v)&0x007fffff) - 0x00400000
}

func sqrt32(f float32) float32 { return float32(math.Sqrt(float64(f))) }

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

func clampInt(v, lo, hi int) int {
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	return v
}

// makeQXQuants is ggml's make_qx_quants with rmse_type 1 and no importance
// weights (weight x²): it quantizes x to L ∈ [0, 2·nmax) (level l+nmax),
// tries 19 scales around −nmax/max and returns the one that minimizes the
// weighted error.
func makeQXQuants(nmax int, x []float32, L []int8) float32 {
	var xmax, amax float32
	for _, v := range x {
		if ax := abs32(v); ax > amax {
			amax, xmax = ax, v
		}
	}
	if amax < groupMaxEps {
		for i := range L[:len(x)] {
			L[i] = 0
		}
		return 0
	}
	iscale := float32(-nmax) / xmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l + nmax)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := scale * sumlx
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(float32(nmax) + float32(0.1*float32(is))) / xmax
		sumlx, suml2 = 0, 0
		for _, v := range x {
			l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
			w := float32(v * v)
			fl := float32(l)
			sumlx += float32(float32(w*v) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		if suml2 > 0 && sumlx*sumlx > best*suml2 {
			for i, v := range x {
				L[i] = int8(nmax + clampInt(nearestInt(iscale*v), -nmax, nmax-1))
			}
			scale = sumlx / suml2
			best = scale * sumlx
		}
	}
	return scale
}

// makeQ3Quants is ggml's make_q3_quants with do_rmse: levels from −nmax/max,
// then up to five passes that move single elements to the level that lowers
// the x²-weighted error. L gets l+nmax ∈ [0, 2·nmax).
func makeQ3Quants(nmax int, x []float32, L []int8) float32 {
	var xmax, amax float32
	for _, v := range x {
		if ax := abs32(v); ax > amax {
			amax, xmax = ax, v
		}
	}
	if amax < groupMaxEps {
		for i := range L[:len(x)] {
			L[i] = 0
		}
		return 0
	}
	iscale := float32(-nmax) / xmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	for itry := 0; itry < 5; itry++ {
		changed := 0
		for i, v := range x {
			w := float32(v * v)
			li := float32(L[i])
			slx := sumlx - float32(float32(w*v)*li)
			if slx > 0 {
				sl2 := suml2 - float32(float32(w*li)*li)
				newL := clampInt(nearestInt(float32(v*sl2)/slx), -nmax, nmax-1)
				if newL != int(L[i]) {
					fn := float32(newL)
					slx += float32(float32(w*v) * fn)
					sl2 += float32(float32(w*fn) * fn)
					if sl2 > 0 && float32(slx*slx)*suml2 > float32(sumlx*sumlx)*sl2 {
						L[i] = int8(newL)
						sumlx, suml2 = slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	for i := range L[:len(x)] {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// makeQKX2Quants is ggml's make_qkx2_quants: an asymmetric (scale, min)
// fit of x to levels 0…nmax, trying nstep+1 scales and solving the weighted
// least-squares for each. It returns the scale and stores −min in *theMin.
func makeQKX2Quants(nmax int, x, weights []float32, L, Laux []uint8, theMin *float32,
	rmin, rdelta float32, nstep int, useMAD bool) float32 {
	n := len(x)
	weights, L, Laux = weights[:n], L[:n], Laux[:n]
	xmin, xmax := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < n; i++ {
		v := x[i]
		if v < xmin {
			xmin = v
		}
		if v > xmax {
			xmax = v
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * v)
	}
	if xmin > 0 {
		xmin = 0
	}
	if xmax == xmin {
		for i := range L {
			L[i] = 0
		}
		*theMin = -xmin
		return 0
	}
	iscale := float32(nmax) / (xmax - xmin)
	scale := 1 / iscale
	var bestError float32
	for i, v := range x {
		l := clampInt(nearestInt(float32(iscale*(v-xmin))), 0, nmax)
		L[i] = uint8(l)
		diff := float32(float32(scale*float32(l))+xmin) - v
		if useMAD {
			diff = abs32(diff)
		} else {
			diff = float32(diff * diff)
		}
		bestError += float32(weights[i] * diff)
	}
	if nstep < 1 {
		*theMin = -xmin
		return scale
	}
	for is := 0; is <= nstep; is++ {
		iscale = (float32(rmin+float32(rdelta*float32(is))) + float32(nmax)) / (xmax - xmin)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := clampInt(nearestInt(float32(iscale*(v-xmin))), 0, nmax)
			Laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			wl := float32(w * fl)
			sumL += wl
			sumL2 += float32(wl * fl)
			sumXL += float32(wl * v)
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curError float32
			for i, v := range x {
				diff := float32(float32(thisScale*float32(Laux[i]))+thisMin) - v
				if useMAD {
					diff = abs32(diff)
				} else {
					diff = float32(diff * diff)
				}
				curError += float32(weights[i] * diff)
			}
			if curError < bestError {
				copy(L, Laux)
				bestError = curError
				scale = thisScale
				xmin = thisMin
			}
		}
	}
	*theMin = -xmin
	return scale
}

// bestIndexIQ4NL returns the index of the IQ4NLValues level nearest to x,
// the upper one on a tie, 0 for NaN (ggml's best_index_int8): level i is
// chosen once x+x reaches IQ4NLValues[i−1]+IQ4NLValues[i]. Those sums are
// integers, so whether x+x reaches one depends only on floor(x+x), and a
// table indexed by it gives the level.
func bestIndexIQ4NL(x float32) int {
	x2 := x + x        // exact
	if !(x2 >= -256) { // also NaN
		return 0
	}
	if x2 >= 255 {
		return 15
	}
	k := int(x2) // toward zero; then floor
	if float32(k) > x2 {
		k--
	}
	return int(iq4nlIndex[(k+256)&511])
}

// iq4nlIndex[k+256] is the level for floor(x+x) = k, k ∈ [−256, 256).
var iq4nlIndex = func() (t [512]uint8) {
	for k := -256; k < 256; k++ {
		idx := 0
		for j := 1; j < 16; j++ {
			if k >= int(IQ4NLValues[j-1])+int(IQ4NLValues[j]) {
				idx = j
			}
		}
		t[k+256] = uint8(idx)
	}
	return t
}()
