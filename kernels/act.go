package kernels

// Activation functions over rows of float32, the elementwise steps between
// a feed-forward layer's matrix products. Each has assembly for amd64
// (act_amd64.s) and a Go twin (act_generic.go) that computes the same
// function with the same exp polynomial.

// actImpl names one implementation of the activation kernels.
type actImpl struct {
	name   string
	swiglu func(dst, x, g []float32)
	silu   func(dst, x []float32)
}

// actGo is the Go twin.
var actGo = actImpl{"go", swigluGeneric, siluGeneric}

// act is the implementation this CPU runs: the last (preferred) of
// actImpls.
var act = func() actImpl {
	impls := actImpls()
	return impls[len(impls)-1]
}()

func init() { setImpl("swiglu, silu", act.name) }

// SwiGLU sets dst[i] = silu(x[i])·g[i], where silu(v) = v/(1 + e^−v), for
// i < len(dst): the gated linear unit of Llama-style feed-forward layers.
// x and g must be at least as long as dst.
func SwiGLU(dst, x, g []float32) {
	if len(x) < len(dst) || len(g) < len(dst) {
		panic("kernels: SwiGLU: inputs shorter than the output")
	}
	if len(dst) == 0 {
		return
	}
	act.swiglu(dst, x[:len(dst)], g[:len(dst)])
}

// SiLU sets dst[i] = x[i]/(1 + e^−x[i]) for i < len(dst); x must be at
// least as long as dst and may be dst itself.
func SiLU(dst, x []float32) {
	if len(x) < len(dst) {
		panic("kernels: SiLU: input shorter than the output")
	}
	if len(dst) == 0 {
		return
	}
	act.silu(dst, x[:len(dst)])
}
