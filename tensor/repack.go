package tensor

import (
	"github.com/gollm/gollm/kernels"
)

// Repacked weights: a weight tensor may carry, next to its plain rows, a
// copy in the kernels package's row-interleaved layout (kernels.Repack),
// one matrix per plane of dimension 2 (per expert for mul_mat_id). The CPU
// backend's MulMat and MulMatID multiply with that copy whenever the
// weight operand is the tensor itself; views of it, GetRows and every other
// op keep reading the plain bytes, which stay as they are.

// Repack makes the row-interleaved copy of the weight t that the CPU
// backend's matrix products then use (kernels.Repack: one matrix per plane
// of dimension 2, so 3-D expert tensors are repacked expert by expert),
// and reports whether t has one. It returns false, and leaves t as it
// was, unless t is a 2-D or 3-D tensor made by New whose type and row
// length have a repacked kernel on this CPU (kernels.CanRepack: q4_K,
// q5_K, q6_K, q8_0 and q4_0 on AVX-512 VNNI). Calling it again is a no-op.
//
// The copy takes as much memory as t's bytes, in addition to them, and is
// made once: t's bytes must not change afterwards (weights, not caches).
// Repack must not run while a graph that uses t is being computed; call it
// when the weights are loaded, before the first Compute.
func (t *Tensor) Repack() bool {
	if t.repacked != nil {
		return true
	}
	if t.kind != storageExternal || t.op != OpNone || t.ne[3] != 1 || t.Elements() == 0 ||
		!t.IsContiguous() || !kernels.CanRepack(t.typ, t.ne[0]) {
		return false
	}
	mats := make([]*kernels.RepackedMatrix, t.ne[2])
	for i := range mats {
		plane := t.data[i*t.nb[2] : (i+1)*t.nb[2]]
		m, ok := kernels.Repack(t.typ, plane, t.ne[1], t.ne[0])
		if !ok {
			return false
		}
		mats[i] = m
	}
	t.repacked = mats
	return true
}

// RepackedBytes returns the memory held by t's row-interleaved copy (0
// when Repack has not made one).
func (t *Tensor) RepackedBytes() int {
	n := 0
	for _, m := range t.repacked {
		n += m.Bytes()
	}
	return n
}

// repackedPlane returns the repacked matrix of plane i2 of the weight t,
// or nil when t has none.
func (t *Tensor) repackedPlane(i2 int) *kernels.RepackedMatrix {
	if t.repacked == nil {
		return nil
	}
	return t.repacked[i2]
}
