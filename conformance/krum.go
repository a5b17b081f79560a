package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"

	"mfn/federated"
	"mfn/rng"
)

func init() {
	Register(Checker{
		Kind: "krum",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			return hasKeys(top, "aggregate_cases")
		},
		Check: checkKrum,
	})
}

type krumAggregateCase struct {
	Name       string `json:"name"`
	Aggregator struct {
		NumClusters       int     `json:"num_clusters"`
		ByzantineFraction float64 `json:"byzantine_fraction"`
		SampleFraction    float64 `json:"sample_fraction"`
	} `json:"aggregator"`
	RNG            string   `json:"aggregate_rng"`
	Recipe         string   `json:"gradients_recipe"`
	Outliers       []int    `json:"outlier_indices"`
	SHA            string   `json:"gradients_sha256_f64le"`
	Explicit       []Floats `json:"gradients_float32"`
	Sampled        []int    `json:"sampled_indices"`
	Assignments    []int    `json:"cluster_assignments"`
	ClusterChoices []int    `json:"cluster_selected_gradient_index"`
	Global         int      `json:"global_krum_gradient_index"`
	Median         Floats   `json:"median_float32"`
	Result         Floats   `json:"result_float32"`
}

type krumSelectCase struct {
	N            int      `json:"n"`
	D            int      `json:"d"`
	NumByzantine int      `json:"num_byzantine"`
	Recipe       string   `json:"gradients_recipe"`
	Explicit     []Floats `json:"gradients_float32"`
	Selected     int      `json:"selected_index"`
}

func checkKrum(top map[string]json.RawMessage, r *Recorder) error {
	var agg []krumAggregateCase
	if err := json.Unmarshal(top["aggregate_cases"], &agg); err != nil {
		return fmt.Errorf("aggregate_cases: %w", err)
	}
	for i, c := range agg {
		name := c.Name
		if name == "" {
			name = strconv.Itoa(i)
		}
		r.Case("aggregate/"+name, checkKrumAggregate(&c))
	}
	if raw, ok := top["krum_select_cases"]; ok {
		var sel []krumSelectCase
		if err := json.Unmarshal(raw, &sel); err != nil {
			return fmt.Errorf("krum_select_cases: %w", err)
		}
		for i, c := range sel {
			name := fmt.Sprintf("krum_select/%d n=%d d=%d f=%d", i, c.N, c.D, c.NumByzantine)
			r.Case(name, checkKrumSelect(&c))
		}
	}
	return nil
}

func checkKrumAggregate(c *krumAggregateCase) error {
	grads, err := krumGradients(c.Recipe, c.Explicit, c.Outliers)
	if err != nil {
		return err
	}
	if c.SHA != "" {
		if got := krumSHA(grads); got != c.SHA {
			return fmt.Errorf("rebuilt gradients: sha256 %s, want %s", got, c.SHA)
		}
	}
	var g *rng.Generator
	if !krumNoneRNG.MatchString(c.RNG) {
		m := krumSeedRe.FindStringSubmatch(c.RNG)
		if m == nil {
			return fmt.Errorf("aggregate_rng %q: no default_rng(SEED)", c.RNG)
		}
		seed, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			return fmt.Errorf("aggregate_rng %q: %w", c.RNG, err)
		}
		g = rng.New(seed)
	}
	a := federated.Aggregator{
		NumClusters:       c.Aggregator.NumClusters,
		ByzantineFraction: c.Aggregator.ByzantineFraction,
		SampleFraction:    c.Aggregator.SampleFraction,
	}
	out, tr, err := a.Aggregate(grads, g)
	if err != nil {
		return err
	}
	if c.Sampled == nil {
		if tr.SampledIndices != nil {
			return fmt.Errorf("sampled %d clients, want no sampling", len(tr.SampledIndices))
		}
	} else if err := krumInts("sampled_indices", tr.SampledIndices, c.Sampled); err != nil {
		return err
	}
	if err := krumInts("cluster_assignments", tr.ClusterAssignments, c.Assignments); err != nil {
		return err
	}
	if err := krumInts("cluster_selected_gradient_index", tr.ClusterSelected, c.ClusterChoices); err != nil {
		return err
	}
	if tr.GlobalIndex != c.Global {
		return fmt.Errorf("global_krum_gradient_index: got %d, want %d", tr.GlobalIndex, c.Global)
	}
	if err := exactSlice("median_float32", krumWiden(tr.Median), c.Median); err != nil {
		return err
	}
	return exactSlice("result_float32", krumWiden(out), c.Result)
}

func checkKrumSelect(c *krumSelectCase) error {
	grads, err := krumGradients(c.Recipe, c.Explicit, nil)
	if err != nil {
		return err
	}
	if c.N != 0 && len(grads) != c.N {
		return fmt.Errorf("rebuilt %d gradients, want n=%d", len(grads), c.N)
	}
	got, err := federated.KrumSelect(grads, c.NumByzantine)
	if err != nil {
		return err
	}
	if got != c.Selected {
		return fmt.Errorf("selected_index: got %d, want %d", got, c.Selected)
	}
	return nil
}

var (
	krumSeedRe    = regexp.MustCompile(`default_rng\((\d+)\)`)
	krumNoneRNG   = regexp.MustCompile(`^\s*None\b`)
	krumShapeRe   = regexp.MustCompile(`standard_normal\(\(\s*(\d+)\s*,\s*(\d+)\s*\)\)`)
	krumChoiceRe  = regexp.MustCompile(`choice\(\s*(\d+)\s*,\s*size\s*=\s*(\d+)\s*,\s*replace\s*=\s*False\s*\)`)
	krumOutlierRe = regexp.MustCompile(`\*\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*\+\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*\)`)
)

// krumGradients rebuilds a case's float32 gradients from its recipe, e.g.
// "np.random.default_rng(1).standard_normal((10,5)).astype(float32)", optionally followed by
// "idx=sorted(g.choice(N, size=K, replace=False)); X[idx]=(X[idx]*100+50).astype(float32)"
// on the same generator. Explicit values, when recorded, must agree with the recipe; with no
// usable recipe they are used directly.
func krumGradients(recipe string, explicit []Floats, outliers []int) ([][]float32, error) {
	grads, err := krumFromRecipe(recipe, outliers)
	if err != nil {
		if len(explicit) == 0 {
			return nil, err
		}
		return krumExplicit(explicit)
	}
	if len(explicit) > 0 {
		want, err := krumExplicit(explicit)
		if err != nil {
			return nil, err
		}
		if len(want) != len(grads) {
			return nil, fmt.Errorf("recipe gives %d gradients, gradients_float32 has %d", len(grads), len(want))
		}
		for i := range want {
			if err := exactSlice(fmt.Sprintf("gradient %d from recipe", i), krumWiden(grads[i]), krumWiden(want[i])); err != nil {
				return nil, err
			}
		}
	}
	return grads, nil
}

func krumFromRecipe(recipe string, outliers []int) ([][]float32, error) {
	seedM := krumSeedRe.FindStringSubmatch(recipe)
	shapeM := krumShapeRe.FindStringSubmatch(recipe)
	if seedM == nil || shapeM == nil {
		return nil, fmt.Errorf("gradients_recipe %q: expected default_rng(S)…standard_normal((N,D))", recipe)
	}
	seed, err1 := strconv.ParseUint(seedM[1], 10, 64)
	n, err2 := strconv.Atoi(shapeM[1])
	d, err3 := strconv.Atoi(shapeM[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("gradients_recipe %q: %w", recipe, err)
	}
	if n < 1 || d < 1 || n*d > 1<<26 {
		return nil, fmt.Errorf("gradients_recipe %q: shape (%d,%d) out of range", recipe, n, d)
	}
	g := rng.New(seed)
	grads := make([][]float32, n)
	for i := range grads {
		grads[i] = make([]float32, d)
		for j := range grads[i] {
			grads[i][j] = float32(g.StandardNormal())
		}
	}
	ch := krumChoiceRe.FindStringSubmatch(recipe)
	if ch == nil {
		if len(outliers) > 0 {
			return nil, fmt.Errorf("gradients_recipe %q has no outlier step but outlier_indices are given", recipe)
		}
		return grads, nil
	}
	pop, _ := strconv.Atoi(ch[1])
	k, _ := strconv.Atoi(ch[2])
	om := krumOutlierRe.FindStringSubmatch(recipe)
	if om == nil {
		return nil, fmt.Errorf("gradients_recipe %q: no (X[idx]*A+B) outlier transform", recipe)
	}
	scale, err1 := strconv.ParseFloat(om[1], 32)
	offset, err2 := strconv.ParseFloat(om[2], 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("gradients_recipe %q: %w", recipe, err)
	}
	idx64, err := g.ChoiceNoReplace(pop, k)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(idx64))
	for i, v := range idx64 {
		idx[i] = int(v)
	}
	slices.Sort(idx)
	if outliers != nil && !slices.Equal(idx, outliers) {
		return nil, fmt.Errorf("recipe outliers %v, want outlier_indices %v", idx, outliers)
	}
	// numpy keeps float32 for float32 array ⊗ Python number: each operation rounds to float32.
	s, o := float32(scale), float32(offset)
	for _, i := range idx {
		if i >= n {
			return nil, fmt.Errorf("outlier index %d out of range for %d gradients", i, n)
		}
		for j, v := range grads[i] {
			grads[i][j] = float32(float32(v*s) + o)
		}
	}
	return grads, nil
}

func krumExplicit(rows []Floats) ([][]float32, error) {
	out := make([][]float32, len(rows))
	for i, row := range rows {
		out[i] = make([]float32, len(row))
		for j, v := range row {
			f := float32(v)
			if float64(f) != v && !math.IsNaN(v) {
				return nil, fmt.Errorf("gradients_float32[%d][%d] = %v is not a float32 value", i, j, v)
			}
			out[i][j] = f
		}
	}
	return out, nil
}

func krumWiden(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func krumSHA(grads [][]float32) string {
	var all []float64
	for _, g := range grads {
		all = append(all, krumWiden(g)...)
	}
	return sha256F64(all)
}

func krumInts(what string, got, want []int) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d values, want %d (got %v, want %v)", what, len(got), len(want), krumHead(got), krumHead(want))
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("%s[%d]: got %d, want %d", what, i, got[i], want[i])
		}
	}
	return nil
}

func krumHead(x []int) []int {
	if len(x) > 12 {
		return x[:12]
	}
	return x
}
