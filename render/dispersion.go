//go:build !noplot

package render

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/go-analyze/charts/chartdraw"
	"github.com/go-analyze/charts/chartdraw/drawing"

	"mfn/stability"
)

// The dispersion plot's size in pixels (6×4 inches at 96 dpi) and its colours, which the test
// looks for in the image.
const (
	plotWidth, plotHeight = 576, 384
	plotDPI               = 96
)

var (
	curveColor   = drawing.Color{R: 31, G: 119, B: 180, A: 255}
	modeColor    = drawing.Color{R: 90, G: 90, B: 90, A: 255}
	fastestColor = drawing.Color{R: 214, G: 39, B: 40, A: 255}
	zeroColor    = drawing.Color{R: 140, G: 140, B: 140, A: 255}
	gridColor    = drawing.Color{R: 225, G: 225, B: 225, A: 255}
)

// DispersionPlot draws the dispersion relation λ(q²) of s (the continuum curve over the
// discrete Laplacian's range), the allowed modes of grid g as points, the zero line and the
// fastest-growing mode, and writes it as a plotWidth×plotHeight PNG (go-analyze/charts'
// chartdraw: numeric x and y axes; its fonts are embedded gzipped, the one used is
// decompressed on first use).
func DispersionPlot(w io.Writer, s stability.System, g stability.Grid, an stability.Analysis, title string) error {
	// Show q² up to twice the band's end (or the whole range when nothing grows).
	qmax := 8.0
	if an.Turing && an.BandQ2[1] > 0 {
		qmax = min(8, 2*an.BandQ2[1])
	}
	const points = 400
	qs, ls := make([]float64, points), make([]float64, points)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range qs {
		qs[i] = qmax * float64(i) / (points - 1)
		ls[i] = s.Growth(qs[i])
		lo, hi = min(lo, ls[i]), max(hi, ls[i])
	}
	// Keep the interesting part in view: from a bit below the growth at the band's end.
	ymax := hi + 0.1*(hi-lo) + 1e-9
	ymin := max(lo, -max(2*math.Abs(hi), 0.5))
	if ymax-ymin < 1e-6 { // a flat curve (no kinetics, no diffusion): give the axis some height
		ymin, ymax = ymin-0.5, ymax+0.5
	}
	visible := func(y float64) bool { return y >= ymin && y <= ymax }

	// Series are drawn in order: the modes, the curve over them (so that a dense grid's modes
	// do not hide it), the fastest mode on top. chartdraw does not clip to the canvas: the
	// curve is cut where it leaves [ymin, ymax] and each visible piece is its own series.
	var series []chartdraw.Series
	on := func(name string, x, y []float64, st chartdraw.Style) {
		series = append(series, chartdraw.ContinuousSeries{Name: name, XValues: x, YValues: y, Style: st, YAxis: chartdraw.YAxisSecondary})
	}
	var mq, ml []float64
	for _, m := range gridModes(s, g, qmax) {
		if visible(m[1]) {
			mq, ml = append(mq, m[0]), append(ml, m[1])
		}
	}
	modeStyle := chartdraw.Style{StrokeWidth: chartdraw.Disabled, DotColor: modeColor, DotWidth: 2}
	modeName := fmt.Sprintf("modes of the %d×%d %s grid", g.N, g.N, g.Boundary)
	if len(mq) > 0 {
		on(modeName, mq, ml, modeStyle)
	}
	lineStyle := chartdraw.Style{StrokeColor: curveColor, StrokeWidth: 1.5}
	const lineName = "λ(q²), continuum"
	for _, seg := range clipCurve(qs, ls, ymin, ymax) {
		on(lineName, seg[0], seg[1], lineStyle)
	}
	legend := []legendEntry{{lineName, lineStyle}, {modeName, modeStyle}}
	if an.GridUnstable && visible(an.Fastest.Growth) {
		st := chartdraw.Style{StrokeWidth: chartdraw.Disabled, DotColor: fastestColor, DotWidth: 4.5}
		name := fmt.Sprintf("fastest mode: %.2f cells", an.Fastest.WavelengthCells)
		on(name, []float64{an.Fastest.Q2}, []float64{an.Fastest.Growth}, st)
		legend = append(legend, legendEntry{name, st})
	}
	if len(series) == 0 { // nothing of the curve in view cannot happen (ymin ≤ λ at its top), but chartdraw refuses an empty chart
		return fmt.Errorf("dispersion plot: nothing to draw in λ ∈ [%g, %g]", ymin, ymax)
	}

	zero := chartdraw.GridLine{Value: 0, Style: chartdraw.Style{StrokeColor: zeroColor, StrokeWidth: 2, StrokeDashArray: []float64{5, 4}}}
	if !visible(0) {
		zero.Style.Hidden = true
	}
	xticks, xgrid := axisTicks(0, qmax)
	yticks, ygrid := axisTicks(ymin, ymax)
	yaxis := chartdraw.YAxis{
		Range:     &chartdraw.ContinuousRange{Min: ymin, Max: ymax},
		Ticks:     yticks,
		Zero:      zero,
		GridLines: ygrid,
	}
	c := chartdraw.Chart{
		Title:      title,
		TitleStyle: chartdraw.Style{FontStyle: chartdraw.FontStyle{FontSize: 11}},
		Width:      plotWidth,
		Height:     plotHeight,
		DPI:        plotDPI,
		Background: chartdraw.Style{Padding: chartdraw.Box{Top: 30, Left: 34, Right: 20, Bottom: 10, IsSet: true}},
		XAxis: chartdraw.XAxis{
			Name:      "q² (eigenvalue of the negative discrete Laplacian, 1/cells²)",
			Range:     &chartdraw.ContinuousRange{Min: 0, Max: qmax},
			Ticks:     xticks,
			GridLines: xgrid,
		},
		// chartdraw's primary y axis is on the right: the series use the secondary (left)
		// one and the primary is hidden, with the same range so that it has a valid one.
		YAxis:          chartdraw.YAxis{Style: chartdraw.Hidden(), Range: &chartdraw.ContinuousRange{Min: ymin, Max: ymax}},
		YAxisSecondary: yaxis,
		Series:         series,
	}
	c.Elements = []chartdraw.Renderable{legendBox(legend), yName("growth rate λ (per time unit)")}
	return c.Render(chartdraw.PNG, w)
}

// axisTicks are ticks at round values (steps of 1, 2 or 5 times a power of ten, 4 to 10 of them)
// between lo and hi, with unlabelled ticks at lo and hi themselves: chartdraw spans an axis
// with explicit ticks from the first to the last. The grid has a line at each round tick but 0,
// where the dashed zero line is.
func axisTicks(lo, hi float64) ([]chartdraw.Tick, []chartdraw.GridLine) {
	step := math.Pow(10, math.Floor(math.Log10(hi-lo)))
	for _, m := range []float64{2, 1, 0.5, 0.2} {
		if (hi-lo)/(step*m) >= 4 {
			step *= m
			break
		}
	}
	label := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	round := func(v float64) bool { return math.Abs(v/step-math.Round(v/step)) < 1e-9 }
	ticks := []chartdraw.Tick{{Value: lo}}
	if round(lo) {
		ticks[0].Label = label(lo)
	}
	var grid []chartdraw.GridLine
	for i := math.Floor(lo/step) + 1; i*step < hi; i++ {
		v := i * step
		if v-lo < step/4 || hi-v < step/4 {
			continue // too close to an end to label without overlap
		}
		ticks = append(ticks, chartdraw.Tick{Value: v, Label: label(v)})
		if v != 0 {
			grid = append(grid, chartdraw.GridLine{Value: v, Style: chartdraw.Style{StrokeColor: gridColor, StrokeWidth: 1}})
		}
	}
	end := chartdraw.Tick{Value: hi}
	if round(hi) {
		end.Label = label(hi)
	}
	return append(ticks, end), grid
}

// clipCurve cuts the polyline (x[i], y[i]) to ymin ≤ y ≤ ymax, interpolating the crossing
// points, and returns the visible pieces as {xs, ys} pairs.
func clipCurve(x, y []float64, ymin, ymax float64) [][2][]float64 {
	in := func(v float64) bool { return v >= ymin && v <= ymax }
	cross := func(i, j int) (float64, float64) { // where segment i→j meets the bound it crosses
		b := ymin
		if y[i] > ymax || y[j] > ymax {
			b = ymax
		}
		t := (b - y[i]) / (y[j] - y[i])
		return x[i] + t*(x[j]-x[i]), b
	}
	var out [][2][]float64
	var xs, ys []float64
	for i := range x {
		switch {
		case in(y[i]) && len(xs) == 0 && i > 0: // entering
			cx, cy := cross(i-1, i)
			xs, ys = append(xs, cx), append(ys, cy)
			fallthrough
		case in(y[i]):
			xs, ys = append(xs, x[i]), append(ys, y[i])
		case len(xs) > 0: // leaving
			cx, cy := cross(i-1, i)
			out = append(out, [2][]float64{append(xs, cx), append(ys, cy)})
			xs, ys = nil, nil
		}
	}
	if len(xs) > 0 {
		out = append(out, [2][]float64{xs, ys})
	}
	return out
}

// yName writes the y axis's name bottom to top in the left margin, centred on the canvas
// (chartdraw places a name rotated this way off the image).
func yName(name string) chartdraw.Renderable {
	return func(r chartdraw.Renderer, canvas chartdraw.Box, defaults chartdraw.Style) {
		st := chartdraw.Style{FontStyle: chartdraw.FontStyle{FontSize: 10, FontColor: chartdraw.DefaultTextColor, Font: defaults.Font}}
		tb := chartdraw.Draw.MeasureText(r, name, st) // measured unrotated
		// Rotated a quarter turn anticlockwise, the text runs up from the anchor and its glyphs
		// lie left of it.
		st.TextRotationDegrees = 270
		chartdraw.Draw.Text(r, name, 8+tb.Height(), (canvas.Top+canvas.Bottom)/2+tb.Width()/2, st)
	}
}

type legendEntry struct {
	label string
	style chartdraw.Style // a stroke draws a line sample, a dot a dot
}

// legendBox draws the legend at the canvas's top right with each entry's own sample: chartdraw's
// Legend draws every series as a line, which would show the point series as nothing.
func legendBox(entries []legendEntry) chartdraw.Renderable {
	return func(r chartdraw.Renderer, canvas chartdraw.Box, defaults chartdraw.Style) {
		text := chartdraw.Style{FontStyle: chartdraw.FontStyle{FontSize: 9, FontColor: chartdraw.DefaultTextColor, Font: defaults.Font}}
		const pad, sample, gap = 6, 24, 6
		width, height := 0, pad
		boxes := make([]chartdraw.Box, len(entries))
		for i, e := range entries {
			boxes[i] = chartdraw.Draw.MeasureText(r, e.label, text)
			width = max(width, boxes[i].Width())
			height += boxes[i].Height() + pad
		}
		right := canvas.Right - 8
		left := right - (pad + width + gap + sample + pad)
		box := chartdraw.Box{Top: canvas.Top + 8, Left: left, Right: right, Bottom: canvas.Top + 8 + height, IsSet: true}
		chartdraw.Draw.Box(r, box, chartdraw.Style{FillColor: drawing.ColorWhite, StrokeColor: chartdraw.DefaultAxisColor, StrokeWidth: 1})
		y := box.Top + pad
		for i, e := range entries {
			h := boxes[i].Height()
			chartdraw.Draw.Text(r, e.label, left+pad, y+h, text)
			sx, sy := right-pad-sample, y+h/2
			if e.style.ShouldDrawStroke() {
				r.SetStrokeColor(e.style.StrokeColor)
				r.SetStrokeWidth(e.style.StrokeWidth)
				r.SetStrokeDashArray(nil)
				r.MoveTo(sx, sy)
				r.LineTo(sx+sample, sy)
				r.Stroke()
			}
			if e.style.ShouldDrawDot() {
				r.SetFillColor(e.style.DotColor)
				r.SetStrokeColor(e.style.DotColor)
				r.SetStrokeWidth(1)
				r.Circle(e.style.DotWidth, sx+sample/2, sy)
				r.FillStroke()
			}
			y += h + pad
		}
	}
}

// gridModes are the distinct (q², λ) of the grid's non-constant modes up to qmax, by q².
func gridModes(s stability.System, g stability.Grid, qmax float64) [][2]float64 {
	seen := map[float64]bool{}
	var out [][2]float64
	for _, q := range g.Eigenvalues() {
		if q <= 0 || q > qmax {
			continue
		}
		k := math.Round(q*1e9) / 1e9
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, [2]float64{q, s.Growth(q)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
