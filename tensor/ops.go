package tensor

import (
	"fmt"

	"github.com/gollm/gollm/quant"
)

// Op identifies the operation that computes a tensor.
type Op uint8

// The operations. Each constructor's documentation gives shapes and
// numerics; they follow ggml's ops of the same name.
const (
	OpNone      Op = iota // leaf or input: no computation
	OpView                // view, reshape, permute, transpose: no computation
	OpGetRows             // rows of a matrix by index
	OpMulMat              // matrix product
	OpMulMatID            // matrix product with per-column expert selection
	OpAdd                 // a + b (b broadcast)
	OpSub                 // a - b (b broadcast)
	OpMul                 // a * b (b broadcast)
	OpDiv                 // a / b (b broadcast)
	OpScale               // a*s + bias
	OpRMSNorm             // x / rms(x)
	OpNorm                // (x - mean) / std
	OpRope                // rotary position embedding
	OpSoftMax             // softmax over rows with scale, softcap and mask
	OpSilu                // x·sigmoid(x)
	OpGelu                // GELU, tanh approximation
	OpGeluErf             // GELU, exact erf form
	OpTanh                // tanh(x)
	OpSoftcap             // c·tanh(x/c)
	OpSwiGLU              // silu(a)·b
	OpGeGLU               // gelu(a)·b
	OpGeGLUErf            // gelu_erf(a)·b
	OpArgmax              // index of the largest element of each row
	OpTopK                // indices of the k largest elements of each row
	OpConcat              // concatenation along one dimension
	OpCpy                 // copy with type conversion (Cpy, Cont)
	OpSetRows             // scatter rows into a destination by index
	OpSumRows             // sum of each row
	OpFlashAttn           // fused attention
	numOps
)

var opNames = [numOps]string{
	"none", "view", "get_rows", "mul_mat", "mul_mat_id", "add", "sub", "mul", "div", "scale",
	"rms_norm", "norm", "rope", "soft_max", "silu", "gelu", "gelu_erf", "tanh", "softcap",
	"swiglu", "geglu", "geglu_erf", "argmax", "top_k", "concat", "cpy", "set_rows", "sum_rows",
	"flash_attn",
}

// String returns ggml's lower-case name of the op.
func (o Op) String() string {
	if o < numOps {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// IParam returns integer parameter i of the tensor's op (see the op's
// constructor for the layout); backends read parameters through these.
func (t *Tensor) IParam(i int) int32 { return t.iparams[i] }

// FParam returns float parameter i of the tensor's op.
func (t *Tensor) FParam(i int) float32 { return t.fparams[i] }

// ---- views ----

// makeView returns a view of src with the given type, shape and strides at
// byte offset off from src's first byte.
func (g *Graph) makeView(src *Tensor, ne, nb [4]int, off int) *Tensor {
	t := g.newTensor()
	t.op = OpView
	t.typ = src.typ
	t.ne = ne
	t.nb = nb
	t.src[0] = src
	t.name = src.name
	g.alias(t, src, off)
	if t.data == nil && t.base.data != nil && t.Elements() != 0 {
		return g.failf("view of %s: %d bytes at offset %d exceed its %d bytes", src.label(), t.Bytes(), t.offset, len(t.base.data))
	}
	return t
}

// alias makes t share dst's storage at byte offset off from dst's first
// byte, resolving its bytes at once when dst's storage exists.
func (g *Graph) alias(t, dst *Tensor, off int) {
	base, boff := dst, off
	if dst.kind == storageView {
		base, boff = dst.base, dst.offset+off
	}
	t.kind = storageView
	t.base = base
	t.offset = boff
	t.resolve()
}

// resolve sets a view's bytes from its base's, if the base has storage.
func (t *Tensor) resolve() {
	if t.base.data == nil {
		return
	}
	n := t.Bytes()
	if t.offset < 0 || t.offset+n > len(t.base.data) {
		return // left nil; makeView reports the error
	}
	t.data = t.base.data[t.offset : t.offset+n : t.offset+n]
}

func (g *Graph) checkView(src *Tensor, ne0 int) bool {
	if bs := src.typ.BlockSize(); ne0%bs != 0 {
		g.failf("view of %s: %d elements is not a multiple of the %v block size %d", src.label(), ne0, src.typ, bs)
		return false
	}
	return true
}

// View1D returns a 1-dimensional view of ne0 elements of t starting at byte
// offset off.
func (g *Graph) View1D(t *Tensor, ne0, off int) *Tensor {
	if !g.ok(t) || !g.checkView(t, ne0) {
		return &g.bad
	}
	var v Tensor
	v.typ = t.typ
	v.ne = [4]int{ne0, 1, 1, 1}
	_ = v.setContiguous()
	return g.makeView(t, v.ne, v.nb, off)
}

// View2D returns a view of t with ne0×ne1 elements, row stride nb1 bytes,
// starting at byte offset off.
func (g *Graph) View2D(t *Tensor, ne0, ne1, nb1, off int) *Tensor {
	return g.View4D(t, ne0, ne1, 1, 1, nb1, nb1*ne1, nb1*ne1, off)
}

// View3D returns a view of t with ne0×ne1×ne2 elements and byte strides
// nb1, nb2, starting at byte offset off.
func (g *Graph) View3D(t *Tensor, ne0, ne1, ne2, nb1, nb2, off int) *Tensor {
	return g.View4D(t, ne0, ne1, ne2, 1, nb1, nb2, nb2*ne2, off)
}

// View4D returns a view of t with the given sizes and byte strides,
// starting at byte offset off.
func (g *Graph) View4D(t *Tensor, ne0, ne1, ne2, ne3, nb1, nb2, nb3, off int) *Tensor {
	if !g.ok(t) || !g.checkView(t, ne0) {
		return &g.bad
	}
	if ne0 < 0 || ne1 < 0 || ne2 < 0 || ne3 < 0 || nb1 < 0 || nb2 < 0 || nb3 < 0 || off < 0 {
		return g.failf("view of %s: negative size, stride or offset", t.label())
	}
	return g.makeView(t, [4]int{ne0, ne1, ne2, ne3}, [4]int{t.typ.TypeSize(), nb1, nb2, nb3}, off)
}

// Reshape returns a view of the contiguous tensor t with shape ne (same
// number of elements).
func (g *Graph) Reshape(t *Tensor, ne ...int) *Tensor {
	if !g.ok(t) {
		return &g.bad
	}
	if !t.IsContiguous() {
		return g.failf("reshape of %s: not contiguous (use Cont first)", t.label())
	}
	var v Tensor
	if err := v.init(t.typ, ne); err != nil {
		return g.fail(fmt.Errorf("reshape of %s: %w", t.label(), err))
	}
	if v.Elements() != t.Elements() {
		return g.failf("reshape of %s: %v has %d elements, %v has %d", t.label(), t.ne, t.Elements(), v.ne, v.Elements())
	}
	return g.makeView(t, v.ne, v.nb, 0)
}

// Permute returns a view of t whose dimension axes[i] is t's dimension i,
// as ggml_permute does: Permute(t, 0, 2, 1, 3) swaps dimensions 1 and 2.
func (g *Graph) Permute(t *Tensor, a0, a1, a2, a3 int) *Tensor {
	if !g.ok(t) {
		return &g.bad
	}
	axes := [4]int{a0, a1, a2, a3}
	var seen [4]bool
	for _, a := range axes {
		if a < 0 || a >= 4 || seen[a] {
			return g.failf("permute of %s: axes %v are not a permutation of 0..3", t.label(), axes)
		}
		seen[a] = true
	}
	var ne, nb [4]int
	for i, a := range axes {
		ne[a] = t.ne[i]
		nb[a] = t.nb[i]
	}
	if t.typ.BlockSize() != 1 && axes[0] != 0 {
		return g.failf("permute of %s: cannot move dimension 0 of a block-quantized tensor", t.label())
	}
	return g.makeView(t, ne, nb, 0)
}

// Transpose swaps dimensions 0 and 1 of t (a view).
func (g *Graph) Transpose(t *Tensor) *Tensor { return g.Permute(t, 1, 0, 2, 3) }

// ---- helpers for op constructors ----

func (g *Graph) needType(op Op, t *Tensor, types ...quant.Type) bool {
	for _, ty := range types {
		if t.typ == ty {
			return true
		}
	}
	// A copy keeps types itself from escaping (and the call from allocating).
	g.failf("%v: operand %s has type %v, want one of %v", op, t.label(), t.typ, append([]quant.Type(nil), types...))
	return false
}

func (g *Graph) needDenseRows(op Op, t *Tensor) bool {
	if !t.rowsContiguous() {
		g.failf("%v: operand %s has non-contiguous rows (nb[0]=%d)", op, t.label(), t.nb[0])
		return false
	}
	return true
}

// canRepeat reports whether b can be broadcast to a's shape.
func canRepeat(b, a *Tensor) bool {
	for i := 0; i < MaxDims; i++ {
		if b.ne[i] == 0 || a.ne[i]%b.ne[i] != 0 {
			return false
		}
	}
	return true
}

// ---- ops ----

// GetRows returns the rows of a selected by the I32 indices idx: for a of
// shape [n, rows, ne2, ne3] and idx of shape [m, ne2, ne3], the result is
// F32 [n, m, ne2, ne3] with result[:, i, j, k] = a[:, idx[i, j, k], j, k].
// a may be of any type with a dequantizer (this is how token embeddings are
// looked up from a quantized matrix).
func (g *Graph) GetRows(a, idx *Tensor) *Tensor {
	if !g.ok(a, idx) || !g.needType(OpGetRows, idx, quant.I32) || !g.needDenseRows(OpGetRows, a) {
		return &g.bad
	}
	if a.ne[2] != idx.ne[1] || a.ne[3] != idx.ne[2] || idx.ne[3] != 1 {
		return g.failf("get_rows: a %v and indices %v do not match", a.ne, idx.ne)
	}
	if !canDequantize(a.typ) {
		return g.failf("get_rows: no dequantizer for %v", a.typ)
	}
	return g.newOp(OpGetRows, quant.F32, [4]int{a.ne[0], idx.ne[0], idx.ne[1], idx.ne[2]}, a, idx)
}

// MulMat returns the matrix product of a (weights, any supported type,
// shape [k, m, ne2, ne3]) and b (F32 activations [k, n, ne2·r2, ne3·r3]):
// the F32 result has shape [m, n, ne2·r2, ne3·r3] and result[i, j] =
// Σ_l a[l, i]·b[l, j], with a's matrices broadcast over b's batch
// dimensions. As in ggml, b is first converted to the activation type of a's
// dot product (q8_0, q8_K, f16, …), once per op. a's rows must be dense; b
// may be any view.
func (g *Graph) MulMat(a, b *Tensor) *Tensor {
	if !g.ok(a, b) || !g.needType(OpMulMat, b, quant.F32) || !g.needDenseRows(OpMulMat, a) {
		return &g.bad
	}
	if a.ne[0] != b.ne[0] || b.ne[2]%a.ne[2] != 0 || b.ne[3]%a.ne[3] != 0 {
		return g.failf("mul_mat: shapes %v and %v do not match", a.ne, b.ne)
	}
	if err := checkMatMulType(a.typ, a.ne[0]); err != nil {
		return g.fail(fmt.Errorf("tensor: mul_mat %s: %w", a.label(), err))
	}
	return g.newOp(OpMulMat, quant.F32, [4]int{a.ne[1], b.ne[1], b.ne[2], b.ne[3]}, a, b)
}

// MulMatID is the mixture-of-experts product: as holds n_expert weight
// matrices [k, m, n_expert], b the activations [k, n_b, n_tokens] (n_b is 1,
// shared by every slot, or n_used), ids the I32 expert choice [n_used,
// n_tokens]. The F32 result [m, n_used, n_tokens] has result[:, e, t] =
// as[:, :, ids[e, t]] · b[:, e mod n_b, t]. Only the selected experts' rows
// are read.
func (g *Graph) MulMatID(as, b, ids *Tensor) *Tensor {
	if !g.ok(as, b, ids) || !g.needType(OpMulMatID, b, quant.F32) || !g.needType(OpMulMatID, ids, quant.I32) ||
		!g.needDenseRows(OpMulMatID, as) {
		return &g.bad
	}
	if as.ne[0] != b.ne[0] || as.ne[3] != 1 || b.ne[3] != 1 || ids.ne[2] != 1 || ids.ne[3] != 1 ||
		ids.ne[1] != b.ne[2] || (b.ne[1] != 1 && b.ne[1] != ids.ne[0]) {
		return g.failf("mul_mat_id: experts %v, activations %v and ids %v do not match", as.ne, b.ne, ids.ne)
	}
	if err := checkMatMulType(as.typ, as.ne[0]); err != nil {
		return g.fail(fmt.Errorf("tensor: mul_mat_id %s: %w", as.label(), err))
	}
	return g.newOp(OpMulMatID, quant.F32, [4]int{as.ne[1], ids.ne[0], ids.ne[1], 1}, as, b, ids)
}

func (g *Graph) binary(op Op, a, b *Tensor) *Tensor {
	if !g.ok(a, b) || !g.needType(op, a, quant.F32) || !g.needType(op, b, quant.F32) {
		return &g.bad
	}
	if !canRepeat(b, a) {
		return g.failf("%v: %v cannot be broadcast to %v", op, b.ne, a.ne)
	}
	return g.newOp(op, quant.F32, a.ne, a, b)
}

// Add returns a + b; b is repeated along every dimension where its size
// divides a's (ggml's broadcasting), so a bias vector adds to every row.
func (g *Graph) Add(a, b *Tensor) *Tensor { return g.binary(OpAdd, a, b) }

// Sub returns a - b with b broadcast as in Add.
func (g *Graph) Sub(a, b *Tensor) *Tensor { return g.binary(OpSub, a, b) }

// Mul returns the elementwise product a·b with b broadcast as in Add (the
// norm weights multiply this way).
func (g *Graph) Mul(a, b *Tensor) *Tensor { return g.binary(OpMul, a, b) }

// Div returns a / b with b broadcast as in Add.
func (g *Graph) Div(a, b *Tensor) *Tensor { return g.binary(OpDiv, a, b) }

func (g *Graph) unary(op Op, a *Tensor) *Tensor {
	if !g.ok(a) || !g.needType(op, a, quant.F32) {
		return &g.bad
	}
	return g.newOp(op, quant.F32, a.ne, a)
}

// Scale returns a·s.
func (g *Graph) Scale(a *Tensor, s float32) *Tensor { return g.ScaleBias(a, s, 0) }

// ScaleBias returns a·s + bias.
func (g *Graph) ScaleBias(a *Tensor, s, bias float32) *Tensor {
	t := g.unary(OpScale, a)
	t.fparams[0], t.fparams[1] = s, bias
	return t
}

// RMSNorm normalises each row by its root mean square: x·1/sqrt(mean(x²)+eps),
// with the mean accumulated in float64 as ggml does. Multiply by the norm
// weight with Mul.
func (g *Graph) RMSNorm(a *Tensor, eps float32) *Tensor {
	if g.ok(a) && !g.needDenseRows(OpRMSNorm, a) {
		return &g.bad
	}
	t := g.unary(OpRMSNorm, a)
	t.fparams[0] = eps
	return t
}

// Norm is layer normalisation without affine terms: (x-mean)/sqrt(var+eps)
// per row.
func (g *Graph) Norm(a *Tensor, eps float32) *Tensor {
	if g.ok(a) && !g.needDenseRows(OpNorm, a) {
		return &g.bad
	}
	t := g.unary(OpNorm, a)
	t.fparams[0] = eps
	return t
}

// RopeMode selects how rotary embedding pairs dimensions.
type RopeMode int32

const (
	// RopeNormal rotates adjacent pairs (2i, 2i+1) (llama).
	RopeNormal RopeMode = 0
	// RopeNeoX rotates i with i+dims/2 (GPT-NeoX, qwen, gemma, phi3).
	RopeNeoX RopeMode = 2
)

// RopeParams are the rotary embedding settings, ggml's rope_ext arguments.
// Zero values of FreqBase, FreqScale and AttnFactor mean 10000, 1 and 1.
type RopeParams struct {
	Dims       int      // rotated dimensions (even, ≤ head size); the rest pass through
	Mode       RopeMode // RopeNormal or RopeNeoX
	FreqBase   float32  // θ base
	FreqScale  float32  // linear position scaling (1/factor)
	ExtFactor  float32  // YaRN extrapolation mix (0 = off)
	AttnFactor float32  // YaRN magnitude scaling
	BetaFast   float32  // YaRN ramp bounds
	BetaSlow   float32
	OrigCtx    int // YaRN: the training context length
}

// Rope rotates x ([head size, heads, tokens, 1]) by the I32 positions pos
// ([tokens]) as ggml_rope_ext does: θ_i = pos·base^(-2i/dims) /
// freqFactors[i] (freqFactors is an optional F32 tensor of ≥ dims/2 values:
// Llama 3.1 scaling, long-rope), with YaRN corrections when ExtFactor ≠ 0.
func (g *Graph) Rope(x, pos, freqFactors *Tensor, p RopeParams) *Tensor {
	if !g.ok(x, pos) || !g.needType(OpRope, x, quant.F32) || !g.needType(OpRope, pos, quant.I32) || !g.needDenseRows(OpRope, x) {
		return &g.bad
	}
	if pos.Elements() != x.ne[2] || x.ne[3] != 1 {
		return g.failf("rope: %d positions for %v", pos.Elements(), x.ne)
	}
	if p.Dims <= 0 || p.Dims%2 != 0 || p.Dims > x.ne[0] {
		return g.failf("rope: %d rotated dimensions for rows of %d", p.Dims, x.ne[0])
	}
	if p.Mode != RopeNormal && p.Mode != RopeNeoX {
		return g.failf("rope: unsupported mode %d", p.Mode)
	}
	if freqFactors != nil {
		if !g.ok(freqFactors) || !g.needType(OpRope, freqFactors, quant.F32) {
			return &g.bad
		}
		if !freqFactors.IsContiguous() || freqFactors.Elements() < p.Dims/2 {
			return g.failf("rope: frequency factors %v: want ≥ %d contiguous values", freqFactors.ne, p.Dims/2)
		}
	}
	if p.FreqBase == 0 {
		p.FreqBase = 10000
	}
	if p.FreqScale == 0 {
		p.FreqScale = 1
	}
	if p.AttnFactor == 0 {
		p.AttnFactor = 1
	}
	t := g.newOp(OpRope, quant.F32, x.ne, x, pos, freqFactors)
	t.iparams[0], t.iparams[1], t.iparams[2] = int32(p.Dims), int32(p.Mode), int32(p.OrigCtx)
	t.fparams = [maxParams]float32{p.FreqBase, p.FreqScale, p.ExtFactor, p.AttnFactor, p.BetaFast, p.BetaSlow}
	return t
}

// SoftMax returns the softmax of each row of a.
func (g *Graph) SoftMax(a *Tensor) *Tensor { return g.SoftMaxExt(a, nil, 1, 0) }

// SoftMaxExt returns softmax(capped(a)·scale + mask) per row, where
// capped(x) = softcap·tanh(x/softcap) when softcap ≠ 0 (computed as ggml's
// scale, tanh, scale chain) and mask (F32 or F16, optional) has rows of a's
// length, at least as many rows as a, and is broadcast over a's dimensions 2
// and 3. The max is subtracted before exp and the sum is accumulated in
// float64, as ggml does. A row that is masked entirely yields zeros.
func (g *Graph) SoftMaxExt(a, mask *Tensor, scale, softcap float32) *Tensor {
	if !g.ok(a) || !g.needType(OpSoftMax, a, quant.F32) || !g.needDenseRows(OpSoftMax, a) {
		return &g.bad
	}
	if mask != nil {
		if !g.ok(mask) || !g.needType(OpSoftMax, mask, quant.F32, quant.F16) || !g.needDenseRows(OpSoftMax, mask) {
			return &g.bad
		}
		if mask.ne[0] != a.ne[0] || mask.ne[1] < a.ne[1] || a.ne[2]%mask.ne[2] != 0 || a.ne[3]%mask.ne[3] != 0 {
			return g.failf("soft_max: mask %v does not fit %v", mask.ne, a.ne)
		}
	}
	t := g.newOp(OpSoftMax, quant.F32, a.ne, a, mask)
	t.fparams[0], t.fparams[1] = scale, softcap
	return t
}

// Silu returns x·sigmoid(x) elementwise.
func (g *Graph) Silu(a *Tensor) *Tensor { return g.unary(OpSilu, a) }

// Gelu returns GELU with the tanh approximation, looked up in a table of
// binary16 inputs as ggml's CPU backend does (inputs are rounded to f16,
// results are f16 values; |x| ≥ 10 is handled exactly).
func (g *Graph) Gelu(a *Tensor) *Tensor { return g.unary(OpGelu, a) }

// GeluErf returns the exact GELU 0.5·x·(1+erf(x/√2)).
func (g *Graph) GeluErf(a *Tensor) *Tensor { return g.unary(OpGeluErf, a) }

// Tanh returns tanh(x) elementwise.
func (g *Graph) Tanh(a *Tensor) *Tensor { return g.unary(OpTanh, a) }

// Softcap returns c·tanh(x/c) elementwise (gemma's logit soft-capping),
// rounding like ggml's scale(1/c), tanh, scale(c) chain.
func (g *Graph) Softcap(a *Tensor, c float32) *Tensor {
	if c == 0 && g.err == nil {
		return g.failf("softcap: cap is 0")
	}
	t := g.unary(OpSoftcap, a)
	t.fparams[0] = c
	return t
}

func (g *Graph) glu(op Op, a, b *Tensor) *Tensor {
	if b == nil {
		if !g.ok(a) || !g.needType(op, a, quant.F32) || !g.needDenseRows(op, a) {
			return &g.bad
		}
		if a.ne[0]%2 != 0 {
			return g.failf("%v: cannot split rows of %d", op, a.ne[0])
		}
		ne := a.ne
		ne[0] /= 2
		return g.newOp(op, quant.F32, ne, a)
	}
	if !g.ok(a, b) || !g.needType(op, a, quant.F32) || !g.needType(op, b, quant.F32) ||
		!g.needDenseRows(op, a) || !g.needDenseRows(op, b) {
		return &g.bad
	}
	if a.ne != b.ne {
		return g.failf("%v: shapes %v and %v differ", op, a.ne, b.ne)
	}
	return g.newOp(op, quant.F32, a.ne, a, b)
}

// SwiGLU returns silu(gate)·up. With up nil, gate's rows are split in
// halves: the first half is the gate, the second the up projection (fused
// gate/up weights).
func (g *Graph) SwiGLU(gate, up *Tensor) *Tensor { return g.glu(OpSwiGLU, gate, up) }

// GeGLU returns gelu(gate)·up with Gelu's table lookup; up nil splits gate
// as in SwiGLU.
func (g *Graph) GeGLU(gate, up *Tensor) *Tensor { return g.glu(OpGeGLU, gate, up) }

// GeGLUErf returns gelu_erf(gate)·up; up nil splits gate as in SwiGLU.
func (g *Graph) GeGLUErf(gate, up *Tensor) *Tensor { return g.glu(OpGeGLUErf, gate, up) }

// Argmax returns, for each row of the F32 matrix a ([n, rows]), the I32
// index of its largest element ([rows]); of equal maxima the last wins, as
// in ggml.
func (g *Graph) Argmax(a *Tensor) *Tensor {
	if !g.ok(a) || !g.needType(OpArgmax, a, quant.F32) || !g.needDenseRows(OpArgmax, a) {
		return &g.bad
	}
	if a.ne[2] != 1 || a.ne[3] != 1 {
		return g.failf("argmax: %v is not a matrix", a.ne)
	}
	return g.newOp(OpArgmax, quant.I32, [4]int{a.ne[1], 1, 1, 1}, a)
}

// TopK returns the I32 indices of the k largest elements of each row of a,
// largest first (equal values: lower index first); shape [k, rows...].
func (g *Graph) TopK(a *Tensor, k int) *Tensor {
	if !g.ok(a) || !g.needType(OpTopK, a, quant.F32) || !g.needDenseRows(OpTopK, a) {
		return &g.bad
	}
	if k <= 0 || k > a.ne[0] {
		return g.failf("top_k: k=%d for rows of %d", k, a.ne[0])
	}
	ne := a.ne
	ne[0] = k
	return g.newOp(OpTopK, quant.I32, ne, a)
}

// Concat joins a and b along dimension dim; the other sizes must agree.
// Both must have the same plain (not block-quantized) type.
func (g *Graph) Concat(a, b *Tensor, dim int) *Tensor {
	if !g.ok(a, b) {
		return &g.bad
	}
	if a.typ != b.typ || a.typ.BlockSize() != 1 {
		return g.failf("concat: types %v and %v", a.typ, b.typ)
	}
	if dim < 0 || dim >= MaxDims {
		return g.failf("concat: dimension %d", dim)
	}
	ne := a.ne
	for i := 0; i < MaxDims; i++ {
		if i != dim && a.ne[i] != b.ne[i] {
			return g.failf("concat: %v and %v differ outside dimension %d", a.ne, b.ne, dim)
		}
	}
	ne[dim] += b.ne[dim]
	t := g.newOp(OpConcat, a.typ, ne, a, b)
	t.iparams[0] = int32(dim)
	return t
}

// Cpy copies src into dst, converting the element type (F32 into F32, F16,
// BF16 or Q8_0 and any other type with a quantizer; F16/BF16 into F32), and
// returns a tensor that aliases dst (use it, or dst, afterwards). Both are
// walked in their logical element order, so they need the same number of
// elements but may have different shapes and any strides; a quantized dst
// needs dense rows of the same length as src's. When dst lives outside the
// graph (a KV cache view, an input), the copy always runs, even if nothing
// reads its result; when dst is itself a graph result, read the returned
// tensor, not dst, or the copy may not run.
func (g *Graph) Cpy(src, dst *Tensor) *Tensor {
	if !g.ok(src, dst) {
		return &g.bad
	}
	if src.Elements() != dst.Elements() {
		return g.failf("cpy: %v and %v differ in size", src.ne, dst.ne)
	}
	if err := checkConvert(src, dst); err != nil {
		return g.fail(err)
	}
	t := g.newTensor()
	t.op = OpCpy
	t.typ, t.ne, t.nb = dst.typ, dst.ne, dst.nb
	t.src[0], t.src[1] = src, dst
	g.alias(t, dst, 0)
	t.sideEff = t.base.kind != storageNone
	return t
}

// Cont returns a contiguous copy of t (same type).
func (g *Graph) Cont(t *Tensor) *Tensor {
	if !g.ok(t) {
		return &g.bad
	}
	if t.typ.BlockSize() != 1 && !t.rowsContiguous() {
		return g.failf("cont: %s has non-contiguous quantized rows", t.label())
	}
	r := g.newOp(OpCpy, t.typ, t.ne, t)
	return r
}

// SetRows writes rows of the F32 src ([n, m, ne2, ne3]) into dst
// ([n, rows, ne2, ne3], F32, F16, BF16, Q8_0 or any type with a quantizer):
// dst[:, idx[i, j mod ni1, k mod ni2], j, k] = src[:, i, j, k] with idx I32
// ([m, ni1, ni2]). It returns a tensor aliasing dst. This is how new keys
// and values are stored into a KV cache.
func (g *Graph) SetRows(dst, src, idx *Tensor) *Tensor {
	if !g.ok(dst, src, idx) || !g.needType(OpSetRows, src, quant.F32) || !g.needType(OpSetRows, idx, quant.I32) ||
		!g.needDenseRows(OpSetRows, src) || !g.needDenseRows(OpSetRows, dst) {
		return &g.bad
	}
	if src.ne[0] != dst.ne[0] || src.ne[2] != dst.ne[2] || src.ne[3] != dst.ne[3] || idx.ne[0] != src.ne[1] ||
		src.ne[2]%idx.ne[1] != 0 || src.ne[3]%idx.ne[2] != 0 || idx.ne[3] != 1 {
		return g.failf("set_rows: dst %v, src %v and indices %v do not match", dst.ne, src.ne, idx.ne)
	}
	if fromFloatFunc(dst.typ) == nil {
		return g.failf("set_rows: cannot convert f32 to %v", dst.typ)
	}
	t := g.newTensor()
	t.op = OpSetRows
	t.typ, t.ne, t.nb = dst.typ, dst.ne, dst.nb
	t.src[0], t.src[1], t.src[2] = src, idx, dst
	g.alias(t, dst, 0)
	t.sideEff = t.base.kind != storageNone
	return t
}

// SumRows returns the sum of each row ([1, rows...]), accumulated in float64.
func (g *Graph) SumRows(a *Tensor) *Tensor {
	if !g.ok(a) || !g.needType(OpSumRows, a, quant.F32) {
		return &g.bad
	}
	ne := a.ne
	ne[0] = 1
	return g.newOp(OpSumRows, quant.F32, ne, a)
}

// AttnParams configure FlashAttn.
type AttnParams struct {
	Scale   float32 // multiplies q·k (usually 1/√head size)
	Softcap float32 // if ≠ 0: s = Softcap·tanh(s/Softcap) after scaling

	// Mask, optional, is an additive F32 or F16 mask [n_kv, ≥ n_q] (-inf
	// hides a key), broadcast over heads.
	Mask *Tensor

	// Pos, optional, holds the I32 positions of the queries ([n_q]); key j
	// is then the token at position j (a single-sequence cache) and is seen
	// by a query at position p iff j ≤ p, and p - j < Window when Window > 0
	// (sliding-window attention). Keys outside the window are not read.
	Pos    *Tensor
	Window int
}

// FlashAttn is fused attention, flash-attention style: for each query and
// head it streams over the keys with an online softmax, never materialising
// the n_kv × n_q score matrix. q is F32 [d_k, n_q, n_head], k is F16, Q8_0 or
// F32 [d_k, n_kv, n_head_kv] and v the same type [d_v, n_kv, n_head_kv]
// (n_head a multiple of n_head_kv: grouped-query attention); k and v may be
// views into a cache. q is converted to k's dot-product type (f16 for an f16
// cache), as ggml does. The F32 result has ggml's layout [d_v, n_head, n_q].
func (g *Graph) FlashAttn(q, k, v *Tensor, p AttnParams) *Tensor {
	if !g.ok(q, k, v) || !g.needType(OpFlashAttn, q, quant.F32) || !g.needDenseRows(OpFlashAttn, q) ||
		!g.needDenseRows(OpFlashAttn, k) || !g.needDenseRows(OpFlashAttn, v) {
		return &g.bad
	}
	if k.typ != v.typ || !attnKVType(k.typ) {
		return g.failf("flash_attn: k/v types %v/%v (want f16, q8_0 or f32)", k.typ, v.typ)
	}
	if q.ne[0] != k.ne[0] || k.ne[1] != v.ne[1] || k.ne[2] != v.ne[2] || k.ne[2] == 0 || q.ne[2]%k.ne[2] != 0 ||
		q.ne[3] != 1 || k.ne[3] != 1 || v.ne[3] != 1 {
		return g.failf("flash_attn: q %v, k %v, v %v do not match", q.ne, k.ne, v.ne)
	}
	var mask, pos *Tensor
	if p.Mask != nil {
		mask = p.Mask
		if !g.ok(mask) || !g.needType(OpFlashAttn, mask, quant.F32, quant.F16) || !g.needDenseRows(OpFlashAttn, mask) {
			return &g.bad
		}
		if mask.ne[0] != k.ne[1] || mask.ne[1] < q.ne[1] || mask.ne[2] != 1 || mask.ne[3] != 1 {
			return g.failf("flash_attn: mask %v for %d keys and %d queries", mask.ne, k.ne[1], q.ne[1])
		}
	}
	if p.Pos != nil {
		pos = p.Pos
		if !g.ok(pos) || !g.needType(OpFlashAttn, pos, quant.I32) {
			return &g.bad
		}
		if pos.Elements() != q.ne[1] || !pos.IsContiguous() {
			return g.failf("flash_attn: %d positions for %d queries", pos.Elements(), q.ne[1])
		}
	} else if p.Window > 0 {
		return g.failf("flash_attn: a sliding window needs query positions")
	}
	if p.Window < 0 {
		return g.failf("flash_attn: window %d", p.Window)
	}
	t := g.newOp(OpFlashAttn, quant.F32, [4]int{v.ne[0], q.ne[2], q.ne[1], 1}, q, k, v, mask, pos)
	t.fparams[0], t.fparams[1] = p.Scale, p.Softcap
	t.iparams[0] = int32(p.Window)
	return t
}

// inplaceSrc reports which operand's arena slot the op may overwrite
// (elementwise and row-wise ops whose result has the operand's shape and
// type), or -1.
func (t *Tensor) inplaceSrc() int {
	switch t.op {
	case OpAdd, OpSub, OpMul, OpDiv, OpScale, OpRMSNorm, OpNorm, OpRope, OpSoftMax,
		OpSilu, OpGelu, OpGeluErf, OpTanh, OpSoftcap:
		return 0
	case OpSwiGLU, OpGeGLU, OpGeGLUErf:
		if t.src[1] != nil {
			return 0
		}
	}
	return -1
}
