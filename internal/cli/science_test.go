package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScienceTableAndJSON(t *testing.T) {
	code, stdout, stderr := run(t, "", "science", "--group", "exact fractal", "--quiet")
	if code != 0 || !strings.Contains(stdout, "Sierpinski carpet 243², boxes 1…81") || !strings.Contains(stdout, "0 failed") {
		t.Fatalf("code %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "", "science", "--group", "literature", "--format", "json", "--quiet")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var rep scienceReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Checks != len(rep.Results) || rep.Failed != 0 || rep.Known != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Results {
		if r.Source == "" || r.Expected == "" || r.Computed == "" {
			t.Errorf("incomplete row %+v", r)
		}
	}
}

func TestScienceBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--format", "xml"}, {"--group", "astrology"}, {"extra"}} {
		if code, _, _ := run(t, "", append([]string{"science"}, args...)...); code != 2 {
			t.Errorf("%v: code %d, want 2", args, code)
		}
	}
}
