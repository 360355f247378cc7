package model

import (
	"math"
	"slices"
	"strconv"
	"testing"
)

// survivors runs one truncation stage on logits and returns the surviving ids
// in order.
func survivors(t *testing.T, p SamplerParams, logits []float32, stage func(*Sampler, []Candidate) []Candidate) []int32 {
	t.Helper()
	if p.MinKeep == 0 {
		p.MinKeep = 1
	}
	s, err := NewSampler(p)
	if err != nil {
		t.Fatal(err)
	}
	c := stage(s, s.load(logits))
	ids := make([]int32, len(c))
	for i, x := range c {
		ids[i] = x.ID
	}
	return ids
}

// logitsOf returns logits whose softmax is exactly probs.
func logitsOf(probs ...float64) []float32 {
	l := make([]float32, len(probs))
	for i, p := range probs {
		l[i] = float32(math.Log(p))
	}
	return l
}

func TestTruncationStages(t *testing.T) {
	probs := logitsOf(0.1, 0.4, 0.05, 0.3, 0.15) // ids by prob: 1, 3, 4, 0, 2
	tests := []struct {
		name  string
		p     SamplerParams
		stage func(*Sampler, []Candidate) []Candidate
		want  []int32
	}{
		{"top-k 2", SamplerParams{TopK: 2}, func(s *Sampler, c []Candidate) []Candidate { return s.topK(c, 2) }, []int32{1, 3}},
		{"top-k off", SamplerParams{}, func(s *Sampler, c []Candidate) []Candidate { return s.topK(c, 0) }, []int32{0, 1, 2, 3, 4}},
		{"top-k larger than vocab", SamplerParams{}, func(s *Sampler, c []Candidate) []Candidate { return s.topK(c, 50) }, []int32{0, 1, 2, 3, 4}},
		// cumulative 0.4, 0.7 (< 0.75), 0.85 (>= 0.75): three survive.
		{"top-p 0.75", SamplerParams{TopP: 0.75}, (*Sampler).topP, []int32{1, 3, 4}},
		{"top-p 0.7 exactly reached", SamplerParams{TopP: 0.69}, (*Sampler).topP, []int32{1, 3}},
		{"top-p min-keep 3", SamplerParams{TopP: 0.1, MinKeep: 3}, (*Sampler).topP, []int32{1, 3, 4}},
		// min-p 0.3: p >= 0.3·0.4 = 0.12 → 0.4, 0.3, 0.15 survive (in id order).
		{"min-p 0.3", SamplerParams{MinP: 0.3}, (*Sampler).minP, []int32{1, 3, 4}},
		{"min-p 0.9", SamplerParams{MinP: 0.9}, (*Sampler).minP, []int32{1}},
		{"min-p keeps min-keep", SamplerParams{MinP: 0.9, MinKeep: 2}, (*Sampler).minP, []int32{1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := survivors(t, tc.p, probs, tc.stage)
			if !slices.Equal(got, tc.want) {
				t.Errorf("survivors = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTypical(t *testing.T) {
	// Entropy of (0.5, 0.25, 0.125, 0.125) is 1.75 bits = 1.2130 nats.
	// Surprises −ln p: 0.693, 1.386, 2.079, 2.079; distances to the entropy:
	// 0.520, 0.173, 0.866, 0.866 → order 1, 0, 2, 3. Cumulative from id 1:
	// 0.25, 0.75 → typical-p 0.7 keeps ids 1 and 0.
	got := survivors(t, SamplerParams{TypicalP: 0.7}, logitsOf(0.5, 0.25, 0.125, 0.125), (*Sampler).typical)
	if want := []int32{1, 0}; !slices.Equal(got, want) {
		t.Errorf("typical survivors = %v, want %v", got, want)
	}
}

func TestPenalties(t *testing.T) {
	s, err := NewSampler(SamplerParams{RepeatPenalty: 2, FrequencyPenalty: 0.5, PresencePenalty: 0.25, RepeatLastN: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []int32{9, 0, 1, 1} { // 9 falls out of the window of 3
		s.Accept(tok)
	}
	c := s.load([]float32{4, -4, 1, 3, 0, 0, 0, 0, 0, 2})
	want := []float32{
		4/2 - 0.5 - 0.25,    // seen once, positive: divided
		-4*2 - 2*0.5 - 0.25, // seen twice, negative: multiplied
		1, 3, 0, 0, 0, 0, 0,
		2, // out of the window: untouched
	}
	for i, w := range want {
		if c[i].Logit != w {
			t.Errorf("logit %d = %v, want %v", i, c[i].Logit, w)
		}
	}
}

func TestLogitBiasAndGreedy(t *testing.T) {
	s, err := NewSampler(SamplerParams{LogitBias: map[int32]float32{2: 10, 0: float32(math.Inf(-1))}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Sample([]float32{5, 1, 0, 4}); got != 2 {
		t.Errorf("greedy with bias picked %d, want 2", got)
	}
	// Ties go to the lowest id.
	g, _ := NewSampler(SamplerParams{})
	if got := g.Sample([]float32{1, 3, 3, 2}); got != 1 {
		t.Errorf("greedy tie picked %d, want 1", got)
	}
}

func TestSeedDeterminism(t *testing.T) {
	logits := make([]float32, 300)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i))) * 3
	}
	run := func(seed uint64) []int32 {
		p := DefaultSamplerParams()
		p.Seed = seed
		p.Temperature = 1.5
		s, err := NewSampler(p)
		if err != nil {
			t.Fatal(err)
		}
		var out []int32
		for i := 0; i < 50; i++ {
			tok := s.Sample(logits)
			s.Accept(tok)
			out = append(out, tok)
		}
		return out
	}
	a, b, c := run(42), run(42), run(43)
	if !slices.Equal(a, b) {
		t.Fatal("same seed gave different tokens")
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds gave identical 50-token sequences")
	}
}

// TestTemperatureOneMatchesSoftmax draws many samples at temperature 1 with
// every filter off and checks the frequencies against softmax(logits) with a
// chi-square test (fixed seed, so the test is deterministic).
func TestTemperatureOneMatchesSoftmax(t *testing.T) {
	logits := []float32{2, 1, 0.5, 0, -1, -2, 1.5, 0.25}
	s, err := NewSampler(SamplerParams{Temperature: 1, TopP: 1, TypicalP: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200000
	counts := make([]int, len(logits))
	for i := 0; i < n; i++ {
		counts[s.Sample(logits)]++
	}
	var z float64
	for _, l := range logits {
		z += math.Exp(float64(l))
	}
	var chi2 float64
	for i, l := range logits {
		e := n * math.Exp(float64(l)) / z
		d := float64(counts[i]) - e
		chi2 += d * d / e
	}
	// 7 degrees of freedom: the 99.9th percentile is 24.32.
	if chi2 > 24.32 {
		t.Errorf("chi-square %.2f over 7 dof: frequencies %v do not follow softmax", chi2, counts)
	}
	// Temperature 0.5 sharpens: the top token must be drawn more often.
	s2, _ := NewSampler(SamplerParams{Temperature: 0.5, TopP: 1, TypicalP: 1, Seed: 7})
	top := 0
	for i := 0; i < 20000; i++ {
		if s2.Sample(logits) == 0 {
			top++
		}
	}
	if want := math.Exp(2) / z; float64(top)/20000 < want+0.1 {
		t.Errorf("temperature 0.5 drew the top token %.3f of the time, want well above %.3f", float64(top)/20000, want)
	}
}

func TestMirostatKeepsSurpriseNearTau(t *testing.T) {
	logits := make([]float32, 1000)
	for i := range logits {
		logits[i] = float32(-1.1 * math.Log(float64(i+1))) // Zipf-like, as mirostat assumes
	}
	for _, v := range []int{1, 2} {
		p := SamplerParams{Temperature: 1, Mirostat: v, MirostatTau: 3, MirostatEta: 0.1, Seed: 1}
		s, err := NewSampler(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500; i++ {
			s.Sample(logits)
		}
		// mu starts at 2·tau and settles near tau.
		if s.mu < 1 || s.mu > 8 {
			t.Errorf("mirostat v%d: mu = %v after 500 steps, want it to settle near tau", v, s.mu)
		}
	}
}

func TestSamplerParamsValidate(t *testing.T) {
	bad := []SamplerParams{
		{Temperature: float32(math.NaN())},
		{TopP: -1},
		{MinP: 2},
		{Mirostat: 3},
		{RepeatLastN: -2},
		{XTCProbability: 1.5},
	}
	for _, p := range bad {
		if _, err := NewSampler(p); err == nil {
			t.Errorf("NewSampler(%+v) accepted invalid settings", p)
		}
	}
}

func TestSampleAllocatesNothing(t *testing.T) {
	logits := make([]float32, 32000)
	for i := range logits {
		logits[i] = float32(i%97) / 10
	}
	p := DefaultSamplerParams()
	p.RepeatPenalty = 1.1
	s, _ := NewSampler(p)
	s.Sample(logits)
	allocs := testing.AllocsPerRun(20, func() {
		tok := s.Sample(logits)
		s.Accept(tok)
	})
	if allocs > 0 {
		t.Errorf("Sample allocated %.1f times per call", allocs)
	}
}

// numberVocab is a vocabulary of n tokens whose texts are their numbers,
// every tenth followed by a newline.
func numberVocab(n int) pieceVocab {
	v := make(pieceVocab, n)
	for i := range v {
		v[i] = strconv.Itoa(i)
		if i%10 == 0 {
			v[i] += "\n"
		}
	}
	return v
}

func TestSampleWithDRYAllocatesNothing(t *testing.T) {
	logits := make([]float32, 32000)
	for i := range logits {
		logits[i] = float32(i%97) / 10
	}
	p := DefaultSamplerParams()
	p.DRYMultiplier, p.DRYPenaltyLastN = 0.8, 256
	s, err := NewSamplerFor(p, numberVocab(len(logits)), 4096)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 600; i++ { // fill the window, with repeats
		s.Accept(int32(i % 37))
	}
	s.Sample(logits)
	allocs := testing.AllocsPerRun(100, func() {
		tok := s.Sample(logits)
		s.Accept(tok)
		s.Accept(int32(tok % 37))
	})
	if allocs > 0 {
		t.Errorf("Sample with DRY allocated %.1f times per call", allocs)
	}
}

var sinkToken int32

func BenchmarkSampleDefault(b *testing.B) {
	logits := make([]float32, 128256)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)*0.37)) * 8
	}
	s, _ := NewSampler(DefaultSamplerParams())
	for b.Loop() {
		sinkToken = s.Sample(logits)
	}
}

// BenchmarkSampleDRY is the default chain with DRY over a full window of
// 4096 tokens that repeats a 37-token cycle (every Sample runs the
// Z-algorithm over the whole window).
func BenchmarkSampleDRY(b *testing.B) {
	logits := make([]float32, 128256)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)*0.37)) * 8
	}
	p := DefaultSamplerParams()
	p.DRYMultiplier, p.DRYPenaltyLastN = 0.8, 4096
	s, err := NewSamplerFor(p, numberVocab(len(logits)), 8192)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 4096; i++ {
		s.Accept(int32(1 + i%37))
	}
	for b.Loop() {
		sinkToken = s.Sample(logits)
	}
}

// BenchmarkNewSamplerDRY is building the breaker table of llama.cpp's
// default breakers over a 128256-token vocabulary.
func BenchmarkNewSamplerDRY(b *testing.B) {
	v := numberVocab(128256)
	p := DefaultSamplerParams()
	p.DRYMultiplier = 0.8
	for b.Loop() {
		s, err := NewSamplerFor(p, v, 4096)
		if err != nil {
			b.Fatal(err)
		}
		sinkToken = int32(len(s.dry.breakers))
	}
}
