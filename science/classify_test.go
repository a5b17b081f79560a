package science

import (
	"context"
	"fmt"
	"testing"

	"mfn/features"
)

var regimes = []string{"spots", "stripes", "labyrinth", "uniform"}

// classify sweeps the presets × seeds, cross-validates the nearest-centroid classifier and
// asserts issue 11's bounds: ≥ 95 % accuracy and at most 2 of the 18 features constant.
func classify(t *testing.T, sc SweepConfig, samples []Sample) {
	t.Helper()
	conf, err := CrossValidate(samples, regimes, 5)
	if err != nil {
		t.Fatal(err)
	}
	constant := ConstantFeatures(samples)
	size := "the presets' grids and steps"
	if sc.GridSize > 0 {
		size = fmt.Sprintf("%d² grid, %d steps", sc.GridSize, sc.Steps)
	}
	t.Logf("%d samples (%s), 5-fold accuracy %.3f, constant features %d %v\n%s",
		len(samples), size, conf.Accuracy(), len(constant), constant, conf)
	if acc := conf.Accuracy(); acc < 0.95 {
		t.Errorf("accuracy %.3f < 0.95", acc)
	}
	if len(constant) > 2 {
		t.Errorf("%d features constant over the sweep: %v", len(constant), constant)
	}
}

// TestRegimesSeparable runs the sweep of ClassifierSweep (small grids, 10 seeds per regime),
// and the features group of mfn science on it.
func TestRegimesSeparable(t *testing.T) {
	samples, err := classifierSamples()
	if err != nil {
		t.Fatal(err)
	}
	classify(t, ClassifierSweep(), samples)
	for _, c := range classificationChecks() {
		if r := runOne(c); r.Status != Pass {
			t.Errorf("%s: %s (%s)", c.Name, r.Status, r.Computed)
		}
	}
}

// TestRegimesSeparablePresetGrids is the same at the presets' own sizes (64², 4000–6000
// steps): about half a minute on two cores, so -short skips it.
func TestRegimesSeparablePresetGrids(t *testing.T) {
	if testing.Short() {
		t.Skip("the presets' full grids take ~30 s; run without -short")
	}
	sc := SweepConfig{Presets: regimes, Seeds: 10, Threshold: features.AdaptiveConfig()}
	samples, err := Sweep(context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	classify(t, sc, samples)
}

func TestCrossValidateSeparatesAndConfuses(t *testing.T) {
	var s []Sample
	for i := range 10 {
		x := float64(i)
		s = append(s, Sample{Label: "a", X: []float64{x, 0, 7}}, Sample{Label: "b", X: []float64{x + 100, 1, 7}})
	}
	c, err := CrossValidate(s, []string{"a", "b"}, 5)
	if err != nil || c.Accuracy() != 1 {
		t.Fatalf("separable classes: %v, accuracy %v\n%s", err, c.Accuracy(), c)
	}
	if got := ConstantFeatures(s); len(got) != 1 {
		t.Errorf("constant features %v, want the third", got)
	}
	// Identical distributions: the classifier must not do better than chance by much.
	var same []Sample
	for i := range 20 {
		same = append(same, Sample{Label: []string{"a", "b"}[i%2], X: []float64{float64(i / 2)}})
	}
	c, _ = CrossValidate(same, []string{"a", "b"}, 5)
	if c.Accuracy() > 0.75 {
		t.Errorf("indistinguishable classes classified with accuracy %.2f\n%s", c.Accuracy(), c)
	}
	if _, err := CrossValidate(s, []string{"a"}, 5); err == nil {
		t.Error("an unknown label was accepted")
	}
}
