package npy_test

import (
	"bytes"
	"fmt"

	"mfn/npy"
)

// Write a 2×3 float64 array that numpy.load reads, and read it back.
func ExampleWrite() {
	var buf bytes.Buffer
	if err := npy.Write(&buf, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}); err != nil {
		panic(err)
	}
	shape, data, err := npy.Read(&buf)
	fmt.Println(shape, data, err)
	// Output:
	// [2 3] [1 2 3 4 5 6] <nil>
}
