package render

import (
	"bytes"
	"image/color"
	"image/gif"
	"reflect"
	"strings"
	"testing"
)

func constant(n int, v float64) []float64 {
	f := make([]float64, n*n)
	for i := range f {
		f[i] = v
	}
	return f
}

func TestGIFFramesDelaysAndRoundTrip(t *testing.T) {
	frames := make([][]float64, 10)
	for k := range frames {
		frames[k] = constant(4, -0.070+0.001*float64(k))
	}
	g, err := AnimatedGIF(frames, 4, Options{Scale: 3, Delay: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 10 || !reflect.DeepEqual(g.Delay, []int{7, 7, 7, 7, 7, 7, 7, 7, 7, 7}) || g.LoopCount != 0 {
		t.Fatalf("%d frames, delays %v, loop count %d; want 10 frames of 7, looping forever", len(g.Image), g.Delay, g.LoopCount)
	}
	var buf bytes.Buffer
	if err := WriteGIF(&buf, g); err != nil {
		t.Fatal(err)
	}
	back, err := gif.DecodeAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Image) != 10 || !reflect.DeepEqual(back.Delay, g.Delay) || back.LoopCount != 0 {
		t.Errorf("decoded %d frames, delays %v, loop count %d", len(back.Image), back.Delay, back.LoopCount)
	}
	for k := range g.Image {
		if d := diff(back.Image[k], g.Image[k]); d != "" {
			t.Errorf("frame %d: %s", k, d)
		}
	}
	if g, err = AnimatedGIF(frames[:1], 4, Options{}); err != nil || g.Delay[0] != DefaultDelay {
		t.Errorf("default delay: %v, %v", g.Delay, err)
	}
}

// TestGIFFixedScale checks that the range spans all frames: a frame that is constant at the
// global minimum is drawn in entry 0, one at the global maximum in entry 255, whatever
// each frame's own range.
func TestGIFFixedScale(t *testing.T) {
	frames := [][]float64{constant(2, -0.080), constant(2, -0.070), constant(2, -0.060)}
	opt := Options{Scale: 4}
	g, err := AnimatedGIF(frames, 2, opt)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range []color.RGBA{Viridis(0), Viridis(128), Viridis(255)} {
		withTitle := Options{Scale: opt.Scale, Title: "step counter"} // every GIF frame has a title line
		if got := cellAt(t, g.Image[k], 2, 1, 1, withTitle); got != want {
			t.Errorf("frame %d: %v, want %v", k, got, want)
		}
	}
	// The colour bar and its labels are the same in every frame.
	l, _ := newLayout(2, 4, 0, 1, 1)
	for k := range g.Image {
		for y := l.barY; y < l.barY+l.barH; y++ {
			for x := l.barX - 1; x < g.Config.Width; x++ {
				if g.Image[k].ColorIndexAt(x, y) != g.Image[0].ColorIndexAt(x, y) {
					t.Fatalf("frame %d differs from frame 0 at (%d, %d), in the colour bar", k, x, y)
				}
			}
		}
	}
	if len(g.Image[0].Palette) > 256 {
		t.Errorf("palette of %d colours", len(g.Image[0].Palette))
	}
}

func TestGIFSubsamples(t *testing.T) {
	frames := make([][]float64, 50)
	for k := range frames {
		frames[k] = constant(1, float64(k))
	}
	g, err := AnimatedGIF(frames, 1, Options{Scale: 1, MaxFrames: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 7 {
		t.Errorf("%d frames, want 7", len(g.Image))
	}
	for _, tc := range []struct {
		t, m int
		want []int
	}{
		{5, 200, []int{0, 1, 2, 3, 4}},
		{10, 4, []int{0, 3, 6, 9}},
		{50, 7, []int{0, 8, 16, 25, 33, 41, 49}},
		{3, 2, []int{0, 2}},
	} {
		if got := subsample(tc.t, tc.m); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("subsample(%d, %d) = %v, want %v", tc.t, tc.m, got, tc.want)
		}
	}
}

func TestGIFPalette(t *testing.T) {
	pal, index := gifPalette()
	if len(pal) != 256 {
		t.Fatalf("palette of %d colours, want 256", len(pal))
	}
	for code, want := range map[uint16]color.Color{0: Viridis(0), 255: Viridis(255), codeGrey: NaNGrey,
		codeBlack: color.RGBA{A: 255}, codeWhite: color.RGBA{255, 255, 255, 255}} {
		if got := pal[index[code]]; got != want {
			t.Errorf("code %d → %v, want %v", code, got, want)
		}
	}
}

func TestGIFRejects(t *testing.T) {
	for _, tc := range []struct {
		frames [][]float64
		n      int
		opt    Options
		want   string
	}{
		{nil, 2, Options{}, "frames: none"},
		{[][]float64{constant(2, 0), constant(3, 0)}, 2, Options{}, "len(frames[1])=9"},
		{[][]float64{constant(2, 0)}, -1, Options{}, "n=-1"},
		{[][]float64{constant(2, 0)}, 2, Options{MaxFrames: -5}, "MaxFrames=-5"},
		{[][]float64{constant(2, 0)}, 2, Options{Delay: 70000}, "Delay=70000"},
		{make([][]float64, 300), 1, Options{}, "len(frames[0])=0"},
	} {
		_, err := AnimatedGIF(tc.frames, tc.n, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AnimatedGIF(%d frames, n=%d, %+v): error %v, want one naming %q", len(tc.frames), tc.n, tc.opt, err, tc.want)
		}
	}
	// Three 10240 px frames would hold over 300 million pixels: refused before drawing.
	big := [][]float64{constant(512, 0), constant(512, 0), constant(512, 0)}
	if _, err := AnimatedGIF(big, 512, Options{Scale: 20}); err == nil || !strings.Contains(err.Error(), "lower MaxFrames or Scale") {
		t.Errorf("oversized GIF: %v", err)
	}
	if WriteGIF(&bytes.Buffer{}, &gif.GIF{}) == nil {
		t.Error("WriteGIF of no frames succeeded")
	}
}

// TestGIFTitleStaysAboveTheMap: a long title and the step counter are drawn on their own lines
// and cut at the map's right edge, so nothing is drawn above the colour bar and its labels.
func TestGIFTitleStaysAboveTheMap(t *testing.T) {
	frames := [][]float64{constant(16, -0.07), constant(16, -0.06)}
	opt := Options{Scale: 8, Title: "engine 16×16, 1000 steps, seed 42, jitter, a title longer than the map"}
	g, err := AnimatedGIF(frames, 16, opt)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := newLayout(16, 8, 0, 1, 2)
	right := l.mapX + 16*8
	img := g.Image[0]
	black := img.Palette.Index(color.RGBA{0, 0, 0, 255})
	inks := 0
	// The title rows end above the top tick label, which reaches half a glyph above the bar.
	for y := 0; y < l.barY-glyphH*l.ts/2; y++ {
		for x := 0; x < g.Config.Width; x++ {
			if img.ColorIndexAt(x, y) == uint8(black) {
				inks++
				if x >= right {
					t.Fatalf("title ink at (%d, %d), right of the map's edge %d", x, y, right)
				}
			}
		}
	}
	if inks == 0 {
		t.Fatal("no title drawn")
	}
}

// TestTimesSignHasAGlyph: "64×64" in a title draws a ×, not the '?' of an unknown character.
func TestTimesSignHasAGlyph(t *testing.T) {
	if glyph('×') == glyph('?') || glyph('×') == glyph('X') {
		t.Error("× is drawn as ? or X")
	}
}
