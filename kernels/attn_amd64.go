//go:build !noasm

package kernels

// The assembly attention kernels of attn_amd64.s: AVX-512F (with VL and
// BW for the masked tails) and AVX2+FMA+F16C. The Go wrappers below split
// the query rows into the blocks the assembly takes and pass it row
// pointers, repeating the last row where a block runs past the end (the
// repeated rows compute and store the same values).

//go:noescape
func f16RowsAVX512(dst *float32, ldd int, src *byte, lds int, rows, cols int)

//go:noescape
func dotRows4AVX512(s *[4]*float32, q *[4]*float32, k *float32, ldk, n, d int)

//go:noescape
func expShiftSumAVX512(dst, x *float32, n int, shift float32) float32

//go:noescape
func maxAVX512(x *float32, n int) float32

//go:noescape
func softmaxRowsAVX512(s *float32, lds int, m, l, alpha *float32, rows, n int)

//go:noescape
func axpyRows4AVX512(o *[4]*float32, alpha *[4]float32, p *[4]*float32, v *float32, ldv, n, d int)

//go:noescape
func q8RowsAVX512(dst *float32, ldd int, src *byte, lds int, rows, blocks int)

//go:noescape
func q8RowsAVX2(dst *float32, ldd int, src *byte, lds int, rows, blocks int)

//go:noescape
func f16RowsAVX2(dst *float32, ldd int, src *byte, lds int, rows, cols int)

//go:noescape
func dotRows2AVX2(s *[4]*float32, q *[4]*float32, k *float32, ldk, n, d int)

//go:noescape
func expShiftSumAVX2(dst, x *float32, n int, shift float32) float32

//go:noescape
func maxAVX2(x *float32, n int) float32

//go:noescape
func softmaxRowsAVX2(s *float32, lds int, m, l, alpha *float32, rows, n int)

//go:noescape
func axpyRows2AVX2(o *[4]*float32, alpha *[4]float32, p *[4]*float32, v *float32, ldv, n, d int)

// attnImpls lists the attention kernels this CPU can run, the Go twins
// first.
func attnImpls() []attnImpl {
	impls := []attnImpl{attnGo}
	if hasAVX2 {
		impls = append(impls, attnImpl{"avx2", f16RowsAVX2Go, dotRowsAVX2, expShiftSumAVX2Go, maxAVX2Go, axpyRowsAVX2, softmaxRowsAVX2Go, q8RowsAVX2Go})
	}
	if hasAVX512 && hasAVX2 {
		impls = append(impls, attnImpl{"avx512", f16RowsAVX512Go, dotRowsAVX512, expShiftSumAVX512Go, maxAVX512Go, axpyRowsAVX512, softmaxRowsAVX512Go, q8RowsAVX512Go})
	}
	return impls
}

func f16RowsAVX512Go(dst []float32, ldd int, src []byte, lds int, rows, cols int) {
	f16RowsAVX512(&dst[0], 4*ldd, &src[0], lds, rows, cols)
}

func expShiftSumAVX512Go(dst, x []float32, shift float32) float32 {
	return expShiftSumAVX512(&dst[0], &x[0], len(x), shift)
}

func maxAVX512Go(x []float32) float32 { return maxAVX512(&x[0], len(x)) }

func softmaxRowsAVX512Go(s []float32, lds int, m, l, alpha []float32, rows, n int) {
	softmaxRowsAVX512(&s[0], 4*lds, &m[0], &l[0], &alpha[0], rows, n)
}

func q8RowsAVX512Go(dst []float32, ldd int, src []byte, lds int, rows, cols int) {
	q8RowsAVX512(&dst[0], 4*ldd, &src[0], lds, rows, cols/32)
}

func q8RowsAVX2Go(dst []float32, ldd int, src []byte, lds int, rows, cols int) {
	q8RowsAVX2(&dst[0], 4*ldd, &src[0], lds, rows, cols/32)
}

func f16RowsAVX2Go(dst []float32, ldd int, src []byte, lds int, rows, cols int) {
	f16RowsAVX2(&dst[0], 4*ldd, &src[0], lds, rows, cols)
}

func expShiftSumAVX2Go(dst, x []float32, shift float32) float32 {
	return expShiftSumAVX2(&dst[0], &x[0], len(x), shift)
}

func maxAVX2Go(x []float32) float32 { return maxAVX2(&x[0], len(x)) }

func softmaxRowsAVX2Go(s []float32, lds int, m, l, alpha []float32, rows, n int) {
	softmaxRowsAVX2(&s[0], 4*lds, &m[0], &l[0], &alpha[0], rows, n)
}

func dotRowsAVX2(s []float32, lds int, q []float32, ldq int, k []float32, ldk int, rows, n, d int) {
	for r0 := 0; r0 < rows; r0 += 2 {
		sp, qp := rowPtrs(s, lds, r0, min(rows, r0+2)), rowPtrs(q, ldq, r0, min(rows, r0+2))
		dotRows2AVX2(&sp, &qp, &k[0], 4*ldk, n, d)
	}
}

func axpyRowsAVX2(o []float32, ldo int, alpha, p []float32, ldp int, v []float32, ldv int, rows, n, d int) {
	var vp *float32
	if n > 0 {
		vp = &v[0]
	}
	for r0 := 0; r0 < rows; r0 += 2 {
		end := min(rows, r0+2)
		op := rowPtrs(o, ldo, r0, end)
		var pp [4]*float32
		var a [4]float32
		for i := range 2 {
			r := min(r0+i, end-1)
			a[i] = alpha[r]
			if n > 0 {
				pp[i] = &p[r*ldp]
			}
		}
		axpyRows2AVX2(&op, &a, &pp, vp, 4*ldv, n, d)
	}
}

// rowPtrs returns pointers to rows r0…r0+3 of x (ld apart), the last row
// standing in for those past rows.
func rowPtrs(x []float32, ld, r0, rows int) [4]*float32 {
	var p [4]*float32
	for i := range p {
		p[i] = &x[min(r0+i, rows-1)*ld]
	}
	return p
}

func dotRowsAVX512(s []float32, lds int, q []float32, ldq int, k []float32, ldk int, rows, n, d int) {
	for r0 := 0; r0 < rows; r0 += 4 {
		sp, qp := rowPtrs(s, lds, r0, rows), rowPtrs(q, ldq, r0, rows)
		dotRows4AVX512(&sp, &qp, &k[0], 4*ldk, n, d)
	}
}

func axpyRowsAVX512(o []float32, ldo int, alpha, p []float32, ldp int, v []float32, ldv int, rows, n, d int) {
	var vp *float32
	if n > 0 {
		vp = &v[0]
	}
	for r0 := 0; r0 < rows; r0 += 4 {
		op := rowPtrs(o, ldo, r0, rows)
		var pp [4]*float32
		var a [4]float32
		for i := range pp {
			r := min(r0+i, rows-1)
			a[i] = alpha[r]
			if n > 0 {
				pp[i] = &p[r*ldp]
			}
		}
		axpyRows4AVX512(&op, &a, &pp, vp, 4*ldv, n, d)
	}
}
