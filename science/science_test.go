package science

import (
	"context"
	"testing"
)

func TestEveryCheckPassesOrIsAKnownFailure(t *testing.T) {
	rs, err := Run(context.Background(), Checks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		t.Logf("%-14s %-48s %-28s %-36s %-10s %s | %s", r.Group, r.Check, r.Expected, r.Computed, r.Tolerance, r.Status, r.Note)
		if r.Status.Failed() {
			t.Errorf("%s: %s (computed %s, expected %s)", r.Check, r.Status, r.Computed, r.Expected)
		}
		if r.Source == "" {
			t.Errorf("%s names no source", r.Check)
		}
	}
}
