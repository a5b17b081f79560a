package buildinfo

import (
	"strings"
	"testing"
)

// Tags lists exactly the tags that changed a feature from its default, so that
// `go build -tags $(mfn version's tags)` rebuilds the same edition.
func TestTagsMatchFeatures(t *testing.T) {
	tags := map[string]bool{}
	for _, s := range strings.Split(Tags(), ",") {
		if s != "" {
			tags[s] = true
		}
	}
	for _, f := range Features() {
		optIn := f.Tag == f.Name
		if !optIn && f.Tag != "no"+f.Name {
			t.Errorf("%s: tag %q is neither no%s nor %s", f.Name, f.Tag, f.Name, f.Name)
		}
		changed := f.In == optIn
		if tags[f.Tag] != changed {
			t.Errorf("%s (in %v): tag %s listed %v", f.Name, f.In, f.Tag, tags[f.Tag])
		}
		if Has(f.Name) != f.In {
			t.Errorf("Has(%s) disagrees with Features", f.Name)
		}
		msg := Missing(f.Name).Error()
		if !strings.Contains(msg, f.Name+" support not compiled in") || !strings.Contains(msg, "-tags "+f.Tag) {
			t.Errorf("Missing(%s) = %q", f.Name, msg)
		}
	}
}

func TestUnknownFeaturePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Has(\"kafak\") did not panic")
		}
	}()
	Has("kafak")
}
