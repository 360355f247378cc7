package kernels

import (
	"fmt"
	"math"
	"testing"

	"github.com/gollm/gollm/quant"
)

// TestReferenceDequantizers checks the naive dequantizers of testutil_test.go
// against ggml: Σ refDequant(q)·refDequant(yq) must reproduce dot_f64.txt
// (ggml's dequantizers, exact products, compensated sum) to 1e-12, and
// ggml's own AVX dot.f32 must lie within the tolerance the kernels are held to.
func TestReferenceDequantizers(t *testing.T) {
	for _, name := range []string{"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl"} {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			yt := activationTypeOf(t, name)
			yd := refDequantize(t, yt, f.yq, fixtureCols)
			for r := 0; r < fixtureRows; r++ {
				wd := refDequantize(t, f.typ, f.row(r), fixtureCols)
				var sum, abs float64
				for i := range wd {
					sum += wd[i] * yd[i]
					abs += math.Abs(wd[i] * yd[i])
				}
				if math.Abs(sum-f.dotF64[r]) > 1e-12*abs+1e-300 {
					t.Errorf("row %d: reference Σ deq·deq = %.17g, dot_f64.txt %.17g", r, sum, f.dotF64[r])
				}
				want, absSum := refDot(t, f.typ, f.row(r), yt, f.yq, fixtureCols)
				checkDot(t, fmt.Sprintf("ggml dot.f32 row %d", r), f.dot[r], want, absSum, dotTol)
			}
		})
	}
}

// activationTypeOf is the vec_dot_type ggml pairs with each fixture type.
func activationTypeOf(t testing.TB, name string) quant.Type {
	t.Helper()
	switch name {
	case "f16":
		return quant.F16
	case "bf16":
		return quant.BF16
	case "q4_1", "q5_1":
		return quant.Q8_1
	case "q8_0", "q4_0", "q5_0", "iq4_nl":
		return quant.Q8_0
	}
	t.Fatalf("no activation type for %s", name)
	return 0
}
