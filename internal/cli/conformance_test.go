package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestConformanceOverDevGoldens(t *testing.T) {
	code, out, errOut := run(t, "", "conformance", filepath.Join("..", "..", "testdata", "golden"))
	if code != 0 {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^[1-9]\d* passed, 0 failed$`).MatchString(last) {
		t.Fatalf("last line %q", last)
	}
}

// A golden with one value changed must fail, naming the case and the first difference.
func TestConformanceReportsADifference(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "field_sim_variants.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The first growth_events of the file is 25 (the README case); make it 26.
	bad := strings.Replace(string(src), `"growth_events":25`, `"growth_events":26`, 1)
	if bad == string(src) {
		t.Fatal("test fixture: the value to corrupt was not found")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "variants.json"), []byte(bad), 0o644)
	code, out, _ := run(t, "", "conformance", dir)
	if code != 1 || !strings.Contains(out, "growth_events: got 25, want 26") || !strings.HasSuffix(strings.TrimSpace(out), "4 passed, 1 failed") {
		t.Fatalf("code %d, out:\n%s", code, out)
	}
}

func TestConformanceEmptyDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "other.json"), []byte(`{"hello": 1}`), 0o644)
	if code, _, errOut := run(t, "", "conformance", dir); code != 1 || !strings.Contains(errOut, "no golden file") {
		t.Fatalf("code %d: %s", code, errOut)
	}
	if code, _, _ := run(t, "", "conformance", filepath.Join(dir, "missing")); code != 1 {
		t.Fatalf("missing dir: code %d", code)
	}
}
