package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"mfn/dataset"
)

func TestDatasetGM(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gm.parquet")
	code, stdout, stderr := run(t, "", "dataset", "--model", "gm", "--presets", "stripes,uniform", "--seeds", "2",
		"--grid-size", "32", "--steps", "1500", "--param", "mu_i=1.25", "--out", out, "--quiet")
	if code != 0 || !strings.Contains(stdout, "Rows: 4 of 4") {
		t.Fatalf("code %d\n%s\n%s", code, stdout, stderr)
	}
	tbl, err := dataset.ReadFile(out)
	if err != nil || tbl.Rows != 4 || tbl.Meta == nil || tbl.Meta.Layout != dataset.LayoutGM || tbl.Meta.Features.ThresholdMode != "otsu" {
		t.Fatalf("%v %+v", err, tbl)
	}
	if got := tbl.Strings["preset"]; strings.Join(got, ",") != "stripes,stripes,uniform,uniform" {
		t.Errorf("preset column %v", got)
	}
	if mu := tbl.Numeric["mu_i"]; mu[0] != 1.25 {
		t.Errorf("mu_i column %v", mu)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "v4.1"}, "takes gm"},
		{[]string{"--model", "gm", "--presets", "zebra"}, `preset="zebra"`},
		{[]string{"--model", "gm", "--param", "d_a=-1"}, "d_a=-1"},
		{[]string{"--model", "gm", "--samples", "3"}, "--samples does not apply"},
		{[]string{"--preset", "small", "--seeds", "3"}, "only --model gm takes --seeds"},
		{[]string{"--preset", "small", "--model", "gm"}, "exactly one of"},
	} {
		code, _, stderr := run(t, "", append([]string{"dataset"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: code %d, %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
