package gmspec

import (
	"strings"
	"testing"

	"mfn/morph"
)

func TestConfig(t *testing.T) {
	c, err := Spec{Model: "gm"}.Config(7, 0, 0)
	p, _ := morph.LookupPreset(morph.DefaultPreset)
	if err != nil || c.Seed != 7 || c.GridSize != p.Config.GridSize || c.Steps != p.Config.Steps {
		t.Fatalf("default preset: %v %+v", err, c)
	}
	c, err = Spec{Model: "gm", Preset: "spots", Params: map[string]float64{"d_i": 9}}.Config(1, 32, 100)
	if err != nil || c.Params.DI != 9 || c.GridSize != 32 || c.Steps != 100 {
		t.Fatalf("overrides: %v %+v", err, c)
	}
	for _, tc := range []struct {
		spec        Spec
		grid, steps int
		want        string
	}{
		{Spec{Model: "v5"}, 0, 0, `model="v5": must be one of v4.1, gm`},
		{Spec{Model: "gm", Preset: "zebra"}, 0, 0, `preset="zebra": must be one of`},
		{Spec{Preset: "spots"}, 0, 0, `preset="spots": must be used only with "model": "gm"`},
		{Spec{Model: "gm", Params: map[string]float64{"d_a": -1}}, 0, 0, "params.d_a=-1"},
		{Spec{Model: "gm", Params: map[string]float64{"zeta": 1}}, 0, 0, `unknown parameter "zeta"`},
		{Spec{Model: "gm"}, 512, 10, "grid_size=512: must be an integer in [8, 256]"},
		{Spec{Model: "gm"}, 256, 2000, "steps=2000: must be at most 1024 on a 256² grid"},
		{Spec{Model: "gm"}, 64, 20001, "steps=20001"},
	} {
		_, err := tc.spec.Config(1, tc.grid, tc.steps)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v %d %d: %v, want %q", tc.spec, tc.grid, tc.steps, err, tc.want)
		}
	}
	if err := (Spec{Model: "v4.1"}).Check(); err != nil {
		t.Error(err)
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		preset string
		formed bool
	}{{"spots", true}, {"uniform", false}} {
		c, err := Spec{Model: "gm", Preset: tc.preset}.Config(42, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Summarize(t.Context(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v", tc.preset, s)
		if s.Pattern.Formed() != tc.formed {
			t.Errorf("%s: pattern formed %v (contrast %g)", tc.preset, s.Pattern.Formed(), s.Pattern.Contrast)
		}
		if tc.formed && !(s.FractalDimension > 1 && s.FractalDimension < 2 && s.TuringActivations > 0 && s.PotMax > s.PotMin) {
			t.Errorf("%s: D %g, activations %d", tc.preset, s.FractalDimension, s.TuringActivations)
		}
		if !tc.formed && s.FractalDimension != 0 {
			t.Errorf("uniform field has D %g", s.FractalDimension)
		}
	}
}
