package cli

import (
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/field"
	"mfn/npy"
	"mfn/render"
	"mfn/rng"
)

func TestRenderDefaultPNG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "field.png")
	code, stdout, errOut := run(t, "", "render", "--model", "v4.1", "--out", out)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 64 cells × 8 px under a title line, with 8 px margins: 8 + 22 + 512 + 8 px high.
	if b := img.Bounds(); b.Dy() != 550 || b.Dx() < 512 || !strings.Contains(stdout, "written "+out) {
		t.Errorf("picture %v, stdout %q", b, stdout)
	}
	// The same picture as rendering the simulated field directly.
	sim, err := field.SimulateLegacy(rng.New(42), field.DefaultLegacy())
	if err != nil {
		t.Fatal(err)
	}
	want, err := render.Heatmap(sim.Field, 64, render.Options{Title: "legacy 64×64, 64 steps, seed 42"})
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", img.Bounds(), want.Bounds())
	}
	for y := 0; y < want.Bounds().Dy(); y++ {
		for x := 0; x < want.Bounds().Dx(); x++ {
			if r1, g1, b1, _ := img.At(x, y).RGBA(); [3]uint32{r1, g1, b1} != rgb(want.At(x, y).RGBA()) {
				t.Fatalf("pixel (%d, %d) differs from render.Heatmap of the same field", x, y)
			}
		}
	}
}

func rgb(r, g, b, _ uint32) [3]uint32 { return [3]uint32{r, g, b} }

func decodeGIF(t *testing.T, path string) *gif.GIF {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestRenderHistoryGIF(t *testing.T) {
	out := filepath.Join(t.TempDir(), "history.gif")
	code, stdout, errOut := run(t, "", "render", "--steps", "10", "--grid-size", "16", "--delay", "3", "--out", out)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	g := decodeGIF(t, out)
	if len(g.Image) != 10 || g.Delay[0] != 3 || g.LoopCount != 0 || !strings.Contains(stdout, "10 frames") {
		t.Errorf("%d frames, delays %v, loop %d, stdout %q", len(g.Image), g.Delay, g.LoopCount, stdout)
	}
	// Without --history too: a .gif always records it; --max-frames subsamples.
	code, _, errOut = run(t, "", "render", "--steps", "30", "--grid-size", "8", "--max-frames", "4", "--out", out)
	if g = decodeGIF(t, out); code != 0 || len(g.Image) != 4 {
		t.Errorf("code %d (%s), %d frames, want 4", code, errOut, len(g.Image))
	}
}

func writeNpy(t *testing.T, name string, shape []int, data []float64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := npy.Write(f, shape, data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRenderFromNpy(t *testing.T) {
	dir := t.TempDir()
	ramp := make([]float64, 3*5*5)
	for i := range ramp {
		ramp[i] = -0.07 + 0.0001*float64(i)
	}
	field2 := writeNpy(t, "field.npy", []int{5, 5}, ramp[:25])
	hist := writeNpy(t, "hist.npy", []int{3, 5, 5}, ramp)

	png1 := filepath.Join(dir, "a.png")
	if code, _, errOut := run(t, "", "render", "--in", field2, "--out", png1, "--scale", "2"); code != 0 {
		t.Fatalf("2-D → PNG: code %d: %s", code, errOut)
	}
	gif1 := filepath.Join(dir, "a.gif")
	if code, _, errOut := run(t, "", "render", "--in", hist, "--out", gif1); code != 0 {
		t.Fatalf("3-D → GIF: code %d: %s", code, errOut)
	}
	if g := decodeGIF(t, gif1); len(g.Image) != 3 {
		t.Errorf("%d frames, want 3", len(g.Image))
	}
	// A history to a PNG draws its last frame.
	png2 := filepath.Join(dir, "last.png")
	if code, _, errOut := run(t, "", "render", "--in", hist, "--out", png2, "--min-mv", "-70", "--max-mv", "-60"); code != 0 {
		t.Fatalf("3-D → PNG: code %d: %s", code, errOut)
	}
	lo, hi := -70.0, -60.0
	want, _ := render.Heatmap(ramp[50:], 5, render.Options{Title: "hist.npy", MinMV: &lo, MaxMV: &hi})
	f, err := os.Open(png2)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != want.Bounds() || rgb(img.At(30, 40).RGBA()) != rgb(want.At(30, 40).RGBA()) {
		t.Errorf("PNG of a history is not its last frame")
	}
}

func TestRenderRejects(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.png")
	missing := filepath.Join(dir, "missing.npy")
	oneD := writeNpy(t, "line.npy", []int{4}, make([]float64, 4))
	rect := writeNpy(t, "rect.npy", []int{2, 3}, make([]float64, 6))
	rect3 := writeNpy(t, "rect3.npy", []int{2, 2, 3}, make([]float64, 12))
	empty := writeNpy(t, "empty.npy", []int{0, 4, 4}, nil)
	fourD := writeNpy(t, "four.npy", []int{1, 1, 1, 1}, make([]float64, 1))
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--out", filepath.Join(dir, "x.jpg")}, 2, []string{"x.jpg", ".png or .gif"}},
		{nil, 2, []string{"--out is required"}},
		{[]string{"--out", out, "--scale", "-2"}, 2, []string{"--scale=-2"}},
		{[]string{"--out", out, "--max-frames", "1"}, 2, []string{"--max-frames=1"}},
		{[]string{"--out", out, "--delay", "0"}, 2, []string{"--delay=0"}},
		{[]string{"--out", out, "--min-mv", "-60", "--max-mv", "-70"}, 2, []string{"--min-mv=-60", "--max-mv=-70"}},
		{[]string{"--out", out, "--max-mv", "NaN"}, 2, []string{"--max-mv=NaN"}},
		{[]string{"--out", filepath.Join(dir, "x.gif"), "--steps", "0"}, 2, []string{"steps=0"}},
		{[]string{"--out", out, "--in", rect, "--steps", "5"}, 2, []string{"--steps", "does not apply"}},
		{[]string{"--out", out, "--grid-size", "0"}, 2, []string{"grid"}},
		{[]string{"--out", out, "--in", missing}, 1, []string{"missing.npy", "no such file"}},
		{[]string{"--out", out, "--in", oneD}, 1, []string{"line.npy", "shape (4,)"}},
		{[]string{"--out", out, "--in", rect}, 1, []string{"rect.npy", "shape (2, 3)", "square"}},
		{[]string{"--out", out, "--in", rect3}, 1, []string{"rect3.npy", "shape (2, 2, 3)"}},
		{[]string{"--out", out, "--in", empty}, 1, []string{"empty.npy", "shape (0, 4, 4)", "no frames"}},
		{[]string{"--out", out, "--in", fourD}, 1, []string{"four.npy", "shape (1, 1, 1, 1)", "4 dimensions"}},
		{[]string{"--out", filepath.Join(dir, "no-such-dir", "x.png"), "--grid-size", "8", "--steps", "1"}, 1, []string{"no-such-dir"}},
	} {
		code, _, errOut := run(t, "", append([]string{"render"}, tc.args...)...)
		if code != tc.code {
			t.Errorf("%v: code %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q does not mention %q", tc.args, errOut, w)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("failed runs left files behind: %v", names)
	}
}
