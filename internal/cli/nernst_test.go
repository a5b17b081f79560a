package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestNernstJSONMatchesReference(t *testing.T) {
	// The reference API's /nernst answers: K⁺ → -89.01066911987907 mV, Ca²⁺ → 101.51859103677918 mV.
	cases := []struct {
		args []string
		mV   float64
	}{
		{[]string{"--z", "1", "--c-out", "5e-3", "--c-in", "140e-3", "--temperature", "310"}, -89.01066911987907},
		{[]string{"--z", "2", "--c-out", "0.002", "--c-in", "1e-7"}, 101.51859103677918},
		{[]string{"--ion", "K"}, -89.01066911987907},
		{[]string{"--ion", "ca"}, 101.51859103677918},
		{[]string{"--ion", "Na"}, 66.5623001736488},
		{[]string{"--ion", "Cl"}, -90.85362372749782},
	}
	for _, c := range cases {
		code, out, errOut := run(t, "", append([]string{"nernst", "--format", "json"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %v in %q", c.args, err, out)
		}
		if got["potential_mV"] != c.mV {
			t.Errorf("%v: potential_mV %v, want %v", c.args, got["potential_mV"], c.mV)
		}
		for _, k := range []string{"z_valence", "concentration_out_molar", "concentration_in_molar", "temperature_k", "potential_V"} {
			if _, ok := got[k]; !ok {
				t.Errorf("%v: missing %s in %s", c.args, k, out)
			}
		}
	}
}

func TestNernstJSONFields(t *testing.T) {
	code, out, _ := run(t, "", "nernst", "--z", "1", "--c-out", "0.005", "--c-in", "0.14", "--format", "json")
	want := `{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310,"potential_mV":-89.01066911987907,"potential_V":-0.08901066911987907}` + "\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d\n got %s\nwant %s", code, out, want)
	}
}

func TestNernstText(t *testing.T) {
	code, out, _ := run(t, "", "nernst", "--ion", "K")
	if code != 0 || !strings.Contains(out, "E = -89.010669 mV (-0.08901066911987907 V)") || !strings.Contains(out, "K⁺") {
		t.Fatalf("exit %d: %q", code, out)
	}
	// Overriding the table's temperature and a concentration.
	code, out, _ = run(t, "", "nernst", "--ion", "K", "--c-out", "0.02", "--c-in", "0.4", "--temperature", "291.65")
	if code != 0 || !strings.Contains(out, "-75.285910 mV") {
		t.Fatalf("squid K⁺: exit %d: %q", code, out)
	}
	// Calcium's 100 nM inside is clamped to 1 µM, and the text says so.
	_, out, _ = run(t, "", "nernst", "--ion", "Ca")
	if !strings.Contains(out, "raised to 1e-06 M") {
		t.Fatalf("Ca clamp note missing: %q", out)
	}
}

func TestNernstUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--z", "0", "--c-out", "1", "--c-in", "1"}, []string{"--z=0", "[-3, 3]"}},
		{[]string{"--z", "5", "--c-out", "1", "--c-in", "1"}, []string{"--z=5", "max=3"}},
		{[]string{"--z", "1", "--c-out", "5e-3"}, []string{"missing --c-in"}},
		{[]string{}, []string{"missing --z, --c-out, --c-in"}},
		{[]string{"--z", "1", "--c-out", "NaN", "--c-in", "1"}, []string{"--c-out=NaN", "> 0"}},
		{[]string{"--z", "1", "--c-out", "1", "--c-in", "+Inf"}, []string{"--c-in=+Inf"}},
		{[]string{"--z", "1", "--c-out", "0", "--c-in", "1"}, []string{"--c-out=0", "> 0"}},
		{[]string{"--z", "1", "--c-out", "1", "--c-in", "1", "--temperature", "400"}, []string{"--temperature=400", "min=273.0, max=373.0"}},
		{[]string{"--ion", "Mg"}, []string{`--ion="Mg"`, "K, Na, Cl, Ca"}},
		{[]string{"--ion", "K", "--format", "xml"}, []string{`--format="xml"`}},
		{[]string{"--ion", "K", "extra"}, []string{"unexpected arguments"}},
	}
	for _, c := range cases {
		code, out, errOut := run(t, "", append([]string{"nernst"}, c.args...)...)
		if code != 2 || out != "" {
			t.Errorf("%v: exit %d, stdout %q", c.args, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errOut, w)
			}
		}
	}
	// A malformed flag value is a flag-package error: exit 2 as well.
	if code, _, _ := run(t, "", "nernst", "--z", "1.5", "--c-out", "1", "--c-in", "1"); code != 2 {
		t.Errorf("--z 1.5: exit %d", code)
	}
}
