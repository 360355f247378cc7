package quant

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bestIndexNaive picks the level nearest to x by exact (float64) distance,
// the upper one on a tie, as ggml's best_index_int8 does.
func bestIndexNaive(x float32) int {
	best, bestDist := 0, math.Inf(1)
	for i, v := range IQ4NLValues {
		if d := math.Abs(float64(x) - float64(v)); d <= bestDist {
			best, bestDist = i, d
		}
	}
	return best
}

func TestBestIndexIQ4NL(t *testing.T) {
	// Far from the codebook the ends win (the naive distances in float64
	// would tie there).
	for x, want := range map[float32]int{float32(math.Inf(1)): 15, float32(math.Inf(-1)): 0, 1e30: 15, -1e30: 0, float32(math.NaN()): 0} {
		if got := bestIndexIQ4NL(x); got != want {
			t.Errorf("bestIndexIQ4NL(%g) = %d, want %d", x, got, want)
		}
	}
	in := []float32{0, float32(math.Copysign(0, -1)), 1e6, -1e6}
	for j := 1; j < 16; j++ { // every midpoint and its float neighbours
		m := float32(int(IQ4NLValues[j-1])+int(IQ4NLValues[j])) / 2
		in = append(in, m, math.Nextafter32(m, -1e9), math.Nextafter32(m, 1e9))
	}
	for i := -2000; i <= 2000; i++ {
		in = append(in, float32(i)/8)
	}
	r := rand.New(rand.NewPCG(8, 9))
	for range 100000 {
		in = append(in, float32(r.NormFloat64()*80))
	}
	for _, x := range in {
		if got, want := bestIndexIQ4NL(x), bestIndexNaive(x); got != want {
			t.Errorf("bestIndexIQ4NL(%g) = %d, want %d", x, got, want)
		}
	}
}

// TestRoundAway compares with math.Round (C's roundf) on halves, their
// neighbours and random values.
func TestRoundAway(t *testing.T) {
	var in []float32
	for i := -300; i <= 300; i++ {
		h := float32(i) + 0.5
		in = append(in, h, math.Nextafter32(h, -1e9), math.Nextafter32(h, 1e9), float32(i))
	}
	in = append(in, 0.49999997, -0.49999997, 8388607.5, -8388607.5, 8388608, 1e9, -1e9)
	r := rand.New(rand.NewPCG(10, 11))
	for range 100000 {
		in = append(in, float32(r.NormFloat64()*100))
	}
	for _, f := range in {
		if got, want := roundAway(f), int32(math.Round(float64(f))); got != want {
			t.Errorf("roundAway(%v) = %d, want %d", f, got, want)
		}
	}
}

// TestNearestInt compares with round-half-even over the range ggml uses it
// in (|f| ≤ 4194303).
func TestNearestInt(t *testing.T) {
	var in []float32
	for i := -300; i <= 300; i++ {
		h := float32(i) + 0.5
		in = append(in, h, math.Nextafter32(h, -1e9), math.Nextafter32(h, 1e9), float32(i))
	}
	in = append(in, 4194303, -4194303, 4194302.5, -4194302.5, 0.49999997)
	r := rand.New(rand.NewPCG(12, 13))
	for range 100000 {
		in = append(in, float32(r.NormFloat64()*1000))
	}
	for _, f := range in {
		if got, want := nearestInt(f), int(math.RoundToEven(float64(f))); got != want {
			t.Errorf("nearestInt(%v) = %d, want %d", f, got, want)
		}
	}
}
