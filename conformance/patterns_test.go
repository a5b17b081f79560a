package conformance

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func countOnes(m []bool) int {
	c := 0
	for _, b := range m {
		if b {
			c++
		}
	}
	return c
}

// TestDevPatternNamesRebuild: every dev pattern's name (or the numpy expression in it) is a
// recipe that rebuilds exactly the image its bits_rows give.
func TestDevPatternNamesRebuild(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "fractal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Patterns []fractalPattern `json:"patterns"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Patterns) < 10 {
		t.Fatalf("only %d patterns", len(f.Patterns))
	}
	for _, p := range f.Patterns {
		recipe := p.Recipe
		if recipe == "" {
			recipe = p.Name
			if i := strings.Index(p.Name, " ("); i >= 0 {
				recipe = p.Name[i+2 : len(p.Name)-1]
			}
		}
		got, err := BuildPattern(recipe, p.N)
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		if countOnes(got) != p.Ones {
			t.Errorf("%s: %d ones, want %d", p.Name, countOnes(got), p.Ones)
		}
		for i, row := range p.BitsRows {
			for j, c := range row {
				if got[i*p.N+j] != (c == '1') {
					t.Fatalf("%s: differs from bits_rows at (%d, %d)", p.Name, i, j)
				}
			}
		}
	}
}

// TestRecipesOtherSizes rebuilds patterns of sizes and levels the dev goldens do not have.
// Counts: a level-L carpet has 8^L ones, a 2^L Sierpinski triangle 3^L; the random counts come
// from golden/tools/pcg64_reference.py (numpy's PCG64 in pure Python), e.g. for the first:
// g = PCG64(3); sum(gen_random(g) > 0.25 for _ in range(2500)) = 1847.
func TestRecipesOtherSizes(t *testing.T) {
	cases := []struct {
		recipe string
		n      int
		ones   int
	}{
		{"sierpinski_carpet(level=2)", 9, 64},
		{"sierpinski_carpet(level=5)", 243, 32768},
		{"sierpinski_carpet(level=6)", 729, 262144},
		{"sierpinski_carpet_2187", 2187, 2097152},
		{"sierpinski_carpet(n=27)", 27, 512},
		{"sierpinski_triangle(n=32)", 32, 243},
		{"sierpinski_triangle(level=9)", 512, 19683},
		{"sierpinski_triangle_1024_n10", 1024, 59049},
		{"np.random.default_rng(3).random((50, 50)) > 0.25", 50, 1847},
		{"default_rng(11).random((100,100)) <= 0.7", 100, 7065},
		{"random_rng3_50_gt0.25", 50, 1847},
		{"horizontal_line_100", 100, 100},
		{"horizontal_line(n=10, row=0)", 10, 10},
		{"vertical_line(20)", 20, 20},
		{"diagonal_7", 7, 7},
		{"anti_diagonal(n=9)", 9, 9},
		{"full_square_128", 128, 128 * 128},
		{"square(n=64, top=8, left=8, size=16)", 64, 256},
		{"square(n=10, top=8, left=8, size=16)", 10, 4},
		{"checkerboard_9", 9, 41},
		{"checkerboard(n=8, cell=2)", 8, 32},
		{"single_pixel(n=5, row=4, col=4)", 5, 1},
		{"empty_17", 17, 0},
		{"ring(n=5, r_in=1, r_out=1)", 5, 4}, // the 4 neighbours at distance 1 from the centre
		{"ring(n=5, r_in=0, r_out=10)", 5, 25},
		{"ring_101_0_0", 101, 1},
	}
	for _, c := range cases {
		m, err := BuildPattern(c.recipe, c.n)
		if err != nil {
			t.Errorf("%s: %v", c.recipe, err)
			continue
		}
		if got := countOnes(m); got != c.ones {
			t.Errorf("%s: %d ones, want %d", c.recipe, got, c.ones)
		}
	}
	// A ring is symmetric under the dihedral group of the square.
	m, err := BuildPattern("ring(n=64, r_in=10, r_out=20)", 64)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 64 {
		for j := range 64 {
			if m[i*64+j] != m[j*64+i] || m[i*64+j] != m[(63-i)*64+j] {
				t.Fatalf("ring not symmetric at (%d, %d)", i, j)
			}
		}
	}
}

func TestRecipeErrors(t *testing.T) {
	for _, c := range []struct {
		recipe string
		n      int
		want   string
	}{
		{"mandelbrot(n=64)", 64, "unknown shape"},
		{"a heart-shaped blob", 64, "cannot read pattern recipe"},
		{"", 64, "empty"},
		{"sierpinski_carpet(level=3)", 64, "27×27 image, the case is 64×64"},
		{"sierpinski_carpet_64", 64, "power of 3"},
		{"sierpinski_triangle(n=81)", 81, "power of 2"},
		{"sierpinski_carpet(level=9)", 19683, "pattern size"},
		{"default_rng(1).random((32, 32)) > 0.5", 64, "32×32"},
		{"ring(n=8, r_in=5, r_out=2)", 8, "r_in <= r_out"},
		{"horizontal_line(n=8, row=9)", 8, "outside"},
		{"square(n=8, colour=3)", 8, "no parameter"},
		{"checkerboard(n=8, cell=x)", 8, "not a finite number"},
		{"diagonal_8_3", 8, "at most 0 parameters"},
	} {
		_, err := BuildPattern(c.recipe, c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("BuildPattern(%q, %d) = %v, want an error containing %q", c.recipe, c.n, err, c.want)
		}
	}
}

// TestRecipeCaseEndToEnd runs a fractal.json pattern case that only has a recipe: a level-6
// carpet (729², not in the dev goldens) with exact-fit boxes 3..243. Box size 3^k covers
// 8^(6-k) occupied boxes, so both estimators give D = log 8 / log 3 with R² = 1.
func TestRecipeCaseEndToEnd(t *testing.T) {
	d := math.Log(8) / math.Log(3)
	js := `{"name": "sierpinski_carpet_729_boxes_3_243_n5", "n": 729, "recipe": "sierpinski_carpet(level=6)",
	  "params": {"min_box_size": 3, "max_box_size": 243, "num_scales": 5},
	  "estimate_fractal_dimension": ` + jsonFloat(d) + `,
	  "analytics_box_counting": {"D": ` + jsonFloat(d) + `, "R2": 1.0},
	  "detail": {"max_box_resolved": 243, "geomspace_raw": [3, 9, 27, 81, 243],
	             "sizes": [3, 9, 27, 81, 243], "counts": [32768, 4096, 512, 64, 8]},
	  "ones": 262144}`
	run := func(js string) (int, int, string) {
		var p fractalPattern
		if err := json.Unmarshal([]byte(js), &p); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		r := &Recorder{File: "test", Kind: "fractal", out: &out}
		checkPattern(p, r)
		return r.Passed, r.Failed, out.String()
	}
	if pass, fail, out := run(js); fail != 0 || pass != 4 {
		t.Errorf("%d passed, %d failed:\n%s", pass, fail, out)
	}
	// The same case with level 5 in the recipe must fail, naming the size mismatch.
	bad := strings.Replace(js, "level=6", "level=5", 1)
	if _, fail, out := run(bad); fail == 0 || !strings.Contains(out, "243×243 image") {
		t.Errorf("wrong level was not reported: %s", out)
	}
	// An unreadable recipe is a failed case that says so.
	bad = strings.Replace(js, "sierpinski_carpet(level=6)", "koch_snowflake(level=6)", 1)
	if _, fail, out := run(bad); fail == 0 || !strings.Contains(out, "unknown shape") {
		t.Errorf("unreadable recipe was not reported: %s", out)
	}
}

func jsonFloat(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzBuildPattern: any recipe text either builds an n×n image or returns an error; nothing
// panics.
func FuzzBuildPattern(f *testing.F) {
	for _, s := range []string{"sierpinski_carpet(level=2)", "ring(n=9, r_in=1, r_out=3)", "random_rng1_9_gt0.5",
		"default_rng(1).random((9, 9)) > 0.5", "diagonal_9_n3", "square(9, 1, 1, 3)", "x(,=)", "_9", "ring_9_1"} {
		f.Add(s, 9)
	}
	f.Fuzz(func(t *testing.T, recipe string, n int) {
		if n > 64 {
			n = 64
		}
		m, err := BuildPattern(recipe, n)
		if err == nil && len(m) != n*n {
			t.Fatalf("%q: %d cells for n = %d", recipe, len(m), n)
		}
	})
}
