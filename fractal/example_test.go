package fractal_test

import (
	"fmt"

	"mfn/fractal"
)

// A filled square has dimension 2; a line, 1.
func ExampleEstimateDimension() {
	const n = 64
	square := make([]bool, n*n)
	line := make([]bool, n*n)
	for i := range square {
		square[i] = true
	}
	for j := 0; j < n; j++ {
		line[10*n+j] = true
	}
	ds, _ := fractal.EstimateDimension(square, n, fractal.DefaultBoxOptions())
	dl, _ := fractal.EstimateDimension(line, n, fractal.DefaultBoxOptions())
	fmt.Printf("square %.4f, line %.4f\n", ds, dl)
	// Output:
	// square 1.9993, line 0.9997
}
