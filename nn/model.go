package nn

import (
	"errors"
	"fmt"
	"math"

	"mfn/rng"
)

// Defaults of MyceliumFractalNet (spec §13.1).
const (
	DefaultInputDim  = 4
	DefaultHiddenDim = 32
)

// Attention is the trainable form of SparseAttention (spec §11): the same forward pass over
// flat B×L×E inputs, plus a hand-written backward pass. It keeps what Forward computed for
// the next Backward.
type Attention[F Float] struct {
	Embed, TopK int
	// Projections in the reference's creation order; all Embed→Embed.
	Q, K, V, Out *Dense[F]

	batch, seq int
	x, q, k, v []F // inputs and projections, B·L×E
	p          []F // probabilities, B×L×L (0 outside the top-k)
	ctx        []F // P·V, B·L×E
	scores     []F
	keep       []bool
}

// NewAttention validates the sizes with SparseAttention's checks and messages (embed_dim,
// then topk) and returns a layer with zero projections.
func NewAttention[F Float](embed, topk int) (*Attention[F], error) {
	if _, err := NewSparseAttention(embed, 1, topk); err != nil {
		return nil, err
	}
	a := &Attention[F]{Embed: embed, TopK: topk}
	for _, p := range []**Dense[F]{&a.Q, &a.K, &a.V, &a.Out} {
		d, err := NewDense[F](embed, embed)
		if err != nil {
			return nil, err
		}
		*p = d
	}
	return a, nil
}

func (a *Attention[F]) layers() []*Dense[F] { return []*Dense[F]{a.Q, a.K, a.V, a.Out} }

// grow returns s resized to n elements, reusing its storage when it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Forward maps x (batch×seq×Embed, flat) to y (same shape): Q, K, V projections; scores
// Q·Kᵀ/√E; per query the min(TopK, seq) largest scores kept (ties: lower key index first),
// the rest −∞; softmax; NaN → 0; out_proj(P·V). The arithmetic follows
// SparseAttention.Forward step by step, so in float32 both give the same bits.
func (a *Attention[F]) Forward(y, x []F, batch, seq int) {
	e := a.Embed
	n := batch * seq * e
	a.batch, a.seq = batch, seq
	a.x = grow(a.x, n)
	copy(a.x, x[:n])
	a.q, a.k, a.v, a.ctx = grow(a.q, n), grow(a.k, n), grow(a.v, n), grow(a.ctx, n)
	a.p = grow(a.p, batch*seq*seq)
	a.scores = grow(a.scores, seq)
	a.keep = grow(a.keep, seq)
	rows := batch * seq
	a.Q.Forward(a.q, a.x, rows)
	a.K.Forward(a.k, a.x, rows)
	a.V.Forward(a.v, a.x, rows)
	k := min(a.TopK, seq)
	scale := F(math.Sqrt(float64(e)))
	order := make([]int, seq)
	for b := range batch {
		base := b * seq
		for t := range seq {
			qt := a.q[(base+t)*e : (base+t+1)*e]
			sc := a.scores
			for s := range seq {
				ks := a.k[(base+s)*e : (base+s+1)*e]
				var dot F
				for i, qv := range qt {
					dot += F(qv * ks[i])
				}
				sc[s] = dot / scale
			}
			topKKeep(sc, k, a.keep, order)
			softmaxKept(sc, a.keep)
			copy(a.p[(base+t)*seq:(base+t+1)*seq], sc)
			ct := a.ctx[(base+t)*e : (base+t+1)*e]
			clear(ct)
			for s, p := range sc {
				vs := a.v[(base+s)*e : (base+s+1)*e]
				for i := range ct {
					ct[i] += F(p * vs[i])
				}
			}
		}
	}
	a.Out.Forward(y, a.ctx, rows)
}

// Backward takes dy = ∂L/∂y for the last Forward, accumulates the four projections'
// gradients and sets dx = ∂L/∂x. The top-k selection is piecewise constant, so it passes
// gradient only through the kept scores (as torch's masked_fill does).
func (a *Attention[F]) Backward(dx, dy []F) {
	e, batch, seq := a.Embed, a.batch, a.seq
	rows := batch * seq
	n := rows * e
	dctx := make([]F, n)
	a.Out.Backward(dctx, a.ctx, dy, rows)
	dq, dk, dv := make([]F, n), make([]F, n), make([]F, n)
	dp := make([]F, seq)
	scale := F(math.Sqrt(float64(e)))
	for b := range batch {
		base := b * seq
		for t := range seq {
			pt := a.p[(base+t)*seq : (base+t+1)*seq]
			dct := dctx[(base+t)*e : (base+t+1)*e]
			// dP = dctx·Vᵀ and dV += Pᵀ·dctx.
			var dot F
			for s, p := range pt {
				vs := a.v[(base+s)*e : (base+s+1)*e]
				dvs := dv[(base+s)*e : (base+s+1)*e]
				var g F
				for i, c := range dct {
					g += F(c * vs[i])
					dvs[i] += F(p * c)
				}
				dp[s] = g
				dot += F(p * g)
			}
			// Softmax: dS = P ⊙ (dP − ⟨P, dP⟩); then S = Q·Kᵀ/√E.
			qt := a.q[(base+t)*e : (base+t+1)*e]
			dqt := dq[(base+t)*e : (base+t+1)*e]
			for s, p := range pt {
				if p == 0 {
					continue
				}
				ds := F(p*(dp[s]-dot)) / scale
				ks := a.k[(base+s)*e : (base+s+1)*e]
				dks := dk[(base+s)*e : (base+s+1)*e]
				for i := range dqt {
					dqt[i] += F(ds * ks[i])
					dks[i] += F(ds * qt[i])
				}
			}
		}
	}
	tmp := make([]F, n)
	a.Q.Backward(dx, a.x, dq, rows)
	a.K.Backward(tmp, a.x, dk, rows)
	for i, v := range tmp {
		dx[i] += v
	}
	a.V.Backward(tmp, a.x, dv, rows)
	for i, v := range tmp {
		dx[i] += v
	}
}

// topKKeep sets keep[s] for the k highest scores (k <= len(scores)): NaN ranks above
// everything (as in torch.topk) and equal scores keep the lower index. order is scratch.
func topKKeep[F Float](scores []F, k int, keep []bool, order []int) {
	above := func(i, j int) bool { // does i rank above j?
		x, y := scores[i], scores[j]
		switch {
		case x != x:
			return y == y || i < j
		case y != y:
			return false
		case x != y:
			return x > y
		}
		return i < j
	}
	// Selection of the k best by insertion: k and the sequence length are small.
	order = order[:0]
	for s := range scores {
		keep[s] = false
		pos := len(order)
		for pos > 0 && above(s, order[pos-1]) {
			pos--
		}
		if pos >= k {
			continue
		}
		if len(order) < k {
			order = append(order, 0)
		}
		copy(order[pos+1:], order[pos:len(order)-1])
		order[pos] = s
	}
	for _, s := range order {
		keep[s] = true
	}
}

// softmaxKept replaces scores by the softmax over the kept entries (the others are −∞ and get
// probability 0), torch's way: subtract the max, exponentiate, multiply by 1/sum. A NaN result
// becomes 0, as the reference's nan_to_num.
func softmaxKept[F Float](scores []F, keep []bool) {
	m := F(math.Inf(-1))
	for s, v := range scores {
		if keep[s] && (v > m || v != v) {
			m = v
			if v != v {
				break
			}
		}
	}
	var sum F
	for s, v := range scores {
		if keep[s] {
			scores[s] = F(math.Exp(float64(v - m)))
		} else {
			scores[s] = F(math.Exp(math.Inf(-1) - float64(m)))
		}
		sum += scores[s]
	}
	inv := 1 / sum
	for s := range scores {
		p := scores[s] * inv
		if p != p {
			p = 0
		}
		scores[s] = p
	}
}

// meanSeqForward sets m[b] = (Σ_t h[b][t]) / seq for h batch×seq×width (torch's mean:
// sum in order, then divide).
func meanSeqForward[F Float](m, h []F, batch, seq, width int) {
	l := F(seq)
	for b := range batch {
		mb := m[b*width : (b+1)*width]
		copy(mb, h[b*seq*width:(b*seq+1)*width])
		for t := 1; t < seq; t++ {
			ht := h[(b*seq+t)*width : (b*seq+t+1)*width]
			for i, v := range ht {
				mb[i] += v
			}
		}
		for i := range mb {
			mb[i] /= l
		}
	}
}

// meanSeqBackward sets dh[b][t] = dm[b] / seq.
func meanSeqBackward[F Float](dh, dm []F, batch, seq, width int) {
	l := F(seq)
	for b := range batch {
		dmb := dm[b*width : (b+1)*width]
		for t := range seq {
			dht := dh[(b*seq+t)*width : (b*seq+t+1)*width]
			for i, v := range dmb {
				dht[i] = v / l
			}
		}
	}
}

// NetConfig is the constructor of MyceliumFractalNet.
type NetConfig struct {
	InputDim, HiddenDim int
	// TopK is the attention's top-k (the reference's SPARSE_TOPK = 4).
	TopK               int
	UseSparseAttention bool
	// UseSTDP creates the (parameter-free) STDP module, which the reference never calls.
	UseSTDP bool
}

// DefaultNetConfig is MyceliumFractalNet(): input 4, hidden 32, top-k 4, attention and STDP
// on.
func DefaultNetConfig() NetConfig {
	return NetConfig{InputDim: DefaultInputDim, HiddenDim: DefaultHiddenDim, TopK: DefaultTopK,
		UseSparseAttention: true, UseSTDP: true}
}

// Validate checks the sizes: input_dim >= 1, hidden_dim >= 2 (the head's middle layer has
// hidden_dim/2 units), and, with attention, topk >= 1.
func (c NetConfig) Validate() error {
	if c.InputDim < 1 {
		return fmt.Errorf("input_dim=%d must be >= 1", c.InputDim)
	}
	if c.HiddenDim < 2 {
		return fmt.Errorf("hidden_dim=%d must be >= 2", c.HiddenDim)
	}
	if c.UseSparseAttention {
		if _, err := NewSparseAttention(c.HiddenDim, 1, c.TopK); err != nil {
			return err
		}
	}
	return nil
}

// Network is MyceliumFractalNet (spec §13.1): input projection (no activation), optional
// sparse attention, mean over the sequence, then Linear(H→H), ReLU, Linear(H→H/2), ReLU,
// Linear(H/2→1).
type Network[F Float] struct {
	Config    NetConfig
	InputProj *Dense[F]
	Attention *Attention[F] // nil without attention
	// STDP is the reference's plasticity module: created when UseSTDP, never applied.
	STDP *STDP
	// Head is net.0, net.2 and net.4 of the reference's Sequential.
	Head [3]*Dense[F]

	batch, seq int
	x          []F // input, B·L×in
	h0, h1     []F // input projection and attention output, B·L×H
	m          []F // mean over the sequence, B×H
	z1, r1     []F // first head layer before and after ReLU, B×H
	z2, r2     []F // second head layer, B×H/2
}

// NewNetwork builds the network and initialises every Linear layer with InitTorch from g,
// in the reference's creation order: input_proj, attention q/k/v/out, net.0, net.2, net.4.
func NewNetwork[F Float](cfg NetConfig, g *rng.Generator) (*Network[F], error) {
	if g == nil {
		return nil, errors.New("network initialisation needs a random generator, got nil")
	}
	n, err := newNetwork[F](cfg)
	if err != nil {
		return nil, err
	}
	for _, d := range n.layers() {
		d.InitTorch(g)
	}
	return n, nil
}

// NewTorchNetwork is MyceliumFractalNet(...) created right after torch's generator reached
// g's state: every Linear layer is reset with ResetParameters in creation order (input_proj,
// attention q/k/v/out, net.0, net.2, net.4 — model.py's constructor; SparseAttention creates
// q, k, v, out in that order and STDPPlasticity draws nothing), so with
// g = NewTorchGenerator(seed) the parameters are bit for bit those of torch.manual_seed(seed)
// followed by the constructor.
func NewTorchNetwork[F Float](cfg NetConfig, g *TorchGenerator) (*Network[F], error) {
	if g == nil {
		return nil, errors.New("network initialisation needs a random generator, got nil")
	}
	n, err := newNetwork[F](cfg)
	if err != nil {
		return nil, err
	}
	for _, d := range n.layers() {
		d.ResetParameters(g)
	}
	return n, nil
}

// newNetwork builds the network with zero parameters.
func newNetwork[F Float](cfg NetConfig) (*Network[F], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := cfg.HiddenDim
	n := &Network[F]{Config: cfg}
	var err error
	if n.InputProj, err = NewDense[F](cfg.InputDim, h); err != nil {
		return nil, err
	}
	if cfg.UseSparseAttention {
		if n.Attention, err = NewAttention[F](h, cfg.TopK); err != nil {
			return nil, err
		}
	}
	if cfg.UseSTDP {
		s := DefaultSTDP()
		n.STDP = &s
	}
	dims := [4]int{h, h, h / 2, 1}
	for i := range n.Head {
		if n.Head[i], err = NewDense[F](dims[i], dims[i+1]); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// layers lists the Linear layers in creation order.
func (n *Network[F]) layers() []*Dense[F] {
	ls := []*Dense[F]{n.InputProj}
	if n.Attention != nil {
		ls = append(ls, n.Attention.layers()...)
	}
	return append(ls, n.Head[:]...)
}

// Params lists the parameters in torch's parameters() order, with torch's names.
func (n *Network[F]) Params() []Param[F] {
	ps := n.InputProj.params("input_proj")
	if a := n.Attention; a != nil {
		for i, name := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			ps = append(ps, a.layers()[i].params("attention."+name)...)
		}
	}
	for i, d := range n.Head {
		ps = append(ps, d.params(fmt.Sprintf("net.%d", 2*i))...)
	}
	return ps
}

// NumParams counts the trainable values: 5985 with the defaults, 1761 without attention.
func (n *Network[F]) NumParams() int {
	c := 0
	for _, d := range n.layers() {
		c += d.NumParams()
	}
	return c
}

// ZeroGrad clears every gradient.
func (n *Network[F]) ZeroGrad() {
	for _, d := range n.layers() {
		d.ZeroGrad()
	}
}

// Forward maps x, batch×seq×InputDim flat (seq = 1 for the reference's 2-D inputs), to the
// batch predictions, and keeps the activations for Backward.
func (n *Network[F]) Forward(x []F, batch, seq int) ([]F, error) {
	in, h := n.Config.InputDim, n.Config.HiddenDim
	if batch < 1 || seq < 1 {
		return nil, fmt.Errorf("input shape (batch=%d, seq_len=%d): both must be >= 1", batch, seq)
	}
	if len(x) != batch*seq*in {
		return nil, fmt.Errorf("input has %d values, want batch·seq_len·input_dim = %d·%d·%d = %d",
			len(x), batch, seq, in, batch*seq*in)
	}
	n.batch, n.seq = batch, seq
	rows := batch * seq
	n.x = grow(n.x, len(x))
	copy(n.x, x)
	n.h0 = grow(n.h0, rows*h)
	n.InputProj.Forward(n.h0, n.x, rows)
	if n.Attention != nil {
		n.h1 = grow(n.h1, rows*h)
		n.Attention.Forward(n.h1, n.h0, batch, seq)
	} else {
		n.h1 = n.h0
	}
	n.m = grow(n.m, batch*h)
	meanSeqForward(n.m, n.h1, batch, seq, h)
	n.z1, n.r1 = grow(n.z1, batch*h), grow(n.r1, batch*h)
	n.Head[0].Forward(n.z1, n.m, batch)
	reluForward(n.r1, n.z1)
	h2 := n.Head[1].Out
	n.z2, n.r2 = grow(n.z2, batch*h2), grow(n.r2, batch*h2)
	n.Head[1].Forward(n.z2, n.r1, batch)
	reluForward(n.r2, n.z2)
	out := make([]F, batch)
	n.Head[2].Forward(out, n.r2, batch)
	return out, nil
}

// Backward takes ∂L/∂output for the last Forward (one value per batch row) and accumulates
// every parameter's gradient.
func (n *Network[F]) Backward(dOut []F) error {
	if n.x == nil {
		return errors.New("Backward called before Forward")
	}
	if len(dOut) != n.batch {
		return fmt.Errorf("output gradient has %d values, want batch=%d", len(dOut), n.batch)
	}
	h, batch, seq := n.Config.HiddenDim, n.batch, n.seq
	h2 := n.Head[1].Out
	dr2 := make([]F, batch*h2)
	n.Head[2].Backward(dr2, n.r2, dOut, batch)
	reluBackward(dr2, n.z2, dr2)
	dr1 := make([]F, batch*h)
	n.Head[1].Backward(dr1, n.r1, dr2, batch)
	reluBackward(dr1, n.z1, dr1)
	dm := make([]F, batch*h)
	n.Head[0].Backward(dm, n.m, dr1, batch)
	rows := batch * seq
	dh1 := make([]F, rows*h)
	meanSeqBackward(dh1, dm, batch, seq, h)
	dh0 := dh1
	if n.Attention != nil {
		dh0 = make([]F, rows*h)
		n.Attention.Backward(dh0, dh1)
	}
	n.InputProj.Backward(nil, n.x, dh0, rows)
	return nil
}
