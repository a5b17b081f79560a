package cli

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"mfn/nn"
)

// The reference CLI's portable lines for seed 42 (docs/spec/reference-timings.md, identical for any
// number of epochs).
var referencePortableLines = []string{
	"pot_min_mV              : -71.083952",
	"pot_max_mV              : -62.975776",
	"example_fractal_dim     :  0.000000",
	"lyapunov_exponent       : -2.121279",
	"lyapunov_mean           : -2.216214",
	"growth_events           :  20.000000",
	"nernst_symbolic_mV      : -89.010669",
	"nernst_numeric_mV       : -89.010669",
	"nernst_rtfz_mV          :  26.712247",
}

func TestValidateTextMatchesReference(t *testing.T) {
	for _, args := range [][]string{
		{"validate"},
		{"validate", "--mode", "validate", "--seed", "42", "--epochs", "5"},
		{"validate", "--turing-enabled", "--batch-size=4", "--grid-size", "64", "--steps", "64"},
	} {
		code, out, errOut := run(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 13 || lines[0] != "=== MyceliumFractalNet v4.1 :: validation ===" {
			t.Fatalf("%v: output\n%s", args, out)
		}
		for i, want := range referencePortableLines {
			if lines[4+i] != want {
				t.Errorf("%v: line %d %q, reference %q", args, 4+i, lines[4+i], want)
			}
		}
		for i, key := range []string{"loss_start", "loss_final", "loss_drop"} {
			line := lines[1+i]
			prefix := key + strings.Repeat(" ", 24-len(key)) + ": "
			if !strings.HasPrefix(line, prefix) {
				t.Fatalf("line %q, want prefix %q", line, prefix)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, prefix)), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				t.Errorf("%v: %q: want a finite positive loss", args, line)
			}
			if !strings.HasPrefix(strings.TrimPrefix(line, prefix), " ") {
				t.Errorf("%q: a non-negative value keeps the sign position blank", line)
			}
		}
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, errOut := run(t, "", "validate", "--format", "json", "--epochs", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %q", out)
	}
	var keys []string
	vals := map[string]float64{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v float64
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		vals[tok.(string)] = v
	}
	if strings.Join(keys, ",") != strings.Join(nn.MetricNames[:], ",") {
		t.Errorf("keys %v, want %v", keys, nn.MetricNames)
	}
	if vals["pot_min_mV"] != -71.08395153742538 || vals["growth_events"] != 20 || vals["nernst_rtfz_mV"] != 26.71224675678714 {
		t.Errorf("values %v", vals)
	}
	// Zero epochs: the losses are NaN in the reference; JSON has no NaN, so they are null.
	code, out, _ = run(t, "", "validate", "--format=json", "--epochs=0", "--grid-size=8", "--steps=2")
	if code != 0 || !strings.HasPrefix(out, `{"loss_start":null,"loss_final":null,"loss_drop":null,`) {
		t.Errorf("zero epochs: exit %d, %s", code, out)
	}
	code, out, _ = run(t, "", "validate", "--epochs=0", "--grid-size=8", "--steps=2")
	if code != 0 || !strings.Contains(out, "\nloss_start              :  nan\n") {
		t.Errorf("zero epochs text: exit %d, %s", code, out)
	}
}

// TestValidateTuringSwitches: --no-turing and --turing-enabled write one setting, the last
// flag wins (argparse's store_true / store_false on one destination).
func TestValidateTuringSwitches(t *testing.T) {
	output := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"validate", "--grid-size=16", "--steps=10", "--format=json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		return out
	}
	on := output()
	off := output("--no-turing")
	if on == off {
		t.Fatal("--no-turing changed nothing")
	}
	if got := output("--no-turing", "--turing-enabled"); got != on {
		t.Error("--no-turing --turing-enabled: the last flag should win (Turing on)")
	}
	if got := output("--turing-enabled", "--no-turing"); got != off {
		t.Error("--turing-enabled --no-turing: the last flag should win (Turing off)")
	}
	if got := output("--quantum-jitter"); got == on {
		t.Error("--quantum-jitter changed nothing")
	}
}

func TestValidateBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch-size", "0"}, "--batch-size=0: batch_size=0 is out of range: must be >= 1"},
		{[]string{"--epochs", "-1"}, "--epochs=-1: epochs=-1 is out of range: must be in [0, 1000000]"},
		{[]string{"--seed", "-3"}, "--seed=-3: seed=-3 is out of range: must be >= 0"},
		{[]string{"--grid-size", "0"}, "--grid-size=0: grid_size=0 is out of range: must be in [1, 4096]"},
		{[]string{"--steps", "-1"}, "--steps=-1: steps=-1 is out of range: must be in [0, 1000000]"},
		{[]string{"--mode", "train"}, `--mode="train": must be one of validate`},
		{[]string{"--format", "yaml"}, `--format="yaml": must be one of text, json`},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"--epochs", "many"}, "invalid value"},
		{[]string{"--frobnicate"}, "flag provided but not defined"},
	} {
		code, out, errOut := run(t, "", append([]string{"validate"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
	if code, _, errOut := run(t, "", "validate", "-h"); code != 0 || !strings.Contains(errOut, "no-turing") {
		t.Errorf("-h: exit %d, %q", code, errOut)
	}
}
