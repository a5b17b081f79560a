package cli

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/internal/buildinfo"
	"mfn/morph"
)

// The README's first command: a pattern forms.
func TestSimulateDefaultFormsAPattern(t *testing.T) {
	code, out, errOut := run(t, "", "simulate", "--format", "json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var s gmSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Model != "gm" || s.Preset != morph.DefaultPreset {
		t.Errorf("model %q preset %q", s.Model, s.Preset)
	}
	if !(s.Pattern.Contrast > 0.1) || !(s.FractalDimension > 1 && s.FractalDimension < 2) || s.TuringActivations == 0 {
		t.Errorf("contrast %v, fractal dimension %v, Turing activity %d", s.Pattern.Contrast, s.FractalDimension, s.TuringActivations)
	}
	if r := s.Pattern.WavelengthCells / s.Pattern.PredictedWavelengthCells; !(r > 0.9 && r < 1.1) {
		t.Errorf("wavelength %v vs predicted %v", s.Pattern.WavelengthCells, s.Pattern.PredictedWavelengthCells)
	}
	if !(s.PotMin >= -95 && s.PotMax <= 40) {
		t.Errorf("potential [%v, %v] mV", s.PotMin, s.PotMax)
	}
	for _, k := range []string{`"wavelength_cells"`, `"predicted_wavelength_cells"`, `"contrast"`} {
		if !strings.Contains(out, `"pattern":{`) || !strings.Contains(out, k) {
			t.Errorf("JSON lacks pattern.%s: %s", k, out)
		}
	}
}

func TestListPresets(t *testing.T) {
	code, out, _ := run(t, "", "simulate", "--list-presets")
	if code != 0 {
		t.Fatalf("code %d", code)
	}
	for _, w := range []string{"spots", "stripes", "labyrinth (default)", "uniform", "kappa=0.1", "d_i=14.4", "stable (no Turing instability)"} {
		if !strings.Contains(out, w) {
			t.Errorf("--list-presets lacks %q:\n%s", w, out)
		}
	}
	code, out, _ = run(t, "", "simulate", "--list-presets", "--format", "json")
	var ps []morph.Preset
	if err := json.Unmarshal([]byte(out), &ps); code != 0 || err != nil || len(ps) != 4 || ps[0].Config.Params.DI != 10 {
		t.Errorf("code %d, %v, %+v", code, err, ps)
	}
}

func TestModelFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"simulate", "--param", "kappa"}, 2, "want name=value"},
		{[]string{"simulate", "--param", "zeta=1"}, 2, `unknown parameter "zeta"`},
		{[]string{"simulate", "--param", "kappa=-1"}, 2, "kappa=-1: must be in [0, 100]"},
		{[]string{"simulate", "--param", "dt=0.05"}, 2, "d_i=14.4"},
		{[]string{"simulate", "--model", "gm", "--alpha", "0.1"}, 2, "--alpha apply to --model v4.1"},
		{[]string{"simulate", "--model", "v4.1", "--preset", "spots"}, 2, "--preset apply to --model gm"},
		{[]string{"simulate", "--model", "v5"}, 2, `model="v5"`},
		{[]string{"simulate", "--preset", "zebra"}, 2, `preset="zebra"`},
		{[]string{"simulate", "--init", "waves"}, 2, `init="waves"`},
		{[]string{"simulate", "--grid-size", "2"}, 2, "grid_size=2"},
		{[]string{"analyze", "--param", "d_i=0"}, 2, "d_i=0"},
		{[]string{"analyze", "--model", "v4.1", "--param", "d_inhibitor=0.3"}, 2, "d_inhibitor=0.3"},
		{[]string{"analyze", "--model", "v4.1", "--preset", "spots"}, 2, "--preset applies to --model gm"},
		{[]string{"analyze", "--plot", "x.jpg"}, 2, "must end in .png"},
	} {
		code, _, errOut := run(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: code %d (want %d), stderr %q (want %q)", c.args, code, c.code, errOut, c.want)
		}
	}
	// A v4.1-only flag without --model keeps its old meaning.
	code, out, errOut := run(t, "", "simulate", "--alpha", "0.1", "--steps", "3", "--grid-size", "8")
	if code != 0 || !strings.Contains(out, "legacy path") {
		t.Errorf("--alpha alone: code %d, %q %q", code, out, errOut)
	}
}

func TestAnalyze(t *testing.T) {
	dir := t.TempDir()
	plot := filepath.Join(dir, "spots.png")
	if !buildinfo.Has("plot") {
		code, _, errOut := run(t, "", "analyze", "--preset", "spots", "--plot", plot)
		if code != 2 || !strings.Contains(errOut, "-tags noplot") {
			t.Errorf("--plot in a build without plots: code %d, %q", code, errOut)
		}
		plot = ""
	}
	args := []string{"analyze", "--preset", "spots", "--grid-size", "128", "--format", "json"}
	if plot != "" {
		args = append(args, "--plot", plot)
	}
	code, out, errOut := run(t, "", args...)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var r analysisReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Turing || r.GridSize != 128 || !(r.Fastest.WavelengthCells > 7 && r.Fastest.WavelengthCells < 9) || r.SteadyState != [2]float64{1.5, 1.5} {
		t.Errorf("spots analysis %+v", r)
	}
	if plot != "" {
		f, err := os.Open(plot)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 576 || img.Bounds().Dy() != 384 {
			t.Errorf("plot: %v, want a 576×384 PNG", err)
		}
	}
	code, out, _ = run(t, "", "analyze", "--model", "v4.1")
	if code != 0 || !strings.Contains(out, "turing_unstable              false") || !strings.Contains(out, "= 0            no") {
		t.Errorf("v4.1 analysis:\n%s", out)
	}
}

func TestFeaturesAndRenderOfGM(t *testing.T) {
	code, out, errOut := run(t, "", "features", "--preset", "spots", "--grid-size", "32", "--steps", "3000", "--format", "json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var v map[string]float64
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if !(v["D_box"] > 1 && v["D_box"] < 2) || !(v["f_active"] > 0.05 && v["f_active"] < 0.6) || v["N_clusters_low"] < 3 {
		t.Errorf("spots features with adaptive thresholds: %v", v)
	}
	// Fixed (v4.1) thresholds on request.
	_, out, _ = run(t, "", "features", "--preset", "spots", "--grid-size", "32", "--steps", "3000", "--format", "json", "--threshold-mode", "fixed", "--threshold-low", "-30", "--threshold-med", "-20", "--threshold-high", "-10")
	var fixed map[string]float64
	if err := json.Unmarshal([]byte(out), &fixed); err != nil || fixed["f_active"] != 0 {
		t.Errorf("fixed threshold above the field: %v %v", fixed["f_active"], err)
	}
	png := filepath.Join(t.TempDir(), "stripes.png")
	if code, out, errOut := run(t, "", "render", "--preset", "stripes", "--steps", "500", "--out", png); code != 0 || !strings.Contains(out, "written") {
		t.Errorf("render: code %d %s", code, errOut)
	}
}
