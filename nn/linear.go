package nn

import (
	"fmt"
	"math"
	"unsafe"

	"mfn/rng"
)

// Float is the element type of the trainable layers. The network trains in float32, like the
// reference; float64 instances of the same code back the gradient checks.
type Float interface{ ~float32 | ~float64 }

// Param is one trainable tensor with its gradient, flattened row-major, as torch's
// module.parameters() yields it.
type Param[F Float] struct {
	Name  string
	Value []F
	Grad  []F
}

// Dense is a trainable torch.nn.Linear: y = x·Wᵀ + b. W is Out×In row-major, B has Out
// entries; GW and GB accumulate the gradients of the loss until ZeroGrad.
type Dense[F Float] struct {
	In, Out int
	W, B    []F
	GW, GB  []F
}

// NewDense returns a zero-initialised in→out layer; in and out must be at least 1.
func NewDense[F Float](in, out int) (*Dense[F], error) {
	if in < 1 {
		return nil, fmt.Errorf("in_features=%d must be >= 1", in)
	}
	if out < 1 {
		return nil, fmt.Errorf("out_features=%d must be >= 1", out)
	}
	return &Dense[F]{
		In: in, Out: out,
		W: make([]F, in*out), B: make([]F, out),
		GW: make([]F, in*out), GB: make([]F, out),
	}, nil
}

// InitTorch draws the parameters with the distribution and order of
// torch.nn.Linear.reset_parameters — the weight U(−1/√in, +1/√in) (kaiming_uniform_(a=√5)),
// then the bias from the same interval, both in row-major order — but from a numpy-style
// generator. ResetParameters draws torch's exact values from a TorchGenerator.
func (d *Dense[F]) InitTorch(g *rng.Generator) {
	bound := 1 / math.Sqrt(float64(d.In))
	for i := range d.W {
		d.W[i] = F(g.Uniform(-bound, bound))
	}
	for i := range d.B {
		d.B[i] = F(g.Uniform(-bound, bound))
	}
}

// ResetParameters is torch 1.13's nn.Linear.reset_parameters drawing from g (spec §13.1;
// torch/nn/modules/linear.py, torch/nn/init.py): W.uniform_(−b_w, b_w) with b_w the
// kaiming_uniform_(a=√5) bound, then bias.uniform_(−1/√in, 1/√in), each tensor filled in C
// order. float32 layers take one random() per value, float64 layers one random64(), as
// torch's float and double kernels do.
func (d *Dense[F]) ResetParameters(g *TorchGenerator) {
	bw, bb := linearBounds(d.In)
	var zero F
	single := unsafe.Sizeof(zero) == 4
	fill := func(dst []F, bound float64) {
		for i := range dst {
			if single {
				dst[i] = F(g.UniformFloat32(-bound, bound))
			} else {
				dst[i] = F(g.UniformFloat64(-bound, bound))
			}
		}
	}
	fill(d.W, bw)
	fill(d.B, bb)
}

// Forward computes y = x·Wᵀ + b for rows input rows: x is rows×In, y is rows×Out. Each
// output sums the products in input order, then adds the bias (the order of the existing
// Linear.apply, so both give the same bits).
func (d *Dense[F]) Forward(y, x []F, rows int) {
	in, out := d.In, d.Out
	for r := range rows {
		xr := x[r*in : r*in+in]
		yr := y[r*out : r*out+out]
		for o := range out {
			w := d.W[o*in : o*in+in]
			var s F
			for i, v := range xr {
				s += F(v * w[i])
			}
			yr[o] = s + d.B[o]
		}
	}
}

// Backward accumulates ∂L/∂W += dyᵀ·x and ∂L/∂b += Σ_rows dy, and, when dx is not nil,
// sets dx = dy·W (rows×In). x is the input the matching Forward saw.
func (d *Dense[F]) Backward(dx, x, dy []F, rows int) {
	in, out := d.In, d.Out
	for r := range rows {
		xr := x[r*in : r*in+in]
		dyr := dy[r*out : r*out+out]
		for o, g := range dyr {
			d.GB[o] += g
			gw := d.GW[o*in : o*in+in]
			for i, v := range xr {
				gw[i] += F(g * v)
			}
		}
	}
	if dx == nil {
		return
	}
	for r := range rows {
		dxr := dx[r*in : r*in+in]
		clear(dxr)
		dyr := dy[r*out : r*out+out]
		for o, g := range dyr {
			w := d.W[o*in : o*in+in]
			for i, wv := range w {
				dxr[i] += F(g * wv)
			}
		}
	}
}

// ZeroGrad clears the accumulated gradients.
func (d *Dense[F]) ZeroGrad() {
	clear(d.GW)
	clear(d.GB)
}

// NumParams is In·Out + Out.
func (d *Dense[F]) NumParams() int { return len(d.W) + len(d.B) }

// params lists the weight then the bias, named as torch names them under prefix.
func (d *Dense[F]) params(prefix string) []Param[F] {
	return []Param[F]{
		{Name: prefix + ".weight", Value: d.W, Grad: d.GW},
		{Name: prefix + ".bias", Value: d.B, Grad: d.GB},
	}
}

// reluForward sets y = max(x, 0) element-wise (torch keeps NaN; so does this).
func reluForward[F Float](y, x []F) {
	for i, v := range x {
		if v < 0 {
			v = 0
		}
		y[i] = v
	}
}

// reluBackward sets dx = dy where the input was positive and 0 elsewhere (torch's
// threshold_backward: the gradient at exactly 0 is 0).
func reluBackward[F Float](dx, x, dy []F) {
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}
