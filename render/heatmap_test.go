package render

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

// ramp returns an n×n field rising row-major from −95 mV to +40 mV, the clamps of the model.
func ramp(n int) []float64 {
	f := make([]float64, n*n)
	for k := range f {
		f[k] = -0.095 + 0.135*float64(k)/float64(n*n-1)
	}
	return f
}

// cellAt returns the colour at the centre of cell (i, j) of a picture drawn with opt.
func cellAt(t *testing.T, img image.Image, n, i, j int, opt Options) color.RGBA {
	t.Helper()
	l, err := newLayout(n, opt.Scale, 0, 1, titleLines(opt.Title))
	if err != nil {
		t.Fatal(err)
	}
	x, y := l.mapX+j*l.scale+l.scale/2, l.mapY+i*l.scale+l.scale/2
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

func TestHeatmapSize(t *testing.T) {
	img, err := Heatmap(ramp(64), 64, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 64 cells of 8 px: a 512 px map with 8 px margins (text is double size at this width).
	b := img.Bounds()
	if b.Dy() != 8+512+8 || b.Dx() <= 512+8+8 {
		t.Errorf("size %v, want 528 px high and wider than the 512 px map plus margins", b.Size())
	}
	if got := img.RGBAAt(8+511, 8+511); got != Viridis(255) {
		t.Errorf("last map pixel %v, want the top colour %v", got, Viridis(255))
	}
	if got := img.RGBAAt(8+512, 8+511); got != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("pixel right of the map %v, want white background", got)
	}
	for _, tc := range []struct{ n, scale, side int }{{1, 0, 512}, {3, 0, 510}, {600, 0, 600}, {5, 3, 15}} {
		l, err := newLayout(tc.n, tc.scale, 0, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.n * l.scale; got != tc.side {
			t.Errorf("n=%d Scale=%d: map side %d px, want %d", tc.n, tc.scale, got, tc.side)
		}
	}
}

func TestCellColoursFollowTheMap(t *testing.T) {
	n, opt := 4, Options{Scale: 5}
	f := []float64{-0.080, -0.070, -0.060, -0.050, -0.040, -0.030, -0.020, -0.010,
		0, 0.010, 0.020, 0.030, 0.040, 0.050, 0.060, math.NaN()}
	f[5], f[6] = math.Inf(1), math.Inf(-1)
	img, err := Heatmap(f, n, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]color.RGBA{
		{0, 0}: Viridis(0),   // min
		{3, 2}: Viridis(255), // max
		{3, 3}: NaNGrey,
		{1, 1}: Viridis(255), // +Inf takes the top
		{1, 2}: Viridis(0),   // −Inf the bottom
		{2, 0}: Viridis(146), // 0 V is 0.080/0.140 = 57.1% up: entry floor(0.571·256)
	}
	for c, w := range want {
		if got := cellAt(t, img, n, c[0], c[1], opt); got != w {
			t.Errorf("cell %v = %v, want %v", c, got, w)
		}
	}
}

func TestFixedRangeClamps(t *testing.T) {
	lo, hi := -80.0, -60.0
	opt := Options{Scale: 4, MinMV: &lo, MaxMV: &hi}
	img, err := Heatmap([]float64{-0.095, -0.0695, -0.0649, 0.040}, 2, opt)
	if err != nil {
		t.Fatal(err)
	}
	// −69.5 mV is 52.5% up the scale (entry 134), −64.9 mV 75.5% (entry 193).
	for c, w := range map[[2]int]color.RGBA{{0, 0}: Viridis(0), {0, 1}: Viridis(134), {1, 0}: Viridis(193), {1, 1}: Viridis(255)} {
		if got := cellAt(t, img, 2, c[0], c[1], opt); got != w {
			t.Errorf("cell %v = %v, want %v", c, got, w)
		}
	}
	// One bound alone above every value: the scale is widened upwards, all cells take entry 0.
	opt = Options{Scale: 4, MinMV: &hi}
	if img, err = Heatmap([]float64{-0.095, -0.070, -0.065, -0.061}, 2, opt); err != nil {
		t.Fatal(err)
	}
	if got := cellAt(t, img, 2, 1, 1, opt); got != Viridis(0) {
		t.Errorf("below a lone MinMV: %v, want %v", got, Viridis(0))
	}
}

func TestConstantAndEmptyFieldsRender(t *testing.T) {
	for name, f := range map[string][]float64{
		"constant": {-0.07, -0.07, -0.07, -0.07},
		"all NaN":  {math.NaN(), math.NaN(), math.NaN(), math.NaN()},
		"huge":     {math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64},
		"max only": {math.MaxFloat64, math.MaxFloat64, math.MaxFloat64, math.MaxFloat64},
	} {
		img, err := Heatmap(f, 2, Options{Scale: 8})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "constant" {
			if got := cellAt(t, img, 2, 1, 1, Options{Scale: 8}); got != Viridis(128) {
				t.Errorf("constant field: %v, want the middle colour %v", got, Viridis(128))
			}
		}
	}
	lo, hi, _ := colourRange(Options{}, [][]float64{{-0.07}})
	if !(lo < -0.07 && hi > -0.07) {
		t.Errorf("constant field range [%g, %g] does not enclose it", lo, hi)
	}
}

func TestTicks(t *testing.T) {
	l := &layout{lo: -0.0707, hi: -0.0673, barY: 10, barH: 101}
	var labels []string
	for _, tk := range l.makeTicks() {
		labels = append(labels, tk.label)
	}
	if got := strings.Join(labels, "|"); got != "-70.5 mV|-70.0 mV|-69.5 mV|-69.0 mV|-68.5 mV|-68.0 mV|-67.5 mV" {
		t.Errorf("labels %s", got)
	}
	l = &layout{lo: -0.095, hi: 0.040, barY: 10, barH: 101}
	ts := l.makeTicks()
	if len(ts) != 7 || ts[0].label != "-80 mV" || ts[4].label != "0 mV" || ts[6].y != 10 {
		t.Errorf("clamp range ticks %+v", ts)
	}
	// A span of a few ulps far from zero once looped forever (k++ is a no-op beyond 2^53).
	l = &layout{lo: 1e-80, hi: math.Nextafter(math.Nextafter(1e-80, 1), 1), barY: 10, barH: 101}
	if ts = l.makeTicks(); len(ts) != 2 {
		t.Errorf("tiny span far from zero: ticks %+v, want the two ends", ts)
	}
}

func TestHeatmapRejects(t *testing.T) {
	one, two, nan := 1.0, 2.0, math.NaN()
	for _, tc := range []struct {
		field []float64
		n     int
		opt   Options
		want  string
	}{
		{nil, 0, Options{}, "n=0"},
		{[]float64{1, 2, 3}, 2, Options{}, "len(field)=3"},
		{[]float64{1}, 1, Options{Scale: -1}, "Scale=-1"},
		{[]float64{1}, 1, Options{Scale: MaxSide + 1}, "Scale=16385"},
		{[]float64{1}, 1, Options{MinMV: &two, MaxMV: &one}, "MinMV=2, MaxMV=1"},
		{[]float64{1}, 1, Options{MaxMV: &nan}, "MaxMV=NaN"},
		{[]float64{1}, 1, Options{MaxFrames: 1}, "MaxFrames=1"},
		{[]float64{1}, 1, Options{Delay: -3}, "Delay=-3"},
	} {
		_, err := Heatmap(tc.field, tc.n, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Heatmap(n=%d, %+v): error %v, want one naming %q", tc.n, tc.opt, err, tc.want)
		}
	}
}

func TestPNGRoundTrip(t *testing.T) {
	img, err := Heatmap(ramp(5), 5, Options{Title: "round trip"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, img); err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(img, back); d != "" {
		t.Error(d)
	}
	if WritePNG(&buf, nil) == nil {
		t.Error("WritePNG(nil) succeeded")
	}
}

// TestGoldenRamp pins the whole picture — map, bar, ticks, font — pixel for pixel.
// Regenerate with: go test ./render -run Golden -update
func TestGoldenRamp(t *testing.T) {
	img, err := Heatmap(ramp(16), 16, Options{Scale: 8, Title: "ramp 16x16"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "ramp16.png")
	if *update {
		var buf bytes.Buffer
		if err := WritePNG(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(img, want); d != "" {
		t.Errorf("%s differs from the golden image: %s (if intended, rerun with -update)", path, d)
	}
}

// diff describes how two images differ, or returns "" when they are the same pixel for pixel.
func diff(got, want image.Image) string {
	if got.Bounds() != want.Bounds() {
		return "bounds " + got.Bounds().String() + ", want " + want.Bounds().String()
	}
	b, bad, first := got.Bounds(), 0, image.Point{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.RGBAModel.Convert(got.At(x, y))
			w := color.RGBAModel.Convert(want.At(x, y))
			if g != w {
				if bad == 0 {
					first = image.Pt(x, y)
				}
				bad++
			}
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d pixels differ, the first at %v", bad, first)
}

// FuzzHeatmap feeds arbitrary float64 bit patterns (NaN payloads, ±Inf, subnormals, ±MaxFloat64)
// and colour bounds: Heatmap must return a picture or an error, never panic.
func FuzzHeatmap(f *testing.F) {
	le := func(vs ...float64) []byte {
		b := make([]byte, 8*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
		return b
	}
	f.Add(le(-0.07, -0.06, math.NaN(), 0.04), uint8(0), -95.0, 40.0)
	f.Add(le(math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64), uint8(3), 1e308, -1e308)
	f.Add(le(5e-324, -5e-324, 0, 0, 1, 1, 1, 1, 1), uint8(1), 0.0, 0.0)
	f.Add([]byte{}, uint8(2), math.NaN(), 1.0)
	f.Fuzz(func(t *testing.T, data []byte, which uint8, lo, hi float64) {
		vals := make([]float64, len(data)/8)
		for i := range vals {
			vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		n := int(math.Sqrt(float64(len(vals))))
		if n > 32 {
			n = 32
		}
		opt := Options{Scale: 1 + int(which>>2)%3, Title: string(data[:min(len(data), 12)])}
		if which&1 != 0 {
			opt.MinMV = &lo
		}
		if which&2 != 0 {
			opt.MaxMV = &hi
		}
		img, err := Heatmap(vals[:n*n], n, opt)
		if err != nil {
			return
		}
		if img.Bounds().Dx() < n*opt.Scale || img.Bounds().Dy() < n*opt.Scale {
			t.Fatalf("picture %v smaller than the %d-cell map", img.Bounds(), n)
		}
	})
}
