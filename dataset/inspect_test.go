package dataset

import (
	"strings"
	"testing"

	"mfn/features"
)

func TestInspectWarnsOnConstantFeatures(t *testing.T) {
	// A table with every feature, each varying over 3 rows.
	table := func(constant string) *Table {
		tb := &Table{Rows: 3, Numeric: map[string][]float64{}}
		for i, name := range features.Names() {
			tb.Columns = append(tb.Columns, name)
			v := float64(i) / 100 // small and positive: inside every feature's sanity range
			tb.Numeric[name] = []float64{v, v + 0.001, v + 0.002}
			if name == constant {
				tb.Numeric[name] = []float64{0, 0, 0}
			}
		}
		return tb
	}
	if in := Inspect(table("")); len(in.Warnings) != 0 || len(in.Constant) != 0 {
		t.Fatalf("varied table: warnings %v, constant %v", in.Warnings, in.Constant)
	}
	in := Inspect(table("D_box"))
	if len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], "1 of 18 features are constant over 3 rows") ||
		!strings.Contains(in.Warnings[0], "D_box") {
		t.Fatalf("constant D_box: warnings %v", in.Warnings)
	}
	one := table("")
	one.Rows = 1
	for k, v := range one.Numeric {
		one.Numeric[k] = v[:1]
	}
	for _, w := range Inspect(one).Warnings {
		if strings.Contains(w, "constant") {
			t.Fatalf("a single row cannot show variation, got %v", w)
		}
	}
}

// The gm layout's label columns (model, preset) are the dataset's own, not foreign columns.
func TestInspectKnowsTheGMLabels(t *testing.T) {
	for _, c := range []string{"model", "preset"} {
		if !knownStringColumn(c) {
			t.Errorf("column %q of the gm layout is reported as foreign", c)
		}
	}
}
