package dataset

import (
	"strings"
	"testing"
)

func TestInspectWarnsOnConstantFeatures(t *testing.T) {
	varied := &Table{Rows: 3, Columns: []string{"D_box", "V_min"}, Numeric: map[string][]float64{
		"D_box": {1.2, 1.5, 1.7}, "V_min": {-70, -71, -69},
	}}
	if in := Inspect(varied); len(in.Warnings) != 0 || len(in.Constant) != 0 {
		t.Fatalf("varied table: warnings %v, constant %v", in.Warnings, in.Constant)
	}
	flat := &Table{Rows: 3, Columns: []string{"D_box", "V_min"}, Numeric: map[string][]float64{
		"D_box": {0, 0, 0}, "V_min": {-70, -71, -69},
	}}
	in := Inspect(flat)
	if len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], "1 of 2 features are constant over 3 rows") ||
		!strings.Contains(in.Warnings[0], "D_box") {
		t.Fatalf("constant D_box: warnings %v", in.Warnings)
	}
	one := &Table{Rows: 1, Columns: []string{"D_box"}, Numeric: map[string][]float64{"D_box": {0}}}
	if in := Inspect(one); len(in.Warnings) != 0 {
		t.Fatalf("a single row cannot show variation, got %v", in.Warnings)
	}
}
