//go:build noplot

package render

import (
	"io"

	"mfn/internal/buildinfo"
	"mfn/stability"
)

// DispersionPlot is not available in a build without the chart library (-tags noplot).
func DispersionPlot(io.Writer, stability.System, stability.Grid, stability.Analysis, string) error {
	return buildinfo.Missing("plot")
}
