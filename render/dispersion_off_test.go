//go:build noplot

package render

import (
	"bytes"
	"strings"
	"testing"

	"mfn/stability"
)

func TestDispersionPlotRefusedWithoutPlots(t *testing.T) {
	var buf bytes.Buffer
	err := DispersionPlot(&buf, stability.System{}, stability.Grid{N: 8}, stability.Analysis{}, "x")
	if err == nil || !strings.Contains(err.Error(), "-tags noplot") || buf.Len() != 0 {
		t.Errorf("DispersionPlot in a noplot build: %v, %d bytes written", err, buf.Len())
	}
}
