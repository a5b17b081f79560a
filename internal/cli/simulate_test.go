package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/field"
	"mfn/npy"
	"mfn/rng"
)

func TestSimulateDefaultsMatchReference(t *testing.T) {
	code, out, errOut := run(t, "", "simulate", "--model", "v4.1", "--format", "json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// The reference's /simulate answer for {"seed":42,"grid_size":64,"steps":64} (golden api.json).
	want := map[string]float64{"growth_events": 14, "pot_min_mV": -70.70938698488536, "pot_max_mV": -67.30757873491174,
		"pot_mean_mV": -70.03076248064738, "pot_std_mV": 0.3302476077214526, "fractal_dimension": 0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestSimulateFieldParsesBackExactly(t *testing.T) {
	code, out, errOut := run(t, "", "simulate", "--format", "json", "--field", "--grid-size", "16", "--steps", "10", "--jitter")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var got struct {
		Field []float64 `json:"field"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	p := field.DefaultLegacy()
	p.GridSize, p.Steps, p.QuantumJitter = 16, 10, true
	want, _ := field.SimulateLegacy(rng.New(42), p)
	if len(got.Field) != len(want.Field) {
		t.Fatalf("field has %d values, want %d", len(got.Field), len(want.Field))
	}
	for i := range want.Field {
		if math.Float64bits(got.Field[i]) != math.Float64bits(want.Field[i]) {
			t.Fatalf("field[%d] = %v, want %v", i, got.Field[i], want.Field[i])
		}
	}
}

func TestSimulateWritesNpy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "field.npy")
	if code, _, errOut := run(t, "", "simulate", "--engine", "engine", "--grid-size", "8", "--steps", "5", "--history", "--out", path); code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	shape, data, err := npy.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != 5 || shape[1] != 8 || len(data) != 5*64 {
		t.Fatalf("shape %v, %d values", shape, len(data))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestSimulateBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--engine", "engine", "--alpha", "0.3"}, 2, "alpha=0.3 exceeds CFL stability limit"},
		{[]string{"--model", "v4.1", "--grid-size", "0"}, 2, "parameter='grid_size', value=0.0"},
		{[]string{"--engine", "turbo"}, 2, `--engine="turbo": must be one of legacy, engine`},
		{[]string{"--model", "v4.1", "--boundary", "dirichlet"}, 2, "needs --engine engine"},
		{[]string{"--alpha", "NaN"}, 2, "parameter='alpha', value=nan"},
		{[]string{"--steps", "abc"}, 2, "invalid value"},
		{[]string{"--out", "x.txt"}, 2, "must end in .npy"},
		{[]string{"--model", "v4.1", "--out", "/nonexistent-dir/x.npy"}, 1, "cannot write"},
		{[]string{"--turing", "--no-turing"}, 2, "contradict"},
	} {
		code, _, errOut := run(t, "", append([]string{"simulate"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: code %d (want %d), stderr %q (want %q)", c.args, code, c.code, errOut, c.want)
		}
	}
}
