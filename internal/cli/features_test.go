package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mfn/features"
	"mfn/field"
	"mfn/npy"
	"mfn/rng"
)

// legacyFeatures is what `mfn features` should print for the legacy simulation p (seed 42).
func legacyFeatures(t *testing.T, p field.LegacyParams, cfg features.Config) features.Vector {
	t.Helper()
	var h [][]float64
	_, err := field.SimulateLegacyFrames(rng.New(42), p, func(_ int, f []float64) error {
		h = append(h, append([]float64(nil), f...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := features.Compute(h, p.GridSize, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFeaturesDefaultText(t *testing.T) {
	code, out, errOut := run(t, "", "features", "--model", "v4.1")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	want := legacyFeatures(t, field.DefaultLegacy(), features.DefaultConfig())
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != features.Count {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for i, name := range features.Names() {
		f := strings.Fields(lines[i])
		if len(f) != 2 || f[0] != name {
			t.Fatalf("line %d = %q, want %s and a value", i, lines[i], name)
		}
		got, err := strconv.ParseFloat(f[1], 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want.Values()[i]) {
			t.Errorf("%s = %s, want %v", name, f[1], want.Values()[i])
		}
	}
	// The reference's /simulate numbers for this run (golden api.json), as a cross-check.
	if want.VMin != -70.70938698488536 || want.VMax != -67.30757873491174 || want.VMean != -70.03076248064738 || want.TStable != 64 {
		t.Errorf("legacy default features %+v", want)
	}
	if !strings.Contains(out, "T_stable         64\n") || !strings.Contains(out, "D_box            0.0\n") {
		t.Errorf("formatting:\n%s", out)
	}
}

func TestFeaturesJSONAndCSV(t *testing.T) {
	args := []string{"features", "--grid-size", "16", "--steps", "20", "--jitter", "--seed", "42", "--connectivity", "8", "--demo-config"}
	code, out, errOut := run(t, "", append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	p := field.DefaultLegacy()
	p.GridSize, p.Steps, p.QuantumJitter = 16, 20, true
	cfg := features.DemoConfig()
	cfg.Connectivity = 8
	want := legacyFeatures(t, p, cfg)
	if want.FActive == 0 || want.NClustersLow == 0 {
		t.Fatalf("the jitter run should have active cells: %+v", want)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", out)
	}
	for i, name := range features.Names() {
		key, err := dec.Token()
		if err != nil || key != name {
			t.Fatalf("key %d = %v, want %s", i, key, name)
		}
		var x float64
		if err := dec.Decode(&x); err != nil || math.Float64bits(x) != math.Float64bits(want.Values()[i]) {
			t.Errorf("%s = %v (%v), want %v", name, x, err, want.Values()[i])
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') || dec.More() {
		t.Errorf("trailing content in %s", out)
	}

	code, out, errOut = run(t, "", append(args, "--format", "csv")...)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || lines[0] != strings.Join(features.Names(), ",") {
		t.Fatalf("csv:\n%s", out)
	}
	for i, cell := range strings.Split(lines[1], ",") {
		if x, err := strconv.ParseFloat(cell, 64); err != nil || math.Float64bits(x) != math.Float64bits(want.Values()[i]) {
			t.Errorf("csv %s = %s, want %v", features.Names()[i], cell, want.Values()[i])
		}
	}
}

// A field or history written by `mfn simulate --out` gives the same features as simulating.
func TestFeaturesFromNpy(t *testing.T) {
	dir := t.TempDir()
	for _, history := range []bool{true, false} {
		path := filepath.Join(dir, "f"+strconv.FormatBool(history)+".npy")
		args := []string{"--engine", "engine", "--grid-size", "16", "--steps", "12", "--jitter"}
		sim := append([]string{"simulate", "--out", path}, args...)
		if history {
			sim = append(sim, "--history")
		}
		if code, _, errOut := run(t, "", sim...); code != 0 {
			t.Fatalf("simulate: %s", errOut)
		}
		code, fromFile, errOut := run(t, "", "features", "--in", path, "--format", "json")
		if code != 0 {
			t.Fatalf("features --in: code %d: %s", code, errOut)
		}
		direct := append([]string{"features", "--format", "json"}, args...)
		if !history {
			direct = append(direct, "--field-only")
		}
		code, simulated, errOut := run(t, "", direct...)
		if code != 0 {
			t.Fatalf("features: code %d: %s", code, errOut)
		}
		if fromFile != simulated {
			t.Errorf("history %v:\n --in %s\n simulated %s", history, fromFile, simulated)
		}
		if !history && !strings.Contains(fromFile, `"T_stable":0.0`) {
			t.Errorf("a single field has no temporal features: %s", fromFile)
		}
	}
}

func TestFeaturesBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, shape []int, n int) string {
		p := filepath.Join(dir, name)
		var b bytes.Buffer
		if err := npy.Write(&b, shape, make([]float64, n)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	intNpy := filepath.Join(dir, "int.npy")
	hdr := "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }"
	hdr += strings.Repeat(" ", 63-len(hdr)) + "\n"
	raw := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), 0)
	raw = append(append(raw, hdr...), make([]byte, 32)...)
	if err := os.WriteFile(intNpy, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--in", write("rect.npy", []int{3, 4}, 12)}, 1, "shape (3, 4)"},
		{[]string{"--in", write("flat.npy", []int{9}, 9)}, 1, "shape (9)"},
		{[]string{"--in", write("four.npy", []int{1, 2, 2, 2}, 8)}, 1, "shape (1, 2, 2, 2)"},
		{[]string{"--in", write("empty.npy", []int{0, 3, 3}, 0)}, 1, "shape (0, 3, 3)"},
		{[]string{"--in", intNpy}, 1, `dtype "<i8"`},
		{[]string{"--in", filepath.Join(dir, "missing.npy")}, 1, "no such file"},
		{[]string{"--in", write("ok.npy", []int{4, 4}, 16), "--seed", "3"}, 2, "--seed"},
		{[]string{"--connectivity", "6"}, 2, "connectivity must be one of (4, 8), got 6"},
		{[]string{"--num-scales", "1"}, 2, "num_scales must be in [2, 20], got 1"},
		{[]string{"--threshold-low", "-40"}, 2, "threshold_low_mv (-40.0) must be < threshold_med_mv (-50.0)"},
		{[]string{"--stability-window", "0"}, 2, "stability_window"},
		{[]string{"--format", "xml"}, 2, "--format"},
	} {
		code, _, errOut := run(t, "", append([]string{"features"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("features %v: code %d, stderr %q; want code %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
