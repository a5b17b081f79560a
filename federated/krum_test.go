package federated

import (
	"math"
	"slices"
	"strings"
	"testing"

	"mfn/rng"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		a    Aggregator
		want string
	}{
		{Aggregator{0, 0.2, 0.1}, "num_clusters=0 must be >= 1"},
		{Aggregator{1, 0.5, 0.1}, "byzantine_fraction=0.5 must be in [0, 0.5)"},
		{Aggregator{1, -0.1, 0.1}, "byzantine_fraction=-0.1 must be in [0, 0.5)"},
		{Aggregator{1, math.NaN(), 0.1}, "byzantine_fraction=nan must be in [0, 0.5)"},
		{Aggregator{1, 0.2, 0}, "sample_fraction=0.0 must be in (0, 1]"},
		{Aggregator{1, 0.2, 1.5}, "sample_fraction=1.5 must be in (0, 1]"},
		{Aggregator{0, 0.5, 0}, "num_clusters=0 must be >= 1"},
	}
	for _, c := range cases {
		err := c.a.Validate()
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: got %v, want %s", c.a, err, c.want)
		}
		if _, _, err := c.a.Aggregate([][]float32{{1}}, nil); err == nil || err.Error() != c.want {
			t.Errorf("Aggregate %+v: got %v", c.a, err)
		}
	}
	if err := DefaultAggregator().Validate(); err != nil {
		t.Fatal(err)
	}
}

// smallGrads are the spec's g_i = [i, i² mod 7, −0.5·i], i = 0..9.
func smallGrads() [][]float32 {
	g := make([][]float32, 10)
	for i := range g {
		g[i] = []float32{float32(i), float32(i * i % 7), float32(-0.5 * float64(i))}
	}
	return g
}

func TestSpecExamples(t *testing.T) {
	g := smallGrads()
	idx, err := KrumSelect(g, 1)
	if err != nil || !slices.Equal(g[idx], []float32{4, 2, -2}) {
		t.Fatalf("KrumSelect = %d (%v), %v; want [4 2 -2]", idx, g[idx], err)
	}
	out, tr, err := Aggregator{3, 0.2, 0.1}.Aggregate(g, rng.New(42))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.ClusterAssignments, []int{0, 2, 1, 1, 1, 2, 0, 2, 0, 0}) {
		t.Errorf("assignments %v", tr.ClusterAssignments)
	}
	want := []float64{3.5999999046325684, 2.0, -1.7999999523162842}
	for j := range want {
		if float64(out[j]) != want[j] {
			t.Errorf("out[%d] = %v, want %v", j, float64(out[j]), want[j])
		}
	}

	// 1500 clients [i, i], 10 clusters, default_rng(0): the sampling path.
	big := make([][]float32, 1500)
	for i := range big {
		big[i] = []float32{float32(i), float32(i)}
	}
	out, tr, err = Aggregator{10, 0.2, 0.1}.Aggregate(big, rng.New(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.SampledIndices) != 150 || !slices.Equal(tr.SampledIndices[:5], []int{1125, 1194, 1179, 7, 595}) {
		t.Errorf("sampled %v", tr.SampledIndices[:5])
	}
	if float64(out[0]) != 960.7000122070312 || out[0] != out[1] {
		t.Errorf("1500 clients: %v", out)
	}
}

func TestSingleAndDefaultRNG(t *testing.T) {
	one := [][]float32{{1.5, -2}}
	out, tr, err := DefaultAggregator().Aggregate(one, nil)
	if err != nil {
		t.Fatal(err)
	}
	// One gradient: Krum and median are that gradient; 0.7x + 0.3x rounds in float32.
	for j, v := range one[0] {
		if out[j] != float32(float32(0.7)*v)+float32(float32(0.3)*v) || tr.GlobalIndex != 0 {
			t.Fatalf("single: %v %+v", out, tr)
		}
	}
	g := smallGrads()
	a, _, _ := DefaultAggregator().Aggregate(g, nil)
	b, _, _ := DefaultAggregator().Aggregate(g, rng.New(42))
	if !slices.Equal(a, b) {
		t.Fatal("nil generator is not default_rng(42)")
	}
}

func TestInputErrors(t *testing.T) {
	a := DefaultAggregator()
	if _, _, err := a.Aggregate(nil, nil); err != ErrNoGradients {
		t.Errorf("empty: %v", err)
	}
	_, _, err := a.Aggregate([][]float32{{1, 2}, {3}}, nil)
	if err == nil || !strings.Contains(err.Error(), "gradient 1 has 1 elements") {
		t.Errorf("ragged: %v", err)
	}
	_, _, err = a.Aggregate([][]float32{{1, 2}, {3, float32(math.NaN())}}, nil)
	if err == nil || !strings.Contains(err.Error(), "gradient 1 element 1") {
		t.Errorf("NaN: %v", err)
	}
	_, _, err = a.Aggregate([][]float32{{float32(math.Inf(-1))}}, nil)
	if err == nil || !strings.Contains(err.Error(), "gradient 0 element 0") {
		t.Errorf("Inf: %v", err)
	}
	if _, err := KrumSelect(nil, 1); err == nil || err.Error() != "No gradients provided" {
		t.Errorf("KrumSelect empty: %v", err)
	}
	if _, err := KrumSelect([][]float32{{1}}, -1); err == nil {
		t.Error("negative f accepted")
	}
	big := make([][]float32, 1001)
	for i := range big {
		big[i] = []float32{1}
	}
	if _, _, err := (Aggregator{10, 0.2, 1e-6}).Aggregate(big, nil); err == nil {
		t.Error("empty sample accepted")
	}
}

func TestKrumProperties(t *testing.T) {
	// Honest cluster near +1 and outliers far away: Krum picks an honest gradient.
	g := rng.New(3)
	grads := make([][]float32, 12)
	for i := range grads {
		grads[i] = make([]float32, 20)
		for j := range grads[i] {
			grads[i][j] = float32(1 + 0.01*g.StandardNormal())
			if i%5 == 4 {
				grads[i][j] = float32(100 + g.StandardNormal())
			}
		}
	}
	idx, err := KrumSelect(grads, 2)
	if err != nil || idx%5 == 4 {
		t.Fatalf("picked outlier %d (%v)", idx, err)
	}
	// Ties: identical gradients, the first index wins.
	same := [][]float32{{1, 1}, {1, 1}, {1, 1}, {1, 1}}
	if idx, _ := KrumSelect(same, 1); idx != 0 {
		t.Fatalf("tie picked %d", idx)
	}
	// The aggregate's Krum part is one of the inputs: with equal weights of one gradient…
	out, tr, err := Aggregator{1, 0, 1}.Aggregate(grads, rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.ClusterSelected) != 1 || tr.GlobalIndex != tr.ClusterSelected[0] || len(out) != 20 {
		t.Fatalf("trace %+v", tr)
	}
}

func TestSelectKth(t *testing.T) {
	g := rng.New(9)
	for n := 1; n < 150; n++ {
		x := make([]int32, n)
		for i := range x {
			x[i] = int32(g.Integers(-3, 4)) // many duplicates
		}
		s := slices.Clone(x)
		slices.Sort(s)
		for k := 0; k < n; k++ {
			y := slices.Clone(x)
			if got := selectKth(y, make([]int32, n), make([]int32, n), k); got != s[k] {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, got, s[k])
			}
		}
	}
}

func TestOrderKey(t *testing.T) {
	vals := []float32{float32(math.Inf(-1)), -math.MaxFloat32, -1.5, -1e-45, 0, 1e-45, 0.5, 3, math.MaxFloat32, float32(math.Inf(1))}
	for i, v := range vals {
		if fromOrderKey(orderKey(v)) != v {
			t.Errorf("round trip %v", v)
		}
		if i > 0 && orderKey(vals[i-1]) >= orderKey(v) {
			t.Errorf("order %v !< %v", vals[i-1], v)
		}
	}
}

func TestLowerMedianEven(t *testing.T) {
	grads := [][]float32{{4}, {1}, {3}, {2}}
	m := make([]float32, 1)
	if newWorkspace(grads).lowerMedian(m, []int{0, 1, 2, 3}); m[0] != 2 {
		t.Fatalf("lower median %v, want 2", m)
	}
}

// benchGrads are the reference timing's inputs: default_rng(0).standard_normal((n, d)) as float32.
func benchGrads(n, d int) [][]float32 {
	g := rng.New(0)
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, d)
		for j := range out[i] {
			out[i][j] = float32(g.StandardNormal())
		}
	}
	return out
}

func BenchmarkAggregate100x1000Default(b *testing.B) {
	grads := benchGrads(100, 1000)
	a := DefaultAggregator()
	for b.Loop() {
		if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAggregate100x1000C10(b *testing.B) {
	grads := benchGrads(100, 1000)
	a := Aggregator{10, 0.2, 0.1}
	for b.Loop() {
		if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAggregate1200x100Sampling(b *testing.B) {
	grads := benchGrads(1200, 100)
	a := Aggregator{10, 0.2, 0.1}
	for b.Loop() {
		if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAggregate50x100C10(b *testing.B) {
	grads := benchGrads(50, 100)
	a := Aggregator{10, 0.2, 0.1}
	for b.Loop() {
		if _, _, err := a.Aggregate(grads, rng.New(42)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGramMatchesDirect(t *testing.T) {
	// Above 25 gradients distances come from norms and dot products; they must agree with the
	// exact differences once rounded to float32, and equal rows must be exactly 0 apart.
	grads := benchGrads(40, 257)
	grads[17] = slices.Clone(grads[3])
	idx := make([]int, len(grads))
	for i := range idx {
		idx[i] = i
	}
	n := len(idx)
	ws := newWorkspace(grads)
	direct, gram := make([]float32, n*n), make([]float32, n*n)
	ws.directDistances(idx, direct)
	ws.gramDistances(idx, gram)
	for i := range direct {
		if direct[i] != gram[i] {
			t.Fatalf("pair (%d,%d): direct %v, gram %v", i/n, i%n, direct[i], gram[i])
		}
	}
	if gram[3*n+17] != 0 || gram[17*n+3] != 0 {
		t.Fatalf("equal rows at distance %v", gram[3*n+17])
	}
	// Several worker layouts give the same matrix (blocks are independent of the split).
	again := make([]float32, n*n)
	newWorkspace(grads).gramDistances(idx, again)
	if !slices.Equal(again, gram) {
		t.Fatal("gram distances not reproducible")
	}
}

func TestTorchSum(t *testing.T) {
	// Short rows: four interleaved partial sums, leftovers into partial 0, then 0+1+2+3.
	x := []float32{1e8, 1, -1e8, 1, 1, 1, 1}
	p := [4]float32{}
	for i := 0; i < 4; i++ {
		p[i] = x[i]
	}
	for _, v := range x[4:] {
		p[0] += v
	}
	want := ((p[0] + p[1]) + p[2]) + p[3]
	if got := torchSum(x); got != want {
		t.Fatalf("torchSum short = %v, want %v", got, want)
	}
	// Long rows: the sum is exact for small integers whatever the order.
	long := make([]float32, 1000)
	for i := range long {
		long[i] = float32(i % 10)
	}
	if got := torchSum(long); got != 4500 {
		t.Fatalf("torchSum long = %v", got)
	}
	if ceilLog2(1) != 1 || ceilLog2(2) != 1 || ceilLog2(3) != 2 || ceilLog2(16) != 4 || ceilLog2(17) != 5 {
		t.Fatal("ceilLog2")
	}
}

func TestAggregateLargeGroup(t *testing.T) {
	// One cluster of 300 exercises the matrix-product path and the parallel split; the result
	// must not depend on GOMAXPROCS-driven splitting (the split is by whole blocks).
	grads := benchGrads(300, 64)
	a := Aggregator{1, 0.2, 1}
	out1, tr1, err := a.Aggregate(grads, rng.New(5))
	if err != nil {
		t.Fatal(err)
	}
	out2, tr2, _ := a.Aggregate(grads, rng.New(5))
	if !slices.Equal(out1, out2) || tr1.GlobalIndex != tr2.GlobalIndex {
		t.Fatal("not deterministic")
	}
}
