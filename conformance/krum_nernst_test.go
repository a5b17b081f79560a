package conformance

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKrumNernstGoldens replays krum.json and nernst.json on their own (copied into a temp
// dir, so no other checker runs) and requires every case to pass.
func TestKrumNernstGoldens(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"krum.json", "nernst.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	s, err := RunDir(dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed != 0 || len(s.Unknown) != 0 {
		t.Fatalf("%d passed, %d failed, unknown %v:\n%s", s.Passed, s.Failed, s.Unknown, out.String())
	}
	kinds := map[string]int{}
	for _, f := range s.Files {
		kinds[f.Kind] += f.Passed
	}
	if kinds["krum"] < 11 || kinds["nernst"] < 26 {
		t.Fatalf("too few cases ran: %v", kinds)
	}
}

// TestKrumCheckerCatchesDifferences makes sure the checker is not vacuous: a doctored golden
// must fail.
func TestKrumCheckerCatchesDifferences(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "krum.json"))
	if err != nil {
		t.Fatal(err)
	}
	doctored := strings.Replace(string(data), `"global_krum_gradient_index":3,`, `"global_krum_gradient_index":4,`, 1)
	if doctored == string(data) {
		t.Skip("golden lacks the expected case text")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "krum.json"), []byte(doctored), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := RunDir(dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed != 1 {
		t.Fatalf("doctored golden: %d failed, want 1\n%s", s.Failed, out.String())
	}
}

func TestNernstCheckerCatchesDifferences(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "nernst.json"))
	if err != nil {
		t.Fatal(err)
	}
	doctored := strings.Replace(string(data), "(parameter='z_valence', value=3.0)", "(parameter='z_valence', value=3)", 1)
	if doctored == string(data) {
		t.Skip("golden lacks the expected error text")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nernst.json"), []byte(doctored), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := RunDir(dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed != 1 {
		t.Fatalf("doctored golden: %d failed, want 1\n%s", s.Failed, out.String())
	}
}
