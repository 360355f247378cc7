//go:build !noasm

package kernels

// dotQ8_0AVX2 and dotQ8_0VNNI are the assembly q8_0·q8_0 dot products of
// dot_q8_0_amd64.s (AVX2+FMA+F16C; AVX-512 VNNI on 256-bit vectors).
//
//go:noescape
func dotQ8_0AVX2(n int, x, y []byte) float32

//go:noescape
func dotQ8_0VNNI(n int, x, y []byte) float32

// tileQ8_0VNNI is the 4×4 AVX-512 VNNI tile of dot_q8_0_amd64.s.
//
//go:noescape
func tileQ8_0VNNI(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)

// tileQ8_0VNNI512 is the 8×4 AVX-512 VNNI tile on 512-bit vectors.
//
//go:noescape
func tileQ8_0VNNI512(n int, x []byte, xStride int, y []byte, yStride int, dst []float32, dstStride int)

var (
	dotQ8_0, dotQ8_0Impl                               = pickDot(dotQ8_0Impls())
	tileQ8_0, tileQ8_0Rows, tileQ8_0Cols, tileQ8_0Impl = pickTileOrDots(tileQ8_0Impls(), dotQ8_0)
)

// dotQ8_0Impls lists the q8_0·q8_0 dot products this CPU can run.
func dotQ8_0Impls() []dotImpl {
	impls := []dotImpl{{"go", dotQ8_0Generic}}
	if hasAVX2 {
		impls = append(impls, dotImpl{"avx2", dotQ8_0AVX2})
	}
	if hasAVX2 && hasVNNI {
		impls = append(impls, dotImpl{"avx512vnni", dotQ8_0VNNI})
	}
	return impls
}

// tileQ8_0Impls lists the q8_0·q8_0 tiles this CPU can run, the one to
// use last (512-bit vectors where they run at full width).
func tileQ8_0Impls() []tileImpl {
	impls := []tileImpl{{"go", genericTile(dotQ8_0Generic, 4, 4), 4, 4}}
	if hasAVX2 && hasVNNI {
		ymm := tileImpl{"avx512vnni", tileQ8_0VNNI, 4, 4}
		zmm := tileImpl{"avx512vnni-zmm", tileQ8_0VNNI512, 8, 4}
		if prefer512 { // the last one is picked
			impls = append(impls, ymm, zmm)
		} else {
			impls = append(impls, zmm, ymm)
		}
	}
	return impls
}
