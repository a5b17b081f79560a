package rng_test

import (
	"fmt"

	"mfn/rng"
)

// The same seed gives numpy's default_rng(42) draws, bit for bit.
func Example() {
	g := rng.New(42)
	fmt.Println(g.Random())             // np.random.default_rng(42).random()
	fmt.Println(g.Normal(-0.07, 0.005)) // the next draw: .normal(-0.07, 0.005)
	fmt.Println(g.Uniform(0, 0.1))
	// Output:
	// 0.7739560485559633
	// -0.07519992053120249
	// 0.08585979199113825
}
