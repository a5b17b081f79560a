package dataset

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"mfn/features"
)

func TestGMSweep(t *testing.T) {
	s := GMSweep{Presets: []string{"spots", "uniform"}, Seeds: 2, BaseSeed: 5, GridSize: 32, Steps: 2000}
	p, err := s.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Jobs) != 4 || p.Jobs[1].Preset != "spots" || p.Jobs[1].Seed != 6 || p.Jobs[2].Preset != "uniform" || p.Jobs[3].GM.Steps != 2000 {
		t.Fatalf("jobs %+v", p.Jobs)
	}
	cp, err := OpenCheckpoint(filepath.Join(t.TempDir(), "c.partial"), RunID(p, features.AdaptiveConfig()), "t", false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), p, Options{Workers: 2, Checkpoint: cp})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		formed := r.Pattern.Contrast >= 0.01
		if formed != (r.Preset == "spots") || (formed && !(r.Features.DBox > 1 && r.Features.DBox < 2)) {
			t.Errorf("%s seed %d: contrast %g, D_box %g", r.Preset, r.Seed, r.Pattern.Contrast, r.Features.DBox)
		}
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, p.Layout, res.Rows, &RunInfo{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "sim_id,model,preset,random_seed") || !strings.Contains(lines[1], ",gm,spots,5,32,2000,") {
		t.Fatalf("csv:\n%s", buf.String())
	}
	// A resumed run takes the rows, pattern included, from the checkpoint.
	cp.Close()
	cp2, err := OpenCheckpoint(cp.path, RunID(p, features.AdaptiveConfig()), "t", true)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Generate(context.Background(), p, Options{Checkpoint: cp2})
	if err != nil || again.Resumed != 4 || again.Rows[0].Pattern != res.Rows[0].Pattern || again.Rows[0].Preset != "spots" {
		t.Fatalf("resume: %v, resumed %d, %+v vs %+v", err, again.Resumed, again.Rows[0].Pattern, res.Rows[0].Pattern)
	}
	cp2.Remove()

	for _, bad := range []GMSweep{
		{Seeds: 1},
		{Presets: []string{"zebra"}, Seeds: 1},
		{Presets: []string{"spots"}, Seeds: 0},
		{Presets: []string{"spots"}, Seeds: 1, GridSize: 1000},
		{Presets: []string{"spots"}, Seeds: 1, Params: map[string]float64{"d_a": -1}},
	} {
		if _, err := bad.Plan(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
