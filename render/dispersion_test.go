//go:build !noplot

package render

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-analyze/charts/chartdraw/drawing"

	"mfn/field"
	"mfn/morph"
	"mfn/stability"
)

// dispersion draws preset's dispersion plot on an n×n periodic grid and decodes it; with
// MFN_PLOT_DIR set the PNG is also kept there to be looked at.
func dispersion(t *testing.T, s stability.System, n int, title string) (image.Image, stability.Analysis) {
	t.Helper()
	g := stability.Grid{N: n, Boundary: field.Periodic}
	an, err := stability.Analyze(s, g)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := DispersionPlot(&buf, s, g, an, title); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("MFN_PLOT_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, title+".png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("the plot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != plotWidth || b.Dy() != plotHeight {
		t.Fatalf("plot is %v, want %d×%d", b, plotWidth, plotHeight)
	}
	return img, an
}

func near(c color.Color, want drawing.Color, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(v uint32, w uint8) bool { return math.Abs(float64(int(v>>8)-int(w))) <= float64(tol) }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// pixels returns the points of img whose colour is within tol of want.
func pixels(img image.Image, want drawing.Color, tol int) []image.Point {
	var out []image.Point
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), want, tol) {
				out = append(out, image.Pt(x, y))
			}
		}
	}
	return out
}

// checkCurveSpans fails unless the curve's pixels reach at least half the plot's columns
// (the curve is drawn across its whole λ range, not missing or cut short).
func checkCurveSpans(t *testing.T, curve []image.Point) {
	t.Helper()
	cols := map[int]bool{}
	for _, p := range curve {
		cols[p.X] = true
	}
	if len(cols) < plotWidth/2 {
		t.Errorf("the curve's colour is in %d columns, want ≥ %d (curve missing?)", len(cols), plotWidth/2)
	}
}

// curvePixels are the points of img in the curve's blue, also where antialiasing blended it
// with the white background or the grey zero line beneath (nothing else in the plot is blue).
func curvePixels(img image.Image) []image.Point {
	var out []image.Point
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if int(bl>>8)-int(r>>8) > 60 && int(bl>>8)-int(g>>8) > 20 {
				out = append(out, image.Pt(x, y))
			}
		}
	}
	return out
}

func spotsSystem(t *testing.T) stability.System {
	t.Helper()
	p, err := morph.LookupPreset("spots")
	if err != nil {
		t.Fatal(err)
	}
	return p.Config.Params.System()
}

func TestDispersionPlotDrawsCurveModesZeroAndFastest(t *testing.T) {
	img, an := dispersion(t, spotsSystem(t), 64, "spots")
	if !an.GridUnstable {
		t.Fatal("spots on 64×64 should have growing modes")
	}
	// The curve: its colour across most of the width (the legend's sample alone is 24 pixels).
	curve := curvePixels(img)
	checkCurveSpans(t, curve)
	// The fastest mode: a red dot on the curve, besides the legend's red dot far to its right
	// (spots' fastest q² is a fifth of the plotted range).
	red := pixels(img, fastestColor, 20)
	if len(red) == 0 {
		t.Fatal("no fastest-mode marker")
	}
	minX, maxX := plotWidth, 0
	for _, p := range red {
		minX, maxX = min(minX, p.X), max(maxX, p.X)
	}
	if maxX-minX < plotWidth/4 {
		t.Errorf("red only in columns %d–%d: the marker or its legend entry is missing", minX, maxX)
	}
	var marker image.Point
	var k int
	for _, p := range red {
		if p.X < minX+15 {
			marker, k = marker.Add(p), k+1
		}
	}
	marker = marker.Div(k)
	onCurve := false
	for _, p := range curve {
		if d := p.Sub(marker); d.X*d.X+d.Y*d.Y <= 10*10 {
			onCurve = true
			break
		}
	}
	if !onCurve {
		t.Errorf("the fastest-mode marker at %v is not on the curve", marker)
	}
	// Around the marker, the curve peaks at the marker's height: the fastest grid mode is
	// near the continuum's maximum (the legend's blue sample, higher, is far to the right).
	top := plotHeight
	for _, p := range curve {
		if p.X > marker.X-40 && p.X < marker.X+40 {
			top = min(top, p.Y)
		}
	}
	if math.Abs(float64(top-marker.Y)) > 8 {
		t.Errorf("curve's top at row %d, fastest mode at row %d", top, marker.Y)
	}
	// The modes: dark grey dots in the lower half of the canvas, where no text is (the tick
	// labels are left of x = 60 and below y = 330).
	modes := 0
	for _, p := range pixels(img, modeColor, 12) {
		if p.Y > plotHeight/2 && p.Y < plotHeight-70 && p.X > 80 {
			modes++
		}
	}
	if modes < 50 {
		t.Errorf("%d mode-coloured pixels in the lower half, want ≥ 50", modes)
	}
	// The zero line: a row with many zero-line pixels in dashes (gaps between them).
	rows := map[int][]int{}
	for _, p := range pixels(img, zeroColor, 12) {
		rows[p.Y] = append(rows[p.Y], p.X)
	}
	dashed := false
	for _, xs := range rows {
		gaps := 0
		for i := 1; i < len(xs); i++ {
			if xs[i]-xs[i-1] > 1 {
				gaps++
			}
		}
		if len(xs) > 150 && gaps > 20 {
			dashed = true
		}
	}
	if !dashed {
		t.Error("no dashed zero line")
	}
}

func TestDispersionPlotWithoutGrowingModes(t *testing.T) {
	// v4.1's kinetics never form patterns: no marker, no legend entry for one, the curve
	// is still drawn over the whole λ ≤ 0 range.
	img, an := dispersion(t, morph.DefaultV41Kinetics().System(), 16, "v4.1")
	if an.GridUnstable {
		t.Fatal("v4.1 kinetics should be stable")
	}
	if red := pixels(img, fastestColor, 20); len(red) != 0 {
		t.Errorf("%d fastest-mode pixels in a plot without growing modes", len(red))
	}
	checkCurveSpans(t, curvePixels(img))
}

func TestDispersionPlotFlatCurve(t *testing.T) {
	// λ ≡ 0 (no kinetics, no diffusion; stability.Analyze refuses D = 0 but the plot does not
	// depend on it): the curve lies on the zero line, in a y range of height 1.
	var buf bytes.Buffer
	if err := DispersionPlot(&buf, stability.System{}, stability.Grid{N: 8, Boundary: field.Periodic}, stability.Analysis{}, "flat"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkCurveSpans(t, curvePixels(img))
}

func TestClipCurve(t *testing.T) {
	// A V from 2 down to -2 and back, clipped to [-1, 3]: two pieces, each ending at -1 where
	// the straight segments cross it.
	x := []float64{0, 1, 2, 3, 4}
	y := []float64{2, 0, -2, 0, 2}
	got := clipCurve(x, y, -1, 3)
	want := [][2][]float64{
		{{0, 1, 1.5}, {2, 0, -1}},
		{{2.5, 3, 4}, {-1, 0, 2}},
	}
	if len(got) != len(want) {
		t.Fatalf("clipCurve = %v, want %v", got, want)
	}
	for i := range want {
		for j := range 2 {
			if len(got[i][j]) != len(want[i][j]) {
				t.Fatalf("piece %d: %v, want %v", i, got[i], want[i])
			}
			for k := range want[i][j] {
				if math.Abs(got[i][j][k]-want[i][j][k]) > 1e-12 {
					t.Errorf("piece %d: %v, want %v", i, got[i], want[i])
				}
			}
		}
	}
	// Clipped above too; wholly inside is one piece, the input; wholly outside is nothing.
	if got := clipCurve([]float64{0, 1, 2}, []float64{5, 0, 5}, -1, 1); len(got) != 1 || len(got[0][0]) != 3 || got[0][0][0] != 0.8 || got[0][0][2] != 1.2 || got[0][1][0] != 1 || got[0][1][2] != 1 {
		t.Errorf("clip above: %v", got)
	}
	if got := clipCurve(x, y, -3, 3); len(got) != 1 || len(got[0][0]) != len(x) {
		t.Errorf("all in view: %v", got)
	}
	if got := clipCurve(x, y, 5, 6); len(got) != 0 {
		t.Errorf("nothing in view gave %v", got)
	}
}

func TestAxisTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		labels []string
	}{
		{0, 3.3, []string{"0", "0.5", "1", "1.5", "2", "2.5", "3", ""}},
		{-0.632, 0.41, []string{"", "-0.4", "-0.2", "0", "0.2", ""}},
		{0, 8, []string{"0", "2", "4", "6", "8"}},
	} {
		ticks, grid := axisTicks(c.lo, c.hi)
		var labels []string
		for _, tk := range ticks {
			labels = append(labels, tk.Label)
		}
		if len(labels) != len(c.labels) || ticks[0].Value != c.lo || ticks[len(ticks)-1].Value != c.hi {
			t.Errorf("axisTicks(%g, %g) = %q, want %q from lo to hi", c.lo, c.hi, labels, c.labels)
			continue
		}
		for i := range labels {
			if labels[i] != c.labels[i] {
				t.Errorf("axisTicks(%g, %g) = %q, want %q", c.lo, c.hi, labels, c.labels)
				break
			}
		}
		for _, g := range grid {
			if g.Value == 0 {
				t.Errorf("axisTicks(%g, %g): a grid line at 0 would cover the dashed zero line", c.lo, c.hi)
			}
		}
	}
}
