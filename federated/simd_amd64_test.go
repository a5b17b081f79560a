//go:build amd64 && !purego

package federated

import (
	"math"
	"slices"
	"testing"

	"mfn/rng"
)

// TestKernelsMatchPureGo runs whole aggregations with the AVX2 kernels and with the pure-Go
// paths: the traces and the float32 results must be identical.
func TestKernelsMatchPureGo(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no AVX2/FMA")
	}
	defer func() { haveAVX2 = true }()
	g := rng.New(22)
	cases := []struct {
		n, d int
		a    Aggregator
	}{
		{100, 1000, DefaultAggregator()},
		{100, 1000, Aggregator{10, 0.2, 0.1}},
		{100, 1000, Aggregator{1, 0.2, 1}},
		{66, 17, Aggregator{2, 0.3, 1}},
		{1200, 100, Aggregator{10, 0.2, 0.1}},
		{1100, 20, Aggregator{1, 0.1, 1}}, // beyond the networks' 1024 wires
		{40, 3, Aggregator{1, 0.2, 1}},
		{30, 15, Aggregator{1, 0.2, 1}},
	}
	for _, c := range cases {
		grads := randRows(g, c.n, c.d)
		grads[c.n-1] = slices.Clone(grads[0]) // a tie
		haveAVX2 = true
		out1, tr1, err1 := c.a.Aggregate(grads, rng.New(7))
		haveAVX2 = false
		out2, tr2, err2 := c.a.Aggregate(grads, rng.New(7))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !slices.Equal(tr1.ClusterSelected, tr2.ClusterSelected) || tr1.GlobalIndex != tr2.GlobalIndex {
			t.Fatalf("%d×%d %+v: picks differ: %v/%d vs %v/%d", c.n, c.d, c.a, tr1.ClusterSelected, tr1.GlobalIndex, tr2.ClusterSelected, tr2.GlobalIndex)
		}
		if !bitsEqual(out1, out2) || !bitsEqual(tr1.Median, tr2.Median) {
			t.Fatalf("%d×%d %+v: results differ", c.n, c.d, c.a)
		}
	}
}

func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}
