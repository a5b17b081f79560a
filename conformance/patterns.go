package conformance

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"mfn/rng"
)

// The language in which golden/README.md describes fractal.json's test images. A pattern is
// rebuilt from its recipe's parameters, so a golden file may use any size, level, seed or
// threshold; a recipe this file cannot read is an error that quotes it.
//
// Two spellings are accepted:
//
//   - numpy's expression for a thresholded random field:
//     np.random.default_rng(S).random((N, N)) > T  (also >=, <, <=; "np.random." optional)
//   - a shape, either as a call with named or positional parameters, e.g.
//     sierpinski_carpet(level=5), sierpinski_triangle(n=512), ring(n=64, r_in=10, r_out=20),
//     horizontal_line(n=64, row=31), square(n=64, top=8, left=8, size=16),
//     or as a golden pattern name, e.g. sierpinski_carpet_243_defaults, horizontal_line_64,
//     random_rng7_256_gt0.9, ring_64_10_20 (suffixes that name box-count parameters, such as
//     _defaults, _boxes_3_81_n4 or _n8, are ignored: those come from the case's params).
//
// Shapes and their defaults (the defaults are the dev goldens' images):
//
//	full_square / square     ones in [top, top+size)², default the whole grid
//	empty                    no ones
//	single_pixel             one at (row, col), default (10, 20)
//	horizontal_line          row `row` (default n/2-1); vertical_line: column `col` (default n/2-1)
//	diagonal, anti_diagonal  i == j, resp. i + j == n-1
//	checkerboard             (i/cell + j/cell) even, cell default 1
//	sierpinski_carpet        n = 3^level; (i, j) is 0 iff some base-3 digit pair is (1, 1)
//	sierpinski_triangle      n = 2^level; (i, j) is 1 iff i & j == 0 (Pascal's triangle mod 2)
//	ring                     r_in² <= (i-c)² + (j-c)² <= r_out², c = (n-1)/2 unless cx, cy given

// maxRecipeSide bounds the images a recipe may ask for (4096² cells).
const maxRecipeSide = 4096

var (
	npRandomRE = regexp.MustCompile(`^(?:np\.random\.)?default_rng\(\s*(\d+)\s*\)\.random\(\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*\)\s*(>=|<=|>|<)\s*([0-9.eE+-]+)$`)
	callRE     = regexp.MustCompile(`^([a-z_]+)\s*\((.*)\)$`)
	nameRandRE = regexp.MustCompile(`^random_rng(\d+)_(\d+)_(gt|ge|lt|le)([0-9.eE+-]+)$`)
	// paramSuffixRE strips a golden name's box-count suffixes.
	paramSuffixRE = regexp.MustCompile(`(_defaults|_boxes_\d+_\d+(_n\d+)?|_n\d+)+$`)
)

// BuildPattern rebuilds the n×n image (row-major) a recipe describes. n is the case's size;
// a recipe that implies another size is an error.
func BuildPattern(recipe string, n int) ([]bool, error) {
	rec := strings.TrimSpace(recipe)
	if rec == "" {
		return nil, fmt.Errorf("empty pattern recipe")
	}
	if n < 1 || n > maxRecipeSide {
		return nil, fmt.Errorf("pattern size %d: must be in 1..%d", n, maxRecipeSide)
	}
	if m := npRandomRE.FindStringSubmatch(rec); m != nil {
		return randomPattern(rec, m[1], m[2], m[3], m[4], m[5], n)
	}
	if m := callRE.FindStringSubmatch(rec); m != nil {
		args, err := parseArgs(m[2])
		if err != nil {
			return nil, fmt.Errorf("pattern recipe %q: %v", recipe, err)
		}
		return shapePattern(recipe, m[1], args, n)
	}
	name := paramSuffixRE.ReplaceAllString(rec, "")
	if m := nameRandRE.FindStringSubmatch(name); m != nil {
		op := map[string]string{"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[m[3]]
		return randomPattern(rec, m[1], m[2], m[2], op, m[4], n)
	}
	// kind_N[_a_b...]: the trailing integers are the size and the shape's positional parameters.
	parts := strings.Split(name, "_")
	i := len(parts)
	for i > 0 && isUint(parts[i-1]) {
		i--
	}
	if i == 0 || i == len(parts) {
		return nil, fmt.Errorf("cannot read pattern recipe %q: expected a numpy default_rng(S).random((N, N)) > T expression, a call such as sierpinski_carpet(level=4), or a name such as horizontal_line_64", recipe)
	}
	kind := strings.Join(parts[:i], "_")
	nums := parts[i:]
	args := map[string]float64{"n": mustFloat(nums[0])}
	for k, v := range nums[1:] {
		args["#"+strconv.Itoa(k)] = mustFloat(v)
	}
	return shapePattern(recipe, kind, args, n)
}

func isUint(s string) bool {
	_, err := strconv.ParseUint(s, 10, 31)
	return err == nil
}

func mustFloat(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// parseArgs reads "a=1, b=2" or "64, 10, 20" (positional arguments are named "#0", "#1", …;
// a single positional argument of a call is the size n).
func parseArgs(s string) (map[string]float64, error) {
	args := map[string]float64{}
	if strings.TrimSpace(s) == "" {
		return args, nil
	}
	pos := 0
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		key := ""
		if k, v, ok := strings.Cut(f, "="); ok {
			key, f = strings.TrimSpace(k), strings.TrimSpace(v)
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("argument %q is not a finite number", f)
		}
		if key == "" {
			key = "#" + strconv.Itoa(pos)
			pos++
		}
		if _, dup := args[key]; dup {
			return nil, fmt.Errorf("argument %s given twice", key)
		}
		args[key] = v
	}
	// Positional form of a call: (n, a, b, ...) like the name form.
	if v, ok := args["#0"]; ok {
		if _, named := args["n"]; !named {
			args["n"] = v
			delete(args, "#0")
			for k := 1; ; k++ {
				w, ok := args["#"+strconv.Itoa(k)]
				if !ok {
					break
				}
				delete(args, "#"+strconv.Itoa(k))
				args["#"+strconv.Itoa(k-1)] = w
			}
		}
	}
	return args, nil
}

func randomPattern(recipe, seedS, rowsS, colsS, op, thrS string, n int) ([]bool, error) {
	seed, err1 := strconv.ParseUint(seedS, 10, 64)
	rows, err2 := strconv.Atoi(rowsS)
	cols, err3 := strconv.Atoi(colsS)
	thr, err4 := strconv.ParseFloat(thrS, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || math.IsNaN(thr) {
		return nil, fmt.Errorf("cannot read pattern recipe %q: seed, size or threshold is not a number", recipe)
	}
	if rows != n || cols != n {
		return nil, fmt.Errorf("pattern recipe %q describes a %d×%d image, the case is %d×%d", recipe, rows, cols, n, n)
	}
	g := rng.New(seed)
	mask := make([]bool, n*n)
	for i := range mask {
		u := g.Random()
		switch op {
		case ">":
			mask[i] = u > thr
		case ">=":
			mask[i] = u >= thr
		case "<":
			mask[i] = u < thr
		default:
			mask[i] = u <= thr
		}
	}
	return mask, nil
}

// shapeParams lists each shape's parameters in positional order ("n" comes first, always).
var shapeParams = map[string][]string{
	"full_square": {"top", "left", "size"}, "square": {"top", "left", "size"},
	"empty": nil, "single_pixel": {"row", "col"},
	"horizontal_line": {"row"}, "vertical_line": {"col"},
	"diagonal": nil, "anti_diagonal": nil, "checkerboard": {"cell"},
	"sierpinski_carpet": nil, "sierpinski_triangle": nil,
	"ring": {"r_in", "r_out", "cx", "cy"},
}

func shapePattern(recipe, kind string, args map[string]float64, n int) ([]bool, error) {
	names, ok := shapeParams[kind]
	if !ok {
		return nil, fmt.Errorf("pattern recipe %q: unknown shape %q (known: numpy default_rng(S).random((N, N)) > T, %s)", recipe, kind, knownShapes())
	}
	for k, v := range args {
		if strings.HasPrefix(k, "#") {
			idx, _ := strconv.Atoi(k[1:])
			if idx >= len(names) {
				return nil, fmt.Errorf("pattern recipe %q: %s takes at most %d parameters after the size", recipe, kind, len(names))
			}
			if _, dup := args[names[idx]]; dup {
				return nil, fmt.Errorf("pattern recipe %q: %s given twice", recipe, names[idx])
			}
			args[names[idx]] = v
			delete(args, k)
		}
	}
	allowed := map[string]bool{"n": true, "level": kind == "sierpinski_carpet" || kind == "sierpinski_triangle"}
	for _, p := range names {
		allowed[p] = true
	}
	for k := range args {
		if !allowed[k] {
			return nil, fmt.Errorf("pattern recipe %q: %s has no parameter %q", recipe, kind, k)
		}
	}
	size := n
	if v, ok := args["n"]; ok {
		size = int(v)
		if float64(size) != v {
			return nil, fmt.Errorf("pattern recipe %q: n = %v is not an integer", recipe, v)
		}
	}
	if lv, ok := args["level"]; ok {
		base := 3
		if kind == "sierpinski_triangle" {
			base = 2
		}
		if lv < 0 || lv != math.Trunc(lv) || math.Pow(float64(base), lv) > maxRecipeSide {
			return nil, fmt.Errorf("pattern recipe %q: level %v must be an integer with %d^level <= %d", recipe, lv, base, maxRecipeSide)
		}
		l := 1
		for range int(lv) {
			l *= base
		}
		if _, ok := args["n"]; ok && l != size {
			return nil, fmt.Errorf("pattern recipe %q: level %v gives side %d, not n = %d", recipe, lv, l, size)
		}
		size = l
	}
	if size != n {
		return nil, fmt.Errorf("pattern recipe %q describes a %d×%d image, the case is %d×%d", recipe, size, size, n, n)
	}
	get := func(k string, def int) (int, error) {
		v, ok := args[k]
		if !ok {
			return def, nil
		}
		if v != math.Trunc(v) || v < -maxRecipeSide || v > maxRecipeSide {
			return 0, fmt.Errorf("pattern recipe %q: %s = %v must be an integer in ±%d", recipe, k, v, maxRecipeSide)
		}
		return int(v), nil
	}
	mask := make([]bool, n*n)
	set := func(f func(i, j int) bool) []bool {
		for i := range n {
			for j := range n {
				mask[i*n+j] = f(i, j)
			}
		}
		return mask
	}
	switch kind {
	case "full_square", "square":
		top, err := get("top", 0)
		if err != nil {
			return nil, err
		}
		left, err := get("left", 0)
		if err != nil {
			return nil, err
		}
		side, err := get("size", n)
		if err != nil {
			return nil, err
		}
		return set(func(i, j int) bool { return i >= top && i < top+side && j >= left && j < left+side }), nil
	case "empty":
		return mask, nil
	case "single_pixel":
		r, err := get("row", 10)
		if err != nil {
			return nil, err
		}
		c, err := get("col", 20)
		if err != nil {
			return nil, err
		}
		if r < 0 || r >= n || c < 0 || c >= n {
			return nil, fmt.Errorf("pattern recipe %q: pixel (%d, %d) outside the %d×%d image", recipe, r, c, n, n)
		}
		mask[r*n+c] = true
		return mask, nil
	case "horizontal_line", "vertical_line":
		key := map[string]string{"horizontal_line": "row", "vertical_line": "col"}[kind]
		at, err := get(key, n/2-1)
		if err != nil {
			return nil, err
		}
		if at < 0 || at >= n {
			return nil, fmt.Errorf("pattern recipe %q: %s %d outside 0..%d", recipe, key, at, n-1)
		}
		if kind == "horizontal_line" {
			return set(func(i, _ int) bool { return i == at }), nil
		}
		return set(func(_, j int) bool { return j == at }), nil
	case "diagonal":
		return set(func(i, j int) bool { return i == j }), nil
	case "anti_diagonal":
		return set(func(i, j int) bool { return i+j == n-1 }), nil
	case "checkerboard":
		cell, err := get("cell", 1)
		if err != nil {
			return nil, err
		}
		if cell < 1 {
			return nil, fmt.Errorf("pattern recipe %q: cell %d must be >= 1", recipe, cell)
		}
		return set(func(i, j int) bool { return (i/cell+j/cell)%2 == 0 }), nil
	case "sierpinski_carpet":
		if !isPowerOf(n, 3) {
			return nil, fmt.Errorf("pattern recipe %q: a Sierpinski carpet's side is a power of 3, not %d", recipe, n)
		}
		return set(carpetCell), nil
	case "sierpinski_triangle":
		if !isPowerOf(n, 2) {
			return nil, fmt.Errorf("pattern recipe %q: a Sierpinski triangle's side is a power of 2, not %d", recipe, n)
		}
		return set(func(i, j int) bool { return i&j == 0 }), nil
	case "ring":
		rin, okIn := args["r_in"]
		rout, okOut := args["r_out"]
		if !okIn || !okOut || rin < 0 || rout < rin {
			return nil, fmt.Errorf("pattern recipe %q: a ring needs 0 <= r_in <= r_out", recipe)
		}
		cx, cy := float64(n-1)/2, float64(n-1)/2
		if v, ok := args["cx"]; ok {
			cx = v
		}
		if v, ok := args["cy"]; ok {
			cy = v
		}
		return set(func(i, j int) bool {
			d2 := (float64(i)-cy)*(float64(i)-cy) + (float64(j)-cx)*(float64(j)-cx)
			return d2 >= rin*rin && d2 <= rout*rout
		}), nil
	}
	return nil, fmt.Errorf("pattern recipe %q: unknown shape %q", recipe, kind)
}

func carpetCell(i, j int) bool {
	for i > 0 || j > 0 {
		if i%3 == 1 && j%3 == 1 {
			return false
		}
		i, j = i/3, j/3
	}
	return true
}

func isPowerOf(n, b int) bool {
	for n > 1 && n%b == 0 {
		n /= b
	}
	return n == 1
}

func knownShapes() string {
	return "full_square, square, empty, single_pixel, horizontal_line, vertical_line, diagonal, anti_diagonal, checkerboard, sierpinski_carpet, sierpinski_triangle, ring"
}
