package federated

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"mfn/rng"
)

// independentCase is one case of testdata/aggregators.json, written by aggregators.py from the
// rules' published definitions with numpy (not from this package).
type independentCase struct {
	Name               string      `json:"name"`
	F                  int         `json:"f"`
	Beta               float64     `json:"beta"`
	M                  int         `json:"m"`
	SampleCounts       []float64   `json:"sample_counts"`
	Updates            [][]float64 `json:"updates"`
	FedAvg             []float64   `json:"fedavg"`
	Mean               []float64   `json:"mean"`
	Median             []float64   `json:"median"`
	TrimmedMean        []float64   `json:"trimmed_mean"`
	KrumIndex          int         `json:"krum_index"`
	Krum               []float64   `json:"krum"`
	MultiKrumSelection []int       `json:"multi_krum_selection"`
	MultiKrum          []float64   `json:"multi_krum"`
	BulyanSelection    []int       `json:"bulyan_selection"`
	Bulyan             []float64   `json:"bulyan"`
}

func loadIndependent(t *testing.T) []independentCase {
	t.Helper()
	data, err := os.ReadFile("testdata/aggregators.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []independentCase }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases in testdata/aggregators.json")
	}
	return file.Cases
}

func to32(u [][]float64) [][]float32 {
	out := make([][]float32, len(u))
	for i, r := range u {
		out[i] = make([]float32, len(r))
		for j, v := range r {
			out[i][j] = float32(v)
		}
	}
	return out
}

// closeTo reports whether got matches want within a relative tolerance (absolute near 0).
func closeTo[T Float](got []T, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if math.Abs(float64(got[i])-w) > tol*max(1, math.Abs(w)) {
			return false
		}
	}
	return true
}

func TestRulesMatchIndependentValues(t *testing.T) {
	for _, c := range loadIndependent(t) {
		beta := c.Beta
		rules := []struct {
			r    Rule
			want []float64
		}{
			{FedAvg{SampleCounts: c.SampleCounts}, c.FedAvg},
			{FedAvg{}, c.Mean},
			{Median{}, c.Median},
			{TrimmedMean{Beta: beta}, c.TrimmedMean},
			{Krum{F: c.F}, c.Krum},
			{MultiKrum{F: c.F, M: c.M}, c.MultiKrum},
			{Bulyan{F: c.F}, c.Bulyan},
		}
		for _, r := range rules {
			got64, err := r.r.Aggregate64(c.Updates)
			if err != nil {
				t.Fatalf("%s %s: %v", c.Name, r.r.Name(), err)
			}
			if !closeTo(got64, r.want, 1e-12) {
				t.Errorf("%s %s float64:\n got %v\nwant %v", c.Name, r.r.Name(), got64, r.want)
			}
			got32, err := Aggregate(r.r, to32(c.Updates))
			if err != nil {
				t.Fatalf("%s %s: %v", c.Name, r.r.Name(), err)
			}
			// The inputs have 4 decimals; float32 holds them to ~6e-8 relative.
			if !closeTo(got32, r.want, 2e-6) {
				t.Errorf("%s %s float32:\n got %v\nwant %v", c.Name, r.r.Name(), got32, r.want)
			}
		}
		if !slices.Equal(c.Krum, c.Updates[c.KrumIndex]) {
			t.Errorf("%s: the file's Krum result is not update %d", c.Name, c.KrumIndex)
		}
		sel, err := MultiKrum{F: c.F, M: c.M}.Selection(to32(c.Updates))
		if err != nil || !slices.Equal(sel, c.MultiKrumSelection) {
			t.Errorf("%s: Multi-Krum selection %v (%v), want %v", c.Name, sel, err, c.MultiKrumSelection)
		}
		for _, u := range [][][]float64{c.Updates} {
			if got := bulyanSelect(sqDistances(u), len(u), c.F); !slices.Equal(got, c.BulyanSelection) {
				t.Errorf("%s: Bulyan selection %v, want %v", c.Name, got, c.BulyanSelection)
			}
			if got := bulyanSelect(sqDistances(to32(u)), len(u), c.F); !slices.Equal(got, c.BulyanSelection) {
				t.Errorf("%s: Bulyan selection (float32) %v, want %v", c.Name, got, c.BulyanSelection)
			}
		}
	}
}

// TestRulesFirstPrinciples checks small cases worked by hand from the definitions.
func TestRulesFirstPrinciples(t *testing.T) {
	u := [][]float64{{1, 10}, {2, 20}, {3, 30}, {4, 40}, {100, -100}}
	check := func(name string, got []float64, err error, want []float64) {
		t.Helper()
		if err != nil || !closeTo(got, want, 1e-15) {
			t.Errorf("%s = %v (%v), want %v", name, got, err, want)
		}
	}
	got, err := FedAvg{SampleCounts: []float64{1, 0, 0, 3, 0}}.Aggregate64(u)
	check("fedavg", got, err, []float64{(1 + 12) / 4.0, (10 + 120) / 4.0})
	got, err = Median{}.Aggregate64(u)
	check("median", got, err, []float64{3, 20})
	got, err = Median{}.Aggregate64(u[:4])
	check("median even", got, err, []float64{2.5, 25})
	got, err = TrimmedMean{Beta: 0.2}.Aggregate64(u) // b = 1: {2,3,4}, {10,20,30}
	check("trimmed", got, err, []float64{3, 20})
	// Krum f=1 on 5: k = 2 nearest. Scores: u0: |u0-u1|²+|u0-u2|² = 101+404; u1: 101+101;
	// u2: 101+101; u3: 101+404; u4 far. u1 wins (first of the tie).
	got, err = Krum{F: 1}.Aggregate64(u)
	check("krum", got, err, u[1])
	got, err = MultiKrum{F: 1, M: 3}.Aggregate64(u) // u1, u2, then u0 (first of u0/u3)
	check("multi-krum", got, err, []float64{2, 20})
}

func TestRulesImpossibleSettings(t *testing.T) {
	u := make([][]float32, 10)
	for i := range u {
		u[i] = []float32{float32(i), 1}
	}
	cases := []struct {
		r    Rule
		want string
	}{
		{Bulyan{F: 2}, "num_byzantine=2 is too many for bulyan with 10 updates: bulyan needs n >= 4·num_byzantine + 3 = 11"},
		{Krum{F: 4}, "num_byzantine=4 is too many for krum with 10 updates: krum needs n >= 2·num_byzantine + 3 = 11"},
		{Krum{F: -1}, "num_byzantine=-1 must be >= 0"},
		{MultiKrum{F: 1, M: 11}, "m=11 must be in [1, 10]"},
		{MultiKrum{F: 1, M: 0}, "m=0 must be in [1, 10]"},
		{TrimmedMean{Beta: 0.5}, "beta=0.5 must be in [0, 0.5)"},
		{FedAvg{SampleCounts: []float64{1}}, "sample_counts has 1 entries for 10 updates"},
		{FedAvg{SampleCounts: make([]float64, 10)}, "sample_counts sum to 0"},
	}
	for _, c := range cases {
		if _, err := c.r.Aggregate32(u); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: got %v, want %q", c.r.Name(), c.r, err, c.want)
		}
	}
	if _, err := New("bulyan", 10, Params{ByzantineFraction: 0.2}); err == nil || !strings.Contains(err.Error(), "num_byzantine=2") {
		t.Errorf("New bulyan: %v", err)
	}
	if _, err := New("nope", 10, Params{}); err == nil || !strings.Contains(err.Error(), `method="nope" is not one of`) {
		t.Errorf("New nope: %v", err)
	}
	bad := [][]float64{{1, math.NaN()}, {1, 2}}
	for _, m := range Methods[:6] {
		r, err := New(m, 2, Params{})
		if err != nil {
			continue // Krum family with 2 updates and f = 0 need 3
		}
		if _, err := r.Aggregate64(bad); err == nil || !strings.Contains(err.Error(), "update 0 element 1 is NaN") {
			t.Errorf("%s on NaN: %v", m, err)
		}
		if _, err := r.Aggregate64([][]float64{{1, 2}, {1}}); err == nil || !strings.Contains(err.Error(), "update 1 has 1 elements") {
			t.Errorf("%s on ragged: %v", m, err)
		}
	}
}

// TestHierarchicalKrumRuleUnchanged: the Rule form is exactly Aggregator.Aggregate.
func TestHierarchicalKrumRuleUnchanged(t *testing.T) {
	g := smallGrads()
	r, err := New(MethodHierarchicalKrum, len(g), Params{NumClusters: 3, ByzantineFraction: 0.2, SampleFraction: 0.1, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Aggregate32(g)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := Aggregator{3, 0.2, 0.1}.Aggregate(g, nil)
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestGramDistancesMatchDirect: the all-core Gram path agrees with direct differences.
func TestGramDistancesMatchDirect(t *testing.T) {
	u := make([][]float32, 37)
	for i := range u {
		u[i] = make([]float32, 1003)
		for j := range u[i] {
			u[i][j] = float32(math.Sin(float64(i*1009+j*7))) + 1
		}
	}
	a, b := sqDistancesDirect(u), sqDistancesGram32(u)
	for k := range a {
		if math.Abs(a[k]-b[k]) > 1e-9*max(1, a[k]) {
			t.Fatalf("entry %d: direct %v, gram %v", k, a[k], b[k])
		}
	}
}

// TestSelectK checks selection against sorting on random and tie-heavy data.
func TestSelectK(t *testing.T) {
	g := rng.New(3)
	for trial := range 300 {
		n := 1 + trial%97
		s := make([]float64, n)
		for i := range s {
			if trial%3 == 0 {
				s[i] = float64(g.Integers(0, 4)) // many ties
			} else {
				s[i] = g.StandardNormal()
			}
		}
		sorted := slices.Clone(s)
		slices.Sort(sorted)
		k := int(g.Integers(0, int64(n)))
		c := slices.Clone(s)
		selectK(c, k)
		if c[k] != sorted[k] || slices.Max(c[:k+1]) != c[k] || slices.Min(c[k:]) != c[k] {
			t.Fatalf("n=%d k=%d: got %v, sorted %v", n, k, c, sorted)
		}
		if got, want := medianOf(slices.Clone(s)), midValue(sorted); got != want {
			t.Fatalf("median %v, want %v", got, want)
		}
		b := int(g.Integers(0, int64((n+1)/2)))
		if got, want := trimmedMeanOf(slices.Clone(s), b), meanOf(sorted[b:n-b]); math.Abs(got-want) > 1e-12 {
			t.Fatalf("trimmed b=%d: %v, want %v", b, got, want)
		}
	}
}

// TestMeanNearestMedian checks the selection form against the sort-based definition
// (nearestToMedian on the sorted values), ties included.
func TestMeanNearestMedian(t *testing.T) {
	g := rng.New(4)
	buf := make([]float64, 200)
	for trial := range 400 {
		n := 3 + trial%60
		k := 1 + int(g.Integers(0, int64(n)))
		s := make([]float64, n)
		for i := range s {
			if trial%2 == 0 {
				s[i] = float64(g.Integers(0, 5)) // ties at equal distances
			} else {
				s[i] = g.StandardNormal()
			}
		}
		sorted := slices.Clone(s)
		slices.Sort(sorted)
		want := meanOf(nearestToMedian(sorted, k))
		if got := meanNearestMedian(slices.Clone(s), k, buf); math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
			t.Fatalf("n=%d k=%d %v: got %v, want %v", n, k, sorted, got, want)
		}
	}
}

// TestMedianNetMatchesSelection: the network kernel path of the float32 median gives the
// selection path's values (odd and even n, padding rows, column splits).
func TestMedianNetMatchesSelection(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no AVX2/FMA: the network path is not used")
	}
	g := rng.New(8)
	for _, c := range [][2]int{{5, 16}, {10, 1000}, {11, 777}, {100, 3000}, {64, 20}, {1, 50}, {2, 300}} {
		n, d := c[0], c[1]
		u := make([][]float32, n)
		for i := range u {
			u[i] = make([]float32, d)
			for j := range u[i] {
				u[i][j] = float32(g.Integers(-3, 4)) + float32(g.StandardNormal())*float32(i%2)
			}
		}
		want := make([]float32, d)
		columns(u, nil, want, medianOf[float32])
		got := make([]float32, d)
		if !median32Net(u, got) {
			t.Fatalf("n=%d d=%d: the network path did not run", n, d)
		}
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("n=%d d=%d column %d: network %v, selection %v", n, d, j, got[j], want[j])
			}
		}
	}
}

// TestTrimmedMeanNetMatchesSelection: the kernel path of the float32 trimmed mean agrees with
// the selection path, ties at the cut values included.
func TestTrimmedMeanNetMatchesSelection(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no AVX2/FMA: the network path is not used")
	}
	g := rng.New(12)
	for _, c := range [][3]int{{5, 16, 1}, {10, 1000, 2}, {11, 777, 3}, {100, 3000, 20}, {64, 20, 31}, {3, 50, 1}} {
		n, d, b := c[0], c[1], c[2]
		u := make([][]float32, n)
		for i := range u {
			u[i] = make([]float32, d)
			for j := range u[i] {
				u[i][j] = float32(g.Integers(-2, 3)) + float32(g.StandardNormal())*float32(i%3/2)
			}
		}
		want := make([]float32, d)
		columns(u, nil, want, func(col []float32) float32 { return trimmedMeanOf(col, b) })
		got := make([]float32, d)
		if !trimmedMean32Net(u, got, b) {
			t.Fatalf("n=%d d=%d b=%d: the network path did not run", n, d, b)
		}
		for j := range want {
			if math.Abs(float64(got[j]-want[j])) > 1e-6*max(1, math.Abs(float64(want[j]))) {
				t.Fatalf("n=%d d=%d b=%d column %d: network %v, selection %v", n, d, b, j, got[j], want[j])
			}
		}
	}
}
