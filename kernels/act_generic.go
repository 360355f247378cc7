package kernels

// swigluGeneric is the Go twin of the SwiGLU kernels: dst[i] =
// silu(x[i])·g[i] with silu(v) = v / (1 + e^−v), e^v from expf (the same
// polynomial as the assembly) and one rounding per operation in the same
// order.
func swigluGeneric(dst, x, g []float32) {
	x, g = x[:len(dst)], g[:len(dst)]
	for i, v := range x {
		dst[i] = v / (1 + expf(-v)) * g[i]
	}
}

// siluGeneric is the Go twin of the SiLU kernels: dst[i] = silu(x[i]).
func siluGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v / (1 + expf(-v))
	}
}
