package nn

import (
	"fmt"
	"math"
	"testing"

	"mfn/rng"
)

// The gradient checks run the layers in float64 (the same generic code the float32 network
// uses) against central finite differences: with h = 1e-6 the difference quotient is exact to
// about 1e-9 relative (truncation h² ≈ 1e-12, rounding 1e-16/h ≈ 1e-10), so a tolerance of
// 1e-6 separates a correct backward pass from any real mistake, which float32 differences
// (rounding ≈ 1e-7/h) could not do without tolerances of several per cent. Each check uses a
// scalar loss L = Σ c_i·y_i with random c, so every output's gradient path is exercised.
const (
	fdStep = 1e-6
	fdRel  = 1e-6
	fdAbs  = 1e-8
)

func randSlice(g *rng.Generator, n int, scale float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = scale * g.StandardNormal()
	}
	return s
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// checkGrad compares analytic against the central difference of loss with respect to each
// element of x (x is perturbed in place and restored).
func checkGrad(t *testing.T, what string, x, analytic []float64, loss func() float64) {
	t.Helper()
	if len(x) != len(analytic) {
		t.Fatalf("%s: %d values but %d gradients", what, len(x), len(analytic))
	}
	worst := 0.0
	for i := range x {
		orig := x[i]
		x[i] = orig + fdStep
		up := loss()
		x[i] = orig - fdStep
		down := loss()
		x[i] = orig
		num := (up - down) / (2 * fdStep)
		d := math.Abs(num - analytic[i])
		if d > fdAbs+fdRel*math.Max(math.Abs(num), math.Abs(analytic[i])) {
			t.Errorf("%s[%d]: analytic %.12g, finite difference %.12g (|Δ| %.3g)", what, i, analytic[i], num, d)
			return
		}
		worst = math.Max(worst, d)
	}
	t.Logf("%s: %d gradients agree (max |Δ| %.2g)", what, len(x), worst)
}

func randomDense(t *testing.T, g *rng.Generator, in, out int) *Dense[float64] {
	d, err := NewDense[float64](in, out)
	if err != nil {
		t.Fatal(err)
	}
	d.InitTorch(g)
	return d
}

func TestGradDense(t *testing.T) {
	g := rng.New(1)
	const in, out, rows = 5, 3, 4
	d := randomDense(t, g, in, out)
	x := randSlice(g, rows*in, 1)
	c := randSlice(g, rows*out, 1)
	y := make([]float64, rows*out)
	loss := func() float64 { d.Forward(y, x, rows); return dot(c, y) }
	loss()
	dx := make([]float64, rows*in)
	d.Backward(dx, x, c, rows)
	checkGrad(t, "dense.dx", x, dx, loss)
	checkGrad(t, "dense.weight", d.W, d.GW, loss)
	checkGrad(t, "dense.bias", d.B, d.GB, loss)
	// Backward accumulates: a second call doubles the parameter gradients.
	gw := append([]float64(nil), d.GW...)
	d.Backward(nil, x, c, rows)
	for i := range gw {
		if math.Abs(d.GW[i]-2*gw[i]) > 1e-12*math.Abs(gw[i]) {
			t.Fatalf("second Backward: GW[%d] = %v, want %v", i, d.GW[i], 2*gw[i])
		}
	}
	d.ZeroGrad()
	for _, v := range append(d.GW, d.GB...) {
		if v != 0 {
			t.Fatal("ZeroGrad left a non-zero gradient")
		}
	}
}

func TestGradReLU(t *testing.T) {
	g := rng.New(2)
	x := randSlice(g, 40, 1)
	for i, v := range x { // keep clear of the kink, where the derivative is undefined
		if math.Abs(v) < 1e-3 {
			x[i] = 0.5
		}
	}
	c := randSlice(g, len(x), 1)
	y := make([]float64, len(x))
	loss := func() float64 { reluForward(y, x); return dot(c, y) }
	dx := make([]float64, len(x))
	reluBackward(dx, x, c)
	checkGrad(t, "relu.dx", x, dx, loss)
	// At exactly 0 the gradient is 0, as torch's.
	reluBackward(dx[:1], []float64{0}, []float64{1})
	if dx[0] != 0 {
		t.Errorf("relu'(0) = %v, want 0", dx[0])
	}
}

func TestGradMeanSeq(t *testing.T) {
	g := rng.New(3)
	const batch, seq, width = 3, 4, 5
	h := randSlice(g, batch*seq*width, 1)
	c := randSlice(g, batch*width, 1)
	m := make([]float64, batch*width)
	loss := func() float64 { meanSeqForward(m, h, batch, seq, width); return dot(c, m) }
	dh := make([]float64, len(h))
	meanSeqBackward(dh, c, batch, seq, width)
	checkGrad(t, "mean.dh", h, dh, loss)
}

func TestGradMSE(t *testing.T) {
	g := rng.New(4)
	pred := randSlice(g, 6, 1)
	target := randSlice(g, 6, 1)
	_, grad, err := MSE(pred, target)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 { l, _, _ := MSE(pred, target); return l }
	checkGrad(t, "mse.dpred", pred, grad, loss)
}

// scoreGap is the smallest gap, over every query row, between the k-th and (k+1)-th highest
// score: finite differences are valid only if no perturbation can change the selection.
func scoreGap(a *Attention[float64]) float64 {
	gap := math.Inf(1)
	e, seq := a.Embed, a.seq
	k := min(a.TopK, seq)
	if k == seq {
		return gap
	}
	for b := range a.batch {
		for t := range seq {
			var sc []float64
			for s := range seq {
				sc = append(sc, dot(a.q[(b*seq+t)*e:(b*seq+t+1)*e], a.k[(b*seq+s)*e:(b*seq+s+1)*e]))
			}
			for i := range sc { // selection sort, descending, k+1 positions
				for j := i + 1; j < len(sc); j++ {
					if sc[j] > sc[i] {
						sc[i], sc[j] = sc[j], sc[i]
					}
				}
			}
			gap = math.Min(gap, (sc[k-1]-sc[k])/math.Sqrt(float64(e)))
		}
	}
	return gap
}

func TestGradAttention(t *testing.T) {
	for _, c := range []struct{ batch, seq, embed, topk int }{
		{2, 5, 6, 3}, // topk < L: the sparse case
		{2, 7, 4, 4}, // the reference's top-k
		{3, 3, 5, 4}, // topk >= L: dense softmax
		{4, 1, 6, 4}, // L = 1, as in the network: P ≡ 1, q/k get no gradient
	} {
		t.Run(fmt.Sprintf("B%d_L%d_E%d_k%d", c.batch, c.seq, c.embed, c.topk), func(t *testing.T) {
			g := rng.New(uint64(5 + c.seq))
			a, err := NewAttention[float64](c.embed, c.topk)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range a.layers() {
				d.InitTorch(g)
			}
			n := c.batch * c.seq * c.embed
			x := randSlice(g, n, 1.5)
			w := randSlice(g, n, 1)
			y := make([]float64, n)
			loss := func() float64 { a.Forward(y, x, c.batch, c.seq); return dot(w, y) }
			loss()
			if gap := scoreGap(a); gap < 1e-3 {
				t.Fatalf("scores too close to the top-k cut (gap %g): pick another seed", gap)
			}
			dx := make([]float64, n)
			a.Backward(dx, w)
			checkGrad(t, "attention.dx", x, dx, loss)
			for i, name := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
				d := a.layers()[i]
				checkGrad(t, name+".weight", d.W, d.GW, loss)
				checkGrad(t, name+".bias", d.B, d.GB, loss)
			}
			if c.seq == 1 {
				for _, v := range append(append([]float64(nil), a.Q.GW...), a.K.GB...) {
					if v != 0 {
						t.Fatalf("L = 1: q/k gradient %v, want exactly 0", v)
					}
				}
			}
		})
	}
}

// TestGradNetwork checks the whole network end to end through the mean squared error: with
// attention over L = 5 positions (top-k 4 < L, so the mean over the sequence and the sparse
// selection both matter), with the reference's L = 1, and without attention.
func TestGradNetwork(t *testing.T) {
	for _, c := range []struct {
		attn       bool
		batch, seq int
	}{{true, 3, 5}, {true, 4, 1}, {false, 4, 1}, {false, 2, 3}} {
		t.Run(fmt.Sprintf("attention=%v_B%d_L%d", c.attn, c.batch, c.seq), func(t *testing.T) {
			g := rng.New(11)
			cfg := DefaultNetConfig()
			cfg.HiddenDim = 8
			cfg.UseSparseAttention = c.attn
			net, err := NewNetwork[float64](cfg, g)
			if err != nil {
				t.Fatal(err)
			}
			x := randSlice(g, c.batch*c.seq*cfg.InputDim, 2)
			y := randSlice(g, c.batch, 1)
			loss := func() float64 {
				pred, err := net.Forward(x, c.batch, c.seq)
				if err != nil {
					t.Fatal(err)
				}
				l, _, err := MSE(pred, y)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			net.ZeroGrad()
			pred, _ := net.Forward(x, c.batch, c.seq)
			_, grad, _ := MSE(pred, y)
			if err := net.Backward(grad); err != nil {
				t.Fatal(err)
			}
			if c.attn && c.seq > 1 {
				if gap := scoreGap(net.Attention); gap < 1e-3 {
					t.Fatalf("scores too close to the top-k cut (gap %g)", gap)
				}
			}
			// Keep the ReLUs away from their kinks.
			for _, z := range [][]float64{net.z1, net.z2} {
				for _, v := range z {
					if math.Abs(v) < 1e-4 {
						t.Fatalf("pre-activation %g too close to the ReLU kink", v)
					}
				}
			}
			for _, p := range net.Params() {
				checkGrad(t, p.Name, p.Value, append([]float64(nil), p.Grad...), loss)
			}
		})
	}
}

// TestFloat32GradientsMatchFloat64 runs the production float32 network and its float64 twin
// on the same parameters and data: every float32 gradient must equal the float64 one to float32
// accuracy, which ties the float64 finite-difference checks to the type that trains.
func TestFloat32GradientsMatchFloat64(t *testing.T) {
	n32, err := NewNetwork[float32](DefaultNetConfig(), rng.New(21))
	if err != nil {
		t.Fatal(err)
	}
	n64, err := NewNetwork[float64](DefaultNetConfig(), rng.New(21))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := BuildDataset(ValidationConfig{Seed: 42, Epochs: 1, BatchSize: 4, GridSize: 16, Steps: 8})
	if err != nil {
		t.Fatal(err)
	}
	x32, y32 := ds.X[:16], ds.Y[:4]
	x64, y64 := make([]float64, 16), make([]float64, 4)
	for i, v := range x32 {
		x64[i] = float64(v)
	}
	for i, v := range y32 {
		y64[i] = float64(v)
	}
	p32, p64 := n32.Params(), n64.Params()
	for i := range p32 {
		for j, v := range p32[i].Value {
			p64[i].Value[j] = float64(v) // the same float32 starting point
		}
	}
	pred32, _ := n32.Forward(x32, 4, 1)
	pred64, _ := n64.Forward(x64, 4, 1)
	l32, g32, _ := MSE(pred32, y32)
	l64, g64, _ := MSE(pred64, y64)
	if math.Abs(float64(l32)-l64) > 1e-5*l64 {
		t.Fatalf("loss float32 %v vs float64 %v", l32, l64)
	}
	if err := n32.Backward(g32); err != nil {
		t.Fatal(err)
	}
	if err := n64.Backward(g64); err != nil {
		t.Fatal(err)
	}
	for i := range p32 {
		scale := 0.0
		for _, v := range p64[i].Grad {
			scale = math.Max(scale, math.Abs(v))
		}
		for j, v := range p32[i].Grad {
			if d := math.Abs(float64(v) - p64[i].Grad[j]); d > 1e-4*scale+1e-7 {
				t.Fatalf("%s[%d]: float32 %v, float64 %v", p32[i].Name, j, v, p64[i].Grad[j])
			}
		}
	}
}
