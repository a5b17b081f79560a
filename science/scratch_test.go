package science

import (
	"context"
	"testing"
	"time"

	"mfn/morph"
)

func TestScratchPresets(t *testing.T) {
	for _, p := range morph.Presets() {
		st := time.Now()
		r, err := morph.Run(context.Background(), p.Config, morph.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := morph.PatternOf(r, p.Config)
		an, _ := morph.Analyze(p.Config)
		t.Logf("%s %v %+v turing=%v gridunst=%v fastest=%+v act=%d %v", p.Name, err, m, an.Turing, an.GridUnstable, an.Fastest, r.TuringActivations, time.Since(st))
	}
}
