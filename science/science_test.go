package science

import (
	"context"
	"testing"
)

// TestEveryCheckPassesOrIsAKnownFailure runs every check but the classifier's, which
// TestRegimesSeparable runs on the same sweep.
func TestEveryCheckPassesOrIsAKnownFailure(t *testing.T) {
	var checks []Check
	for _, c := range Checks() {
		if c.Group != GroupClassification {
			checks = append(checks, c)
		}
	}
	rs, err := Run(context.Background(), checks, nil)
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

func TestStatusesAndPanics(t *testing.T) {
	checks := []Check{
		{"g", "fails", func() Result { return within(1, 2, 0.5, "", "s") }},
		{"g", "passes", func() Result { return within(1, 1.2, 0.5, "", "s") }},
		{"g", "defect gone", func() Result { return Result{Status: knownFailureIf(true), Source: "s"} }},
		{"g", "defect shown", func() Result { return Result{Status: knownFailureIf(false), Source: "s"} }},
		{"g", "panics", func() Result { panic("boom") }},
	}
	rs, err := Run(context.Background(), checks, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{Fail, Pass, UnexpectedPass, KnownFailure, Fail}
	for i, r := range rs {
		if r.Status != want[i] || r.Check != checks[i].Name {
			t.Errorf("%s: %s, want %s", r.Check, r.Status, want[i])
		}
	}
	if Failures(rs) != 3 {
		t.Errorf("Failures = %d, want 3", Failures(rs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, checks, nil); err == nil {
		t.Error("a cancelled run returned no error")
	}
}
