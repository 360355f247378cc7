//go:build !noasm

package kernels

// The activation kernels of act_amd64.s; n ≥ 1 elements.
//
//go:noescape
func swigluAVX512(dst, x, gate *float32, n int)

//go:noescape
func siluAVX512(dst, x *float32, n int)

//go:noescape
func swigluAVX2(dst, x, gate *float32, n int)

//go:noescape
func siluAVX2(dst, x *float32, n int)

// actImpls lists the activation kernels this CPU runs, the Go twin first
// and the preferred one last.
func actImpls() []actImpl {
	impls := []actImpl{actGo}
	if hasAVX2 {
		impls = append(impls, actImpl{"avx2",
			func(dst, x, g []float32) { swigluAVX2(&dst[0], &x[0], &g[0], len(dst)) },
			func(dst, x []float32) { siluAVX2(&dst[0], &x[0], len(dst)) }})
	}
	if hasAVX512 && hasAVX2 {
		impls = append(impls, actImpl{"avx512",
			func(dst, x, g []float32) { swigluAVX512(&dst[0], &x[0], &g[0], len(dst)) },
			func(dst, x []float32) { siluAVX512(&dst[0], &x[0], len(dst)) }})
	}
	return impls
}
