//go:build !noplot

package render

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"mfn/stability"
)

// DispersionPlot draws the dispersion relation λ(q²) of s (the continuum curve over the
// discrete Laplacian's range), the allowed modes of grid g as points, the zero line and the
// fastest-growing mode, and writes it as a PNG of width×height inches·96 dpi.
func DispersionPlot(w io.Writer, s stability.System, g stability.Grid, an stability.Analysis, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "q² (eigenvalue of the negative discrete Laplacian, 1/cells²)"
	p.Y.Label.Text = "growth rate λ (per time unit)"
	// Show q² up to twice the band's end (or the whole range when nothing grows).
	qmax := 8.0
	if an.Turing && an.BandQ2[1] > 0 {
		qmax = min(8, 2*an.BandQ2[1])
	}
	const points = 400
	curve := make(plotter.XYs, points)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range curve {
		q := qmax * float64(i) / (points - 1)
		curve[i] = plotter.XY{X: q, Y: s.Growth(q)}
		lo, hi = min(lo, curve[i].Y), max(hi, curve[i].Y)
	}
	line, err := plotter.NewLine(curve)
	if err != nil {
		return err
	}
	line.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	line.Width = vg.Points(1.5)

	modes := gridModes(s, g, qmax)
	scatter, err := plotter.NewScatter(modes)
	if err != nil {
		return err
	}
	scatter.GlyphStyle.Radius = vg.Points(1.6)
	scatter.GlyphStyle.Color = color.RGBA{R: 90, G: 90, B: 90, A: 255}

	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: qmax, Y: 0}})
	if err != nil {
		return err
	}
	zero.Color = color.Gray{Y: 120}
	zero.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}

	p.Add(plotter.NewGrid(), zero, line, scatter)
	p.Legend.Add("λ(q²), continuum", line)
	p.Legend.Add(fmt.Sprintf("modes of the %d×%d %s grid", g.N, g.N, g.Boundary), scatter)
	if an.GridUnstable {
		f, err := plotter.NewScatter(plotter.XYs{{X: an.Fastest.Q2, Y: an.Fastest.Growth}})
		if err != nil {
			return err
		}
		f.GlyphStyle.Shape = draw.CircleGlyph{}
		f.GlyphStyle.Radius = vg.Points(4)
		f.GlyphStyle.Color = color.RGBA{R: 214, G: 39, B: 40, A: 255}
		p.Add(f)
		p.Legend.Add(fmt.Sprintf("fastest mode: %.2f cells", an.Fastest.WavelengthCells), f)
	}
	p.Legend.Top = true
	// Keep the interesting part in view: from a bit below the growth at the band's end.
	p.Y.Max = hi + 0.1*(hi-lo) + 1e-9
	p.Y.Min = max(lo, -max(2*math.Abs(hi), 0.5))
	p.X.Min, p.X.Max = 0, qmax
	wt, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// gridModes are the distinct (q², λ) of the grid's non-constant modes up to qmax.
func gridModes(s stability.System, g stability.Grid, qmax float64) plotter.XYs {
	seen := map[float64]bool{}
	var out plotter.XYs
	for _, q := range g.Eigenvalues() {
		if q <= 0 || q > qmax {
			continue
		}
		k := math.Round(q*1e9) / 1e9
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, plotter.XY{X: q, Y: s.Growth(q)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].X < out[j].X })
	return out
}
