package kernels

import (
	"fmt"
	"testing"
)

// TestTiles runs every tile implementation on random rows and columns of
// every length up to 40 blocks (and longer ones), with padded strides,
// unaligned buffers and zero/extreme blocks, against the exact reference
// and the Go twin; outputs outside the tile must stay untouched.
func TestTiles(t *testing.T) {
	for _, fam := range dotFamilies {
		if fam.tile == nil {
			continue
		}
		bs := fam.wt.BlockSize()
		for _, impl := range fam.tile() {
			t.Run(fam.wt.String()+"/"+impl.name, func(t *testing.T) {
				rng := newRNG(uint64(fam.wt)<<8 | 2)
				R, C := impl.rows, impl.cols
				for _, n := range raggedLengths(bs, 40) {
					for kind := blockRandom; kind <= blockMixed; kind++ {
						xRow, yRow := fam.wt.RowSize(n), fam.yt.RowSize(n)
						xStride, yStride := xRow+rng.IntN(3)*xRow/2, yRow+rng.IntN(40)
						x := strided(t, rng, R, xStride, func() []byte { return randRow(t, rng, fam.wt, n, kind) })
						y := strided(t, rng, C, yStride, func() []byte { return randRow(t, rng, fam.yt, n, kind%2*blockMixed) })
						dstStride := R + rng.IntN(5)
						dst := make([]float32, (C-1)*dstStride+R+1)
						for i := range dst {
							dst[i] = -7
						}
						impl.f(n, x, xStride, y, yStride, dst, dstStride)
						twin := make([]float32, len(dst))
						genericTile(fam.impls()[0].f, R, C)(n, x, xStride, y, yStride, twin, dstStride)
						for i := range dst {
							r, c := i%dstStride, i/dstStride
							if r >= R || c >= C {
								if dst[i] != -7 {
									t.Fatalf("n=%d: wrote dst[%d] outside the tile", n, i)
								}
								continue
							}
							want, absSum := refDot(t, fam.wt, x[r*xStride:], fam.yt, y[c*yStride:], n)
							what := fmt.Sprintf("n=%d %v r=%d c=%d", n, kind, r, c)
							checkDot(t, what+" vs exact", dst[i], want, absSum, dotTol)
							checkDot(t, what+" vs go", dst[i], float64(twin[i]), absSum, dotTol)
						}
					}
				}
			})
		}
	}
}

// strided places count rows from next at stride bytes from each other in
// an unaligned buffer with junk between them.
func strided(t testing.TB, rng interface{ Uint32() uint32 }, count, stride int, next func() []byte) []byte {
	var buf []byte
	for i := 0; i < count; i++ {
		row := next()
		if len(row) > stride {
			t.Fatalf("row of %d bytes in a stride of %d", len(row), stride)
		}
		for len(buf) < i*stride {
			buf = append(buf, byte(rng.Uint32()))
		}
		buf = append(buf, row...)
	}
	off := int(rng.Uint32() % 64)
	out := make([]byte, off+len(buf))
	copy(out[off:], buf)
	return out[off:]
}

// TestTileExported checks the exported tiles against Tile's kernel (or,
// where the CPU has no tile and the table none, against the chosen dot
// product) and their panics on buffers too short for the tile.
func TestTileExported(t *testing.T) {
	for _, fam := range dotFamilies {
		if fam.exportedTile == nil {
			continue
		}
		t.Run(fam.wt.String(), func(t *testing.T) {
			R, C := fam.tileShape()
			f, tr, tc := Tile(fam.wt)
			if f == nil {
				f = genericTile(VecDot(fam.wt), R, C)
			} else if tr != R || tc != C {
				t.Fatalf("Tile's shape %dx%d, exported %dx%d", tr, tc, R, C)
			}
			rng := newRNG(9)
			n := 64
			x := randRow(t, rng, fam.wt, R*n, blockRandom)
			y := randRow(t, rng, fam.yt, C*n, blockRandom)
			a, b := make([]float32, R*C), make([]float32, R*C)
			fam.exportedTile(n, x, fam.wt.RowSize(n), y, fam.yt.RowSize(n), a, R)
			f(n, x, fam.wt.RowSize(n), y, fam.yt.RowSize(n), b, R)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("exported tile differs from Tile at %d: %g vs %g", i, a[i], b[i])
				}
			}
			for _, bad := range []func(){
				func() { fam.exportedTile(n, x[:len(x)-1], fam.wt.RowSize(n), y, fam.yt.RowSize(n), a, R) },
				func() { fam.exportedTile(n, x, fam.wt.RowSize(n), y[:len(y)-1], fam.yt.RowSize(n), a, R) },
				func() { fam.exportedTile(n, x, fam.wt.RowSize(n), y, fam.yt.RowSize(n), a[:len(a)-1], R) },
				func() { fam.exportedTile(n, x, fam.wt.RowSize(n)-1, y, fam.yt.RowSize(n), a, R) },
				func() { fam.exportedTile(n+1, x, fam.wt.RowSize(n), y, fam.yt.RowSize(n), a, R) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Error("no panic")
						}
					}()
					bad()
				}()
			}
		})
	}
}
