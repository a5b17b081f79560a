package conformance

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestFractalGoldens replays fractal.json and box_sizes.json from testdata/golden.
func TestFractalGoldens(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"fractal.json", "box_sizes.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "golden", f))
		if err != nil {
			t.Skipf("golden file missing: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	s, err := RunDir(dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 2 || len(s.Unknown) != 0 {
		t.Errorf("recognised %d files, unknown %v", len(s.Files), s.Unknown)
	}
	for _, f := range s.Files {
		t.Logf("%s [%s]: %d passed, %d failed", f.File, f.Kind, f.Passed, f.Failed)
	}
	if s.Failed != 0 || s.Passed == 0 {
		t.Errorf("%d passed, %d failed:\n%s", s.Passed, s.Failed, out.String())
	}
}
