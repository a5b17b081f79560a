package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"mfn/rng"
)

func TestParamCountAndNames(t *testing.T) {
	g := rng.New(0)
	full, err := NewNetwork[float32](DefaultNetConfig(), g)
	if err != nil {
		t.Fatal(err)
	}
	if n := full.NumParams(); n != 5985 {
		t.Errorf("parameters with attention: %d, want 5985", n)
	}
	var names []string
	total := 0
	for _, p := range full.Params() {
		names = append(names, p.Name)
		total += len(p.Value)
	}
	if total != 5985 {
		t.Errorf("Params() holds %d values, want 5985", total)
	}
	want := []string{
		"input_proj.weight", "input_proj.bias",
		"attention.q_proj.weight", "attention.q_proj.bias",
		"attention.k_proj.weight", "attention.k_proj.bias",
		"attention.v_proj.weight", "attention.v_proj.bias",
		"attention.out_proj.weight", "attention.out_proj.bias",
		"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "net.4.weight", "net.4.bias",
	}
	if !slices.Equal(names, want) {
		t.Errorf("parameter names %v, want %v", names, want)
	}
	if full.STDP == nil || *full.STDP != DefaultSTDP() {
		t.Errorf("STDP module %v, want the defaults", full.STDP)
	}
	cfg := DefaultNetConfig()
	cfg.UseSparseAttention, cfg.UseSTDP = false, false
	bare, err := NewNetwork[float32](cfg, g)
	if err != nil {
		t.Fatal(err)
	}
	if n := bare.NumParams(); n != 1761 {
		t.Errorf("parameters without attention: %d, want 1761", n)
	}
	if bare.Attention != nil || bare.STDP != nil {
		t.Error("attention or STDP created although switched off")
	}
	if len(bare.Params()) != 8 {
		t.Errorf("%d parameter tensors without attention, want 8", len(bare.Params()))
	}
}

// TestInitOrderAndBounds replays the generator: the values are drawn weight then bias, layer
// by layer in creation order, each U(−1/√fan_in, 1/√fan_in) rounded to float32.
func TestInitOrderAndBounds(t *testing.T) {
	net, err := NewNetwork[float32](DefaultNetConfig(), rng.New(7))
	if err != nil {
		t.Fatal(err)
	}
	replay := rng.New(7)
	for _, p := range net.Params() {
		var fanIn int
		switch {
		case strings.HasPrefix(p.Name, "input_proj"):
			fanIn = DefaultInputDim
		case strings.HasPrefix(p.Name, "net.4"):
			fanIn = DefaultHiddenDim / 2
		default:
			fanIn = DefaultHiddenDim
		}
		bound := 1 / math.Sqrt(float64(fanIn))
		for i, v := range p.Value {
			want := float32(replay.Uniform(-bound, bound))
			if v != want {
				t.Fatalf("%s[%d] = %v, want %v from the replayed generator", p.Name, i, v, want)
			}
			if math.Abs(float64(v)) > bound {
				t.Fatalf("%s[%d] = %v outside ±%v", p.Name, i, v, bound)
			}
		}
	}
}

func TestNetConfigValidate(t *testing.T) {
	for _, c := range []struct {
		mod  func(*NetConfig)
		want string
	}{
		{func(c *NetConfig) { c.InputDim = 0 }, "input_dim=0 must be >= 1"},
		{func(c *NetConfig) { c.HiddenDim = 1 }, "hidden_dim=1 must be >= 2"},
		{func(c *NetConfig) { c.TopK = 0 }, "topk=0 must be >= 1"},
	} {
		cfg := DefaultNetConfig()
		c.mod(&cfg)
		if _, err := NewNetwork[float32](cfg, rng.New(0)); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %q", cfg, err, c.want)
		}
	}
	cfg := DefaultNetConfig()
	cfg.TopK, cfg.UseSparseAttention = 0, false // top-k is irrelevant without attention
	if _, err := NewNetwork[float32](cfg, rng.New(0)); err != nil {
		t.Errorf("top-k 0 without attention: %v", err)
	}
	if _, err := NewNetwork[float32](DefaultNetConfig(), nil); err == nil {
		t.Error("nil generator accepted")
	}
	if _, err := NewAttention[float32](0, 4); err == nil || err.Error() != "embed_dim=0 must be >= 1" {
		t.Errorf("attention embed 0: %v", err)
	}
	if _, err := NewDense[float32](0, 3); err == nil {
		t.Error("dense with 0 inputs accepted")
	}
}

// TestAttentionMatchesSparseAttention: the trainable layer's forward pass is the existing
// SparseAttention's, bit for bit, including a sparse case (top-k 3 of 7).
func TestAttentionMatchesSparseAttention(t *testing.T) {
	for _, c := range []struct{ batch, seq, embed, topk int }{{2, 7, 6, 3}, {3, 1, 32, 4}, {1, 4, 5, 9}} {
		ref := randomAttention(t, c.embed, c.topk, uint64(c.seq))
		a, err := NewAttention[float32](c.embed, c.topk)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range []*Linear{&ref.Q, &ref.K, &ref.V, &ref.Out} {
			d := a.layers()[i]
			for o := range l.Weight {
				copy(d.W[o*c.embed:(o+1)*c.embed], l.Weight[o])
			}
			copy(d.B, l.Bias)
		}
		x3 := randomInput(c.batch, c.seq, c.embed, 9)
		want, err := ref.Forward(x3)
		if err != nil {
			t.Fatal(err)
		}
		var x []float32
		for _, b := range x3 {
			for _, row := range b {
				x = append(x, row...)
			}
		}
		y := make([]float32, len(x))
		a.Forward(y, x, c.batch, c.seq)
		i := 0
		for b := range want {
			for s := range want[b] {
				for e, v := range want[b][s] {
					if y[i] != v {
						t.Fatalf("%+v: y[%d][%d][%d] = %v, SparseAttention gives %v", c, b, s, e, y[i], v)
					}
					i++
				}
			}
		}
	}
}

func TestTopKKeepMatchesTopKMask(t *testing.T) {
	g := rng.New(3)
	nan := float32(math.NaN())
	for trial := range 300 {
		n := 1 + int(g.Integers(0, 9))
		k := 1 + int(g.Integers(0, int64(n)))
		sc := make([]float32, n)
		for i := range sc {
			sc[i] = float32(g.Integers(-3, 4)) // many ties
			if g.Random() < 0.05 {
				sc[i] = nan
			}
		}
		want := make([]bool, n)
		topKBySort(sc, k, want)
		got := make([]bool, n)
		topKKeep(sc, k, got, make([]int, n))
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: scores %v k %d: keep %v, by sorting %v", trial, sc, k, got, want)
		}
	}
}

func TestForwardShapeErrors(t *testing.T) {
	net, err := NewNetwork[float32](DefaultNetConfig(), rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n, batch, seq int
	}{{0, 0, 1}, {4, 1, 0}, {7, 2, 1}, {8, 1, 1}} {
		if _, err := net.Forward(make([]float32, c.n), c.batch, c.seq); err == nil {
			t.Errorf("Forward(%d values, batch %d, seq %d) accepted", c.n, c.batch, c.seq)
		}
	}
	fresh, _ := NewNetwork[float32](DefaultNetConfig(), rng.New(1))
	if err := fresh.Backward([]float32{1}); err == nil {
		t.Error("Backward before Forward accepted")
	}
	if _, err := net.Forward(make([]float32, 8), 2, 1); err != nil {
		t.Fatal(err)
	}
	if err := net.Backward([]float32{1}); err == nil {
		t.Error("Backward with the wrong batch accepted")
	}
	opt, _ := NewAdam(net.Params(), DefaultAdam())
	if _, err := net.TrainStep(make([]float32, 6), []float32{1}, opt); err == nil {
		t.Error("TrainStep with 6 inputs accepted")
	}
	if _, err := net.TrainStep(make([]float32, 8), []float32{1}, opt); err == nil {
		t.Error("TrainStep with 2 samples and 1 target accepted")
	}
	if _, _, err := MSE([]float32{1}, []float32{1, 2}); err == nil {
		t.Error("MSE of mismatched lengths accepted")
	}
	if _, _, err := MSE[float32](nil, nil); err == nil {
		t.Error("MSE of nothing accepted")
	}
}

// TestForwardSequenceMean: a sequence of L identical positions without attention predicts
// what one position does (the mean over the sequence of equal rows is that row).
func TestForwardSequenceMean(t *testing.T) {
	cfg := DefaultNetConfig()
	cfg.UseSparseAttention = false
	net, _ := NewNetwork[float64](cfg, rng.New(5))
	row := []float64{0.1, -7, 0.03, -6.7}
	one, err := net.Forward(row, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	seq := slices.Concat(row, row, row)
	three, err := net.Forward(seq, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(one[0]-three[0]) > 1e-12 {
		t.Errorf("sequence of equal rows: %v, single row %v", three[0], one[0])
	}
}

// TestTrainStepLossBeforeUpdate: train_step returns the loss of the parameters it started
// from, and then updates them.
func TestTrainStepLossBeforeUpdate(t *testing.T) {
	net, _ := NewNetwork[float32](DefaultNetConfig(), rng.New(2))
	opt, err := NewAdam(net.Params(), DefaultAdam())
	if err != nil {
		t.Fatal(err)
	}
	x := []float32{0, -7.0, 0.033, -6.73, 0, -6.99, 0.035, -6.56}
	y := []float32{-1.404, -1.401}
	pred, _ := net.Forward(x, 2, 1)
	before, _, _ := MSE(pred, y)
	w0 := slices.Clone(net.Head[2].B)
	loss, err := net.TrainStep(x, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	if loss != before {
		t.Errorf("TrainStep returned %v, loss before the update is %v", loss, before)
	}
	if slices.Equal(w0, net.Head[2].B) {
		t.Error("output bias unchanged after a step")
	}
	pred, _ = net.Forward(x, 2, 1)
	after, _, _ := MSE(pred, y)
	if !(after < before) {
		t.Errorf("loss after one step %v, before %v: want a decrease", after, before)
	}
	if opt.Steps() != 1 {
		t.Errorf("optimizer steps %d, want 1", opt.Steps())
	}
}

// TestAdamHandComputed follows torch's update on one scalar for three steps, in float64.
func TestAdamHandComputed(t *testing.T) {
	val, grad := []float64{0.5}, []float64{0}
	cfg := DefaultAdam()
	opt, err := NewAdam([]Param[float64]{{Name: "p", Value: val, Grad: grad}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, m, v := 0.5, 0.0, 0.0
	for step, g := range []float64{0.3, -0.1, 2.0} {
		grad[0] = g
		opt.Step()
		m = cfg.Beta1*m + (1-cfg.Beta1)*g
		v = cfg.Beta2*v + (1-cfg.Beta2)*g*g
		tt := float64(step + 1)
		denom := math.Sqrt(v)/math.Sqrt(1-math.Pow(cfg.Beta2, tt)) + cfg.Eps
		p -= cfg.LR / (1 - math.Pow(cfg.Beta1, tt)) * (m / denom)
		if math.Abs(val[0]-p) > 1e-15 {
			t.Fatalf("step %d: %v, want %v", step+1, val[0], p)
		}
	}
	// The first step moves every parameter by lr·sign(g) (up to ε).
	val[0], grad[0] = 0, -4
	first, _ := NewAdam([]Param[float64]{{Name: "p", Value: val, Grad: grad}}, cfg)
	first.Step()
	if math.Abs(val[0]-1e-3) > 1e-11 { // ε/|g| = 2.5e-9 relative
		t.Errorf("first step moved %v, want 1e-3", val[0])
	}
	// A zero gradient leaves the parameter where it is.
	val[0], grad[0] = 0.25, 0
	zero, _ := NewAdam([]Param[float64]{{Name: "p", Value: val, Grad: grad}}, cfg)
	zero.Step()
	if val[0] != 0.25 {
		t.Errorf("zero gradient moved the parameter to %v", val[0])
	}
}

func TestAdamValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  AdamConfig
		want string
	}{
		{AdamConfig{LR: -1, Beta1: 0.9, Beta2: 0.999}, "Invalid learning rate"},
		{AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: -1}, "Invalid epsilon value"},
		{AdamConfig{LR: 1e-3, Beta1: 1, Beta2: 0.999}, "Invalid beta parameter at index 0"},
		{AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: math.NaN()}, "Invalid beta parameter at index 1"},
	} {
		if _, err := NewAdam[float32](nil, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	if _, err := NewAdam([]Param[float32]{{Name: "w", Value: make([]float32, 2), Grad: make([]float32, 1)}}, DefaultAdam()); err == nil {
		t.Error("gradient of the wrong length accepted")
	}
}

func TestFitBatching(t *testing.T) {
	x := make([]float32, 16*4)
	y := make([]float32, 16)
	for i := range y {
		x[i*4+1] = -7 + float32(i)*0.01
		y[i] = -1.4
	}
	for _, c := range []struct{ epochs, batch, steps int }{
		{0, 4, 0}, {1, 4, 4}, {3, 5, 12}, {2, 16, 2}, {2, 100, 2}, {1, 1, 16},
	} {
		net, _ := NewNetwork[float32](DefaultNetConfig(), rng.New(3))
		opt, _ := NewAdam(net.Params(), DefaultAdam())
		losses, err := net.Fit(x, y, opt, FitOptions{Epochs: c.epochs, BatchSize: c.batch, Shuffle: rng.New(4)})
		if err != nil {
			t.Fatal(err)
		}
		if len(losses) != c.steps || opt.Steps() != c.steps {
			t.Errorf("%d epochs of batch %d: %d losses, %d steps, want %d", c.epochs, c.batch, len(losses), opt.Steps(), c.steps)
		}
	}
	net, _ := NewNetwork[float32](DefaultNetConfig(), rng.New(3))
	opt, _ := NewAdam(net.Params(), DefaultAdam())
	for _, o := range []FitOptions{{Epochs: -1, BatchSize: 4}, {Epochs: 1, BatchSize: 0}} {
		if _, err := net.Fit(x, y, opt, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := net.Fit(x[:5], y, opt, FitOptions{Epochs: 1, BatchSize: 4}); err == nil {
		t.Error("ragged dataset accepted")
	}
	if _, err := net.Fit(nil, nil, opt, FitOptions{Epochs: 1, BatchSize: 4}); err == nil {
		t.Error("empty dataset accepted")
	}
}

func TestPermutation(t *testing.T) {
	p := Permutation(rng.New(1), 16)
	q := Permutation(rng.New(1), 16)
	if !slices.Equal(p, q) {
		t.Fatalf("same seed, different orders %v %v", p, q)
	}
	s := slices.Clone(p)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			t.Fatalf("%v is not a permutation of 0..15", p)
		}
	}
	// Every position sees every value over many draws (uniformity, coarsely).
	g := rng.New(2)
	var seen [4][4]int
	for range 4000 {
		for i, v := range Permutation(g, 4) {
			seen[i][v]++
		}
	}
	for i := range seen {
		for v, c := range seen[i] {
			if c < 800 || c > 1200 {
				t.Errorf("position %d held %d %d times of 4000", i, v, c)
			}
		}
	}
	if len(Permutation(g, 0)) != 0 || len(Permutation(g, 1)) != 1 {
		t.Error("degenerate sizes")
	}
}

// topKBySort is the test's oracle for topKKeep: sort every index by rank (NaN first, as in
// torch.topk; equal scores by index) and keep the first k.
func topKBySort(scores []float32, k int, keep []bool) {
	order := make([]int, len(scores))
	for s := range order {
		order[s] = s
		keep[s] = false
	}
	rank := func(i int) (nan bool, v float32) { return scores[i] != scores[i], scores[i] }
	slices.SortStableFunc(order, func(i, j int) int {
		ni, vi := rank(i)
		nj, vj := rank(j)
		switch {
		case ni && nj:
			return 0
		case ni:
			return -1
		case nj:
			return 1
		case vi > vj:
			return -1
		case vi < vj:
			return 1
		}
		return 0
	})
	for _, s := range order[:k] {
		keep[s] = true
	}
}
