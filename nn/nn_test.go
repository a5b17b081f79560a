package nn

import (
	"math"
	"strings"
	"testing"

	"mfn/rng"
)

func TestSTDPValidate(t *testing.T) {
	mod := func(f func(*STDP)) STDP {
		s := DefaultSTDP()
		f(&s)
		return s
	}
	cases := []struct {
		s    STDP
		want string
	}{
		{mod(func(s *STDP) { s.TauPlus = 0.001 }), "tau_plus=1.0ms outside biophysical range [5, 100]ms"},
		{mod(func(s *STDP) { s.TauMinus = 0.2 }), "tau_minus=200.0ms outside biophysical range [5, 100]ms"},
		{mod(func(s *STDP) { s.TauMinus = math.NaN() }), "tau_minus=nanms outside biophysical range [5, 100]ms"},
		{mod(func(s *STDP) { s.APlus = 0.5 }), "a_plus=0.5 outside stable range [0.001, 0.1]"},
		{mod(func(s *STDP) { s.AMinus = 1e-5 }), "a_minus=1e-05 outside stable range [0.001, 0.1]"},
		// Order: tau_plus is reported before a_plus.
		{mod(func(s *STDP) { s.TauPlus = 1; s.APlus = 1 }), "tau_plus=1000.0ms outside biophysical range [5, 100]ms"},
	}
	for _, c := range cases {
		err := c.s.Validate()
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: got %v, want %s", c.s, err, c.want)
		}
		if _, err := c.s.WeightUpdate([][]float32{{0}}, [][]float32{{0}}); err == nil {
			t.Errorf("%+v: WeightUpdate accepted invalid parameters", c.s)
		}
	}
	for _, s := range []STDP{DefaultSTDP(), {0.005, 0.1, 0.001, 0.1}} {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
}

func TestSTDPSpecExample(t *testing.T) {
	dw, err := DefaultSTDP().WeightUpdate([][]float32{{0.01, 0.02}}, [][]float32{{0.015}})
	if err != nil {
		t.Fatal(err)
	}
	if len(dw) != 2 || len(dw[0]) != 1 {
		t.Fatalf("shape %v", dw)
	}
	if float64(dw[0][0]) != 0.007788007613271475 || float64(dw[1][0]) != -0.009345609694719315 {
		t.Fatalf("ΔW = %v, %v", float64(dw[0][0]), float64(dw[1][0]))
	}
	same, _ := DefaultSTDP().WeightUpdate([][]float32{{0.01}}, [][]float32{{0.01}})
	if same[0][0] != 0 || math.Signbit(float64(same[0][0])) {
		t.Fatalf("equal times: %v", same)
	}
}

func TestSTDPProperties(t *testing.T) {
	s := DefaultSTDP()
	// Δt → 0⁺ gives ≈ A₊; a large Δt gives ≈ 0; LTP > 0 > LTD.
	dw, _ := s.WeightUpdate([][]float32{{0}}, [][]float32{{1e-6}})
	if math.Abs(float64(dw[0][0])-0.01)/0.01 > 1e-4 {
		t.Errorf("Δt→0⁺: %v", dw[0][0])
	}
	dw, _ = s.WeightUpdate([][]float32{{0}}, [][]float32{{10}})
	if math.Abs(float64(dw[0][0])) > 1e-10 {
		t.Errorf("large Δt: %v", dw[0][0])
	}
	dw, _ = s.WeightUpdate([][]float32{{0.01}, {0.03}}, [][]float32{{0.02}, {0.02}})
	// Batch mean of +A₊e^(−0.5) and −A₋e^(−0.5).
	want := (float32(0.01)*exp32(-0.5) + float32(-0.012)*exp32(-0.5)) / 2
	if math.Abs(float64(dw[0][0]-want)) > 1e-9 {
		t.Errorf("batch mean %v, want %v", dw[0][0], want)
	}
	if _, err := s.WeightUpdate([][]float32{{0}}, [][]float32{{0}, {1}}); err == nil {
		t.Error("batch mismatch accepted")
	}
	if _, err := s.WeightUpdate([][]float32{{0}, {0, 1}}, [][]float32{{0}, {1}}); err == nil {
		t.Error("ragged pre accepted")
	}
	if _, err := s.WeightUpdate(nil, nil); err == nil {
		t.Error("empty accepted")
	}
}

func TestSparseAttentionValidation(t *testing.T) {
	for _, c := range []struct {
		e, h, k int
		want    string
	}{
		{0, 1, 4, "embed_dim=0 must be >= 1"},
		{4, 1, 0, "topk=0 must be >= 1"},
		{4, 0, 4, "num_heads=0 must be >= 1"},
		{0, 0, 0, "embed_dim=0 must be >= 1"},
	} {
		_, err := NewSparseAttention(c.e, c.h, c.k)
		if err == nil || err.Error() != c.want {
			t.Errorf("(%d,%d,%d): %v, want %s", c.e, c.h, c.k, err, c.want)
		}
	}
}

// randomAttention fills the four projections with seeded values.
func randomAttention(t *testing.T, e, topk int, seed uint64) *SparseAttention {
	a, err := NewSparseAttention(e, 1, topk)
	if err != nil {
		t.Fatal(err)
	}
	g := rng.New(seed)
	for _, l := range []*Linear{&a.Q, &a.K, &a.V, &a.Out} {
		for o := range l.Weight {
			for i := range l.Weight[o] {
				l.Weight[o][i] = float32(g.Uniform(-0.5, 0.5))
			}
			l.Bias[o] = float32(g.Uniform(-0.5, 0.5))
		}
	}
	return a
}

func randomInput(b, l, e int, seed uint64) [][][]float32 {
	g := rng.New(seed)
	x := make([][][]float32, b)
	for i := range x {
		x[i] = newMatrix(l, e)
		for t := range x[i] {
			for k := range x[i][t] {
				x[i][t][k] = float32(g.StandardNormal())
			}
		}
	}
	return x
}

func TestSparseAttentionSeqLenOne(t *testing.T) {
	a := randomAttention(t, 5, 4, 1)
	x := randomInput(3, 1, 5, 2)
	y, err := a.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	for b := range x {
		v := make([]float32, 5)
		want := make([]float32, 5)
		a.V.apply(v, x[b][0])
		a.Out.apply(want, v)
		for i := range want {
			if y[b][0][i] != want[i] {
				t.Fatalf("batch %d: %v, want out_proj(v_proj(x)) = %v", b, y[b][0], want)
			}
		}
	}
}

func TestSparseAttentionShapesAndRows(t *testing.T) {
	a := randomAttention(t, 6, 3, 3)
	x := randomInput(2, 7, 6, 4)
	y, err := a.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(y) != 2 || len(y[0]) != 7 || len(y[0][0]) != 6 {
		t.Fatalf("shape %d×%d×%d", len(y), len(y[0]), len(y[0][0]))
	}
	// Softmax rows over the kept entries sum to 1 and have exactly k non-zeros.
	scores := []float32{0.3, -1, 2, 0.1, 5, 0.2, -0.4}
	keep := make([]bool, len(scores))
	topKKeep(scores, 3, keep, make([]int, len(scores)))
	softmaxKept(scores, keep)
	var sum float64
	nz := 0
	for _, p := range scores {
		sum += float64(p)
		if p != 0 {
			nz++
		}
	}
	if math.Abs(sum-1) > 1e-6 || nz != 3 {
		t.Fatalf("softmax row %v: sum %v, %d non-zeros", scores, sum, nz)
	}
}

func TestTopKKeep(t *testing.T) {
	scores := []float32{0.5, 2, -1, 2, 0.7, float32(math.NaN())}
	keep := make([]bool, len(scores))
	topKKeep(scores, 3, keep, make([]int, len(scores)))
	// NaN ranks first, then the two 2s.
	want := []bool{false, true, false, true, false, true}
	for i := range want {
		if keep[i] != want[i] {
			t.Fatalf("keep %v, want %v", keep, want)
		}
	}
	// Ties at the cut keep the lower index.
	scores = []float32{1, 3, 1, 1}
	topKKeep(scores, 2, keep[:4], make([]int, 4))
	if !keep[0] || !keep[1] || keep[2] || keep[3] {
		t.Fatalf("ties: %v", keep[:4])
	}
	// Hand example: the probabilities are the softmax of the kept scores only.
	scores = []float32{1, 0, 2, -3}
	keep = keep[:4]
	topKKeep(scores, 2, keep, make([]int, 4))
	softmaxKept(scores, keep)
	e := math.Exp(-1)
	if math.Abs(float64(scores[2])-1/(1+e)) > 1e-7 || math.Abs(float64(scores[0])-e/(1+e)) > 1e-7 || scores[1] != 0 || scores[3] != 0 {
		t.Fatalf("hand example %v", scores)
	}
}

func TestSparseAttentionInputErrors(t *testing.T) {
	a := randomAttention(t, 3, 2, 5)
	for _, x := range [][][][]float32{
		nil,
		{{}},
		{{{1, 2, 3}}, {{1, 2, 3}, {1, 2, 3}}},
		{{{1, 2}}},
	} {
		if _, err := a.Forward(x); err == nil {
			t.Errorf("accepted %v", x)
		}
	}
	a.Q.Weight = a.Q.Weight[:2]
	_, err := a.Forward([][][]float32{{{1, 2, 3}}})
	if err == nil || !strings.Contains(err.Error(), "q_proj") {
		t.Errorf("bad q_proj: %v", err)
	}
}
