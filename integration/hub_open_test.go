package integration

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A publisher that cannot open (here: its spool is held by another hub) makes Open return an
// error naming it, after closing the publishers it had opened; it used to panic on a nil hub.
func TestOpenFailureClosesWhatItOpened(t *testing.T) {
	dir := t.TempDir()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`spool_dir: %s
publishers:
  - name: a
    type: file
    file: {dir: %s}
  - name: b
    type: file
    file: {dir: %s}
routes:
  - from: simulate
    to: [a, b]
`, filepath.Join(dir, "spool"), filepath.Join(dir, "out-a"), filepath.Join(dir, "out-b"))))
	if err != nil {
		t.Fatal(err)
	}
	first, err := Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(t.Context())
	second, err := Open(cfg, nil, nil)
	if err == nil {
		second.Close(t.Context())
		t.Fatal("a second hub opened the same spools")
	}
	if !strings.Contains(err.Error(), "publishers[0]") && !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("error does not name the publisher: %v", err)
	}
}
