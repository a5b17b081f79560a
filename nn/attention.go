package nn

import (
	"fmt"
	"math"
)

// DefaultTopK is the reference's SPARSE_TOPK.
const DefaultTopK = 4

// Linear is a dense layer y = x·Wᵀ + b (torch.nn.Linear): Weight is out×in, Bias has out
// entries.
type Linear struct {
	Weight [][]float32
	Bias   []float32
}

// NewLinear returns a zero-initialised in→out layer.
func NewLinear(in, out int) Linear {
	w := make([][]float32, out)
	for i := range w {
		w[i] = make([]float32, in)
	}
	return Linear{Weight: w, Bias: make([]float32, out)}
}

// check verifies the layer's shape against an input width.
func (l *Linear) check(name string, in int) error {
	if len(l.Bias) != len(l.Weight) {
		return fmt.Errorf("%s: weight has %d rows but bias has %d entries", name, len(l.Weight), len(l.Bias))
	}
	for o, row := range l.Weight {
		if len(row) != in {
			return fmt.Errorf("%s: weight row %d has %d columns, want %d", name, o, len(row), in)
		}
	}
	return nil
}

// apply computes dst = x·Wᵀ + b in float32 (products summed in input order, then the bias).
func (l *Linear) apply(dst, x []float32) {
	for o, row := range l.Weight {
		row = row[:len(x)]
		var s float32
		for i, v := range x {
			s += float32(v * row[i])
		}
		dst[o] = s + l.Bias[o]
	}
}

// SparseAttention is the reference's single-head sparse top-k self-attention: each query keeps
// only its TopK highest-scoring keys. NumHeads is validated and stored but, as in the
// reference, not used.
type SparseAttention struct {
	EmbedDim int
	NumHeads int
	TopK     int
	// Projections, in the reference's creation order; all EmbedDim→EmbedDim.
	Q, K, V, Out Linear
}

// NewSparseAttention validates the sizes in the reference's order and returns a layer whose
// four projections are zero; set their weights before use.
func NewSparseAttention(embedDim, numHeads, topk int) (*SparseAttention, error) {
	if embedDim < 1 {
		return nil, fmt.Errorf("embed_dim=%d must be >= 1", embedDim)
	}
	if topk < 1 {
		return nil, fmt.Errorf("topk=%d must be >= 1", topk)
	}
	if numHeads < 1 {
		return nil, fmt.Errorf("num_heads=%d must be >= 1", numHeads)
	}
	return &SparseAttention{
		EmbedDim: embedDim, NumHeads: numHeads, TopK: topk,
		Q: NewLinear(embedDim, embedDim), K: NewLinear(embedDim, embedDim),
		V: NewLinear(embedDim, embedDim), Out: NewLinear(embedDim, embedDim),
	}, nil
}

// Forward maps x (B×L×E) to B×L×E: Q, K, V projections; scores Q·Kᵀ/√E; per query row the
// min(TopK, L) largest scores are kept and the rest set to −∞; softmax; NaN → 0;
// out_proj(P·V). Ties at the cut keep the lower key index. With L = 1 this is
// out_proj(v_proj(x)).
func (a *SparseAttention) Forward(x [][][]float32) ([][][]float32, error) {
	e := a.EmbedDim
	for _, c := range []struct {
		name string
		l    *Linear
	}{{"q_proj", &a.Q}, {"k_proj", &a.K}, {"v_proj", &a.V}, {"out_proj", &a.Out}} {
		if len(c.l.Weight) != e {
			return nil, fmt.Errorf("%s: weight has %d rows, want embed_dim=%d", c.name, len(c.l.Weight), e)
		}
		if err := c.l.check(c.name, e); err != nil {
			return nil, err
		}
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("input is empty: need shape (batch >= 1, seq_len >= 1, embed_dim=%d)", e)
	}
	seq := len(x[0])
	for b := range x {
		if len(x[b]) != seq || seq == 0 {
			return nil, fmt.Errorf("input batch %d has sequence length %d, batch 0 has %d: need equal lengths >= 1", b, len(x[b]), seq)
		}
		for t := range x[b] {
			if len(x[b][t]) != e {
				return nil, fmt.Errorf("input[%d][%d] has %d features, want embed_dim=%d", b, t, len(x[b][t]), e)
			}
		}
	}
	k := min(a.TopK, seq)
	scale := float32(math.Sqrt(float64(e)))
	q, kk, v := newMatrix(seq, e), newMatrix(seq, e), newMatrix(seq, e)
	scores := make([]float32, seq)
	keep := make([]bool, seq)
	order := make([]int, seq)
	ctx := make([]float32, e)
	out := make([][][]float32, len(x))
	for b := range x {
		for t, row := range x[b] {
			a.Q.apply(q[t], row)
			a.K.apply(kk[t], row)
			a.V.apply(v[t], row)
		}
		out[b] = newMatrix(seq, e)
		for t := 0; t < seq; t++ {
			for s := 0; s < seq; s++ {
				var dot float32
				for i := 0; i < e; i++ {
					dot += float32(q[t][i] * kk[s][i])
				}
				scores[s] = dot / scale
			}
			topKKeep(scores, k, keep, order)
			softmaxKept(scores, keep)
			clear(ctx)
			for s, p := range scores {
				for i := range ctx {
					ctx[i] += float32(p * v[s][i])
				}
			}
			a.Out.apply(out[b][t], ctx)
		}
	}
	return out, nil
}

func newMatrix(rows, cols int) [][]float32 {
	m := make([][]float32, rows)
	for i := range m {
		m[i] = make([]float32, cols)
	}
	return m
}
